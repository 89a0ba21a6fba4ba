"""Writing the complaints performance report: HTML, PDF, CSV and JSON (docs/report.md).

The imperative shell around :mod:`correspondence.reporting.report`: read the case store and the ledger
once, build the figures, draw the charts (:mod:`correspondence.reporting.charts`), render the HTML from
``templates/report/report.html`` in a sandbox, and write each format atomically into the
report folder. WeasyPrint is imported only for the PDF, matplotlib only for the charts.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from correspondence.common.errors import USAGE, CorrespondenceError
from correspondence.common.wording import british
from correspondence.engine.case import CaseError
from correspondence.engine.rules import RuleBook
from correspondence.reporting.compare import CODE, Comparison, compare, stage_days
from correspondence.reporting.report import (
    BODIES,
    FINDINGS,
    GROUNDS,
    NOT_RECORDED,
    OUTCOMES,
    REFUSALS,
    CouncilFigures,
    Period,
    Ratio,
    Report,
    build_report,
)
from correspondence.service import case_store, ledger

FORMATS = ("html", "pdf", "csv", "json")
CSV_COLUMNS = ["council", "procedure", "stage", "figure", "value", "denominator"]
TEMPLATE = "report.html"
STYLESHEET = "report.css"


class ReportUsageError(CorrespondenceError):
    """The command was asked for something it cannot do (one sentence)."""

    exit_code = USAGE


# --------------------------------------------------------------------------- reading

def stored_cases(book: RuleBook, outbox: Path, problems: list[str]) -> Iterable:
    """(case, letters issued) for every case in the store; a record that cannot be read is named."""
    councils = {c: book.procedures(c) for c in book.councils}
    issued = ledger.issued_by_case(outbox)
    for path in case_store.stored_cases(outbox):
        try:  # a snapshot stamped when stored is not run through the schema again
            case = case_store.load_stored(path, councils)
        except CaseError:
            problems.append(f"{path.name}: the stored record is not valid; it is left out of the report.")
            continue
        yield case, issued.get(case.case_id, [])


def signed_off_letters(outbox: Path) -> dict:
    """By case id, each letter approved from a draft: its kind, the day drafted and the day approved
    (the ledger's sign-off rows, in UTC days)."""
    from correspondence.reporting.report import SignedOff

    drafted: dict[tuple[str, str], date] = {}
    out: dict[str, list] = {}
    for row in ledger.signoff_rows(outbox):
        day = date.fromisoformat(row["at"][:10])
        if row["event"] == "drafted":
            drafted[(row["case_id"], row["stem"])] = day
        elif row["event"] == "approved":
            out.setdefault(row["case_id"], []).append(
                SignedOff(row["letter"], drafted.get((row["case_id"], row["stem"]), day), day))
    return out


def parse_period(start: datetime | date | None, end: datetime | date | None, quarter: str | None) -> Period:
    if quarter and (start or end):
        raise ReportUsageError("give either --quarter or --from and --to, not both.")
    if quarter:
        try:
            return Period.quarter(quarter)
        except ValueError:
            raise ReportUsageError(f"--quarter: expected a quarter like 2026Q3; got {quarter!r}.") from None
    if not (start and end):
        raise ReportUsageError("give the period: --from DATE and --to DATE, or --quarter such as 2026Q3.")
    def day(d):
        return d.date() if isinstance(d, datetime) else d
    period = Period(day(start), day(end))
    if period.end < period.start:
        raise ReportUsageError(f"--to ({period.end.isoformat()}) is before --from ({period.start.isoformat()}).")
    return period


def parse_formats(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ReportUsageError(f"--format: expected some of {', '.join(FORMATS)} separated by commas; got {text!r}.")
    return chosen


# --------------------------------------------------------------------------- CSV and JSON

def _ratio_value(r: Ratio) -> tuple[str, str]:
    return ("none" if not r.of else str(r.count)), str(r.of)


def csv_rows(report: Report) -> list[list[str]]:
    """One row per council, procedure, stage and figure; council-wide figures have no stage."""
    rows: list[list[str]] = []
    for block in report.councils:
        def row(stage, figure, value, denominator=""):
            rows.append([block.council, block.procedure, "" if stage is None else str(stage), figure, str(value),
                         str(denominator)])

        for s in block.stages:
            row(s.stage, "received", s.received)
            for ground in s.grounds:
                row(s.stage, f"not_accepted.{ground}", s.not_accepted[ground])
            row(s.stage, "withdrawn", s.withdrawn)
            row(s.stage, "discontinued", s.discontinued)
            for name in ("acknowledged_on_time", "responded_on_time", "responded_within_extension", "responded_late"):
                row(s.stage, name, *_ratio_value(getattr(s, name)))
            row(s.stage, "extensions.issued", s.extensions_issued)
            row(s.stage, "extensions.past_limit", s.extensions_past_limit, s.extensions_issued)
            for name, value in (("mean", s.mean_working_days), ("median", s.median_working_days)):
                row(s.stage, f"working_days_to_response.{name}", "none" if value is None else f"{value:g}",
                    len(s.working_days))
            for outcome in OUTCOMES:
                row(s.stage, f"outcomes.{outcome}", s.outcomes[outcome])
            row(s.stage, f"outcomes.{NOT_RECORDED}", s.outcomes[NOT_RECORDED])
            row(s.stage, "outcomes.upheld_or_partly", *_ratio_value(s.upheld_or_partly))
            for area, f in sorted(s.by_service_area.items()):
                row(s.stage, f"by_service_area.{area}.received", f.received)
                row(s.stage, f"by_service_area.{area}.upheld_or_partly", *_ratio_value(f.upheld_or_partly))
        for body in BODIES:
            row(None, f"ombudsman.enquiries.{body}", block.ombudsman_enquiries[body])
        for finding in FINDINGS:
            row(None, f"ombudsman.decisions.{finding}", block.ombudsman_decisions[finding])
        row(None, "ombudsman.remedies_complied", *_ratio_value(block.remedies_complied))
        row(None, "ombudsman.compensation_gbp", f"{block.compensation_gbp:.2f}")
        row(None, "restrictions.people", block.people_restricted)
        row(None, "restrictions.reviews_on_time", *_ratio_value(block.reviews_on_time))
        row(None, "signed_off.letters", sum(block.signed_off.values()))
        for kind, n in sorted(block.signed_off.items()):
            row(None, f"signed_off.{kind}", n)
        for name, value in (("mean", block.sign_off_mean), ("median", block.sign_off_median)):
            row(None, f"signed_off.working_days_waited.{name}", "none" if value is None else f"{value:g}",
                len(block.sign_off_waits))
    return rows


def render_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))  # every cell is an id, a number or "none": no formula can start one
    return buffer.getvalue().encode("utf-8")


