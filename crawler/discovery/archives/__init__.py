"""Web-archive discovery for `rasad backfill`: one module per archive, plus the shared pieces.

- `wayback`: the Internet Archive's CDX server API and raw (`id_`) captures.
- `commoncrawl`: Common Crawl's collinfo.json, its per-crawl CDX indexes, WARC records by byte range.
- `ccnews`: CC-NEWS, Common Crawl's news crawl: monthly listings, whole WARC files streamed.
- `ccindex`: Common Crawl's columnar URL index (Parquet), queried by language, URL words and hosts.
- `prefilter`: cheap judgement of a streamed page's bytes before extraction (Arabic, topic named).
- `http`: the paced HTTP client (one request at a time per host, 503 backoff) of the two above.
- `warc`: local WARC files (a newsroom's own collection, downloaded Common Crawl WARCs).
- `captures`: one capture and the CDX answer formats (JSON arrays, NDJSON).
- `filters`: cheap checks on a capture's address and date before anything is fetched.
- `state`: which archive queries a backfill has finished, so a re-run resumes.
"""

# discovered_via values of archived articles.
IA, CC, WARC = "archive:ia", "archive:cc", "archive:warc"
CCNEWS, CCINDEX = "archive:ccnews", "archive:ccindex"
