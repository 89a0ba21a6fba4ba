"""letters report end to end: the four formats from the case store and the ledger, no personal data
anywhere, case ids only in the late-letters appendix (and never with --public), the CSV's
columns, the PDF tagged and titled, charts with text alternatives; letters rules compare."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import COUNCILS, ROOT
from report_cases import PERSONAL, RECORDS

from correspondence.cli import cli
from correspondence.reporting.compare import compare
from correspondence.service import ledger

STEM = "complaints-report-2026-10-01-to-2026-12-31"


@pytest.fixture(scope="module")
def outbox(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    outbox = base / "outbox"
    records = []
    for rec in RECORDS:
        rec = json.loads(json.dumps(rec))
        rec["case_id"] = f"WCC-T-{rec['case_id']}"
        path = base / f"{rec['case_id']}.json"
        path.write_text(json.dumps(rec), encoding="utf-8")
        records.append(str(path))
    runner = CliRunner()
    result = runner.invoke(cli, ["store", "--outbox", str(outbox), "--rules", str(ROOT / "rules"), *records])
    assert result.exit_code == 0, result.output
    with ledger.connect(outbox) as conn:
        ledger.record(conn, "WCC-T-M", "acknowledgement", 1, "complaint", date(2026, 11, 23))
    return outbox


def _run(outbox, *args):
    result = CliRunner().invoke(cli, ["report", "--outbox", str(outbox), "--rules", str(ROOT / "rules"),
                                                      "--templates", str(ROOT / "templates"), "--as-of", "2027-01-15",
                                                      *args])
    return result


@pytest.fixture(scope="module")
def written(outbox):
    result = _run(outbox, "--quarter", "2026Q4", "--format", "html,pdf,csv,json")
    assert result.exit_code == 0, (result.output, result.stderr)
    folder = outbox / "reports"
    assert result.stdout.split() == [str(folder / f"{STEM}.{ext}") for ext in ("html", "pdf", "csv", "json")]
    return folder


@pytest.fixture(scope="module")
def public(outbox):
    result = _run(outbox, "--from", "2026-10-01", "--to", "2026-12-31", "--format", "html,pdf,csv,json", "--public")
    assert result.exit_code == 0, (result.output, result.stderr)
    return outbox / "reports"


def _pdf_text(path) -> str:
    from pdfminer.high_level import extract_text
    return extract_text(str(path))


def _all_text(folder, stem) -> dict[str, str]:
    return {ext: (_pdf_text(folder / f"{stem}.pdf") if ext == "pdf" else (folder / f"{stem}.{ext}").read_text("utf-8"))
            for ext in ("html", "pdf", "csv", "json")}


def test_no_personal_data_in_any_format(written, public):
    for folder, stem in ((written, STEM), (public, STEM + "-public")):
        for ext, text in _all_text(folder, stem).items():
            folded = " ".join(text.split()).lower()
            for value in PERSONAL:
                assert value.lower() not in folded, f"{ext} holds {value!r}"


def test_case_ids_only_in_the_late_letters_appendix(written):
    html = (written / f"{STEM}.html").read_text("utf-8")
    before, appendix = html.split('<h2 id="late">', 1)
    assert "WCC-T-" not in before
    # B's acknowledgement and outcome, K's refusal, H's not-accepted letter and M's outcome
    ids = re.findall(r'<li><span class="case">(WCC-T-[A-Z])</span>', appendix)
    assert ids == ["WCC-T-B", "WCC-T-B", "WCC-T-K", "WCC-T-H", "WCC-T-M"]
    assert ('<li><span class="case">WCC-T-B</span>: acknowledgement, stage 1, due 13 October 2026; '
            'sent 14 October 2026, 1 working day late.</li>') in appendix
    assert ('<li><span class="case">WCC-T-H</span>: not accepted, due 12 November 2026; '
            'not sent by 31 December 2026, 33 working days late.</li>') in appendix
    assert "WCC-T-" not in (written / f"{STEM}.csv").read_text("utf-8")
    pdf = _pdf_text(written / f"{STEM}.pdf")
    assert pdf.index("WCC-T-B") > pdf.index("Appendix: late letters")
    data = json.loads((written / f"{STEM}.json").read_text("utf-8"))
    assert [x["case_id"] for x in data["late_letters"]] == ["WCC-T-B", "WCC-T-B", "WCC-T-K", "WCC-T-H", "WCC-T-M"]
    assert "WCC-T-" not in json.dumps(data["councils"])


def test_public_report_holds_no_case_id(public):
    for ext, text in _all_text(public, STEM + "-public").items():
        assert "WCC-T-" not in text, ext
    assert "late_letters" not in json.loads((public / f"{STEM}-public.json").read_text("utf-8"))


def test_csv_columns_and_rows(written):
    rows = list(csv.reader(io.StringIO((written / f"{STEM}.csv").read_text("utf-8"))))
    assert rows[0] == ["council", "procedure", "stage", "figure", "value", "denominator"]
    table = {(r[2], r[3]): (r[4], r[5]) for r in rows[1:]}
    assert {r[0] for r in rows[1:]} == {"warwickshire"} and {r[1] for r in rows[1:]} == {"corporate"}
    assert table[("1", "received")] == ("11", "")
    assert table[("1", "acknowledged_on_time")] == ("5", "6")
    assert table[("1", "responded_on_time")] == ("1", "4")
    assert table[("1", "responded_within_extension")] == ("1", "4")
    assert table[("1", "responded_late")] == ("2", "4")
    assert table[("1", "not_accepted.out-of-time")] == ("1", "")
    assert table[("1", "working_days_to_response.mean")] == ("15.7", "3")
    assert table[("1", "working_days_to_response.median")] == ("13", "3")
    assert table[("1", "by_service_area.Highways.upheld_or_partly")] == ("1", "2")
    assert table[("2", "not_accepted.out-of-window")] == ("1", "")
    assert table[("2", "not_accepted.refused")] == ("1", "")
    assert table[("2", "withdrawn")] == ("0", "")
    assert table[("2", "by_service_area.Highways.upheld_or_partly")] == ("none", "0")  # nothing to count: none
    assert table[("", "ombudsman.decisions.fault-injustice")] == ("1", "")
    assert table[("", "ombudsman.compensation_gbp")] == ("250.00", "")
    assert table[("", "restrictions.reviews_on_time")] == ("1", "2")


def test_json_shape(written):
    data = json.loads((written / f"{STEM}.json").read_text("utf-8"))
    assert data["period"] == {"from": "2026-10-01", "to": "2026-12-31"}
    block = data["councils"][0]
    assert (block["council"], block["procedure"]) == ("warwickshire", "corporate")
    s1 = block["stages"][0]
    assert s1["stage"] == 1 and s1["received"] == 11
    assert s1["acknowledged_on_time"] == {"count": 5, "of": 6}
    assert s1["responded_late"] == {"count": 2, "of": 4}
    assert block["ombudsman"]["remedies_complied"] == {"count": 1, "of": 1}
    assert block["comparison"]["council"] == "warwickshire"


def test_html_reads_as_a_report(written):
    html = (written / f"{STEM}.html").read_text("utf-8")
    assert "<title>Complaints performance report, 1 October 2026 to 31 December 2026</title>" in html
    assert '<html lang="en-GB">' in html
    # four charts, each an SVG named for assistive technology, with its description as a caption too
    svgs = re.findall(r'<svg role="img" aria-labelledby="(c0-[a-z]+-t)"', html)
    assert len(svgs) == 4
    assert ("<desc id=\"c0-ontime-d\">Stage 1 acknowledgement: 5 of 6 (83.3%) on time; Stage 1 response: "
            "1 of 4 (25%) on time; Stage 2 acknowledgement: 1 of 1 (100%) on time; Stage 2 response: "
            "1 of 1 (100%) on time.</desc>") in html
    assert "Complaints received (stage 1): Oct 2026: 7; Nov 2026: 4; Dec 2026: 0." in html
    # the self-assessment, with a blank column for the council's commentary
    assert "Council&#39;s commentary" in html or "Council's commentary" in html
    assert html.count('<td class="commentary"></td>') == 15
    # learning, in the council's words
    assert "Explain fees before enrolment." in html
    # nothing to count is "none", never 0%
    assert "0 of 0" not in html


def test_pdf_is_tagged_titled_and_shows_the_figures(written):
    from pypdf import PdfReader

    reader = PdfReader(str(written / f"{STEM}.pdf"))
    assert reader.metadata.title == "Complaints performance report, 1 October 2026 to 31 December 2026"
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    figures = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"])
    # the four charts are tagged figures whose text alternative gives their numbers
    assert len(figures) == 4
    assert figures[1] == ("Complaints received by month: Warwickshire County Council. Complaints received (stage 1): "
                          "Oct 2026: 7; Nov 2026: 4; Dec 2026: 0.")
    text = " ".join(_pdf_text(written / f"{STEM}.pdf").split())
    assert "5 of 6 (83.3%)" in text
    assert "Warwickshire County Council" in text


def test_report_over_the_examples_quarter(tmp_path):
    """The issue's acceptance: the stored examples, 2026Q4, all four formats."""
    outbox = tmp_path / "outbox"
    runner = CliRunner()
    stored = runner.invoke(cli, ["store", "--outbox", str(outbox), *map(str, sorted((ROOT / "examples" / "inbox").glob("*.json")))])
    assert stored.exit_code == 0, stored.stderr
    result = _run(outbox, "--quarter", "2026Q4", "--format", "csv,json")
    assert result.exit_code == 0, result.stderr
    data = json.loads((outbox / "reports" / f"{STEM}.json").read_text("utf-8"))
    examples = {json.loads(p.read_text("utf-8"))["council"] for p in (ROOT / "examples" / "inbox").glob("*.json")}
    assert {c["council"] for c in data["councils"]} == examples


