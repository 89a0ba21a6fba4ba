"""The ``letters`` command (docs/commands.md).

Exit status: 0 on success, 1 when the work found problems (a bad record, a failed check),
2 for a usage error, 3 when the service itself cannot work (disk full, read-only outbox, a ledger
that cannot be read). Errors are one plain sentence on stderr, never a traceback.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import shutil
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import click

from correspondence.common.wording import parse_day
from correspondence.engine.case import (
    Case,
    CaseError,
    case_from_record,
    load_case,
    parse_record,
    read_record_bytes,
)
from correspondence.engine.due import Determination, determine
from correspondence.engine.rules import RuleBook, RulesError, load_rulebook, verification_warning
from correspondence.letters.specimens import LETTER_KINDS
from correspondence.reporting.tables import case_table, diary_rows, diary_table, rules_table
from correspondence.service import ledger


def project_home() -> Path:
    """Where rules/, templates/, inbox/ and outbox/ live by default.

    ``CORRESPONDENCE_HOME`` if set; else the current folder if it has a ``rules/`` folder; else
    the checkout this package was installed from.
    """
    env = os.environ.get("CORRESPONDENCE_HOME")
    if env:
        return Path(env)
    cwd = Path.cwd()
    if (cwd / "rules").is_dir():
        return cwd
    return Path(__file__).resolve().parents[2]


@dataclass
class Paths:
    rules: Path
    templates: Path
    inbox: Path
    outbox: Path


def folder_options(func: Callable) -> Callable:
    """--rules, --templates, --inbox and --outbox, which every command takes."""
    @click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), help="Outbox folder (default: outbox/).")
    @click.option("--inbox", type=click.Path(file_okay=False, path_type=Path), help="Inbox folder (default: inbox/).")
    @click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Templates folder (default: templates/).")
    @click.option("--rules", type=click.Path(file_okay=False, path_type=Path), help="Rules folder (default: rules/).")
    @functools.wraps(func)
    def wrapper(*args, rules, templates, inbox, outbox, **kwargs):
        home = project_home()
        paths = Paths(rules or home / "rules", templates or home / "templates", inbox or home / "inbox",
                      outbox or home / "outbox")
        return func(*args, paths=paths, **kwargs)
    return wrapper


class Day(click.ParamType):
    """A YYYY-MM-DD date, with a plain sentence when it is not one (given as a datetime at midnight)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            return datetime.combine(parse_day(str(value)), datetime.min.time())
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def as_of_option(func: Callable) -> Callable:
    return click.option("--as-of", "as_of", type=Day(), default=None,
                        help="Work as of this date, YYYY-MM-DD (default: today).")(func)


def fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def load_rules(paths: Paths) -> RuleBook:
    try:
        book, _ = load_rulebook(paths.rules)
    except RulesError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        fail(f"{paths.rules}: the rules are not valid; run 'letters rules validate' for the full list.")
    return book


def unknown_council(council: str, councils: list[str]) -> str:
    """"No rules for 'telford' (did you mean telford-wrekin?): expected one of ..."."""
    near = [c for c in councils if c.startswith(council.lower())] or \
        difflib.get_close_matches(council.lower(), councils, n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]}?)" if len(near) == 1 else ""
    return f"No rules for {council!r}{hint}: expected one of {', '.join(councils)}."


def known_councils(book: RuleBook) -> dict[str, list[str]]:
    return {c: book.procedures(c) for c in book.councils}


def determine_case(book: RuleBook, case: Case, paths: Paths, as_of: date) -> Determination:
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    return determine(case, policy, ledger.issued_for(paths.outbox, case.case_id), as_of)


def read_record(path: Path, councils: dict[str, list[str]]) -> tuple[Case, bytes]:
    """A record file's validated case and its bytes (kept as they are in the case store)."""
    data = read_record_bytes(path)
    return case_from_record(parse_record(data, str(path)), str(path), councils), data


