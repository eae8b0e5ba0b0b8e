"""Import the saved objects of reports/kibana (data views, saved searches, dashboard) into a Kibana.

Uses Kibana's saved objects import API (`POST /api/saved_objects/_import`, multipart/form-data with
one NDJSON file, header `kbn-xsrf`); every file is sent in one request so that references between
files (a dashboard panel -> a visualization -> a data view) resolve inside the same import.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

log = logging.getLogger(__name__)

# The data views in the shipped files are named for the default index prefix.
SHIPPED_PREFIX = "rasad"
IMPORT_PATH = "/api/saved_objects/_import?overwrite=true"


class KibanaError(Exception):
    """Kibana is unreachable, refused the import, or a saved objects file is unreadable."""


@dataclass
class ImportResult:
    """What Kibana answered: `success` is False when at least one object was not imported."""

    success: bool
    success_count: int
    objects: int
    errors: list[str] = field(default_factory=list)


def saved_object_files() -> list[Path]:
    """The NDJSON files shipped in the `reports` package (sorted, so data views come first)."""
    folder = resources.files("reports") / "kibana"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".ndjson"))


def load_objects(files: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Parse NDJSON files into saved objects; a bad line raises KibanaError naming file and line."""
    objects: list[dict[str, Any]] = []
    for file in files:
        path = Path(file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise KibanaError(f"{path}: cannot read saved objects file: {exc}") from exc
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise KibanaError(f"{path}:{number}: not a JSON object: {exc}") from exc
            if not isinstance(obj, dict) or not obj.get("id") or not obj.get("type"):
                raise KibanaError(f"{path}:{number}: a saved object needs an id and a type")
            objects.append(obj)
    return objects


def with_index_prefix(objects: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Point the data views at `<prefix>-...` indices when the deployment uses another prefix.

    A data view's id follows its title (`<prefix>-articles`), and references to it follow the id:
    the digests' Discover links name the data view `<prefix>-articles` (reports.digest).
    """
    if prefix == SHIPPED_PREFIX:
        return objects
    renamed: dict[str, str] = {}
    out = []
    for obj in objects:
        title = obj.get("attributes", {}).get("title", "")
        if obj["type"] == "index-pattern" and title.startswith(f"{SHIPPED_PREFIX}-"):
            new_title = prefix + title[len(SHIPPED_PREFIX) :]
            if obj["id"] == title:
                renamed[obj["id"]] = new_title
            obj = {**obj, "id": renamed.get(obj["id"], obj["id"]), "attributes": {**obj["attributes"], "title": new_title}}
        out.append(obj)
    for i, obj in enumerate(out):
        refs = obj.get("references") or []
        if any(r.get("type") == "index-pattern" and r.get("id") in renamed for r in refs):
            out[i] = {**obj, "references": [
                {**r, "id": renamed[r["id"]]} if r.get("type") == "index-pattern" and r.get("id") in renamed else r
                for r in refs]}
    return out


def _describe(error: dict[str, Any]) -> str:
    """One line per object Kibana refused: which object and why."""
    what = f"{error.get('type', '?')} {error.get('id', '?')}"
    title = error.get("meta", {}).get("title") or error.get("title")
    if title:
        what += f" ({title})"
    detail = error.get("error", {})
    reason = detail.get("type", "error")
    if detail.get("references"):
        missing = ", ".join(f"{r.get('type')} {r.get('id')}" for r in detail["references"])
        reason += f": missing {missing}"
    elif detail.get("message"):
        reason += f": {detail['message']}"
    return f"{what}: {reason}"


def import_saved_objects(
    url: str,
    files: Iterable[str | Path],
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 30,
    index_prefix: str = SHIPPED_PREFIX,
) -> ImportResult:
    """Import saved objects into the Kibana at `url`, overwriting objects with the same ids.

    Args:
        url: Kibana base URL, e.g. http://kibana:5601 (a space: http://kibana:5601/s/newsroom).
        files: NDJSON files of saved objects.
        username, password: basic authentication (a Kibana user allowed to manage saved objects).
        timeout: seconds for the whole request.
        index_prefix: the deployment's Elasticsearch index prefix; data view titles follow it.
    Returns:
        Kibana's verdict, with one readable line per object it refused.
    Raises:
        KibanaError: a file is unreadable, Kibana is unreachable (the URL is named), or it answered
            with an HTTP error (status and Kibana's message are named).
    """
    objects = with_index_prefix(load_objects(files), index_prefix)
    if not objects:
        raise KibanaError("no saved objects to import")
    ndjson = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")
    body, content_type = urllib3.encode_multipart_formdata(
        {"file": ("rasad.ndjson", ndjson, "application/ndjson")}
    )
    headers = {"kbn-xsrf": "true", "Content-Type": content_type}
    if username:
        headers.update(urllib3.make_headers(basic_auth=f"{username}:{password or ''}"))
    endpoint = url.rstrip("/") + IMPORT_PATH
    log.info("importing %d saved objects into %s", len(objects), url)
    try:
        with urllib3.PoolManager(timeout=urllib3.Timeout(total=timeout), retries=False) as http:
            response = http.request("POST", endpoint, body=body, headers=headers)
    except (Urllib3Error, OSError, ValueError) as exc:
        raise KibanaError(f"Kibana at {url} is unreachable: {exc}") from exc
    text = response.data.decode("utf-8", errors="replace")
    try:
        answer = json.loads(text) if text else {}
    except json.JSONDecodeError:
        answer = {}
    if response.status >= 400:
        message = answer.get("message") if isinstance(answer, dict) else None
        raise KibanaError(
            f"Kibana at {url} refused the import: HTTP {response.status}: {message or text[:300]}"
        )
    if not isinstance(answer, dict) or "success" not in answer:
        raise KibanaError(f"Kibana at {url} gave an unexpected answer (HTTP {response.status}): {text[:300]}")
    return ImportResult(
        success=bool(answer["success"]),
        success_count=int(answer.get("successCount", 0)),
        objects=len(objects),
        errors=[_describe(e) for e in answer.get("errors", [])],
    )
