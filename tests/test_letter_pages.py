"""Letters as pages (letters.md, Formats): Word at the PDF's level, fit to post through GOV.UK
Notify, page breaks a complaints manager would sign, table headers a screen reader can use.

Every kind for every council is rendered as a postal letter, normal and large print, and read
back with pdfminer; the Word letters are opened with LibreOffice (as a council would print them)
and read back the same way."""

import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, LONG, ROOT, RULES, lengthen, postal
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from correspondence.cli import cli
from correspondence.letters.content_check import compact, docx_smallest_size
from correspondence.letters.context import build_context
from correspondence.letters.fit_to_post import layout_problems, text_lines
from correspondence.letters.pdf_tags import table_headers
from correspondence.letters.render import Renderer
from correspondence.letters.specimens import LETTER_KINDS

AS_OF = date(2026, 11, 20)
HAS_SOFFICE = shutil.which("soffice") is not None


def base_context(all_specimens, council, kind):
    s = all_specimens[(council, kind)]
    return build_context(s.case, s.policy, s.result, s.letter, AS_OF)


# --------------------------------------------------------------------------- fit to post

@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_every_kind_for_every_council_fits_notify_as_a_postal_letter(book, all_specimens, renderer, kind):
    for council in book.councils:
        for large_print in (False, True):
            ctx = postal(base_context(all_specimens, council, kind), large_print)
            pdf = renderer.render(council, kind, ctx, ("pdf",)).pdf
            assert layout_problems(pdf, postal=True) == [], (council, kind, large_print)
            fonts = {str(f.get_object()["/BaseFont"]) for p in PdfReader(io.BytesIO(pdf)).pages
                     for f in p["/Resources"]["/Font"].values()}
            assert all("Liberation-Sans" in f or "LiberationSans" in f for f in fonts), fonts  # one family


def test_the_layout_check_names_the_zone_a_letter_breaks(tmp_path, book, all_specimens):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    css = templates / "html" / "letter.css"
    # The body starting 65 mm down puts the references in the band under the address window.
    css.write_text(css.read_text().replace(".first-page { position: relative; height: 90mm;",
                                           ".first-page { position: relative; height: 60mm;"))
    ctx = postal(base_context(all_specimens, "luton", "extension"), False)
    problems = layout_problems(Renderer(templates).render("luton", "extension", ctx, ("pdf",)).pdf)
    assert any(p.startswith("page 1: text in the band between the address window and the body (which starts 95 mm down)")
               for p in problems), problems
    # An address that is not a postal one (no postcode, two lines) is named too, never quoted.
    ctx["recipient"]["window"] = ["Mx Alex Taylor", "Somewhere"]
    problems = layout_problems(Renderer(ROOT / "templates").render("luton", "extension", ctx, ("pdf",)).pdf)
    assert problems == ["page 1: the address window holds 2 lines; a postal address needs 3 to 7.",
                        "page 1: the last line in the address window is not a real UK postcode (one of Royal "
                        "Mail's postcode areas, such as CV34 4RL)."]
    assert not any("Taylor" in p for p in problems)