def stored_case(book: RuleBook, paths: Paths, case_id: str) -> Case:
    from correspondence.service import case_store as store
    if not store.safe_case_id(case_id):
        fail(f"CASE-ID {case_id!r} is not a valid case id: expected 1 to 64 letters, digits, '.', '_' or '-', "
             f"starting with a letter or digit.", 2)
    path = store.stored_path(paths.outbox, case_id)
    if not path.is_file():
        same = [p.stem for p in store.stored_cases(paths.outbox) if p.stem.lower() == case_id.lower()]
        if same:
            fail(f"No stored case {case_id}: case ids are case-sensitive, and the stored case is {same[0]}; "
                 f"try 'letters {click.get_current_context().info_name} {same[0]}'.", 2)
        fail(f"No stored case {case_id} in {store.store_dir(paths.outbox)}; give the record with --case-file PATH, "
             f"or store it first with 'letters store PATH'.", 2)
    return store.load_stored(path, known_councils(book))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="Documentation: the docs/ folder of the project (docs/commands.md: every command).")
@click.version_option(package_name="correspondence")
def cli() -> None:
    """Write the letters of a council's complaints procedure, to the day, from case records."""


# --------------------------------------------------------------------------- due

@cli.command()
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
    try:
        case = load_case(case_file, known_councils(book)) if case_file else stored_case(book, paths, case_id)
        result = determine_case(book, case, paths, as_of_day)
    except CaseError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(case_table(result, book.files[case.council].name))


def diary(book: RuleBook, paths: Paths, as_of: date, as_json: bool) -> None:
    from correspondence.service.case_store import diary as stored_diary

    results, problems = stored_diary(book, paths.outbox, as_of)
    for problem in problems:
        click.echo(problem, err=True)
    rows = diary_rows(results)
    from correspondence.service.outbox import failed_reports, undated_stem
    failed = failed_reports(paths.outbox)
    blocked = {(r.case_id, x.letter, x.stage, x.trigger): failed[key] for r, x in rows
               if (key := (r.case_id, undated_stem(x.letter, x.stage, x.trigger))) in failed}
    from correspondence.service.format_needs import open_actions
    actions = open_actions(paths.outbox)
    if as_json:
        click.echo(json.dumps({
            "as_of": as_of.isoformat(),
            "cases": len(results),
            "letters": [{"case_id": r.case_id, "council": r.council, **x.to_json(),
                         **({"failed_checks": str(report)} if (report := blocked.get(
                             (r.case_id, x.letter, x.stage, x.trigger))) else {})} for r, x in rows],
            "actions_needed": [a.to_json() for a in actions],
        }, indent=2, ensure_ascii=False))
    else:
        click.echo(diary_table(rows, as_of, len(results)))
        for (case_id, letter, stage, trigger), report in blocked.items():
            click.echo(f"{case_id}: the {letter}{f' stage {stage}' if stage else ''} letter ({trigger}) failed its "
                       f"checks and was not issued; see {report}.")
        for action in actions:
            click.echo(f"{action.case_id}: action needed: {action.action} (letter {action.stem}; when done: "
                       f"{action.command()})")
    sys.exit(1 if problems else 0)


# --------------------------------------------------------------------------- store

