"""Rendering letters: Word through docxtpl, PDF through Jinja2 and WeasyPrint.

Templates render in a Jinja sandbox with autoescaping and StrictUndefined: a missing value is an
error naming the template and the variable, never a blank, and text from a record is only ever
data (it is never compiled as a template). A council overrides any template by placing its own
file under ``templates/docx/<council>/`` or ``templates/html/<council>/``.

WeasyPrint is imported only when a PDF is made; one FontConfiguration and one parsed stylesheet
serve the whole process.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Hashable

from jinja2 import BaseLoader, BytecodeCache, StrictUndefined, TemplateError, TemplateNotFound, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from correspondence.common import filestamp
from correspondence.common.errors import CorrespondenceError
from correspondence.letters import weasyprint_import
from correspondence.letters.word_render import WordLetter, WordSourceError, WordTemplate

BASE = "_base"
STYLESHEET = "letter.css"


class TemplateProblem(CorrespondenceError):
    """A template that cannot render; the message is one sentence naming the template."""


def _undefined_name(error: UndefinedError) -> str:
    message = str(error)
    found = re.findall(r"'([^']+)'", message)
    if "has no attribute" in message and len(found) >= 2:
        return found[-1]
    return found[0] if found else message


@lru_cache(maxsize=None)
def _font_config():
    """One FontConfiguration for the whole process (WeasyPrint is imported only when needed)."""
    weasyprint_import.load()
    from weasyprint.text.fonts import FontConfiguration
    return FontConfiguration()


_STYLESHEETS: dict[str, tuple] = {}


def _stylesheet(path: Path) -> tuple[Any, Any, str]:
    """The parsed stylesheet, its FontConfiguration and the SHA-256 of the bytes it was parsed
    from: once per process, and again when the file's stamp changes. It must be UTF-8 text (as
    the templates): WeasyPrint would read other bytes as something, silently."""
    kept = _STYLESHEETS.get(str(path))
    try:
        if kept is not None and kept[0] == filestamp.stamp(path):
            return kept[1:]
        stamp, data = filestamp.read(path)
    except filestamp.NotAFile:
        raise TemplateProblem(f"{path}: is not a file; expected the letters' stylesheet.") from None
    except FileNotFoundError:
        raise TemplateProblem(f"{path}: no such file; expected the letters' stylesheet.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateProblem(f"{path}: {filestamp.not_utf8(exc, 'a stylesheet')}.") from None
    weasyprint_import.load()
    from weasyprint import CSS
    fonts = _font_config()
    kept = (stamp, CSS(string=text, base_url=str(path), font_config=fonts), fonts, hashlib.sha256(data).hexdigest())
    _STYLESHEETS[str(path)] = kept
    return kept[1:]


@dataclass(frozen=True)
class Rendered:
    docx: bytes | None
    pdf: bytes | None
    sources: dict[str, str]  # template path -> SHA-256
    # What the render-time checks read, held in memory (never parsed back from the bytes above):
    docx_parts: tuple[bytes, ...] = ()      # the rendered XML of the Word body, headers and footers
    pdf_lines: tuple[str, ...] = ()         # the PDF's text as WeasyPrint laid it out, line by line
    pdf_sizes: frozenset[float] = frozenset()  # the size in points of every visible character


@dataclass(frozen=True)
class PdfLetter:
    data: bytes
    lines: tuple[str, ...]
    sizes: frozenset[float]
    stylesheet_sha256: str = ""  # of the stylesheet's bytes it was laid out with


PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels; a PDF point is 4/3 of one


def laid_out_text(document) -> tuple[list[str], set[float]]:
    """Each line of text on a WeasyPrint document's pages, in reading order, and the size in
    points of every visible character (as a PDF reader would measure it)."""
    from weasyprint.formatting_structure import boxes

    lines: list[str] = []
    sizes: set[float] = set()

    def texts(box, out: list[str]) -> None:
        box = getattr(box, "_box", box)  # an absolutely placed box (a list marker) is held by a placeholder
        if isinstance(box, boxes.TextBox):
            out.append(box.text)
            if box.text.strip():
                sizes.add(round(box.style["font_size"] * PX_TO_PT, 1))
        elif isinstance(box, boxes.ParentBox):
            for child in box.children:
                texts(child, out)

    def walk(box) -> None:
        box = getattr(box, "_box", box)
        if isinstance(box, boxes.LineBox):
            out: list[str] = []
            texts(box, out)
            if not (box.element_tag or "").endswith("::marker"):  # a list's bullet is no part of the text
                lines.append("".join(out))
        elif isinstance(box, boxes.ParentBox):
            for child in box.children:
                walk(child)

    for page in document.pages:
        walk(page._page_box)
    return lines, sizes


_HASHES: dict[tuple, str] = {}


def sha256_file(path: Path) -> str:
    """The file's SHA-256, computed again only when its stamp changes (``filestamp.py``)."""
    key = (str(path), filestamp.stamp(path))
    digest = _HASHES.get(key)
    if digest is None:
        stamp, data = filestamp.read(path)
        digest = _HASHES[(str(path), stamp)] = hashlib.sha256(data).hexdigest()
    return digest


