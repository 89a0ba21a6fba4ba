"""`letters render`: write one case's letters now due, as Word, PDF and a manifest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from correspondence.cli.common import (
    Paths,
    as_of_option,
    fail,
    folder_options,
    known_councils,
    load_rules,
    read_record,
    stored_case,
)
from correspondence.letters.specimens import LETTER_KINDS


@click.command()
@click.argument("case_id", required=False)
@click.option("--case-file", type=click.Path(dir_okay=False, path_type=Path), help="Read this record (and keep it in the case store).")
@click.option("--letter", "only", type=click.Choice(LETTER_KINDS), help="Render only letters of this kind.")
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@as_of_option
@folder_options
def render(case_id: str | None, case_file: Path | None, only: str | None, dry_run: bool, as_of, paths: Paths) -> None:
    """Write every letter that is due and not yet issued as .docx, .pdf and a .json manifest."""
    from correspondence.letters.render import Renderer
    from correspondence.service import case_store
    from correspondence.service.issuing import issue_due_letters

    if bool(case_id) == bool(case_file):
        raise click.UsageError("give exactly one of CASE-ID or --case-file PATH.")
    letter_date = as_of.date() if as_of else date.today()
    book = load_rules(paths)
    # A bad record (CaseError) or a template that cannot render (TemplateProblem) ends the command
    # with its sentence and exit 1 (cli/__init__.py).
    if case_file:
        case, data = read_record(case_file, known_councils(book))
        if not dry_run:
            case_store.save(paths.outbox, case.case_id, data)
    else:
        case = stored_case(book, paths, case_id)
    report = issue_due_letters(book, Renderer(paths.templates), case, paths.outbox, letter_date,
                               only=only, dry_run=dry_run)
    for letter, stem in report.planned:
        click.echo(f"would write {paths.outbox / case.case_id / stem}.docx, .pdf and .json "
                   f"({letter.letter}{f' stage {letter.stage}' if letter.stage else ''}, due {letter.due.isoformat()})")
    for filed in report.issued:
        for path in filed.paths:
            click.echo(str(path))
    for letter, stem, tags in report.awaiting:  # held for sign-off (hold codes only: the sentences are in the draft)
        what = f"{letter.letter}{f' stage {letter.stage}' if letter.stage else ''} ({letter.trigger})"
        click.echo(f"{case.case_id}: the {what} letter is drafted, awaiting sign-off (holds: {' '.join(tags)}): "
                   f"{paths.outbox / case.case_id / 'drafts' / stem}.pdf; 'letters drafts {case.case_id}' gives "
                   f"each hold.", err=True)
    for letter, stem in report.returned:
        click.echo(f"{case.case_id}: the {letter.letter} letter ({letter.trigger}) was returned by a manager "
                   f"({stem}); it is drafted again when a newer record for the case arrives.", err=True)
    for sentence in report.skipped:
        click.echo(sentence, err=True)
    for letter, _, sentences in report.failed:
        for sentence in sentences:
            click.echo(sentence, err=True)
    if report.failed:
        fail(f"{case.case_id}: {len(report.failed)} letter{'s' if len(report.failed) != 1 else ''} failed "
             f"{'their' if len(report.failed) != 1 else 'its'} checks and {'were' if len(report.failed) != 1 else 'was'} "
             f"not issued; see {paths.outbox / case.case_id / 'failed'}.")
    if not (report.planned or report.issued or report.awaiting or report.returned):
        click.echo(f"{case.case_id}: no letter is due that has not been issued.", err=True)
