"""The fixture outlets as a web archive holds them in 2020: WARC files for `rasad demo` and the tests.

The fixture site renders every article with its clock set to the 2020 forum, and each page is stored
under /<outlet>/2020/<path> (an address the live fixture site no longer serves, as with a real outlet's
old pages). The Chinese outlets go to the Wayback collection ("ia"), the Arab ones to a Common Crawl
crawl ("cc"), so each archive route has its own share. Each outlet's home page, as captured then, is
archived too: not an article address, it is filtered out before fetching.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from jobs.fixture_site import SITE_DIR, FixtureSite
from jobs.local_archive import ArchivedPage, LocalArchive, write_warc

# The forum's second day (Beijing morning): fixture articles are dated relative to it.
ARCHIVE_CLOCK = datetime(2020, 11, 24, 2, 0, tzinfo=UTC)
CAPTURE_DELAY = timedelta(hours=3)  # an archive captures a page some hours after it appears
IA_OUTLETS = ("xinhua_arabic", "peoples_daily_arabic", "cgtn_arabic")
CC_CRAWL = "CC-MAIN-2020-50"
CC_SPAN = (datetime(2020, 11, 23, tzinfo=UTC), datetime(2020, 12, 6, 23, 59, tzinfo=UTC))


def archived_url(site_base: str, outlet: str, path: str = "/") -> str:
    return f"{site_base.rstrip('/')}/{outlet}/2020/{path.lstrip('/')}"


def fixture_pages(site_base: str, root: Path = SITE_DIR) -> dict[str, list[ArchivedPage]]:
    """The 2020 captures per archive ("ia", "cc") of the fixture outlets served at `site_base`."""
    site = FixtureSite(root, now=ARCHIVE_CLOCK)
    host = urlsplit(site_base).netloc
    out: dict[str, list[ArchivedPage]] = {"ia": [], "cc": []}
    for outlet in site.outlets:
        archive = "ia" if outlet in IA_OUTLETS else "cc"
        home = f"<html lang='ar'><head><meta charset='utf-8'><title>{outlet}</title></head><body><p>الصفحة الرئيسية</p></body></html>"
        home_url = f"{site_base.rstrip('/')}/{outlet}/"
        out[archive].append(ArchivedPage(home_url, ARCHIVE_CLOCK, home.encode("utf-8")))
    for aid, a in site.articles.items():
        if not site.has_page(aid) or a["kind"] == "amp":
            continue
        page = site.render_article(aid, host)
        if page.status != 200 or not page.body:
            continue
        live, archived = f"http://{host}/{a['outlet']}/", archived_url(site_base, a["outlet"])
        body = page.body.replace(live.encode("ascii"), archived.encode("ascii"))  # its own links moved too
        archive = "ia" if a["outlet"] in IA_OUTLETS else "cc"
        out[archive].append(ArchivedPage(archived_url(site_base, a["outlet"], a["path"]),
                                         site.published(a) + CAPTURE_DELAY, body, page.content_type))
    return out


def fixture_archive(site_base: str, root: Path | None = None) -> LocalArchive:
    """A LocalArchive (not started) holding the fixture outlets' 2020 pages: Wayback "ia", Common Crawl "cc"."""
    archive = LocalArchive(root)
    pages = fixture_pages(site_base)
    warcs = archive.root / "warcs"
    archive.add("ia", write_warc(warcs / "fixture-2020-ia.warc.gz", pages["ia"]))
    archive.add("cc", write_warc(warcs / f"{CC_CRAWL}-fixture.warc.gz", pages["cc"]))
    archive.crawl(CC_CRAWL, "cc", *CC_SPAN)
    return archive