@cli.command("store")
@click.argument("records", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@folder_options
def store_cmd(records: tuple[Path, ...], paths: Paths) -> None:
    """Check records and keep each as its case's latest snapshot in the case store.

    Nothing is rendered: this loads a backlog so that 'letters due --all' can show it.
    """
    from correspondence.service import case_store as store

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
        store.save(paths.outbox, case.case_id, data)
        click.echo(f"stored {case.case_id} from {path.name}")
    sys.exit(1 if bad else 0)


# --------------------------------------------------------------------------- render

@cli.command()
@click.argument("case_id", required=False)
@click.option("--case-file", type=click.Path(dir_okay=False, path_type=Path), help="Read this record (and keep it in the case store).")
@click.option("--letter", "only", type=click.Choice(LETTER_KINDS), help="Render only letters of this kind.")
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@as_of_option
@folder_options
def render(case_id: str | None, case_file: Path | None, only: str | None, dry_run: bool, as_of, paths: Paths) -> None:
    """Write every letter that is due and not yet issued as .docx, .pdf and a .json manifest."""
    from correspondence.letters.render import Renderer, TemplateProblem
    from correspondence.service import case_store as store
    from correspondence.service.issuing import issue_due_letters

    if bool(case_id) == bool(case_file):
        raise click.UsageError("give exactly one of CASE-ID or --case-file PATH.")
    letter_date = as_of.date() if as_of else date.today()
    book = load_rules(paths)
    try:
        if case_file:
            case, data = read_record(case_file, known_councils(book))
            if not dry_run:
                store.save(paths.outbox, case.case_id, data)
        else:
            case = stored_case(book, paths, case_id)
        report = issue_due_letters(book, Renderer(paths.templates), case, paths.outbox, letter_date,
                                   only=only, dry_run=dry_run)
    except CaseError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    except TemplateProblem as exc:
        fail(str(exc))
    for letter, stem in report.planned:
        click.echo(f"would write {paths.outbox / case.case_id / stem}.docx, .pdf and .json "
                   f"({letter.letter}{f' stage {letter.stage}' if letter.stage else ''}, due {letter.due.isoformat()})")
    for filed in report.issued:
        for path in filed.paths:
            click.echo(str(path))
    for sentence in report.skipped:
        click.echo(sentence, err=True)
    for letter, _, sentences in report.failed:
        for sentence in sentences:
            click.echo(sentence, err=True)
    if report.failed:
        fail(f"{case.case_id}: {len(report.failed)} letter{'s' if len(report.failed) != 1 else ''} failed "
             f"{'their' if len(report.failed) != 1 else 'its'} checks and {'were' if len(report.failed) != 1 else 'was'} "
             f"not issued; see {paths.outbox / case.case_id / 'failed'}.")
    if not (report.planned or report.issued):
        click.echo(f"{case.case_id}: no letter is due that has not been issued.", err=True)


# --------------------------------------------------------------------------- the inbox service

def setup_logging(log_file: Path | None) -> None:
    """Plain lines to stderr (and a file if asked). Messages carry file names and case ids only."""
    import logging

    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        try:
            os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            os.chmod(log_file, 0o600)
            handlers.append(logging.FileHandler(log_file, encoding="utf-8", errors="backslashreplace"))
        except OSError as exc:
            fail(f"{log_file}: the log file cannot be written ({exc.strerror}).", 3)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True)
    logging.getLogger("correspondence").setLevel(logging.INFO)
    for noisy in ("weasyprint", "fontTools"):  # they log page layout steps, and text, at INFO
        logging.getLogger(noisy).setLevel(logging.ERROR)


def log_file_option(func: Callable) -> Callable:
    return click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
                        help="Also write the log to this file.")(func)


def time_limit_option(func: Callable) -> Callable:
    return click.option("--time-limit", type=click.FloatRange(min=1), default=300.0, show_default=True,
                        help="Seconds one record (or one case's letters) may take before it is stopped and rejected.")(func)


