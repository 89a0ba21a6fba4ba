"""What every command shares: the project's folders and their options, --as-of, the rules,
reading a record or a stored case, the service's logging, and failing with one sentence and an exit code."""

from __future__ import annotations

import difflib
import functools
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import click

from correspondence.common.wording import parse_day
from correspondence.engine.case import Case, case_from_record, parse_record, read_record_bytes
from correspondence.engine.due import Determination, determine
from correspondence.engine.rules import RuleBook, RulesError, load_rulebook
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
    from correspondence.service import case_store
    if not case_store.safe_case_id(case_id):
        fail(f"CASE-ID {case_id!r} is not a valid case id: expected 1 to 64 letters, digits, '.', '_' or '-', "
             f"starting with a letter or digit.", 2)
    path = case_store.stored_path(paths.outbox, case_id)
    if not path.is_file():
        same = [p.stem for p in case_store.stored_cases(paths.outbox) if p.stem.lower() == case_id.lower()]
        if same:
            fail(f"No stored case {case_id}: case ids are case-sensitive, and the stored case is {same[0]}; "
                 f"try 'letters {click.get_current_context().info_name} {same[0]}'.", 2)
        fail(f"No stored case {case_id} in {case_store.store_dir(paths.outbox)}; give the record with --case-file PATH, "
             f"or store it first with 'letters store PATH'.", 2)
    return case_store.load_stored(path, known_councils(book))


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
