"""Letters a print house accepts, with the Word file the same as the PDF (issue 21, points 5-7;
letters.md, Formats; letters.md, Layout).

The letters of the examples and the specimens (every kind for every council) are rendered once
in both formats; the Word files are printed through LibreOffice in ONE soffice run (module
fixture), and both PDFs read back: page counts, where lines break, boxes, fonts."""

import copy
import io
import re
import subprocess
import sys
import zipfile
from datetime import date, datetime, timezone

import pytest
from conftest import ROOT, make, run
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from correspondence.letters.content_check import compact, docx_xml_text
from correspondence.letters.context import build_context
from correspondence.letters.fit_to_post import text_lines

sys.path.insert(0, str(ROOT / "bench"))
import pages_bench  # noqa: E402  (the letters of the examples and the specimens, as the benchmark makes them)

AS_OF = date(2026, 11, 20)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = re.compile(rf"\b\d{{1,2}}[ \u00a0](?:{MONTHS})[ \u00a0]\d{{4}}\b")
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?[ \u00a0][0-9][A-Z]{2}\b")
PHONE = re.compile(r"(?<![\w\u00a0])0\d{2,4}(?:[ \u00a0]\d{3,6}){1,2}(?![\w])")
ONE_PAGE_KINDS = ("acknowledgement", "extension", "holding", "withdrawal-confirmation")


@pytest.fixture(scope="module")
def printed(tmp_path_factory, renderer):
    """100 letters of the examples and the specimens: each job with its PDF, its .docx and the
    Word file printed by LibreOffice (all converted in one soffice run)."""
    folder = tmp_path_factory.mktemp("printed")
    jobs = pages_bench.letter_jobs(100)
    for job in jobs:
        rendered = renderer.render(job["council"], job["kind"], job["context"])
        job["pdf"], job["docx"] = rendered.pdf, rendered.docx
        (folder / f"{job['name']}.docx").write_bytes(rendered.docx)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(folder / "word"), *sorted(str(p) for p in folder.glob("*.docx"))],
                   check=True, capture_output=True, timeout=600)
    for job in jobs:
        job["word_pdf"] = (folder / "word" / f"{job['name']}.pdf").read_bytes()
    return jobs


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


# --------------------------------------------------------------------------- 6. Word is the PDF

def test_word_takes_the_pdfs_pages_in_at_least_95_of_100_letters(printed):
    assert len(printed) == 100
    differ = [(j["name"], pages(j["pdf"]), pages(j["word_pdf"])) for j in printed if pages(j["pdf"]) != pages(j["word_pdf"])]
    assert len(differ) <= 5, differ