def render_json(report: Report, comparisons: dict[str, Comparison], public: bool) -> bytes:
    data = report.to_json(public=public)
    for block in data["councils"]:
        corporate = block["procedure"] == "corporate"
        found, housing = comparisons.get(block["council"]), comparisons.get(f"{block['council']}:housing")
        block["comparison"] = found.to_json() if found and corporate else None
        block["housing_comparison"] = housing.to_json() if housing and corporate else None
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- HTML and PDF

@dataclass
class _Block:
    """What the template needs for one council and procedure."""

    figures: CouncilFigures
    charts: list
    comparison: Comparison | None
    housing: Comparison | None  # against the Housing Ombudsman Code, where the council has housing cases
    grounds: list[str]


def comparisons_for(book: RuleBook, report: Report) -> dict[str, Comparison]:
    out: dict[str, Comparison] = {}
    if CODE not in book.files:
        return out
    for block in report.councils:
        if block.council not in out:
            out[block.council] = compare(book, block.council)
        if block.housing_cases and book.floor and f"{block.council}:housing" not in out:
            out[f"{block.council}:housing"] = compare(book, block.council, housing_tenancy=True)
    return out


def _timescales(book: RuleBook, block: CouncilFigures) -> dict[int, tuple[str, str]]:
    """Each stage's response timescale in working days from its start: the council's and the Code's."""
    if CODE not in book.files:
        return {}
    mine, code = book.policy_for(block.council, block.procedure), book.policy_for(CODE)
    out = {}
    for s in block.stages:
        if s.stage > code.stages:
            continue
        days = stage_days(mine.entries, s.stage, "response")
        out[s.stage] = (f"{days} WD" if days is not None else "none", f"{stage_days(code.entries, s.stage, 'response')} WD")
    return out


