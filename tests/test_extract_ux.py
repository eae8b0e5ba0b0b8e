"""`rasad extract` and `rasad compare` read as a user reads them (the real command, real files):
a credit such as "مراسل خاص" stays whole, the lead is shown and the body line is not the dateline,
and the readable comparison lists what --json lists (missing facts and novel sentences included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "fixtures" / "site" / "articles"

PARAGRAPHS = (
    "افتتحت في بلدة ووتشن بمقاطعة تشجيانغ شرقي الصين أعمال المؤتمر العالمي للإنترنت بمشاركة مسؤولين وخبراء من أكثر "
    "من ستين دولة ومنطقة.",
    "وناقش المشاركون على مدى يومين قضايا حوكمة الفضاء الإلكتروني والاقتصاد الرقمي والذكاء الاصطناعي وأمن البيانات.",
    "وقال المنظمون إن الدورة الحالية تعقد بصيغة تجمع الحضور المباشر والمشاركة عبر الإنترنت بسبب الجائحة.",
)


def _page(tmp_path: Path, *, author: str | None = None, dateline: str = "الاثنين، 23 نوفمبر 2020") -> Path:
    """A simple article page: a headline, a dateline paragraph, three paragraphs; no description meta."""
    meta = f'<meta name="author" content="{author}">' if author else ""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    path = tmp_path / "simple.html"
    path.write_text(f'<html lang="ar"><head><meta charset="utf-8">{meta}<title>افتتاح المؤتمر العالمي للإنترنت</title>'
                    f"</head><body><h1>افتتاح المؤتمر العالمي للإنترنت</h1><p>{dateline}</p>{body}</body></html>",
                    encoding="utf-8")
    return path


def _rasad(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cfg = tmp_path / "rasad.toml"
    cfg.write_text(f'[log]\nfile = "{tmp_path / "rasad.log"}"\n', encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "RASAD_CONFIG": str(cfg),
           "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


def _field(out: str, name: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.strip().startswith(f"{name}:"))


@pytest.mark.parametrize("credit", ["مراسل خاص", "مراسلة خاصة"])
def test_a_credit_is_kept_whole_not_cut_to_its_adjective(tmp_path: Path, credit: str) -> None:
    page = _page(tmp_path, author=credit)
    shown = _rasad(tmp_path, "extract", str(page))
    assert shown.returncode == 0, shown.stderr
    assert _field(shown.stdout, "authors").split("   ")[0] == credit
    data = json.loads(_rasad(tmp_path, "extract", "--json", str(page)).stdout)
    assert data["authors"] == [credit]


def test_byline_prefixes_are_still_removed_before_a_name(tmp_path: Path) -> None:
    data = json.loads(_rasad(tmp_path, "extract", "--json", str(_page(tmp_path, author="مراسل: خالد علي"))).stdout)
    assert data["authors"] == ["خالد علي"]


@pytest.mark.parametrize("dateline", ["الاثنين، 23 نوفمبر 2020", "نشر في: 23 نوفمبر 2020", "23/11/2020 10:30"])
def test_simple_page_shows_a_lead_and_the_body_not_the_dateline(tmp_path: Path, dateline: str) -> None:
    shown = _rasad(tmp_path, "extract", str(_page(tmp_path, dateline=dateline)))
    assert shown.returncode == 0, shown.stderr
    lead, body = _field(shown.stdout, "lead"), _field(shown.stdout, "body")
    assert lead == f"(first paragraph) {PARAGRAPHS[0]}"  # no description meta: said so, not left empty
    assert body == PARAGRAPHS[1] and dateline not in body


def test_a_declared_lead_is_shown_as_it_is(tmp_path: Path) -> None:
    page = _page(tmp_path)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "<title>", '<meta name="description" content="قمة ووتشن تبحث حوكمة الإنترنت"><title>'), encoding="utf-8")
    shown = _rasad(tmp_path, "extract", str(page))
    assert _field(shown.stdout, "lead") == "قمة ووتشن تبحث حوكمة الإنترنت"
    assert _field(shown.stdout, "body") == PARAGRAPHS[0]


def test_readable_compare_lists_missing_facts_and_novel_sentences_like_json(tmp_path: Path) -> None:
    source = str(ARTICLES / "related-aljazeera.txt")
    as_json = json.loads(_rasad(tmp_path, "compare", "--json", source).stdout)
    assert as_json["facts_missing"] and as_json["novel_sentences"]  # the input has both to show
    shown = _rasad(tmp_path, "compare", source)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    for label, key in (("shared", "facts_shared"), ("conflicting", "facts_conflicting"),
                       ("missing", "facts_missing"), ("novel", "novel_sentences")):
        listed = [line.split(": ", 1)[1] for line in lines if line.startswith(f"  {label}: ")]
        assert [item[:300] for item in as_json[key]] == [t.rstrip("…") for t in listed], key
