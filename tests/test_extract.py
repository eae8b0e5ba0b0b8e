"""Extraction: golden pages (Fundus style), encodings, canonical URLs, errors and the `rasad extract` CLI.

The stored pages under tests/fixtures/pages imitate real Arabic outlets' layouts (written for these
tests, not copied); live outlets cannot be fetched here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sources.base import Selectors
from crawler.text.encoding import decode_html
from crawler.text.extract import ExtractionError, extract, extract_path, normalize_article_url
from tests.extract_helpers import (
    EXACT_FIELDS,
    PAGES_DIR,
    extract_page,
    load_expected,
    load_meta,
    page_names,
)

ROOT = Path(__file__).resolve().parent.parent
RASAD = ROOT / ".venv" / "bin" / "rasad"
ARTICLE_BODY = "".join(
    f"<p>الفقرة رقم {i} من نص الخبر عن المؤتمر العالمي للإنترنت في ووتشن وما دار فيه من نقاشات مطولة.</p>"
    for i in range(1, 5)
)


def _page(head: str = "", body: str = ARTICLE_BODY, title: str = "عنوان الخبر") -> str:
    return f"<html><head>{head}</head><body><article><h1>{title}</h1>{body}</article></body></html>"


# ------------------------------------------------------------------------------------------ golden pages


def test_every_page_has_metadata_and_reviewed_expectations():
    names = page_names()
    assert len(names) >= 12
    for name in names:
        assert (PAGES_DIR / f"{name}.meta.json").exists(), f"{name}: no meta.json"
        assert load_expected(name) is not None, (
            f"{name}: no expected.json (run scripts/regen_extract_golden.py)"
        )
        assert "url" in load_meta(name)


@pytest.mark.parametrize("name", page_names())
def test_golden_page(name: str):
    expected = load_expected(name)
    assert expected is not None
    if "error" in expected:
        with pytest.raises(ExtractionError) as info:
            extract_page(name)
        assert info.value.reason == expected["error"]
        assert load_meta(name)["url"] in str(info.value)
        return
    article = extract_page(name)
    for field in EXACT_FIELDS:
        assert getattr(article, field) == expected[field], f"{name}: {field}"
    assert expected["body_contains"], f"{name}: expected file lists no body snippets"
    for snippet in expected["body_contains"]:
        assert snippet in article.body, f"{name}: body lacks {snippet!r}"
    for snippet in expected["body_excludes"]:
        assert snippet not in article.body, f"{name}: boilerplate {snippet!r} leaked into the body"
    assert article.word_count > 20
    assert article.content_hash and len(article.content_hash) == 40


def test_golden_pages_cover_the_required_layouts():
    """The fixture set must keep each hard case, not only the easy ones."""
    names = set(page_names())
    required = {
        "xinhua_like", "people_like", "aljazeera_jsonld", "amp_page", "mobile_page", "cp1256_meta",
        "cp1256_header", "cp1256_undeclared", "mislabelled_utf8", "with_boilerplate", "broken_markup",
        "levantine_date", "hijri_date", "empty_page",
    }  # fmt: skip
    assert required <= names


def test_amp_and_mobile_pages_canonicalise_to_the_main_article():
    amp_url, mobile_url = load_meta("amp_page")["url"], load_meta("mobile_page")["url"]
    amp, mobile = extract_page("amp_page"), extract_page("mobile_page")
    assert "/amp/" in amp_url and "/amp/" not in amp.canonical_url
    assert amp.canonical_url.startswith("https://www.skynewsarabia.com/technology/1393020-")
    assert mobile_url.startswith("http://m.") and mobile.canonical_url.startswith(
        "http://arabic.china.org.cn/"
    )


def test_tracking_parameters_and_fragment_are_dropped_without_declared_canonical():
    meta = load_meta("cp1256_meta")
    assert "utm_source" in meta["url"] and "#" in meta["url"]
    assert extract_page("cp1256_meta").canonical_url == "https://gate.ahram.org.eg/News/2536781.aspx"


# --------------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("cp1256_meta", "الاقتصاد الرقمي محور مؤتمر الإنترنت العالمي"),
        ("cp1256_header", "انعقاد قمة ووتشن بمشاركة عربية واسعة"),
        ("cp1256_undeclared", "دعوة إلى مصير مشترك في الفضاء الإلكتروني"),
        ("mislabelled_utf8", "الرئيس الصيني: الإنترنت ملك للبشرية جمعاء"),
    ],
)
def test_windows_1256_pages_decode(name: str, title: str):
    raw = (PAGES_DIR / f"{name}.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is legacy-encoded
    text, encoding = decode_html(raw, load_meta(name).get("content_type"))
    assert encoding == "cp1256"
    assert title in text


def test_utf8_page_declared_as_windows_1256_is_read_as_utf8():
    raw = _page('<meta charset="windows-1256">').encode("utf-8")
    text, encoding = decode_html(raw, "text/html; charset=windows-1256")
    assert encoding == "utf-8" and "ووتشن" in text


def test_latin_page_without_declaration_is_not_forced_to_arabic():
    raw = (
        "<html><body><p>" + "Le café de la conférence était très animé à Wuzhen. " * 20 + "</p></body></html>"
    ).encode("cp1252")
    text, encoding = decode_html(raw)
    assert encoding != "cp1256"
    assert "café" in text and "conférence" in text


def test_declared_latin1_page_with_few_accents_keeps_its_declaration():
    """A German page's few umlauts are Arabic letters in windows-1256 ("Sängerin" -> "Sنngerin"), but they do
    not make Arabic prose: the page's own ISO-8859-1 declaration stands (mix1.de in the public benchmark)."""
    raw = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body><p>'
           + "Die Sängerin sang in Ländern und Städten vor Männern und Frauen. " * 10
           + "</p></body></html>").encode("latin-1")
    text, encoding = decode_html(raw)
    assert encoding != "cp1256" and "Sängerin" in text


