"""Rendering: every letter kind for every council in Word and PDF, with its required content;
escaping; strict and sandboxed templates; council overrides; PDF accessibility; large print."""

import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date

import pytest
from conftest import EXAMPLES, ROOT, ev, make
from docx import Document
from lxml import etree
from pypdf import PdfReader

from correspondence.engine.case import case_from_record
from correspondence.engine.due import determine
from correspondence.engine.required_content import required_items
from correspondence.letters.content_check import (
    compact,
    docx_text,
    flat,
    pdf_font_sizes,
    pdf_text,
    without_page_furniture,
)
from correspondence.letters.context import build_context
from correspondence.letters.render import Renderer, TemplateProblem
from correspondence.letters.specimens import LETTER_KINDS

TEMPLATES = ROOT / "templates"
AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def rendered_all(book, all_specimens, renderer):
    out = {}
    for (council, kind), s in all_specimens.items():
        ctx = build_context(s.case, s.policy, s.result, s.letter, AS_OF)
        r = renderer.render(council, kind, ctx)
        out[(council, kind)] = (ctx, flat(docx_text(r.docx)), flat(pdf_text(r.pdf)), r)
    return out


def test_every_kind_for_every_council_has_a_specimen(book, all_specimens):
    assert {(c, k) for c in book.councils for k in LETTER_KINDS} <= set(all_specimens)


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_required_content_in_both_formats(book, rendered_all, kind):
    for council in book.councils:
        ctx, word, pdf, _ = rendered_all[(council, kind)]
        # however a line or page wraps it (an email address broken in the letterhead's column, a
        # sentence running on past a page's footer)
        furniture = {"case_id": ctx["case_ref"], "required_content": [{"item": "council name", "text": ctx["council"]["name"]}]}
        for item in required_items(ctx, book.required_content):
            text = compact(item["text"])
            assert text in compact(word), (council, kind, "docx", item)
            assert text in without_page_furniture(compact(pdf), furniture), (council, kind, "pdf", item)
        for leftover in ("{{", "{%", "None", "null", "undefined"):
            assert leftover not in word and leftover not in pdf, (council, kind, leftover)


def test_ombudsman_details_follow_the_matrix(rendered_all, all_specimens):
    # A final response always carries the Ombudsman; Solihull's stage 1 response does too; Luton's
    # extension does not, unless it is a housing complaint, where the statutory Housing Ombudsman
    # Code wants the Housing Ombudsman in every extension (para 6.5).
    _, word, pdf, _ = rendered_all[("solihull", "outcome")]
    assert "0300 061 0614" in word and "CV4 0EH" in pdf
    ctx, word, pdf, _ = rendered_all[("luton", "extension")]
    if all_specimens[("luton", "extension")].case.housing_tenancy:
        assert ctx["ombudsman"]["required"] and "0300 111 3000" in word and "0300 111 3000" in pdf
    else:
        assert not ctx["ombudsman"]["required"] and "0300 061 0614" not in word and "0300 061 0614" not in pdf
    for stale in ("0845 602 1983", "024 7682 0001", "L33 7WQ", "Aldwych"):
        assert all(stale not in w and stale not in p for _, w, p, _ in rendered_all.values())


def test_tenant_final_response_names_the_housing_ombudsman(book, renderer):
    record = json.loads((EXAMPLES / "code-2026-0002.json").read_text())
    case = case_from_record(record, "code-2026-0002.json", {c: book.procedures(c) for c in book.councils})
    policy = book.policy_for("code-2024", housing_tenancy=True)
    result = determine(case, policy, (), AS_OF)
    final = next(x for x in result.letters if x.letter == "outcome" and x.stage == 2)
    r = renderer.render("code-2024", "outcome", build_context(case, policy, result, final, AS_OF))
    text = flat(pdf_text(r.pdf))
    assert "Housing Ombudsman Service" in text and "0300 111 3000" in text and "PR2 0ET" in text
    assert "Local Government and Social Care Ombudsman" not in text
    assert "This is the council's final response to your complaint" in flat(docx_text(r.docx))