def boxed_lines(pdf: bytes) -> list[str]:
    """The text of every line with a drawn edge above, below, left and right of it (a box)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTCurve, LTTextLine

    found = []
    for page in extract_pages(io.BytesIO(pdf)):
        edges, lines = [], []

        def walk(element):
            if isinstance(element, LTTextLine):
                lines.append(element)
            elif isinstance(element, LTCurve):  # rectangles and lines are curves too: their sides
                x0, y0, x1, y1 = element.bbox
                edges.extend([(x0, y1, x1, y1), (x0, y0, x1, y0), (x0, y0, x0, y1), (x1, y0, x1, y1)])
            elif hasattr(element, "__iter__"):
                for child in element:
                    walk(child)
        walk(page)
        for line in lines:
            x0, y0, x1, y1 = line.bbox
            above = any(e[1] >= y1 - 1 and e[0] <= x0 and e[2] >= x1 for e in edges)
            below = any(e[3] <= y0 + 1 and e[0] <= x0 and e[2] >= x1 for e in edges)
            left = any(e[2] <= x0 + 1 and e[1] <= y0 and e[3] >= y1 for e in edges)
            right = any(e[0] >= x1 - 1 and e[1] <= y0 and e[3] >= y1 for e in edges)
            if above and below and left and right:
                found.append(compact(line.get_text()))
    return found


def test_the_word_letter_draws_the_ombudsman_box_the_pdf_draws(printed):
    with_ombudsman = [j for j in printed if j["context"]["ombudsman"]["required"]]
    assert len(with_ombudsman) >= 20
    for job in with_ombudsman:
        heading = compact(f"The {job['context']['ombudsman']['name']}")
        for fmt in ("pdf", "word_pdf"):
            assert heading in boxed_lines(job[fmt]), (job["name"], fmt)
    # and no box in either where the letter has no Ombudsman paragraph and no table
    plain = [j for j in printed if not j["context"]["ombudsman"]["required"] and j["kind"] != "outcome"][:10]
    for job in plain:
        assert boxed_lines(job["pdf"]) == boxed_lines(job["word_pdf"]) == [], job["name"]


def test_the_word_letters_created_and_modified_are_the_letters_date(printed):
    for job in printed[:10]:
        props = Document(io.BytesIO(job["docx"])).core_properties
        assert props.created == props.modified == datetime(2026, 11, 20, tzinfo=timezone.utc), job["name"]


def test_the_word_letters_properties_name_the_program_that_made_them(printed):
    # Not python-docx's starting document: a reader of File > Properties sees no "Normal.dotm" template
    # and no "Microsoft Macintosh Word" for a letter no Word wrote.
    for job in printed[:10]:
        with zipfile.ZipFile(io.BytesIO(job["docx"])) as docx:
            app = docx.read("docProps/app.xml").decode()
        assert "<Application>correspondence</Application>" in app, job["name"]
        assert "Normal.dotm" not in app and "Microsoft" not in app, job["name"]


# --------------------------------------------------------------------------- 5. layout a print house accepts

def test_the_short_letters_of_the_examples_fit_one_page(printed):
    short = [j for j in printed if j["examples"] and j["kind"] in ONE_PAGE_KINDS and not j["context"]["large_print"]]
    assert len(short) >= 35
    # Every one, in both formats (letters.md, Layout): the PDF, and the Word letter as LibreOffice prints it.
    assert [j["name"] for j in short if pages(j["pdf"]) != 1] == []
    assert [j["name"] for j in short if pages(j["word_pdf"]) != 1] == []


def lone_words(pdf: bytes) -> list[str]:
    """Words set alone on a line in the middle of a paragraph: after a full line, before a line that
    goes on with the sentence (WeasyPrint's line breaking can do this after a bold date and before an
    address in one paragraph)."""
    lines = [line for line in text_lines(pdf)[0] if line.box[1] > 95]
    found = []
    for before, line, after in zip(lines, lines[1:], lines[2:]):
        same_paragraph = (before.page == line.page == after.page
                          and line.box[1] - before.box[1] < 5.2 and after.box[1] - line.box[1] < 5.2)
        one_word = " " not in line.text.strip() and line.box[2] - line.box[0] < 25  # mm
        if (same_paragraph and one_word and before.box[2] > 150
                and after.text.strip()[:1].islower()):
            found.append(f"{before.text[-20:]!r} / {line.text!r} / {after.text[:20]!r}")
    return found


def test_no_word_stands_alone_on_a_line_in_the_middle_of_a_paragraph(printed):
    assert {j["name"]: lone_words(j["pdf"]) for j in printed if lone_words(j["pdf"])} == {}


def test_the_signature_never_stands_alone_on_a_page(printed):
    for job in printed:
        for fmt in ("pdf", "word_pdf"):
            lines, _ = text_lines(job[fmt])
            closing = [line for line in lines if compact(line.text).startswith("Yourssincerely")]
            assert len(closing) == 1, (job["name"], fmt)
            page, top = closing[0].page, closing[0].box[1]
            before = [line for line in lines if line.page == page and line.box[1] < top - 1
                      and (page > 1 and line.box[1] > 15 or line.box[1] > 95)]
            assert before, (job["name"], fmt, "the signature starts a page")


def test_the_offer_of_other_formats_is_one_line_under_the_signature(printed):
    for job in printed[:20]:
        lines, _ = text_lines(job["pdf"])
        texts = [compact(line.text) for line in lines]
        offer = next(i for i, t in enumerate(texts) if t.startswith("Wecanprovidethisletterin"))
        signature_end = max(i for i, t in enumerate(texts) if compact(job["context"]["officer"]["name"]) in t
                            and i < offer)
        assert offer > signature_end and not any(t.startswith("Ifyouneedthisletter") for t in texts), job["name"]
        gap = lines[offer].box[1] - lines[offer - 1].box[3]
        height = lines[offer].box[3] - lines[offer].box[1]
        assert 0.5 * height <= gap <= 2 * height, (job["name"], gap, height)  # one blank line between them


def test_the_offer_of_other_formats_points_to_the_signature_s_contact_and_never_repeats_it(printed):
    """Review F2: the officer's email given in the body, in the signature and again in the offer."""
    checked = 0
    for job in printed:
        officer = job["context"]["officer"]
        if not (officer["email"] or officer["phone"]):
            continue
        for fmt, lines in (("pdf", text_lines(job["pdf"])[0]), ("word", text_lines(job["word_pdf"])[0])):
            text = "".join(compact(line.text) for line in lines)
            offer = text[text.index(compact("We can provide this letter in")):]
            assert compact(f"Please ask {officer['ask']}, whose contact details are above.") in offer, (job["name"], fmt)
            assert compact(officer["contact"]) not in offer, (job["name"], fmt)
        checked += 1
    assert checked >= 90


