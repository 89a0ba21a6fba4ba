"""`letters actions`: the needs a file cannot meet (a translation, Braille...) still open, and marking them met."""

from __future__ import annotations

import json

import click

from correspondence.cli.common import Paths, folder_options


@click.command(context_settings={"ignore_unknown_options": False})
@click.argument("words", nargs=-1, metavar="[CASE-ID] | done CASE-ID STEM N")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@folder_options
def actions(words: tuple[str, ...], as_json: bool, paths: Paths) -> None:
    """The needs a file cannot meet (a translation, easy read, Braille, audio) still open, for every
    case or CASE-ID; 'letters actions done CASE-ID STEM N' marks the letter's Nth need met."""
    from correspondence.service.format_needs import mark_done, open_actions

    if words and words[0] == "done":
        if len(words) != 4 or not words[3].isdigit():
            raise click.UsageError("give 'letters actions done CASE-ID STEM N', as 'letters actions' lists them.")
        action = mark_done(paths.outbox, words[1], words[2], int(words[3]))  # an ActionError: its sentence, exit 1
        click.echo(f"{action.case_id}: marked met: {action.action} (letter {action.stem}).")
        return
    if len(words) > 1:
        raise click.UsageError("give at most one CASE-ID, or 'done CASE-ID STEM N'.")
    found = open_actions(paths.outbox, words[0] if words else None)
    if as_json:
        click.echo(json.dumps({"actions_needed": [a.to_json() for a in found]}, indent=2, ensure_ascii=False))
        return
    for action in found:
        click.echo(f"{action.case_id}: {action.action} (letter {action.stem}; when done: {action.command()})")
    click.echo(f"{len(found)} action{'s' if len(found) != 1 else ''} still needed.")
