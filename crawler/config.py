"""One configuration object, read once from a TOML file and the environment, validated at start.

Secrets (Elasticsearch and SMTP credentials) come only from the environment, never from the file.
A bad value raises ConfigError naming the file, the key and what was expected.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import typing
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from crawler.redact import has_userinfo, redact

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_NAMES = ("rasad.toml",)
SECRET_KEYS = {"password", "api_key", "token"}


class ConfigError(Exception):
    """Configuration is missing or invalid; the message names the file and key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ElasticsearchConfig(_Section):
    url: str = ""  # empty: use the local node managed by `rasad es up`
    username: str = ""
    password: SecretStr = SecretStr("")  # from ES_PASSWORD only
    index_prefix: str = Field(default="rasad", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # The cluster runner only accepts HTTP ports up to 9299.
    local_port: int = Field(default=9200, ge=9200, le=9299)
    local_heap: str = Field(default="1g", pattern=r"^[0-9]+[mg]$")
    local_data_dir: str = "var/es"
    request_timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    bulk_chunk_size: int = Field(default=500, ge=1)
    verify_certs: bool = True

    @property
    def is_local(self) -> bool:
        return not self.url

    @property
    def effective_url(self) -> str:
        return self.url or f"http://127.0.0.1:{self.local_port}"

    @property
    def display_url(self) -> str:
        """The URL for messages and logs: credentials (from ES_URL) replaced by ***."""
        return redact(self.effective_url)


class SpoolConfig(_Section):
    dir: str = "var/spool"


class TopicConfig(_Section):
    name: str = ""
    reference: str = Field(description="path of the reference article (.txt or .html)")
    keywords: list[str] = Field(default_factory=list)
    queries: list[str] = Field(default_factory=list)
    # GDELT searches English translations: English phrases, restricted to Arabic sources by Rasad.
    gdelt_queries: list[str] = Field(default_factory=list)
    # The relevance score's mark (Relevance.is_relevant); what is kept is the comparison's decision only.
    min_relevance: float = Field(default=0.3, ge=0, le=1)
    # The year of the reference's event: a related report published in another year, not naming this
    # one, describes another edition, so its different figures are not contradictions.
    event_year: int | None = Field(default=None, ge=1990, le=2100)
    # The event's own days: `rasad backfill --topic T` without dates searches the weeks around them.
    event_start: date | None = None
    event_end: date | None = None
    # Words an archived article's address may carry (Latin slugs; Arabic keywords are matched too).
    url_keywords: list[str] = Field(default_factory=list)


class CompareConfig(_Section):
    copy_threshold: float = Field(default=0.5, ge=0, le=1)
    rewrite_threshold: float = Field(default=0.15, ge=0, le=1)
    # Aboutness (crawler/text/aboutness.py) from which an article naming the event is a report of it
    # (related) rather than a passing mention: the share of its sentences about the event, a title
    # hit and a lead hit. Labelled sets: mentions at most 0.25, reports at least 0.40.
    related_threshold: float = Field(default=0.33, ge=0, le=1)
    # The lead naming the event adds to the aboutness only when at least this share of the
    # sentences is about the event (real reports: 0.25 and more).
    lead_min_share: float = Field(default=0.25, ge=0, le=1)
    # A wire rewrite keeps many of the reference's shingles or nearly all its vocabulary.
    # Labelled set: rewrites 0.30-0.78 containment, own-text reports at most 0.02; TF-IDF cosine
    # of rewrites 0.28-0.55 against at most 0.29 for own-text reports.
    rewrite_containment: float = Field(default=0.2, ge=0, le=1)
    # Cosine of stems weighted by the background corpus's IDF (crawler/text/background.py): labelled
    # rewrites 0.31-0.49, own reports at most 0.22 (stock formulae weigh little).
    rewrite_cosine: float = Field(default=0.27, ge=0, le=1)
    # A rewrite shares at least this many word 5-shingles with the reference that are not stock
    # phrases (labelled rewrites 25-83, own reports at most 1).
    rewrite_min_shared: int = Field(default=8, ge=0)
    # A shingle found in at least this many documents of the background corpus is a stock phrase.
    stock_min_documents: int = Field(default=3, ge=1)
    novel_sentences: int = Field(default=5, ge=0)


class CrawlConfig(_Section):
    user_agent: str = "RasadBot/0.1 (+https://example.org/rasad; news monitoring)"
    contact: str = ""
    since_days: int = Field(default=30, ge=1)
    sources: list[str] = Field(default_factory=list)  # empty: all registered outlets
    base_url_override: str = ""  # point every outlet at one base (tests, demo)
    aggregators: bool = True
    # Google News RSS search: its robots.txt disallows /rss/search to crawlers; off unless opted in.
    google_news: bool = False
    # GDELT: one request per gdelt_delay seconds (GDELT asks for at most one every 5 s), windows cut
    # into slices of gdelt_slice_days so that no answer hits the 250-record cap.
    gdelt_delay: float = Field(default=5.0, ge=5.0)
    gdelt_slice_days: int = Field(default=7, ge=1, le=90)
    allow_private_addresses: bool = False
    download_delay: float = Field(default=1.0, ge=0)
    concurrent_requests_per_domain: int = Field(default=2, ge=1)
    max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    download_timeout: float = Field(default=30.0, gt=0)
    close_after_items: int = Field(default=0, ge=0)
    cpu_workers: int = Field(default=0, ge=0)  # processes for extraction and comparison; 0: one per core


class ArchiveConfig(_Section):
    """Web archives searched by `rasad backfill`; rates are requests per second (0: no pause, local tests)."""

    wayback_cdx_url: str = "https://web.archive.org/cdx/search/cdx"
    wayback_replay_url: str = "https://web.archive.org/web/"
    cc_index_url: str = "https://index.commoncrawl.org/collinfo.json"
    cc_data_url: str = "https://data.commoncrawl.org/"
    # The Wayback Machine's CDX limit is 24 requests a minute; playback has no published limit.
    wayback_cdx_rate: float = Field(default=0.4, ge=0)
    wayback_replay_rate: float = Field(default=1.0, ge=0)
    # Common Crawl asks for backing off and "no more than once per second" retries.
    cc_index_rate: float = Field(default=1.0, ge=0)
    cc_data_rate: float = Field(default=1.0, ge=0)
    # CC-NEWS (monthly WARC files streamed whole) and the columnar URL index (Parquet partitions).
    ccnews_url: str = "https://data.commoncrawl.org/"
    ccindex_url: str = "https://data.commoncrawl.org/"
    stream_timeout: float = Field(default=60.0, gt=0)  # seconds without a byte before a stream is given up
    slowdown_retries: int = Field(default=8, ge=0)  # retries of a "503 Slow Down" (or 429) answer
    slowdown_backoff: float = Field(default=1.0, ge=0)  # first pause before such a retry, doubled each time
    ccnews_max_record_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)  # larger records skipped unread
    archives: list[Literal["ia", "cc", "ccnews", "ccindex"]] = Field(default_factory=lambda: ["ia", "cc"])
    cdx_limit: int = Field(default=5000, ge=1)  # captures per CDX query (a page of results)
    max_cdx_pages: int = Field(default=20, ge=1)  # pages of one query followed (Wayback resume keys)
    days_before: int = Field(default=14, ge=0)  # window around a topic's event when no dates are given
    days_after: int = Field(default=21, ge=0)
    state_file: str = "var/backfill-state.json"  # finished (archive, index, prefix, window) queries
    # Longest Retry-After (seconds) an archive is waited for; asked for longer, the run gives that
    # archive up (the Internet Archive blocks an address that ignores its 429s for an hour).
    max_retry_after: float = Field(default=600.0, ge=0)


