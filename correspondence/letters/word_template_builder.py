"""Builds the Word templates (``templates/docx/*.docx``) from the HTML ones, so both formats carry
the same words, headings and order: ``python -m correspondence.letters.word_template_builder [TEMPLATES]``.

Each ``templates/html/<kind>.html`` body becomes ``templates/docx/<kind>.docx`` (a docxtpl
template): ``<h2>`` a Heading 2, ``<p>`` a paragraph, ``<li>`` a List Bullet paragraph,
``<strong>`` bold, a ``<table>`` a Word table whose header row repeats; a Jinja statement
between elements becomes a ``{%p ... %}`` paragraph (``{%tr ... %}`` between table rows).
``_base.docx`` gets the page itself, to the same measures as ``letter.css``: A4; page 1's
letterhead and address window in a first-page header (GOV.UK Notify's zones: contact block
125-190 mm across, address 24.6 mm across and 39.5 mm down, body from 95 mm down); on every
page a footer with the council, the reference and "Page N of M"; one font family (Liberation
Sans), en-GB on every style, real Heading styles that keep with the next paragraph.

The built files are ordinary Word documents: a council may edit them (or place its own under
``templates/docx/<council>/``); building again replaces the shared ones.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

FONT = "Liberation Sans"
# Where Liberation Sans has no glyph, Word takes a run's complex-script font (Urdu and Arabic; for
# Bengali, Gurmukhi and Gujarati LibreOffice falls back through fontconfig to Debian's Noto font
# for each) and its East Asian font (Chinese): the fonts letter.css names after Liberation Sans.
FONT_COMPLEX = "Noto Naskh Arabic"
FONT_EAST_ASIAN = "Noto Sans CJK SC"
LANG = "en-GB"
BLOCK_STATEMENT = re.compile(r"\{%-?\s*(.*?)\s*-?%\}", re.S)
COMMENT = re.compile(r"\{#.*?#\}", re.S)
BODY_BLOCK = re.compile(r"\{%-?\s*block body\s*-?%\}(.*?)\{%-?\s*endblock\s*-?%\}", re.S)
MAIN = re.compile(r"<main>(.*?)</main>", re.S)
# Page 1 (mm): Notify's zones, as in letter.css.
TOP, HEADER_FROM_TOP, LEFT, RIGHT, BOTTOM, FOOTER_FROM_BOTTOM = 20, 6.5, 15, 15, 11, 5.5
TEXT_WIDTH = 210 - LEFT - RIGHT  # 180 mm: 15-195 mm across, Notify's printable width
# Large print keeps its own foot (letter.css's @page large): the footer's one 16pt line, 284-290 mm down.
LARGE_BOTTOM, LARGE_FOOTER_FROM_BOTTOM = 20, 7
ROWS_MM = (34.0, 25.3, 29.2)  # 6.5-40.5 above the window, 40.5-65.8 the address, 65.8-95 the band
ADDRESS_INDENT, ADDRESS_RIGHT, CONTACT_FROM, CONTACT_WIDTH = 11, 7, 110, 68  # from the left margin (15 mm)
LARGE_PRINT_HALF_POINTS = 32  # 16pt
CLOSING_STYLE = "Closing"
TABLE_WIDTHS_MM = (122, 58)  # an actions table: "30 November 2026" fits the date column at 16pt
NORMAL_LINE_SPACING = 1.0  # Word's single spacing: LibreOffice's line, 1.149 of the size, is letter.css's 1.15
LARGE_LINE_SPACING = 1.22  # letter.css's large print 1.4: 1.22 of the font's own line
BORDER_EIGHTHS = 6  # 0.75pt, letter.css's 1px
BOX_INDENT_MM = 3  # the Ombudsman box's text from the margins: its border 2.5 mm outside it, on them
BULLET_INDENT_MM = 6.35  # List Bullet's indent (its list's: 360 twips, the bullet hanging)


# --------------------------------------------------------------------------- styles

def _w(tag: str) -> str:
    from docx.oxml.ns import qn
    return qn(f"w:{tag}")


def _set_fonts(rpr) -> None:
    from docx.oxml import OxmlElement

    fonts = rpr.find(_w("rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key in ("ascii", "hAnsi"):
        fonts.set(_w(key), FONT)
    fonts.set(_w("cs"), FONT_COMPLEX)
    fonts.set(_w("eastAsia"), FONT_EAST_ASIAN)


def _set_lang(rpr) -> None:
    from docx.oxml import OxmlElement

    lang = rpr.find(_w("lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(_w("val"), LANG)
    lang.set(_w("eastAsia"), LANG)
    lang.set(_w("bidi"), "ar-SA")


def _rpr(element):
    from docx.oxml import OxmlElement

    rpr = element.find(_w("rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        element.append(rpr)
    return rpr


def setup_styles(doc) -> None:
    """One font and en-GB on every style; black bold headings that keep with what follows."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Mm, Pt, RGBColor

    styles_el = doc.styles.element
    defaults = styles_el.find(_w("docDefaults"))
    rpr = _rpr(defaults.find(_w("rPrDefault")))
    _set_fonts(rpr)
    _set_lang(rpr)
    for style in styles_el.findall(_w("style")):
        rpr = _rpr(style)
        _set_fonts(rpr)
        _set_lang(rpr)
        color = rpr.find(_w("color"))
        if color is not None:
            rpr.remove(color)
    # Leftover metadata of the starting document.
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.paragraph_format.space_after = Mm(2)
    # letter.css's orphans and widows: 2 (Word's widow control), so a paragraph breaks between pages
    # with two lines at least on each.
    normal.paragraph_format.widow_control = True
    # letter.css's line-height 1.15 (of the type size), as LibreOffice lays out Word's multiple of
    # Liberation Sans's own line height.
    normal.paragraph_format.line_spacing = NORMAL_LINE_SPACING
    for name, size, before, after in (("Heading 1", 14, Mm(2.5), Mm(1.5)), ("Heading 2", 12, Mm(3), Mm(1))):
        style = doc.styles[name]
        style.font.size, style.font.bold, style.font.italic = Pt(size), True, False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before, style.paragraph_format.space_after = before, after
    # letter.css's ul: its items set close, 2 mm under the list ("don't add space between
    # paragraphs of the same style", which Word and LibreOffice both honour).
    from docx.oxml import OxmlElement
    bullet = doc.styles["List Bullet"]
    bullet.paragraph_format.space_after = Mm(2)
    bullet.element.get_or_add_pPr().append(OxmlElement("w:contextualSpacing"))
    for name, size in (("Header", 11), ("Footer", 9)):
        doc.styles[name].font.size = Pt(size)
        doc.styles[name].paragraph_format.space_after = Pt(0)
        doc.styles[name].paragraph_format.line_spacing = 1.15
        # Word's default stops (centre 82.55 mm, right 165.1 mm) would catch "Page N of M" mid-line:
        # the footer's one stop is its own, right-aligned at the right margin.
        stops = doc.styles[name].paragraph_format.tab_stops
        for stop in list(stops):
            stops._pPr.tabs.remove(stop._tab)
    address = doc.styles.add_style("Address", WD_STYLE_TYPE.PARAGRAPH)
    address.base_style = doc.styles["Normal"]
    address.font.size = Pt(10)
    address.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    address.paragraph_format.line_spacing = Pt(11.2)
    address.paragraph_format.space_after = Pt(0)
    address.paragraph_format.left_indent = Mm(ADDRESS_INDENT)
    address.paragraph_format.right_indent = Mm(ADDRESS_RIGHT)
    letterhead = doc.styles.add_style("Letterhead", WD_STYLE_TYPE.PARAGRAPH)
    letterhead.base_style = doc.styles["Normal"]
    letterhead.font.size = Pt(10)
    letterhead.paragraph_format.space_after = Pt(0)
    letterhead.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    letterhead.paragraph_format.line_spacing = Pt(13)
    reference = doc.styles.add_style("Reference", WD_STYLE_TYPE.PARAGRAPH)
    reference.base_style = doc.styles["Normal"]
    reference.paragraph_format.space_after = Pt(0)
    # "Yours sincerely": the paragraph before it is kept with it when a letter is filled
    # (word_render.py), so the signature block never stands alone on a page.
    closing = doc.styles.add_style(CLOSING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    closing.base_style = doc.styles["Normal"]
    closing.paragraph_format.space_before = Mm(2)
    closing.paragraph_format.keep_with_next = True
    for style in (address, letterhead, reference, closing):
        rpr = _rpr(style.element)
        _set_fonts(rpr)
        _set_lang(rpr)


def plain_bullets(doc) -> None:
    """Bullets drawn from the letter's own font ("•"), not a Symbol font (one family throughout)."""
    numbering = doc.part.numbering_part.element
    for level in numbering.iter(_w("lvl")):
        fmt = level.find(_w("numFmt"))
        if fmt is None or fmt.get(_w("val")) != "bullet":
            continue
        text = level.find(_w("lvlText"))
        if text is not None:
            text.set(_w("val"), "\u2022")
        _set_fonts(_rpr(level))


def clean_package(doc) -> None:
    """No python-docx thumbnail, custom XML or description left in the template."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML:
            del doc.part.rels[rel_id]
    props = doc.core_properties
    # Only the dc: properties: python-docx's "cp" prefix can be re-bound by docxcompose once it is
    # imported, so cp: ones (keywords, category, lastModifiedBy) are left as the starting file has
    # them, empty.
    props.title = props.subject = props.comments = props.author = ""


# --------------------------------------------------------------------------- HTML to Word

class _Converter(HTMLParser):
    """Turns a letter's HTML body (with its Jinja statements) into Word paragraphs."""

    INLINE_CONTAINERS = {"p", "li", "h1", "h2", "h3", "th", "td"}

    def __init__(self, doc, container):
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.container = container  # where paragraphs go (document body)
        self.classes: list[set[str]] = []
        self.paragraph = None
        self.bold = 0
        self.table_rows: list | None = None
        self.row: list | None = None
        self.cell: dict | None = None
        self.keep_groups: list[list] = []
        self.in_box = False  # inside the Ombudsman's box: each paragraph bordered (_in_box)
        self.after_table = False  # the next paragraph keeps letter.css's 3 mm under a table
        self.lead_in = None  # the <p> just ended, if nothing came after it: a list sits 1 mm under it
        self.right_to_left = False  # inside a <p dir="rtl">: the paragraph and its runs right to left

    # -- block-level text: Jinja statements become {%p %} (or {%tr %}) paragraphs

    def handle_data(self, data: str) -> None:
        data = COMMENT.sub("", data)
        if self.cell is not None:
            self.cell["runs"].append((data, self.bold > 0))
            return
        if self.paragraph is not None:
            self._run(data)
            return
        for statement in BLOCK_STATEMENT.findall(data):
            if statement.startswith("block body") or statement.startswith("endblock"):
                continue
            if self.table_rows is not None:
                self.table_rows.append(("tr", f"{{%tr {statement} %}}"))
            else:
                paragraph = self.container.add_paragraph(f"{{%p {statement} %}}")
                self._track(paragraph)
                self.lead_in = None

    def _run(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)
        if not self.paragraph.runs and not text.strip():
            return
        if not self.paragraph.runs:
            text = text.lstrip()
        run = self.paragraph.add_run(text)
        run.bold = True if self.bold else None

    def _track(self, paragraph) -> None:
        for group in self.keep_groups:
            group.append(paragraph)

    def handle_starttag(self, tag: str, attrs) -> None:
        from docx.shared import Mm, Pt

        classes = set((dict(attrs).get("class") or "").split())
        self.classes.append(classes)
        if tag in ("strong", "b"):
            self.bold += 1
        elif tag == "br" and self.paragraph is not None:
            self.paragraph.add_run().add_break()
        elif tag == "section" and ("signature" in classes or "ombudsman" in classes):
            self.keep_groups.append([])
            if "ombudsman" in classes:  # a bordered box, as letter.css draws it
                self.in_box = True
        elif tag == "ul" and self.lead_in is not None:  # letter.css's p + ul
            self.lead_in.paragraph_format.space_after = Mm(1)
        elif tag == "table":
            self.table_rows = []
        elif tag == "tr" and self.table_rows is not None:
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = {"runs": [], "header": tag == "th"}
        if tag != "ul":
            self.lead_in = None
        if tag in self.INLINE_CONTAINERS and self.cell is None:
            style = {"h1": "Heading 1", "h2": "Heading 2", "h3": "Heading 2", "li": "List Bullet"}.get(tag)
            if "reference" in classes:
                style = "Reference"
            if "closing" in classes:
                style = CLOSING_STYLE
            self.paragraph = self.container.add_paragraph(style=style)
            fmt = self.paragraph.paragraph_format
            if self.after_table:
                fmt.space_before, self.after_table = Mm(3), False
            if self.in_box:
                _in_box(self.paragraph, bullet=tag == "li")
            if "other-formats" in classes:
                fmt.space_before = Pt(12.5)  # one line under the signature (letter.css: 1.15em)
            if "reference" in classes and "last" in classes:
                fmt.space_after = Pt(11)
            if "signatory" in classes:
                fmt.space_before = Mm(15)  # room for a handwritten signature (at least 15 mm)
            if any("signature" in c for c in self.classes[:-1]) and not self.paragraph.text:
                fmt.space_after = 0
            if "point" in classes:  # a finding's heading stays whole with the first lines of its finding
                fmt.keep_with_next = True  # (the finding itself is not kept together: it may break)
                fmt.keep_together = True
                fmt.space_after = Mm(1)
            self.right_to_left = dict(attrs).get("dir") == "rtl"  # a line in Urdu or Arabic
            self._track(self.paragraph)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        self.classes.pop()

    def handle_endtag(self, tag: str) -> None:
        classes = self.classes.pop() if self.classes else set()
        if tag in ("strong", "b"):
            self.bold -= 1
        elif tag == "section" and ("signature" in classes or "ombudsman" in classes):
            if "ombudsman" in classes:
                self.in_box = False
            group = self.keep_groups.pop()
            for paragraph in group[:-1]:
                paragraph.paragraph_format.keep_with_next = True
            if "signature" in classes:  # set close, as in letter.css
                for paragraph in group:
                    if hasattr(paragraph, "paragraph_format") and not paragraph.text.startswith("{%p"):
                        paragraph.paragraph_format.space_after = 0
        elif tag in ("th", "td") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.table_rows.append(("cells", self.row))
            self.row = None
        elif tag == "table" and self.table_rows is not None:
            self._table(self.table_rows)
            self.table_rows = None
            self.after_table = True
        elif tag in self.INLINE_CONTAINERS and self.paragraph is not None and self.cell is None:
            if self.paragraph.runs:
                last = self.paragraph.runs[-1]
                last.text = last.text.rstrip()
            if self.right_to_left:
                _right_to_left(self.paragraph)
                self.right_to_left = False
            self.lead_in = self.paragraph if tag == "p" else None
            self.paragraph = None

    def _table(self, rows: list) -> None:
        from docx.oxml import OxmlElement
        from docx.shared import Mm

        width = max(len(r) for kind, r in rows if kind == "cells")
        table = self.container.add_table(rows=0, cols=width)
        table.style = self.doc.styles["Table Grid"]
        _cell_margins(table, top=1.5, bottom=1.5, left=2, right=2)  # letter.css's padding
        # Word draws a table's left border a cell margin left of the text margin: indented by one,
        # its borders stand on the margins (15-195 mm across), inside the printable area, as the PDF's.
        indent = OxmlElement("w:tblInd")
        indent.set(_w("w"), str(round(Mm(2).twips)))
        indent.set(_w("type"), "dxa")
        table._tbl.tblPr.insert_element_before(indent, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
                                               "w:tblLook", "w:tblCaption", "w:tblDescription")  # the schema's order
        widths = [Mm(w) for w in TABLE_WIDTHS_MM] if width == 2 else [Mm(TEXT_WIDTH / width)] * width
        for kind, row in rows:
            cells = table.add_row().cells
            tr_pr = cells[0]._tc.getparent().get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            if kind == "tr":
                cells[0].paragraphs[0].add_run(row)
                continue
            if row and row[0]["header"]:
                tr_pr.append(OxmlElement("w:tblHeader"))  # repeats at the top of each page
            for cell, spec in zip(cells, row):
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.space_after = 0
                if spec["header"]:
                    paragraph.paragraph_format.keep_with_next = True
                text = "".join(t for t, _ in spec["runs"])
                run = paragraph.add_run(re.sub(r"\s+", " ", text).strip())
                if spec["header"] or any(b for _, b in spec["runs"]):
                    run.bold = True
        for column, w in zip(table.columns, widths):
            column.width = w
        for row in table.rows:
            for cell, w in zip(row.cells, widths):
                cell.width = w
        self._track(table)


def _cell_margins(table, **mm: float) -> None:
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    margins = OxmlElement("w:tblCellMar")
    for edge in ("top", "left", "bottom", "right"):
        if edge in mm:
            el = OxmlElement(f"w:{edge}")
            el.set(_w("w"), str(round(Mm(mm[edge]).twips)))
            el.set(_w("type"), "dxa")
            margins.append(el)
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _in_box(paragraph, bullet: bool = False) -> None:
    """One paragraph of a bordered box (the PDF's ``.ombudsman``: a 1px border, 1.5 mm by 2.75 mm of
    padding): the same border on each, which Word and LibreOffice draw as one box round them all,
    kept with the next paragraph as a box is, so it never splits from what follows (a table's row
    would: LibreOffice keeps no table with the paragraph after it)."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for edge, space in (("top", 4), ("left", 7), ("bottom", 4), ("right", 7)):  # points: 1.5 mm, 2.5 mm
        el = OxmlElement(f"w:{edge}")
        el.set(_w("val"), "single")
        el.set(_w("sz"), str(BORDER_EIGHTHS))
        el.set(_w("space"), str(space))
        el.set(_w("color"), "000000")
        borders.append(el)
    ppr.insert_element_before(borders, *(f"w:{tag}" for tag in (  # the schema's order
        "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct",
        "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
        "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
        "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")))
    # The text 3 mm inside the margins (a bullet's as far inside its list's indent), the border
    # 2.5 mm outside the text: on the margins, 15-195 mm across, inside the printable area.
    # LibreOffice draws one box round the paragraphs, the bullets' included.
    fmt = paragraph.paragraph_format
    fmt.left_indent = Mm(BOX_INDENT_MM + (BULLET_INDENT_MM if bullet else 0))
    fmt.right_indent = Mm(BOX_INDENT_MM)
    if bullet:
        fmt.first_line_indent = Mm(-BULLET_INDENT_MM)
    fmt.keep_with_next = True


def _right_to_left(paragraph) -> None:
    """A paragraph of ``dir="rtl"`` (HTML): right to left in Word (w:bidi), each run too (w:rtl)."""
    from docx.oxml import OxmlElement

    ppr = paragraph._p.get_or_add_pPr()
    ppr.insert_element_before(OxmlElement("w:bidi"), *(f"w:{tag}" for tag in (  # the schema's order
        "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
        "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl",
        "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")))
    for run in paragraph.runs:
        rpr = run._r.get_or_add_rPr()
        rpr.insert_element_before(OxmlElement("w:rtl"), "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
                                  "w:specVanish", "w:oMath")


def convert(doc, html: str) -> None:
    """Append ``html`` (a letter body with Jinja statements) to ``doc`` as Word paragraphs."""
    converter = _Converter(doc, doc)
    converter.feed(html)
    converter.close()


# --------------------------------------------------------------------------- documents

def _new_document():
    from docx import Document
    from docx.shared import Mm

    doc = Document()
    for paragraph in list(doc.paragraphs):
        paragraph._element.getparent().remove(paragraph._element)
    setup_styles(doc)
    plain_bullets(doc)
    clean_package(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.header_distance, section.footer_distance = Mm(HEADER_FROM_TOP), Mm(FOOTER_FROM_BOTTOM)
    return doc


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(_w("val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(_w("w"), "0")
        el.set(_w("type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)
    layout = OxmlElement("w:tblLayout")
    layout.set(_w("type"), "fixed")
    tbl_pr.append(layout)


def _field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement

    field = OxmlElement("w:fldSimple")  # no stored result: Word and LibreOffice compute it on the page
    field.set(_w("instr"), instruction)
    paragraph._p.append(field)


def _footer(footer) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Mm

    paragraph = footer.paragraphs[0]
    paragraph.style = footer.part.document.styles["Footer"] if hasattr(footer.part, "document") else "Footer"
    for stop in list(paragraph.paragraph_format.tab_stops):
        paragraph.paragraph_format.tab_stops._pPr.tabs.remove(stop._tab)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    # In large print "Ref": at 16pt the line then holds the council, the reference and the page number.
    paragraph.add_run("{{ council.name }} · {% if large_print %}Ref{% else %}Our reference{% endif %} {{ case_ref }}\tPage ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")


def _first_page_header(doc) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Mm, Pt

    header = doc.sections[0].first_page_header
    header.is_linked_to_previous = False
    table = header.add_table(rows=3, cols=2, width=Mm(CONTACT_FROM + CONTACT_WIDTH))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    _no_borders(table)
    for row, height in zip(table.rows, ROWS_MM):
        row.height, row.height_rule = Mm(height), WD_ROW_HEIGHT_RULE.EXACTLY
        row.cells[0].width, row.cells[1].width = Mm(CONTACT_FROM), Mm(CONTACT_WIDTH)
    table.columns[0].width, table.columns[1].width = Mm(CONTACT_FROM), Mm(CONTACT_WIDTH)  # the grid LibreOffice reads
    # The contact block above (6.5-65.8 mm down); in standard print the references under it
    # (65.8-95 mm, letter.css's .references); large print joins the two (large_print below).
    contact = table.cell(0, 1).merge(table.cell(1, 1))
    references = table.cell(2, 1)
    ref_lines = [("{%p if not large_print %}", ""), ("Our reference:", " {{ case_ref }}"), ("Date:", " {{ letter.date }}"),
                 ("Dealt with by:", " {{ officer.name }}{% if officer.job_title %}, {{ officer.job_title }}{% endif %}"),
                 ("{%p endif %}", "")]
    for i, (label, text) in enumerate(ref_lines):
        paragraph = references.paragraphs[0] if i == 0 else references.add_paragraph()
        paragraph.style = doc.styles["Letterhead"]
        run = paragraph.add_run(label)
        if text:
            run.bold = True
            paragraph.add_run(text)
    references.add_paragraph(style=doc.styles["Letterhead"])  # a cell keeps a paragraph when the others go
    lines = [("{{ council.name }}", True), ("{%p if council.team %}", False), ("{{ council.team }}", False),
             ("{%p endif %}", False), ("{%p if council.address %}", False),
             ("{{ council.address | join(', ') }}", False), ("{%p endif %}", False), ("{%p if council.phone %}", False), ("Telephone: {{ council.phone }}", False),
             ("{%p endif %}", False), ("{%p if council.email %}", False), ("Email: {{ council.email }}", False),
             ("{%p endif %}", False), ("{%p if council.web %}", False), ("Web: {{ council.web }}", False),
             ("{%p endif %}", False)]
    first = contact.paragraphs[0]
    for i, (text, bold) in enumerate(lines):
        paragraph = first if i == 0 else contact.add_paragraph()
        paragraph.style = doc.styles["Letterhead"]
        run = paragraph.add_run(text)
        if bold:
            run.bold = True
            run.font.size = Pt(12)
    # The header's own first paragraph goes after the table (Word wants one last), at 1pt, so
    # the table starts at the header's top (5 mm down).
    spacer = header.paragraphs[0]
    spacer._p.getparent().remove(spacer._p)
    table._tbl.addnext(spacer._p)
    spacer.paragraph_format.space_after = spacer.paragraph_format.space_before = Pt(0)
    spacer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    spacer.paragraph_format.line_spacing = Pt(1)
    window = table.cell(1, 0)
    for i, text in enumerate(("{%p for line in recipient.window %}", "{{ line }}", "{%p endfor %}")):
        paragraph = window.paragraphs[0] if i == 0 else window.add_paragraph()
        paragraph.style = doc.styles["Address"]
        paragraph.add_run(text)
    for cell in (table.cell(0, 0), table.cell(2, 0)):
        cell.paragraphs[0].style = doc.styles["Address"]


def base_document(html: str):
    """``_base.docx``: page 1's header, the footer, and the shared text around ``{{p body }}``."""
    doc = _new_document()
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    _first_page_header(doc)
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].style = doc.styles["Header"]
    for footer in (section.footer, section.first_page_footer):
        footer.is_linked_to_previous = False
        _footer(footer)
    # Filled per letter: the letter's own title, the council as author (word.py renders them).
    props = doc.core_properties
    props.title, props.author, props.language = "{{ letter.title | safe }}", "{{ council.name | safe }}", LANG
    main = MAIN.search(html).group(1)
    main = re.sub(r"\{%-?\s*block body\s*-?%\}\s*\{%-?\s*endblock\s*-?%\}", "<p>{{p body }}</p>", main)
    convert(doc, main)
    return doc