@lru_cache(maxsize=None)
def _code_stamp(cls: type) -> str:
    """The SHA-256 of the source of the modules that build a compiled Word template: ``word_render.py``,
    ``word_template_builder.py`` (large print) and the module of every class ``cls`` is made of."""
    import inspect
    import sys

    here = Path(__file__).resolve().parent
    files = {str(here / "word_render.py"), str(here / "word_template_builder.py")}
    for klass in cls.__mro__:
        module = sys.modules.get(klass.__module__)
        if module is not None and getattr(module, "__file__", None) and klass is not object:
            files.add(inspect.getfile(klass))
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _library_versions() -> tuple:
    """The versions of everything that shapes a compiled Word template's bytes or code (a
    library without a version attribute: its files' sizes and modification times)."""
    import sys

    import docx
    import docxcompose
    import docxtpl
    import jinja2
    from lxml import etree

    def version(module) -> str:
        found = getattr(module, "__version__", None)
        if found:
            return str(found)
        folder = Path(module.__file__).parent
        return ",".join(f"{p.name}:{filestamp.text(p)}" for p in sorted(folder.glob("*.py")))

    return (sys.version, sys.implementation.cache_tag, jinja2.__version__, etree.LXML_VERSION,
            version(docxtpl), version(docxcompose), version(docx))


class _KeptBytecode(BytecodeCache):
    """The HTML templates' compiled code, kept between runs as any other entry of the cache
    (``cache.py``): written whole, checked on reading (a damaged entry is compiled again, never
    run), at most 512 kept; a folder that cannot be read or written only costs the compiling.
    Jinja's own ``FileSystemBytecodeCache`` checks none of this: one changed byte in its file
    could change a letter's words or crash the worker."""

    def __init__(self, kind: str):
        self.kind = kind

    def load_bytecode(self, bucket) -> None:
        from correspondence.common import cache

        data = cache.read(self.kind, bucket.key)
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)  # Jinja checks its version and the source's checksum
        except Exception:
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        from correspondence.common import cache

        if bucket.code is not None:
            cache.write(self.kind, bucket.key, bucket.bytecode_to_string())


_BYTECODE_CACHES: dict[str, _KeptBytecode] = {}


def _bytecode_cache(settings: tuple) -> _KeptBytecode | None:
    """The bytecode cache for environments with these settings (Jinja keys compiled code by
    template, file and source, not by the settings or the Jinja it was compiled with); None when
    there is no usable cache."""
    import jinja2

    from correspondence.common import cache

    kind = "html-" + cache.key_of(settings, jinja2.__version__)[:16]
    if cache.folder(kind) is None:
        return None
    if kind not in _BYTECODE_CACHES:
        _BYTECODE_CACHES[kind] = _KeptBytecode(kind)
    return _BYTECODE_CACHES[kind]


