# Scrapy settings for Rasad: polite defaults, retries, limits. https://docs.scrapy.org/en/latest/topics/settings.html
"""Scrapy settings: module-level polite defaults and `settings_for(config)` mapping Config onto them."""

from __future__ import annotations

from typing import Any

from crawler.config import Config

BOT_NAME = "rasad"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: obey robots.txt, few requests per domain, a delay, and AutoThrottle on top.
ROBOTSTXT_OBEY = True
USER_AGENT = "RasadBot/0.1 (+https://example.org/rasad; news monitoring)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Retries: transient statuses and timeouts, with backoff (crawler.middlewares.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 1.0  # seconds; doubled at each retry
RETRY_BACKOFF_MAX = 60.0  # cap for both the backoff and a server's Retry-After (an archive's: archive.max_retry_after)

# Limits per response.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
HTTPCACHE_ENABLED = False
# Follow a redirect chain only so far (aggregator links redirect to the outlet).
REDIRECT_MAX_TIMES = 5

LOG_LEVEL = "INFO"
# crawler.run logs its own per-outlet summary; the raw stats dump would repeat it at length.
STATS_DUMP = False
FEED_EXPORT_ENCODING = "utf-8"

# Sitemap indexes nest; beyond this depth the crawl stops following them.
RASAD_SITEMAP_MAX_DEPTH = 3
# Articles handed to the store in one bulk request.
RASAD_STORE_BATCH = 50
# Worker processes for extraction, relevance and comparison (0: one per core); None runs them in the
# reactor thread (a spider built without settings_for, as in unit tests).
RASAD_CPU_WORKERS: int | None = None
# scheme://host:port of endpoints the configuration names and that may be private (a backfill's
# archive endpoints): PrivateAddressMiddleware lets exactly those through, and checks everything else.
RASAD_TRUSTED_ORIGINS: list[str] = []

DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt: a refused address must not even get its robots.txt fetched.
    "crawler.middlewares.PrivateAddressMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}

# The order is the data flow of docs/DESIGN: canonical URL, date window, language, relevance, compare, store.
ITEM_PIPELINES = {
    "crawler.pipelines.CanonicalPipeline": 100,
    "crawler.pipelines.DateWindowPipeline": 150,
    "crawler.pipelines.LanguagePipeline": 200,
    "crawler.pipelines.RelevancePipeline": 300,
    "crawler.pipelines.ComparePipeline": 400,
    "crawler.pipelines.StorePipeline": 900,
}

_NAMES = [n for n in dir() if n.isupper()]


def defaults() -> dict[str, Any]:
    """The module-level settings above as a dict."""
    return {n: globals()[n] for n in _NAMES}


def user_agent(config: Config) -> str:
    """The configured User-Agent, with the contact appended when one is configured."""
    ua = config.crawl.user_agent
    contact = config.crawl.contact
    if contact and contact not in ua:
        ua = f"{ua} contact: {contact}"
    return ua


def settings_for(config: Config) -> dict[str, Any]:
    """Scrapy settings for one crawl with this configuration."""
    c = config.crawl
    s = defaults()
    s.update(
        USER_AGENT=user_agent(config),
        DOWNLOAD_DELAY=c.download_delay,
        # AutoThrottle never goes below DOWNLOAD_DELAY; start from it rather than a fixed guess.
        AUTOTHROTTLE_START_DELAY=max(c.download_delay, 0.0),
        CONCURRENT_REQUESTS_PER_DOMAIN=c.concurrent_requests_per_domain,
        CONCURRENT_REQUESTS=max(16, c.concurrent_requests_per_domain),
        DOWNLOAD_MAXSIZE=c.max_response_bytes,
        DOWNLOAD_WARNSIZE=min(DOWNLOAD_WARNSIZE, c.max_response_bytes),
        DOWNLOAD_TIMEOUT=c.download_timeout,
        RASAD_ALLOW_PRIVATE_ADDRESSES=c.allow_private_addresses,
        # GDELT's published limit: one request at a time, a fixed delay between them (no randomising).
        DOWNLOAD_SLOTS={"gdelt": {"concurrency": 1, "delay": c.gdelt_delay, "randomize_delay": False}},
        RASAD_CPU_WORKERS=c.cpu_workers,
    )
    if c.close_after_items:
        s["CLOSESPIDER_ITEMCOUNT"] = c.close_after_items
    return s