def service_guard(func: Callable) -> Callable:
    """The service's own failures as one plain sentence and exit 3 (never a traceback)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from correspondence.service.inbox import ServiceError, service_problem
        try:
            return func(*args, **kwargs)
        except ServiceError as exc:
            fail(str(exc), 3)
        except Exception as exc:
            fail(service_problem(exc) or f"The service stopped on an internal error ({type(exc).__name__}); "
                 f"records in hand stay claimed in the inbox's .work folder for the next run.", 3)
    return wrapper


@cli.command()
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Rendering processes (default: one per core).")
@time_limit_option
@log_file_option
@as_of_option
@folder_options
@service_guard
def process(workers: int | None, time_limit: float, log_file: Path | None, as_of, paths: Paths) -> None:
    """One pass over the inbox: accept or reject each record, and write the letters now due."""
    from correspondence.service.inbox import pending, process_inbox

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
               f"{len(report.rejected)} rejected, {report.letters} letter{'s' if report.letters != 1 else ''} written.")
    if report.waiting:
        fail(f"The service could not finish: {report.service_problem} {len(report.waiting)} record"
             f"{'s' if len(report.waiting) != 1 else ''} stay claimed in {paths.inbox / '.work'} for the next run.", 3)
    sys.exit(1 if report.rejected or report.failures else 0)


@cli.command()
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

    setup_logging(log_file)
    book = load_rules(paths)
    Watcher(book, paths.rules, paths.templates, paths.inbox, paths.outbox, polling=polling, rescan=rescan,
            settle=settle, give_up=give_up, workers=workers, time_limit=time_limit).run()


# --------------------------------------------------------------------------- ledger

@cli.group("ledger")
def ledger_group() -> None:
    """Look after the ledger of letters issued."""


@ledger_group.command("rebuild")
@folder_options
@service_guard
def ledger_rebuild(paths: Paths) -> None:
    """Record every letter filed in the outbox (from its manifest) that the ledger lacks, after a
    lost ledger or one restored from an older backup; a ledger that cannot be read is moved aside."""
    added = ledger.rebuild(paths.outbox)
    click.echo(f"{ledger.ledger_path(paths.outbox)}: {added} letter{'s' if added != 1 else ''} added from the "
               f"manifests in {paths.outbox}.")


# --------------------------------------------------------------------------- actions

@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("words", nargs=-1, metavar="[CASE-ID] | done CASE-ID STEM N")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@folder_options
def actions(words: tuple[str, ...], as_json: bool, paths: Paths) -> None:
    """The needs a file cannot meet (a translation, easy read, Braille, audio) still open, for every
    case or CASE-ID; 'letters actions done CASE-ID STEM N' marks the letter's Nth need met."""
    from correspondence.service.format_needs import ActionError, mark_done, open_actions

    if words and words[0] == "done":
        if len(words) != 4 or not words[3].isdigit():
            raise click.UsageError("give 'letters actions done CASE-ID STEM N', as 'letters actions' lists them.")
        try:
            action = mark_done(paths.outbox, words[1], words[2], int(words[3]))
        except ActionError as exc:
            fail(str(exc))
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


# --------------------------------------------------------------------------- check

@cli.command()
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="A machine-readable report.")
@folder_options
def check(targets: tuple[Path, ...], as_json: bool, paths: Paths) -> None:
    """Re-read rendered letters (default: the whole outbox) and check each carries its required content."""
    from correspondence.letters.content_check import check_manifest, manifest_warnings, manifests_under

    book = load_rules(paths)
    manifests = manifests_under(targets or (paths.outbox,))
    failures = [f for m in manifests for f in check_manifest(m, book.retired)]
    warnings = [w for m in manifests for w in manifest_warnings(m)]  # printed, but they fail nothing
    if as_json:
        click.echo(json.dumps({"letters": len(manifests), "failures": [f.to_json() for f in failures],
                               "warnings": [w.to_json() for w in warnings],
                               "passed": not failures}, indent=2, ensure_ascii=False))
    else:
        for failure in failures + warnings:
            click.echo(failure.sentence())
        click.echo(f"{len(manifests)} letter{'s' if len(manifests) != 1 else ''} checked: "
                   + (f"{len(failures)} problem{'s' if len(failures) != 1 else ''} found." if failures
                      else "each carries its required content."), err=bool(failures))
    sys.exit(1 if failures else 0)


# --------------------------------------------------------------------------- templates

@cli.group()
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


# --------------------------------------------------------------------------- rules

@cli.group()
def rules() -> None:
    """Check the rules files, or show a council's timescales."""


