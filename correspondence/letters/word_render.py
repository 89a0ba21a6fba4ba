"""Word letters compiled once, filled per letter.

A letter's Word template is the shared base (letterhead, address block, Ombudsman paragraph,
signature) with the kind's body where the base says ``{{p body }}``. Building that document
(docxcompose merges the body's styles and numbering into the base) and compiling its Jinja
source is done once per process for each (base, body) pair; each letter is then one render of
the compiled template, written straight into a copy of the built package.

The letters are the ones docxtpl makes by rendering the body, inserting it as a sub-document
and rendering the base (``tests/test_word.py`` compares the two, part by part): the same
patching of Word's XML (docxtpl's ``patch_xml``), the same post-processing (listings, tables,
drawing ids), the same serialisation; then three finishing steps of this project's own
(``finish_text``, ``keep_with_closing``, ``letter_datetime``): Word's non-breaking hyphens and
addresses kept on one line in the body, the paragraph before "Yours sincerely" kept with it, and
the created and modified dates set to the letter's date.

Extension points, for changes to the Word files themselves: ``prepare`` receives the built
python-docx ``Document`` before it is compiled (styles, sections, headers, properties can be
changed there once); core properties holding Jinja (``{{ letter.title }}``) are rendered per
letter.
"""

from __future__ import annotations

import copy
import io
import marshal
import re
import struct
import time
import traceback
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, Template
from lxml import etree

from correspondence.common.errors import CorrespondenceError

BODY_TAG = re.compile(r"\{\{\s*body\s*\}\}")
CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl's list
_JINJA_MARKS = ("{{", "{%", "{#")
_TEMPLATE_FILENAME = "<template>"  # Jinja's name for code compiled from a string
_PART_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)  # python-docx's
CACHE_KIND = "word"
_NB_HYPHEN, _ZWSP = "\u2011", "\u200b"  # only ever in text (a w:t), put there by the context's keep_together
STATE_FORMAT = 1  # what a compiled template holds (raise it when that changes)


@dataclass(frozen=True)
class _Packed:
    crc: int
    size: int
    deflated: bytes