def long_values(ctx: dict) -> dict:
    """The letter with every date, postcode, phone and address it prints pushed to line ends:
    long texts before each in the summary, large print."""
    ctx = copy.deepcopy(ctx)
    ctx["large_print"] = True
    filler = "We have looked again at every record and note of the visits made to the property and "
    pieces = ["30\u00a0November\u00a02026", "CV34\u00a04RL", "01926\u00a0414102",
              "customer.\u200brelationship@\u200btelford.\u200bgov.\u200buk"]
    ctx["complaint"]["summary"] = " ".join(filler[: 7 + 3 * i] + p for i, p in enumerate(pieces * 6))
    return ctx


def line_texts_pdf(pdf: bytes) -> list[str]:
    return [line.text.replace("\u00a0", " ") for line in text_lines(pdf)[0]]


def assert_no_broken_values(lines: list[str], where) -> None:
    joined = "\n".join(lines)
    for pattern in (r"\b\d{1,2}\s*\n\s*(?:%s)" % MONTHS, r"(?:%s)\s*\n\s*\d{4}" % MONTHS,
                    r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*\n\s*[0-9][A-Z]{2}\b", r"\b0\d{2,4}\s*\n\s*\d{3,6}\b",
                    r"customer\.?\s*\n\s*relationship", r"202\s*\n\s*6"):
        assert not re.search(pattern, joined), (where, pattern, re.search(pattern, joined).group(0))


def test_dates_postcodes_and_phones_carry_no_break_opportunity(printed):
    """In both formats' text the spaces of every date, postcode and phone number are non-breaking."""
    for job in printed:
        word = docx_xml_text(Document_parts(job["docx"]))
        for text in (word,):
            for pattern in (DATE, POSTCODE, PHONE):
                for found in pattern.findall(text):
                    assert " " not in found, (job["name"], found)


def Document_parts(data: bytes) -> list[bytes]:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [z.read(n) for n in z.namelist() if re.match(r"word/(document|header\d*|footer\d*)\.xml$", n)]


def test_no_line_breaks_inside_a_date_postcode_phone_or_address_in_either_format(tmp_path, all_specimens, renderer):
    from correspondence.letters.context import keep_together
    made = {}
    for council, kind in (("telford-wrekin", "outcome"), ("warwickshire", "acknowledgement"), ("hampshire", "outcome")):
        s = all_specimens[(council, kind)]
        ctx = long_values(build_context(s.case, s.policy, s.result, s.letter, AS_OF))
        if kind == "outcome":  # the actions table's date column at 16pt
            ctx["outcome"]["actions"] = keep_together([{"action": "Repair the fence", "by": "30 November 2026"},
                                                       {"action": "Write to you again", "by": "27 November 2026"}])
        rendered = renderer.render(council, kind, ctx)
        assert_no_broken_values(line_texts_pdf(rendered.pdf), (council, kind, "pdf"))
        assert_no_broken_values(list(rendered.pdf_lines), (council, kind, "laid out"))
        (tmp_path / f"{council}-{kind}.docx").write_bytes(rendered.docx)
        made[f"{council}-{kind}"] = rendered
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path / "word"), *sorted(str(p) for p in tmp_path.glob("*.docx"))],
                   check=True, capture_output=True, timeout=300)
    for name in made:
        lines = line_texts_pdf((tmp_path / "word" / f"{name}.pdf").read_bytes())
        assert_no_broken_values(lines, (name, "word"))
        joined = "\n".join(lines)
        assert "30 November 2026" in joined or "30November2026" in compact(joined)


def acknowledgement(book, **fields) -> dict:
    """The context of a Telford acknowledgement (the council's own letterhead) for a record made
    with ``fields``, dated 2 November 2026."""
    from conftest import letter as letter_of

    from correspondence.engine.case import case_from_record
    rec = make("telford-wrekin", **fields)
    rec["complainant"] = {k: v for k, v in rec["complainant"].items() if v is not None}
    result = run(book, rec, "2026-11-02")
    councils = {c: book.procedures(c) for c in book.councils}
    case = case_from_record(rec, "r.json", councils)
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    return build_context(case, policy, result, letter_of(result, "acknowledgement"), date(2026, 11, 2))


