"""The fixture coverage as CC-NEWS holds it: a news portal in no catalogue entry republishing it, for `rasad demo`.

Long-tail sites republish the wire's reports; the catalogue cannot list them all, CC-NEWS reaches
them. One CC-NEWS-shaped file (2020/11) holds a Gulf portal's copies of two fixture reports, one of its
unrelated pages and an English page, as `jobs.local_commoncrawl.LocalCommonCrawl` serves them; the
months around have no listing (answered 404, as months before CC-NEWS began are).
"""

from __future__ import annotations

from pathlib import Path

from jobs.fixture_archive import archived_url, fixture_pages
from jobs.fixture_site import FixtureSite
from jobs.local_archive import ArchivedPage
from jobs.local_commoncrawl import LocalCommonCrawl, write_listing, write_records

PORTAL = "https://www.gulf-portal.example"  # in no catalogue entry
CCNEWS_FILE = "crawl-data/CC-NEWS/2020/11/CC-NEWS-20201123020000-00001.warc.gz"
REPUBLISHED = ("x1", "s1")  # a Xinhua copy and a Sky News Arabia report
OTHERS = ("s2", "c2")  # an unrelated report and an English page: dropped


def fixture_ccnews(site_base: str, root: Path) -> LocalCommonCrawl:
    """A LocalCommonCrawl (not started) over a CC-NEWS tree written under `root`."""
    site = FixtureSite()
    captured = {p.url: p for pages in fixture_pages(site_base).values() for p in pages}
    records = []
    for aid in (*REPUBLISHED, *OTHERS):
        a = site.articles[aid]
        page = captured[archived_url(site_base, a["outlet"], a["path"])]
        url = f"{PORTAL}/news/2020/{aid}-{a['path'].strip('/').replace('/', '-')}"
        records.append(ArchivedPage(url, page.captured_at, page.body, page.content_type))
    write_records(root / CCNEWS_FILE, records)
    write_listing(root / "crawl-data/CC-NEWS/2020/11/warc.paths.gz", [CCNEWS_FILE])
    return LocalCommonCrawl(root)