def body_document(html: str):
    """A letter kind's body: the part of its HTML template inside ``{% block body %}``."""
    doc = _new_document()
    found = BODY_BLOCK.search(html)
    convert(doc, found.group(1) if found else "")
    return doc


def large_print(doc) -> None:
    """Every character at 16pt or more (letters.md, Formats): every style and the document
    defaults raised in proportion (11pt text becomes 16pt), and every size set on a run in the
    document, its headers and footers raised to 16pt at least; exact line heights grow with them."""
    from docx.oxml import OxmlElement

    ratio = LARGE_PRINT_HALF_POINTS / 22

    def raise_size(rpr, inherited: int | None) -> int:
        """Raise the sizes ``rpr`` sets; where it sets none and ``inherited`` is given, set that."""
        size = 0
        for tag in ("sz", "szCs"):
            el = rpr.find(_w(tag))
            if el is None and inherited is None:
                continue
            if el is None:
                el = OxmlElement(f"w:{tag}")
                rpr.append(el)
                el.set(_w("val"), str(inherited))
            old = int(el.get(_w("val")))
            el.set(_w("val"), str(max(LARGE_PRINT_HALF_POINTS, round(old * ratio))))
            size = size or int(el.get(_w("val")))
        return size or LARGE_PRINT_HALF_POINTS

    from docx.shared import Mm

    # letter.css's @page large: the foot for the footer's one 16pt line; its line height, 1.4.
    section = doc.sections[0]
    section.bottom_margin, section.footer_distance = Mm(LARGE_BOTTOM), Mm(LARGE_FOOTER_FROM_BOTTOM)
    doc.styles["Normal"].paragraph_format.line_spacing = LARGE_LINE_SPACING
    # Page 1's contact block takes the whole column (the references open the body instead).
    header = doc.sections[0].first_page_header
    if header.tables and len(header.tables[0].rows) == 3:
        header.tables[0].cell(0, 1).merge(header.tables[0].cell(2, 1))
    styles_el = doc.styles.element
    defaults = _rpr(styles_el.find(_w("docDefaults")).find(_w("rPrDefault")))
    raise_size(defaults, 22)
    for style in styles_el.findall(_w("style")):
        size = raise_size(_rpr(style), None)  # a style that sets no size inherits a raised one
        spacing = style.find(f"{_w('pPr')}/{_w('spacing')}")
        if spacing is not None and spacing.get(_w("lineRule")) == "exact":  # 1.1 lines: half-points x 11 twips
            spacing.set(_w("line"), str(max(int(spacing.get(_w("line"))), size * 11)))
    parts = [doc.element] + [rel.target_part.element for rel in doc.part.rels.values()
                             if rel.reltype.endswith(("/header", "/footer"))]
    for part in parts:
        for rpr in part.iter(_w("rPr")):
            raise_size(rpr, None)
    # The Ombudsman's box, most of a page at 16pt, may break between its paragraphs (letter.css:
    # body.large-print .ombudsman): only its heading keeps with the next (its style's keep).
    for ppr in doc.element.body.iter(_w("pPr")):
        style = ppr.find(_w("pStyle"))
        heading = style is not None and style.get(_w("val"), "").startswith("Heading")
        keep = ppr.find(_w("keepNext"))
        if ppr.find(_w("pBdr")) is not None and keep is not None and not heading:
            if ppr.find(_w("keepLines")) is None:
                keep.tag = _w("keepLines")  # each of its paragraphs whole (the schema's place, after keepNext's)
            else:
                ppr.remove(keep)