def _deflate(data: bytes) -> _Packed:
    """A member as zipfile's ZIP_DEFLATED stores it (raw deflate, level 6)."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return _Packed(zlib.crc32(data), len(data), packer.compress(data) + packer.flush())


def _zip(entries: list[tuple[str, _Packed]]) -> bytes:
    """A zip archive of already deflated members (what zipfile writes, without compressing again)."""
    now = time.localtime()
    dos_time = (now.tm_hour << 11) | (now.tm_min << 5) | (now.tm_sec // 2)
    dos_date = ((now.tm_year - 1980) << 9) | (now.tm_mon << 5) | now.tm_mday
    out, directory = bytearray(), bytearray()
    for name, packed in entries:
        encoded = name.encode("ascii")
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dos_time, dos_date, packed.crc,
                           len(packed.deflated), packed.size, len(encoded), 0) + encoded + packed.deflated
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, dos_time, dos_date, packed.crc,
                                 len(packed.deflated), packed.size, len(encoded), 0, 0, 0, 0, 0o600 << 16,
                                 offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(out), 0)
    return bytes(out + directory + end)


class WordSourceError(CorrespondenceError):
    """A Jinja error while rendering, with the template file it came from."""

    def __init__(self, path: Path, error: Exception):
        super().__init__(str(error))
        self.path, self.error = path, error


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CLOSING_STYLE = "Closing"  # word_template_builder.py: "Yours sincerely"


def finish_text(xml: str, body: bool) -> str:
    """A filled part's XML with the layout characters ``keep_together`` put in (letters/context.py)
    made Word's own: a non-breaking hyphen is ``w:noBreakHyphen`` (drawn as the font's hyphen); in
    the body (``body``) an email or web address stays on one line, the zero-width break
    opportunities after its "@", "." and "/" being for the narrow letterhead (a header) only."""
    if body and _ZWSP in xml:
        xml = xml.replace(_ZWSP, "")
    if _NB_HYPHEN in xml:
        xml = xml.replace(_NB_HYPHEN, '</w:t><w:noBreakHyphen/><w:t xml:space="preserve">')
    return xml


def letter_datetime(context: dict):
    """The letter's date (``letter.iso_date``) as the Word file's created and modified time, or None."""
    letter = context.get("letter") if isinstance(context, dict) else None
    written = letter.get("iso_date", "") if isinstance(letter, dict) else ""
    if not written:
        return None
    from datetime import datetime, timezone
    return datetime.fromisoformat(written).replace(tzinfo=timezone.utc)


def _keep_next(paragraph) -> None:
    ppr = paragraph.find(_W + "pPr")
    if ppr is None:
        ppr = etree.SubElement(paragraph, _W + "pPr")
        paragraph.remove(ppr)
        paragraph.insert(0, ppr)
    if ppr.find(_W + "keepNext") is None:
        keep = etree.Element(_W + "keepNext")
        style = ppr.find(_W + "pStyle")
        ppr.insert(1 if style is not None else 0, keep)  # pStyle first, then keepNext (the schema's order)


def keep_with_closing(body) -> None:
    """What comes just before "Yours sincerely" (a paragraph, or a table's last row) keeps with
    it, so the signature block never stands alone on a page (letter.css: break-before: avoid)."""
    for style in body.iter(_W + "pStyle"):
        if style.get(_W + "val") != CLOSING_STYLE:
            continue
        closing = style.getparent().getparent()
        before = closing.getprevious()
        if before is None:
            continue
        if before.tag == _W + "tbl":
            rows = before.findall(_W + "tr")
            for paragraph in (rows[-1].iter(_W + "p") if rows else ()):
                _keep_next(paragraph)
        elif before.tag == _W + "p":
            _keep_next(before)


class _Ids:
    """What docxtpl's drawing-id renumbering needs of a DocxTemplate: a counter from 1000."""

    def __init__(self):
        self.docx_ids_index = 1000


@dataclass
class WordLetter:
    data: bytes                 # the .docx
    parts: tuple[bytes, ...]    # rendered XML of the body, then headers and footers (for checks)


class WordTemplate:
    """One (base, body) pair, built and compiled; ``render(context)`` makes a letter."""

    def __init__(self, base_path: Path, body_path: Path, env: Environment,
                 prepare: Callable[[Any], None] | None = None, cache_key: str | None = None, *,
                 base_data: bytes | None = None, body_data: bytes | None = None):
        """Build and compile (base, body); with ``cache_key``, take the compiled template from the
        cache when it holds one under that key (the key must name everything it is built from:
        the files' contents, ``prepare``, ``env``'s settings, the libraries) and store it there
        when it does not. ``base_data`` and ``body_data``: the files' bytes, already read (the
        ones the key was made from); else the files are read here."""
        from docxtpl import DocxTemplate

        self.base_path, self.body_path = Path(base_path), Path(body_path)
        self._base_data = base_data if base_data is not None else self.base_path.read_bytes()
        self._body_data = body_data if body_data is not None else self.body_path.read_bytes()
        self.sources: dict[Path, str] = {}  # file -> SHA-256 of the bytes built from (set by the renderer)
        self._tpl = self._open(DocxTemplate, self.base_path, self._base_data)  # docxtpl's XML patching
        self._env = env
        state = self._cached(cache_key) if cache_key else None
        if state is None:
            state = self._build(env, prepare)
            if cache_key:
                from correspondence.common import cache
                cache.write(CACHE_KIND, cache_key, marshal.dumps(state))
        self._load(state, env)
        self._base_data = self._body_data = None  # built: the bytes are not needed again

    @staticmethod
    def _open(opener, path: Path, data: bytes):
        """A Word package from its bytes; one that is not a whole .docx (a file still being
        written, another kind of file) is a WordSourceError naming it."""
        try:
            return opener(io.BytesIO(data))
        except Exception:
            raise WordSourceError(path, ValueError(
                "cannot be read as a Word document; expected a .docx file saved whole by Word or "
                "LibreOffice")) from None

    @staticmethod
    def _cached(key: str) -> dict | None:
        from correspondence.common import cache
        data = cache.read(CACHE_KIND, key)
        if data is None:
            return None
        try:
            state = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
        return state if isinstance(state, dict) and state.get("format") == STATE_FORMAT else None

    def _build(self, env: Environment, prepare: Callable[[Any], None] | None) -> dict:
        """Everything a letter is filled from, as plain data: compiled code, XML, packed parts."""
        from docx import Document
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docxtpl.subdoc import SubdocComposer

        base = self._open(Document, self.base_path, self._base_data)
        body = self._open(Document, self.body_path, self._body_data)
        # The body's styles, numbering and parts join the base (docxtpl's sub-document step).
        SubdocComposer(base).attach_parts(body)
        if prepare is not None:
            prepare(base)
        body_xml = self._body_xml(body)
        base_xml = self._tpl.patch_xml(self._tpl.xml_to_string(base.element.body))
        found = BODY_TAG.findall(base_xml)
        if len(found) != 1:
            raise WordSourceError(self.base_path, ValueError(
                "the base must hold exactly one '{{p body }}' where the letter's body goes"))
        head, tail = BODY_TAG.split(base_xml)
        body_patched = self._tpl.patch_xml(body_xml)
        lines = lambda text: text.count("\n")  # noqa: E731
        source_head = self._lines(head)
        source_body = self._lines(body_patched)
        body_lines = (lines(source_head) + 1, lines(source_head) + lines(source_body) + 2)
        # Parts filled per letter: the body, every header and footer, the core properties.
        headers_footers = {}
        for rel in base.part.rels.values():
            if rel.reltype in (RT.HEADER, RT.FOOTER) and rel.target_part.blob:
                xml = self._tpl.patch_xml(self._tpl.xml_to_string(etree.fromstring(rel.target_part.blob, _PART_PARSER)))
                headers_footers[rel.target_part.partname.membername] = self._compile(env, xml, self.base_path)
        core = base.core_properties
        core_part = base.part.package._core_properties_part
        core_sources = {name: getattr(core, name) or "" for name in CORE_PROPERTIES}
        core_codes = {name: env.compile(text) for name, text in core_sources.items()
                      if any(mark in text for mark in _JINJA_MARKS)}
        core_static = {name: env.from_string(text).render({}) for name, text in core_sources.items()
                       if name not in core_codes}
        for name, value in core_static.items():  # as docxtpl leaves a property without Jinja
            setattr(core, name, value)
        self._body_lines = range(*body_lines)
        try:
            document = env.compile(self._lines(head + body_patched + tail))
        except Exception as exc:
            raise WordSourceError(self.body_path if self._in_body(exc) else self.base_path, exc) from None
        out = io.BytesIO()
        base.save(out)
        with zipfile.ZipFile(io.BytesIO(out.getvalue())) as built:
            members = [(info.filename, built.read(info.filename)) for info in built.infolist()]
        document_member = base.part.partname.membername
        core_member = core_part.partname.membername
        filled = {document_member, core_member, *headers_footers}
        return {
            "format": STATE_FORMAT,
            "document": document,
            "headers_footers": headers_footers,
            "core_codes": core_codes,
            "core_static": core_static,
            "core_blob": core_part.blob,
            "core_partname": str(core_part.partname),
            "core_content_type": core_part.content_type,
            "core_member": core_member,
            "document_member": document_member,
            "body_lines": body_lines,
            "shell": etree.tostring(self._document_shell(base)),
            "members": [name for name, _ in members],
            # The parts no letter changes (styles, numbering, theme: most of the package's bytes)
            # are compressed once, here; a letter compresses only its own parts.
            "packed": {name: (p.crc, p.size, p.deflated) for name, data in members if name not in filled
                       for p in [_deflate(data)]},
        }

    def _load(self, state: dict, env: Environment) -> None:
        def template(code) -> Template:
            return env.template_class.from_code(env, code, env.make_globals(None), None)

        self._document = template(state["document"])
        self._headers_footers = {member: template(code) for member, code in state["headers_footers"].items()}
        self._core_templates = {name: template(code) for name, code in state["core_codes"].items()}
        self._core_state = (state["core_partname"], state["core_content_type"], state["core_blob"])
        self._core_static = state["core_static"]
        self._core_part = None  # made from the blob when a letter first needs its properties filled
        self._core_cache: dict[tuple, bytes] = {}
        self._core_member, self._document_member = state["core_member"], state["document_member"]
        self._body_lines = range(*state["body_lines"])
        self._shell = etree.fromstring(state["shell"])
        self._members = state["members"]
        self._packed = {name: _Packed(*packed) for name, packed in state["packed"].items()}

    # ----- building

    @staticmethod
    def _body_xml(body) -> str:
        element = body.element.body
        if element.sectPr is not None:
            element.remove(element.sectPr)
        return re.sub(r"</?w:body[^>]*>", "", etree.tostring(element, encoding="unicode", pretty_print=False))

    @staticmethod
    def _lines(xml: str) -> str:
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # as docxtpl renders: one paragraph a line

    @staticmethod
    def _document_shell(base):
        root = copy.deepcopy(base.element)
        body = root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}body")
        for child in list(body):
            body.remove(child)
        return root

    def _compile(self, env: Environment, xml: str, path: Path):
        try:
            return env.compile(self._lines(xml))
        except Exception as exc:
            raise WordSourceError(path, exc) from None

    def _in_body(self, exc: BaseException) -> bool:
        lineno = getattr(exc, "lineno", None)
        if lineno is None:
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _TEMPLATE_FILENAME]
            lineno = frames[-1].lineno if frames else None
        return lineno in self._body_lines if lineno is not None else False

    # ----- filling

    def _fill(self, template: Template, context: dict, body: bool = False) -> str:
        """A part's XML for ``context``. In the body (``body``) an email or web address stays on
        one line: the zero-width break opportunities ``keep_together`` put after its "@", "."
        and "/" are for the narrow letterhead (a header) only."""
        xml = template.render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return finish_text(self._tpl.resolve_listing(xml), body)

    def render(self, context: dict) -> WordLetter:
        try:
            body = self._tpl.fix_tables(self._fill(self._document, context, body=True))
        except Exception as exc:
            raise WordSourceError(self.body_path if self._in_body(exc) else self.base_path, exc) from None
        from docxtpl import DocxTemplate
        DocxTemplate.fix_docpr_ids(_Ids(), body)
        keep_with_closing(body)
        root = copy.deepcopy(self._shell)
        root.replace(root.find(body.tag), body)
        rendered = {self._document_member: etree.tostring(root, encoding="UTF-8", standalone=True)}
        try:
            for member, template in self._headers_footers.items():
                part = etree.fromstring(self._fill(template, context).encode("utf-8"), _PART_PARSER)
                rendered[member] = etree.tostring(part, encoding="UTF-8", standalone=True)
            rendered[self._core_member] = self._core_xml(context)
        except Exception as exc:
            raise WordSourceError(self.base_path, exc) from None
        entries = [(member, self._packed[member] if member in self._packed else _deflate(rendered[member]))
                   for member in self._members]
        checked = [rendered[self._document_member]] + [rendered[m] for m in self._headers_footers]
        return WordLetter(_zip(entries), tuple(checked))

    def _core_xml(self, context: dict) -> bytes:
        """The core properties: those holding Jinja rendered, created and modified set to the
        letter's date (``letter.iso_date``; python-docx's starting file says 2013)."""
        written = letter_datetime(context)
        if not self._core_templates and not written:
            return self._core_state[2]
        values = tuple((name, t.render(context)) for name, t in self._core_templates.items())
        key = (values, written)
        blob = self._core_cache.get(key)
        if blob is None:
            if self._core_part is None:
                from docx.opc.packuri import PackURI
                from docx.opc.parts.coreprops import CorePropertiesPart
                partname, content_type, data = self._core_state
                self._core_part = CorePropertiesPart.load(PackURI(partname), content_type, data, None)
                for name, value in self._core_static.items():  # "" stays an empty element, not <x/>
                    setattr(self._core_part.core_properties, name, value)
            props = self._core_part.core_properties
            for name, value in values:
                setattr(props, name, value)
            if written:
                props.created = props.modified = written
            blob = self._core_part.blob
            if len(self._core_cache) < 256:
                self._core_cache[key] = blob
        return blob
