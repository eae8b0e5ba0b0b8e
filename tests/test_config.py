"""Configuration: defaults, environment overrides, and clear errors naming the file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rasad.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_use_local_node_and_seed_topic(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, ""), env={})
    assert cfg.elasticsearch.is_local
    assert cfg.elasticsearch.effective_url == "http://127.0.0.1:9200"
    topic = cfg.topic()
    assert topic.name == "wic-2020"
    assert "المؤتمر العالمي للإنترنت" in topic.keywords
    assert cfg.path(topic.reference).read_text(encoding="utf-8").startswith("تظهر الصورة")


def test_environment_overrides_and_secrets(tmp_path: Path) -> None:
    cfg = load_config(
        write(tmp_path, "[elasticsearch]\nusername = 'elastic'\n"),
        env={"ES_URL": "https://es.internal:9200", "ES_PASSWORD": "s3cret", "SMTP_PASSWORD": "p"},
    )
    assert cfg.elasticsearch.url == "https://es.internal:9200"
    assert cfg.elasticsearch.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(cfg) and "s3cret" not in str(cfg.model_dump())


@pytest.mark.parametrize(
    "text, key",
    [
        ("[elasticsearch]\nlocal_port = 'many'\n", "elasticsearch.local_port"),
        ("[elasticsearch]\nlocal_port = 80\n", "elasticsearch.local_port"),
        ("[smtp]\nsecurity = 'tls-please'\n", "smtp.security"),
        ("[crawl]\nunknown_option = 1\n", "crawl.unknown_option"),
        ("[compare]\ncopy_threshold = 2.0\n", "compare.copy_threshold"),
        ("[elasticsearch]\nindex_prefix = 'Bad Prefix'\n", "elasticsearch.index_prefix"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert str(path) in str(err.value)
    assert key in str(err.value)


def test_secret_in_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"smtp\.password.*SMTP_PASSWORD"):
        load_config(write(tmp_path, "[smtp]\npassword = 'hunter2'\n"), env={})


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[crawl\n"), env={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_missing_reference_file_names_topic_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"topics\.mine\.reference"):
        load_config(write(tmp_path, "default_topic = 'mine'\n[topics.mine]\nreference = 'missing.txt'\n"), env={})


def test_example_config_is_valid() -> None:
    cfg = load_config(ROOT / "rasad.example.toml", env={})
    assert cfg.default_topic in cfg.topics


def test_cli_reports_bad_configuration_with_exit_code_2(tmp_path: Path) -> None:
    path = write(tmp_path, "[schedule]\nmisfire_grace_time = -5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "--config", str(path), "init"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2
    assert "schedule.misfire_grace_time" in proc.stderr and str(path) in proc.stderr
