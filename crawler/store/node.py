"""The local Elasticsearch 9 node: the official distribution from Maven Central, our Arabic plugin, a Java 21+.

Used when no external cluster is configured (no `elasticsearch.url`, no ES_URL). `make setup` unpacks
the distribution (infra/es-dist) and builds the plugin (infra/es-arabic-plugin); `up` installs the
plugin into the distribution once, writes the node's own configuration under
`elasticsearch.local_data_dir` and starts the node detached (its pid, log and data live there too).

Elasticsearch refuses to run as root: when root (as CI is), the node runs as the system user
`rasad-es`, created when missing, which owns the node's directory.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pwd
import re
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

ES_VERSION = "9.2.0"
MIN_JAVA = 21
DIST_POM = PROJECT_ROOT / "infra" / "es-dist" / "pom.xml"
PLUGIN_POM = PROJECT_ROOT / "infra" / "es-arabic-plugin" / "pom.xml"
PLUGIN_NAME = "rasad-arabic"


def dist_dir(version: str = ES_VERSION) -> Path:
    return PROJECT_ROOT / "infra" / "es-dist" / "target" / f"elasticsearch-{version}"


def plugin_zip(version: str = ES_VERSION) -> Path:
    return PROJECT_ROOT / "infra" / "es-arabic-plugin" / "target" / f"es{version}" / f"{PLUGIN_NAME}-1.0.0.zip"


DIST_DIR = dist_dir()
PLUGIN_ZIP = plugin_zip()
# The server's main class: what a live pid must be running (guards against pid reuse).
MAIN_CLASS = "org.elasticsearch.bootstrap.Elasticsearch"
ES_USER = "rasad-es"
JVM_DIR = Path("/usr/lib/jvm")


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


# -- Java ----------------------------------------------------------------------------------------


def java_release(home: Path) -> tuple[int, bool] | None:
    """(major version, has jdk.incubator.vector) of a Java home, from its `release` file; None if not one."""
    try:
        text = (home / "release").read_text(errors="replace")
    except OSError:
        return None
    if not (home / "bin" / "java").exists():
        return None
    m = re.search(r'^JAVA_VERSION="(\d+)', text, re.M)
    if not m:
        return None
    # Elasticsearch 9 loads the vector module at boot; jlink'ed runtimes without it fail to start.
    return int(m.group(1)), "jdk.incubator.vector" in text


def find_java(env: dict[str, str] | None = None) -> Path:
    """A Java home of version 21+ with jdk.incubator.vector: ES_JAVA_HOME, JAVA_HOME, then /usr/lib/jvm/*."""
    env = os.environ if env is None else env
    candidates: list[tuple[str, Path]] = []
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if env.get(var):
            candidates.append((var, Path(env[var])))
    if JVM_DIR.is_dir():
        found = [p for p in JVM_DIR.iterdir() if p.is_dir() and not p.is_symlink()]
        # Newest first: the highest major that fits.
        found.sort(key=lambda p: (java_release(p) or (0, False))[0], reverse=True)
        candidates += [(str(JVM_DIR), p) for p in found]
    seen: list[str] = []
    for origin, home in candidates:
        rel = java_release(home)
        if rel and rel[0] >= MIN_JAVA and rel[1]:
            return home
        what = "not a Java home" if rel is None else f"Java {rel[0]}" + ("" if rel[1] else " without jdk.incubator.vector")
        seen.append(f"{home} ({origin}: {what})")
    raise NodeError(
        f"no Java {MIN_JAVA}+ found for Elasticsearch {ES_VERSION} (looked at: {'; '.join(seen) or 'nothing'}); "
        f"install a full JDK {MIN_JAVA} or newer (e.g. `apt-get install openjdk-21-jdk-headless` or Temurin 25) "
        "and/or set ES_JAVA_HOME to it")


# -- distribution and plugin ---------------------------------------------------------------------


def _mvn(pom: Path, goals: list[str], java_home: Path, props: dict[str, str]) -> None:
    mvn = shutil.which("mvn")
    if not mvn:
        raise NodeError(f"Maven (mvn) is not installed: it is needed once to resolve {pom}")
    cmd = [mvn, "-q", "-B", "-f", str(pom), *goals, *(f"-D{k}={v}" for k, v in props.items())]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "JAVA_HOME": str(java_home)})
    if proc.returncode != 0:
        raise NodeError(f"{' '.join(cmd[3:])} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def _lucene_version(dist: Path) -> str:
    """The Lucene of a distribution (lib/lucene-core-X.jar): the plugin compiles against that one."""
    jars = sorted(dist.glob("lib/lucene-core-*.jar"))
    if not jars:
        raise NodeError(f"no lib/lucene-core-*.jar in {dist}: the distribution is incomplete; delete it and run `make setup`")
    return jars[0].name.removeprefix("lucene-core-").removesuffix(".jar")


def ensure_distribution(java_home: Path, version: str = ES_VERSION) -> Path:
    """The unpacked distribution and the built plugin (Maven, once; `make setup` normally did it)."""
    dist = dist_dir(version)
    if not (dist / "bin" / "elasticsearch").exists():
        log.info("resolving Elasticsearch %s with Maven into %s", version, dist.parent)
        _mvn(DIST_POM, ["dependency:unpack"], java_home, {"es.version": version})
    if not plugin_zip(version).exists():
        log.info("building the Arabic analysis plugin for Elasticsearch %s", version)
        _mvn(PLUGIN_POM, ["clean", "package"], java_home,
             {"es.plugin.api.version": version, "lucene.version": _lucene_version(dist)})
    return dist


def ensure_plugin(java_home: Path, version: str = ES_VERSION) -> None:
    """Install (or replace, when the zip changed) our Arabic plugin in the distribution. Idempotent."""
    dist, zip_path = dist_dir(version), plugin_zip(version)
    installed = dist / "plugins" / PLUGIN_NAME
    stamp = installed / ".rasad-zip-mtime"
    wanted = str(zip_path.stat().st_mtime_ns)
    with open(dist / ".plugin-install.lock", "w") as lock:  # nodes of parallel suites share the distribution
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == wanted:
            return
        tool = [str(dist / "bin" / "elasticsearch-plugin")]
        env = {**os.environ, "ES_JAVA_HOME": str(java_home), "ES_PATH_CONF": str(dist / "config")}
        if installed.exists():
            subprocess.run([*tool, "remove", PLUGIN_NAME], capture_output=True, text=True, env=env)
            shutil.rmtree(installed, ignore_errors=True)
        proc = subprocess.run([*tool, "install", "--batch", zip_path.as_uri()], capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise NodeError(f"elasticsearch-plugin install {zip_path} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        stamp.write_text(wanted)
        log.info("installed the %s plugin into %s", PLUGIN_NAME, dist)


# -- the unprivileged user (when root) -----------------------------------------------------------


def ensure_es_user() -> pwd.struct_passwd:
    """The system user the node runs as under root (created with useradd when missing)."""
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if not useradd:
        raise NodeError(f"Elasticsearch refuses to run as root and user {ES_USER!r} is missing; "
                        f"create it (useradd --system {ES_USER}) or run Rasad as an ordinary user")
    proc = subprocess.run([useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
                           "--shell", "/usr/sbin/nologin", ES_USER], capture_output=True, text=True)
    if proc.returncode not in (0, 9):  # 9: created meanwhile by a parallel start
        raise NodeError(f"useradd {ES_USER} failed: {proc.stderr.strip()}")
    log.info("created system user %s to run the local Elasticsearch node", ES_USER)
    return pwd.getpwnam(ES_USER)


def _let_traverse(path: Path) -> None:
    """Every ancestor of `path` readable and searchable by others (o+rx), e.g. pytest's 0700 tmp root.

    Search (x) alone is not enough: the node's file entitlements resolve real paths, and a parent it
    cannot read makes its own data and log directories look out of bounds (AccessDenied at start).
    """
    for parent in reversed(path.resolve().parents):
        mode = parent.stat().st_mode
        if mode & 0o005 != 0o005:
            log.warning("adding o+rx to %s so that user %s reaches the node's files", parent, ES_USER)
            parent.chmod(mode | 0o005)


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


# -- the node ------------------------------------------------------------------------------------


class LocalNode:
    """Start, stop and inspect the project's own Elasticsearch node."""

    def __init__(self, config: Config, version: str = ES_VERSION):
        """`version`: the distribution to run (another than ES_VERSION only for the 8.19 contract test)."""
        es = config.elasticsearch
        self.version = version
        self.dist = dist_dir(version)
        self.port = es.local_port
        self.heap = es.local_heap
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = config.path(es.local_data_dir)
        self.pid_file = self.home / "node.pid"
        self.log_file = self.home / "node.log"
        self.conf_dir = self.home / "config"

    def pid(self) -> int | None:
        """Pid of the node this project started, if that process is still alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError, PermissionError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        try:
            if MAIN_CLASS.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
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
        java_home = find_java()
        ensure_distribution(java_home, self.version)
        ensure_plugin(java_home, self.version)
        self._write_config()
        run_as: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            run_as = ensure_es_user()
            _let_traverse(self.home)
            _let_traverse(self.dist)
            _chown_tree(self.home, run_as.pw_uid, run_as.pw_gid)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(self.conf_dir),
            "ES_TMPDIR": str(self.home / "tmp"),
            "HOME": str(self.home),
        }
        (self.home / "tmp").mkdir(exist_ok=True)
        if run_as:
            os.chown(self.home / "tmp", run_as.pw_uid, run_as.pw_gid)
        self.pid_file.unlink(missing_ok=True)
        cmd = [str(self.dist / "bin" / "elasticsearch"), "-p", str(self.pid_file)]
        started = time.monotonic()
        with open(self.log_file, "ab") as logfh:
            proc = subprocess.Popen(
                cmd, stdout=logfh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                env=env, cwd=self.home,
                user=run_as.pw_uid if run_as else None, group=run_as.pw_gid if run_as else None,
                extra_groups=[] if run_as else None,
            )
        log.info("starting Elasticsearch %s (launcher pid %d, heap %s, port %d%s, log %s)", self.version, proc.pid,
                 self.heap, self.port, f", user {ES_USER}" if run_as else "", self.log_file)
        try:
            self._wait_healthy(timeout, proc)
        except NodeError:
            self.down()
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            raise
        log.info("Elasticsearch ready at %s after %.1fs", self.url, time.monotonic() - started)
        return self.status()

    def _write_config(self) -> None:
        """The node's own config dir: the distribution's files, our elasticsearch.yml and heap."""
        (self.home / "data").mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        if not (self.conf_dir / "jvm.options").exists():
            shutil.copytree(self.dist / "config", self.conf_dir, dirs_exist_ok=True)
            # 8.x writes its GC log and crash files relative to the distribution (logs/, data),
            # which the unprivileged user cannot write: into the node's own directories instead.
            options = self.conf_dir / "jvm.options"
            text = options.read_text(encoding="utf-8")
            text = text.replace("file=logs/", f"file={self.home / 'logs'}/").replace(
                "ErrorFile=logs/", f"ErrorFile={self.home / 'logs'}/").replace(
                "HeapDumpPath=data", f"HeapDumpPath={self.home / 'data'}")
            options.write_text(text, encoding="utf-8")
        settings = {
            # One cluster name per port: nodes of parallel suites on this machine stay apart.
            "cluster.name": f"rasad-local-{self.port}",
            "node.name": f"rasad-{self.port}",
            "path.data": str(self.home / "data"),
            "path.logs": str(self.home / "logs"),
            "network.host": "127.0.0.1",
            "http.port": self.port,
            "discovery.type": "single-node",
            "xpack.security.enabled": False,
            # A nearly full developer disk must not turn the indices read-only in the middle of a test.
            "cluster.routing.allocation.disk.threshold_enabled": False,
            # Tests and `rasad demo --fresh` drop their own indices by prefix (prefix-*).
            "action.destructive_requires_name": False,
        }
        (self.conf_dir / "elasticsearch.yml").write_text(
            "# Written by Rasad's launcher (crawler/store/node.py) at every start.\n"
            + "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items()), encoding="utf-8")
        (self.conf_dir / "jvm.options.d").mkdir(exist_ok=True)
        (self.conf_dir / "jvm.options.d" / "rasad-heap.options").write_text(
            f"-Xms{self.heap}\n-Xmx{self.heap}\n", encoding="utf-8")

    def down(self, timeout: float = 60.0) -> bool:
        """Stop the node this project started (by its pid). Returns False when none was running."""
        pid = self.pid()
        if not pid:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid():
            time.sleep(0.3)
        if self.pid():
            log.warning("node %d did not stop within %.0fs; killing it", pid, timeout)
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        try:
            self.pid_file.unlink(missing_ok=True)
        except PermissionError:
            pass
        log.info("stopped Elasticsearch node (pid %d)", pid)
        return True

    def status(self) -> NodeStatus:
        pid = self.pid()
        st = NodeStatus(running=False, pid=pid, url=self.url)
        # Not `GET /`: the distribution has no root endpoint (405).
        health = _get_json(self.url + "/_cluster/health")
        if health:
            st.running = True
            st.health = health.get("status")
            nodes = _get_json(self.url + "/_nodes/_local/none") or {}
            st.version = next((n.get("version") for n in nodes.get("nodes", {}).values()), None)
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


if __name__ == "__main__":  # `python -m crawler.store.node java-home`: the Java Maven should build the plugin with
    import sys

    if sys.argv[1:] == ["java-home"]:
        try:
            print(find_java())
        except NodeError as exc:
            sys.exit(f"rasad: {exc}")
