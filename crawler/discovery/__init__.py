"""Every way Rasad finds article URLs, one module per route.

- ``feeds``: RSS/Atom feeds of an outlet;
- ``sitemaps``: sitemaps, news sitemaps and sitemap indexes;
- ``search``: on-site search (HTML results or a JSON API) and listing pagination;
- ``links``: which links of a listing are an outlet's articles, and which outlet a URL belongs to (a host in
  no catalogue entry: its registered domain, from ``domains``);
- ``aggregators``: GDELT DOC API requests (English queries, Arabic sources, time slices) and the opt-in
  Google News RSS queries (closed to crawlers by Google's robots.txt); ``google_news``: Google News article ids;
- ``archives``: web archives for `rasad backfill` (Wayback CDX, Common Crawl index and WARC records,
  local WARC files), routed by crawler/spiders/backfill.py.

The spider (crawler/spiders/news.py) routes listing responses to these parsers; they do no network I/O
(``archives.warc`` reads local files).
"""
