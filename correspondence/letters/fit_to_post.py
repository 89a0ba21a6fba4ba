"""Fit to post: a PDF letter read back (text positions, with pdfminer) against GOV.UK Notify's
precompiled-letter rules, as letters.md "Fit to post" gives them.

A4 portrait, at most 10 pages; nothing printed outside the printable area (15 mm side margins,
5 mm top and bottom); on page 1, above the body (95 mm down), text only in the council's contact
block (125-195 mm across, 5-95 mm down), the logo area (15-125 mm across, 5-30 mm down) and the
address window (24.6 mm from the left, 39.5 mm from the top, 95.4 x 26.8 mm), which holds the
recipient's address alone: for a letter sent by post, one Notify would post (3 to 7 lines, a real
UK postcode on the last, no line starting with a character Notify refuses: postal_address.py);
every font embedded; an image (a logo) only on page 1, inside the logo area. Each problem is one sentence naming the zone it breaks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from correspondence.letters import postal_address

MM = 72 / 25.4
A4 = (210.0, 297.0)
TOLERANCE = 0.5  # mm
MAX_PAGES = 10
PRINTABLE = (15.0, 5.0, 195.0, 292.0)  # left, top, right, bottom (mm from the page's top left)
BODY_TOP = 95.0


@dataclass(frozen=True)
class Zone:
    name: str
    left: float
    top: float
    right: float
    bottom: float

    def holds(self, box: tuple[float, float, float, float]) -> bool:
        x0, top, x1, bottom = box
        return (x0 >= self.left - TOLERANCE and x1 <= self.right + TOLERANCE
                and top >= self.top - TOLERANCE and bottom <= self.bottom + TOLERANCE)

    def touches(self, box: tuple[float, float, float, float]) -> bool:
        x0, top, x1, bottom = box
        return x0 < self.right and x1 > self.left and top < self.bottom and bottom > self.top


WINDOW = Zone("the address window", 24.6, 39.5, 24.6 + 95.4, 39.5 + 26.8)
CONTACT = Zone("the council's contact block", 125.0, 5.0, 195.0, BODY_TOP)
LOGO = Zone("the logo area", 15.0, 5.0, 125.0, 30.0)


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    box: tuple[float, float, float, float]  # mm: left, top, right, bottom, from the page's top left
    size: float = 0.0                        # the largest character's size, in points


def text_lines(data: bytes) -> tuple[list[Line], list[tuple[float, float]]]:
    """Every line of text (split where a line crosses from one zone into another) and each page's size."""
    lines, sizes, _ = read_pages(data)
    return lines, sizes


