"""The only module that talks to Elasticsearch: schema, idempotent upserts, disk spool, queries.

Works against Elasticsearch 9.x (the local node and the compose stack) and 8.19, through the 8.19
client (which a 9.x server accepts in REST compatibility mode). Uses only APIs that the smallest
distribution has too: composable index templates, aliases, bulk, scroll, search with search_after,
cluster health and node info. Not `GET /` (that distribution answers 405) nor `_reindex` (a module
it lacks): schema upgrades copy documents with scroll and bulk.
"""

from __future__ import annotations

import copy
import logging
import socket
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from elasticsearch import ApiError, Elasticsearch, helpers
from elasticsearch.exceptions import BadRequestError, ConnectionTimeout, NotFoundError
from elasticsearch.exceptions import ConnectionError as ESConnectionError

from crawler.config import Config, ConfigError
from crawler.items import Article, doc_id_for
from crawler.store.schema import INDICES, NORMALIZER_FILTERS, SCHEMA_VERSION, index_body
from crawler.store.spool import Spool

log = logging.getLogger(__name__)

# Statuses worth retrying: rejected (429) or temporarily unavailable (502/503/504).
RETRY_STATUSES = (429, 502, 503, 504)
UNREACHABLE = (ESConnectionError, ConnectionTimeout)
# An HTTP error answer of the cluster (the 7.17 client's TransportError; ApiError in the 8.x client).
TransportError = ApiError
# Server majors this client line serves: 8.19 (and older 8.x) natively, 9.x in compatibility mode;
# 9.x clients would refuse 8.x servers and 8.x clients are refused by 7.x ones (see README).
SUPPORTED_MAJORS = (8, 9)
SUPPORTED = "Elasticsearch 8.19 or 9.x"
# seen-index documents that hold a feed's or sitemap's ETag / Last-Modified, not a remembered page.
VALIDATORS = "feed-validators"
VALIDATOR_FIELDS = ("etag", "last_modified", "window_since")
# Bulk requests in flight at once for one write (as helpers.parallel_bulk's default thread_count):
# one request at a time left the node idle while the client built and parsed each one.
BULK_THREADS = 4
STORY_KEYS_PER_QUERY = 1000  # one should clause per key: below indices.query.bool.max_clause_count (1024)
# Indices this process wrote to since it last refreshed them. A read refreshes only those: a forced
# refresh before every scan cost the digest query a third of its time. Writes from another process
# (a crawl) are refreshed by that process when it finishes (StorePipeline.close_spider).
_UNREFRESHED: set[str] = set()


class StoreError(Exception):
    """Elasticsearch refused an operation in a way retries cannot fix (names the index)."""


class UnsupportedCluster(StoreError):
    """The cluster answers but runs a version this client line cannot serve (e.g. 7.x)."""


@dataclass
class IndexResult:
    indexed: int = 0
    spooled: int = 0
    failed: int = 0
    created: int = 0  # bulk result "created": the document did not exist before
    updated: int = 0  # "updated" or "noop": it did
    outcomes: dict[str, str] = field(default_factory=dict)  # document id -> bulk result
    errors: list[str] = field(default_factory=list)


def utcnow_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def make_client(config: Config) -> Elasticsearch:
    """An Elasticsearch client for the configured cluster (credentials from the environment only)."""
    es = config.elasticsearch
    kwargs: dict[str, Any] = {
        "request_timeout": es.request_timeout,
        "max_retries": es.max_retries,
        "retry_on_timeout": True,
        "retry_on_status": RETRY_STATUSES,
    }
    if es.username:
        kwargs["basic_auth"] = (es.username, es.password.get_secret_value())
    if es.effective_url.startswith("https"):
        kwargs["verify_certs"] = es.verify_certs
    return Elasticsearch(es.effective_url, **kwargs)