class _HtmlEnvironment(SandboxedEnvironment):
    """The HTML templates' sandbox; while ``used`` is a list, every template a render asks for
    (the letter's, then the base it extends) is added to it, as compiled."""

    used: list | None = None

    def get_template(self, name, parent=None, globals=None):
        template = super().get_template(name, parent, globals)
        if self.used is not None:
            self.used.append(template)
        return template


class _TemplateFolders(BaseLoader):
    """The HTML templates: the council's folder first, then the shared one. A template read is
    out of date (and read again) when its file's stamp changes (``filestamp.py``: an edit that
    keeps the modification time too), and when a folder before it now holds a file of the same
    name: a council's override added while the service runs is used from its next letter."""

    def __init__(self, folders: list[str]):
        self.folders = folders
        self._digests: dict[str, str] = {}  # file -> SHA-256 of the bytes last read, until loaded

    def load(self, environment, name, globals=None):
        """The template, carrying the SHA-256 of the very bytes it was compiled from (``sha256``):
        what a letter's manifest records, whatever happens to the file afterwards."""
        template = super().load(environment, name, globals)
        template.sha256 = self._digests.pop(template.filename, None)
        return template

    def get_source(self, environment, template: str):
        from jinja2.loaders import split_template_path

        pieces = split_template_path(template)
        for index, folder in enumerate(self.folders):
            filename = os.path.normpath(os.path.join(folder, *pieces))
            try:
                before, data = filestamp.read(filename)  # the stamp before the bytes: a later edit shows
            except OSError:  # absent, a folder or a FIFO: the next folder's
                continue
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError as exc:  # saved in another encoding: one sentence naming it
                problem = TemplateError(filestamp.not_utf8(exc, "a template"))
                problem.filename = filename
                raise problem from None
            self._digests[filename] = hashlib.sha256(data).hexdigest()
            earlier = [os.path.join(f, *pieces) for f in self.folders[:index]]

            def uptodate(filename=filename, before=before, earlier=earlier) -> bool:
                try:
                    if filestamp.stamp(filename) != before:
                        return False
                except OSError:
                    return False
                return not any(os.path.isfile(path) for path in earlier)

            return source, filename, uptodate
        raise TemplateNotFound(template)


_NB_HYPHEN, _ZWSP = "\u2011", "\u200b"
_KEPT_WORD = re.compile(r"[^\s<>]*[\u2011\u200b][^\s<>]*")


def _kept_address(match: re.Match) -> str:
    parts = []
    for part in match.group(0).split(_ZWSP):
        parts.append(f'<span class="nobr">{part.replace(_NB_HYPHEN, "-")}</span>' if _NB_HYPHEN in part else part)
    return f'<span class="addr">{_ZWSP.join(parts)}</span>'


def html_text(value: Any) -> Any:
    """A value as the HTML letters print it. An email or web address that ``keep_together``
    marked (letters/context.py: zero-width spaces after "@", "." and "/", non-breaking hyphens)
    is a span (``.addr``) that letter.css keeps on one line in the body, and lets wrap only at
    those zero-width spaces in the narrow letterhead; its hyphens are plain hyphens in no-wrap
    spans (``.nobr``: Liberation Sans has no U+2011 glyph, and a reader copying the address gets
    the hyphen they would type)."""
    if not isinstance(value, str) or (_NB_HYPHEN not in value and _ZWSP not in value):
        return value
    from markupsafe import Markup, escape

    return Markup(_KEPT_WORD.sub(_kept_address, str(escape(value))))


def _env_settings(env) -> tuple:
    finalize = getattr(env.finalize, "__qualname__", repr(env.finalize))
    return (type(env).__module__, type(env).__qualname__, repr(env.autoescape), env.undefined.__qualname__, finalize,
            env.block_start_string, env.variable_start_string, env.comment_start_string, env.trim_blocks,
            env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, tuple(sorted(env.extensions)))