def read_pages(data: bytes) -> tuple[list[Line], list[tuple[float, float]], list[tuple[int, tuple]]]:
    """``text_lines``, and every image drawn (a logo): its page and box in mm (left, top, right, bottom)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTImage, LTTextContainer, LTTextLine

    lines: list[Line] = []
    sizes: list[tuple[float, float]] = []
    images: list[tuple[int, tuple]] = []

    def visit(element, page_no: int, height: float) -> None:
        if isinstance(element, LTImage):
            images.append((page_no, (element.x0 / MM, (height - element.y1) / MM,
                                     element.x1 / MM, (height - element.y0) / MM)))
        elif isinstance(element, LTTextLine):
            chars = [c for c in element if isinstance(c, LTChar) and c.get_text().strip()]
            # a line that jumps across a gap (two columns on one baseline) is two lines
            run: list = []
            for char in chars:
                if run and char.x0 - run[-1].x1 > 5 * MM:
                    lines.append(_line(run, page_no, height))
                    run = []
                run.append(char)
            if run:
                lines.append(_line(run, page_no, height))
        elif isinstance(element, LTTextContainer) or hasattr(element, "__iter__"):
            for child in element:
                visit(child, page_no, height)

    for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams(line_margin=0.2)), 1):
        sizes.append((page.width / MM, page.height / MM))
        for element in page:
            visit(element, number, page.height)
    return lines, sizes, images


def _line(chars, page_no: int, height: float) -> Line:
    x0 = min(c.x0 for c in chars) / MM
    x1 = max(c.x1 for c in chars) / MM
    top = (height - max(c.y1 for c in chars)) / MM
    bottom = (height - min(c.y0 for c in chars)) / MM
    return Line(page_no, "".join(c.get_text() for c in chars), (x0, top, x1, bottom),
                round(max(c.size for c in chars), 1))


def _fonts_not_embedded(data: bytes) -> list[str]:
    from pypdf import PdfReader

    missing: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":
                continue  # glyphs drawn in the file itself
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.add(str(font.get("/BaseFont", "?")).lstrip("/"))
    return sorted(missing)


def _at(line: Line) -> str:
    """Where a line is (never what it says: a letter's text may hold personal data)."""
    x0, top, x1, bottom = line.box
    return f"a line {top:.1f}-{bottom:.1f} mm down, {x0:.1f}-{x1:.1f} mm across"


def layout_problems(data: bytes, postal: bool = True) -> list[str]:
    """Sentences for every way the PDF ``data`` breaks the precompiled-letter rules (none if it fits).

    ``postal``: the letter goes by post, so its address window must hold a postal address.
    Sentences say where the offending line is, never what it says."""
    lines, sizes, images = read_pages(data)
    return _fit_problems(data, lines, sizes, postal, images)


FOOTER_TOP = 297.0 - 22 + 1  # mm down: the footer sits in the bottom margin
SIGNATURE_ROOM = 15.0  # mm for a handwritten signature between the closing and the name
_CLOSINGS = ("yourssincerely", "yoursfaithfully")
_TABLE_HEADERS = ("actionby", "action")


def _squashed(text: str) -> str:
    return "".join(text.split()).rstrip(",").casefold()


def page_break_problems(lines: list[Line], pages: int) -> list[str]:
    """letters.md, Page breaks: the closing ("Yours sincerely") never stands alone at the top of a
    page and has room for a signature above the name; no page but the last ends with a heading or
    a table's header row. Sentences name the page, never the text."""
    body: dict[int, list[Line]] = {n: [] for n in range(1, pages + 1)}
    for line in lines:
        if line.box[1] < FOOTER_TOP and line.page in body:
            body[line.page].append(line)
    for page in body.values():
        page.sort(key=lambda x: (round(x.box[1]), x.box[0]))
    sizes = [line.size for page in body.values() for line in page if line.box[1] > BODY_TOP and line.size]
    if not sizes:
        return []
    body_size = min(sizes)
    problems: list[str] = []
    for number, page in body.items():
        for i, line in enumerate(page):
            if _squashed(line.text) not in _CLOSINGS:
                continue
            if i == 0 or page[i - 1].box[1] <= (BODY_TOP if number == 1 else PRINTABLE[1] + 10):
                problems.append(f"page {number}: the closing and signature stand alone at the top of the page, "
                                f"apart from the paragraph before them.")
            if i + 1 < len(page) and page[i + 1].box[1] - line.box[3] < SIGNATURE_ROOM - TOLERANCE:
                problems.append(f"page {number}: less than {SIGNATURE_ROOM:g} mm is left for a handwritten signature "
                                f"above the officer's name.")
        if number == pages or not page:
            continue
        last = page[-1]
        if last.size > body_size + 0.5:
            problems.append(f"page {number} ends with a heading; it should begin the next page with its text.")
        elif _squashed(last.text) in _TABLE_HEADERS:
            problems.append(f"page {number} ends with a table's header row.")
    return problems


def post_problems(data: bytes, postal: bool = True) -> list[str]:
    """Fit to post and Page breaks together (the PDF read once): the checks a postal letter passes
    as it is made, or it is held for sign-off (hold ``layout``)."""
    lines, sizes, images = read_pages(data)
    return _fit_problems(data, lines, sizes, postal, images) + page_break_problems(lines, len(sizes))


def _fit_problems(data: bytes, lines: list[Line], sizes: list[tuple[float, float]], postal: bool,
                  images: list[tuple[int, tuple]] = ()) -> list[str]:
    problems: list[str] = []
    for page, box in images:  # a logo: on page 1, in the logo area, alone
        x0, top, x1, bottom = box
        if page != 1 or not LOGO.holds(box):
            problems.append(f"page {page}: an image outside the logo area (15-125 mm across, 5-30 mm down, "
                            f"page 1): {top:.1f}-{bottom:.1f} mm down, {x0:.1f}-{x1:.1f} mm across.")
    if len(sizes) > MAX_PAGES:
        problems.append(f"{len(sizes)} pages: a posted letter may have at most {MAX_PAGES}.")
    for number, (width, height) in enumerate(sizes, 1):
        if abs(width - A4[0]) > 1 or abs(height - A4[1]) > 1:
            problems.append(f"page {number} is {width:.0f} x {height:.0f} mm, not A4 portrait (210 x 297 mm).")
    left, top, right, bottom = PRINTABLE
    printable = Zone("the printable area", left, top, right, bottom)
    window_lines: list[Line] = []
    for line in lines:
        where = f"page {line.page}"
        if not printable.holds(line.box):
            problems.append(f"{where}: text outside the printable area (15 mm sides, 5 mm top and bottom): "
                            f"{_at(line)}.")
        if line.page != 1 or line.box[1] >= BODY_TOP - TOLERANCE:
            continue
        if WINDOW.holds(line.box):
            window_lines.append(line)
        elif WINDOW.touches(line.box):
            problems.append(f"{where}: text crosses the edge of the address window: {_at(line)}.")
        elif CONTACT.holds(line.box) or LOGO.holds(line.box):
            continue
        elif line.box[1] >= WINDOW.bottom - TOLERANCE and line.box[0] < CONTACT.left:
            problems.append(f"{where}: text in the band between the address window and the body "
                            f"(which starts {BODY_TOP:g} mm down): {_at(line)}.")
        else:
            problems.append(f"{where}: text above the body (which starts {BODY_TOP:g} mm down) outside the "
                            f"contact block, logo area and address window: {_at(line)}.")
    if postal:
        address = [x.text for x in sorted(window_lines, key=lambda x: x.box[1])]
        problems.extend(f"page 1: {problem}" for problem in postal_address.problems(address))
    elif not window_lines:
        problems.append("page 1: the address window is empty.")
    for name in _fonts_not_embedded(data):
        problems.append(f"the font {name} is not embedded.")
    return problems
