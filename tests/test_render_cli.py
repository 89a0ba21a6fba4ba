"""letters render and letters templates check, end to end: files, manifests, the ledger."""

import json
import os
import shutil
import sqlite3
import subprocess

import pytest
from conftest import EXAMPLES, RULES, TEMPLATES, invoke, sign_off_all, without_copies
from docx import Document

from correspondence.letters.content_check import flat, pdf_text


def ledger_rows(outbox):
    with sqlite3.connect(outbox / "ledger.sqlite3") as conn:
        return conn.execute("SELECT case_id, letter, stage, trigger, letter_date FROM letters ORDER BY letter").fetchall()


def test_render_writes_each_due_letter_once(tmp_path):
    record = EXAMPLES / "twc-2026-0201.json"  # CSE: acknowledgement and consent request both due
    first = invoke("render", "--case-file", str(record), "--as-of", "2026-11-20", outbox=tmp_path)
    assert first.exit_code == 0, first.output
    folder = tmp_path / "TWC-2026-0201"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["2026-11-20_acknowledgement-s1_complaint.docx", "2026-11-20_acknowledgement-s1_complaint.json",
                     "2026-11-20_acknowledgement-s1_complaint.pdf", "2026-11-20_consent-request_complaint.docx",
                     "2026-11-20_consent-request_complaint.json", "2026-11-20_consent-request_complaint.pdf"]
    assert first.output.splitlines() == [str(folder / n) for n in
                                         [names[0], names[2], names[1], names[3], names[5], names[4]]]
    assert ledger_rows(tmp_path) == [("TWC-2026-0201", "acknowledgement", 1, "complaint", "2026-11-20"),
                                     ("TWC-2026-0201", "consent-request", 0, "complaint", "2026-11-20")]
    again = invoke("render", "TWC-2026-0201", "--as-of", "2026-11-21", outbox=tmp_path)
    assert again.exit_code == 0
    assert again.output.strip() == "TWC-2026-0201: no letter is due that has not been issued."
    assert len(list(folder.iterdir())) == 6 and len(ledger_rows(tmp_path)) == 2
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_manifest(tmp_path):
    invoke("render", "--case-file", str(EXAMPLES / "twc-2026-0142.json"), "--as-of", "2026-11-20", outbox=tmp_path)
    sign_off_all(tmp_path, "2026-11-20")  # Telford signs off its outcomes (the service default)
    manifest = json.loads((tmp_path / "TWC-2026-0142" / "2026-11-20_outcome-s1_e7.json").read_text())
    assert {k: manifest[k] for k in ("case_id", "council", "letter", "stage", "trigger", "letter_date", "due")} == {
        "case_id": "TWC-2026-0142", "council": "telford-wrekin", "letter": "outcome", "stage": 1, "trigger": "e7",
        "letter_date": "2026-11-20", "due": "2026-11-18"}
    assert manifest["recipient"] == {"role": "representative", "name": "Cllr Jo Bloggs", "channel": "post",
                                     "on_behalf_of": "Ms Aisha Khan"}
    assert manifest["files"] == {"docx": "2026-11-20_outcome-s1_e7.docx", "pdf": "2026-11-20_outcome-s1_e7.pdf"}
    assert set(manifest["rules"]) == {"rules/telford-wrekin.toml", "rules/code-2024.toml", "rules/ombudsmen.toml",
                                      "rules/required-content.toml"}
    assert "templates/docx/outcome.docx" in manifest["templates"] and "templates/html/_base.html" in manifest["templates"]
    assert all(len(h) == 64 for h in list(manifest["rules"].values()) + list(manifest["templates"].values()))
    items = {i["item"]: i["text"] for i in manifest["required_content"]}
    assert items["case reference"] == "TWC-2026-0142" and items["letter date"] == "20 November 2026"
    assert items["outstanding action date 1"] == "18 December 2026"
    # The outcome went out today by first-class post (the representative's channel), deemed
    # received the next WD, Mon 23 Nov 2026; the window runs 20 WD from then:
    # 24-27 (4), 30 Nov-4 Dec (9), 7-11 (14), 14-18 (19), Mon 21 Dec (20).
    assert items["escalation window closes"] == "21 December 2026"
    pdf = flat(pdf_text((tmp_path / "TWC-2026-0142" / "2026-11-20_outcome-s1_e7.pdf").read_bytes()))
    assert "Please send the request by 21 December 2026." in pdf
    assert manifest["signed_off_by"] == "Alex Manager" and manifest["holds_cleared"] == ["kind"]


