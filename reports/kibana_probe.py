"""Does the configured Kibana answer? A quick, bounded check made when a digest is built.

The digest links to Kibana's Discover only when it does; otherwise it tells the reader how to search
from the terminal (`rasad search`). The check is one GET of Kibana's status API, `/api/status`
(https://elastic.co/docs/api/doc/serverless/operation/operation-get-status: "A minimal response is
sent for unauthorized users"), with a total deadline and no retries. Kibana answers when that
request gets a JSON object with a "status" member, or a 401 (a Kibana behind a login: the reader's
browser logs in).
"""

from __future__ import annotations

import json
import logging

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

log = logging.getLogger(__name__)

STATUS_PATH = "/api/status"
TIMEOUT_S = 2.0  # the whole check, connection and answer: a digest does not wait on a missing Kibana


def kibana_answers(url: str, *, timeout: float = TIMEOUT_S) -> bool:
    """True when a Kibana answers at `url` (its base URL, a space's too: http://kibana:5601/s/newsroom)."""
    if not url or not url.startswith(("http://", "https://")):
        return False
    base = url.rstrip("/")
    try:
        with urllib3.PoolManager(timeout=urllib3.Timeout(total=timeout), retries=False) as http:
            response = http.request("GET", f"{base}{STATUS_PATH}", headers={"Accept": "application/json"},
                                    preload_content=True)
    except (Urllib3Error, OSError, ValueError) as exc:
        log.info("Kibana at %s does not answer (%s): the digest shows how to search with `rasad search`", base,
                 type(exc).__name__)
        return False
    if response.status == 401:
        return True
    try:
        answer = json.loads(response.data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = None
    if response.status == 200 and isinstance(answer, dict) and "status" in answer:
        return True
    log.info("%s%s answered %d, not as Kibana: the digest shows how to search with `rasad search`", base,
             STATUS_PATH, response.status)
    return False