class ScheduleConfig(_Section):
    crawl_cron: str = "0 */3 * * *"
    digest_cron: str = "0 7 * * *"
    timezone: str = "UTC"
    jobstore_url: str = "sqlite:///var/jobs.sqlite"
    misfire_grace_time: int = Field(default=3600, ge=1)
    lock_file: str = "var/rasad.lock"


class DigestConfig(_Section):
    out_dir: str = "reports/out"
    send_empty: bool = True
    kibana_url: str = "http://127.0.0.1:5601"
    recipients: list[str] = Field(default_factory=list)
    sender: str = "rasad@localhost"
    max_articles: int = Field(default=200, ge=1)


ALERT_KINDS = ("copy", "rewrite", "conflict")


class AlertsConfig(_Section):
    """Alerts as they happen: one mail from the crawl or backfill that finds new copies, rewrites or
    conflicting figures (reports/alerts.py), besides the daily digest."""

    enabled: bool = False
    recipients: list[str] = Field(default_factory=list)  # empty: digest.recipients
    # copy / rewrite: the article's relation to the reference; conflict: it states figures that contradict it.
    on: list[Literal["copy", "rewrite", "conflict"]] = Field(default_factory=lambda: list(ALERT_KINDS))
    max_articles: int = Field(default=50, ge=1)  # articles listed in one alert (all are counted)

    @model_validator(mode="after")
    def _something_to_alert(self) -> AlertsConfig:
        if self.enabled and not self.on:
            raise ValueError('alerts.on is empty while alerts.enabled = true: nothing would ever be alerted; '
                             'list some of "copy", "rewrite", "conflict" (or set enabled = false)')
        if len(set(self.on)) != len(self.on):
            raise ValueError(f"alerts.on lists a kind twice: {self.on}")
        return self


class SmtpConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str = ""
    password: SecretStr = SecretStr("")  # from SMTP_PASSWORD only
    timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0)
    retry_backoff: float = Field(default=2.0, ge=0)
    ca_file: str = ""  # extra CA bundle to trust (a private relay's certificate); empty: system CAs
    # Logging in over a connection without TLS sends the password in clear: only when set on purpose.
    allow_plaintext_auth: bool = False

    @model_validator(mode="after")
    def _no_silent_plaintext_login(self) -> SmtpConfig:
        if self.username and self.security == "none" and not self.allow_plaintext_auth:
            raise ValueError(
                "smtp.username is set with smtp.security = \"none\": the password would cross the network "
                "unencrypted; use security = \"starttls\" or \"ssl\", or set smtp.allow_plaintext_auth = true "
                "for a relay on a trusted network"
            )
        return self


class KibanaConfig(_Section):
    url: str = "http://127.0.0.1:5601"
    username: str = ""
    password: SecretStr = SecretStr("")  # from KIBANA_PASSWORD only


class LogConfig(_Section):
    file: str = "var/log/rasad.log"  # every command logs here too (the crawl's details included)
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)  # rotated at this size
    backups: int = Field(default=5, ge=0)  # rotated files kept: rasad.log.1 ... rasad.log.N


