"""Relation classes over the hand-labelled set, evidence numbers, novelty and the `rasad compare` CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

import pytest

from crawler.config import CompareConfig
from crawler.text.compare import Reference, compare
from tests.compare_helpers import ITEMS, LABELLED, ROOT, reference, text_of, thresholds

CLASSES = ["copy", "rewrite", "related", "mention", "unrelated"]


def test_labelled_set_is_large_and_covers_every_class():
    counts = Counter(item["relation"] for item in ITEMS)
    assert len(ITEMS) >= 60
    assert all(counts[c] >= 8 for c in CLASSES), counts


@pytest.mark.parametrize("item", ITEMS, ids=[i["id"] for i in ITEMS])
def test_relation_of_labelled_item(item):
    result = compare(text_of(item), reference(), thresholds())
    assert result.relation == item["relation"], (
        f"{item['id']}: jaccard={result.jaccard} containment={result.containment} cosine={result.cosine} "
        f"hits={result.keyword_hits}"
    )


def test_confusion_matrix(capsys):
    """Print the confusion matrix (rows: label, columns: predicted) and require 90% accuracy overall."""
    matrix = Counter()
    for item in ITEMS:
        matrix[(item["relation"], compare(text_of(item), reference(), thresholds()).relation)] += 1
    lines = ["label \\ predicted | " + " | ".join(CLASSES)]
    for label in CLASSES:
        lines.append(f"{label} | " + " | ".join(str(matrix[(label, p)]) for p in CLASSES))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    correct = sum(matrix[(c, c)] for c in CLASSES)
    assert correct / len(ITEMS) >= 0.9


def test_verbatim_copy_evidence_and_no_novel_sentences():
    ref = reference()
    result = compare(ref.text, ref, thresholds())
    assert result.jaccard == 1.0 and result.containment == 1.0 and result.similarity == 1.0
    assert result.novel_sentences == []
    assert result.facts_conflicting == [] and result.facts_missing == []


def test_novel_sentences_are_the_articles_own_and_ranked():
    new = "وأعلنت بلدية المدينة إغلاق الطرق المؤدية إلى مركز المعارض طوال أيام الفعالية أمام السيارات الخاصة."
    half = "وشاركت شركات معروفة في معرض المؤتمر وعرضت منتجات الذكاء الاصطناعي والحوسبة السحابية."
    text = reference().text + "\n" + half + "\n" + new
    result = compare(text, reference(), CompareConfig(novel_sentences=2))
    # Only the added sentences are novel, the unrelated one first; copied sentences never appear.
    assert result.novel_sentences[0] == new
    assert len(result.novel_sentences) <= 2
    assert all(s not in reference().text for s in result.novel_sentences)


def test_thresholds_drive_the_class():
    item = next(i for i in ITEMS if i["id"] == "rewrite_01")
    text = text_of(item)
    assert compare(text, reference(), thresholds()).relation == "rewrite"
    strict = CompareConfig(rewrite_containment=1.0, rewrite_cosine=1.0, rewrite_threshold=1.0)
    assert compare(text, reference(), strict).relation == "related"


def test_title_counts_as_a_topic_mention():
    text = text_of(next(i for i in ITEMS if i["id"] == "unrelated_03"))
    assert compare(text, reference(), thresholds()).relation == "unrelated"
    assert (
        compare(text, reference(), thresholds(), title="على هامش المؤتمر العالمي للإنترنت").keyword_hits == 1
    )


def test_compare_is_fast():
    texts = [text_of(i) for i in ITEMS]
    start = time.perf_counter()
    for t in texts:
        compare(t, reference(), thresholds())
    per_item = (time.perf_counter() - start) / len(texts)
    assert per_item < 0.2, f"{per_item * 1000:.0f} ms per comparison"


def test_reference_from_html_page(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in reference().text.split("\n"))
    page = tmp_path / "ref.html"
    page.write_text(
        f"<html><head><title>مرجع</title></head><body><article>{body}</article></body></html>", "utf-8"
    )
    ref = Reference.from_file(page, topic="html-ref", keywords=["ووتشن"])
    assert ref.topic == "html-ref"
    assert compare(reference().text, ref, thresholds()).relation == "copy"


def test_empty_reference_is_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", "utf-8")
    with pytest.raises(ValueError, match="empty"):
        Reference.from_file(empty)


def test_cli_json_lines_in_input_order_with_errors(tmp_path):
    files = [
        LABELLED / "texts" / "copy_01.txt",
        tmp_path / "missing.txt",
        LABELLED / "texts" / "unrelated_04.txt",
    ]
    html = tmp_path / "page.html"
    html.write_text(
        "<html><body><article>"
        + "".join(f"<p>{p}</p>" for p in text_of(next(i for i in ITEMS if i["id"] == "drift_06")).split("\n"))
        + "</article></body></html>",
        "utf-8",
    )
    files.append(html)
    proc = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "compare", "--json", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["input"] for r in rows] == list(map(str, files))
    assert proc.returncode == 1  # one input failed
    assert rows[0]["relation"] == "copy" and rows[0]["topic"] == "wic-2020"
    assert "error" in rows[1] and "missing.txt" in rows[1]["error"]
    assert rows[2]["relation"] == "unrelated"
    assert any("38" in c for c in rows[3]["facts_conflicting"])
    for key in ("similarity", "facts_shared", "facts_missing", "novel_sentences"):
        assert key in rows[0]
    assert "missing.txt" in proc.stderr


def test_cli_published_date_sets_apart_another_editions_figures(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jobs.cli", "compare", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})

    report_2023 = str(LABELLED / "texts" / "related_2023.txt")
    undated, dated = run("--json", report_2023), run("--json", "--published", "2023-11-15", report_2023)
    assert json.loads(undated.stdout)["facts_conflicting"] and not json.loads(undated.stdout)["facts_other_edition"]
    row = json.loads(dated.stdout)
    assert row["facts_conflicting"] == [] and row["facts_other_edition"][0].startswith("7 سنوات ← بعشر سنوات")
    bad = run("--published", "2023-13-01", report_2023)
    assert bad.returncode == 2 and "--published '2023-13-01' is not a date (YYYY-MM-DD)" in bad.stderr


def test_compare_article_dict_gives_the_stored_fields():
    from jobs.commands.compare import FIELDS, compare_article_dict

    item = next(i for i in ITEMS if i["id"] == "drift_01")
    lines = text_of(item).split("\n")
    doc = {"title": "عنوان", "lead": lines[0], "body": "\n".join(lines[1:]), "url": "https://x.example/1"}
    update = compare_article_dict(doc, reference(), thresholds())
    assert set(update) == set(FIELDS)
    assert update["relation"] == "copy" and update["topic"] == "wic-2020"
    assert update["facts_conflicting"] == [
        "35.8 تريليون يوان ← 34.8 تريليون يوان (حجم الاقتصاد الرقمي الصيني)"
    ]


def _cli(*args: str, home) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(home)})


def test_compare_reads_every_page_extract_reads_with_the_same_errors(tmp_path):
    """One reading path: a windows-1256 page (declared in <meta>, or mislabelled as UTF-8) is read by
    both commands, and a bad input gets the same message from both."""
    bad = ROOT / "tests" / "fixtures" / "bad"
    body = "".join(f"<p>{p}</p>" for p in reference().text.split("\n"))
    declared = tmp_path / "windows-1256.html"
    declared.write_bytes(
        ('<html><head><meta charset="windows-1256"><title>المؤتمر العالمي للإنترنت</title></head>'
         f"<body><article>{body}</article></body></html>").encode("cp1256", errors="ignore")
    )
    inputs = [str(declared), str(bad / "mislabelled-windows-1256.html"), str(bad / "binary.html"),
              str(bad / "zero-words.html"), str(tmp_path / "missing.html")]
    extracted = [json.loads(line) for line in _cli("extract", "--json", *inputs, home=tmp_path).stdout.splitlines()]
    compared = [json.loads(line) for line in _cli("compare", "--json", *inputs, home=tmp_path).stdout.splitlines()]
    assert [r["input"] for r in compared] == inputs
    for ext, cmp in zip(extracted, compared, strict=True):
        assert ("error" in ext) == ("error" in cmp), (ext, cmp)
        if "error" in ext:
            assert cmp["error"] == ext["error"]
    assert compared[0]["relation"] == "copy"
    assert "error" not in compared[1] and compared[1]["relation"] != "unrelated"


def test_stock_phrases_of_official_discourse_do_not_make_a_rewrite():
    """Congratulatory letters and the cyberspace slogan are in every state-media report."""
    text = (
        "بعث الرئيس الصيني شي جين بينغ رسالة تهنئة إلى المؤتمر العالمي للإنترنت الذي افتتح في مدينة ووتشن بمقاطعة تشجيانغ.\n"
        "وأكد شي في رسالة التهنئة استعداد الصين للعمل مع الدول الأخرى لبناء مجتمع ذي مصير مشترك في الفضاء الإلكتروني.\n"
        "وأضاف أن الصين مستعدة لتعزيز حوكمة الإنترنت العالمية بشكل مشترك وبناء مجتمع ذي مصير مشترك في الفضاء الإلكتروني.\n"
        "ويناقش المشاركون في الدورة الرابعة للمؤتمر قضايا التجارة الإلكترونية والأمن السيبراني والبنية التحتية للمعلومات."
    )
    result = compare(text, reference(), thresholds())
    assert result.relation == "related", (result.containment, result.cosine)
    # Without the background corpus the same stock wording counts as the reference's own: a "rewrite".
    bare = Reference.from_text(reference().text, topic="bare", keywords=reference().keywords)
    bare.background = None
    naive = compare(text, bare, CompareConfig(rewrite_min_shared=0))
    assert naive.relation == "rewrite" and naive.containment > result.containment


def test_novel_sentences_without_lead_fragments_or_duplicates():
    """A description meta cut mid-word ("... مؤكدا أن الص") and a sentence repeated in the body."""
    from crawler.text.compare import article_text

    paras = reference().text.split("\n")
    lead = paras[1][: paras[1].index("مؤكدا أن الصين") + len("مؤكدا أن الص")]
    new = "وأعلنت بلدية المدينة إغلاق الطرق المؤدية إلى مركز المعارض طوال أيام الفعالية أمام السيارات الخاصة."
    body = reference().text + "\n" + new + "\n" + new
    assert article_text(lead, body) == body
    for text in (article_text(lead, body), f"{lead}\n{body}"):
        assert compare(text, reference(), thresholds()).novel_sentences == [new]
