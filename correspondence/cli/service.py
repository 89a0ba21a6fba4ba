"""The inbox service and its files: `letters process` (one pass), `letters watch` (the service),
`letters store` (load records without rendering) and `letters ledger rebuild`."""

from __future__ import annotations

import sys
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
    log_file_option,
    read_record,
    service_guard,
    setup_logging,
    time_limit_option,
)
from correspondence.engine.case import CaseError
from correspondence.service import ledger


def inbox_must_exist(paths: Paths) -> None:
    """docs/commands.md: --inbox naming a folder that does not exist is a usage error (never "0 records processed")."""
    ctx = click.get_current_context()
    if ctx.get_parameter_source("inbox") == click.core.ParameterSource.COMMANDLINE and not paths.inbox.is_dir():
        what = "is not a folder" if paths.inbox.exists() else "does not exist"
        fail(f"--inbox {paths.inbox}: the folder {what}; give the folder the case system drops its records in.", 2)


def redraft(book, paths: Paths, case) -> None:
    """sign-off.md: an accepted change to a stored record drafts again what it changes in a draft."""
    from correspondence.service.signoff import redraft_case, states

    if not any(s.status == "draft" for s in states(paths.outbox, case.case_id).values()):
        return  # the common case: nothing drafted, nothing rendered
    from correspondence.letters.render import Renderer
    for stem in redraft_case(book, Renderer(paths.templates), paths.outbox, case):
        click.echo(f"{case.case_id}: drafted again as {stem} from the newer record; "
                   f"'letters drafts {case.case_id}' shows it.")


def summary_lines(report, outbox: Path) -> list[str]:
    """The letters issued and the drafts awaiting sign-off, with where each is (hold codes only)."""
    lines = []
    if not report.drafts:
        return lines  # the first line says it all
    if report.issued:
        lines.append(f"Issued ({len(report.issued)}), in {outbox}/<case id>/:")
        lines.extend(f"  {outbox / case_id / stem}.pdf" for case_id, stem in report.issued)
    if report.drafts:
        lines.append(f"Awaiting sign-off ({len(report.drafts)}), in {outbox}/<case id>/drafts/ "
                     f"('letters drafts' gives each hold; 'letters approve' or 'letters return' decides):")
        for case_id, letter, stage, trigger, stem, tags, _ in report.drafts:
            lines.append(f"  {case_id}: {letter}{f' stage {stage}' if stage else ''} ({trigger}), holds "
                         f"{' '.join(tags)}: {outbox / case_id / 'drafts' / stem}.pdf")
    return lines