def render_example(book, renderer, name, kind):
    record = json.loads((EXAMPLES / name).read_text())
    case = case_from_record(record, name, {c: book.procedures(c) for c in book.councils})
    policy = book.policy_for(case.council, housing_tenancy=case.housing_tenancy, cse=case.cse)
    result = determine(case, policy, (), AS_OF)
    letter = next(x for x in result.letters if x.letter == kind)
    ctx = build_context(case, policy, result, letter, AS_OF)
    return ctx, renderer.render(case.council, kind, ctx)


def test_representative_letters_name_the_complainant(book, renderer):
    # TWC-2026-0142 is written to Cllr Jo Bloggs (consent given) on behalf of Ms Aisha Khan.
    ctx, r = render_example(book, renderer, "twc-2026-0142.json", "outcome")
    word, pdf = flat(docx_text(r.docx)), flat(pdf_text(r.pdf))
    # letters.md, Salutations: "Cllr" is written "Councillor"
    assert "Dear Councillor Bloggs," in word and "Dear Councillor Bloggs," in pdf
    assert "Complaint made on behalf of Ms Aisha Khan" in word and "Complaint made on behalf of Ms Aisha Khan" in pdf
    assert "20 November 2026" in word and "20 November 2026" in pdf
    # docs/rules.md#how-a-letter-travels: the representative's channel, post (an address and
    # no preference for email), not the complainant's email preference
    assert "By email" not in pdf and "TF3 4JA" in pdf
    # The letter is about Ms Khan's complaint, and says who may take it further.
    for text in (word, pdf):
        assert "Our stage 1 response to Ms Khan's complaint" in text
        assert "your complaint" not in text
        assert ("If this response does not resolve the complaint, you can ask us to consider it at stage 2 of our "
                "complaints procedure on Ms Khan's behalf, or Ms Khan can ask us directly.") in text


def test_consent_request_goes_to_the_complainant(book, renderer):
    ctx, r = render_example(book, renderer, "lbc-2026-0481.json", "consent-request")
    pdf = flat(pdf_text(r.pdf))
    assert "Dear Ms Kowalczyk," in pdf and "27 Bury Park Road" in pdf
    # the record's organisation only repeats the agency's name in another order: written once
    assert ("Luton Citizens Advice has made a complaint to us on your behalf. We received it "
            "on 16 November 2026") in pdf


HOSTILE = "Fish & chips <b>bold</b> \"quoted\" 'single' {{ 7*7 }} {% if x %} 🚮 مرحبا بكم"


def hostile_record():
    rec = make("telford-wrekin", "2026-11-02", [
        ev("d1", "decision", "2026-11-10", stage=1, outcome="partly-upheld",
           findings=[{"point": HOSTILE, "finding": HOSTILE}], remedies=[HOSTILE],
           outstanding_actions=[{"action": HOSTILE, "by": "2026-12-01"}])],
        complaint={"summary": HOSTILE, "points": [HOSTILE], "outcomes_sought": [HOSTILE]})
    rec["officer"]["name"] = "Sam O'Neil & <Co>"
    return rec


@pytest.mark.parametrize("kind", ["acknowledgement", "outcome"])
def test_hostile_text_appears_literally_and_the_docx_stays_valid(book, renderer, kind):
    case = case_from_record(hostile_record(), "r.json", {c: book.procedures(c) for c in book.councils})
    policy = book.policy_for("telford-wrekin")
    result = determine(case, policy, (), AS_OF)
    letter = next(x for x in result.letters if x.letter == kind)
    r = renderer.render("telford-wrekin", kind, build_context(case, policy, result, letter, AS_OF))
    word, pdf = flat(docx_text(r.docx)), flat(pdf_text(r.pdf))
    assert HOSTILE in word
    assert HOSTILE in pdf
    assert "Sam O'Neil & <Co>" in word and "Sam O'Neil & <Co>" in pdf
    assert "49" not in word  # {{ 7*7 }} from the record is text, never evaluated
    with zipfile.ZipFile(io.BytesIO(r.docx)) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                etree.fromstring(z.read(name))  # every part is well-formed XML
    Document(io.BytesIO(r.docx))


def copy_templates(tmp_path):
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


