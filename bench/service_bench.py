"""The service's latency: from a record renamed into the inbox to its letter filed in the outbox,
under `letters watch` with its default settings; and two records renamed together against one.

    .venv/bin/python bench/service_bench.py [--trials 20] [--json]

A record is written under a hidden temporary name and renamed into the inbox, as a case system
does; the clock runs from the rename to the moment the letter's manifest (written last) is in the
case's folder. The first record (the service's first letter, paying for imports and compiling,
with an empty cache folder) is reported on its own; two pairs more warm every worker (not counted); then single records and
pairs alternate, one at a time (with --before REV, the service as it was at REV runs beside this one,
on its own folders, and the trials alternate between the two).
Goals: p95 of one record <= 0.5 s; two records together <= 2x one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import ROOT, checkout, example_records, letters_cmd, load, percentile, spread


def record_with_a_letter_today() -> dict:
    """An example record that has a letter due today (the service dates its letters today)."""
    from correspondence.engine.case import case_from_record
    from correspondence.engine.due import determine
    from correspondence.engine.rules import load_rulebook

    book = load_rulebook(ROOT / "rules")[0]
    councils = {c: book.procedures(c) for c in book.councils}
    for record in example_records():
        case = case_from_record(record, "bench", councils)
        policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
        result = determine(case, policy, (), date.today())
        if result.pending and result.recipient is not None and len(result.pending) == 1:
            return record
    raise SystemExit("no example record has exactly one letter due today")


class Service:
    def __init__(self, tmp: Path, template: dict, code_root: Path | None = None):
        tmp.mkdir(parents=True, exist_ok=True)
        home = code_root or ROOT
        self.inbox, self.outbox, self.template = tmp / "inbox", tmp / "outbox", template
        self.inbox.mkdir()
        self.log = open(tmp / "watch.log", "w")
        # A cache folder of the service's own, empty at start: its first letter is the slowest a
        # service ever gives (every template compiled, every library looked up).
        env = dict(os.environ, PYTHONPATH=str(home), CORRESPONDENCE_CACHE=str(tmp / "cache"))
        self.proc = subprocess.Popen(letters_cmd("watch", "--rules", str(home / "rules"), "--templates",
                                                 str(home / "templates"), "--inbox", str(self.inbox),
                                                 "--outbox", str(self.outbox)),
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=env, cwd=str(home))
        self.count = 0
        deadline = time.monotonic() + 120
        while "watching" not in (tmp / "watch.log").read_text():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("letters watch did not start: " + (tmp / "watch.log").read_text()[-2000:])
            time.sleep(0.05)

    def drop(self, n: int) -> float:
        """Rename ``n`` records into the inbox together; seconds until every one's letter is filed."""
        ids, staged = [], []
        for _ in range(n):
            self.count += 1
            record = dict(self.template, case_id=f"{self.template['case_id']}-W{self.count:04d}")
            tmp = self.inbox / f".{record['case_id']}.json.tmp"
            tmp.write_text(json.dumps(record))
            staged.append((tmp, self.inbox / f"{record['case_id']}.json"))
            ids.append(record["case_id"])
        start = time.perf_counter()
        for tmp, final in staged:
            os.rename(tmp, final)
        waiting = set(ids)
        deadline = start + 60
        while waiting:
            for case_id in list(waiting):
                folder = self.outbox / case_id
                if folder.is_dir() and any(p.suffix == ".json" for p in folder.iterdir()):
                    waiting.discard(case_id)
            if time.perf_counter() > deadline:
                raise SystemExit(f"no letter after 60 s for {sorted(waiting)}")
            time.sleep(0.002)
        return time.perf_counter() - start

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between trials")
    parser.add_argument("--before", default=None, help="also run `letters watch` as it was at this git revision")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    template = record_with_a_letter_today()
    arms = {"now": None}
    with tempfile.TemporaryDirectory(prefix="service-bench-") as tmp:
        tmp = Path(tmp)
        if args.before:
            arms["before"] = checkout(args.before, tmp / "code-before")
        services = {name: Service(tmp / name, template, code) for name, code in arms.items()}
        first, singles, pairs = {}, {n: [] for n in arms}, {n: [] for n in arms}
        try:
            for name, service in services.items():
                first[name] = service.drop(1)
                for _ in range(2):  # every worker of the pool warmed (imports, compiled templates): not counted
                    time.sleep(args.pause)
                    service.drop(2)
            for _ in range(args.trials):  # one record, two records, in turn, each service in turn
                for name, service in services.items():
                    time.sleep(args.pause)
                    singles[name].append(service.drop(1))
                    time.sleep(args.pause)
                    pairs[name].append(service.drop(2))
        finally:
            for service in services.values():
                service.stop()
    result = {"load_average_after": load(), "before_revision": args.before}
    for name in arms:
        one, two = singles[name], pairs[name]
        result[name] = {
            "first_letter_s": round(first[name], 3),
            "one_record_s": {**spread(one), "p50": round(percentile(one, 50), 3), "p95": round(percentile(one, 95), 3)},
            "two_records_s": {**spread(two), "p50": round(percentile(two, 50), 3), "p95": round(percentile(two, 95), 3)},
            "two_over_one_median": round(statistics.median(two) / statistics.median(one), 2),
            "two_over_one_per_trial": spread([p / s for s, p in zip(one, two)]),
        }
    if args.before:
        result["p50_before_over_now"] = round(result["before"]["one_record_s"]["p50"] / result["now"]["one_record_s"]["p50"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
