"""Word is the PDF: how many letters take the same number of pages in both formats.

    .venv/bin/python bench/pages_bench.py [--letters 100] [--keep FOLDER] [--json]

The letters: every letter of each record in ``examples/inbox`` on 20 November 2026 (as ``letters
render`` would make them, each to its own recipient, as if none had been issued), then the
specimens (every letter kind for every council, from the same records; then again in large
print) until --letters are made. Each is rendered in both
formats; the PDF's pages are counted with pypdf, the Word file's by converting all of them to
PDF in ONE LibreOffice run (``soffice --headless --convert-to pdf``), as a council would print
them. Prints the count that agree, and each that does not (case, letter, PDF pages, Word pages);
also which acknowledgement, extension, holding and withdrawal letters of the examples take more
than one page (letters.md: they fit one page in standard print).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 20)
ONE_PAGE_KINDS = ("acknowledgement", "extension", "holding", "withdrawal-confirmation")


def letter_jobs(limit: int) -> list[dict]:
    """(name, council, kind, context, from examples) of up to ``limit`` letters."""
    from correspondence.engine.case import case_from_record
    from correspondence.engine.due import determine
    from correspondence.engine.rules import load_rulebook
    from correspondence.letters.context import build_context
    from correspondence.letters.specimens import specimens

    book = load_rulebook(ROOT / "rules")[0]
    councils = {c: book.procedures(c) for c in book.councils}
    jobs: list[dict] = []
    for path in sorted((ROOT / "examples" / "inbox").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        case = case_from_record(record, str(path), councils)
        policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
        result = determine(case, policy, (), AS_OF)
        if result.recipient is None:
            continue
        for letter in result.letters:  # every letter of the record, as if none were issued yet
            if letter.status == "superseded":
                continue
            try:
                context = build_context(case, policy, result, letter, AS_OF)
            except (KeyError, ValueError):  # a letter sent outside the service: nothing to make
                continue
            jobs.append({"name": f"{case.case_id}_{letter.letter}_{letter.trigger}", "council": case.council,
                         "kind": letter.letter, "examples": True, "context": context})
    found = sorted(specimens(book, ROOT / "examples" / "inbox", AS_OF).items())
    for large_print in (False, True):  # then the specimens, in standard and in large print
        for (council, kind), s in found:
            if len(jobs) >= limit:
                return jobs
            context = build_context(s.case, s.policy, s.result, s.letter, AS_OF)
            context["large_print"] = context["large_print"] or large_print
            jobs.append({"name": f"specimen_{council}_{kind}{'_large' if large_print else ''}", "council": council,
                         "kind": kind, "examples": False, "context": context})
    return jobs[:limit]


def pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader
    return len(PdfReader(io.BytesIO(data)).pages)


def word_pages(docx_files: list[Path], out: Path, timeout: float = 900) -> dict[str, int]:
    """Each .docx's page count as LibreOffice prints it: one soffice run converts them all."""
    out.mkdir(parents=True, exist_ok=True)
    profile = out / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *map(str, docx_files)], check=True, capture_output=True, timeout=timeout)
    return {p.stem: pdf_pages(p.read_bytes()) for p in out.glob("*.pdf")}


def measure(limit: int, folder: Path) -> dict:
    from correspondence.letters.render import Renderer

    renderer = Renderer(ROOT / "templates")
    jobs = letter_jobs(limit)
    start = time.perf_counter()
    docx_files = []
    for job in jobs:
        rendered = renderer.render(job["council"], job["kind"], job["context"])
        job["pdf_pages"] = pdf_pages(rendered.pdf)
        (folder / f"{job['name']}.pdf").write_bytes(rendered.pdf)
        path = folder / f"{job['name']}.docx"
        path.write_bytes(rendered.docx)
        docx_files.append(path)
    rendered_in = time.perf_counter() - start
    start = time.perf_counter()
    pages = word_pages(docx_files, folder / "word")
    converted_in = time.perf_counter() - start
    differ = [(j["name"], j["pdf_pages"], pages.get(j["name"])) for j in jobs if pages.get(j["name"]) != j["pdf_pages"]]
    long_short = [(j["name"], j["pdf_pages"]) for j in jobs if j["examples"] and j["kind"] in ONE_PAGE_KINDS
                  and not j["context"]["large_print"] and j["pdf_pages"] > 1]
    return {"letters": len(jobs), "agree": len(jobs) - len(differ), "differ": differ,
            "short_letters_over_one_page": long_short,
            "pdf_pages": sum(j["pdf_pages"] for j in jobs), "word_pages": sum(pages.values()),
            "render_seconds": round(rendered_in, 1), "soffice_seconds": round(converted_in, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="write the letters here (and keep them)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("soffice") is None:
        sys.exit("pages_bench: LibreOffice (soffice) is needed to count the Word letters' pages.")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="pages-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = measure(args.letters, folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['agree']} of {result['letters']} letters take the same number of pages in Word (LibreOffice) "
          f"as in the PDF ({result['pdf_pages']} PDF pages, {result['word_pages']} Word pages; rendered in "
          f"{result['render_seconds']} s, converted in {result['soffice_seconds']} s).")
    for name, pdf, word in result["differ"]:
        print(f"  differs: {name}: PDF {pdf}, Word {word}")
    for name, pdf in result["short_letters_over_one_page"]:
        print(f"  over one page: {name}: {pdf} pages")


if __name__ == "__main__":
    main()
