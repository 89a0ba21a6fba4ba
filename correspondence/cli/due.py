"""`letters due`: one case's letters and deadlines, or the diary of every stored case (--all)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from correspondence.cli.common import (
    Paths,
    as_of_option,
    determine_case,
    folder_options,
    known_councils,
    load_rules,
    stored_case,
)
from correspondence.engine.case import load_case
from correspondence.engine.rules import RuleBook
from correspondence.reporting.tables import case_table, diary_table, rejected_lines


@click.command()
@click.argument("case_id", required=False)
@click.option("--case-file", type=click.Path(dir_okay=False, path_type=Path), help="Read this record instead of the case store.")
@click.option("--all", "all_cases", is_flag=True, help="The diary: every stored case's letters not yet issued, overdue first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table (its fields: docs/commands.md).")
@as_of_option
@folder_options
def due(case_id: str | None, case_file: Path | None, all_cases: bool, as_json: bool, as_of, paths: Paths) -> None:
    """The letters and deadlines of one case (CASE-ID or --case-file), or of every stored case (--all)."""
    chosen = [x for x in (case_id, case_file, all_cases or None) if x]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of CASE-ID, --case-file PATH or --all.")
    as_of_day = as_of.date() if as_of else date.today()
    book = load_rules(paths)
    if all_cases:
        return diary(book, paths, as_of_day, as_json)
    # A bad record (CaseError) ends the command with its sentences and exit 1 (cli/__init__.py).
    case = load_case(case_file, known_councils(book)) if case_file else stored_case(book, paths, case_id)
    result = determine_case(book, case, paths, as_of_day)
    from correspondence.service.signoff import record_sha256, states, with_signoff
    result, extra = with_signoff(result, states(paths.outbox, case.case_id), record_sha256(case))
    if as_json:
        out = result.to_json()
        out["letters"] = [{**x.to_json(), **extra.get((x.letter, x.stage, x.trigger), {})} for x in result.letters]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        click.echo(case_table(result, book.files[case.council].name))
        for line in signoff_lines(result.case_id, extra):
            click.echo(line)


def signoff_lines(case_id: str, extra: dict) -> list[str]:
    """A line for each letter drafted or returned (hold codes only; 'letters drafts' gives the sentences)."""
    lines = []
    for (letter, stage, trigger), info in extra.items():
        what = f"{case_id}: the {letter}{f' stage {stage}' if stage else ''} letter ({trigger})"
        codes = " ".join(h["code"] for h in info["holds"])
        late = " It is past its due date." if info.get("overdue") else ""
        if info["status"] == "draft":
            lines.append(f"{what} is drafted, awaiting sign-off (holds: {codes}); 'letters drafts {case_id}' "
                         f"shows it.{late}")
        else:
            lines.append(f"{what} was returned by {info['returned_by']} at {info['returned_at']}: {info['reason']} "
                         f"It is not drafted again until a newer record arrives.{late}")
    return lines


def diary(book: RuleBook, paths: Paths, as_of: date, as_json: bool) -> None:
    from correspondence.service.due_index import diary_entries

    found = diary_entries(book, paths.outbox, as_of, paths.templates)
    results, problems, rows = found.results, found.problems, found.rows
    for problem in problems:
        click.echo(problem, err=True)
    from correspondence.service.signoff import diary_signoff
    results, signed = diary_signoff(paths.outbox, results, known_councils(book))
    if signed:  # drafted or returned letters: their status changes, so their order may too
        from correspondence.engine.diary import pending_rows
        rows = pending_rows(results)
    from correspondence.service.outbox import failed_reports, undated_stem
    failed = failed_reports(paths.outbox)
    blocked = {(r.case_id, x.letter, x.stage, x.trigger): failed[key] for r, x in rows
               if (key := (r.case_id, undated_stem(x.letter, x.stage, x.trigger))) in failed}
    from correspondence.service.format_needs import open_actions
    actions = open_actions(paths.outbox)
    from correspondence.service.case_store import rejected_updates
    rejected = rejected_updates(paths.outbox)  # docs/rules.md#a-rejected-update-is-never-unseen
    if as_json:
        click.echo(json.dumps({
            "as_of": as_of.isoformat(),
            "cases": len(results),
            "letters": [{"case_id": r.case_id, "council": r.council, **x.to_json(),
                         **signed.get((r.case_id, x.letter, x.stage, x.trigger), {}),
                         **({"failed_checks": str(report)} if (report := blocked.get(
                             (r.case_id, x.letter, x.stage, x.trigger))) else {})} for r, x in rows],
            "actions_needed": [a.to_json() for a in actions],
            "rejected_updates": rejected,
        }, indent=2, ensure_ascii=False))
    else:
        click.echo(diary_table(rows, as_of, len(results)))
        for line in rejected_lines(rejected):
            click.echo(line)
        for key, info in signed.items():
            for line in signoff_lines(key[0], {key[1:]: info}):
                click.echo(line)
        for (case_id, letter, stage, trigger), report in blocked.items():
            click.echo(f"{case_id}: the {letter}{f' stage {stage}' if stage else ''} letter ({trigger}) failed its "
                       f"checks and was not issued; see {report}.")
        for action in actions:
            click.echo(f"{action.case_id}: action needed: {action.action} (letter {action.stem}; when done: "
                       f"{action.command()})")
    sys.exit(1 if problems else 0)
