"""Regenerate tests/fixtures/pages/<name>.expected.json from the current extraction.

Shows what would change and writes only with --write: expectations are reviewed, not rubber-stamped.
Hand-written ``body_excludes`` (boilerplate that must never reach the body) are kept; ``body_contains``
is regenerated from the first and last paragraph unless the file already lists snippets.

    .venv/bin/python scripts/regen_extract_golden.py [--write] [NAME...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.extract_helpers import EXACT_FIELDS, PAGES_DIR, load_expected, observed, page_names  # noqa: E402

SNIPPET_WORDS = 8


def _snippets(body: str) -> list[str]:
    paragraphs = [p for p in body.split("\n") if p.strip()]
    if not paragraphs:
        return []
    first = " ".join(paragraphs[0].split()[:SNIPPET_WORDS])
    last = " ".join(paragraphs[-1].split()[-SNIPPET_WORDS:])
    return list(dict.fromkeys([first, last]))


def expected_for(name: str) -> dict:
    """The new expected document for one page, keeping reviewed hand-written parts."""
    now = observed(name)
    old = load_expected(name) or {}
    if "error" in now:
        return {"error": now["error"]}
    new = {f: now[f] for f in EXACT_FIELDS}
    new["body_contains"] = old.get("body_contains") or _snippets(now["body"])
    new["body_excludes"] = old.get("body_excludes", [])
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="page names (default: all)")
    parser.add_argument("--write", action="store_true", help="write the expected files")
    args = parser.parse_args(argv)
    changed = 0
    for name in args.names or page_names():
        new, old = expected_for(name), load_expected(name)
        if new == old:
            continue
        changed += 1
        print(f"== {name}")
        for key in sorted(set(new) | set(old or {})):
            if (old or {}).get(key) != new.get(key):
                print(f"  {key}: {json.dumps((old or {}).get(key), ensure_ascii=False)}")
                print(f"     -> {json.dumps(new.get(key), ensure_ascii=False)}")
        if args.write:
            path = PAGES_DIR / f"{name}.expected.json"
            path.write_text(json.dumps(new, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{changed} page(s) {'written' if args.write else 'would change (use --write)'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
