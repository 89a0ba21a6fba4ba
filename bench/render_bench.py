"""Letters per second, Word and PDF: this project's renderer against plain docxtpl and plain
WeasyPrint rendering the same letters, measured in the same run.

    .venv/bin/python bench/render_bench.py [--records 300] [--json]

Records are the bundled examples copied under new case ids until there are --records of them;
every letter each one needs (issued ones too) is rendered. "Plain" means what a developer would
write without this project: docxtpl's DocxTemplate(...).render(context) of one Word template per
letter, and weasyprint.HTML(string=...).write_pdf() with the stylesheet given by path each time.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from correspondence.case import case_from_record  # noqa: E402
from correspondence.context import build_context  # noqa: E402
from correspondence.due import determine  # noqa: E402
from correspondence.render import Renderer  # noqa: E402
from correspondence.rules import load_rulebook  # noqa: E402

AS_OF = date(2026, 11, 20)


def letters_to_render(count: int):
    book = load_rulebook(ROOT / "rules")[0]
    councils = {c: book.procedures(c) for c in book.councils}
    examples = [json.loads(p.read_text()) for p in sorted((ROOT / "examples" / "inbox").glob("*.json"))]
    jobs = []
    for i in range(count):
        record = copy.deepcopy(examples[i % len(examples)])
        record["case_id"] = f"{record['case_id']}-B{i:04d}"
        case = case_from_record(record, "bench", councils)
        policy = book.policy_for(case.council, housing_tenancy=case.housing_tenancy, cse=case.cse)
        result = determine(case, policy, (), AS_OF)
        if result.recipient is None:
            continue
        for letter in result.letters:
            jobs.append((case.council, letter.letter, build_context(case, policy, result, letter, AS_OF)))
    return jobs


def timed(fn, jobs) -> float:
    start = time.perf_counter()
    for job in jobs:
        fn(*job)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from docxtpl import DocxTemplate
    from weasyprint import HTML

    jobs = letters_to_render(args.records)
    renderer = Renderer(ROOT / "templates")
    css_path = str(ROOT / "templates" / "html" / "letter.css")

    def ours_docx(council, kind, ctx):
        renderer.render_docx(council, kind, ctx)

    def ours_pdf(council, kind, ctx):
        renderer.render_pdf(renderer.render_html(council, kind, ctx))

    def plain_docx(council, kind, ctx):
        tpl = DocxTemplate(str(ROOT / "templates" / "docx" / f"{kind}.docx"))
        tpl.render(ctx)
        tpl.save(io.BytesIO())

    html_of = {id(ctx): renderer.render_html(council, kind, ctx) for council, kind, ctx in jobs}

    def plain_pdf(council, kind, ctx):
        HTML(string=html_of[id(ctx)], base_url=str(ROOT / "templates" / "html")).write_pdf(stylesheets=[css_path])

    ours_pdf(*jobs[0]), plain_pdf(*jobs[0])  # warm both up (imports, font discovery) before timing
    results = {}
    for name, fn in (("docx", ours_docx), ("docx_plain", plain_docx), ("pdf", ours_pdf), ("pdf_plain", plain_pdf)):
        seconds = timed(fn, jobs)
        results[name] = {"letters": len(jobs), "seconds": round(seconds, 2), "letters_per_second": round(len(jobs) / seconds, 2)}
    results["ratio_docx"] = round(results["docx"]["letters_per_second"] / results["docx_plain"]["letters_per_second"], 2)
    results["ratio_pdf"] = round(results["pdf"]["letters_per_second"] / results["pdf_plain"]["letters_per_second"], 2)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{len(jobs)} letters from {args.records} records")
    for name in ("docx", "docx_plain", "pdf", "pdf_plain"):
        r = results[name]
        print(f"  {name:<11} {r['letters_per_second']:>7} letters/s  ({r['seconds']} s)")
    print(f"  Word: this renderer / plain docxtpl   = {results['ratio_docx']}")
    print(f"  PDF:  this renderer / plain WeasyPrint = {results['ratio_pdf']}")


if __name__ == "__main__":
    main()
