"""How long ``letters report`` takes over a large case store, against the diary over the same store.

    .venv/bin/python bench/report_bench.py [--cases 10000] [--rounds 3] [--json]

Generates --cases stored records (the bundled examples under new case ids, every date moved by
0 to 182 days so that they spread over the year; stored and stamped as ``letters store`` does)
and a ledger holding one acknowledgement for every third case, in a temporary outbox. Then,
interleaved for --rounds rounds, it times:

* ``diary``: the baseline, ``letters due --all``'s work over the same store
  (``correspondence.engine.diary``): read every stamped snapshot, the ledger once, run the engine;
* ``figures``: the report's figures for 2026Q4 (read the store, read the ledger once, run the
  engine as of the period's end, count);
* ``csv,json`` and ``html,pdf``: the whole ``letters report`` command in those formats (a fresh
  process, so imports, matplotlib and WeasyPrint count too).

Prints the median of each, and each as a ratio to the diary's, with the CPU time each used (on a
shared machine the wall clock also counts other people's work).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from correspondence.engine.rules import load_rulebook
from correspondence.reporting.outputs import stored_cases
from correspondence.reporting.report import Period, build_report
from correspondence.service import case_store, ledger
from correspondence.service.case_store import diary as stored_diary

DATE = re.compile(r'"(\d{4}-\d{2}-\d{2})"')
AS_OF = date(2026, 12, 31)


def shifted(text: str, days: int) -> str:
    return DATE.sub(lambda m: f'"{(date.fromisoformat(m[1]) + timedelta(days=days)).isoformat()}"', text)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def generate(outbox: Path, count: int) -> None:
    examples = [json.loads(p.read_text()) for p in sorted((ROOT / "examples" / "inbox").glob("*.json"))]
    with ledger.connect(outbox) as conn:
        conn.execute("BEGIN")
        for i in range(count):
            record = copy.deepcopy(examples[i % len(examples)])
            record["case_id"] = f"{record['case_id']}-R{i:05d}"
            text = shifted(json.dumps(record), (i * 37) % 183)
            case_store.save(outbox, record["case_id"], text.encode("utf-8"))  # stamped, as letters store does
            if i % 3 == 0:
                received = date.fromisoformat(json.loads(text)["complaint"]["received"])
                ledger.record(conn, record["case_id"], "acknowledgement", 1, "complaint", received + timedelta(days=1))
        conn.execute("COMMIT")


def diary(book, outbox: Path) -> int:
    return len(stored_diary(book, outbox, AS_OF)[0])


def figures(book, outbox: Path) -> int:
    problems: list[str] = []
    report = build_report(book, stored_cases(book, outbox, problems), Period.quarter("2026Q4"))
    return sum(c.cases for c in report.councils)


def command(outbox: Path, formats: str) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "letters"), "report", "--quarter", "2026Q4", "--format", formats,
                    "--as-of", AS_OF.isoformat(),
                    "--outbox", str(outbox), "--rules", str(ROOT / "rules"), "--templates", str(ROOT / "templates")],
                   check=False, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    book = load_rulebook(ROOT / "rules")[0]
    with tempfile.TemporaryDirectory() as tmp:
        outbox = Path(tmp) / "outbox"
        start = time.perf_counter()
        generate(outbox, args.cases)
        made = time.perf_counter() - start
        jobs = {
            "diary (baseline)": lambda: diary(book, outbox),
            "report figures": lambda: figures(book, outbox),
            "letters report csv,json": lambda: command(outbox, "csv,json"),
            "letters report html,pdf": lambda: command(outbox, "html,pdf"),
        }
        times: dict[str, list[float]] = {name: [] for name in jobs}
        cpu: dict[str, list[float]] = {name: [] for name in jobs}
        for _ in range(args.rounds):
            for name, job in jobs.items():
                start, start_cpu = time.perf_counter(), _cpu()
                job()
                times[name].append(time.perf_counter() - start)
                cpu[name].append(_cpu() - start_cpu)
    medians = {name: statistics.median(t) for name, t in times.items()}
    cpu_medians = {name: statistics.median(t) for name, t in cpu.items()}
    base = medians["diary (baseline)"]
    if args.json:
        print(json.dumps({"cases": args.cases, "rounds": args.rounds, "generate_s": round(made, 2),
                          "seconds": {k: round(v, 2) for k, v in medians.items()},
                          "cpu_seconds": {k: round(v, 2) for k, v in cpu_medians.items()},
                          "ratio_to_diary": {k: round(v / base, 2) for k, v in medians.items()}}, indent=2))
        return
    print(f"{args.cases} stored cases (generated in {made:.1f} s), median of {args.rounds} interleaved rounds "
          f"(wall clock; CPU time of this process and its children beside it):")
    for name, seconds in medians.items():
        print(f"  {name:26} {seconds:7.2f} s   {seconds / base:5.2f} x the diary   cpu {cpu_medians[name]:7.2f} s")


if __name__ == "__main__":
    main()
