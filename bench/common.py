"""Shared by the benchmarks: records, old versions of the code, timing and summaries.

Every benchmark here measures its arms in the same run, interleaved (A B A B ...), and reports
ratios with their spread: the machine these run on is usually shared, so absolute figures move
with the load while ratios of neighbouring runs hold much better.
"""

from __future__ import annotations

import copy
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def example_records() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((ROOT / "examples" / "inbox").glob("*.json"))]


def records(count: int, tag: str = "B", examples: list[dict] | None = None) -> list[dict]:
    """``count`` records: the bundled examples (or ``examples``) in turn, each under a new case id."""
    examples = examples if examples is not None else example_records()
    out = []
    for i in range(count):
        record = copy.deepcopy(examples[i % len(examples)])
        record["case_id"] = f"{record['case_id']}-{tag}{i:05d}"
        out.append(record)
    return out


def write_records(folder: Path, items: list[dict]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for record in items:
        path = folder / f"{record['case_id']}.json"
        path.write_text(json.dumps(record), encoding="utf-8")
        paths.append(path)
    return paths


def checkout(rev: str, into: Path) -> Path:
    """The package, rules and templates as they were at ``rev`` (git archive), to run beside these."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "correspondence", "rules", "templates"], check=True,
                          capture_output=True).stdout
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into)
    return into


def letters_cmd(*args: str) -> list[str]:
    return [PYTHON, "-m", "correspondence.cli", *args]


def run_timed(cmd: list[str], code_root: Path | None = None, extra_env: dict | None = None,
              **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one command; ``code_root`` runs another version of the package."""
    env = dict(os.environ)
    env.update(extra_env or {})
    env["PYTHONPATH"] = str(code_root or ROOT)
    kwargs.setdefault("cwd", str(code_root or ROOT))  # `python -m` puts the working folder first on the path
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, **kwargs)
    return time.perf_counter() - start, done


def spread(values: list[float]) -> dict:
    values = sorted(values)
    q = statistics.quantiles(values, n=4) if len(values) >= 2 else [values[0]] * 3
    return {"median": round(statistics.median(values), 3), "min": round(values[0], 3), "max": round(values[-1], 3),
            "q1": round(q[0], 3), "q3": round(q[2], 3), "n": len(values)}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"
