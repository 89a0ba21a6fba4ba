"""Compile once: Word letters filled from a template built and compiled once per process are the
letters docxtpl makes rendering the body, inserting it as a sub-document and rendering the base,
part for part; PDFs made with the cached environment and stylesheet read the same; a template
that changes on disk is compiled again; the layout the checks read is the PDF's text."""

import os
import shutil
from datetime import date

import pytest
from conftest import EXAMPLES, ROOT, assert_same_letter, context_for, members, uncompiled_docx
from docxtpl import DocxTemplate

from correspondence.letters.content_check import compact, pdf_font_sizes, pdf_text
from correspondence.letters.context import build_context
from correspondence.letters.render import Renderer

AS_OF = date(2026, 11, 20)


def uncached_pdf(renderer: Renderer, html: str) -> bytes:
    from weasyprint import HTML
    return HTML(string=html, base_url=str(renderer.templates / "html")).write_pdf(
        stylesheets=[str(renderer.stylesheet_path)], pdf_variant="pdf/ua-1")


def test_every_word_letter_is_the_one_docxtpl_makes_from_the_files(all_specimens, renderer):
    assert len(all_specimens) >= 60
    for council, kind in sorted(all_specimens):
        ctx = context_for(all_specimens, council, kind)
        assert_same_letter(uncompiled_docx(renderer, council, kind, ctx), renderer.render_docx(council, kind, ctx))


@pytest.mark.parametrize("kind", ["outcome", "acknowledgement", "extension"])
def test_record_text_with_markup_breaks_and_tabs_gives_the_same_letter(all_specimens, renderer, kind):
    ctx = context_for(all_specimens, "warwickshire", kind)
    hostile = 'Smith & Sons <b>"quoted"</b> {{ not a tag }} {% neither %} {_{ line one\nline two\ttabbed\fpage'
    ctx["recipient"] = {**ctx["recipient"], "name": hostile, "address": [hostile, "CV34 4RL"]}
    ctx["complaint"] = {**ctx["complaint"], "summary": hostile, "points": [hostile, "", hostile]}
    ctx["officer"] = {**ctx["officer"], "job_title": hostile}
    assert_same_letter(uncompiled_docx(renderer, "warwickshire", kind, ctx), renderer.render_docx("warwickshire", kind, ctx))


def test_one_letter_after_another_shares_nothing(all_specimens, renderer):
    """Filling the compiled template leaves it as it was: letters in any order come out the same."""
    first = context_for(all_specimens, "luton", "outcome")
    second = context_for(all_specimens, "hampshire", "outcome")
    alone = renderer.render_docx("luton", "outcome", first)
    renderer.render_docx("luton", "outcome", second)
    assert_same_letter(alone, renderer.render_docx("luton", "outcome", first))


def test_the_template_is_built_once_and_again_when_a_file_changes(tmp_path, all_specimens):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    renderer = Renderer(templates)
    ctx = context_for(all_specimens, "luton", "extension")
    compiled = renderer.word_template("luton", "extension")
    renderer.render_docx("luton", "extension", ctx)
    assert renderer.word_template("luton", "extension") is compiled  # reused, not rebuilt

    # A council's own body, saved over the shared one's copy: used at once, and the same as docxtpl's.
    own = templates / "docx" / "luton" / "extension.docx"
    own.parent.mkdir()
    doc = DocxTemplate(str(templates / "docx" / "extension.docx")).get_docx()
    doc.add_paragraph("Luton adds this sentence to every extension letter.")
    doc.save(str(own))
    letter = renderer.render_docx("luton", "extension", ctx)
    assert b"Luton adds this sentence" in members(letter)["word/document.xml"]
    assert_same_letter(uncompiled_docx(renderer, "luton", "extension", ctx), letter)

    # The file edited in place (a new modification time): compiled again.
    doc.add_paragraph("And this one, added later.")
    doc.save(str(own))
    stat = own.stat()
    os.utime(own, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert b"added later" in members(renderer.render_docx("luton", "extension", ctx))["word/document.xml"]
    assert b"added later" not in members(renderer.render_docx("solihull", "extension", context_for(
        all_specimens, "solihull", "extension")))["word/document.xml"]


def test_the_prepare_hook_changes_the_built_document_once(tmp_path, monkeypatch, all_specimens):
    monkeypatch.setenv("CORRESPONDENCE_CACHE", str(tmp_path / "cache"))
    calls = []

    class Titled(Renderer):
        def word_variant(self, context):
            return bool(context["large_print"])

        def prepare_word(self, document, council, kind, variant):
            calls.append((council, kind, variant))
            document.core_properties.title = "{{ council.name }}: " + kind

    renderer = Titled(ROOT / "templates")
    ctx = context_for(all_specimens, "luton", "outcome")
    for _ in range(3):
        letter = renderer.render_docx("luton", "outcome", ctx)
    assert calls == [("luton", "outcome", bool(ctx["large_print"]))]
    assert f"<dc:title>{ctx['council']['name']}: outcome</dc:title>".encode() in members(letter)["docProps/core.xml"]

    # The next process (a new renderer) takes the compiled template from the cache: no rebuild,
    # the same letter.
    again = Titled(ROOT / "templates").render_docx("luton", "outcome", ctx)
    assert calls == [("luton", "outcome", bool(ctx["large_print"]))]
    assert_same_letter(letter, again)


@pytest.mark.parametrize("council,kind", [("warwickshire", "outcome"), ("code-2024", "extension"),
                                          ("telford-wrekin", "restriction-notice")])
def test_pdfs_read_the_same_and_the_laid_out_text_is_the_pdfs(all_specimens, renderer, council, kind):
    ctx = context_for(all_specimens, council, kind)
    html = renderer.render_html(council, kind, ctx)
    rendered = renderer.render(council, kind, ctx, ("pdf",))
    assert pdf_text(uncached_pdf(renderer, html)) == pdf_text(rendered.pdf)
    # What the render-time checks read: the PDF's own text (list bullets aside) and type sizes. The
    # letterhead and address window are placed boxes, painted (so extracted) after the body: the
    # same characters, in document order rather than paint order.
    assert sorted(compact("".join(rendered.pdf_lines))) == sorted(compact(pdf_text(rendered.pdf).replace("•", "")))
    assert rendered.pdf_sizes == pdf_font_sizes(rendered.pdf)


def test_large_print_sizes_are_read_from_the_layout(book, renderer):
    import json

    from correspondence.engine.case import case_from_record
    from correspondence.engine.due import determine

    record = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())  # asks for large print
    record.pop("representative")  # written to Ms Khan herself (to Cllr Bloggs, standard print and her copy)
    case = case_from_record(record, "x", {c: book.procedures(c) for c in book.councils})
    policy = book.policy_for(case.council, housing_tenancy=case.housing_tenancy, cse=case.cse)
    result = determine(case, policy, (), AS_OF)
    letter = result.letters[0]
    ctx = build_context(case, policy, result, letter, AS_OF)
    assert ctx["large_print"]
    rendered = renderer.render(case.council, letter.letter, ctx, ("pdf",))
    assert rendered.pdf_sizes == pdf_font_sizes(rendered.pdf) and min(rendered.pdf_sizes) >= 16
