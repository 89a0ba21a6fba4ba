"""The inbox: one pass over ``inbox/*.json`` (``letters process``), crash-safe and exactly-once.

Each record is claimed by an atomic rename into ``inbox/.work/``, read (over 5 MB: refused
unread), validated, and kept as its case's latest snapshot in the case store; then each case's
due letters are rendered (in a process pool, one task per case) and the record moves to
``inbox/.done/``. A bad record moves to ``inbox/.rejected/`` beside a plain-words report.

After a crash (even ``kill -9``) the next pass first resumes what ``.work/`` holds and removes
any letter files the ledger does not hold (a letter filed half-way), so every valid record gets
its letters exactly once. Logs name files and case ids, never personal details.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from .case import Case, CaseError, case_from_record, parse_record, read_record_bytes
from .outbox import recover
from .rules import RuleBook
from . import store

log = logging.getLogger("correspondence")

WORK, DONE, REJECTED = ".work", ".done", ".rejected"
IGNORED_SUFFIXES = (".tmp", ".part")


@dataclass
class PassReport:
    accepted: list[str] = field(default_factory=list)   # file names
    rejected: list[str] = field(default_factory=list)   # file names
    letters: int = 0
    failures: list[str] = field(default_factory=list)   # sentences (rendering problems)


def folders(inbox: Path) -> tuple[Path, Path, Path]:
    out = tuple(Path(inbox) / name for name in (WORK, DONE, REJECTED))
    for folder in out:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return out  # type: ignore[return-value]


def is_candidate(path: Path) -> bool:
    """A record to process: a regular *.json file, not hidden, not a temp file, not a link."""
    name = path.name
    if name.startswith(".") or name.endswith(IGNORED_SUFFIXES) or not name.endswith(".json"):
        return False
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False


def pending(inbox: Path) -> list[Path]:
    """Records waiting in the inbox, oldest first (a later record for a case replaces an earlier one)."""
    try:
        found = [p for p in Path(inbox).iterdir() if is_candidate(p)]
    except FileNotFoundError:
        return []
    return sorted(found, key=lambda p: (_mtime(p), p.name))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _unique(folder: Path, name: str) -> Path:
    target = folder / name
    if not target.exists():
        return target
    stem, suffix = os.path.splitext(name)
    return folder / f"{stem}.{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}{suffix}"


def claim(path: Path, work: Path) -> Path | None:
    """Take a record by renaming it into the work folder; None if another process took it first."""
    target = _unique(work, path.name)
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def reject(path: Path, rejected: Path, problems: list[str]) -> Path:
    target = _unique(rejected, path.name)
    report = target.with_name(target.name + ".error.txt")
    text = "This record was not processed and no letter was written from it.\n\n" + "\n".join(problems) + "\n"
    report.write_text(text.replace(str(path), path.name), encoding="utf-8")
    os.rename(path, target)
    return target


def finish(path: Path, done: Path) -> Path:
    target = _unique(done, path.name)
    os.rename(path, target)
    return target


def _read(path: Path, councils: dict[str, list[str]]) -> tuple[Case, bytes]:
    data = read_record_bytes(path)
    return case_from_record(parse_record(data, path.name), path.name, councils), data


# --------------------------------------------------------------------------- rendering (in workers)

def render_case(rules_dir: str, templates_dir: str, outbox_dir: str, case_id: str, as_of: date) -> tuple:
    """Render one stored case's due letters in a worker process.

    Returns (case_id, letters written, a problem that stopped it, sentences for letters that failed their checks).
    """
    from .issuing import issue_due_letters
    from .render import TemplateProblem

    book = _book(rules_dir)
    try:
        case = store.load_stored(store.stored_path(Path(outbox_dir), case_id), {c: book.procedures(c) for c in book.councils})
        report = issue_due_letters(book, _renderer(templates_dir), case, Path(outbox_dir), as_of)
    except (CaseError, TemplateProblem) as exc:
        return case_id, 0, str(exc), []
    return case_id, len(report.issued), "", [s for _, _, sentences in report.failed for s in sentences]


_BOOKS: dict[str, RuleBook] = {}
_RENDERERS: dict = {}


def _book(rules_dir: str) -> RuleBook:
    from .rules import load_rulebook
    if rules_dir not in _BOOKS:
        _BOOKS[rules_dir] = load_rulebook(rules_dir)[0]
    return _BOOKS[rules_dir]


def _renderer(templates_dir: str):
    from .render import Renderer
    if templates_dir not in _RENDERERS:
        _RENDERERS[templates_dir] = Renderer(Path(templates_dir))
    return _RENDERERS[templates_dir]


# --------------------------------------------------------------------------- one pass

def process_inbox(book: RuleBook, rules_dir: Path, templates: Path, inbox: Path, outbox: Path, as_of: date, *,
                  workers: int | None = None, paths: Iterable[Path] | None = None,
                  progress: Callable[[int], None] | None = None) -> PassReport:
    """Process what the inbox holds (or ``paths``), resuming first whatever a crash left claimed."""
    work, done, rejected = folders(inbox)
    recover(outbox)
    councils = {c: book.procedures(c) for c in book.councils}
    report = PassReport()

    claimed = sorted((p for p in work.iterdir() if is_candidate(p)), key=lambda p: (_mtime(p), p.name))
    if claimed:
        log.info("resuming %d claimed record(s) left by an interrupted run", len(claimed))
    for path in paths if paths is not None else pending(inbox):
        taken = claim(path, work)
        if taken is not None:
            claimed.append(taken)

    cases: dict[str, list[Path]] = {}
    for path in claimed:
        try:
            case, data = _read(path, councils)
        except CaseError as exc:
            reject(path, rejected, exc.problems)
            report.rejected.append(path.name)
            log.warning("rejected %s: %s", path.name, exc.problems[0].replace(str(path), path.name))
            continue
        store.save(outbox, case.case_id, data)  # in file order: the latest record wins
        cases.setdefault(case.case_id, []).append(path)
        report.accepted.append(path.name)
        log.info("accepted %s as case %s", path.name, case.case_id)

    jobs = [(str(rules_dir), str(templates), str(outbox), case_id, as_of) for case_id in cases]
    results = _run(jobs, workers)
    for case_id, letters, problem, failed in results:
        files = cases[case_id]
        for sentence in failed:  # the letter is kept in failed/, still due; the record itself is fine
            report.failures.append(sentence)
            log.error("case %s: a letter failed its checks and was not issued: %s", case_id,
                      sentence.split(": ", 2)[-1].split(": \"")[0])
        if problem:
            report.failures.append(problem)
            log.error("case %s: %s", case_id, problem)
            for path in files:
                reject(path, rejected, [f"The record is valid, but its letters could not be written: {problem}"])
                report.accepted.remove(path.name)
                report.rejected.append(path.name)
        else:
            report.letters += letters
            log.info("case %s: %d letter(s) written", case_id, letters)
            for path in files:
                finish(path, done)
        if progress:
            progress(len(files))
    return report


def _ignore_stop_signals() -> None:
    """Workers leave SIGINT/SIGTERM to the parent, which finishes the batch in hand and stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _run(jobs: list[tuple], workers: int | None) -> list[tuple]:
    if not jobs:
        return []
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) == 1:
        return [render_case(*job) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_ignore_stop_signals) as pool:
        return list(pool.map(render_case, *zip(*jobs)))
