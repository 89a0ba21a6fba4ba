"""Checks on what the service writes: `letters check` (rendered letters carry their required
content) and `letters templates check` (every template renders for every letter kind and council)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from correspondence.cli.common import Paths, as_of_option, fail, folder_options, load_rules, project_home
from correspondence.letters.specimens import LETTER_KINDS


@click.command()
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="A machine-readable report.")
@folder_options
def check(targets: tuple[Path, ...], as_json: bool, paths: Paths) -> None:
    """Re-read rendered letters (default: the whole outbox) and check each carries its required content."""
    from correspondence.letters.content_check import check_manifest, manifest_warnings, manifests_under
    from correspondence.letters.content_check import is_draft as draft_manifest

    book = load_rules(paths)
    manifests = manifests_under(targets or (paths.outbox,))
    failures = [f for m in manifests for f in check_manifest(m, book.retired)]
    warnings = [w for m in manifests for w in manifest_warnings(m)]  # printed, but they fail nothing
    drafts = [m for m in manifests if _is_draft(m, draft_manifest)]
    if as_json:
        click.echo(json.dumps({"letters": len(manifests), "drafts": [str(m) for m in drafts],
                               "failures": [f.to_json() for f in failures],
                               "warnings": [w.to_json() for w in warnings],
                               "passed": not failures}, indent=2, ensure_ascii=False))
    else:
        for failure in failures + warnings:
            click.echo(failure.sentence())
        held = f" ({len(drafts)} of them draft{'s' if len(drafts) != 1 else ''} awaiting sign-off)" if drafts else ""
        click.echo(f"{len(manifests)} letter{'s' if len(manifests) != 1 else ''} checked{held}: "
                   + (f"{len(failures)} problem{'s' if len(failures) != 1 else ''} found." if failures
                      else "each carries its required content."), err=bool(failures))
    sys.exit(1 if failures else 0)


def _is_draft(path: Path, is_draft) -> bool:
    try:
        return is_draft(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- templates

@click.group()
def templates() -> None:
    """Check the letter templates."""


@templates.command("check")
@click.option("--examples", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Example records to render (default: examples/inbox/).")
@as_of_option
@folder_options
def templates_check(examples: Path | None, as_of, paths: Paths) -> None:
    """Parse every template, check the names it uses, and render it for every letter kind and council."""
    from correspondence.letters.template_check import check_templates

    book = load_rules(paths)
    as_of_day = as_of.date() if as_of else date.today()
    examples = examples or project_home() / "examples" / "inbox"
    problems, rendered = check_templates(book, paths.templates, examples, as_of_day)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        fail(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {paths.templates}.")
    click.echo(f"Templates valid: {rendered} letters rendered in Word and PDF "
               f"({len(LETTER_KINDS)} kinds for {len(book.councils)} councils).")
