"""The diary and the cold start: `letters due --all` over 1k and 5k stored cases, and
`letters due --case-file` from a cold process, interleaved, against the same commands of an
earlier revision (--before) run on the same store in the same run.

    .venv/bin/python bench/diary_bench.py [--small 1000] [--large 5000] [--rounds 3] [--starts 15] [--before REV] [--json]

Per stored case: (time for N cases - time for an empty store) / N, so the process start is not
counted as diary work; linearity: time(5k) / time(1k), whole commands (goal <= 5.5).
Cold start: the wall time of one `letters due --case-file` (goal <= 150 ms), beside `python -c pass`,
with the benchmark's own cache folder as a second run finds it (the bank holidays kept), and with
an empty one (the first run after installing: the holidays package asked).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import PYTHON, ROOT, checkout, example_records, letters_cmd, load, records, run_timed, spread

AS_OF = "2026-11-20"


def readable_by(code_root: Path, examples: list[dict], tmp: Path) -> list[dict]:
    """The examples an earlier revision can read too (it may not know a field or procedure added
    since), found by asking it: both arms then keep the same cases."""
    kept = []
    for n, record in enumerate(examples):
        path = tmp / f"probe-{n}.json"
        path.write_text(json.dumps(record))
        _, done = run_timed(letters_cmd("due", "--case-file", str(path), "--as-of", AS_OF,
                                        "--rules", str(code_root / "rules"), "--outbox", str(tmp / "no-outbox")), code_root)
        if done.returncode == 0:
            kept.append(record)
    return kept


def fill_store(outbox: Path, count: int, examples: list[dict]) -> None:
    """``count`` validated records kept in the case store, as `letters store` keeps them."""
    from correspondence.engine.case import case_from_record
    from correspondence.engine.rules import load_rulebook
    from correspondence.service import case_store

    book = load_rulebook(ROOT / "rules")[0]
    councils = {c: book.procedures(c) for c in book.councils}
    for record in records(count, "D", examples):
        case_from_record(record, "bench", councils)
        case_store.save(outbox, record["case_id"], json.dumps(record).encode())


def diary(outbox: Path, code_root: Path | None) -> float:
    home = code_root or ROOT
    seconds, done = run_timed(letters_cmd("due", "--all", "--as-of", AS_OF, "--rules", str(home / "rules"),
                                          "--outbox", str(outbox)), code_root)
    if done.returncode != 0:
        raise SystemExit(f"letters due --all failed: {done.stderr[-2000:]}")
    return seconds


def cold_start(code_root: Path | None, cache: Path | None = None) -> float:
    home = code_root or ROOT
    seconds, done = run_timed(letters_cmd("due", "--case-file", str(ROOT / "examples" / "inbox" / "wcc-2026-0402.json"),
                                          "--as-of", AS_OF, "--rules", str(home / "rules"),
                                          "--outbox", str(home / "no-outbox")), code_root,
                              extra_env={"CORRESPONDENCE_CACHE": str(cache)} if cache else None)
    if done.returncode != 0:
        raise SystemExit(f"letters due --case-file failed: {done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--starts", type=int, default=15)
    parser.add_argument("--before", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="diary-bench-") as tmp:
        tmp = Path(tmp)
        empty, small, large = tmp / "empty", tmp / "small", tmp / "large"
        empty.mkdir()
        before = checkout(args.before, tmp / "before") if args.before else None
        examples = example_records()
        if before is not None:
            examples = readable_by(before, examples, tmp)
        fill_store(small, args.small, examples)
        fill_store(large, args.large, examples)

        t = {"empty": [], "small": [], "large": [], "before_empty": [], "before_small": []}
        for _ in range(args.rounds):
            t["empty"].append(diary(empty, None))
            t["small"].append(diary(small, None))
            t["large"].append(diary(large, None))
            if before is not None:  # the earlier code at 1k only: at 5k it takes minutes
                t["before_empty"].append(diary(empty, before))
                t["before_small"].append(diary(small, before))

        starts = {"python": [], "due": [], "before_due": [], "due_empty_cache": []}
        cache = tmp / "cache"
        cold_start(None, cache)  # untimed: fills the cache as any first run does
        for i in range(args.starts):
            seconds, _ = run_timed([PYTHON, "-c", "pass"])
            starts["python"].append(seconds)
            starts["due"].append(cold_start(None, cache))
            starts["due_empty_cache"].append(cold_start(None, tmp / f"cache-empty-{i}"))
            if before is not None:
                starts["before_due"].append(cold_start(before))

    med = {k: statistics.median(v) for k, v in t.items() if v}
    result = {
        "load_average_after": load(),
        "stored_cases": [args.small, args.large],
        "kinds_of_record": len(examples),
        "due_all_seconds": {k: spread(v) for k, v in t.items() if v},
        "ms_per_case_small": round(1000 * (med["small"] - med["empty"]) / args.small, 3),
        "ms_per_case_large": round(1000 * (med["large"] - med["empty"]) / args.large, 3),
        "large_over_small": spread([b / a for a, b in zip(t["small"], t["large"])]),
        "cold_start_ms": {k: spread([1000 * s for s in v]) for k, v in starts.items() if v},
    }
    if before is not None:
        result["before"] = args.before
        result["before_ms_per_case_small"] = round(1000 * (med["before_small"] - med["before_empty"]) / args.small, 3)
        result["per_case_before_over_now"] = round(result["before_ms_per_case_small"] / result["ms_per_case_small"], 2)
        result["cold_start_before_over_now"] = spread([b / a for a, b in zip(starts["due"], starts["before_due"])])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