def add_logo(doc, path: Path, width_mm: float, height_mm: float) -> None:
    """The council's logo in page 1's header, in the logo area: the first-page header table's top left
    cell (15 mm across, 6.5 mm down), at ``width_mm`` x ``height_mm`` (within 110 x 23 mm, so it
    ends by 30 mm down), on a line of its own height."""
    import io

    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Mm, Pt

    header = doc.sections[0].first_page_header
    if not header.tables:
        return
    cell = header.tables[0].cell(0, 0)
    paragraph = cell.paragraphs[0]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule, fmt.space_before, fmt.space_after = WD_LINE_SPACING.SINGLE, Pt(0), Pt(0)
    fmt.left_indent = fmt.right_indent = Mm(0)
    paragraph.add_run().add_picture(io.BytesIO(path.read_bytes()), width=Mm(width_mm), height=Mm(height_mm))
    # Its description (alt text) is the council's name, as the PDF's.
    for prop in paragraph._p.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"):
        prop.set("descr", "{{ council.name }}")


# The extended properties of every template (and so of every letter made from one): the program
# that made it, not python-docx's starting document's "Normal.dotm" and "Microsoft Macintosh Word",
# which tell a reader of the file's properties something untrue.
APP_XML = (b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           b"<Application>correspondence</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
           b"<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
           b"<HyperlinksChanged>false</HyperlinksChanged></Properties>")


def _save(doc, path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    doc.save(buffer)
    # The same bytes for the same source: fixed times inside the zip.
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = APP_XML if item.filename == "docProps/app.xml" else src.read(item.filename)
            info = zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)


def build(templates: Path) -> list[Path]:
    """Build every shared Word template from its HTML template; the paths written."""
    templates = Path(templates)
    written = []
    for html_path in sorted((templates / "html").glob("*.html")):
        html = html_path.read_text(encoding="utf-8")
        doc = base_document(html) if html_path.stem == "_base" else body_document(html)
        target = templates / "docx" / f"{html_path.stem}.docx"
        _save(doc, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    templates = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "templates"
    for path in build(templates):
        print(path)


if __name__ == "__main__":
    main()
