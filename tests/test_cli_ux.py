"""The `rasad` command as an operator meets it: start-up imports, pipes, errors, configuration help, logs.

Start-up *time* is measured by `make bench` (bench/startup.py); here the cause is checked: the fast
commands must not import the heavy libraries at all.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tomllib
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from crawler.config import Config, ConfigError, load_config, valid_keys
from crawler.sources.registry import all_sources
from jobs import logs
from jobs.cli import main

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scrapy", "twisted", "sklearn", "numpy", "elasticsearch", "trafilatura", "lxml", "PIL", "apscheduler",
         "sqlalchemy", "jinja2", "datasketch", "feedparser", "dateparser")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "RASAD_CONFIG": str(_config(tmp_path))}
    env.update(extra)
    return env


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "rasad.toml"
    if not path.exists():
        path.write_text('[log]\nfile = "logs/rasad.log"\n', encoding="utf-8")
    return path


def _imported_by(args: list[str], tmp_path: Path) -> set[str]:
    code = (
        "import sys, io, contextlib\n"
        "from jobs.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        main({args!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('\\n'.join(sorted(m.split('.')[0] for m in sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


@pytest.mark.parametrize("args", [["--help"], ["sources", "list"], ["crawl", "--help"], ["es", "--help"]])
def test_fast_commands_import_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    modules = _imported_by(args, tmp_path)
    assert "jobs" in modules and "crawler" in modules  # the command really ran
    assert sorted(m for m in HEAVY if m in modules) == []


def test_heavy_libraries_are_imported_where_they_are_used(tmp_path: Path) -> None:
    """The probe above can see a heavy import: `extract` on a file pulls in the extractor's lxml."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>نص</p></article></body></html>", encoding="utf-8")
    assert "lxml" in _imported_by(["extract", "--json", str(page)], tmp_path)


