"""End to end: `letters process` against the bare-library ceiling, on the same letters, interleaved.

    .venv/bin/python bench/render_bench.py [--records 40] [--rounds 5] [--workers 1] [--before REV] [--cold] [--json]

Arm A, this project: `letters process` (a fresh process) over --records records (the bundled
examples under new case ids) into an empty outbox, every check on: validation, case store,
engine, Word and PDF, the render-time checks, filing with fsyncs and the ledger.

Arm B, the ceiling: a fresh process that makes the same letters (the same kinds, from the same
contexts, captured beforehand) with the bare libraries as a careful developer would use them:
plain docxtpl, one template per letter (the kind's own .docx, rendered and saved), and plain
WeasyPrint with one shared FontConfiguration and the stylesheet parsed once (HTML from a plain
Jinja environment, the same pdf/ua-1 variant). No validation, no checks, nothing filed.

Arm C (with --before REV): `letters process` as it was at REV (its own rules and templates), the
baseline the issue measured against.

The cache (docs/service.md): arm A uses a cache folder of the benchmark's own, filled before the
rounds (untimed), as a service finds it after its first run. With --cold, arm D is arm A with an
empty cache folder every round: the first run after installing or editing a template, every
Word template compiled in the process.

Rounds run A B [C] A B [C] ...; each round gives a ratio of letters per second (A/B, C/B); the
median ratio and its spread are reported. Both arms start a Python process and import their
libraries, in every round. --workers N runs both arms with N processes.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import PYTHON, ROOT, checkout, letters_cmd, load, records, run_timed, spread, write_records

AS_OF = date(2026, 11, 20)


# --------------------------------------------------------------------------- the letters

def capture_jobs(record_paths: list[Path], scratch: Path) -> list[tuple[str, str, dict]]:
    """(council, kind, context) of every letter `letters process` renders for these records: found
    by issuing them once (untimed) through a renderer that notes what it is asked for."""
    from correspondence.engine.case import load_case
    from correspondence.engine.rules import load_rulebook
    from correspondence.letters.render import Renderer
    from correspondence.service.issuing import issue_due_letters

    class Noting(Renderer):
        def __init__(self, templates):
            super().__init__(templates)
            self.jobs = []

        def render(self, council, kind, context, formats=("docx", "pdf")):
            self.jobs.append((council, kind, context))
            return super().render(council, kind, context, formats)

    book = load_rulebook(ROOT / "rules")[0]
    councils = {c: book.procedures(c) for c in book.councils}
    renderer = Noting(ROOT / "templates")
    for path in record_paths:
        issue_due_letters(book, renderer, load_case(path, councils), scratch, AS_OF)
    return renderer.jobs


# --------------------------------------------------------------------------- the ceiling (arm B)

_CEILING: dict = {}


def _ceiling_init(templates: str) -> None:
    from jinja2 import Environment, FileSystemLoader
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    _CEILING.update(templates=Path(templates), fonts=fonts,
                    css=CSS(filename=str(Path(templates) / "html" / "letter.css"), font_config=fonts),
                    env=Environment(loader=FileSystemLoader(str(Path(templates) / "html")), autoescape=True))


def _ceiling_letter(job) -> int:
    import io

    from docxtpl import DocxTemplate
    from weasyprint import HTML

    council, kind, context = job
    t = _CEILING["templates"]
    word = DocxTemplate(str(t / "docx" / f"{kind}.docx"))
    word.render(context, autoescape=True)
    word.save(io.BytesIO())
    html = _CEILING["env"].get_template(f"{kind}.html").render(context)
    HTML(string=html, base_url=str(t / "html")).write_pdf(
        stylesheets=[_CEILING["css"]], font_config=_CEILING["fonts"], pdf_variant="pdf/ua-1")
    return 1


def ceiling_main(jobs_file: str, templates: str, workers: int) -> None:
    jobs = pickle.loads(Path(jobs_file).read_bytes())
    if workers == 1:
        _ceiling_init(templates)
        made = sum(_ceiling_letter(job) for job in jobs)
    else:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers, initializer=_ceiling_init, initargs=(templates,)) as pool:
            made = sum(pool.map(_ceiling_letter, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    print(f"{made} letters")


# --------------------------------------------------------------------------- rounds

def process_arm(records_dir: Path, work: Path, workers: int, code_root: Path | None, home: Path,
                cache: Path | None = None) -> tuple[float, int]:
    if work.exists():
        shutil.rmtree(work)
    inbox, outbox = work / "inbox", work / "outbox"
    shutil.copytree(records_dir, inbox)
    seconds, done = run_timed(letters_cmd("process", "--rules", str(home / "rules"), "--templates",
                                          str(home / "templates"), "--inbox", str(inbox), "--outbox", str(outbox),
                                          "--as-of", AS_OF.isoformat(), "--workers", str(workers)), code_root,
                              extra_env={"CORRESPONDENCE_CACHE": str(cache)} if cache else None)
    found = re.search(r"(\d+) letters? written", done.stdout)
    if not found:
        raise SystemExit(f"letters process failed: {done.stdout}{done.stderr[-2000:]}")
    return seconds, int(found.group(1))


def ceiling_arm(jobs_file: Path, workers: int) -> tuple[float, int]:
    seconds, done = run_timed([PYTHON, str(Path(__file__).resolve()), "--ceiling", str(jobs_file),
                               "--workers", str(workers)])
    found = re.search(r"(\d+) letters", done.stdout)
    if not found:
        raise SystemExit(f"the ceiling failed: {done.stderr[-2000:]}")
    return seconds, int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--before", default=None, help="also run `letters process` as it was at this git revision")
    parser.add_argument("--cold", action="store_true", help="also run `letters process` with an empty cache each round")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ceiling", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ceiling:
        return ceiling_main(args.ceiling, str(ROOT / "templates"), args.workers)

    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        tmp = Path(tmp)
        records_dir = tmp / "records"
        paths = write_records(records_dir, records(args.records))
        warm = tmp / "cache"
        os.environ["CORRESPONDENCE_CACHE"] = str(warm)  # capture_jobs renders every letter: it fills it
        jobs = capture_jobs(paths, tmp / "scratch")
        process_arm(records_dir, tmp / "a", args.workers, None, ROOT, warm)  # and one whole run, untimed
        jobs_file = tmp / "jobs.pickle"
        jobs_file.write_bytes(pickle.dumps(jobs))
        before = checkout(args.before, tmp / "before") if args.before else None

        rows = []
        for _ in range(args.rounds):
            a_s, a_n = process_arm(records_dir, tmp / "a", args.workers, None, ROOT, warm)
            b_s, b_n = ceiling_arm(jobs_file, args.workers)
            row = {"process_s": a_s, "process_letters": a_n, "ceiling_s": b_s, "ceiling_letters": b_n,
                   "ratio": (a_n / a_s) / (b_n / b_s)}
            if before is not None:
                c_s, c_n = process_arm(records_dir, tmp / "c", args.workers, before, before)
                row.update(before_s=c_s, before_letters=c_n, before_ratio=(c_n / c_s) / (b_n / b_s))
            if args.cold:
                cold = tmp / f"cache-cold-{len(rows)}"
                d_s, d_n = process_arm(records_dir, tmp / "d", args.workers, None, ROOT, cold)
                row.update(cold_s=d_s, cold_letters=d_n, cold_ratio=(d_n / d_s) / (b_n / b_s))
            rows.append(row)
            if not args.json:
                print("  round: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                              for k, v in row.items()), file=sys.stderr)

    result = {
        "records": args.records, "letters": len(jobs), "workers": args.workers, "rounds": args.rounds,
        "load_average_after": load(),
        "process_per_ceiling": spread([r["ratio"] for r in rows]),
        "process_letters_per_s": spread([r["process_letters"] / r["process_s"] for r in rows]),
        "ceiling_letters_per_s": spread([r["ceiling_letters"] / r["ceiling_s"] for r in rows]),
    }
    if args.cold:
        result["cold_cache_per_ceiling"] = spread([r["cold_ratio"] for r in rows])
    if args.before:
        result["before"] = args.before
        result["before_per_ceiling"] = spread([r["before_ratio"] for r in rows])
        result["process_per_before"] = spread([(r["process_letters"] / r["process_s"]) /
                                               (r["before_letters"] / r["before_s"]) for r in rows])
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['letters']} letters from {args.records} records, {args.workers} worker(s), {args.rounds} rounds "
          f"interleaved (load average after: {result['load_average_after']})")
    for key in [k for k in result if isinstance(result[k], dict)]:
        s = result[key]
        print(f"  {key:<24} median {s['median']:>7}  (min {s['min']}, q1 {s['q1']}, q3 {s['q3']}, max {s['max']})")


if __name__ == "__main__":
    main()