def test_letters_check_reports_a_letter_not_fit_to_post(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    css = templates / "html" / "letter.css"
    css.write_text(css.read_text().replace(".letterhead { position: absolute; left: 110mm;",
                                           ".letterhead { position: absolute; left: 60mm;"))
    outbox = tmp_path / "outbox"
    args = ["--rules", str(RULES), "--templates", str(templates), "--outbox", str(outbox)]
    CliRunner().invoke(cli, ["render", "--case-file", str(EXAMPLES / "lbc-2026-0456.json"), "--as-of", "2026-11-20", *args])
    # Checked as it is made: never filed for posting, held as a draft with a layout hold (sign-off.md)
    folder = outbox / "LBC-2026-0456"
    assert not list(folder.glob("*.pdf"))
    manifest = next((folder / "drafts").glob("*consent-request*.json"))
    layout = next(h["sentence"] for h in json.loads(manifest.read_text())["holds"] if h["code"] == "layout")
    assert "Page 1: text crosses the edge of the address window" in layout or "Page 1: text above the body" in layout
    result = CliRunner().invoke(cli, ["check", *args])
    assert result.exit_code == 0, result.output  # a draft's known hold fails no check
    assert "held for sign-off: layout" in result.output
    # The same letter filed as issued (a template changed after it went) fails letters check.
    draft = json.loads(manifest.read_text())
    for ext in ("docx", "pdf"):
        shutil.copy(folder / "drafts" / draft["files"][ext], folder / draft["files"][ext])
    del draft["status"], draft["holds"]
    (folder / manifest.name).write_text(json.dumps(draft))
    result = CliRunner().invoke(cli, ["check", str(folder / manifest.name), *args])
    assert result.exit_code == 1
    assert "not fit to post: page 1: text crosses the edge of the address window" in result.output \
        or "not fit to post: page 1: text above the body" in result.output, result.output


# --------------------------------------------------------------------------- page breaks

def body_lines(pdf: bytes):
    """Each page's lines above its footer, in order."""
    lines, sizes = text_lines(pdf)
    pages: dict[int, list] = {n: [] for n in range(1, len(sizes) + 1)}
    for line in lines:
        if line.box[1] < 297 - 18 + 1:  # above the bottom margin (the footer sits in it)
            pages[line.page].append(line)
    for page in pages.values():
        page.sort(key=lambda x: (round(x.box[1]), x.box[0]))
    return pages


def assert_breaks_well(pdf: bytes, where) -> None:
    pages = body_lines(pdf)
    body_size = min(line.size for page in pages.values() for line in page if line.box[1] > 95)
    closing = [(n, i) for n, page in pages.items() for i, line in enumerate(page)
               if compact(line.text).startswith("Yourssincerely")]
    assert len(closing) == 1, where
    number, index = closing[0]
    page = pages[number]
    # The closing keeps with the paragraph before it: some of the letter's text is above it on its page.
    assert index > 0 and page[index - 1].box[1] > (95 if number == 1 else 15), where
    # Room for a handwritten signature: at least 15 mm between "Yours sincerely," and the name.
    assert page[index + 1].box[1] - page[index].box[3] >= 15, where
    for n, page in pages.items():
        if n == len(pages) or not page:
            continue
        last = page[-1]
        assert last.size <= body_size + 0.5, (where, n, "a heading ends the page")
        assert compact(last.text) not in ("ActionBy", "Action"), (where, n, "a table's header row ends the page")


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_no_page_holds_only_the_closing_and_no_heading_ends_a_page(book, all_specimens, renderer, kind):
    councils = book.councils
    council = councils[LETTER_KINDS.index(kind) % len(councils)]
    for large_print in (False, True):
        for long in (False, True):
            ctx = postal(base_context(all_specimens, council, kind), large_print)
            ctx = lengthen(ctx) if long else ctx
            pdf = renderer.render(council, kind, ctx, ("pdf",)).pdf
            assert_breaks_well(pdf, (council, kind, large_print, long))
            if long:
                assert layout_problems(pdf) == [], (council, kind, large_print)


def test_a_table_over_a_page_break_repeats_its_header(book, all_specimens, renderer):
    ctx = postal(base_context(all_specimens, "hampshire", "outcome"), True)
    ctx["outcome"]["actions"] = [{"action": f"{LONG} ({i})", "by": "18\u00a0December\u00a02026"} for i in range(8)]
    pdf = renderer.render("hampshire", "outcome", ctx, ("pdf",)).pdf
    pages = body_lines(pdf)
    with_rows = [n for n, page in pages.items() if any("(3)" in line.text or "(6)" in line.text for line in page)]
    assert len(with_rows) >= 2
    for n in with_rows:
        assert any(compact(line.text) in ("ActionBy", "Action") for line in pages[n]), n


# --------------------------------------------------------------------------- Word at the PDF's level

def core(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("docProps/core.xml").decode() + z.read("docProps/app.xml").decode()


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_word_letters_are_titled_styled_and_large_when_asked(book, all_specimens, renderer, kind):
    council = book.councils[LETTER_KINDS.index(kind) % len(book.councils)]
    for large_print in (False, True):
        ctx = postal(base_context(all_specimens, council, kind), large_print)
        data = renderer.render(council, kind, ctx, ("docx",)).docx
        doc = Document(io.BytesIO(data))
        props = doc.core_properties
        assert props.title == ctx["letter"]["title"] and props.author == ctx["council"]["name"]
        assert props.language == "en-GB" and "python-docx" not in core(data)
        assert not any(name.startswith("docProps/thumbnail") for name in zipfile.ZipFile(io.BytesIO(data)).namelist())
        # en-GB and one font on every style and the defaults
        styles = doc.styles.element
        for rpr in [styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")] + [
                s.find(qn("w:rPr")) for s in styles.findall(qn("w:style"))]:
            assert rpr is not None and rpr.find(qn("w:lang")).get(qn("w:val")) == "en-GB"
            assert rpr.find(qn("w:rFonts")).get(qn("w:ascii")) == "Liberation Sans"
        # real, bold headings: the title a Heading 1, sections Heading 2
        headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
        assert headings[0] == ("Heading 1", ctx["letter"]["title"])
        assert all(doc.styles[name].font.bold for name, _ in headings)
        assert doc.styles["Heading 1"].paragraph_format.keep_with_next
        # the letterhead on page 1 only; a footer with council, reference and Page N of M on every page
        section = doc.sections[0]
        assert section.different_first_page_header_footer
        assert not "".join(p.text for p in section.header.paragraphs).strip()
        letterhead = "".join(c.text for t in section.first_page_header.tables for r in t.rows for c in r.cells)
        assert ctx["council"]["name"] in letterhead
        for footer in (section.footer, section.first_page_footer):
            xml = footer._element.xml
            label = "Ref" if large_print else "Our reference"  # at 16pt the footer's one line holds "Ref"
            assert f" · {label} {ctx['case_ref']}" in xml and 'w:instr="PAGE"' in xml and 'w:instr="NUMPAGES"' in xml
        smallest = docx_smallest_size(data)
        assert smallest >= 16 if large_print else smallest < 16, (council, kind, large_print, smallest)


@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice is not installed")
def test_word_letters_opened_in_libreoffice_fit_notify_and_break_well(tmp_path, book, all_specimens, renderer):
    """One of each kind (councils in turn), normal and large print, and long letters, as a council
    would open and print the Word files."""
    made = {}
    for i, kind in enumerate(LETTER_KINDS):
        council = book.councils[i % len(book.councils)]
        for large_print in (False, True):
            for long in ((False, True) if kind in ("outcome", "restriction-notice") else (False,)):
                ctx = postal(base_context(all_specimens, council, kind), large_print)
                ctx = lengthen(ctx) if long else ctx
                name = f"{council}-{kind}-{int(large_print)}{int(long)}"
                (tmp_path / f"{name}.docx").write_bytes(renderer.render(council, kind, ctx, ("docx",)).docx)
                made[name] = (council, kind, large_print, long)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *sorted(str(p) for p in tmp_path.glob("*.docx"))], check=True, capture_output=True, timeout=400)
    for name, where in made.items():
        pdf = (tmp_path / "pdf" / f"{name}.pdf").read_bytes()
        assert layout_problems(pdf) == [], where
        assert_breaks_well(pdf, where)
        fonts = {str(f.get_object()["/BaseFont"]) for p in PdfReader(io.BytesIO(pdf)).pages
                 for f in p["/Resources"]["/Font"].values()}
        assert all("Liberation-Sans" in f or "LiberationSans" in f for f in fonts), (where, fonts)
        lines = text_lines(pdf)[0]
        if where[2]:
            sizes = {line.size for line in lines}
            assert min(sizes) >= 16 - 0.1, (where, min(sizes))
        # The footer's "Page N of M" ends at the right margin (210 - 15 mm), as in the PDF letters,
        # clear of the reference however long it is.
        pages = [line for line in lines if re.search(r"Page\s*\d+\s*of\s*\d+$", line.text)]
        assert pages and all(193 <= line.box[2] <= 195.5 for line in pages), (where, [(p.text, p.box) for p in pages])