class Store:
    """Articles, runs, digests and remembered URLs in Elasticsearch, with a disk spool for outages."""

    def __init__(self, config: Config, client: Elasticsearch | None = None):
        self.config = config
        self.client = client or make_client(config)
        prefix = config.elasticsearch.index_prefix
        self.aliases = {kind: f"{prefix}-{kind}" for kind in INDICES}
        self.spool = Spool(config.path(config.spool.dir))
        self._version: str | None = None

    # -- connection -------------------------------------------------------------------------

    @property
    def articles(self) -> str:
        return self.aliases["articles"]

    def ping(self) -> bool:
        """True when the cluster answers (its health; raises UnsupportedCluster for a 7.x one)."""
        try:
            self._ensure_compat()
            self.client.cluster.health()
            return True
        except UnsupportedCluster:
            raise
        except Exception:  # noqa: BLE001 - any failure means "not usable now"
            return False

    def info(self) -> dict[str, Any]:
        """The cluster's name and version ({"cluster_name", "version": {"number"}}), from node info."""
        nodes = self._node_info()
        return {"cluster_name": nodes.get("cluster_name"), "version": {"number": self._server_version(nodes)}}

    def version(self) -> str:
        """The version of the cluster's node (checked to be supported)."""
        self._ensure_compat()
        assert self._version is not None
        return self._version

    def _node_info(self) -> dict[str, Any]:
        # Through the transport, below the client's product check: a 7.x server (refused by the
        # client with UnsupportedProductError) still tells its version here.
        resp = self.client.transport.perform_request(
            "GET", "/_nodes/_local/none", headers={"accept": "application/json"})
        if resp.meta.status >= 400:
            raise StoreError(f"Elasticsearch at {self.config.elasticsearch.display_url} refused node info "
                             f"(HTTP {resp.meta.status}): check ES_USERNAME / ES_PASSWORD and the user's rights")
        return resp.body if isinstance(resp.body, dict) else {}

    @staticmethod
    def _server_version(nodes: dict[str, Any]) -> str:
        return next((n.get("version", "") for n in nodes.get("nodes", {}).values()), "") or "unknown"

    def _ensure_compat(self) -> None:
        """Refuse, once per store, a cluster whose version this client line cannot serve."""
        if self._version is not None:
            return
        version = self._server_version(self._node_info())
        major = int(version.split(".")[0]) if version[:1].isdigit() else 0
        if major not in SUPPORTED_MAJORS:
            raise UnsupportedCluster(
                f"Elasticsearch at {self.config.elasticsearch.display_url} runs version {version}; "
                f"Rasad supports {SUPPORTED} (README: upgrading an older cluster)")
        self._version = version

    def close(self) -> None:
        """Refresh what this process left unrefreshed (readers elsewhere do not force it), then close."""
        for kind, alias in self.aliases.items():
            if alias in _UNREFRESHED:
                try:
                    self.refresh(kind)
                except Exception:  # noqa: BLE001 - closing goes on; the index refreshes itself within a second
                    _UNREFRESHED.discard(alias)
        self.client.close()

    # -- schema -------------------------------------------------------------------------------

    def init(self) -> dict[str, str]:
        """Create or upgrade templates, versioned indices and aliases. Idempotent.

        Returns:
            alias -> what was done ("created", "unchanged", "migrated from X").
        """
        self._ensure_compat()
        prefix = self.config.elasticsearch.index_prefix
        done: dict[str, str] = {}
        for kind in INDICES:
            alias = self.aliases[kind]
            target = f"{alias}-v{SCHEMA_VERSION}"
            body = self._index_body(kind)
            self.client.indices.put_index_template(
                name=f"{prefix}-{kind}", index_patterns=[f"{alias}-v*"], priority=100, template=body)
            current = self._alias_targets(alias)
            if current == [target]:
                # Mappings are additive: apply new fields in place so `init` upgrades without reindexing.
                self.client.indices.put_mapping(index=target, **body["mappings"])
                done[alias] = "unchanged"
                continue
            if not self.client.indices.exists(index=target):
                self.client.indices.create(index=target)
            actions: list[dict[str, Any]] = [{"add": {"index": target, "alias": alias, "is_write_index": True}}]
            if current:
                for old in current:
                    self._copy_index(old, target)
                    actions.append({"remove": {"index": old, "alias": alias}})
                done[alias] = f"migrated from {', '.join(current)}"
            else:
                done[alias] = "created"
            self.client.indices.update_aliases(actions=actions)
            log.info("index %s: %s (alias %s)", target, done[alias], alias)
        return done

    def _copy_index(self, old: str, target: str) -> None:
        """Every document of `old` into `target`, same ids (scroll + bulk: no `_reindex` module needed)."""
        self.client.indices.refresh(index=old)  # the scroll only sees refreshed documents
        # Not helpers.reindex: it asks the data-streams API (a module the local node lacks) about the target.
        docs = ({"_op_type": "index", "_index": target, "_id": h["_id"], "_source": h["_source"]}
                for h in helpers.scan(self.client, index=old, query={"query": {"match_all": {}}}, size=1000))
        copied, errors = helpers.bulk(self.client, docs, chunk_size=self.config.elasticsearch.bulk_chunk_size,
                                      raise_on_error=False, max_retries=self.config.elasticsearch.max_retries)
        if errors:
            first = errors[0] if isinstance(errors, list) else errors
            raise StoreError(f"copying {old} into {target}: {first}")
        self.client.indices.refresh(index=target)
        log.info("copied %d documents from %s into %s", copied, old, target)

    def _index_body(self, kind: str) -> dict[str, Any]:
        """index_body(kind), with the keyword normaliser the cluster supports (see schema.NORMALIZER_FILTERS)."""
        body = copy.deepcopy(index_body(kind))
        analysis = body["settings"].get("analysis")
        if not analysis:
            return body
        try:
            self.client.indices.analyze(filter=list(NORMALIZER_FILTERS), text="أ")
        except BadRequestError:
            # Filters of a stable plugin (our Arabic plugin on the local node) cannot serve keyword
            # normalisers: their keyword subfields are only lowercased there.
            analysis["normalizer"]["rasad_folded"]["filter"] = ["lowercase"]
            log.info("cluster at %s: keyword normaliser without Arabic folding (stable-plugin filters)",
                     self.config.elasticsearch.display_url)
        return body

    def _alias_targets(self, alias: str) -> list[str]:
        if not self.client.indices.exists_alias(name=alias):
            return []
        return sorted(self.client.indices.get_alias(name=alias).keys())

    def drop(self, *, templates: bool = True) -> list[str]:
        """Delete every index of this prefix (and its index templates); returns the indices deleted.

        By name, not by wildcard: Elasticsearch 8+ refuses wildcard deletes by default
        (action.destructive_requires_name).
        """
        prefix = self.config.elasticsearch.index_prefix
        names = sorted(self.client.indices.get(index=f"{prefix}-*", expand_wildcards="all", allow_no_indices=True))
        if names:
            self.client.indices.delete(index=",".join(names))
        for kind in INDICES if templates else ():
            self.client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")
        for alias in names:
            _UNREFRESHED.discard(alias)
        for alias in self.aliases.values():
            _UNREFRESHED.discard(alias)
        return names

    def mapping(self, kind: str = "articles") -> dict[str, Any]:
        """The live mapping of one index (for checks of saved objects against real fields)."""
        result = self.client.indices.get_mapping(index=self.aliases[kind])
        return next(iter(result.values()))["mappings"]

    def refresh(self, kind: str = "articles") -> None:
        _UNREFRESHED.discard(self.aliases[kind])
        self.client.indices.refresh(index=self.aliases[kind])

    # -- writes -------------------------------------------------------------------------------

    def index_articles(self, articles: Iterable[Article | dict[str, Any]]) -> IndexResult:
        """Upsert articles keyed by canonical URL; spool them to disk if Elasticsearch is unreachable."""
        actions = [self._article_action(a) for a in articles]
        return self._write(actions)

    def remember_urls(self, entries: Iterable[dict[str, Any]]) -> IndexResult:
        """Remember pages that were fetched but not indexed (irrelevant, broken) so they are skipped."""
        now = utcnow_iso()
        actions = []
        for e in entries:
            doc = {"url": e["url"], "status": e.get("status", "seen"), "reason": e.get("reason", ""), "seen_at": now}
            doc.update({k: e[k] for k in VALIDATOR_FIELDS if k in e})  # a feed's validators (status VALIDATORS)
            actions.append(self._upsert_action("seen", doc_id_for(e["url"]), doc))
        return self._write(actions)

    def record_run(self, run: dict[str, Any]) -> IndexResult:
        """Write (or update) one run record; `run["run_id"]` is its id (visible to other processes at once)."""
        return self._write_visible("runs", [self._upsert_action("runs", run["run_id"], run)])

    def save_digest(self, digest: dict[str, Any]) -> IndexResult:
        """Write (or update) one digest record; `digest["digest_id"]` is its id (visible at once)."""
        return self._write_visible("digests", [self._upsert_action("digests", digest["digest_id"], digest)])

    def save_alert(self, alert: dict[str, Any]) -> IndexResult:
        """Write (or update) one alert record; `alert["alert_id"]` is its id (visible at once)."""
        return self._write_visible("alerts", [self._upsert_action("alerts", alert["alert_id"], alert)])

    def _write_visible(self, kind: str, actions: list[dict[str, Any]]) -> IndexResult:
        """A rare write that readers in other processes look for right away (run and digest records):
        refreshed now, since their reads no longer force a refresh."""
        result = self._write(actions)
        if result.indexed:
            try:
                self.refresh(kind)
            except ApiError as exc:  # the record is written; only its visibility waits (1 s)
                log.warning("%s not refreshed after a write: %s", self.aliases[kind], exc)
        return result

    def update_articles(self, updates: dict[str, dict[str, Any]]) -> IndexResult:
        """Partial updates of stored articles by document id (e.g. recomputed comparison)."""
        return self._write([self._upsert_action("articles", doc_id, doc) for doc_id, doc in updates.items()])

    def _article_action(self, article: Article | dict[str, Any]) -> dict[str, Any]:
        doc = article.to_dict() if isinstance(article, Article) else dict(article)
        doc.pop("id", None)
        canonical = doc.get("canonical_url") or doc["url"]
        doc["canonical_url"] = canonical
        doc.setdefault("indexed_at", utcnow_iso())
        return self._upsert_action("articles", doc_id_for(canonical), doc)

    def _upsert_action(self, kind: str, doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        return {"_op_type": "update", "_index": self.aliases[kind], "_id": doc_id, "doc": doc, "doc_as_upsert": True}

    def _write(self, actions: list[dict[str, Any]]) -> IndexResult:
        result = IndexResult()
        if not actions:
            return result
        try:
            self._ensure_compat()
            self._bulk(actions, result)
            # Marked after the write, so a refresh made while it ran does not hide its last chunks.
            _UNREFRESHED.update(a["_index"] for a in actions)
        except UNREACHABLE as exc:
            self.spool.write(actions)
            result.spooled = len(actions)
            log.warning("Elasticsearch unreachable (%s): spooled %d actions to %s", type(exc).__name__, len(actions), self.spool.dir)
        return result

    def _bulk(self, actions: list[dict[str, Any]], result: IndexResult) -> None:
        """Send the actions in chunks, up to BULK_THREADS requests at once, each with its own retries.

        An unreachable node raises out of here (the caller spools every action of the write: upserts
        are idempotent, so a chunk that did arrive is only written again on replay).
        """
        chunk = self.config.elasticsearch.bulk_chunk_size
        slices = [actions[i : i + chunk] for i in range(0, len(actions), chunk)]
        if len(slices) == 1:
            self._bulk_slice(slices[0], result)
        else:
            with ThreadPoolExecutor(min(BULK_THREADS, len(slices)), thread_name_prefix="rasad-bulk") as pool:
                partials = list(pool.map(self._bulk_slice, slices))
            for part in partials:
                result.indexed += part.indexed
                result.failed += part.failed
                result.created += part.created
                result.updated += part.updated
                result.outcomes.update(part.outcomes)
                result.errors += part.errors
        for err in result.errors[:5]:
            log.error("bulk item rejected: %s", err)

    def _bulk_slice(self, actions: list[dict[str, Any]], result: IndexResult | None = None) -> IndexResult:
        """One chunk as one bulk request (streaming_bulk retries 429s with back-off)."""
        result = result if result is not None else IndexResult()
        for ok, info in helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=len(actions),
            max_retries=self.config.elasticsearch.max_retries,
            initial_backoff=1,
            max_backoff=30,
            raise_on_error=False,
            raise_on_exception=True,
        ):
            detail = next(iter(info.values()))
            if ok:
                result.indexed += 1
                outcome = detail.get("result", "")
                result.outcomes[detail.get("_id", "")] = outcome
                if outcome == "created":
                    result.created += 1
                elif outcome in ("updated", "noop"):
                    result.updated += 1
            else:
                result.failed += 1
                result.errors.append(f"{detail.get('_index')}/{detail.get('_id')}: {detail.get('error')}")
        return result

    def replay_spool(self) -> int:
        """Send spooled actions to Elasticsearch; files are removed only once fully written.

        Returns:
            number of actions replayed (0 when the spool is empty or Elasticsearch is still down).
        """
        replayed = 0
        for path in self.spool.files():
            actions = self.spool.read(path)
            result = IndexResult()
            try:
                self._ensure_compat()
                self._bulk(actions, result)
            except UNREACHABLE:
                log.warning("Elasticsearch still unreachable; %d spool files kept", len(self.spool.files()))
                break
            _UNREFRESHED.update(a["_index"] for a in actions)
            if result.failed:
                log.error("spool file %s: %d actions rejected; file kept for inspection", path, result.failed)
                continue
            self.spool.remove(path)
            replayed += result.indexed
        if replayed:
            log.info("replayed %d spooled actions", replayed)
            # A replay precedes a crawl whose child process reads what is known: make it visible now.
            for kind, alias in self.aliases.items():
                if alias in _UNREFRESHED:
                    self.refresh(kind)
        return replayed

    # -- reads --------------------------------------------------------------------------------

    def count(self, kind: str = "articles", query: dict[str, Any] | None = None) -> int:
        self.refresh(kind)
        kwargs = {"query": query} if query else {}
        return int(self.client.count(index=self.aliases[kind], **kwargs)["count"])

    def get_article(self, doc_id: str) -> dict[str, Any] | None:
        try:
            return self.client.get(index=self.articles, id=doc_id)["_source"]
        except NotFoundError:
            return None

    def known_urls(self, ignore_statuses: tuple[str, ...] = ()) -> set[str]:
        """Canonical URLs already indexed and URLs remembered as not worth fetching again.

        `ignore_statuses`: remembered reasons that do not count here (a backfill of past years wants the
        pages a crawl remembered as "old").
        """
        urls: set[str] = set()
        for hit in self.scan("articles", fields=["canonical_url", "url"]):
            urls.update(u for u in (hit.get("canonical_url"), hit.get("url")) if u)
        skip = [VALIDATORS, *ignore_statuses]
        for hit in self.scan("seen", query={"bool": {"must_not": {"terms": {"status": skip}}}}, fields=["url"]):
            urls.add(hit["url"])
        return urls

    def feed_validators(self) -> dict[str, dict[str, str]]:
        """Stored ETag / Last-Modified per feed or sitemap URL (written through remember_urls)."""
        out: dict[str, dict[str, str]] = {}
        for hit in self.scan("seen", query={"term": {"status": VALIDATORS}}, fields=["url", *VALIDATOR_FIELDS]):
            v = {k: hit[k] for k in VALIDATOR_FIELDS if hit.get(k)}
            if v.get("etag") or v.get("last_modified"):
                out[hit["url"]] = v
        return out

    def scan(
        self, kind: str, query: dict[str, Any] | None = None, fields: list[str] | None = None, page: int = 5000
    ) -> Iterator[dict[str, Any]]:
        """Every matching document (with its "id"), paged through a scroll in index order.

        Not search_after sorted on _id: Elasticsearch 8+ refuses sorting on _id. Callers that need an
        order sort what they got. Documents this process wrote are made visible first (one refresh
        after writes, not one per scan).
        """
        self._ensure_compat()
        index = self.aliases[kind]
        if index in _UNREFRESHED:
            try:
                self.refresh(kind)
            except NotFoundError:
                return
        kwargs: dict[str, Any] = {}
        if fields is not None:
            kwargs["_source"] = fields
        hits = helpers.scan(self.client, index=index, query={"query": query or {"match_all": {}}}, size=page,
                            scroll="2m", **kwargs)
        try:
            for h in hits:
                yield {"id": h["_id"], **h.get("_source", {})}
        except NotFoundError:  # no such index yet: nothing stored
            return

    def search_articles(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        topic: str | None = None,
        exclude_ids: Iterable[str] = (),
        date_field: str = "indexed_at",
    ) -> list[dict[str, Any]]:
        """Articles indexed in [since, until), optionally for one topic, minus already-reported ids."""
        rng: dict[str, str] = {}
        if since:
            rng["gte"] = since.isoformat()
        if until:
            rng["lt"] = until.isoformat()
        filters: list[dict[str, Any]] = []
        if rng:
            filters.append({"range": {date_field: rng}})
        if topic:
            filters.append({"term": {"topic": topic}})
        excluded = list(exclude_ids)
        query: dict[str, Any] = {"bool": {"filter": filters}}
        if excluded:
            query["bool"]["must_not"] = [{"ids": {"values": excluded}}]
        docs = list(self.scan("articles", query=query))
        docs.sort(key=lambda d: (d.get("published_at") or d.get("indexed_at") or "", d["id"]))
        return docs

    def search_hits(self, body: dict[str, Any], kind: str = "articles") -> tuple[int, list[dict[str, Any]]]:
        """One page of a search request (a plain dict body: query, sort, size, highlight, _source).

        Returns (total matches, hits); each hit is its _source with "id", "score" and "highlight"
        (field -> fragments). No such index yet: (0, []). The body goes in as keyword arguments,
        which the 7.17 client and the 8/9 clients all accept for these search body fields.
        """
        self._ensure_compat()
        index = self.aliases[kind]
        if index in _UNREFRESHED:
            self.refresh(kind)
        try:
            result = self.client.search(index=index, **body)["hits"]
        except NotFoundError:
            return 0, []
        total = result.get("total") or 0
        count = int(total["value"] if isinstance(total, dict) else total)
        hits = [{"id": h["_id"], "score": h.get("_score"), "highlight": h.get("highlight") or {}, **h.get("_source", {})}
                for h in result["hits"]]
        return count, hits

    def aggregations(self, query: dict[str, Any], aggs: dict[str, Any], kind: str = "articles") -> dict[str, Any]:
        """The aggregations of `aggs` over the documents matching `query` (no hits returned); no such index yet: {}."""
        self._ensure_compat()
        index = self.aliases[kind]
        if index in _UNREFRESHED:
            self.refresh(kind)
        try:
            result = self.client.search(index=index, query=query, aggs=aggs, size=0)
        except NotFoundError:
            return {}
        return dict(result.get("aggregations") or {})

    def story_candidates(self, keys: Iterable[str], exclude_ids: Iterable[str] = (), size: int = 500) -> list[dict[str, Any]]:
        """Stored articles sharing at least one LSH band key (`story_keys`) with `keys`, any date.

        With their lead, body, story id, keys and publication date, for the caller to confirm; those
        sharing the most keys first (a constant score per shared key), at most `size` per request of
        up to STORY_KEYS_PER_QUERY keys (under the default limit of 1024 clauses of a query).
        """
        ordered = sorted(set(keys))
        must_not = [{"ids": {"values": list(exclude_ids)}}]
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ordered), STORY_KEYS_PER_QUERY):
            chunk = ordered[i : i + STORY_KEYS_PER_QUERY]
            body = {
                "query": {"bool": {"should": [{"constant_score": {"filter": {"term": {"story_keys": k}}}} for k in chunk],
                                   "minimum_should_match": 1, "must_not": must_not}},
                "size": size,
                "_source": ["lead", "body", "story_id", "story_keys", "published_at"],
            }
            for hit in self.search_hits(body)[1]:
                found.setdefault(hit["id"], hit)
        return list(found.values())

    def search_text(self, text: str, size: int = 10) -> list[dict[str, Any]]:
        """Full-text search of title, lead and body through the Arabic analyser."""
        self._ensure_compat()
        body = {
            "query": {"multi_match": {"query": text, "fields": ["title^3", "lead^2", "body"]}},
            "size": size,
        }
        return [{"id": h["_id"], "score": h["_score"], **h["_source"]} for h in self.client.search(index=self.articles, **body)["hits"]["hits"]]

    def reported_article_ids(self) -> set[str]:
        """Ids of articles already included in a digest that was built (sent or pending)."""
        ids: set[str] = set()
        for d in self.scan("digests", fields=["article_ids"]):
            ids.update(d.get("article_ids") or [])
        return ids

    def digests(self, status: str | None = None) -> list[dict[str, Any]]:
        query = {"term": {"status": status}} if status else None
        return sorted(self.scan("digests", query=query), key=lambda d: d.get("created_at", ""))

    def alerts(self, status: str | None = None) -> list[dict[str, Any]]:
        """Alert records, oldest first."""
        query = {"term": {"status": status}} if status else None
        return sorted(self.scan("alerts", query=query), key=lambda d: (d.get("created_at", ""), d["id"]))

    def alert_candidates(
        self,
        *,
        topic: str,
        relations: Iterable[str] = (),
        conflicting: bool = False,
        run_id: str | None = None,
        indexed_since: datetime | None = None,
        exclude_ids: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """Articles of a topic worth an alert: one of `relations`, or (`conflicting`) with conflicting facts.

        Only those of the run `run_id` or indexed since `indexed_since` (either one; neither: any),
        minus `exclude_ids` (already alerted). Ordered as search_articles orders.
        """
        kinds: list[dict[str, Any]] = []
        if relations:
            kinds.append({"terms": {"relation": list(relations)}})
        if conflicting:
            kinds.append({"exists": {"field": "facts_conflicting"}})
        if not kinds:
            return []
        filters: list[dict[str, Any]] = [{"term": {"topic": topic}},
                                         {"bool": {"should": kinds, "minimum_should_match": 1}}]
        scope: list[dict[str, Any]] = []
        if run_id:
            scope.append({"term": {"run_id": run_id}})
        if indexed_since is not None:
            scope.append({"range": {"indexed_at": {"gte": indexed_since.isoformat()}}})
        if scope:
            filters.append({"bool": {"should": scope, "minimum_should_match": 1}})
        query: dict[str, Any] = {"bool": {"filter": filters}}
        excluded = list(exclude_ids)
        if excluded:
            query["bool"]["must_not"] = [{"ids": {"values": excluded}}]
        docs = list(self.scan("articles", query=query))
        docs.sort(key=lambda d: (d.get("published_at") or d.get("indexed_at") or "", d["id"]))
        return docs

    def runs(self) -> list[dict[str, Any]]:
        return sorted(self.scan("runs"), key=lambda d: d.get("started_at", ""))


def refused(url: str, timeout: float = 2.0) -> bool:
    """True when nothing listens at the URL's host and port: the connection is refused at once."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:  # a timeout, no route, a name that does not resolve: not a plain refusal
        return False


def wait_for(store: Store, timeout: float = 60.0, *, patient: bool = True) -> None:
    """Block until the cluster answers, or raise StoreError naming the URL.

    patient=False (an external cluster, nothing being started here): a refused connection is answered
    at once (nothing listens there; waiting will not help), while a cluster that accepts connections but
    does not answer yet (starting, recovering) is still waited for. One warning line while waiting.
    """
    url = store.config.elasticsearch.display_url
    deadline = time.monotonic() + timeout
    warned = False
    while time.monotonic() < deadline:
        if store.ping():
            return
        if not patient and refused(store.config.elasticsearch.effective_url):
            raise StoreError(f"Elasticsearch at {url} refused the connection (nothing listens there)")
        if not warned:
            log.warning("Elasticsearch at %s not answering yet; waiting up to %.0fs", url, timeout)
            warned = True
        time.sleep(0.5)
    raise StoreError(f"Elasticsearch at {url} did not answer within {timeout:.0f}s")


def check_url(config: Config) -> None:
    """Fail early, naming the key, when the configured URL is not an http(s) URL."""
    url = config.elasticsearch.effective_url
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{config.origin('elasticsearch.url')}: elasticsearch.url must start with http:// or "
                          f"https:// (got {config.elasticsearch.display_url!r})")


__all__ = ["IndexResult", "Store", "StoreError", "TransportError", "UnsupportedCluster", "make_client", "wait_for",
           "check_url"]