def a_context(book, all_specimens, council="luton", kind="extension"):
    s = all_specimens[(council, kind)]
    return build_context(s.case, s.policy, s.result, s.letter, AS_OF)


def test_missing_variable_in_html_names_the_template_and_variable(tmp_path, book, all_specimens):
    templates = copy_templates(tmp_path)
    path = templates / "html" / "extension.html"
    path.write_text(path.read_text().replace("{{ extension.reason }}", "{{ extension.reason }} {{ extension.cause }}"))
    with pytest.raises(TemplateProblem) as err:
        Renderer(templates).render_html("luton", "extension", a_context(book, all_specimens))
    assert str(err.value) == f"{path}: uses 'cause', which the letter's context does not provide."


def test_missing_variable_in_word_names_the_template_and_variable(tmp_path, book, all_specimens):
    templates = copy_templates(tmp_path)
    path = templates / "docx" / "extension.docx"
    doc = Document(str(path))
    doc.add_paragraph("{{ mystery_value }}")
    doc.save(str(path))
    with pytest.raises(TemplateProblem) as err:
        Renderer(templates).render_docx("luton", "extension", a_context(book, all_specimens))
    assert str(err.value) == f"{path}: uses 'mystery_value', which the letter's context does not provide."


def test_templates_render_in_a_sandbox(tmp_path, book, all_specimens):
    templates = copy_templates(tmp_path)
    path = templates / "html" / "extension.html"
    path.write_text(path.read_text().replace("{{ extension.reason }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}"))
    with pytest.raises(TemplateProblem) as err:
        Renderer(templates).render_html("luton", "extension", a_context(book, all_specimens))
    assert "unsafe" in str(err.value) or "not safely" in str(err.value)


def test_a_council_overrides_a_template(tmp_path, book, all_specimens):
    templates = copy_templates(tmp_path)
    (templates / "html" / "luton").mkdir()
    own = (templates / "html" / "extension.html").read_text().replace(
        "<h2>Why we need more time</h2>", "<h2>Why Luton needs more time</h2>")
    (templates / "html" / "luton" / "extension.html").write_text(own)
    renderer = Renderer(templates)
    luton = renderer.render_html("luton", "extension", a_context(book, all_specimens))
    solihull = renderer.render_html("solihull", "extension", a_context(book, all_specimens, "solihull"))
    assert "Why Luton needs more time" in luton and "Why Luton needs more time" not in solihull


def test_pdf_is_a4_tagged_titled_and_british(book, renderer):
    _, r = render_example(book, renderer, "wcc-2026-0402.json", "outcome")
    reader = PdfReader(io.BytesIO(r.pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == "Our stage 1 response to your complaint"  # the letter's own title, as in Word


def test_large_print_uses_at_least_16pt(book, renderer, rendered_all):
    from correspondence.engine.recipient import copy_for

    # Ms Khan asks for large print: the letter to Cllr Bloggs is standard print, her copy large print
    ctx, standard = render_example(book, renderer, "twc-2026-0142.json", "outcome")
    assert not ctx["large_print"] and max(pdf_font_sizes(standard.pdf)) < 16
    record = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    case = case_from_record(record, "twc", {c: book.procedures(c) for c in book.councils})
    policy = book.policy_for(case.council, housing_tenancy=case.housing_tenancy, cse=case.cse)
    result = determine(case, policy, (), AS_OF)
    letter = next(x for x in result.letters if x.letter == "outcome")
    ctx = build_context(case, policy, result, letter, AS_OF, copy_for(case, result.recipient, "outcome"))
    large = renderer.render(case.council, "outcome", ctx)
    assert ctx["large_print"]
    assert min(pdf_font_sizes(large.pdf)) >= 16
    ctx, _, _, standard = rendered_all[("warwickshire", "outcome")]
    assert not ctx["large_print"] and min(pdf_font_sizes(standard.pdf)) < 16


def test_rendering_does_not_import_weasyprint_until_a_pdf_is_made():
    code = ("import sys, correspondence.letters.render, correspondence.service.issuing, correspondence.cli;"
            "print([m for m in sys.modules if m.startswith('weasyprint')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
