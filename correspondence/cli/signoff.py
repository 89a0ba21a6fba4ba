"""Sign-off (sign-off.md): `letters drafts` (what awaits a manager), `letters approve` (sign a draft
off: it is made again, dated the approval day, checked and filed) and `letters return` (discard it,
with the reason). Exit status: 0 done, 1 refused (one sentence), 2 a usage error."""

from __future__ import annotations

import getpass
import json
import sys

import click

from correspondence.cli.common import Day, Paths, fail, folder_options, load_rules, service_guard


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in this environment: --by must say who
        return ""


def _case_id_ok(case_id: str) -> None:
    from correspondence.engine.case import safe_case_id
    if not safe_case_id(case_id):
        fail(f"CASE-ID {case_id!r} is not a valid case id: expected 1 to 64 letters, digits, '.', '_' or '-', "
             f"starting with a letter or digit.", 2)


@click.command("drafts")
@click.argument("case_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@folder_options
@service_guard
def drafts(case_id: str | None, as_json: bool, paths: Paths) -> None:
    """The drafts awaiting sign-off (of every case, or CASE-ID), oldest due first, with their holds."""
    from correspondence.service.signoff import list_drafts

    if case_id:
        _case_id_ok(case_id)
    found = list_drafts(paths.outbox, case_id)
    if as_json:
        click.echo(json.dumps({"drafts": [d.to_json() for d in found]}, indent=2, ensure_ascii=False))
        return
    for d in found:
        stage = f" stage {d.stage}" if d.stage else ""
        overdue = " (overdue)" if d.overdue else ""
        due = f"due {d.due.isoformat()}" if d.due else "due unknown"
        click.echo(f"{d.case_id}  {d.letter}{stage} ({d.trigger})  {due}{overdue}  drafted {d.drafted_at}  {d.stem}")
        if d.problem:
            click.echo(f"    cannot be read: {d.problem}")
        for hold in d.holds:
            click.echo(f"    hold {hold.code}: {hold.sentence}")
        click.echo(f"    {d.pdf or d.manifest}")
        click.echo(f"    approve: letters approve {d.case_id} {d.stem} --by NAME   "
                   f"return: letters return {d.case_id} {d.stem} --by NAME --reason TEXT")
    click.echo(f"{len(found)} draft{'s' if len(found) != 1 else ''} awaiting sign-off.")


def _by_option(func):
    return click.option("--by", default=None, help="Who signs it off (default: your login name); where the web "
                                                   "accounts exist, a manager or admin there.")(func)


@click.command("approve")
@click.argument("case_id")
@click.argument("stem")
@_by_option
@click.option("--note", default=None, help="A note kept with the approval in the ledger.")
@click.option("--as-of", "as_of", type=Day(), default=None,
              help="The approval day, YYYY-MM-DD (default: today): not before the draft was made, not after today.")
@folder_options
@service_guard
def approve(case_id: str, stem: str, by: str | None, note: str | None, as_of, paths: Paths) -> None:
    """Sign off draft STEM of CASE-ID: make it again from the current record, dated the approval day,
    check it, file it in outbox/<case id>/ and record it in the ledger with who signed it off."""
    from correspondence.letters.render import Renderer, TemplateProblem
    from correspondence.service.signoff import SignOffRefused, SignOffUsage
    from correspondence.service.signoff import approve as approve_draft

    _case_id_ok(case_id)
    book = load_rules(paths)
    try:
        done = approve_draft(book, Renderer(paths.templates), paths.outbox, case_id, stem, by or _login_name(),
                             note, as_of.date() if as_of else None)
    except SignOffUsage as exc:
        fail(str(exc), 2)
    except (SignOffRefused, TemplateProblem) as exc:
        fail(str(exc), 1)
    click.echo(f"{case_id}: {stem} signed off by {done.by}; issued as {done.stem} "
               f"(holds cleared: {' '.join(done.holds_cleared)}):")
    for path in done.paths:
        click.echo(f"  {path}")


@click.command("return")
@click.argument("case_id")
@click.argument("stem")
@_by_option
@click.option("--reason", required=True, help="Why it is returned (kept in the ledger and shown in the diary).")
@folder_options
@service_guard
def return_cmd(case_id: str, stem: str, by: str | None, reason: str, paths: Paths) -> None:
    """Return draft STEM of CASE-ID: discard it, recording who returned it, when and why; it is not
    drafted again until a newer record for the case arrives."""
    from correspondence.service.signoff import SignOffRefused, SignOffUsage, return_draft

    _case_id_ok(case_id)
    try:
        state = return_draft(paths.outbox, case_id, stem, by or _login_name(), reason)
    except SignOffUsage as exc:
        fail(str(exc), 2)
    except SignOffRefused as exc:
        fail(str(exc), 1)
    click.echo(f"{case_id}: {stem} returned by {state.returned_by} at {state.at}; it is not drafted again until "
               f"a newer record for the case arrives.")
    sys.exit(0)
