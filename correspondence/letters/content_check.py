"""Quality checks: read letters back as a recipient would and prove they carry what they must.

A letter's Word file is read with python-docx (body, tables, headers, footers) and its PDF with
pypdf; at render time the same checks read what the renderer holds in memory instead (the Word
XML it filled, the text and sizes WeasyPrint laid out), so nothing is parsed back. Every required item of its manifest (``requirements.py``: the common items of letters.md,
the kind's own items, the Ombudsman's details where the matrix makes them mandatory) must
appear in both, white space folded. Also: no leftover template syntax, no ``None``/``null``/
``undefined``, no out-of-date Ombudsman detail, and 16pt text or more in a large-print PDF.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from correspondence.engine.rules import fold

LEFTOVERS = ("{{", "}}", "{%", "%}")
EMPTY_WORDS = re.compile(r"\b(None|null|undefined)\b")
LARGE_PRINT_PT = 16.0


@dataclass(frozen=True)
class Failure:
    file: str      # the letter's file (or manifest) that fails
    letter: str    # e.g. "outcome stage 1 (e7)"
    item: str      # what is missing or wrong

    def sentence(self) -> str:
        return f"{self.file}: {self.letter}: {self.item}"

    def to_json(self) -> dict:
        return {"file": self.file, "letter": self.letter, "problem": self.item}


# --------------------------------------------------------------------------- reading letters

def _paragraphs(container) -> list[str]:
    out = [p.text for p in container.paragraphs]
    for table in container.tables:
        seen: list = []  # the cells' elements, kept alive so each keeps its one proxy
        for row in table.rows:
            for cell in row.cells:
                if not any(cell._tc is tc for tc in seen):  # a merged cell is listed for each row it spans
                    seen.append(cell._tc)
                    out.extend(_paragraphs(cell))
    return out


def docx_text(data: bytes) -> str:
    """Everything a reader sees in a .docx: body, tables, headers and footers."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = _paragraphs(doc)
    for section in doc.sections:
        parts += _paragraphs(section.header) + _paragraphs(section.footer)
        if section.different_first_page_header_footer:
            parts += _paragraphs(section.first_page_header) + _paragraphs(section.first_page_footer)
    return "\n".join(parts)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RUN_TEXT = {_W + "t": None, _W + "tab": "\t", _W + "ptab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}


def docx_xml_text(parts: Iterable[bytes]) -> str:
    """The same text from a Word letter's XML parts (body, headers, footers) held in memory:
    every paragraph, in tables too, a paragraph a line (what the renderer checks before filing)."""
    from lxml import etree

    lines: list[str] = []
    for xml in parts:
        for paragraph in etree.fromstring(xml).iter(_W + "p"):
            pieces = []
            for element in paragraph.iter(_W + "t", _W + "tab", _W + "ptab", _W + "cr", _W + "noBreakHyphen", _W + "br"):
                if element.tag == _W + "br":
                    pieces.append("\n" if element.get(_W + "type", "textWrapping") == "textWrapping" else "")
                else:
                    pieces.append(element.text or "" if element.tag == _W + "t" else _RUN_TEXT[element.tag])
            lines.append("".join(pieces))
    return "\n".join(lines)


def docx_smallest_size(data: bytes) -> float:
    """The smallest effective size in points of any run with text in a .docx (body, headers,
    footers): the run's own size, else its character style's, else its paragraph style's (each
    with what it is based on), else the document defaults (Word's own default: 10pt)."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(io.BytesIO(data))
    styles = {s.get(qn("w:styleId")): s for s in doc.styles.element.findall(qn("w:style"))}
    default_sz = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
    default = int(default_sz.get(qn("w:val"))) if default_sz is not None else 20

    def style_size(style_id: str | None) -> int | None:
        seen = 0
        while style_id in styles and seen < 20:
            style = styles[style_id]
            sz = style.find(f"{qn('w:rPr')}/{qn('w:sz')}")
            if sz is not None:
                return int(sz.get(qn("w:val")))
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
            seen += 1
        return None

    paragraph_default = next((sid for sid, st in styles.items()
                              if st.get(qn("w:type")) == "paragraph" and st.get(qn("w:default")) in ("1", "true")), None)
    parts = [doc.element] + [rel.target_part.element for rel in doc.part.rels.values()
                             if rel.reltype.endswith(("/header", "/footer"))]
    smallest = None
    for part in parts:
        for run in part.iter(qn("w:r")):
            if not "".join(t.text or "" for t in run.iter(qn("w:t"))).strip():
                continue
            rpr = run.find(qn("w:rPr"))
            size = None
            if rpr is not None and rpr.find(qn("w:sz")) is not None:
                size = int(rpr.find(qn("w:sz")).get(qn("w:val")))
            if size is None and rpr is not None and rpr.find(qn("w:rStyle")) is not None:
                size = style_size(rpr.find(qn("w:rStyle")).get(qn("w:val")))
            if size is None:
                paragraph = next((a for a in run.iterancestors(qn("w:p"))), None)
                pstyle = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") if paragraph is not None else None
                size = style_size(pstyle.get(qn("w:val")) if pstyle is not None else paragraph_default)
            size = size if size is not None else default
            smallest = size if smallest is None else min(smallest, size)
    return (smallest or default) / 2


BODY_TOP_MM = 95.0  # letters.md, Fit to post: page 1's body starts 95 mm down; above it, letterhead and address


def _first_page_text(page) -> str:
    """Page 1 read as a person reads it: the letterhead and address (above the body) first, then the
    body. WeasyPrint draws the positioned letterhead after the flowing body, so in the content
    stream's order it would land inside a sentence running over to page 2."""
    height = float(page.mediabox.height)
    head: list[str] = []
    body: list[str] = []
    last_y: dict[int, float] = {}

    def visit(text, cm, tm, font, size) -> None:
        if not text:
            return
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        out = head if (height - y) * 25.4 / 72 < BODY_TOP_MM else body
        if id(out) in last_y and abs(last_y[id(out)] - y) > 1:
            out.append("\n")  # a new line: words on either side never run together
        last_y[id(out)] = y
        out.append(text)

    page.extract_text(visitor_text=visit)
    return "".join(head) + "\n" + "".join(body)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    return "\n".join(_first_page_text(page) if number == 0 else page.extract_text() or ""
                     for number, page in enumerate(pages))


def pdf_font_sizes(data: bytes) -> set[float]:
    """The size of every visible character in a PDF (pdfminer)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer

    sizes: set[float] = set()
    for page in extract_pages(io.BytesIO(data)):
        for element in page:
            if isinstance(element, LTTextContainer):
                for line in element:
                    for char in getattr(line, "_objs", []):
                        if isinstance(char, LTChar) and char.get_text().strip():
                            sizes.add(round(char.size, 1))
    return sizes


def flat(text: str) -> str:
    """White space folded, so a phrase wrapped across lines still matches."""
    return re.sub(r"\s+", " ", text.replace("\u200b", "").replace("\u2011", "-")).strip()


# White space, list bullets (drawn after a page's text in a PDF) and zero-width break opportunities.
_SPACE = re.compile(r"[\s\u2022\u200b]+")
_PAGE_NUMBER = re.compile(r"Page\s*\d+\s*of\s*\d+")


def compact(text: str) -> str:
    """The text with no white space at all: a required phrase is found however a page wraps it
    (a name hyphenated at a line end, an email address broken in a narrow column, a point
    that runs from one page to the next). List bullets go too: they are layout, and a PDF draws them
    after the page's text, so they would split a sentence running onto the next page."""
    return _SPACE.sub("", text).replace("\u2011", "-")


def without_page_furniture(text: str, manifest: dict) -> str:
    """``text`` (compacted) with each page's footer taken out ("<council> · Our reference <case>",
    in large print "<council> · Ref <case>", and "Page N of M"), so a paragraph running over a page
    break reads as one."""
    out = _PAGE_NUMBER.sub("", text)
    case = compact(str(manifest.get("case_id", "")))
    council = next((compact(i["text"]) for i in manifest.get("required_content", []) if i.get("item") == "council name"), "")
    if case:
        for label in ("Ourreference", "Ref"):
            out = out.replace(f"{council}·{label}{case}", "").replace(f"·{label}{case}", "")
    return out


def contains(text: str, phrase: str) -> bool:
    """``phrase`` is in ``text`` (both compacted)."""
    return compact(phrase) in text


# --------------------------------------------------------------------------- checking

def from_record(text: str, record_texts: Iterable[str]) -> dict[str, int]:
    """How many template marks and empty words in ``text`` are the record's own text printed as
    data (a summary quoting ``{{``, a name "None"), so the checks do not take them for leftovers."""
    counts: dict[str, int] = {}
    folded = flat(text)
    values = {flat(v) for v in record_texts if any(m in v for m in LEFTOVERS) or EMPTY_WORDS.search(v)}
    for value in sorted((v for v in values if v), key=len, reverse=True):
        found = folded.count(value)
        if not found:
            continue
        folded = folded.replace(value, " ")
        for mark in LEFTOVERS:
            if value.count(mark):
                counts[mark] = counts.get(mark, 0) + value.count(mark) * found
        for word in EMPTY_WORDS.findall(value):
            counts[word] = counts.get(word, 0) + found
    return counts


def describe(manifest: dict) -> str:
    stage = f" stage {manifest['stage']}" if manifest.get("stage") else ""
    draft = ", a draft awaiting sign-off" if is_draft(manifest) else ""
    copy = f", the {manifest['copy_to']}'s copy" if manifest.get("copy_to") else ""
    return f"{manifest['letter']}{stage} ({manifest['trigger']}{draft}{copy})"


COPY_FIELDS = ("files", "delivery", "large_print", "required_content", "enclosures", "from_record")


def copy_view(manifest: dict, copy: dict) -> dict:
    """A copy of the letter (an entry of the manifest's ``copies``) seen as a letter of its own:
    the letter's manifest with the copy's files, delivery, print size and required content, so
    the copy passes the very checks the letter does."""
    view = {**manifest, **{k: copy.get(k) for k in COPY_FIELDS}, "copy_to": str(copy.get("to", "complainant")),
            "copies": []}
    view["from_record"] = copy.get("from_record") or {}
    view["required_content"] = copy.get("required_content") or []
    return view


def is_draft(manifest: dict) -> bool:
    """A letter drafted and held for sign-off (``outbox/<case>/drafts/``), not issued."""
    return isinstance(manifest, dict) and manifest.get("status") == "draft"


def hold_codes(manifest: dict) -> set[str]:
    return {h.get("code") for h in manifest.get("holds") or [] if isinstance(h, dict)} if is_draft(manifest) else set()


def check_texts(manifest: dict, texts: dict[str, str], names: dict[str, str], retired: Iterable[str],
                pdf: bytes | None = None, *, pdf_sizes: Iterable[float] | None = None) -> list[Failure]:
    """Check the text of each format (``texts``: format -> text) against the manifest.

    Type sizes for the large-print check: ``pdf_sizes`` if given (read from the layout), else
    read from the ``pdf`` bytes."""
    letter = describe(manifest)
    failures: list[Failure] = []
    allowed = " ".join(flat(i["text"]) for i in manifest.get("required_content", []))
    compacted = {fmt: without_page_furniture(compact(raw), manifest) for fmt, raw in texts.items()}
    for fmt, raw in texts.items():
        text = flat(raw)
        name = names[fmt]
        record = manifest.get("from_record", {}).get(fmt, {})  # the record's own text, printed as data
        for item in manifest.get("required_content", []):
            if not contains(compacted[fmt], item["text"]):
                failures.append(Failure(name, letter, f"missing {item['item']}: \"{item['text']}\" ({item['cite']})"))
        for mark in LEFTOVERS:
            if text.count(mark) > allowed.count(mark) + record.get(mark, 0):
                failures.append(Failure(name, letter, f"leftover template syntax {mark!r}"))
        for word in set(EMPTY_WORDS.findall(text)) - set(EMPTY_WORDS.findall(allowed)):
            if len(re.findall(rf"\b{word}\b", text)) <= record.get(word, 0):
                continue
            failures.append(Failure(name, letter, f"the word {word!r} where a value should be"))
        folded = fold(raw)
        for stale in retired:
            if stale in folded:
                failures.append(Failure(name, letter, f"an out-of-date Ombudsman detail ({stale!r}, listed under retired in ombudsmen.toml)"))
    if len(texts) == 2:
        (fa, ta), (fb, tb) = texts.items()
        for item in manifest.get("required_content", []):
            inside = [contains(compacted[f], item["text"]) for f in (fa, fb)]
            if inside[0] != inside[1]:
                failures.append(Failure(names[fa if not inside[0] else fb], letter,
                                        f"the two formats differ: {item['item']} is in one but not the other"))
    if (pdf is not None or pdf_sizes is not None) and manifest.get("large_print"):
        sizes = set(pdf_sizes) if pdf_sizes is not None else pdf_font_sizes(pdf)
        if sizes and min(sizes) < LARGE_PRINT_PT:
            failures.append(Failure(names["pdf"], letter,
                                    f"large print needs 16pt text or more; the smallest is {min(sizes):g}pt"))
    return failures


def check_manifest(path: Path, retired: Iterable[str]) -> list[Failure]:
    """Check one filed letter, given its manifest (``<stem>.json``), and each copy filed with it
    (its ``copies``: the complainant's large-print copy) by the same checks."""
    from correspondence.letters.manifest import problem

    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return [Failure(str(path), "unknown letter", "the manifest cannot be read (not a file of valid JSON)")]
    if isinstance(manifest, dict) and str(manifest.get("format", "")).startswith("complaint-case/"):
        return [Failure(str(path), "a case record, not a letter",
                        f"letters check reads the letters filed in the outbox; to see this case's letters, "
                        f"run 'letters due --case-file {path}'.")]
    found = problem(manifest)
    if found:  # a manifest edited or damaged: one sentence, never a crash in the checks below
        return [Failure(str(path), "unknown letter", f"the manifest cannot be read: {found}")]
    failures: list[Failure] = []
    for view in [manifest, *(copy_view(manifest, c) for c in manifest.get("copies") or [])]:
        failures += _check_files(path, view, retired)
    return failures


def _check_files(path: Path, manifest: dict, retired: Iterable[str]) -> list[Failure]:
    files = manifest["files"]
    texts: dict[str, str] = {}
    names: dict[str, str] = {}
    pdf = None
    failures: list[Failure] = []
    for fmt, reader in (("docx", docx_text), ("pdf", pdf_text)):
        if fmt not in files:
            continue
        file = path.parent / files[fmt]
        names[fmt] = str(file)
        try:
            data = file.read_bytes()
            texts[fmt] = reader(data)
            if fmt == "pdf":
                pdf = data
        except FileNotFoundError:
            failures.append(Failure(str(file), describe(manifest), "the file is missing"))
        except Exception as exc:  # a damaged file is a failure, not a crash
            failures.append(Failure(str(file), describe(manifest), f"cannot be read ({type(exc).__name__})"))
    failures += check_texts(manifest, texts, names, retired, pdf)
    letter = describe(manifest)
    if "docx" in texts and manifest.get("large_print"):
        smallest = docx_smallest_size((path.parent / files["docx"]).read_bytes())
        if smallest < LARGE_PRINT_PT:
            failures.append(Failure(names["docx"], letter, f"large print needs 16pt text or more; the smallest is {smallest:g}pt"))
    if pdf is not None and "layout" not in hold_codes(manifest):  # a draft's known layout hold fails nothing
        from correspondence.letters.fit_to_post import layout_problems
        postal = manifest.get("delivery") != "email"
        failures += [Failure(names["pdf"], letter, f"not fit to post: {problem}") for problem in layout_problems(pdf, postal)]
    return failures


def manifest_warnings(path: Path) -> list[Failure]:
    """What a filed letter's manifest asks the caseworker to look at (e.g. complaint points its outcome
    leaves unanswered). A warning does not fail the check: the letter carries what it must, but a
    person should read it before it goes."""
    from correspondence.letters.manifest import problem

    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if problem(manifest):
            return []  # check_manifest reports it
        warnings = manifest.get("warnings") or []
        held = sorted(c for c in hold_codes(manifest) if isinstance(c, str))
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return []  # check_manifest reports a manifest it cannot read
    out = [Failure(str(path), describe(manifest), f"warning: {w}") for w in warnings if isinstance(w, str)]
    if held:  # known holds: a manager decides them (letters drafts); they fail no check
        out.append(Failure(str(path), describe(manifest), f"held for sign-off: {' '.join(held)}"))
    return out


def manifests_under(paths: Iterable[Path]) -> list[Path]:
    """The letter manifests in the given files and folders (case store and failed letters excluded; drafts
    in ``<case>/drafts/`` included, what returned drafts held is not)."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_file() and path.suffix == ".json":
            found.append(path)
        elif path.is_file():
            sibling = path.with_suffix(".json")
            if sibling.is_file():
                found.append(sibling)
        elif path.is_dir():
            for manifest in sorted(path.rglob("*.json")):
                parts = manifest.relative_to(path).parts
                folders = parts[:-1]
                if any(p.startswith(".") or p == "failed" for p in folders) or manifest.name.startswith(".") \
                        or ("drafts" in folders and "returned" in folders):
                    continue
                found.append(manifest)
    return sorted(set(found))