class Renderer:
    """Renders letters from one templates folder. Reuse one per process."""

    def __init__(self, templates: Path):
        self.templates = Path(templates)
        self._html_envs: dict[str, SandboxedEnvironment] = {}
        self._word: dict[tuple, WordTemplate] = {}
        self._docx_env: SandboxedEnvironment | None = None
        self._translations: tuple[Any, dict[str, str]] | None = None

    # ----- finding templates

    def path(self, fmt: str, council: str, name: str) -> Path:
        """The council's own template if it has one, else the shared one."""
        suffix = ".docx" if fmt == "docx" else ".html"
        own = self.templates / fmt / council / f"{name}{suffix}"
        return own if own.is_file() else self.templates / fmt / f"{name}{suffix}"

    def sources(self, council: str, kind: str) -> dict[str, str]:
        """The files a letter of ``kind`` would be made from now, with their SHA-256 (a letter
        rendered carries its own, of the bytes it was made from: ``Rendered.sources``)."""
        paths = [self.path("docx", council, BASE), self.path("docx", council, kind),
                 self.path("html", council, BASE), self.path("html", council, kind), self.stylesheet_path]
        return {self._shown(p): sha256_file(p) for p in paths if p.is_file()}

    def _shown(self, path: Path) -> str:
        """A template's path as a manifest records it: from the project folder (templates/...)."""
        path = Path(path)
        return str(path.relative_to(self.templates.parent) if path.is_relative_to(self.templates.parent) else path)

    @property
    def stylesheet_path(self) -> Path:
        return self.templates / "html" / STYLESHEET

    # ----- the council's wording kept as data

    def translation_lines(self) -> dict[str, str]:
        """Each language's line saying a translation is on its way (``templates/translations.toml``,
        review F11), read again only when the file changes; none without the file."""
        from correspondence.common.wording import TRANSLATIONS_FILE, translation_lines

        path = self.templates / TRANSLATIONS_FILE
        try:
            stamp, data = filestamp.read(path)
        except FileNotFoundError:
            return {}
        except (OSError, filestamp.NotAFile) as exc:
            raise TemplateProblem(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc}).") from None
        if self._translations is None or self._translations[0] != stamp:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise TemplateProblem(f"{path}: is not UTF-8 text; expected a TOML file of lines by language.") from None
            try:
                self._translations = (stamp, translation_lines(text, str(path)))
            except ValueError as exc:
                raise TemplateProblem(str(exc)) from None
        return self._translations[1]

    def with_translations(self, context: dict[str, Any]) -> dict[str, Any]:
        """``context`` with each of the reader's languages given its line in that language, and its
        direction, from the translations file (a language without one: the English sentence only)."""
        wanted = context.get("translations") or []
        if not wanted or all(t.get("line") for t in wanted):
            return context
        from correspondence.common.wording import right_to_left, translation_line

        lines = self.translation_lines()
        filled = []
        for t in wanted:
            line = t.get("line") or translation_line(lines, t["code"])
            filled.append({**t, "line": line, "rtl": right_to_left(line)})
        return {**context, "translations": filled}

    # ----- environments

    def docx_env(self) -> SandboxedEnvironment:
        """The Word templates' environment (one per renderer: it caches what it compiles)."""
        if self._docx_env is None:
            self._docx_env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
        return self._docx_env

    def html_env(self, council: str) -> SandboxedEnvironment:
        env = self._html_envs.get(council)
        if env is None:
            loader = _TemplateFolders([str(self.templates / "html" / council), str(self.templates / "html")])
            env = _HtmlEnvironment(loader=loader, autoescape=True, undefined=StrictUndefined,
                                   trim_blocks=True, lstrip_blocks=True, finalize=html_text)
            env.bytecode_cache = _bytecode_cache(_env_settings(env))
            self._html_envs[council] = env
        return env

    # ----- HTML and PDF

    def render_html(self, council: str, kind: str, context: dict[str, Any]) -> str:
        return self.render_html_from(council, kind, context)[0]

    def render_html_from(self, council: str, kind: str, context: dict[str, Any]) -> tuple[str, dict[Path, str]]:
        """The letter's HTML, and each template file it was made from with the SHA-256 of the
        bytes compiled (not of the file as it is now: it may have been saved again since)."""
        name = f"{kind}.html"
        context = self.with_translations(context)
        env = self.html_env(council)
        env.used = []
        try:
            html = env.get_template(name).render(context)
            return html, {Path(t.filename): t.sha256 for t in env.used if getattr(t, "sha256", None)}
        except UndefinedError as exc:
            raise TemplateProblem(f"{self.path('html', council, kind)}: uses {_undefined_name(exc)!r}, "
                                  f"which the letter's context does not provide.") from None
        except TemplateNotFound as exc:
            raise TemplateProblem(f"{self.templates / 'html'}: no template {exc.name!r} for {kind} letters.") from None
        except TemplateError as exc:
            where = getattr(exc, "filename", None) or self.path("html", council, kind)
            raise TemplateProblem(f"{where}: {str(exc).rstrip('.')}.") from None
        finally:
            env.used = None

    def render_pdf(self, html: str) -> bytes:
        return self.render_pdf_laid_out(html).data

    def render_pdf_laid_out(self, html: str) -> "PdfLetter":
        """The PDF, and its text and type sizes as laid out (read from the pages, not the bytes)."""
        weasyprint_import.load()
        from weasyprint import HTML

        css, fonts, stylesheet_sha256 = _stylesheet(self.stylesheet_path)
        document = HTML(string=html, base_url=str(self.templates / "html")).render(
            stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1")
        lines, sizes = laid_out_text(document)
        finisher = None
        if "<th" in html:  # PDF/UA: header cells carry a scope (WeasyPrint writes none)
            from correspondence.letters.pdf_tags import scope_table_headers as finisher
        data = document.write_pdf(pdf_variant="pdf/ua-1", finisher=finisher)
        return PdfLetter(data, tuple(lines), frozenset(sizes), stylesheet_sha256)

    # ----- Word

    def word_variant(self, context: dict[str, Any]) -> Hashable:
        """What, besides the template files, makes one compiled Word template differ from another:
        large print (every style and run at 16pt or more) and the council's logo (its file, bytes and
        size), drawn in page 1's header."""
        logo = (context.get("council") or {}).get("logo") if isinstance(context.get("council"), dict) else None
        logo_key = (logo["path"], logo["sha256"], logo["width_mm"], logo["height_mm"]) if logo else None
        return (bool(context.get("large_print")), logo_key)

    def prepare_word(self, document, council: str, kind: str, variant: Hashable) -> None:
        """Change the built Word document (python-docx ``Document``: base with body) once, before it
        is compiled: large print raises every style and run to 16pt or more; a logo goes in page 1's
        header."""
        large, logo = variant if isinstance(variant, tuple) else (bool(variant), None)
        if large:
            from correspondence.letters.word_template_builder import large_print
            large_print(document)
        if logo:
            from correspondence.letters.word_template_builder import add_logo
            add_logo(document, Path(logo[0]), logo[2], logo[3])

    def word_template(self, council: str, kind: str, variant: Hashable = None) -> WordTemplate:
        """The compiled Word template for ``kind``, built once per process and again only when
        one of its files changes (keyed by the files' paths and stamps, ``filestamp.py``)."""
        body_path, base_path = self.path("docx", council, kind), self.path("docx", council, BASE)
        try:
            key = (str(base_path), str(body_path), filestamp.stamp(base_path), filestamp.stamp(body_path), variant)
        except OSError:
            key = None  # missing or unreadable: said below, when it is read
        compiled = self._word.get(key)
        if compiled is None:
            # Each file read once: the key, the build and the manifest's hash all come from the
            # same bytes, however often the file is saved meanwhile.
            read = {path: self._read_word(path, kind) for path in (base_path, body_path)}
            key = (str(base_path), str(body_path), read[base_path][0], read[body_path][0], variant)
            digests = {path: hashlib.sha256(data).hexdigest() for path, (_, data) in read.items()}

            def prepare(document):
                self.prepare_word(document, council, kind, variant)
            try:
                compiled = WordTemplate(base_path, body_path, self.docx_env(), prepare,
                                        cache_key=self.word_cache_key(digests[base_path], digests[body_path],
                                                                      council, kind, variant),
                                        base_data=read[base_path][1], body_data=read[body_path][1])
            except WordSourceError as exc:
                raise _word_problem(exc) from None
            compiled.sources = digests
            self._word = {k: v for k, v in self._word.items() if k[:2] != key[:2] or k[4] != variant}
            self._word[key] = compiled
        return compiled

    @staticmethod
    def _read_word(path: Path, kind: str) -> tuple[tuple, bytes]:
        try:
            return filestamp.read(path)
        except FileNotFoundError:
            raise TemplateProblem(f"{path}: no Word template for {kind} letters.") from None
        except filestamp.NotAFile:
            raise TemplateProblem(f"{path}: is not a file; expected a Word template (.docx).") from None
        except OSError as exc:
            raise TemplateProblem(f"{path}: cannot be read ({exc.strerror or exc}).") from None

    def word_cache_key(self, base_sha256: str, body_sha256: str, council: str, kind: str, variant: Hashable) -> str:
        """What a compiled Word template kept between runs (``cache.py``) is derived from: the two
        files' contents (the SHA-256 of the bytes it is built from), the variant, the code that
        builds it (this renderer's class and ``prepare_word`` included), the environment's
        settings and the libraries' versions."""
        from correspondence.common import cache
        return cache.key_of("word", type(self).__module__, type(self).__qualname__, _code_stamp(type(self)),
                            _library_versions(), _env_settings(self.docx_env()),
                            base_sha256, body_sha256, council, kind, variant)

    def render_word(self, council: str, kind: str, context: dict[str, Any]) -> WordLetter:
        context = self.with_translations(context)
        return self._fill_word(self.word_template(council, kind, self.word_variant(context)), context)

    @staticmethod
    def _fill_word(compiled: WordTemplate, context: dict[str, Any]) -> WordLetter:
        try:
            return compiled.render(context)
        except WordSourceError as exc:
            raise _word_problem(exc) from None

    def render_docx(self, council: str, kind: str, context: dict[str, Any]) -> bytes:
        return self.render_word(council, kind, context).data

    # ----- both

    def render(self, council: str, kind: str, context: dict[str, Any], formats: tuple[str, ...] = ("docx", "pdf")) -> Rendered:
        """The letter in each format, with the template files it was made from and the SHA-256 of
        the bytes each was made from (for its manifest)."""
        used: dict[Path, str] = {}
        word = pdf = None
        context = self.with_translations(context)
        if "docx" in formats:
            compiled = self.word_template(council, kind, self.word_variant(context))
            word = self._fill_word(compiled, context)
            used.update(compiled.sources)
        if "pdf" in formats:
            html, html_sources = self.render_html_from(council, kind, context)
            pdf = self.render_pdf_laid_out(html)
            used.update(html_sources)
            used[self.stylesheet_path] = pdf.stylesheet_sha256
        return Rendered(word.data if word else None, pdf.data if pdf else None,
                        {self._shown(path): digest for path, digest in used.items()},
                        docx_parts=word.parts if word else (),
                        pdf_lines=pdf.lines if pdf else (), pdf_sizes=pdf.sizes if pdf else frozenset())


def _word_problem(exc: WordSourceError) -> TemplateProblem:
    error = exc.error
    if isinstance(error, UndefinedError):
        return TemplateProblem(f"{exc.path}: uses {_undefined_name(error)!r}, which the letter's context does not provide.")
    return TemplateProblem(f"{exc.path}: {str(error).rstrip('.')}.")
