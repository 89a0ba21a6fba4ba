"""``letters templates check``: every template parses, uses only names the context provides,
and renders for every letter kind and council against the example records."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from jinja2 import TemplateSyntaxError, meta

from correspondence.common import filestamp
from correspondence.engine.rules import RuleBook
from correspondence.letters.context import CONTEXT_NAMES, build_context
from correspondence.letters.render import Renderer, TemplateProblem
from correspondence.letters.specimens import LETTER_KINDS, specimens

# Names the templates may use besides the context: Jinja's own `self` (blocks) and the Word
# base's `body` (the letter body, inserted by the renderer).
ALLOWED = CONTEXT_NAMES | {"self", "body"}


def _html_problems(renderer: Renderer) -> list[str]:
    problems: list[str] = []
    env = renderer.html_env("")
    for path in sorted((renderer.templates / "html").rglob("*.html")):
        try:
            names = meta.find_undeclared_variables(env.parse(filestamp.read(path)[1].decode("utf-8")))
        except filestamp.NotAFile:
            problems.append(f"{path}: is not a file; expected an HTML template.")
            continue
        except TemplateSyntaxError as exc:
            problems.append(f"{path}: line {exc.lineno}: {exc.message}.")
            continue
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: {filestamp.not_utf8(exc, 'a template')}.")
            continue
        for name in sorted(names - ALLOWED):
            problems.append(f"{path}: uses {name!r}, which the letter context does not provide.")
    return problems


def _docx_problems(renderer: Renderer) -> list[str]:
    from docxtpl import DocxTemplate

    problems: list[str] = []
    for path in sorted((renderer.templates / "docx").rglob("*.docx")):
        try:
            names = DocxTemplate(io.BytesIO(filestamp.read(path)[1])).get_undeclared_template_variables(
                renderer.docx_env())
        except filestamp.NotAFile:
            problems.append(f"{path}: is not a file; expected a Word template (.docx).")
            continue
        except TemplateSyntaxError as exc:
            problems.append(f"{path}: {exc.message} (a tag is broken; Word may have split or restyled it).")
            continue
        except Exception as exc:  # not a Word file at all
            problems.append(f"{path}: cannot be read as a Word document ({exc}).")
            continue
        for name in sorted(set(names) - ALLOWED):
            problems.append(f"{path}: uses {name!r}, which the letter context does not provide.")
    return problems


def check_templates(book: RuleBook, templates: Path, examples: Path, as_of: date) -> tuple[list[str], int]:
    """All problems found (one sentence each) and how many letters were rendered."""
    renderer = Renderer(templates)
    problems = _html_problems(renderer) + _docx_problems(renderer)
    if problems:
        return problems, 0
    found = specimens(book, examples, as_of)
    rendered = 0
    for council in book.councils:
        for kind in LETTER_KINDS:
            specimen = found.get((council, kind))
            if specimen is None:
                problems.append(f"{examples}: no example record yields a {kind} letter for {council}; "
                                f"add one so its template is checked.")
                continue
            context = build_context(specimen.case, specimen.policy, specimen.result, specimen.letter, as_of)
            try:
                renderer.render(council, kind, context)
                rendered += 1
            except TemplateProblem as exc:
                problems.append(str(exc))
    return problems, rendered