@rules.command("validate")
@folder_options
def rules_validate(paths: Paths) -> None:
    """Check every rules file: known keys, a citation for every value, no out-of-date Ombudsman detail."""
    try:
        book, problems = load_rulebook(paths.rules, strict=False)
    except RulesError as exc:
        book, problems = None, exc.problems
    for problem in problems:
        click.echo(problem, err=True)
    if book is not None:
        warning = verification_warning(book, date.today())
        if warning:
            click.echo(f"warning: {warning}", err=True)
    if problems:
        fail(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {paths.rules}.")
    floor = ", with the Housing Ombudsman Code's floor (hos-2024)" if book.floor else ""
    click.echo(f"{len(book.files)} rules files valid ({', '.join(book.councils)}){floor}; "
               f"Ombudsman details verified on {book.verified_on.isoformat()}.")


@rules.command("show")
@click.argument("council")
@click.option("--procedure", default="corporate", show_default=True, help="Another procedure of the council.")
@click.option("--housing-tenancy", is_flag=True, help="As for a complaint about the council as landlord.")
@click.option("--cse", is_flag=True, help="As for a Telford & Wrekin CSE complaint.")
@folder_options
def rules_show(council: str, procedure: str, housing_tenancy: bool, cse: bool, paths: Paths) -> None:
    """Print a council's timescales and rules as a table, each with its source."""
    book = load_rules(paths)
    if council not in book.files:
        fail(unknown_council(council, book.councils), 2)
    if procedure not in book.procedures(council):
        fail(f"{council} has no {procedure!r} procedure: expected {' or '.join(book.procedures(council))}.", 2)
    policy = book.policy_for(council, procedure, housing_tenancy=housing_tenancy, cse=cse)
    rf = book.files[council]
    width = max(60, min(100, shutil.get_terminal_size((100, 24)).columns))
    click.echo(rules_table(policy, rf.policy.described(rf.name), width))


@rules.command("compare")
@click.argument("council")
@click.option("--housing-tenancy", is_flag=True, help="Housing complaints, against the statutory Housing Ombudsman Code.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@folder_options
def rules_compare(council: str, housing_tenancy: bool, as_json: bool, paths: Paths) -> None:
    """A council's policy against the Complaint Handling Code: meets, stricter or falls short, with both citations."""
    from correspondence.reporting.compare import CompareError, compare, comparison_table

    book = load_rules(paths)
    if council not in book.files:
        fail(unknown_council(council, book.councils), 2)
    try:
        result = compare(book, council, housing_tenancy=housing_tenancy)
    except CompareError as exc:
        fail(str(exc), 3)
    click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False) if as_json else comparison_table(result))


# --------------------------------------------------------------------------- report

@cli.command()
@click.option("--from", "start", type=Day(), help="First day of the period, YYYY-MM-DD.")
@click.option("--to", "end", type=Day(), help="Last day of the period, YYYY-MM-DD.")
@click.option("--quarter", help="A calendar quarter such as 2026Q3, in place of --from and --to.")
@click.option("--council", "councils", multiple=True, help="Only this council (repeatable; default: every council in the case store).")
@click.option("--format", "formats", default="html,pdf", show_default=True, help="Comma-separated: html, pdf, csv, json.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for the report (default: <outbox>/reports/).")
@click.option("--public", is_flag=True, help="For publication: no case ids at all (no late-letters appendix).")
@as_of_option
@folder_options
def report(start, end, quarter: str | None, councils: tuple[str, ...], formats: str, out: Path | None, public: bool,
           as_of, paths: Paths) -> None:
    """The complaints performance report for a period, from the case store and the ledger."""
    from correspondence.reporting.outputs import ReportUsageError, run_report

    try:
        written, problems = run_report(load_rules(paths), paths.outbox, paths.templates, start=start, end=end, quarter=quarter,
                                       councils=councils, formats=formats, out=out, public=public,
                                       today=as_of.date() if as_of else None)
    except ReportUsageError as exc:
        raise click.UsageError(str(exc))
    for problem in problems:
        click.echo(problem, err=True)
    for path in written:
        click.echo(str(path))
    sys.exit(1 if problems else 0)


def main() -> None:
    """The command; a failure of the service itself (an unreadable ledger, a full disk) in any
    command is one plain sentence and exit 3, never a traceback."""
    try:
        cli(prog_name="letters")
    except Exception as exc:
        from correspondence.service.inbox import service_problem
        problem = service_problem(exc)
        if problem is None:
            raise
        fail(problem[0].upper() + problem[1:] if problem[0].islower() else problem, 3)


if __name__ == "__main__":
    main()