def test_next_clocks_use_the_real_letter_date(tmp_path):
    invoke("render", "--case-file", str(EXAMPLES / "twc-2026-0142.json"), "--as-of", "2026-11-20", outbox=tmp_path)
    sign_off_all(tmp_path, "2026-11-20")
    due = json.loads(invoke("due", "TWC-2026-0142", "--as-of", "2026-11-23", "--json", outbox=tmp_path).output)
    # sent Fri 20 Nov first class, received Mon 23 Nov, window closes Mon 21 Dec (test_manifest)
    assert {"kind": "escalation-window", "stage": 1, "date": "2026-12-21"} in due["deadlines"]
    assert [x["status"] for x in due["letters"]] == ["issued", "issued"]


def test_dry_run_writes_nothing(tmp_path):
    result = invoke("render", "--case-file", str(EXAMPLES / "wcc-2026-0402.json"), "--as-of", "2026-11-20", "--dry-run",
                    outbox=tmp_path)
    assert result.exit_code == 0
    assert result.output.strip() == (f"would write {tmp_path / 'WCC-2026-0402' / '2026-11-20_restriction-review_e8'}.docx, "
                                     f".pdf and .json (restriction-review, due 2026-11-25)")
    assert not tmp_path.joinpath("WCC-2026-0402").exists() and not tmp_path.joinpath("ledger.sqlite3").exists()


def test_letter_option_renders_one_kind(tmp_path):
    result = invoke("render", "--case-file", str(EXAMPLES / "twc-2026-0201.json"), "--as-of", "2026-11-20",
                    "--letter", "consent-request", outbox=tmp_path)
    assert result.exit_code == 0
    assert [r[1] for r in ledger_rows(tmp_path)] == ["consent-request"]


def test_anonymous_case_writes_nothing_and_says_why(tmp_path):
    result = invoke("render", "--case-file", str(EXAMPLES / "hcc-2026-1131.json"), "--as-of", "2026-11-20", outbox=tmp_path)
    assert result.exit_code == 0
    assert "HCC-2026-1131: Anonymous complaint: no letter can be sent" in result.output
    assert not (tmp_path / "HCC-2026-1131").exists()


def test_every_example_renders(tmp_path):
    for record in sorted(EXAMPLES.glob("*.json")):
        result = invoke("render", "--case-file", str(record), "--as-of", "2026-11-20", outbox=tmp_path)
        assert result.exit_code == 0, (record.name, result.output)
    # a complainant's large-print copy (TWC-2026-0142's Ms Khan) sits beside its letter, set aside here
    pdfs = without_copies(list(tmp_path.glob("*/*.pdf")) + list(tmp_path.glob("*/drafts/*.pdf")))
    manifests = [p for p in [*tmp_path.glob("*/*.json"), *tmp_path.glob("*/drafts/*.json")]
                 if not p.parent.name.startswith(".")]
    docx = without_copies(list(tmp_path.glob("*/*.docx")) + list(tmp_path.glob("*/drafts/*.docx")))
    assert len(pdfs) == len(docx) == len(manifests) >= 14
    for record in sorted(EXAMPLES.glob("*.json")):
        assert invoke("render", "--case-file", str(record), "--as-of", "2026-11-20", outbox=tmp_path).exit_code == 0
    # rendering twice issues nothing new, and drafts nothing twice
    assert sorted(without_copies(list(tmp_path.glob("*/*.pdf")) + list(tmp_path.glob("*/drafts/*.pdf")))) == sorted(pdfs)