def test_output_into_a_closed_pipe_is_not_an_error_trace(tmp_path: Path) -> None:
    """`rasad sources list | head -1`: the reader goes away; no BrokenPipeError traceback, exit 141 like cat/ls."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: every write hits EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "jobs.cli", "sources", "list"], cwd=ROOT, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60, env=_env(tmp_path))
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.stderr == ""
    assert proc.returncode == 141


def test_head_of_sources_list_in_a_shell_pipeline(tmp_path: Path) -> None:
    proc = subprocess.run(f"{sys.executable} -m jobs.cli sources list | head -1", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("# outlet")


def test_sources_list_explains_its_columns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--config", str(_config(tmp_path)), "sources", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header, legend = lines[0], [line for line in lines if line.startswith("#")][1:]
    assert header.startswith("#") and "unconfirmed" in header
    assert any(line.startswith("# unconfirmed = ") for line in legend)
    assert "docs/outlets.md" in "\n".join(legend)
    outlets = [line for line in lines if not line.startswith("#")]
    assert len(outlets) == len(all_sources()) and all("unconfirmed=" in line for line in outlets)


@pytest.mark.parametrize("command", ["crawl", "digest"])
def test_since_far_in_the_past_is_a_clear_error(command: str, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "jobs.cli", command, "--since", "99999999d"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "OverflowError" not in proc.stderr
    assert "argument --since: '99999999d' reaches back before the year 1" in proc.stderr


def test_typo_in_a_key_suggests_the_nearest_valid_key(tmp_path: Path) -> None:
    path = tmp_path / "rasad.toml"
    path.write_text('[crawl]\nsince_dayz = 3\n[topics.t]\nreference = "x.txt"\nkeywrds = []\n[smpt]\nhost = "h"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    text = str(info.value)
    assert "crawl.since_dayz: unknown key; did you mean 'since_days'?" in text
    assert "topics.t.keywrds: unknown key; did you mean 'keywords'?" in text
    assert "smpt: unknown key; did you mean 'smtp'?" in text
    assert "Extra inputs are not permitted" not in text


def test_unrelated_unknown_key_lists_the_valid_keys_without_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "rasad.toml"
    path.write_text("[digest]\nzzz = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "digest.zzz: unknown key (valid keys here: out_dir, send_empty" in str(info.value)
    assert "did you mean" not in str(info.value)


def _model_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for key in valid_keys(model):
        annotation = model.model_fields[key].annotation
        if typing.get_origin(annotation) is dict:
            keys += _model_keys(typing.get_args(annotation)[1], f"{prefix}{key}.*.")
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _model_keys(annotation, f"{prefix}{key}.")
        else:
            keys.append(prefix + key)
    return keys


def _has(data: object, parts: list[str]) -> bool:
    if not parts:
        return True
    if parts[0] == "*":
        return isinstance(data, dict) and bool(data) and all(_has(v, parts[1:]) for v in data.values())
    return isinstance(data, dict) and parts[0] in data and _has(data[parts[0]], parts[1:])


def test_example_configuration_sets_every_key_of_the_model() -> None:
    example = tomllib.loads((ROOT / "rasad.example.toml").read_text(encoding="utf-8"))
    keys = _model_keys(Config)
    assert "compare.rewrite_containment" in keys and "log.file" in keys  # the walk reaches nested sections
    missing = [k for k in keys if not _has(example, k.split("."))]
    assert missing == [], f"rasad.example.toml does not document: {missing}"
    load_config(ROOT / "rasad.example.toml", env={})  # and it is valid


# -- extract and compare: the same wording, each error once ------------------------------------------------


def _run(command: str, *inputs: str, tmp_path: Path, json_mode: bool = False) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "jobs.cli", command, *(["--json"] if json_mode else []), *inputs]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120, env=_env(tmp_path))


def test_extract_and_compare_word_input_errors_the_same_and_print_them_once(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.html")
    binary = tmp_path / "photo.html"
    binary.write_bytes(bytes(range(256)) * 40)
    cp1256 = tmp_path / "old.txt"
    cp1256.write_bytes("انعقد المؤتمر العالمي للإنترنت في ووتشن".encode("cp1256"))
    for mode in (False, True):
        ext = _run("extract", missing, str(binary), tmp_path=tmp_path, json_mode=mode)
        cmp = _run("compare", missing, str(binary), str(cp1256), tmp_path=tmp_path, json_mode=mode)
        assert ext.returncode == cmp.returncode == 1
        for source, reason in ((missing, "cannot read file: No such file or directory"),
                               (str(binary), "not an HTML page (binary or undecodable content)")):
            message = f"{source}: {reason}"
            for proc, command in ((ext, "extract"), (cmp, "compare")):
                assert proc.stderr.count(message) == 1, (command, proc.stderr)
                assert f"rasad {command}: {message}" in proc.stderr
                assert "Errno" not in proc.stderr and "codec" not in proc.stderr
                if mode:
                    rows = [json.loads(line) for line in proc.stdout.splitlines()]
                    assert [r["error"] for r in rows if r["input"] == source] == [message]
                else:
                    assert message not in proc.stdout  # text mode: the error is said once, on stderr
    # A windows-1256 text file is read as the crawl reads it, not refused as "not UTF-8".
    assert str(cp1256) in cmp.stdout and "error" not in json.loads(cmp.stdout.splitlines()[2])


# -- logs -------------------------------------------------------------------------------------------------------


def test_commands_log_to_a_rotated_file_and_keep_the_terminal_quiet(tmp_path: Path) -> None:
    cfg = tmp_path / "rasad.toml"
    cfg.write_text('[log]\nfile = "var/log/rasad.log"\nmax_bytes = 2048\nbackups = 2\n', encoding="utf-8")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        assert main(["--config", str(cfg), "sources", "list"]) == 0
        log_path = tmp_path / "var" / "log" / "rasad.log"
        assert logs.log_file() == log_path
        quiet = logging.getLogger("jobs.test")
        for i in range(100):
            quiet.info("line %d of filler to make the file rotate", i)
        logging.getLogger("crawler.child").warning("[scrapy] a crawl line")
        for h in root.handlers:
            h.flush()
        assert (tmp_path / "var" / "log" / "rasad.log.1").exists()
        assert not (tmp_path / "var" / "log" / "rasad.log.3").exists()  # backups = 2
        text = "".join(p.read_text(encoding="utf-8") for p in log_path.parent.glob("rasad.log*"))
        assert "crawler.child: [scrapy] a crawl line" in text
        console = next(h for h in root.handlers if type(h) is logging.StreamHandler)
        assert console.level == logging.WARNING
        child = logging.LogRecord("crawler.child", logging.ERROR, __file__, 1, "boom", None, None)
        assert not console.filter(child)  # the crawl's own lines reach the terminal only with -v
        assert main(["--config", str(cfg), "-v", "sources", "list"]) == 0
        console = next(h for h in root.handlers if type(h) is logging.StreamHandler)
        assert console.level == logging.DEBUG and console.filter(child)
    finally:
        logs.setup_console(False)
        for h in list(root.handlers):
            if h not in saved[0]:
                root.removeHandler(h)
                h.close()
        for h in saved[0]:
            if h not in root.handlers:
                root.addHandler(h)
        root.setLevel(saved[1])


# -- issue 21: errors that name their source, a refused connection answered at once ------------


def _run_cli(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    import time

    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "jobs.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=_env(tmp_path, **env))
    return proc, time.monotonic() - t


@pytest.mark.parametrize(("var", "value"), [("ES_URL", "not-a-url"), ("RASAD_ES_PORT", "19200")])
def test_a_bad_environment_value_names_its_variable(tmp_path: Path, var: str, value: str) -> None:
    proc, _ = _run_cli(tmp_path, "init", **{var: value})
    assert proc.returncode == 2, proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith(f"rasad: configuration error: {var}: "), proc.stderr
    assert "<defaults>" not in proc.stderr and "rasad.toml" not in first and value in proc.stderr


def test_a_refused_connection_is_answered_at_once_in_one_line(tmp_path: Path) -> None:
    from tests.conftest import free_port

    proc, seconds = _run_cli(tmp_path, "init", ES_URL=f"http://127.0.0.1:{free_port()}")
    assert proc.returncode == 1, proc.stderr
    assert seconds < 10, seconds  # was 31 s of waiting for a port nothing listens on
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "refused the connection" in lines[0], proc.stderr


@pytest.mark.es
def test_digest_send_without_recipients_says_so_once(tmp_path: Path, es_url: str) -> None:
    import uuid

    from tests.conftest import write_config

    prefix = f"rasad-t{uuid.uuid4().hex[:10]}"
    cfg = write_config(tmp_path / "cfg", es_url, prefix)
    try:
        proc, _ = _run_cli(tmp_path, "--config", str(cfg), "digest", "--send")
        assert proc.returncode == 1
        said = (proc.stdout + proc.stderr).count("digest.recipients is empty")
        assert said == 1, proc.stdout + proc.stderr
    finally:
        _drop(cfg, prefix)


def _drop(cfg: Path, prefix: str) -> None:
    from crawler.store import Store
    from crawler.store.schema import INDICES

    store = Store(load_config(cfg, env={}))
    store.client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    for kind in INDICES:
        store.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")
    store.close()