@click.command("store")
@click.argument("records", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@folder_options
def store_cmd(records: tuple[Path, ...], paths: Paths) -> None:
    """Check records and keep each as its case's latest snapshot in the case store.

    Nothing is rendered: this loads a backlog so that 'letters due --all' can show it.
    """
    from correspondence.service import case_store

    inbox_must_exist(paths)
    book = load_rules(paths)
    councils = known_councils(book)
    bad = 0
    for path in records:
        try:
            case, data = read_record(path, councils)
        except CaseError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(problem, err=True)
            continue
        case_store.save(paths.outbox, case.case_id, data)
        click.echo(f"stored {case.case_id} from {path.name}")
        redraft(book, paths, case)
    sys.exit(1 if bad else 0)



@click.command()
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Rendering processes (default: one per core).")
@time_limit_option
@log_file_option
@as_of_option
@folder_options
@service_guard
def process(workers: int | None, time_limit: float, log_file: Path | None, as_of, paths: Paths) -> None:
    """One pass over the inbox: accept or reject each record, and write the letters now due."""
    from correspondence.service.inbox import pending, process_inbox

    inbox_must_exist(paths)
    setup_logging(log_file)
    book = load_rules(paths)
    as_of_day = as_of.date() if as_of else date.today()
    waiting = pending(paths.inbox)
    if sys.stderr.isatty() and waiting:
        with click.progressbar(length=len(waiting), label="Processing records", file=sys.stderr) as bar:
            report = process_inbox(book, paths.rules, paths.templates, paths.inbox, paths.outbox, as_of_day,
                                   workers=workers, progress=bar.update, time_limit=time_limit)
    else:
        report = process_inbox(book, paths.rules, paths.templates, paths.inbox, paths.outbox, as_of_day,
                               workers=workers, time_limit=time_limit)
    click.echo(f"{len(report.accepted)} record{'s' if len(report.accepted) != 1 else ''} processed, "
               f"{len(report.rejected)} rejected, {report.letters} letter{'s' if report.letters != 1 else ''} written"
               + (f", {len(report.drafts)} draft{'s' if len(report.drafts) != 1 else ''} awaiting sign-off."
                  if report.drafts else "."))
    for line in summary_lines(report, paths.outbox):
        click.echo(line)
    if report.waiting:
        fail(f"The service could not finish: {report.service_problem} {len(report.waiting)} record"
             f"{'s' if len(report.waiting) != 1 else ''} stay claimed in {paths.inbox / '.work'} for the next run.", 3)
    sys.exit(1 if report.rejected or report.failures else 0)


@click.command()
@click.option("--polling", is_flag=True, help="Poll the folder instead of OS events (for network shares).")
@click.option("--rescan", type=click.FloatRange(min=0.5), default=30.0, show_default=True,
              help="Seconds between full rescans of the inbox (events can be lost).")
@click.option("--settle", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds a file must stay unchanged before it is read.")
@click.option("--give-up", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds after which a file that is still not complete JSON is rejected.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Rendering processes (default: one per core).")
@time_limit_option
@log_file_option
@folder_options
@service_guard
def watch(polling: bool, rescan: float, settle: float, give_up: float, workers: int | None, time_limit: float,
          log_file: Path | None, paths: Paths) -> None:
    """The service: process what is in the inbox, then every record dropped there, until SIGINT or SIGTERM."""
    from correspondence.service.watcher import Watcher

    inbox_must_exist(paths)
    setup_logging(log_file)
    book = load_rules(paths)
    Watcher(book, paths.rules, paths.templates, paths.inbox, paths.outbox, polling=polling, rescan=rescan,
            settle=settle, give_up=give_up, workers=workers, time_limit=time_limit).run()


# --------------------------------------------------------------------------- ledger

@click.group("ledger")
def ledger_group() -> None:
    """Look after the ledger of letters issued, and show a case's history in it."""


@ledger_group.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@folder_options
@service_guard
def ledger_show(case_id: str, as_json: bool, paths: Paths) -> None:
    """A case's letters issued and every draft, approval, return and replacement (who, when, which
    letter, which hold codes, the note or reason)."""
    import json

    from correspondence.engine.case import safe_case_id
    from correspondence.service.signoff import ledger_history

    if not safe_case_id(case_id):
        fail(f"CASE-ID {case_id!r} is not a valid case id: expected 1 to 64 letters, digits, '.', '_' or '-', "
             f"starting with a letter or digit.", 2)
    history = ledger_history(paths.outbox, case_id)
    if as_json:
        click.echo(json.dumps(history, indent=2, ensure_ascii=False))
        return
    for row in history["letters"]:
        signed = f", signed off by {row['signed_off_by']} at {row['signed_off_at']}" if row.get("signed_off_by") else ""
        stage = f" stage {row['stage']}" if row["stage"] else ""
        click.echo(f"issued    {row['letter_date']} {row['letter']}{stage} ({row['trigger']}) {row['stem']}{signed}")
    for row in history["signoff"]:
        stage = f" stage {row['stage']}" if row["stage"] else ""
        parts = [f"{row['event']:<9} {row['at']} {row['letter']}{stage} ({row['trigger']}) {row['stem']}"]
        if row["by"]:
            parts.append(f"by {row['by']}")
        if row["holds"]:
            parts.append(f"holds {' '.join(row['holds'])}")
        if row["issued_stem"]:
            parts.append(f"issued as {row['issued_stem']}")
        if row["note"]:
            parts.append(f"{'reason' if row['event'] == 'returned' else 'note'}: {row['note']}")
        click.echo("; ".join(parts))
    if not history["letters"] and not history["signoff"]:
        click.echo(f"{case_id}: nothing in the ledger of {paths.outbox}.")


@ledger_group.command("rebuild")
@folder_options
@service_guard
def ledger_rebuild(paths: Paths) -> None:
    """Record every letter filed in the outbox (from its manifest) that the ledger lacks, after a
    lost ledger or one restored from an older backup; a ledger that cannot be read is moved aside."""
    added = ledger.rebuild(paths.outbox)
    click.echo(f"{ledger.ledger_path(paths.outbox)}: {added} letter{'s' if added != 1 else ''} added from the "
               f"manifests in {paths.outbox}.")