def test_a_template_problem_is_one_sentence_and_files_nothing(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "html" / "acknowledgement.html"
    path.write_text(path.read_text().replace("{{ officer.subject }} will look", "{{ officer.nickname }} will look"))
    outbox = tmp_path / "outbox"
    result = invoke("render", "--case-file", str(EXAMPLES / "twc-2026-0201.json"), "--as-of", "2026-11-20",
                    outbox=outbox, templates=templates)
    assert result.exit_code == 1
    assert result.output.strip() == f"{path}: uses 'nickname', which the letter's context does not provide."
    assert not (outbox / "TWC-2026-0201").exists() or not any((outbox / "TWC-2026-0201").glob("*acknowledgement*"))


def test_templates_check_passes(tmp_path):
    result = invoke("templates", "check", "--as-of", "2026-11-20", outbox=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Templates valid: 72 letters rendered in Word and PDF (12 kinds for 6 councils)."


def test_templates_check_names_a_bad_html_template(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "html" / "holding.html"
    path.write_text(path.read_text().replace("{{ holding.reason }}", "{{ hold_reason }}"))
    result = invoke("templates", "check", outbox=tmp_path, templates=templates)
    assert result.exit_code == 1
    assert f"{path}: uses 'hold_reason', which the letter context does not provide." in result.output


def test_a_template_saved_in_another_encoding_is_one_sentence(tmp_path):
    # A council's own template saved as Windows-1252 ("café" is one byte, 0xE9): the file and what
    # was expected, from render and from templates check; never a traceback.
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    own = templates / "html" / "telford-wrekin"
    own.mkdir()
    path = own / "outcome.html"
    path.write_bytes('{% extends "_base.html" %}{% block body %}<p>Caf\u00e9.</p>{% endblock %}'.encode("cp1252"))
    sentence = f"{path}: is not UTF-8 text (byte 49 cannot be read); expected a template saved as UTF-8."
    result = invoke("render", "--case-file", str(EXAMPLES / "twc-2026-0142.json"), "--as-of", "2026-11-20",
                    outbox=tmp_path / "outbox", templates=templates)
    assert result.exit_code == 1 and result.output.strip() == sentence, result.output
    assert not list((tmp_path / "outbox").glob("*/*.pdf"))
    result = invoke("templates", "check", outbox=tmp_path / "outbox", templates=templates)
    assert result.exit_code == 1 and result.output.splitlines()[0] == sentence, result.output
    assert "Traceback" not in result.output


def render_hcc(templates, outbox):
    """letters render in a process of its own, given a minute: a template that blocks it fails the test."""
    import sys
    done = subprocess.run([sys.executable, "-m", "correspondence.cli", "render", "--case-file",
                           str(EXAMPLES / "hcc-2026-1120.json"), "--as-of", "2026-11-20", "--rules", str(RULES),
                           "--templates", str(templates), "--outbox", str(outbox)],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("what", ["fifo", "folder"])
@pytest.mark.parametrize("name", ["docx/_base.docx", "docx/not-accepted.docx", "html/letter.css"])
def test_a_shared_template_that_is_not_a_file_is_one_sentence_not_a_hang(tmp_path, name, what):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / name
    path.unlink()
    os.mkfifo(path) if what == "fifo" else path.mkdir()
    code, output = render_hcc(templates, tmp_path / "outbox")
    expected = "the letters' stylesheet" if name.endswith(".css") else "a Word template (.docx)"
    assert code == 1 and output.strip() == f"{path}: is not a file; expected {expected}.", output
    assert not list((tmp_path / "outbox").glob("HCC-2026-1120/*"))  # no letter, whole or half
    if not name.endswith(".css"):
        result = invoke("templates", "check", outbox=tmp_path / "outbox", templates=templates)
        assert result.exit_code == 1 and result.output.splitlines()[0] == f"{path}: is not a file; expected {expected}."


def test_a_word_template_half_written_is_one_sentence(tmp_path):
    # Saved in place by a slow copy: the first 40% of the package so far.
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "docx" / "_base.docx"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 5])
    code, output = render_hcc(templates, tmp_path / "outbox")
    assert code == 1, output
    assert output.strip() == (f"{path}: cannot be read as a Word document; expected a .docx file saved whole "
                              "by Word or LibreOffice."), output


def test_a_stylesheet_saved_in_another_encoding_is_one_sentence(tmp_path):
    # Latin-1: WeasyPrint would read the footer's "\u00a9" as something else, silently.
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "html" / "letter.css"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(("/* \u00a9 the council */\n" + text).encode("latin-1"))
    code, output = render_hcc(templates, tmp_path / "outbox")
    assert code == 1 and output.strip() == (
        f"{path}: is not UTF-8 text (byte 4 cannot be read); expected a stylesheet saved as UTF-8."), output
    path.write_bytes(("\ufeff/* \u00a9 the council */\n" + text).encode("utf-8"))  # UTF-8 with a BOM is UTF-8
    code, output = render_hcc(templates, tmp_path / "outbox")
    assert code == 0, output


def test_templates_check_names_a_bad_word_template_and_accepts_curly_quotes(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "docx" / "restriction-review.docx"
    doc = Document(str(path))
    text = doc.paragraphs[-1].text
    doc.paragraphs[-1].runs[0].text = text.replace('"', "\u201c", 1).replace('"', "\u201d", 1) if '"' in text else text
    doc.add_paragraph("{%p if review.outcome == \u201clifted\u201d %}")  # Word's curly quotes inside a tag
    doc.add_paragraph("Lifted.")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ reviewer }}")
    doc.save(str(path))
    result = invoke("templates", "check", outbox=tmp_path, templates=templates)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[0] == f"{path}: uses 'reviewer', which the letter context does not provide."


def test_word_letters_open_in_libreoffice(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run installs libreoffice-writer-nogui")
        pytest.skip("LibreOffice is not installed on this machine")
    outbox = tmp_path / "outbox"
    for name in ("twc-2026-0142.json", "wcc-2026-0402.json", "lbc-2026-0470.json", "hcc-2026-1120.json"):
        invoke("render", "--case-file", str(EXAMPLES / name), "--as-of", "2026-11-20", outbox=outbox)
    sample = sorted([*outbox.glob("*/*.docx"), *outbox.glob("*/drafts/*.docx")])  # these four are drafts, held
    assert len(sample) >= 4
    converted = tmp_path / "converted"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--convert-to", "pdf", "--outdir", str(converted), *map(str, sample)],
                   check=True, capture_output=True, timeout=300)
    for docx in sample:
        pdf = converted / (docx.stem + ".pdf")
        assert pdf.exists(), docx.name
        text = flat(pdf_text(pdf.read_bytes()))
        case_id = docx.relative_to(outbox).parts[0]
        assert case_id in text and "Yours sincerely" in text


def test_a_late_acknowledgement_quotes_the_response_date_from_its_real_date(tmp_path):
    # TWC-2026-0201 received Mon 16 Nov 2026; ack due Wed 18 Nov but sent Fri 20 Nov.
    # Telford's response runs 10 WD from the ack actually sent: 23-27 (5), 30 Nov - 4 Dec (10) -> Fri 4 Dec
    # (not Wed 2 Dec, counted from the due date).
    invoke("render", "--case-file", str(EXAMPLES / "twc-2026-0201.json"), "--as-of", "2026-11-20", outbox=tmp_path)
    pdf = flat(pdf_text((tmp_path / "TWC-2026-0201" / "2026-11-20_acknowledgement-s1_complaint.pdf").read_bytes()))
    assert "We will send our full response by 4 December 2026." in pdf
    due = json.loads(invoke("due", "TWC-2026-0201", "--as-of", "2026-11-23", "--json", outbox=tmp_path).output)
    assert {"kind": "response", "stage": 1, "date": "2026-12-04"} in due["deadlines"]
