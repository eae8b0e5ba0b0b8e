"""Confusion matrices and fact precision/recall of `crawler.text.compare` over the labelled sets.

Two sets, reported apart: the hand-written one (tests/labelled/labels.json) and the real texts from
public pages (tests/labelled/real/labels.json), whose held-out third is also reported on its own.
Used by tests/test_compare_real.py and scripts/compare_accuracy.py.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crawler.text.compare import Comparison, compare
from tests.compare_helpers import LABELLED, fact_key, reference, thresholds

CLASSES = ["copy", "rewrite", "related", "mention", "unrelated"]
REAL = LABELLED / "real"


def load(manifest: Path) -> list[dict]:
    return json.loads(manifest.read_text(encoding="utf-8"))["items"]


def hand_items() -> list[dict]:
    return load(LABELLED / "labels.json")


def real_items() -> list[dict]:
    return load(REAL / "labels.json")


def text_of(item: dict, base: Path) -> str:
    return (base / item["file"]).read_text(encoding="utf-8")


def run(item: dict, base: Path) -> Comparison:
    return compare(text_of(item, base), reference(), thresholds(), published_at=item.get("published"))


@dataclass
class Report:
    """Predictions over one set: the confusion counts and the items' results."""

    name: str
    matrix: Counter = field(default_factory=Counter)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (id, label, predicted)
    results: dict[str, Comparison] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.matrix.values())

    def exact(self) -> float:
        return sum(self.matrix[(c, c)] for c in CLASSES) / (self.total or 1)

    def relevant_vs_unrelated(self) -> float:
        """Accuracy of the two-way split: any of copy/rewrite/related/mention against unrelated."""
        ok = sum(n for (label, pred), n in self.matrix.items() if (label == "unrelated") == (pred == "unrelated"))
        return ok / (self.total or 1)

    def table(self) -> str:
        rows = [f"{self.name} ({self.total} texts)", "label \\ predicted | " + " | ".join(CLASSES)]
        for label in CLASSES:
            if any(self.matrix[(label, p)] for p in CLASSES):
                rows.append(f"{label} | " + " | ".join(str(self.matrix[(label, p)]) for p in CLASSES))
        rows.append(f"relevant vs unrelated {self.relevant_vs_unrelated():.3f}; exact relation {self.exact():.3f}")
        return "\n".join(rows)


def evaluate(name: str, items: list[dict], base: Path) -> Report:
    report = Report(name)
    for item in items:
        result = run(item, base)
        report.results[item["id"]] = result
        report.matrix[(item["relation"], result.relation)] += 1
        if result.relation != item["relation"]:
            report.wrong.append((item["id"], item["relation"], result.relation))
    return report


@dataclass
class FactScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_conflicts: list[str] = field(default_factory=list)

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _numeric_reference_keys() -> set[str]:
    return {fact_key(f.render()) for f in reference().facts if f.kind == "number"}


def real_fact_score(report: Report, items: list[dict]) -> FactScore:
    """Numbers only (what a figure measures is the point on real texts): shared and conflicting figures."""
    numeric = _numeric_reference_keys()
    score = FactScore()
    for item in items:
        result = report.results[item["id"]]
        predicted = {("s", fact_key(f)) for f in result.facts_shared} & {("s", k) for k in numeric}
        predicted |= {("c", fact_key(f)) for f in result.facts_conflicting}
        expected = {("s", fact_key(f)) for f in item.get("shared_numbers", [])}
        expected |= {("c", fact_key(f)) for f in item.get("conflicting", [])}
        score.tp += len(predicted & expected)
        score.fp += len(predicted - expected)
        score.fn += len(expected - predicted)
        score.false_conflicts += [f"{item['id']}: {f}" for f in result.facts_conflicting if ("c", fact_key(f)) not in expected]
    return score


def hand_fact_score(report: Report, items: list[dict]) -> FactScore:
    """All labelled facts (numbers, names, quotes) of the hand-written set, shared and conflicting."""
    score = FactScore()
    for item in items:
        result = report.results[item["id"]]
        predicted = {("s", fact_key(f)) for f in result.facts_shared} | {("c", fact_key(f)) for f in result.facts_conflicting}
        expected = {("s", fact_key(f)) for f in item["shared"]} | {("c", fact_key(f)) for f in item["conflicting"]}
        score.tp += len(predicted & expected)
        score.fp += len(predicted - expected)
        score.fn += len(expected - predicted)
    return score


def full_report() -> str:
    hand, real = hand_items(), real_items()
    h = evaluate("hand-written set", hand, LABELLED)
    r = evaluate("real set", real, REAL)
    dev_items = [i for i in real if not i["heldout"]]
    held_items = [i for i in real if i["heldout"] and not i.get("blind")]
    blind_items = [i for i in real if i.get("blind")]
    dev = evaluate("real set, development part", dev_items, REAL)
    held = evaluate("real set, held-out third", held_items, REAL)
    blind = evaluate("real set, blind batch (collected after the classifier was built)", blind_items, REAL)
    hf, rf = hand_fact_score(h, hand), real_fact_score(r, real)
    out = [h.table(), "", r.table(), "", dev.table(), "", held.table(), "", blind.table(), ""]
    out.append(f"facts, hand-written set: tp={hf.tp} fp={hf.fp} fn={hf.fn} "
               f"precision={hf.precision():.3f} recall={hf.recall():.3f}")
    out.append(f"figures, real set: tp={rf.tp} fp={rf.fp} fn={rf.fn} "
               f"precision={rf.precision():.3f} recall={rf.recall():.3f}; conflicts reported: {len(rf.false_conflicts)}")
    out += [f"  false conflict {c}" for c in rf.false_conflicts]
    for rep in (h, r):
        out += [f"wrong in {rep.name}: {i} labelled {lab}, predicted {pred}" for i, lab, pred in rep.wrong]
    return "\n".join(out)
