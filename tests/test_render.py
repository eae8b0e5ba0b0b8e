"""Rendering of the digest: HTML escaping and direction, the plain-text version, the timeline PNG."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image

from reports.chart import timeline_png
from reports.digest import build_digest
from reports.render import render_html, render_text
from tests.digest_helpers import sample_articles

START, END = datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)


def _digest(articles):
    return build_digest(articles, topic="wic-2020", period_start=START, period_end=END, kibana_url="http://kibana:5601")


def test_title_with_script_is_escaped_in_html_and_kept_verbatim_in_text():
    docs = sample_articles(START)
    docs[0]["title"] = 'خبر <script>alert("x")</script> & أكثر'
    d = _digest(docs)
    html = render_html(d, d.chart_cid)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; أكثر" in html
    # The plain-text part is not HTML: escaping it would show entities to the reader.
    assert '<script>alert("x")</script> & أكثر' in render_text(d)


def test_html_is_right_to_left_arabic_with_inline_css_and_cid_chart():
    d = _digest(sample_articles(START))
    html = render_html(d, d.chart_cid)
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert '<body dir="rtl"' in html
    assert "<style" not in html and "<link" not in html  # inline CSS only: many clients drop both
    assert f'src="cid:{d.chart_cid}"' in html
    # Every article title links to its original URL.
    for doc in sample_articles(START):
        assert f'href="{doc["url"]}"' in html
    assert html.count('href="http://kibana:5601/app/discover#/') >= 5  # all + one per relation


def test_conflicting_facts_are_highlighted():
    docs = sample_articles(START)
    d = _digest(docs)
    html = render_html(d, d.chart_cid)
    conflicts = [c for doc in docs for c in doc["facts_conflicting"]]
    assert conflicts
    for fact in conflicts:
        assert re.search(r'<span style="background:#fde2e1;[^"]*">' + re.escape(fact) + "</span>", html)


def test_other_editions_figures_are_shown_apart_and_not_counted_as_conflicts():
    docs = sample_articles(START)
    target = next(d for d in docs if d["relation"] == "related" and not d["facts_conflicting"])
    target["facts_other_edition"] = ["7 سنوات ← بعشر سنوات (الصين المؤتمر العالمي للإنترنت)"]
    d = _digest(docs)
    html, text = render_html(d, d.chart_cid), render_text(d)
    assert d.counts.conflicting == sum(1 for doc in docs if doc["facts_conflicting"])
    assert "أرقام دورة أخرى من المؤتمر (ليست تعارضا): 7 سنوات ← بعشر سنوات" in html
    assert not re.search(r'<span style="background:#fde2e1;[^"]*">7 سنوات', html)  # not highlighted as a conflict
    assert "أرقام دورة أخرى (ليست تعارضا): 7 سنوات ← بعشر سنوات" in text


def test_text_version_lists_counts_stories_articles_and_links():
    docs = sample_articles(START)
    d = _digest(docs)
    text = render_text(d)
    assert f"المقالات: {len(docs)}" in text
    assert f"وسائل الإعلام: {len({x['source_name'] for x in docs})}" in text
    for doc in docs:
        assert doc["url"] in text and doc["title"] in text
    assert "!! رقم متعارض: " in text
    assert d.links["all"] in text
    assert "<" not in text.replace(" ← ", "")  # no markup leaks into the text part


def test_empty_digest_says_no_new_coverage():
    d = _digest([])
    assert "لا تغطية جديدة" in render_text(d)
    assert "لا تغطية جديدة" in render_html(d, d.chart_cid)


def test_timeline_png_is_deterministic_and_depends_on_the_data():
    d = _digest(sample_articles(START))
    png = timeline_png(d.days)
    assert png == timeline_png(d.days)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] >= 600
    fewer = d.days[:-1]
    assert timeline_png(fewer) != png
    with pytest.raises(ValueError):
        timeline_png([])  # an empty digest has no chart (and attaches none)


def test_footer_says_what_each_route_found_in_arabic():
    routes = [
        {"route": "archive:ia", "discovered": 8, "fetched": 8, "kept": 5, "errors": 0},
        {"route": "feed", "discovered": 12, "fetched": 11, "kept": 3, "errors": 1},
        {"route": "gdelt", "discovered": 0, "fetched": 0, "kept": 0, "errors": 0},
    ]
    d = build_digest(sample_articles(START), topic="wic-2020", period_start=START, period_end=END,
                     kibana_url="http://kibana:5601", routes=routes)
    html, text = render_html(d, d.chart_cid), render_text(d)
    footer = html[html.index("ما وجدته كل طريقة"):html.index("أعدّه رصد")]
    assert 'dir="rtl"' in footer
    for label in ("أرشيف الإنترنت (آلة الزمن)", "الخلاصات", "قاعدة غدلت"):
        assert label in footer and label in text
    # No route name left in English; the dry route is flagged.
    assert not re.search(r"archive:|gdelt|feed", footer + text[text.index("ما وجدته"):text.index("Kibana:")])
    assert footer.count("لم تجد شيئا") == 1
    assert "- الخلاصات: 12 / 11 / 3 / 1" in text
    plain = build_digest(sample_articles(START), topic="wic-2020", period_start=START, period_end=END,
                         kibana_url="http://kibana:5601")
    assert "ما وجدته كل طريقة" not in render_html(plain, plain.chart_cid)
