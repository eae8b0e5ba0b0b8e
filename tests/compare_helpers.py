"""Shared loading of the labelled comparison set (tests/labelled/labels.json) and fact matching."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from crawler.config import DEFAULT_TOPIC, CompareConfig, TopicConfig
from crawler.text.arabic import normalize
from crawler.text.compare import Reference

LABELLED = Path(__file__).resolve().parent / "labelled"
MANIFEST = json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))
ITEMS = MANIFEST["items"]
ROOT = Path(__file__).resolve().parent.parent


def text_of(item: dict) -> str:
    return (LABELLED / item["file"]).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def reference() -> Reference:
    """The shipped reference with the built-in topic's keywords (independent of any local rasad.toml)."""
    topic = TopicConfig(**DEFAULT_TOPIC[MANIFEST["topic"]])
    return Reference.from_topic(topic, Path(topic.reference))


def thresholds() -> CompareConfig:
    return CompareConfig()


def fact_key(rendered: str) -> str:
    """Comparable form of a rendered fact: without the context label and quote marks, normalised."""
    core = re.sub(r"\s*\([^()]*\)\s*$", "", rendered).replace("«", "").replace("»", "")
    return " ".join(normalize(core).split())