def test_server_default_latin1_header_on_a_windows_1256_page():
    """Servers often send ISO-8859-1 by default; the bytes read as Arabic only in windows-1256."""
    raw = (PAGES_DIR / "cp1256_undeclared.html").read_bytes()
    text, encoding = decode_html(raw, "text/html; charset=ISO-8859-1")
    assert encoding == "cp1256" and "مصير مشترك" in text


def test_bom_wins():
    text, encoding = decode_html("\ufeff<p>ووتشن</p>".encode(), "text/html; charset=windows-1256")
    assert text == "<p>ووتشن</p>" and encoding == "utf-8"


def test_bytes_and_text_give_the_same_article():
    html = _page('<meta property="article:published_time" content="2020-11-23T10:00:00+08:00">')
    url = "https://example.org/news/1"
    assert extract(html, url) == extract(
        html.encode("cp1256"), url, content_type="text/html; charset=windows-1256"
    )


# ------------------------------------------------------------------------------------- canonical URLs


def test_canonical_on_another_site_is_ignored():
    html = _page('<link rel="canonical" href="https://www.youm7.com/story/2020/11/23/x/1">')
    article = extract(html, "https://www.masress.com/youm7/123?utm_medium=rss")
    assert article.canonical_url == "https://www.masress.com/youm7/123"


def test_canonical_pointing_at_the_home_page_is_ignored():
    html = _page('<link rel="canonical" href="https://example.org/">')
    assert extract(html, "https://example.org/news/7").canonical_url == "https://example.org/news/7"


def test_relative_canonical_is_made_absolute():
    html = _page('<link rel="canonical" href="/news/7-slug">')
    assert extract(html, "https://m.example.org/news/7").canonical_url == "https://m.example.org/news/7-slug"


def test_percent_escapes_are_normalised_so_ids_are_stable():
    a = normalize_article_url("https://example.org/news/%d8%ae%d8%a8%d8%b1")
    b = normalize_article_url("https://example.org/news/خبر")
    assert a == b == "https://example.org/news/%D8%AE%D8%A8%D8%B1"


# -------------------------------------------------------------------------------------- other fields