def test_a_long_letterhead_address_wraps_only_after_at_dot_or_slash(book, renderer):
    ctx = acknowledgement(book, complainant={"format_needs": ["large-print"]})
    assert ctx["large_print"]
    pdf = renderer.render("telford-wrekin", "acknowledgement", ctx, ("pdf",)).pdf
    lines = [line for line in text_lines(pdf)[0] if line.page == 1 and line.box[0] >= 124 and line.box[1] < 95]
    texts = [line.text for line in lines]
    joined = compact("".join(texts))
    assert "Email:customer.relationship@telford.gov.uk" in joined and "Web:www.telford.gov.uk/complaints" in joined
    for text, following in zip(texts, texts[1:]):
        if following and re.match(r"^[a-z]", following):  # a line that continues an address
            assert text.rstrip()[-1] in "@./", (text, following)


def test_an_address_in_the_body_stays_on_one_line(book, renderer):
    ctx = acknowledgement(book, officer={"name": "Sam Patel", "email": "sam.patel-jones@telford-wrekin.example.org"})
    assert ctx["council"]["email"] == "customer.\u200brelationship@\u200btelford.\u200bgov.\u200buk"
    html = renderer.render_html("telford-wrekin", "acknowledgement", ctx)
    # in the body: one span kept on one line (letter.css .addr), its hyphens plain ones in no-wrap spans
    assert ('<span class="addr">sam.\u200b<span class="nobr">patel-jones@</span>\u200b<span class="nobr">'
            'telford-wrekin.</span>\u200bexample.\u200borg</span>') in html
    word = renderer.render("telford-wrekin", "acknowledgement", ctx, ("docx",)).docx
    body = Document_parts(word)[0].decode()
    assert "\u200b" not in body and "\u2011" not in body
    assert ('sam.patel</w:t><w:noBreakHyphen/><w:t xml:space="preserve">jones@telford</w:t><w:noBreakHyphen/>'
            '<w:t xml:space="preserve">wrekin.example.org') in body
    text = docx_xml_text([Document_parts(word)[0]])
    assert "sam.patel-jones@telford-wrekin.example.org" in text


def test_a_findings_heading_keeps_with_its_finding(book, renderer):
    decision = {"stage": 1, "outcome": "partly-upheld", "remedies": [], "outstanding_actions": [],
                "findings": [{"point": f"Point {i}: the bins were missed on the round", "finding": "We found " + "that the "
                              "crew had not recorded the missed collection on the day it happened. " * 4}
                             for i in range(1, 13)]}
    rec = make("telford-wrekin", "2026-11-02", [{"id": "d1", "type": "decision", "date": "2026-11-10", **decision}])
    result = run(book, rec, "2026-11-10")
    from conftest import letter as letter_of

    from correspondence.engine.case import case_from_record
    councils = {c: book.procedures(c) for c in book.councils}
    case = case_from_record(rec, "r.json", councils)
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    ctx = build_context(case, policy, result, letter_of(result, "outcome"), date(2026, 11, 10))
    rendered = renderer.render("telford-wrekin", "outcome", ctx)
    lines, _ = text_lines(rendered.pdf)
    assert pages(rendered.pdf) >= 2
    for number in {line.page for line in lines}:
        body = sorted((line for line in lines if line.page == number and line.box[1] < 278), key=lambda x: x.box[1])
        assert not compact(body[-1].text).startswith("Point"), (number, body[-1].text)
    doc = Document(io.BytesIO(rendered.docx))
    headings = [p for p in doc.paragraphs if p.text.startswith("Point ")]
    assert len(headings) == 12 and all(p.paragraph_format.keep_with_next for p in headings)


# --------------------------------------------------------------------------- 7. every script prints

SCRIPTS = {  # language code: a name and a sentence in its script
    "ur": ("عائشہ", "خان", "یہ خط کس بارے میں ہے؟"),
    "ar": ("فاطمة", "حسن", "لم يتم جمع النفايات"),
    "bn": ("রহিমা", "বেগম", "আমাদের বাড়ির আবর্জনা নেওয়া হয়নি"),
    "pa": ("ਗੁਰਪ੍ਰੀਤ", "ਕੌਰ", "ਸਾਡਾ ਕੂੜਾ ਨਹੀਂ ਚੁੱਕਿਆ ਗਿਆ"),
    "gu": ("પ્રિયા", "પટેલ", "અમારો કચરો લેવામાં આવ્યો નથી"),
    "zh": ("李", "明", "我们的垃圾没有被收走"),
}
# The line each reader is sent in their own language (templates/translations.toml, review F11).
TRANSLATION_LINES = {
    "ur": "ہم آپ کو یہ خط اردو میں بھیجیں گے۔",
    "ar": "سنرسل إليكم هذه الرسالة باللغة العربية.",
    "bn": "আমরা আপনাকে এই চিঠিটি বাংলায় পাঠাব।",
    "pa": "ਅਸੀਂ ਤੁਹਾਨੂੰ ਇਹ ਚਿੱਠੀ ਪੰਜਾਬੀ ਵਿੱਚ ਭੇਜਾਂਗੇ।",
    "gu": "અમે તમને આ પત્ર ગુજરાતીમાં મોકલીશું.",
    "zh": "我们会把这封信的中文版寄给您。",
}
NOTO = {"ur": "Noto-Naskh-Arabic", "ar": "Noto-Naskh-Arabic", "bn": "Noto-Sans-Bengali", "pa": "Noto-Sans-Gurmukhi",
        "gu": "Noto-Sans-Gujarati", "zh": "Noto-Sans-CJK-SC"}