# --------------------------------------------------------------------------- PDF/UA

def test_table_header_cells_carry_a_scope_and_the_references_are_not_a_table(book, all_specimens, renderer):
    ctx = base_context(all_specimens, "hampshire", "outcome")
    assert ctx["outcome"]["actions"]
    scopes = table_headers(renderer.render("hampshire", "outcome", ctx, ("pdf",)).pdf)
    assert scopes == ["Column", "Column"]  # "Action" and "By", read back from the structure tree
    ctx = base_context(all_specimens, "hampshire", "acknowledgement")
    assert table_headers(renderer.render("hampshire", "acknowledgement", ctx, ("pdf",)).pdf) == []


def test_a_header_that_starts_a_row_of_data_is_a_row_header(renderer):
    html = ("<html lang='en-GB'><head><title>t</title></head><body><table>"
            "<tr><th>Point</th><th>Finding</th></tr>"
            "<tr><th scope='row'>1</th><td>Upheld</td></tr>"
            "<tr><th scope='row'>2</th><td>Not upheld</td></tr></table></body></html>")
    assert table_headers(renderer.render_pdf(html)) == ["Column", "Column", "Row", "Row"]


def test_the_word_templates_are_the_ones_built_from_the_html_templates(tmp_path):
    """The Word and PDF letters carry the same words: after editing an HTML template, rebuild the
    Word ones with 'python -m correspondence.letters.word_template_builder'."""
    from correspondence.letters.word_template_builder import build

    shutil.copytree(ROOT / "templates" / "html", tmp_path / "html")
    (tmp_path / "docx").mkdir()
    for built in build(tmp_path):
        committed = ROOT / "templates" / "docx" / built.name
        with zipfile.ZipFile(built) as a, zipfile.ZipFile(committed) as b:
            assert a.namelist() == b.namelist(), built.name
            for member in a.namelist():
                assert canonical(member, a.read(member)) == canonical(member, b.read(member)), (
                    built.name, member, "stale: run python -m correspondence.letters.word_template_builder")