def test_image_captions_come_from_the_article_only():
    body = (
        '<figure><img src="/a.jpg"><figcaption>جانب من معرض نور الإنترنت في ووتشن</figcaption></figure>'
        + ARTICLE_BODY
        + '<div class="wp-caption"><img src="/b.jpg"><p class="wp-caption-text">شعار المؤتمر</p></div>'
        + '<figure><figcaption>جانب من معرض نور الإنترنت في ووتشن</figcaption></figure>'  # repeated
    )
    html = _page(body=body).replace(
        "</body>", '<aside><figure><figcaption>أخبار ذات صلة: مباراة الأمس</figcaption></figure></aside></body>'
    )
    article = extract(html, "https://example.org/news/7")
    assert article.image_captions == ["جانب من معرض نور الإنترنت في ووتشن", "شعار المؤتمر"]
    assert extract(_page(), "https://example.org/news/8").image_captions == []


def test_relative_images_of_a_local_file_resolve_against_its_canonical_address(tmp_path: Path):
    page = tmp_path / "saved.html"
    page.write_text(_page('<link rel="canonical" href="https://example.org/news/7">',
                          body='<figure><img src="/img/wuzhen.jpg"></figure>' + ARTICLE_BODY), encoding="utf-8")
    assert extract_path(str(page)).images == ["https://example.org/img/wuzhen.jpg"]



def test_selectors_override_generic_extraction_and_remove_boilerplate():
    html = _page(
        body='<div class="by">بقلم: منى علي</div><div class="txt">'
        + ARTICLE_BODY
        + '<p class="ad">إعلان ممول</p></div>'
    )
    url = "https://example.org/a/1"
    generic = extract(html, url)
    sel = Selectors(title="h1", body=".txt", author=".by", remove=(".ad",))
    article = extract(html, url, selectors=sel)
    assert article.authors == ["منى علي"]
    assert "إعلان ممول" not in article.body
    assert generic.authors == []


def test_xhtml_page_with_xml_declaration():
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + _page().replace(
        "<html>", '<html xmlns="http://www.w3.org/1999/xhtml">'
    )
    assert "ووتشن" in extract(html, "http://arabic.news.cn/2014-11/19/c_133800000.htm").body
    assert "ووتشن" in extract(html.encode("utf-8"), "http://arabic.news.cn/2014-11/19/c_133800000.htm").body


def test_invalid_selector_is_reported():
    with pytest.raises(ValueError, match="invalid CSS selector"):
        extract(_page(), "https://example.org/a", selectors=Selectors(body="div[["))


def test_language_of_a_non_arabic_page_comes_from_the_markup():
    body = "".join(
        f"<p>Paragraph {i} about the World Internet Conference held in Wuzhen this week.</p>"
        for i in range(5)
    )
    html = f'<html lang="en-GB"><body><article><h1>Wuzhen</h1>{body}</article></body></html>'
    assert extract(html, "https://example.org/en/1").language == "en"
    assert extract(_page(), "https://example.org/ar/1").language == "ar"


def test_printed_date_is_localised_to_the_outlet_timezone():
    html = _page(body='<span class="date">23 تشرين الثاني 2020 - 09:30</span>' + ARTICLE_BODY)
    assert (
        extract(html, "https://example.org/a", tz="Asia/Shanghai").published_at == "2020-11-23T09:30:00+08:00"
    )


# --------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   \n\t ",
        bytes(range(256)) * 40,  # binary junk
        b"<html><body><nav><a href='/'>\xd8\xa7\xd9\x84\xd8\xb1\xd8\xa6\xd9\x8a\xd8\xb3\xd9\x8a\xd8\xa9</a></nav></body></html>",
        "<html><body></body></html>",
    ],
)
def test_unusable_input_raises_extraction_error_naming_the_url(content):
    url = "https://example.org/broken/42"
    with pytest.raises(ExtractionError) as info:
        extract(content, url)
    assert url in str(info.value)
    assert isinstance(info.value, ValueError)  # callers that catch ValueError keep working