def script_letter(book, code: str) -> tuple[str, dict]:
    given, family, sentence = SCRIPTS[code]
    return "acknowledgement", acknowledgement(
        book, complainant={"title": None, "given_name": given, "family_name": family,
                           "format_needs": [f"language:{code}"]}, complaint={"summary": sentence})


def letters_only(text: str) -> list[str]:
    import unicodedata
    return [c for c in text if unicodedata.category(c) == "Lo"]


def glyphless(pdf: bytes) -> list[str]:
    """Fonts in the PDF that draw a glyph their embedded font program lacks: .notdef (glyph 0, an
    empty box) or a glyph number past the font's last glyph (what a character no font has becomes).
    The glyphs drawn are those the font's ToUnicode map lists."""
    from fontTools.ttLib import TTFont

    bad = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            glyphs = TTFont(io.BytesIO(program.get_object().get_data())).getGlyphOrder()
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            drawn = set()
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                drawn |= {int(cid, 16) for cid in re.findall(r"<([0-9A-Fa-f]{4})>\s*<[0-9A-Fa-f]+>", block)}
            for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
                for first, last in re.findall(r"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>", block):
                    drawn |= set(range(int(first, 16), int(last, 16) + 1))
            if any(cid == 0 or cid >= len(glyphs) or glyphs[cid] == ".notdef" for cid in drawn):
                bad.append(str(font["/BaseFont"]))
    return bad


@pytest.mark.parametrize("code", sorted(SCRIPTS))
def test_every_script_prints_in_both_formats(book, renderer, code):
    given, family, sentence = SCRIPTS[code]
    kind, ctx = script_letter(book, code)
    rendered = renderer.render("telford-wrekin", kind, ctx)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    if code in ("bn", "pa"):
        # A vowel sign drawn before its consonant (Bengali, Gurmukhi) does not come back in order
        # from a PDF's text (WeasyPrint writes no ActualText), nor always as the same character once
        # the font's subset draws it elsewhere too: every letter of the name does, in order.
        assert "".join(letters_only(given + family)) in "".join(letters_only(text.split("Dear ", 1)[1])), code
    else:
        assert f"Dear {given} {family}," in text, code  # the name extracted back as it went in
    if code in ("bn", "pa"):
        # A vowel sign drawn before its consonant (Bengali, Gurmukhi) does not come back in order
        # from a PDF's text (WeasyPrint writes no ActualText): every letter does, in order.
        assert "".join(letters_only(sentence)) in "".join(letters_only(text)), code
    else:
        assert sentence in text, code
    line = TRANSLATION_LINES[code]  # the line in the reader's language prints too (glyphs checked below)
    if code in ("bn", "pa", "ar"):  # Arabic: a PDF's text gives the line's full stop first, as drawn
        assert "".join(letters_only(line)) in "".join(letters_only(text)), code
    else:
        assert line in text, code
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any(NOTO[code] in f for f in fonts), (code, fonts)  # Debian's Noto font for the script
    assert glyphless(rendered.pdf) == [], code
    # Word: the fallback chain names the Noto fonts, so LibreOffice and Word print the script
    doc = Document(io.BytesIO(rendered.docx))
    fonts_el = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts_el.get(qn("w:cs")) == "Noto Naskh Arabic" and fonts_el.get(qn("w:eastAsia")) == "Noto Sans CJK SC"
    assert sentence in "\n".join(p.text for p in doc.paragraphs)
    assert line in [p.text for p in doc.paragraphs], code


def test_a_missing_glyph_is_caught(renderer):
    """The glyph check can fail: a character no installed font has prints as .notdef."""
    from weasyprint import HTML
    pdf = HTML(string="<p>abc \U000f0000</p>").write_pdf()  # a private-use character: no font has it
    assert glyphless(HTML(string="<p>abc</p>").write_pdf()) == []
    assert glyphless(pdf) != []
