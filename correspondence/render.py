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
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

BASE = "_base"
STYLESHEET = "letter.css"


class TemplateProblem(Exception):
    """A template that cannot render; the message is one sentence naming the template."""


def _undefined_name(error: UndefinedError) -> str:
    message = str(error)
    found = re.findall(r"'([^']+)'", message)
    if "has no attribute" in message and len(found) >= 2:
        return found[-1]
    return found[0] if found else message


@lru_cache(maxsize=None)
def _font_config():
    """One FontConfiguration for the whole process (WeasyPrint is imported only here)."""
    from weasyprint.text.fonts import FontConfiguration
    return FontConfiguration()


@lru_cache(maxsize=8)
def _stylesheet(path: str, mtime_ns: int):
    """The parsed stylesheet, once per process (and again only if the file changes)."""
    from weasyprint import CSS
    fonts = _font_config()
    return CSS(filename=path, font_config=fonts), fonts


@dataclass(frozen=True)
class Rendered:
    docx: bytes | None
    pdf: bytes | None
    sources: dict[str, str]  # template path -> SHA-256


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Renderer:
    """Renders letters from one templates folder. Reuse one per process."""

    def __init__(self, templates: Path):
        self.templates = Path(templates)
        self._html_envs: dict[str, SandboxedEnvironment] = {}

    # ----- finding templates

    def path(self, fmt: str, council: str, name: str) -> Path:
        """The council's own template if it has one, else the shared one."""
        suffix = ".docx" if fmt == "docx" else ".html"
        own = self.templates / fmt / council / f"{name}{suffix}"
        return own if own.is_file() else self.templates / fmt / f"{name}{suffix}"

    def sources(self, council: str, kind: str) -> dict[str, str]:
        paths = [self.path("docx", council, BASE), self.path("docx", council, kind),
                 self.path("html", council, BASE), self.path("html", council, kind), self.stylesheet_path]
        return {str(p.relative_to(self.templates.parent) if p.is_relative_to(self.templates.parent) else p):
                sha256_file(p) for p in paths if p.is_file()}

    @property
    def stylesheet_path(self) -> Path:
        return self.templates / "html" / STYLESHEET

    # ----- environments

    @staticmethod
    def docx_env() -> SandboxedEnvironment:
        return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)

    def html_env(self, council: str) -> SandboxedEnvironment:
        env = self._html_envs.get(council)
        if env is None:
            loader = ChoiceLoader([FileSystemLoader(str(self.templates / "html" / council)),
                                   FileSystemLoader(str(self.templates / "html"))])
            env = SandboxedEnvironment(loader=loader, autoescape=True, undefined=StrictUndefined,
                                       trim_blocks=True, lstrip_blocks=True)
            self._html_envs[council] = env
        return env

    # ----- HTML and PDF

    def render_html(self, council: str, kind: str, context: dict[str, Any]) -> str:
        name = f"{kind}.html"
        try:
            return self.html_env(council).get_template(name).render(context)
        except UndefinedError as exc:
            raise TemplateProblem(f"{self.path('html', council, kind)}: uses {_undefined_name(exc)!r}, "
                                  f"which the letter's context does not provide.") from None
        except TemplateNotFound as exc:
            raise TemplateProblem(f"{self.templates / 'html'}: no template {exc.name!r} for {kind} letters.") from None
        except TemplateError as exc:
            where = getattr(exc, "filename", None) or self.path("html", council, kind)
            raise TemplateProblem(f"{where}: {str(exc).rstrip('.')}.") from None

    def render_pdf(self, html: str) -> bytes:
        from weasyprint import HTML

        css, fonts = _stylesheet(str(self.stylesheet_path), self.stylesheet_path.stat().st_mtime_ns)
        return HTML(string=html, base_url=str(self.templates / "html")).write_pdf(
            stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1")

    # ----- Word

    def render_docx(self, council: str, kind: str, context: dict[str, Any]) -> bytes:
        from docxtpl import DocxTemplate

        env = self.docx_env()
        body_path, base_path = self.path("docx", council, kind), self.path("docx", council, BASE)
        for path in (body_path, base_path):
            if not path.is_file():
                raise TemplateProblem(f"{path}: no Word template for {kind} letters.")
        current = body_path
        try:
            body = DocxTemplate(str(body_path))
            body.render(context, env, autoescape=True)
            buffer = io.BytesIO()
            body.save(buffer)
            buffer.seek(0)
            current = base_path
            base = DocxTemplate(str(base_path))
            base.render({**context, "body": base.new_subdoc(buffer)}, env, autoescape=True)
            out = io.BytesIO()
            base.save(out)
            return out.getvalue()
        except UndefinedError as exc:
            raise TemplateProblem(f"{current}: uses {_undefined_name(exc)!r}, which the letter's context does not provide.") from None
        except TemplateError as exc:
            raise TemplateProblem(f"{current}: {str(exc).rstrip('.')}.") from None

    # ----- both

    def render(self, council: str, kind: str, context: dict[str, Any], formats: tuple[str, ...] = ("docx", "pdf")) -> Rendered:
        docx = self.render_docx(council, kind, context) if "docx" in formats else None
        pdf = self.render_pdf(self.render_html(council, kind, context)) if "pdf" in formats else None
        return Rendered(docx, pdf, self.sources(council, kind))