def build_blocks(book: RuleBook, report: Report, comparisons: dict[str, Comparison]) -> list[_Block]:
    from correspondence.reporting import charts

    blocks = []
    for i, block in enumerate(report.councils):
        drawn = [charts.on_time(block, _timescales(book, block), f"c{i}-ontime"),
                 charts.received_by_month(block, report.counted, f"c{i}-months"),
                 charts.outcomes(block, f"c{i}-outcomes"),
                 charts.service_areas(block, f"c{i}-areas")]
        corporate = block.procedure == "corporate"
        blocks.append(_Block(block, [c for c in drawn if c is not None],
                             comparisons.get(block.council) if corporate else None,
                             comparisons.get(f"{block.council}:housing") if corporate else None, list(GROUNDS)))
    return blocks


def _environment(templates: Path):
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(loader=FileSystemLoader(str(templates / "report")), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["ratio"] = lambda r: "none" if not r.of else f"{r.count} of {r.of} ({r.percent:g}%)"
    env.filters["num"] = lambda v: "none" if v is None else f"{v:g}"
    env.filters["longdate"] = british
    env.filters["words"] = lambda s: str(s).replace("_", " ").replace("-", " ")
    return env


def render_html(book: RuleBook, report: Report, templates: Path, public: bool,
                comparisons: dict[str, Comparison], generated: date) -> str:
    css_path = templates / "report" / STYLESHEET
    context = {
        "period": report.period,
        "as_of": report.as_of,
        "blocks": build_blocks(book, report, comparisons),
        "late_letters": [] if public else report.late_letters,
        "public": public,
        "generated": generated,
        "css": css_path.read_text(encoding="utf-8") if css_path.is_file() else "",
        "outcomes": OUTCOMES,
        "refusals": REFUSALS,
        "findings": FINDINGS,
        "bodies": {"lgsco": "Local Government and Social Care Ombudsman", "hos": "Housing Ombudsman"},
        "councils": sorted({b.name for b in report.councils}),
        "council_names": {b.council: b.name for b in report.councils},
    }
    return _environment(templates).get_template(TEMPLATE).render(context)


def render_pdf(html: str, templates: Path) -> bytes:
    from correspondence.letters import weasyprint_import
    weasyprint_import.load()
    from weasyprint import HTML

    return HTML(string=html, base_url=str(templates / "report")).write_pdf(pdf_variant="pdf/ua-1")


# --------------------------------------------------------------------------- the command

def run_report(book: RuleBook, outbox: Path, templates: Path, *, start=None, end=None, quarter: str | None = None,
               councils: Iterable[str] = (), formats: str = "html,pdf", out: Path | None = None,
               public: bool = False, today: date | None = None) -> tuple[list[Path], list[str]]:
    """Build and write the report; returns the files written and the problems met (one sentence each)."""
    period = parse_period(start, end, quarter)
    chosen = parse_formats(formats)
    councils = tuple(councils)
    unknown = [c for c in councils if c not in book.files]
    if unknown:
        raise ReportUsageError(f"--council: no rules for {unknown[0]!r}; expected one of {', '.join(book.councils)}.")
    problems: list[str] = []
    today = today or date.today()
    report = build_report(book, stored_cases(book, outbox, problems), period, councils or None, as_of=today,
                          signed_off=signed_off_letters(outbox))
    problems.extend(report.problems)
    folder = Path(out) if out else Path(outbox) / "reports"
    stem = f"complaints-report-{period.start.isoformat()}-to-{period.end.isoformat()}"
    if councils:
        stem += "-" + "-".join(sorted(councils))
    if public:
        stem += "-public"
    comparisons = comparisons_for(book, report)
    written: list[Path] = []
    html = None
    for fmt in FORMATS:
        if fmt not in chosen:
            continue
        if fmt in ("html", "pdf") and html is None:
            html = render_html(book, report, templates, public, comparisons, today)
        data = {"html": lambda: html.encode("utf-8"), "pdf": lambda: render_pdf(html, templates),
                "csv": lambda: render_csv(report), "json": lambda: render_json(report, comparisons, public)}[fmt]()
        path = folder / f"{stem}.{fmt}"
        case_store.atomic_write(path, data, mode=0o644)
        written.append(path)
    return written, problems
