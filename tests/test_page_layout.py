"""Pages a complaints manager would post (letters.md, Page breaks): no page but the last ends early
unless what starts the next page is a unit the rules keep whole, and the footer's texts on one line,
in PDF and in Word (opened in LibreOffice, as a council prints it), standard and large print.

The rule measured, page by page: the room left at the foot of a page (from its last line to the
bottom of the text area) is less than the height of what opens the next page and could not have
been set in that room (from the top margin, 20 mm down, to its last line's bottom: a box's border
and padding above its first line count), plus the space the
unit takes above it when set after other text (3 mm at most: a heading's margin; a paragraph's is
2 mm) and the leading the glyphs' boxes leave out (a line's pitch less their height). What opens a
page and cannot be split is:

- its headings (a heading never ends a page; a finding's heading, bold at the body's size, is a
  heading too, kept whole) with what follows them, which is
- the first lines of a paragraph (or list): the whole of it if it has three lines or fewer (at
  least two lines of a paragraph on each page: orphans and widows 2, Word's widow control), else
  its first two: a heading keeps with the first lines of a finding, never the whole finding;
- or, where the closing follows that paragraph, the paragraph, "Yours sincerely", the signature
  and the offer of other formats (they never stand alone on a page: Word keeps the whole paragraph
  with them, as LibreOffice moves a paragraph kept with the next whole);
- or a table's header row with its first row (a row is never split);
- in standard print, the Ombudsman's box (kept whole; in large print it may break, its heading
  with its first lines).
"""

import io
import re
import shutil
import subprocess

import pytest
from conftest import EXAMPLES, RULES, context_for, invoke, lengthen, postal

from correspondence.letters.content_check import compact
from correspondence.letters.specimens import LETTER_KINDS

MM = 72 / 25.4
TEXT_BOTTOM = {False: 297 - 11, True: 297 - 20}  # mm down: letter.css's @page margins, the builder's
TOP = 20  # mm: the top margin of every page but the first
SPACE_ABOVE = 3  # mm: the most a paragraph or a heading sets above itself (letter.css, h2's margin)


def page_lines(pdf: bytes):
    """Each page's lines as (top, bottom, left, size, bold, text) in mm from the page's top left,
    in reading order; pieces of one line (a bullet and its text, two columns) joined."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextLine

    pages = []
    for page in extract_pages(io.BytesIO(pdf), laparams=LAParams(line_margin=0.2)):
        chars = []

        def visit(element):
            if isinstance(element, LTTextLine):
                chars.extend(c for c in element if isinstance(c, LTChar) and c.get_text().strip())
            elif hasattr(element, "__iter__"):
                for child in element:
                    visit(child)
        visit(page)
        rows: dict[float, list] = {}
        for c in chars:  # chars on one baseline are one line
            key = round((page.height - c.y0) / MM / 1.5)
            rows.setdefault(key, []).append(c)
        lines = []
        for group in rows.values():
            group.sort(key=lambda c: c.x0)
            body = [c for c in group if c.get_text() not in "•"]
            lines.append((min((page.height - c.y1) / MM for c in group), max((page.height - c.y0) / MM for c in group),
                          min(c.x0 for c in group) / MM, round(max(c.size for c in group), 1),
                          bool(body) and all("Bold" in c.fontname for c in body),
                          "".join(c.get_text() for c in group)))
        pages.append(sorted(lines))
    return pages


def paragraphs(lines, pitch: float):
    """Lines grouped into paragraphs: a line further below the one before than the body's line pitch
    plus 0.5 mm starts a new one (a paragraph is 2 mm from the next, a finding 1 mm under its heading)."""
    out: list[list] = []
    for line in lines:
        if out and line[0] - out[-1][-1][0] <= pitch + 0.5:
            out[-1].append(line)
        else:
            out.append([line])
    return out


def page_problems(pdf: bytes, large_print: bool) -> list[str]:
    """Each page but the last that ends early with room for what opens the next page (module doc)."""
    pages = page_lines(pdf)
    bottom = TEXT_BOTTOM[large_print]
    bodies = [[x for x in page if x[0] < bottom] for page in pages]
    sizes = sorted(x[3] for page in bodies for x in page)
    body_size = min(sizes)
    pitch = body_size * (1.4 if large_print else 1.15) / MM  # the body's line height, in mm
    glyphs = min(x[1] - x[0] for page in bodies for x in page if x[3] == body_size)
    allowance = SPACE_ABOVE + pitch - glyphs
    problems = []
    for n, (page, following) in enumerate(zip(bodies, bodies[1:]), 1):
        if not page or not following:
            continue
        room = bottom - page[-1][1]
        paras = paragraphs(following, pitch)
        unit: list = []
        while paras and all(x[3] > body_size + 0.5 or x[4] for x in paras[0]):  # headings
            unit += paras.pop(0)
        if not paras:
            continue
        first = paras[0]
        texts = [compact(x[5]) for x in following]
        closing = next((i for i, t in enumerate(texts) if t.startswith("Yourssincerely")), None)
        heading = compact(unit[0][5]) if unit else ""
        if not large_print and "Ombudsman" in heading and heading.startswith("The"):
            continue  # the Ombudsman's box, kept whole in standard print
        if closing is not None and following.index(first[-1]) + 1 == closing:
            offer = next((i for i, t in enumerate(texts) if t.startswith("Wecanprovidethisletter")), len(texts) - 1)
            unit.append(next((para for para in paras if following[offer] in para), [following[offer]])[-1])
        elif compact(first[0][5]) in ("ActionBy", "Action"):
            unit += first + (paras[1] if len(paras) > 1 else [])
        else:
            unit += first if len(first) <= 3 else first[:2]
        needed = max(x[1] for x in unit) - TOP
        if room >= needed + allowance:
            problems.append(f"page {n} ends {room:.1f} mm above the text's bottom, though what opens page {n + 1} "
                            f"takes {needed:.1f} mm")
    return problems


def footer_problems(pdf: bytes, council: str, case_ref: str, large_print: bool) -> list[str]:
    """The footer of each page: the council and the reference, and "Page N of M", on one line."""
    pages = page_lines(pdf)
    label = "Ref" if large_print else "Ourreference"
    problems = []
    for n, page in enumerate(pages, 1):
        foot = [x for x in page if x[0] >= TEXT_BOTTOM[large_print]]
        text = "".join(x[5] for x in sorted(foot, key=lambda x: x[2]))
        if text != f"{compact(council)}·{label}{compact(case_ref)}Page{n}of{len(pages)}".replace(" ", ""):
            problems.append(f"page {n}: footer reads {text!r}")
        elif max(x[0] for x in foot) - min(x[0] for x in foot) > 1.5:
            problems.append(f"page {n}: the footer's texts are on {len(foot)} lines")
    return problems


def letters_made(book, all_specimens, renderer, kinds, councils_per_kind):
    """(council, kind, large print, long) -> the letter's context and its rendering."""
    made = {}
    for i, kind in enumerate(kinds):
        for j in range(councils_per_kind):
            council = book.councils[(i + j) % len(book.councils)]
            for large_print in (False, True):
                for long in (False, True):
                    ctx = postal(context_for(all_specimens, council, kind), large_print)
                    ctx = lengthen(ctx) if long else ctx
                    made[(council, kind, large_print, long)] = (ctx, renderer.render(council, kind, ctx))
    return made


