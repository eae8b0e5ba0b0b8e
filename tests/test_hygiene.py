"""Test hygiene: the session-end check of tests/conftest.py sees an index a test left behind, and only
indices of this session's prefixes (other sessions may share the cluster). Real Elasticsearch."""

from __future__ import annotations

import uuid

import pytest

from crawler.config import load_config
from crawler.store import Store
from tests.conftest import TEST_PREFIXES, _indices, leftover_indices, write_config

pytestmark = pytest.mark.es


def test_the_leftover_check_names_an_index_left_behind_and_only_ours(es_url: str, tmp_path) -> None:
    ours, theirs = f"rasad-t{uuid.uuid4().hex[:10]}", f"rasad-t{uuid.uuid4().hex[:10]}"
    store = Store(load_config(write_config(tmp_path, es_url, ours), env={}))  # registers `ours`
    assert ours in TEST_PREFIXES and theirs not in TEST_PREFIXES
    before = _indices(es_url)
    try:
        for name in (f"{ours}-seen-v1", f"{theirs}-seen-v1", f"{ours}x-articles-v1"):
            store.client.indices.create(index=name)
        after = _indices(es_url)
        # Another session's prefix, and a longer prefix that merely starts with ours, are not blamed.
        assert leftover_indices(before, after, TEST_PREFIXES) == [f"{ours}-seen-v1"]
    finally:
        store.client.options(ignore_status=404).indices.delete(index=f"{ours}-seen-v1,{theirs}-seen-v1,{ours}x-articles-v1")
        store.close()
    assert leftover_indices(before, _indices(es_url), TEST_PREFIXES) == []


def test_the_config_fixture_deletes_what_the_commands_created(config, es_url: str) -> None:
    """A test that only takes `config` and runs a command that creates the schema leaves nothing."""
    from jobs.cli import main

    assert main(["--config", config.source_file, "init"]) == 0
    assert [i for i in _indices(es_url) if i.startswith(f"{config.elasticsearch.index_prefix}-")]
    # The teardown of `config` deletes them; the session-end check would fail otherwise.


def test_chromium_is_installed_without_recommended_packages() -> None:
    """`make chromium` and .ci/run as root: Chromium and its fonts only, not the ~100 recommended packages
    (systemd, avahi, cups helpers) that a headless browser does not use."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    installs = [line for name in ("Makefile", ".ci/run")
                for line in (root / name).read_text(encoding="utf-8").splitlines() if "apt-get install" in line]
    assert len(installs) >= 3  # the Makefile's install and its hint, and .ci/run's
    assert all("--no-install-recommends" in line for line in installs), installs


def test_readme_outlet_groups_are_the_groups_sources_list_shows() -> None:
    """README names each group of `rasad sources list` with its outlets, and no other group."""
    import re
    from pathlib import Path

    from crawler.sources.registry import all_sources

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    para = text[text.index("**Outlets.**"):text.index("The press mirrors")]
    listed = {g: set(re.findall(r"`([a-z0-9_]+)`", names))
              for g, n, names in re.findall(r"`([a-z]+)` \((\d+), [^)]*\): ([^;.]+)", para)}
    truth: dict[str, set[str]] = {}
    for s in all_sources():
        truth.setdefault(s.group, set()).add(s.name)
    assert listed == truth
    assert not re.search(r"\b(egypt|gulf|maghreb|levant)\b(?!\.py)", para)  # file names are not groups