class Config(_Section):
    elasticsearch: ElasticsearchConfig = Field(default_factory=ElasticsearchConfig)
    spool: SpoolConfig = Field(default_factory=SpoolConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    topics: dict[str, TopicConfig] = Field(default_factory=dict)
    default_topic: str = "wic-2020"
    compare: CompareConfig = Field(default_factory=CompareConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    kibana: KibanaConfig = Field(default_factory=KibanaConfig)
    log: LogConfig = Field(default_factory=LogConfig)
    archive: ArchiveConfig = Field(default_factory=ArchiveConfig)
    # Where relative paths in this file are resolved from.
    base_dir: str = str(PROJECT_ROOT)
    source_file: str = "<defaults>"
    # "section.key" -> the environment variable that set it (ES_URL, RASAD_ES_PORT...), for messages.
    _from_env: dict[str, str] = PrivateAttr(default_factory=dict)

    def origin(self, dotted: str) -> str:
        """Where the value of "section.key" came from, for an error message: its variable, or the file."""
        return self._from_env.get(dotted) or self.source_file

    @field_validator("topics")
    @classmethod
    def _topics_have_names(cls, topics: dict[str, TopicConfig]) -> dict[str, TopicConfig]:
        for key, topic in topics.items():
            if not topic.name:
                topic.name = key
        return topics

    @property
    def alert_recipients(self) -> list[str]:
        """Who gets the alert mail: alerts.recipients, or the digest's recipients when that is empty."""
        return list(self.alerts.recipients or self.digest.recipients)

    def path(self, value: str) -> Path:
        """Resolve a configured path relative to the configuration's base directory."""
        p = Path(value)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def topic(self, name: str | None = None) -> TopicConfig:
        key = name or self.default_topic
        if key not in self.topics:
            raise ConfigError(
                f"{self.source_file}: unknown topic {key!r}; configured topics: {sorted(self.topics) or 'none'}"
            )
        return self.topics[key]


DEFAULT_TOPIC = {
    "wic-2020": {
        "name": "wic-2020",
        "reference": str(PROJECT_ROOT / "reports" / "reference" / "wic-2020.txt"),
        "event_year": 2020,
        # The 2020 forum: 23-24 November in Wuzhen, announced by the organisers on 2 November
        # (https://regional.chinadaily.com.cn/ezhejiang/2020-11/03/c_560599.htm).
        "event_start": "2020-11-23",
        "event_end": "2020-11-24",
        "url_keywords": ["wic", "wuzhen", "world-internet-conference", "internet", "cyber", "cyberspace", "digital"],
        "keywords": [
            "المؤتمر العالمي للإنترنت",
            "مؤتمر الإنترنت العالمي",
            "المؤتمر الدولي للإنترنت",
            "مؤتمر الانترنت الدولي",
            "قمة ووتشن",
            "ووتشن",
            "وتشن",
            "ووتشان",
            "وو تشان",
            "نور الإنترنت",
            "World Internet Conference",
            "Wuzhen",
        ],
        "queries": ["المؤتمر العالمي للإنترنت", "ووتشن الإنترنت", "قمة ووتشن"],
        "gdelt_queries": ["World Internet Conference", "Wuzhen"],
    }
}

# Environment variables that override (or alone provide) configuration values.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "ES_URL": ("elasticsearch", "url"),
    "ES_USERNAME": ("elasticsearch", "username"),
    "ES_PASSWORD": ("elasticsearch", "password"),
    "RASAD_INDEX_PREFIX": ("elasticsearch", "index_prefix"),
    "RASAD_ES_PORT": ("elasticsearch", "local_port"),
    "SMTP_HOST": ("smtp", "host"),
    "SMTP_PORT": ("smtp", "port"),
    "SMTP_USERNAME": ("smtp", "username"),
    "SMTP_PASSWORD": ("smtp", "password"),
    "KIBANA_URL": ("kibana", "url"),
    "KIBANA_USERNAME": ("kibana", "username"),
    "KIBANA_PASSWORD": ("kibana", "password"),
}


def _reject_file_secrets(data: dict, source: str, prefix: str = "") -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _reject_file_secrets(value, source, dotted + ".")
        elif key in SECRET_KEYS and value:
            env = next((e for e, (s, k) in ENV_OVERRIDES.items() if f"{s}.{k}" == dotted), "the environment")
            raise ConfigError(f"{source}: key {dotted!r} holds a secret; set it in {env} instead of the file")


def _section_at(loc: tuple) -> type[BaseModel] | None:
    """The configuration section (model) holding the key at `loc`, e.g. ("crawl", "sincedays") -> CrawlConfig."""
    model: type[BaseModel] = Config
    parts = list(loc[:-1])
    while parts:
        part = parts.pop(0)
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        if typing.get_origin(annotation) is dict:  # topics: {name: TopicConfig}
            annotation = typing.get_args(annotation)[1]
            if parts:
                parts.pop(0)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def valid_keys(model: type[BaseModel]) -> list[str]:
    """Keys a configuration file may set in this section (secrets and internal fields excluded)."""
    return [k for k in model.model_fields if k not in SECRET_KEYS and k not in ("base_dir", "source_file")]


def _unknown_key_hint(loc: tuple) -> str:
    section = _section_at(loc)
    if section is None:
        return ""
    keys = valid_keys(section)
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (valid keys here: {', '.join(keys)})"


# URLs of the file that must not carry credentials: they end up in logs and in every digest link.
URL_KEYS = (("elasticsearch", "url", "ES_URL"), ("kibana", "url", "KIBANA_URL"), ("digest", "kibana_url", None))


def _reject_url_credentials(data: dict, source: str) -> None:
    for section, key, env in URL_KEYS:
        value = (data.get(section) or {}).get(key)
        if isinstance(value, str) and has_userinfo(value):
            where = f"the environment ({env}, or the username key with its password variable)" if env else "no URL"
            raise ConfigError(
                f"{source}: key '{section}.{key}' holds credentials in its URL ({redact(value)}); "
                f"remove them: URLs are logged and linked, credentials belong in {where}"
            )


def _format_validation_error(source: str, err: ValidationError, from_env: dict[str, str] | None = None) -> str:
    """The message of an invalid configuration: the file, or the variables when they set every bad value."""
    from_env = from_env or {}
    keys = [".".join(str(p) for p in e["loc"]) for e in err.errors()]
    variables = [from_env[k] for k in keys if k in from_env]
    head = ", ".join(dict.fromkeys(variables)) if variables and len(variables) == len(keys) else source
    lines = [f"{head}: invalid configuration"]
    for key, e in zip(keys, err.errors(), strict=True):
        if e["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key{_unknown_key_hint(tuple(e['loc']))}")
            continue
        got = e.get("input")
        got_text = "" if isinstance(got, dict) else f" (got {redact(repr(got))})"
        where = f" (set by {from_env[key]})" if key in from_env else ""
        lines.append(f"  {key}{where}: {e['msg']}{got_text}")
    return "\n".join(lines)


def find_config_file(explicit: str | os.PathLike | None = None) -> Path | None:
    """The configuration file to read: explicit path, $RASAD_CONFIG, or ./rasad.toml if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("RASAD_CONFIG")
    if env:
        return Path(env)
    for name in DEFAULT_CONFIG_NAMES:
        for base in (Path.cwd(), PROJECT_ROOT):
            if (base / name).exists():
                return base / name
    return None


def load_config(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Read and validate the configuration.

    Args:
        path: a TOML file; defaults to $RASAD_CONFIG, then ./rasad.toml, then built-in defaults.
        env: environment mapping (defaults to os.environ).
    Raises:
        ConfigError: the file is missing, not TOML, or a value is invalid (the key is named).
    """
    env = dict(os.environ if env is None else env)
    file = find_config_file(path)
    data: dict = {}
    source = "<defaults>"
    base_dir = PROJECT_ROOT
    if file is not None:
        source = str(file)
        if not file.exists():
            raise ConfigError(f"{file}: configuration file not found")
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{file}: not UTF-8 text: {exc}") from exc
        base_dir = file.resolve().parent
        _reject_file_secrets(data, source)
        _reject_url_credentials(data, source)
    from_env: dict[str, str] = {}
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            data.setdefault(section, {})[key] = env[var]
            from_env[f"{section}.{key}"] = var
    if not data.get("topics"):
        data["topics"] = DEFAULT_TOPIC
    data["base_dir"] = str(base_dir)
    data["source_file"] = source
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(source, exc, from_env)) from None
    config._from_env = from_env
    for key, topic in config.topics.items():
        ref = config.path(topic.reference)
        if not ref.exists():
            raise ConfigError(f"{source}: topics.{key}.reference: file not found: {ref}")
    if config.default_topic not in config.topics:
        raise ConfigError(
            f"{source}: default_topic: {config.default_topic!r} is not one of the topics {sorted(config.topics)}"
        )
    return config
