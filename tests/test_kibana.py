"""Kibana saved objects (reports/kibana/*.ndjson) and `rasad kibana import`.

The saved objects are checked for the structure Kibana 8's import API expects and against the REAL
mappings that `Store.init()` creates in the test Elasticsearch node. Kibana itself cannot run here
(no Docker engine, no Kibana package in any registry we reach), so the import is tested against a
local HTTP server standing in for Kibana: it records the request and answers like Kibana's
`POST /api/saved_objects/_import` does (success, HTTP 400, or success:false with per-object errors).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.store import Store
from jobs.cli import main
from jobs.kibana import load_objects, saved_object_files
from tests.conftest import free_port

REQUIRED_KEYS = {"id", "type", "attributes", "references", "coreMigrationVersion", "typeMigrationVersion"}
# Data view id -> index kind (titles use the default prefix `rasad-`).
DATA_VIEW_KIND = {"rasad-articles": "articles", "rasad-runs": "runs"}
AGGREGATABLE = {"keyword", "date", "float", "integer", "long", "double", "boolean"}


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    files = saved_object_files()
    assert {f.name for f in files} >= {"data-views.ndjson", "searches.ndjson", "dashboard.ndjson"}
    return load_objects(files)


def by_type(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["type"] == kind]


def search_source(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


def data_view_of(obj: dict[str, Any]) -> str:
    """The data view a search or visualization reads, through its indexRefName reference."""
    ref_name = search_source(obj)["indexRefName"]
    (ref,) = [r for r in obj["references"] if r["name"] == ref_name]
    assert ref["type"] == "index-pattern"
    return ref["id"]


# -- structure ---------------------------------------------------------------------------------


def test_every_line_is_a_complete_saved_object(objects: list[dict[str, Any]]) -> None:
    for file in saved_object_files():
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            obj = json.loads(line)
            missing = REQUIRED_KEYS - set(obj)
            assert not missing, f"{file.name}:{number} lacks {missing}"
            assert re.fullmatch(r"8\.\d+\.\d+", obj["typeMigrationVersion"]), f"{file.name}:{number}"
    kinds = {o["type"] for o in objects}
    assert kinds == {"index-pattern", "search", "visualization", "dashboard"}


def test_ids_are_unique(objects: list[dict[str, Any]]) -> None:
    ids = [(o["type"], o["id"]) for o in objects]
    assert len(ids) == len(set(ids))
    assert len({o["id"] for o in objects}) == len(objects)


def test_every_reference_points_to_a_shipped_object(objects: list[dict[str, Any]]) -> None:
    present = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in present, f"{obj['id']} -> missing {ref}"


def test_nested_json_strings_parse(objects: list[dict[str, Any]]) -> None:
    checked = 0
    for obj in objects:
        attrs = obj["attributes"]
        nested = {
            k: v
            for k, v in attrs.items()
            if k.endswith("JSON") or k in ("fieldFormatMap", "fields", "fieldAttrs")
        }
        if "kibanaSavedObjectMeta" in attrs:
            nested["searchSourceJSON"] = attrs["kibanaSavedObjectMeta"]["searchSourceJSON"]
        if obj["type"] == "visualization":
            nested["visState"] = attrs["visState"]
        for key, value in nested.items():
            assert isinstance(value, str), f"{obj['id']}.{key} must be a JSON string"
            json.loads(value)
            checked += 1
    assert checked >= len(objects)


def test_searches_and_visualizations_name_their_data_view(objects: list[dict[str, Any]]) -> None:
    for obj in by_type(objects, "search") + by_type(objects, "visualization"):
        assert data_view_of(obj) in DATA_VIEW_KIND
    assert data_view_of(next(o for o in objects if o["id"] == "rasad-vis-crawler-runs")) == "rasad-runs"


def test_dashboard_panels_resolve_to_references(objects: list[dict[str, Any]]) -> None:
    (dashboard,) = by_type(objects, "dashboard")
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = {r["name"]: r for r in dashboard["references"]}
    shown = set()
    for panel in panels:
        ref = refs[f"{panel['panelIndex']}:{panel['panelRefName']}"]
        assert ref["type"] == panel["type"]
        shown.add(ref["id"])
    assert {o["id"] for o in by_type(objects, "visualization")} <= shown
    # Panels must not overlap on Kibana's 48-column grid.
    cells = set()
    for panel in panels:
        g = panel["gridData"]
        assert g["x"] + g["w"] <= 48
        area = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & area, panel["panelIndex"]
        cells |= area


def test_saved_searches_cover_the_newsroom_questions(objects: list[dict[str, Any]]) -> None:
    queries = {o["id"]: search_source(o)["query"]["query"] for o in by_type(objects, "search")}
    assert "relation:copy" in queries["rasad-search-copies-rewrites"]
    assert "relation:rewrite" in queries["rasad-search-copies-rewrites"]
    assert queries["rasad-search-conflicting-facts"] == "facts_conflicting:*"
    assert queries["rasad-search-undeclared-outlets"] == "outlet_declared:false"  # hosts in no catalogue entry
    per_outlet = next(o for o in objects if o["id"] == "rasad-search-per-outlet")
    assert per_outlet["attributes"]["columns"] == ["source_name", "title", "relation", "similarity"]


def test_digest_links_open_a_shipped_data_view(objects: list[dict[str, Any]]) -> None:
    from reports.digest import DATA_VIEW

    assert DATA_VIEW in {o["id"] for o in by_type(objects, "index-pattern")}


# -- fields against the real mapping -----------------------------------------------------------


def mapped_fields(mapping: dict[str, Any]) -> dict[str, str]:
    """Every searchable path of a mapping (subfields such as title.keyword included) -> its type."""
    out: dict[str, str] = {}

    def walk(props: dict[str, Any], prefix: str) -> None:
        for name, spec in props.items():
            path = prefix + name
            out[path] = spec.get("type", "object")
            for sub, sub_spec in spec.get("fields", {}).items():
                out[f"{path}.{sub}"] = sub_spec["type"]
            if "properties" in spec:
                walk(spec["properties"], path + ".")

    walk(mapping["properties"], "")
    return out


def kql_fields(query: str) -> set[str]:
    """Field names of a KQL query (`field:value`, `field:(a or b)`, `field:*`)."""
    return set(re.findall(r"([A-Za-z_][\w.]*)\s*:", query))


@pytest.mark.es
def test_every_field_used_exists_in_the_real_mapping(store: Store, objects: list[dict[str, Any]]) -> None:
    fields = {kind: mapped_fields(store.mapping(kind)) for kind in set(DATA_VIEW_KIND.values())}
    used = 0

    def expect(kind: str, field: str, where: str, aggregatable: bool = False) -> None:
        nonlocal used
        assert field in fields[kind], f"{where}: field {field!r} is not in the {kind} mapping"
        if aggregatable:
            assert fields[kind][field] in AGGREGATABLE, (
                f"{where}: {field} ({fields[kind][field]}) cannot be sorted/aggregated"
            )
        used += 1

    for view in by_type(objects, "index-pattern"):
        kind = DATA_VIEW_KIND[view["id"]]
        assert view["attributes"]["title"] == f"rasad-{kind}"
        expect(kind, view["attributes"]["timeFieldName"], view["id"])
        assert fields[kind][view["attributes"]["timeFieldName"]] == "date"
        for field in json.loads(view["attributes"]["fieldFormatMap"]):
            expect(kind, field, f"{view['id']} fieldFormatMap")
    for search in by_type(objects, "search"):
        kind = DATA_VIEW_KIND[data_view_of(search)]
        for column in search["attributes"]["columns"]:
            expect(kind, column, f"{search['id']} columns")
        for field, _direction in search["attributes"]["sort"]:
            expect(kind, field, f"{search['id']} sort", aggregatable=True)
        for field in kql_fields(search_source(search)["query"]["query"]):
            expect(kind, field, f"{search['id']} query")
    for vis in by_type(objects, "visualization"):
        kind = DATA_VIEW_KIND[data_view_of(vis)]
        for agg in json.loads(vis["attributes"]["visState"])["aggs"]:
            if "field" in agg["params"]:
                expect(kind, agg["params"]["field"], f"{vis['id']} agg {agg['id']}", aggregatable=True)
    assert used >= 25


# -- `rasad kibana import` against a stand-in Kibana -------------------------------------------


class StandIn:
    """A local HTTP server in a thread that records requests and answers with a preset reply."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.reply: dict[str, Any] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stand_in.requests.append(
                    {"method": "POST", "path": self.path, "headers": self.headers, "body": body}
                )
                data = json.dumps(stand_in.reply).encode()
                self.send_response(stand_in.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def uploaded(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """The saved objects in the multipart body's `file` part."""
        head = f"Content-Type: {request['headers']['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + request["body"])
        (part,) = [
            p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"
        ]
        assert part.get_filename().endswith(".ndjson")
        return [
            json.loads(line) for line in part.get_payload(decode=True).decode("utf-8").splitlines() if line
        ]


@pytest.fixture
def kibana() -> Iterator[StandIn]:
    stand_in = StandIn()
    stand_in.thread.start()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration without Kibana credentials; tests add them through the environment."""
    config = tmp_path / "rasad.toml"
    config.write_text('[kibana]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    monkeypatch.setenv("RASAD_CONFIG", str(config))
    for var in ("KIBANA_URL", "KIBANA_USERNAME", "KIBANA_PASSWORD", "RASAD_INDEX_PREFIX"):
        monkeypatch.delenv(var, raising=False)
    return config


def test_import_posts_every_object_with_auth(
    kibana: StandIn,
    cli_env: Path,
    objects: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KIBANA_USERNAME", "elastic")
    monkeypatch.setenv("KIBANA_PASSWORD", "s3cret:with-colon")
    kibana.reply = {"success": True, "successCount": len(objects), "successResults": []}
    assert main(["kibana", "import", "--url", kibana.url]) == 0
    (request,) = kibana.requests
    parts = urlsplit(request["path"])
    assert request["method"] == "POST"
    assert parts.path == "/api/saved_objects/_import"
    assert parse_qs(parts.query) == {"overwrite": ["true"]}
    assert request["headers"]["kbn-xsrf"] == "true"
    assert request["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    expected = "Basic " + base64.b64encode(b"elastic:s3cret:with-colon").decode()
    assert request["headers"]["Authorization"] == expected
    sent = kibana.uploaded(request)
    assert [(o["type"], o["id"]) for o in sent] == [(o["type"], o["id"]) for o in objects]
    assert f"imported {len(objects)} saved objects into {kibana.url}" in capsys.readouterr().out


def test_import_uses_configured_url_without_auth_and_follows_the_prefix(
    kibana: StandIn, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIBANA_URL", kibana.url)
    monkeypatch.setenv("RASAD_INDEX_PREFIX", "newsroom")
    kibana.reply = {"success": True, "successCount": 12}
    assert main(["kibana", "import"]) == 0
    (request,) = kibana.requests
    assert "Authorization" not in request["headers"]
    titles = sorted(
        o["attributes"]["title"] for o in kibana.uploaded(request) if o["type"] == "index-pattern"
    )
    assert titles == ["newsroom-articles", "newsroom-runs"]


def test_unreachable_kibana_is_named(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["kibana", "import", "--url", url, "--timeout", "5"]) == 1
    err = capsys.readouterr().err
    assert f"Kibana at {url} is unreachable" in err


def test_http_error_shows_status_and_kibana_message(
    kibana: StandIn, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kibana.status = 400
    kibana.reply = {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "Unexpected token in JSON at line 3",
    }
    assert main(["kibana", "import", "--url", kibana.url]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and "Unexpected token in JSON at line 3" in err and kibana.url in err


def test_refused_objects_are_listed(
    kibana: StandIn, cli_env: Path, capsys: pytest.CaptureFixture[str], objects: list[dict[str, Any]]
) -> None:
    kibana.reply = {
        "success": False,
        "successCount": len(objects) - 2,
        "errors": [
            {
                "id": "rasad-vis-crawler-runs",
                "type": "visualization",
                "meta": {"title": "Crawler runs"},
                "error": {
                    "type": "missing_references",
                    "references": [{"type": "index-pattern", "id": "rasad-runs"}],
                },
            },
            {
                "id": "rasad-dashboard",
                "type": "dashboard",
                "error": {"type": "unknown", "message": "boom", "statusCode": 500},
            },
        ],
    }
    assert main(["kibana", "import", "--url", kibana.url]) == 1
    err = capsys.readouterr().err
    assert f"imported {len(objects) - 2} of {len(objects)} objects" in err
    assert (
        "visualization rasad-vis-crawler-runs (Crawler runs): missing_references: missing index-pattern rasad-runs"
        in err
    )
    assert "dashboard rasad-dashboard: unknown: boom" in err


def test_bad_ndjson_file_is_named(
    kibana: StandIn, cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.ndjson"
    bad.write_text('{"id": "a", "type": "search", "attributes": {}}\n{not json\n', encoding="utf-8")
    assert main(["kibana", "import", "--url", kibana.url, str(bad)]) == 1
    assert f"{bad}:2: not a JSON object" in capsys.readouterr().err
    assert not kibana.requests
