"""A bulk drop through the service: ``letters watch`` against ``letters process`` on the same records.

    .venv/bin/python bench/bulk_bench.py [--records 10000] [--cases 40] [--repeat 2] [--workers 2] [--json]

--records small records (the bundled examples under --cases case ids, so the letters rendered
are few and the figure is the service's per-record cost) are dropped into an empty inbox at once,
each by rename, as case systems write them. "process": the drop, then one ``letters process``,
timed from its start to its exit. "watch": a ``letters watch`` already running (its workers
warm, as in service) receives the drop, timed from the first rename to the last record in
``.done/``. Runs alternate process, watch, process, watch... each on a fresh inbox and outbox;
the report gives each run and the median ratio watch / process (the goal is at most 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LETTERS = [sys.executable, "-m", "correspondence.cli"]
FOLDERS = ["--rules", str(ROOT / "rules"), "--templates", str(ROOT / "templates")]


def stage(folder: Path, records: int, cases: int) -> list[Path]:
    examples = [json.loads(p.read_text()) for p in sorted((ROOT / "examples" / "inbox").glob("*.json"))]
    folder.mkdir(parents=True)
    paths = []
    for i in range(records):
        data = dict(examples[i % len(examples)])
        data["case_id"] = f"B-{i % cases:05d}"
        path = folder / f"r{i:06d}.json"
        path.write_text(json.dumps(data))
        paths.append(path)
    return paths


def drop(paths: list[Path], inbox: Path) -> None:
    for path in paths:
        os.rename(path, inbox / path.name)


def done(inbox: Path) -> int:
    try:
        return sum(1 for p in os.scandir(inbox / ".done") if p.name.endswith(".json"))
    except FileNotFoundError:
        return 0


def run_process(base: Path, records: int, cases: int, workers: int) -> float:
    inbox, outbox = base / "inbox", base / "outbox"
    inbox.mkdir(parents=True)
    drop(stage(base / "staging", records, cases), inbox)
    start = time.perf_counter()
    subprocess.run([*LETTERS, "process", *FOLDERS, "--inbox", str(inbox), "--outbox", str(outbox),
                    "--workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    assert done(inbox) == records, f"process: {done(inbox)} of {records} records done"
    return elapsed


def run_watch(base: Path, records: int, cases: int, workers: int) -> float:
    inbox, outbox = base / "inbox", base / "outbox"
    inbox.mkdir(parents=True)
    paths = stage(base / "staging", records, cases)
    log = open(base / "watch.log", "w")
    proc = subprocess.Popen([*LETTERS, "watch", *FOLDERS, "--inbox", str(inbox), "--outbox", str(outbox),
                             "--workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while "watching" not in (base / "watch.log").read_text():  # the service is up
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("letters watch did not start")
            time.sleep(0.05)
        time.sleep(0.5)
        start = time.perf_counter()
        drop(paths, inbox)
        while done(inbox) < records:
            if proc.poll() is not None:
                raise RuntimeError("letters watch stopped")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=300)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs: dict[str, list[float]] = {"process": [], "watch": []}
    with tempfile.TemporaryDirectory(prefix="bulk-bench-") as tmp:
        for i in range(args.repeat):
            for name, run in (("process", run_process), ("watch", run_watch)):
                base = Path(tmp) / f"{name}-{i}"
                runs[name].append(run(base, args.records, args.cases, args.workers))
                shutil.rmtree(base)
                if not args.json:
                    print(f"{name:8} run {i + 1}: {runs[name][-1]:7.2f} s", flush=True)
    ratios = [w / p for p, w in zip(runs["process"], runs["watch"])]
    result = {"records": args.records, "cases": args.cases, "workers": args.workers, "runs": runs,
              "ratio_watch_over_process": {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        r = result["ratio_watch_over_process"]
        print(f"watch / process, {args.records} records: median {r['median']:.2f}x "
              f"(spread {r['min']:.2f}-{r['max']:.2f}; goal at most 1.5x)")


if __name__ == "__main__":
    main()
