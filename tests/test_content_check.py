"""letters check, and the checks at render time, against deliberately broken letters."""

import json
import shutil
import sqlite3

import pytest
from conftest import EXAMPLES, TEMPLATES, invoke
from docx import Document


def render(name, outbox, templates=TEMPLATES, as_of="2026-11-20"):
    return invoke("render", "--case-file", str(EXAMPLES / name), "--as-of", as_of, outbox=outbox, templates=templates)


def ledger_rows(outbox):
    path = outbox / "ledger.sqlite3"
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT letter, stage, trigger FROM letters").fetchall()


@pytest.fixture
def broken(tmp_path):
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


def edit(path, old, new):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_check_passes_on_an_outbox_rendered_from_the_examples(tmp_path):
    for record in sorted(EXAMPLES.glob("*.json")):
        assert render(record.name, tmp_path).exit_code == 0
    result = invoke("check", outbox=tmp_path)
    assert result.exit_code == 0, result.output
    # the drafts held for sign-off are checked too, and named as drafts
    drafts = len(list(tmp_path.glob("*/drafts/*.json")))
    assert drafts >= 9
    assert result.output.strip().endswith(f"letters checked ({drafts} of them drafts awaiting sign-off): each carries "
                                          f"its required content.")
    report = json.loads(invoke("check", "--json", outbox=tmp_path).output)
    assert report["passed"] and report["failures"] == [] and report["letters"] >= 14


def test_a_letter_without_the_ombudsman_block_is_kept_aside_not_issued(tmp_path, broken):
    base = broken / "html" / "_base.html"
    text = base.read_text()
    start = text.index("{% if ombudsman.required %}")
    end = text.index("</section>\n{% endif %}", start) + len("</section>\n{% endif %}")
    base.write_text(text[:start] + text[end:])
    outbox = tmp_path / "outbox"
    result = render("hcc-2026-1120.json", outbox, broken)  # not accepted: the Ombudsman's details are mandatory
    assert result.exit_code == 1
    folder = outbox / "HCC-2026-1120"
    stem = "2026-11-20_not-accepted_complaint"
    assert f"{folder / 'failed' / stem}.pdf" not in result.output
    assert f"{stem}.pdf: not-accepted (complaint): missing Ombudsman telephone: \"0300 061 0614\"" in result.output
    assert "the two formats differ: Ombudsman telephone is in one but not the other" in result.output
    assert sorted(p.name for p in (folder / "failed").iterdir()) == [f"{stem}.docx", f"{stem}.json", f"{stem}.pdf",
                                                                     f"{stem}.report.txt"]
    assert "missing Ombudsman postcode: \"CV4 0EH\"" in (folder / "failed" / f"{stem}.report.txt").read_text()
    assert not list(folder.glob("*.pdf"))
    assert ledger_rows(outbox) == []  # not counted as issued: still due
    due = json.loads(invoke("due", "HCC-2026-1120", "--as-of", "2026-11-20", "--json", outbox=outbox).output)
    assert due["letters"][0]["status"] == "overdue"


def test_a_letter_without_its_response_date_is_caught(tmp_path, broken):
    edit(broken / "html" / "acknowledgement.html", "by <strong>{{ acknowledgement.response_date }}</strong>", "soon")
    result = render("twc-2026-0201.json", tmp_path / "outbox", broken)
    assert result.exit_code == 1
    assert ("2026-11-20_acknowledgement-s1_complaint.pdf: acknowledgement stage 1 (complaint): "
            "missing response date: \"4 December 2026\"") in result.output


def test_a_tag_left_unrendered_is_caught(tmp_path, broken):
    edit(broken / "html" / "withdrawal-confirmation.html", "We can reopen the complaint.",
         "We can reopen the complaint. {{ '{{' }} officer.phone }}")
    result = render("wcc-2026-0355.json", tmp_path / "outbox", broken)
    assert result.exit_code == 1
    assert "withdrawal-confirmation (e2): leftover template syntax '{{'" in result.output


def test_the_housing_ombudsman_swapped_for_the_lgsco_on_a_tenants_final_response(tmp_path, broken):
    own = broken / "html" / "code-2024"
    own.mkdir()
    base = (broken / "html" / "_base.html").read_text()
    for field, lgsco in (("name", "Local Government and Social Care Ombudsman"), ("phone", "0300 061 0614"),
                         ("web", "www.lgo.org.uk"), ('address | join(", ")', "PO Box 4771, Coventry, CV4 0EH")):
        base = base.replace("{{ ombudsman." + field + " }}", lgsco)
    (own / "_base.html").write_text(base)
    result = render("code-2026-0002.json", tmp_path / "outbox", broken)  # a council tenant's stage 2 response
    assert result.exit_code == 1
    assert "outcome stage 2 (e6): missing Ombudsman telephone: \"0300 111 3000\"" in result.output
    assert "outcome stage 2 (e6): missing Ombudsman postcode: \"PR2 0ET\"" in result.output


def test_large_print_below_16pt_is_caught(tmp_path, broken):
    edit(broken / "html" / "letter.css", "body.large-print { font-size: 16pt;", "body.large-print { font-size: 12pt;")
    result = render("twc-2026-0142.json", tmp_path / "outbox", broken)
    assert result.exit_code == 1
    assert "large print needs 16pt text or more; the smallest is 12pt" in result.output


def test_an_ombudsman_phone_deleted_by_hand_from_the_word_file(tmp_path):
    outbox = tmp_path / "outbox"
    assert render("smbc-2026-0090.json", outbox).exit_code == 0  # an escalation refusal: Ombudsman mandatory
    # held for sign-off (Solihull signs off its escalation refusals): the draft is checked as a letter is
    docx = outbox / "SMBC-2026-0090" / "drafts" / "2026-11-20_escalation-refusal-s2_e5.docx"
    doc = Document(str(docx))
    for paragraph in doc.paragraphs:
        for run in paragraph.runs:
            run.text = run.text.replace("0300\u00a0061\u00a00614", "")  # kept on one line in letters
    doc.save(str(docx))
    result = invoke("check", outbox=outbox)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{docx}: escalation-refusal stage 2 (e5, a draft awaiting sign-off): missing Ombudsman telephone: "
        f"\"0300 061 0614\" "
        f"(docs/rules.md, Where the Ombudsman's details are mandatory)")
    report = json.loads(invoke("check", str(docx), "--json", outbox=outbox).output)
    assert report["passed"] is False and report["failures"][0]["file"] == str(docx)


def test_an_out_of_date_detail_typed_into_a_letter(tmp_path):
    outbox = tmp_path / "outbox"
    assert render("lbc-2026-0470.json", outbox).exit_code == 0
    docx = next((outbox / "LBC-2026-0470" / "drafts").glob("*not-accepted*.docx"))
    doc = Document(str(docx))
    doc.add_paragraph("Or call the Ombudsman on 0845 602 1983.")
    doc.save(str(docx))
    result = invoke("check", str(outbox / "LBC-2026-0470"), outbox=outbox)
    assert result.exit_code == 1
    assert "an out-of-date Ombudsman detail ('08456021983', listed under retired in ombudsmen.toml)" in result.output
