"""Print the confusion matrices and fact precision/recall of `rasad compare` over the labelled sets.

    .venv/bin/python scripts/compare_accuracy.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.compare_eval import full_report  # noqa: E402

if __name__ == "__main__":
    print(full_report())