def test_extract_path_reads_text_and_html_files(tmp_path: Path):
    txt = tmp_path / "article.txt"
    txt.write_text("افتتح المؤتمر العالمي للإنترنت في ووتشن.\nوبعث الرئيس رسالة تهنئة.", encoding="utf-8")
    article = extract_path(str(txt))
    assert article.body.splitlines() == [
        "افتتح المؤتمر العالمي للإنترنت في ووتشن.",
        "وبعث الرئيس رسالة تهنئة.",
    ]
    assert article.title == "" and article.language == "ar" and article.url == txt.resolve().as_uri()
    page = extract_path(str(PAGES_DIR / "aljazeera_jsonld.html"))
    assert page.title == load_expected("aljazeera_jsonld")["title"]
    with pytest.raises(ExtractionError, match="cannot read file"):
        extract_path(str(tmp_path / "missing.html"))


# ------------------------------------------------------------------------------------------------ CLI


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(RASAD) if RASAD.exists() else sys.executable,
            *([] if RASAD.exists() else ["-m", "jobs.cli"]),
            "extract",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_json_lines_in_input_order():
    a, b = PAGES_DIR / "xinhua_like.html", PAGES_DIR / "aljazeera_jsonld.html"
    proc = _cli(str(a), str(b), "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["title"] == load_expected("xinhua_like")["title"]
    assert second["published_at"] == "2020-11-23T14:30:00+03:00"
    assert {
        "url",
        "canonical_url",
        "title",
        "lead",
        "body",
        "authors",
        "published_at",
        "modified_at",
        "language",
        "section",
    } <= set(first)


def test_cli_failed_input_gives_an_error_object_and_exit_1(tmp_path: Path):
    missing = tmp_path / "missing.html"
    proc = _cli(
        str(PAGES_DIR / "empty_page.html"), str(PAGES_DIR / "people_like.html"), str(missing), "--json"
    )
    assert proc.returncode == 1
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [("error" in r) for r in rows] == [True, False, True]
    assert rows[0]["url"].endswith("empty_page.html") and "no article text found" in rows[0]["error"]
    assert str(missing) in rows[2]["error"]
    assert "no article text found" in proc.stderr  # logs go to stderr, not into the JSON stream


def test_cli_readable_summary():
    proc = _cli(str(PAGES_DIR / "levantine_date.html"))
    assert proc.returncode == 0
    assert "دمشق تتابع أعمال المؤتمر العالمي الرابع للإنترنت" in proc.stdout
    assert "2017-12-17T19:30:00+00:00" in proc.stdout


def test_extraction_error_crosses_process_boundaries() -> None:
    """The crawl extracts in worker processes: the error must arrive whole (URL and reason)."""
    import pickle

    from crawler.text.extract import ExtractionError

    err = pickle.loads(pickle.dumps(ExtractionError("https://news.example/a", "no article text found")))
    assert (err.url, err.reason, str(err)) == ("https://news.example/a", "no article text found",
                                               "https://news.example/a: no article text found")


def test_repeated_lines_of_an_article_are_kept() -> None:
    """Recipe steps and interview questions repeat; the body keeps every occurrence."""
    from crawler.text.extract import extract

    para = "<p>{}</p>"
    lines = ["افتتح المؤتمر العالمي للإنترنت أعماله في ووتشن اليوم بحضور واسع من الشركات والدول.",
             "سؤال: ما الجديد في دورة هذا العام من المؤتمر؟",
             "أجاب المتحدث بأن الذكاء الاصطناعي والاقتصاد الرقمي في صدارة جدول الأعمال هذا العام.",
             "سؤال: ما الجديد في دورة هذا العام من المؤتمر؟",
             "قال إن المعرض يضم أكثر من مئة شركة من الصين وخارجها تعرض أحدث منتجاتها وتقنياتها."]
    html = f"<html lang='ar'><body><article><h1>حوار</h1>{''.join(para.format(t) for t in lines)}</article></body></html>"
    body = extract(html, "https://news.example/ar/interview").body
    assert body.count("سؤال: ما الجديد في دورة هذا العام من المؤتمر؟") == 2
