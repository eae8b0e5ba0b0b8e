"""The per-article stage costs before and after the speed-up, measured side by side in one run.

"Before" is the `crawler` package of BASELINE (the commit before the change) and "after" that of
SPED_UP (the commit of the change), each exported with `git archive` into a temporary directory and
put first on the path of a child process. Both measure the same generated pages with the current
bench/stages.py, and the digest of all outputs (bodies, relevance, comparisons, story ids) shows
whether the results stayed the same. Fixed commits keep the comparison about the speed-up alone:
later changes that alter results on purpose (the stemming fix) are not mixed into it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "cc473a1750f73a1f3f44dfcb81239de9e184012b"
SPED_UP = "f016db97f8d6a441d67a1869e2ba163b28dd3f6b"


def export_baseline(dest: Path, commit: str = BASELINE) -> None:
    """Write the commit's crawler package and reference articles under `dest`."""
    archive = subprocess.run(["git", "archive", commit, "crawler", "reports/reference"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def run_stages(cwd: Path, count: int, first_on_path: Path | None = None) -> dict:
    """bench.stages in a child process, with `first_on_path` (a crawler checkout) ahead of the repo."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"  # both sides hash alike, so a change in outputs can only come from the code
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (first_on_path, ROOT) if p)
    out = subprocess.run([sys.executable, "-m", "bench.stages", "--count", str(count)], cwd=cwd, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _best(runs: list[dict]) -> dict:
    """The fastest time per stage over several runs (the machine is shared: noise only adds time)."""
    best = dict(runs[0])
    best["ms_per_article"] = {s: min(r["ms_per_article"][s] for r in runs) for s in runs[0]["ms_per_article"]}
    best["reference_ms"] = min(r["reference_ms"] for r in runs)
    best["output_sha1"] = runs[0]["output_sha1"] if len({r["output_sha1"] for r in runs}) == 1 else "varies"
    return best


def before_after(count: int, rounds: int = 3) -> dict:
    """{"before": ..., "after": ...} from bench.stages over the same `count` pages.

    The two sides alternate for `rounds` rounds and the fastest time of each stage is kept, so a
    burst of load from elsewhere on the machine does not land on one side only.
    """
    before: list[dict] = []
    after: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="rasad-baseline-") as old, \
            tempfile.TemporaryDirectory(prefix="rasad-sped-up-") as new:
        export_baseline(Path(old), BASELINE)
        export_baseline(Path(new), SPED_UP)
        for _ in range(rounds):
            before.append(run_stages(Path(old), count, first_on_path=Path(old)))
            after.append(run_stages(Path(new), count, first_on_path=Path(new)))
    return {"before": _best(before), "after": _best(after), "rounds": rounds}


if __name__ == "__main__":
    print(json.dumps(before_after(int(sys.argv[1]) if len(sys.argv) > 1 else 300), indent=1))