def test_the_rule_catches_a_page_left_half_empty(book, all_specimens, renderer):
    """The measure fails a letter whose finding is kept whole with its heading (as Word's keep
    together would), leaving the page before it short."""
    ctx = postal(context_for(all_specimens, "telford-wrekin", "outcome"), True)
    ctx = lengthen(ctx)
    html = renderer.render_html("telford-wrekin", "outcome", ctx)
    good = renderer.render_pdf(html)
    assert page_problems(good, True) == []
    kept = html.replace("</head>", "<style>p { break-inside: avoid; }</style></head>")
    problems = page_problems(renderer.render_pdf(kept), True)
    assert problems and all(re.match(r"page \d+ ends \d+\.\d mm above the text's bottom", p) for p in problems), problems


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_no_pdf_page_ends_early_and_the_footer_is_one_line(book, all_specimens, renderer, kind):
    for (council, _, large_print, long), (ctx, rendered) in letters_made(
            book, all_specimens, renderer, [kind], len(book.councils)).items():
        where = (council, kind, large_print, long)
        assert page_problems(rendered.pdf, large_print) == [], where
        assert footer_problems(rendered.pdf, ctx["council"]["name"], ctx["case_ref"], large_print) == [], where


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_no_word_page_ends_early_and_the_footer_is_one_line(tmp_path, book, all_specimens, renderer):
    made = letters_made(book, all_specimens, renderer, LETTER_KINDS, 1)
    names = {}
    for key, (ctx, rendered) in made.items():
        name = "-".join(str(int(k)) if isinstance(k, bool) else k for k in key)
        (tmp_path / f"{name}.docx").write_bytes(rendered.docx)
        names[name] = key
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *sorted(str(p) for p in tmp_path.glob("*.docx"))], check=True, capture_output=True, timeout=500)
    for name, key in names.items():
        ctx = made[key][0]
        pdf = (tmp_path / "pdf" / f"{name}.pdf").read_bytes()
        assert page_problems(pdf, key[2]) == [], key
        assert footer_problems(pdf, ctx["council"]["name"], ctx["case_ref"], key[2]) == [], key


def test_the_large_print_copy_of_an_outcome_keeps_its_pages_full(tmp_path):
    """The example TWC-2026-0142: Ms Khan's large-print copy of her outcome, as filed."""
    outbox = tmp_path / "outbox"
    assert invoke("render", "--case-file", str(EXAMPLES / "twc-2026-0142.json"), "--as-of", "2026-11-20",
                  outbox=outbox, rules=RULES).exit_code == 0
    copy = next((outbox / "TWC-2026-0142" / "drafts").glob("*.copy.pdf")).read_bytes()
    assert page_problems(copy, True) == []
    assert footer_problems(copy, "Telford & Wrekin Council", "TWC-2026-0142", True) == []
