"""The CC-NEWS scan (fastwarc) on damaged and hostile streams: nothing passes silently.

The same damage as the warcio drills (tests/warc_drills.py), made on real warcio output, at the first,
a middle and the last record of a file: a Content-Length too large or too small, a file cut in a
record's content or in its last bytes. Either the scan ends in CCNewsError naming the damaged record's
offset, having yielded exactly the pages before it, or, where nothing is damaged, every page.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator

import brotlicffi
import pytest

from crawler.config import load_config
from crawler.discovery.archives import ccnews
from crawler.discovery.archives.prefilter import Prefilter
from tests.warc_drills import change_length, offsets, record_bytes, relevant_page

N = 6
URLS = [relevant_page(i).url for i in range(N)]


@pytest.fixture(scope="module")
def prefilter() -> Prefilter:
    topic = load_config(env={}).topic(None)
    return Prefilter(topic, topic.url_keywords)


def scan(data: bytes, prefilter: Prefilter, stats: ccnews.ScanStats | None = None) -> Iterator[str]:
    for page in ccnews.scan_stream(io.BytesIO(data), prefilter, None, None, stats or ccnews.ScanStats(), "f.warc.gz"):
        yield page.url


def records(gz: bool = True) -> list[bytes]:
    return [record_bytes(relevant_page(i), gzip_record=gz) for i in range(N)]


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
@pytest.mark.parametrize("delta", [5000, 30, -300])
@pytest.mark.parametrize("at", [0, 2, N - 1], ids=["first", "middle", "last"])
def test_a_wrong_content_length_is_refused_at_its_record(at: int, delta: int, gz: bool, prefilter: Prefilter) -> None:
    """+5000 in the last record was the gap: fastwarc read to the end of the file and yielded the record
    as whole, so the scan reported fewer records and no error."""
    recs = records(gz)
    recs[at] = change_length(recs[at], delta)
    got: list[str] = []
    with pytest.raises(ccnews.CCNewsError) as err:
        for url in scan(b"".join(recs), prefilter):
            got.append(url)
    assert got == URLS[:at]  # no swallowed or cut record passed
    assert f"byte {offsets(recs)[at]}" in str(err.value), str(err.value)
    assert "f.warc.gz" in str(err.value)


@pytest.mark.parametrize("at", [0, 2, N - 1], ids=["first", "middle", "last"])
@pytest.mark.parametrize("where", ["content", "trailer"])
def test_a_cut_file_is_refused_at_the_cut_record(at: int, where: str, prefilter: Prefilter) -> None:
    recs = records()
    cut = offsets(recs)[at] + (len(recs[at]) // 2 if where == "content" else len(recs[at]) - 3)
    got: list[str] = []
    with pytest.raises(ccnews.CCNewsError, match=f"byte {offsets(recs)[at]}"):
        for url in scan(b"".join(recs)[:cut], prefilter):
            got.append(url)
    assert got == URLS[:at]


def test_an_intact_file_yields_every_page_first_and_last(prefilter: Prefilter) -> None:
    stats = ccnews.ScanStats()
    assert list(scan(b"".join(records()), prefilter, stats)) == URLS
    assert (stats.records, stats.pages) == (N, N)
    assert list(scan(records()[0], prefilter)) == URLS[:1]  # a file of one record


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "chunked"])
def test_encoded_payloads_are_decoded_for_the_filter(encoding: str, prefilter: Prefilter) -> None:
    """The scan reads each record's own bytes (to check their length) and decodes the payloads it keeps."""
    page = relevant_page(0)
    if encoding == "chunked":
        payload = b"".join(b"%x\r\n%s\r\n" % (len(page.body[i:i + 500]), page.body[i:i + 500])
                           for i in range(0, len(page.body), 500)) + b"0\r\n\r\n"
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")]
    else:
        payload = {"gzip": gzip.compress, "br": brotlicffi.compress, "deflate": zlib.compress}[encoding](page.body)
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", encoding),
                   ("Content-Length", str(len(payload)))]
    data = record_bytes(page, http_headers=headers, payload=payload) + record_bytes(relevant_page(1))
    pages = list(ccnews.scan_stream(io.BytesIO(data), prefilter, None, None, ccnews.ScanStats(), "f.warc.gz"))
    assert [p.url for p in pages] == URLS[:2]
    assert pages[0].body == page.body


def test_an_undecodable_payload_is_dropped_and_the_file_read_on(prefilter: Prefilter) -> None:
    """A server's broken Brotli is the page's damage, not the file's: that record is dropped with its
    reason and the records after it are read. (A broken gzip payload is read as its bytes, as warcio
    does: those go to the language and topic filter.)"""
    page = relevant_page(0)
    broken = brotlicffi.compress(page.body)[:40] + b"\xff" * 400
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "br"), ("Content-Length", str(len(broken)))]
    data = record_bytes(page, http_headers=headers, payload=broken) + record_bytes(relevant_page(1))
    stats = ccnews.ScanStats()
    assert list(scan(data, prefilter, stats)) == URLS[1:2]
    assert stats.records == 2 and stats.dropped["undecodable"] == 1


def test_a_payload_bomb_is_dropped_in_bounded_steps(prefilter: Prefilter) -> None:
    """1 GiB of zeros as a gzip payload of 1 MB: refused once the decoded bytes pass the record limit."""
    page = relevant_page(0)
    bomb = gzip.compress(b"\0" * (256 << 20), compresslevel=9)
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", str(len(bomb)))]
    data = record_bytes(page, http_headers=headers, payload=bomb) + record_bytes(relevant_page(1))
    stats = ccnews.ScanStats()
    assert list(scan(data, prefilter, stats)) == URLS[1:2]
    assert stats.dropped["too_large"] == 1


def test_a_last_record_past_the_tail_window_is_still_measured(monkeypatch: pytest.MonkeyPatch,
                                                                 prefilter: Prefilter) -> None:
    """The bytes kept for the end-of-file check are bounded; a record larger than that window is not
    kept, and its Content-Length check still catches a cut in its content."""
    monkeypatch.setattr(ccnews, "TAIL_WINDOW", 256)
    recs = records()
    data = b"".join(recs)
    assert list(scan(data, prefilter)) == URLS
    with pytest.raises(ccnews.CCNewsError, match=f"byte {offsets(recs)[-1]}.*cut short"):
        list(scan(data[:offsets(recs)[-1] + len(recs[-1]) // 2], prefilter))