@pytest.mark.parametrize("args, words", [
    ([], "give the period"),
    (["--quarter", "2026Q5"], "expected a quarter like 2026Q3"),
    (["--quarter", "2026Q4", "--from", "2026-10-01"], "not both"),
    (["--from", "2026-12-01", "--to", "2026-10-01"], "is before --from"),
    (["--quarter", "2026Q4", "--format", "html,docx"], "--format"),
    (["--quarter", "2026Q4", "--council", "atlantis"], "no rules for 'atlantis'"),
])
def test_usage_errors(tmp_path, args, words):
    result = _run(tmp_path / "outbox", *args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("council", COUNCILS)
def test_rules_compare_runs_for_every_council(council):
    result = CliRunner().invoke(cli, ["rules", "compare", council, "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.stderr
    assert "Stage 1 response" in result.stdout
    data = json.loads(CliRunner().invoke(
        cli, ["rules", "compare", council, "--json", "--rules", str(ROOT / "rules")]).stdout)
    assert {r["verdict"] for r in data["rows"]} <= {"meets", "stricter", "falls short"}
    assert all(r["code_cite"] for r in data["rows"])


def test_compare_verdicts(book):
    """Timescales in working days from the stage's start; the Code's stage 1 response is 10 WD after
    an acknowledgement due 5 WD after receipt: 15."""
    rows = {r.provision: r for r in compare(book, "warwickshire").rows}
    assert rows["stage1.response"].verdict == "stricter"  # 10 WD after receipt < 15
    assert rows["stage1.extension_limit"].verdict == "falls short"  # 30 WD > 25
    assert rows["stage2.response"].verdict == "falls short"  # 30 WD after the request > 25
    assert rows["stage2.extension_limit"].verdict == "falls short"  # no limit set
    assert rows["ombudsman.in_extension"].verdict == "meets"  # always, as the Code (6.5)
    assert rows["stage1.acknowledgement"].council_cite.endswith("(the policy is silent; the Code's value applies)")
    rows = {r.provision: r for r in compare(book, "solihull").rows}
    assert rows["limits.time_limit"].verdict == "stricter"  # no time limit: accepts older complaints
    assert rows["stage2.response"].verdict == "stricter"  # 10 WD after the request < 25
    assert rows["ombudsman.in_stage_outcome"].verdict == "stricter"
    rows = {r.provision: r for r in compare(book, "hampshire").rows}
    assert rows["procedure.stages"].verdict == "falls short"  # three stages; the Code has two
    assert {r.verdict for r in compare(book, "code-2024").rows} == {"meets"}


def test_rules_compare_unknown_council():
    result = CliRunner().invoke(cli, ["rules", "compare", "atlantis", "--rules", str(ROOT / "rules")])
    assert result.exit_code == 2 and "No rules for 'atlantis'" in result.stderr


def test_a_stored_record_that_cannot_be_read_is_named_and_left_out(tmp_path):
    outbox = tmp_path / "outbox"
    rec = json.loads(json.dumps(RECORDS[0]))
    rec["case_id"] = "WCC-T-A"
    path = tmp_path / "a.json"
    path.write_text(json.dumps(rec), encoding="utf-8")
    assert CliRunner().invoke(cli, ["store", "--outbox", str(outbox), str(path)]).exit_code == 0
    (outbox / ".cases" / "WCC-T-Z.json").write_text('{"format": "complaint-case/1", "case_id": ', encoding="utf-8")
    result = _run(outbox, "--quarter", "2026Q4", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.strip() == "WCC-T-Z.json: the stored record is not valid; it is left out of the report."
    data = json.loads((outbox / "reports" / f"{STEM}.json").read_text("utf-8"))
    assert data["councils"][0]["stages"][0]["received"] == 1  # A was counted


@pytest.mark.parametrize("args, expected", [
    (["due", "--case-file", str(ROOT / "examples" / "inbox" / "twc-2026-0142.json"), "--json"], []),
    (["report", "--quarter", "2026Q4", "--format", "csv,json"], []),
    (["report", "--quarter", "2026Q4", "--format", "html"], ["matplotlib"]),
])
def test_heavy_libraries_only_where_used(tmp_path, args, expected):
    """matplotlib only for a report's charts, WeasyPrint only for its PDF; never for letters due."""
    import subprocess
    import sys

    examples = sorted(map(str, (ROOT / "examples" / "inbox").glob("*.json")))
    assert CliRunner().invoke(cli, ["store", "--outbox", str(tmp_path), *examples]).exit_code == 0
    argv = ["letters", *args, "--rules", str(ROOT / "rules"), "--outbox", str(tmp_path)]
    code = (f"import sys; from correspondence.cli import main; sys.argv={argv!r}\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & {'weasyprint', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip().endswith(f"HEAVY {expected!r}")


def test_record_text_is_data_in_every_format(tmp_path):
    """A service area written to break HTML, SVG or matplotlib's mathtext is shown as text."""
    outbox = tmp_path / "outbox"
    hostile = "<script>alert(1)</script> & $x^2$ =1+1"
    rec = json.loads(json.dumps(RECORDS[0]))
    rec.update(case_id="WCC-T-X", service_area=hostile)
    path = tmp_path / "x.json"
    path.write_text(json.dumps(rec), encoding="utf-8")
    assert CliRunner().invoke(cli, ["store", "--outbox", str(outbox), str(path)]).exit_code == 0
    result = _run(outbox, "--quarter", "2026Q4", "--format", "html,csv")
    assert result.exit_code == 0, result.stderr
    html = (outbox / "reports" / f"{STEM}.html").read_text("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; $x^2$ =1+1" in html  # the table and the chart's text
    rows = list(csv.reader(io.StringIO((outbox / "reports" / f"{STEM}.csv").read_text("utf-8"))))
    assert [r[3:5] for r in rows if r[3] == f"by_service_area.{hostile}.received"] == [[f"by_service_area.{hostile}.received", "1"]]


def test_compare_housing_against_the_statutory_code(book):
    """Luton's own housing values against hos-2024: its 6-month limit falls short of the Code's 12
    (Part 1 §6; the Code's para 2.3); 15 WD from receipt meets 10 after an acknowledgement due in 5."""
    result = compare(book, "luton", housing_tenancy=True)
    assert (result.code, result.housing_tenancy) == ("hos-2024", True)
    rows = {r.provision: r for r in result.rows}
    assert "procedure.stages" not in rows  # the statutory Code file sets no stage count to compare
    assert (rows["limits.time_limit"].council_value, rows["limits.time_limit"].verdict) == (
        "6 months from when the complainant first knew", "falls short")
    assert rows["limits.time_limit"].code_cite.startswith("Housing Ombudsman Complaint Handling Code 2024 para 2.3")
    assert rows["stage1.response"].verdict == "meets"
    assert rows["stage1.acknowledgement"].verdict == "stricter"  # 3 WD < 5
    assert rows["ombudsman.in_extension"].verdict == "meets"  # the council's own: always, as the Code (6.5)
    assert rows["ombudsman.body"].verdict == "meets"
    result = CliRunner().invoke(cli, ["rules", "compare", "telford-wrekin", "--housing-tenancy", "--json",
                                      "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0 and json.loads(result.stdout)["code"] == "hos-2024"


def test_report_adds_the_housing_comparison_where_there_are_housing_cases(tmp_path):
    outbox = tmp_path / "outbox"
    rec = json.loads(json.dumps(RECORDS[0]))
    rec.update(case_id="LBC-T-1", council="luton", housing_tenancy=True)
    path = tmp_path / "h.json"
    path.write_text(json.dumps(rec), encoding="utf-8")
    assert CliRunner().invoke(cli, ["store", "--outbox", str(outbox), str(path)]).exit_code == 0
    result = _run(outbox, "--quarter", "2026Q4", "--format", "html,json")
    assert result.exit_code == 0, result.stderr
    html = (outbox / "reports" / f"{STEM}.html").read_text("utf-8")
    assert "Self-assessment: the policy against the Complaint Handling Code 2024</h3>" in html
    assert ("Self-assessment: the policy against the Housing Ombudsman Complaint Handling Code 2024, "
            "for housing complaints</h3>") in html
    block = json.loads((outbox / "reports" / f"{STEM}.json").read_text("utf-8"))["councils"][0]
    assert block["housing_comparison"]["code"] == "hos-2024" and block["comparison"]["code"] == "code-2024"
