"""crawler.text.relevance.score_relevance: relevant, passing mention, unrelated, and every spelling variant."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import DEFAULT_TOPIC, TopicConfig
from crawler.items import Article
from crawler.text.relevance import score_relevance

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "reports" / "reference" / "wic-2020.txt").read_text(encoding="utf-8")
TOPIC = TopicConfig(**DEFAULT_TOPIC["wic-2020"])
FILLER = "وتناول اللقاء سبل تعزيز التعاون الاقتصادي والتجاري بين البلدين في مختلف المجالات."


def _article(title: str = "", body: str = "") -> Article:
    return Article(url="https://example.org/a", title=title, body=body)


def test_article_about_the_conference_is_relevant_with_a_readable_reason():
    article = _article(
        "افتتاح المؤتمر العالمي للإنترنت في ووتشن",
        "افتتح المؤتمر في مدينة ووتشن. وتستضيف ووتشن المؤتمر منذ 2014. وقال مسؤولون في ووتشن إن الدورة ناجحة.",
    )
    rel = score_relevance(article, TOPIC)
    assert rel.is_relevant and rel.score >= 0.9
    assert "title names المؤتمر العالمي للإنترنت" in rel.reason
    assert "body names ووتشن 3 times" in rel.reason
    assert "ووتشن" in rel.matched


def test_passing_mention_is_relevant_but_scores_below_a_title_match():
    mention = score_relevance(
        _article(
            "وزير الاتصالات يعود من الصين", f"{FILLER} وكان الوزير قد شارك في المؤتمر العالمي للإنترنت."
        ),
        TOPIC,
    )
    headline = score_relevance(_article("وزير الاتصالات في المؤتمر العالمي للإنترنت", FILLER), TOPIC)
    assert mention.is_relevant
    assert TOPIC.min_relevance <= mention.score < headline.score
    assert mention.reason == "body names المؤتمر العالمي للإنترنت once"


def test_title_weighs_more_than_body():
    in_title = score_relevance(_article("قمة ووتشن تختتم أعمالها", FILLER), TOPIC)
    in_body = score_relevance(_article("تختتم أعمالها", f"{FILLER} قمة ووتشن"), TOPIC)
    assert in_title.score > in_body.score > 0


def test_more_mentions_score_higher_with_diminishing_returns():
    scores = [
        score_relevance(_article("خبر", " ".join(["زار الوفد ووتشن."] * n)), TOPIC).score
        for n in (1, 2, 3, 6)
    ]
    assert scores[0] < scores[1] < scores[2] == scores[3]


@pytest.mark.parametrize(
    "body",
    [
        "قال الوزير إن الإنترنت أصبحت ضرورة، وإن خدمات الإنترنت في البلاد تحسنت، وإن الإنترنت العالمية مترابطة.",
        f"{FILLER} وبحث الجانبان مستقبل الاقتصاد الرقمي والتجارة الإلكترونية.",
        "",
    ],
)
def test_unrelated_articles_are_not_relevant(body: str):
    rel = score_relevance(_article("الوزير يفتتح مركز بيانات جديدا", body), TOPIC)
    assert rel.score == 0 and not rel.is_relevant
    assert rel.matched == []
    assert "no name of the topic found" in rel.reason


def test_slogan_and_xi_alone_do_not_make_an_article_relevant():
    """Both appear in Chinese diplomacy coverage that has nothing to do with the conference."""
    body = "أكد شي جين بينغ خلال لقائه بوتين أهمية بناء مجتمع ذي مصير مشترك في الفضاء الإلكتروني."
    rel = score_relevance(_article("شي يستقبل بوتين", body), TOPIC)
    assert 0 < rel.score < TOPIC.min_relevance and not rel.is_relevant


@pytest.mark.parametrize(
    ("variant", "label"),
    [
        ("ووتشن", "ووتشن"),
        ("وتشن", "ووتشن"),
        ("ووتشان", "ووتشن"),
        ("وو تشان", "ووتشن"),
        ("بووتشن", "ووتشن"),
        ("Wuzhen", "ووتشن"),
        ("ووتشين", "ووتشن"),
        ("ووزن", "ووتشن"),
        ("ووجن", "ووتشن"),
        ("ووزيهون", "ووتشن"),
        ("الندوة العالمية الثالثة حول الأنترنت", "المؤتمر العالمي للإنترنت"),
        ("مؤتمر الصين العالمي الثاني للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("المنتدى الدولي للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("المؤتمر العالمي للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("المؤتمر العالمي للانترنت", "المؤتمر العالمي للإنترنت"),
        ("مؤتمر الإنترنت العالمي", "المؤتمر العالمي للإنترنت"),
        ("المؤتمر الدولي للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("مؤتمر الانترنت الدولي", "المؤتمر العالمي للإنترنت"),
        ("المؤتمر العالمي الثاني للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("المؤتمر العالمي الرابع للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("للمؤتمر العالمي للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("المُؤتَمَر العالَمي للإنترنت", "المؤتمر العالمي للإنترنت"),
        ("World Internet Conference", "المؤتمر العالمي للإنترنت"),
        ("قمة ووتشن", "قمة ووتشن"),
        ("قمة ووتشن لمؤتمر الإنترنت العالمي", "قمة ووتشن"),
        ("معرض نور الإنترنت", "نور الإنترنت"),
    ],
)
def test_spelling_variants_are_recognised(variant: str, label: str):
    rel = score_relevance(_article("خبر", f"{FILLER} {variant}."), TOPIC)
    assert f"body names {label}" in rel.reason
    assert rel.is_relevant


@pytest.mark.parametrize(
    "variant",
    ["شي جين بينغ", "شى جين بينغ", "شي جينبينج"],
)
def test_xi_jinping_variants_are_recognised(variant: str):
    rel = score_relevance(_article("خبر", f"{FILLER} وقال {variant}."), TOPIC)
    assert "body names شي جين بينغ once" in rel.reason


@pytest.mark.parametrize(
    "variant",
    [
        "مجتمع ذي مصير مشترك في الفضاء الإلكتروني",
        "مجتمع ذى مصير مشترك في الفضاء الإلكتروني",
        "مجتمع ذي مستقبل مشترك في الفضاء السيبراني",
        "مجتمع المستقبل المشترك للفضاء السيبراني",
    ],
)
def test_slogan_variants_are_recognised(variant: str):
    rel = score_relevance(_article("خبر", f"{FILLER} {variant}."), TOPIC)
    assert "body names مجتمع ذي مصير مشترك في الفضاء الإلكتروني once" in rel.reason


def test_names_inside_other_words_do_not_match():
    rel = score_relevance(_article("خبر", "وصل الوفد إلى وتشنغدو ثم المؤتمرات العالمية للإنترنتيين."), TOPIC)
    assert rel.matched == []


def test_configured_keyword_outside_the_built_in_names_counts():
    topic = TOPIC.model_copy(update={"keywords": [*TOPIC.keywords, "منتدى ووتشن للحوكمة الرقمية"]})
    body = f"{FILLER} وعقد على هامشه منتدى ووتشن للحوكمه الرقمية."  # taa marbuta written as haa
    rel = score_relevance(_article("خبر", body), topic)
    assert "body names منتدى ووتشن للحوكمة الرقمية once" in rel.reason
    assert "ووتشن" not in rel.reason.replace("منتدى ووتشن للحوكمة الرقمية", "")  # the span counts once


def test_min_relevance_comes_from_the_topic():
    article = _article("خبر", f"{FILLER} ووتشن.")
    score = score_relevance(article, TOPIC).score
    strict = TOPIC.model_copy(update={"min_relevance": min(1.0, score + 0.1)})
    assert score_relevance(article, TOPIC).is_relevant and not score_relevance(article, strict).is_relevant


def test_reference_vocabulary_supports_but_cannot_decide_alone():
    """A text sharing the reference's vocabulary but naming nothing stays below the threshold."""
    paraphrase = "\n".join(
        line for line in REFERENCE.splitlines() if "ووتشن" not in line and "للإنترنت" not in line
    )
    without = score_relevance(_article("الاقتصاد الرقمي", paraphrase), TOPIC)
    with_ref = score_relevance(_article("الاقتصاد الرقمي", paraphrase), TOPIC, reference_text=REFERENCE)
    assert with_ref.score > without.score
    assert "of the reference's vocabulary" in with_ref.reason
    unrelated = score_relevance(_article("الوزير يفتتح مركزا", FILLER), TOPIC, reference_text=REFERENCE)
    assert not unrelated.is_relevant
