"""The local Elasticsearch 7.10.2 node: resolved from Maven Central, run on the machine's Java.

Used when no external cluster is configured (no `elasticsearch.url`, no ES_URL). The node runs
as a detached process; its pid, log and data live under `elasticsearch.local_data_dir`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from crawler.config import PROJECT_ROOT, Config

log = logging.getLogger(__name__)

POM_DIR = PROJECT_ROOT / "infra" / "es-node"
JARS_DIR = POM_DIR / "target" / "jars"
MAIN_CLASS = "org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner"


class NodeError(Exception):
    """The local node could not be resolved, started or stopped (the message says why and where)."""


@dataclass
class NodeStatus:
    running: bool
    pid: int | None
    url: str
    version: str | None = None
    health: str | None = None
    managed: bool = True


class LocalNode:
    """Start, stop and inspect the project's own Elasticsearch node."""

    def __init__(self, config: Config):
        es = config.elasticsearch
        self.port = es.local_port
        self.heap = es.local_heap
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = config.path(es.local_data_dir)
        self.pid_file = self.home / "node.pid"
        self.log_file = self.home / "node.log"

    # -- jars -----------------------------------------------------------------------------------

    def ensure_jars(self) -> Path:
        """Resolve the node's jars with Maven once (about 36 MB from Maven Central)."""
        if JARS_DIR.exists() and any(JARS_DIR.glob("elasticsearch-7.10.2.jar")):
            return JARS_DIR
        mvn = shutil.which("mvn")
        if not mvn:
            raise NodeError(f"Maven (mvn) is not installed: it is needed once to resolve {POM_DIR / 'pom.xml'}")
        log.info("resolving Elasticsearch 7.10.2 jars with Maven into %s", JARS_DIR)
        proc = subprocess.run(
            [mvn, "-q", "-B", "-f", str(POM_DIR / "pom.xml"), "dependency:copy-dependencies"],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise NodeError(f"mvn dependency:copy-dependencies failed for {POM_DIR / 'pom.xml'}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        return JARS_DIR

    # -- lifecycle ------------------------------------------------------------------------------

    def pid(self) -> int | None:
        """Pid of the node this project started, if that process is still alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        # Guard against pid reuse: the process must be our Java runner.
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if MAIN_CLASS.encode() not in cmdline:
                return None
        except FileNotFoundError:
            return None
        return pid

    def up(self, timeout: float = 120.0) -> NodeStatus:
        """Start the node unless it already runs; wait until the cluster is usable (yellow)."""
        if self.pid():
            self._wait_healthy(timeout)
            return self.status()
        if _port_open(self.port):
            raise NodeError(
                f"port {self.port} is already in use by another process; set elasticsearch.local_port "
                f"(or RASAD_ES_PORT) to a free port, or ES_URL to use that cluster"
            )
        java = shutil.which("java")
        if not java:
            raise NodeError("Java is not installed: the local Elasticsearch node needs a Java 11+ runtime")
        jars = self.ensure_jars()
        self.home.mkdir(parents=True, exist_ok=True)
        cmd = [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            # The official startup scripts set this; the 7.17 Python client checks the flavor.
            "-Des.distribution.flavor=default",
            "-Dlog4j2.formatMsgNoLookups=true",
            "-cp",
            f"{jars}/*",
            MAIN_CLASS,
            "-basePath",
            str(self.home / "cluster"),
            "-numOfNode",
            "1",
            # The runner numbers nodes from 1: http port = base + node number.
            "-baseHttpPort",
            str(self.port - 1),
            # One cluster name per port: two local nodes (a developer's and a test's) would otherwise
            # find each other on the transport ports 9300+ and merge into one cluster.
            "-clusterName",
            f"rasad-local-{self.port}",
        ]
        started = time.monotonic()
        with open(self.log_file, "ab") as logfh:
            proc = subprocess.Popen(cmd, stdout=logfh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        log.info("starting Elasticsearch 7.10.2 (pid %d, heap %s, port %d, log %s)", proc.pid, self.heap, self.port, self.log_file)
        try:
            self._wait_healthy(timeout, proc)
        except NodeError:
            self.down()
            raise
        self._relax_disk_watermarks()
        log.info("Elasticsearch ready at %s after %.1fs", self.url, time.monotonic() - started)
        return self.status()

    def down(self, timeout: float = 60.0) -> bool:
        """Stop the node this project started (by its pid). Returns False when none was running."""
        pid = self.pid()
        if not pid:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid():
            time.sleep(0.3)
        if self.pid():
            log.warning("node %d did not stop within %.0fs; killing it", pid, timeout)
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        self.pid_file.unlink(missing_ok=True)
        log.info("stopped Elasticsearch node (pid %d)", pid)
        return True

    def status(self) -> NodeStatus:
        pid = self.pid()
        st = NodeStatus(running=False, pid=pid, url=self.url)
        info = _get_json(self.url + "/")
        if info:
            st.running = True
            st.version = info.get("version", {}).get("number")
            health = _get_json(self.url + "/_cluster/health")
            st.health = health.get("status") if health else None
        return st

    def _wait_healthy(self, timeout: float, proc: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise NodeError(f"Elasticsearch exited with code {proc.returncode} during start; see {self.log_file}:\n{_tail(self.log_file)}")
            health = _get_json(self.url + "/_cluster/health?wait_for_status=yellow&timeout=1s")
            if health and health.get("status") in ("yellow", "green"):
                return
            time.sleep(0.5)
        raise NodeError(f"Elasticsearch did not become healthy at {self.url} within {timeout:.0f}s; see {self.log_file}:\n{_tail(self.log_file)}")

    def _relax_disk_watermarks(self) -> None:
        # A nearly full developer disk must not turn the indices read-only in the middle of a test.
        body = json.dumps({"persistent": {"cluster.routing.allocation.disk.threshold_enabled": False}}).encode()
        req = urllib.request.Request(self.url + "/_cluster/settings", data=body, method="PUT", headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=10).read()
        except OSError as exc:
            log.warning("could not relax disk watermarks: %s", exc)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return json.loads(resp.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
