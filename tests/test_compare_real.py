"""`rasad compare` on real Arabic pages (tests/labelled/real): relation classes and figures.

The texts are public pages' article text, each stored with its address and labelled by what it is
(coverage of an edition, a passing mention, or a near-miss: another internet conference, China's
digital economy without the conference, Wuzhen as a tourist town, another Chinese forum). A third
of them, fixed by position before any tuning, is reported apart as the held-out part.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.compare_eval import (
    CLASSES,
    REAL,
    evaluate,
    full_report,
    hand_items,
    real_fact_score,
    real_items,
)
from tests.compare_helpers import LABELLED

ITEMS = real_items()


@pytest.fixture(scope="module")
def report():
    return evaluate("real set", ITEMS, REAL)


def test_real_set_is_large_sourced_and_apart_from_the_hand_written_one():
    assert len(ITEMS) >= 60
    counts = Counter(i["relation"] for i in ITEMS)
    assert set(counts) <= set(CLASSES) and counts["related"] >= 20 and counts["unrelated"] >= 20
    hand_texts = {(LABELLED / i["file"]).read_text(encoding="utf-8") for i in hand_items()}
    years = set()
    for item in ITEMS:
        assert item["url"].startswith(("http://", "https://")), item["id"]
        text = (REAL / item["file"]).read_text(encoding="utf-8")
        assert text.strip() and text not in hand_texts
        if item["relation"] == "related" and item.get("published"):
            years.add(item["published"][:4])
    # Coverage of the editions from the first (2014) to 2025.
    assert {"2014", "2015", "2016", "2017", "2018", "2019", "2021", "2022", "2023", "2025"} <= years
    assert sum(i["heldout"] for i in ITEMS) >= 15


def test_relevant_vs_unrelated_and_exact_relation(report, capsys):
    with capsys.disabled():
        print("\n" + full_report())
    assert report.relevant_vs_unrelated() >= 0.95
    assert report.exact() >= 0.85


def test_held_out_part_alone():
    held = evaluate("held-out", [i for i in ITEMS if i["heldout"]], REAL)
    assert held.relevant_vs_unrelated() >= 0.95 and held.exact() >= 0.85


def test_hand_written_set_stays_all_diagonal():
    hand = evaluate("hand-written", hand_items(), LABELLED)
    assert hand.wrong == []


def test_no_conflict_between_figures_of_different_quantities(report):
    """No real page contradicts a figure of the reference: every conflict reported would be wrong."""
    score = real_fact_score(report, ITEMS)
    assert score.false_conflicts == []


def test_egyptian_decimals_are_read_and_shared(report):
    """Dar al-Hilal writes 35.8 as 8ر35 and 36.2% as 2ر36%: the page shares both figures."""
    result = report.results["u_digecon_darelhilal2020"]
    shared = {f.split(" (")[0] for f in result.facts_shared}
    assert {"35.8 تريليون يوان", "36.2 بالمائة"} <= shared
    assert result.facts_conflicting == []


def test_figure_precision_and_recall(report):
    score = real_fact_score(report, ITEMS)
    assert score.precision() >= 0.9 and score.recall() >= 0.9