def canonical(member: str, data: bytes) -> bytes:
    """XML parts compared as canonical XML (an empty element is an empty element however written)."""
    if not member.endswith((".xml", ".rels")):
        return data
    from lxml import etree
    return etree.tostring(etree.fromstring(data), method="c14n")


# GOV.UK Notify's postal-address rules (notifications-utils, PostalAddress.valid), each broken by one
# address, as the rendered letter's window reads back.
@pytest.mark.parametrize("window, sentence", [
    # AN is no postcode area (Royal Mail's areas: AB, AL, B, BA ...), though "AN1 1AA" looks like a postcode.
    (["Ms Joy Mensah", "8 Elm Walk", "Anytown", "AN1 1AA"],
     "page 1: the last line in the address window is not a real UK postcode (one of Royal Mail's postcode "
     "areas, such as CV34 4RL)."),
    # A unit's letters are never C, I, K, M, O or V: "1AC" is no unit.
    (["Ms Joy Mensah", "8 Elm Walk", "Birmingham", "B31 2AC"],
     "page 1: the last line in the address window is not a real UK postcode (one of Royal Mail's postcode "
     "areas, such as CV34 4RL)."),
    (["Ms Joy Mensah", "(Flat 2)", "8 Elm Walk", "Birmingham", "B31 2TU"],
     "page 1: line 2 of the address starts with '(', which Notify does not accept at the start of an "
     "address line."),
    (["Ms Joy Mensah", "-- --", "Birmingham", "B31 2TU"],
     "page 1: the first two lines of the address need a letter or a digit each."),
    (["Ms Joy Mensah", "No fixed abode", "Birmingham", "B31 2TU"],
     "page 1: the address says no fixed abode; Notify posts no letter to one."),
])
def test_an_address_notify_would_not_post_is_named_in_one_sentence(all_specimens, window, sentence):
    ctx = postal(base_context(all_specimens, "luton", "extension"), False)
    ctx["recipient"]["window"] = window
    problems = layout_problems(Renderer(ROOT / "templates").render("luton", "extension", ctx, ("pdf",)).pdf)
    assert problems == [sentence]
    assert not any("Mensah" in p or "Elm" in p for p in problems)


@pytest.mark.parametrize("window", [
    ["Ms Joy Mensah", "8 Elm Walk", "St Albans", "AL1 3JE"],
    # A last line naming the United Kingdom is set aside, as Notify does.
    ["Ms Joy Mensah", "8 Elm Walk", "St Albans", "AL1 3JE", "United Kingdom"],
    ["Ms Joy Mensah", "8 Elm Walk", "Birmingham", "b31 2tu"],
])
def test_an_address_notify_would_post_passes(all_specimens, window):
    ctx = postal(base_context(all_specimens, "luton", "extension"), False)
    ctx["recipient"]["window"] = window
    assert layout_problems(Renderer(ROOT / "templates").render("luton", "extension", ctx, ("pdf",)).pdf) == []
