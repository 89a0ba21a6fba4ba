"""The inbox: passes over ``inbox/*.json`` (``letters process``, ``letters watch``), crash-safe and exactly-once.

A :class:`Service` owns a claim folder ``inbox/.work/<id>/`` locked (``flock``) for its life: a
record is claimed by an atomic rename into it, so no other process can take it, and after a
crash (even ``kill -9``) the kernel releases the lock and the next service adopts what the folder
holds. Each record then goes through its own error boundary, in a worker process with a time
limit (``workers.py``): read (regular files only, over 5 MB refused unread), parsed, validated
and worked out by the engine. Only a record that passes all of that replaces its case's snapshot
in the case store; then each case's due letters are rendered (one task per case) and the record
moves to ``inbox/.done/``. A record that fails, whatever the reason (a worker that crashed or ran
out of time included), moves to ``inbox/.rejected/`` beside a plain-words report, and the
records around it go on. A failure of the service itself (disk full, read-only outbox, a ledger
that cannot be read) is not the record's fault: the record stays claimed and is tried again.

Moved records never overwrite one another, long names are shortened, and file names are logged
escaped. Logs name files and case ids, never personal details.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import secrets
import sqlite3
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from correspondence.common import filestamp
from correspondence.common.errors import SERVICE, CorrespondenceError
from correspondence.engine.case import (
    FORMAT,
    MAX_RECORD_BYTES,
    CaseError,
    case_from_record,
    display_name,
    parse_record,
)
from correspondence.engine.rules import RuleBook
from correspondence.service import case_store
from correspondence.service.format_needs import log_open_actions

log = logging.getLogger("correspondence")

WORK, DONE, REJECTED = ".work", ".done", ".rejected"
IGNORED_SUFFIXES = (".tmp", ".part")
MAX_NAME_BYTES = 200  # a moved record's name, so that "<name>.error.txt" fits in 255 bytes
DEFAULT_TIME_LIMIT = 300.0  # seconds for one record's reading, or one case's letters
SERVICE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EIO,
                  errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.EAGAIN}


class ServiceError(CorrespondenceError):
    """The service itself cannot work (exit 3); the message is one plain sentence."""

    exit_code = SERVICE


@dataclass
class PassReport:
    accepted: list[str] = field(default_factory=list)   # file names (escaped)
    rejected: list[str] = field(default_factory=list)   # file names (escaped)
    letters: int = 0
    failures: list[str] = field(default_factory=list)   # sentences (rendering problems)
    waiting: list[str] = field(default_factory=list)    # file names left claimed by a service failure
    failed_cases: set[str] = field(default_factory=set)  # cases with a letter that failed its checks
    service_problem: str = ""                          # the sentence for that failure
    issued: list[tuple[str, str]] = field(default_factory=list)  # (case id, stem) of each letter issued
    drafts: list[tuple] = field(default_factory=list)  # (case id, letter, stage, trigger, stem, hold tags, new)


# --------------------------------------------------------------------------- names

def shown(name: str) -> str:
    """A file name as it may be logged: undecodable bytes as \\xNN, control and format characters escaped."""
    return display_name(name)


def short_name(name: str) -> str:
    """``name`` if it fits in MAX_NAME_BYTES, else its start, a hash of the whole, and its suffix."""
    raw = os.fsencode(name)
    if len(raw) <= MAX_NAME_BYTES:
        return name
    suffix = ".json" if name.endswith(".json") else ""
    digest = hashlib.sha256(raw).hexdigest()[:12]
    head = raw[: MAX_NAME_BYTES - len(suffix) - 13]
    return os.fsdecode(head.decode("utf-8", "ignore").encode("utf-8")) + f"~{digest}{suffix}"


def place(source: Path, folder: Path, name: str) -> Path:
    """Move ``source`` into ``folder`` under ``name`` (shortened; ``.1``, ``.2``... if taken), never over another file."""
    name = short_name(name)
    stem, suffix = (name[:-5], ".json") if name.endswith(".json") else (name, "")
    for n in range(10_000):
        target = folder / (name if n == 0 else f"{stem}.{n}{suffix}")
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
                raise
            if os.path.lexists(target):  # a folder without hard links: check, then rename
                continue
            os.rename(source, target)
            return target
        os.unlink(source)
        return target
    raise FileExistsError(f"{folder}: no free name for {shown(name)}")


def _private_text(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def make_folder(path: Path) -> Path:
    from correspondence.service.outbox import make_folder as make
    return make(path)


def folders(inbox: Path) -> tuple[Path, Path, Path]:
    out = tuple(Path(inbox) / name for name in (WORK, DONE, REJECTED))
    for folder in out:
        make_folder(folder)
    return out  # type: ignore[return-value]


def is_candidate(path: Path) -> bool:
    """A record to process: a regular *.json file, not hidden, not a temp file, not a link."""
    name = path.name
    if name.startswith(".") or name.endswith(IGNORED_SUFFIXES) or not name.endswith(".json"):
        return False
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
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
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def check_folders(inbox: Path, outbox: Path) -> None:
    """Refuse an inbox inside the outbox or the other way round (recovery of one would eat the other)."""
    a, b = Path(inbox).resolve(), Path(outbox).resolve()
    if a == b or a.is_relative_to(b) or b.is_relative_to(a):
        raise ServiceError(f"The inbox ({Path(inbox)}) and the outbox ({Path(outbox)}) must be separate folders, "
                           f"neither inside the other; the service will not start.")


def service_problem(exc: BaseException) -> str | None:
    """The sentence for a failure of the service itself (not the record's fault), or None."""
    from correspondence.service.ledger import LedgerUnreadable

    if isinstance(exc, LedgerUnreadable):
        return str(exc)
    if isinstance(exc, ServiceError):
        return str(exc)
    from correspondence.service.workers import WorkerStartError
    if isinstance(exc, WorkerStartError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in SERVICE_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"cannot write{where}: {exc.strerror or os.strerror(exc.errno)}."
    if isinstance(exc, sqlite3.OperationalError):
        return f"the ledger cannot be used ({exc})."
    if isinstance(exc, sqlite3.Error):
        return (f"the ledger cannot be read ({exc}); run 'letters ledger rebuild' to rebuild it from the "
                f"letters' manifests.")
    return None


# --------------------------------------------------------------------------- claims

class Claims:
    """This process's claim folder ``.work/<id>/``, held by an exclusive lock on ``.work/<id>.lock``."""

    def __init__(self, work: Path):
        self.work = Path(work)
        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.lock_path = self.work / f"{token}.lock"
        self._lock = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.folder = make_folder(self.work / token)

    def held(self) -> list[Path]:
        try:
            return sorted((p for p in self.folder.iterdir() if not p.name.startswith(".")),
                          key=lambda p: (_mtime(p), p.name))
        except FileNotFoundError:
            return []

    def take(self, path: Path) -> Path | None:
        """Claim one inbox record; None if another process took it first."""
        try:
            return place(path, self.folder, path.name)
        except FileNotFoundError:
            return None

    def adopt(self) -> int:
        """Take over what dead services left claimed (their lock is free), and records of older versions."""
        taken = 0
        for entry in list(self.work.iterdir()):
            if entry == self.folder or entry == self.lock_path:
                continue
            if entry.is_file() and not entry.is_symlink() and not entry.name.endswith(".lock"):
                taken += self._move(entry)  # claimed by an older version straight into .work/
                continue
            if not entry.is_dir() or entry.is_symlink():
                continue
            lock = entry.with_name(entry.name + ".lock")
            try:
                fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live service's claims: never touched
                for path in list(entry.iterdir()):
                    taken += self._move(path)
                try:
                    entry.rmdir()
                    os.unlink(lock)
                except OSError:
                    pass
            finally:
                os.close(fd)
        for lock in self.work.glob("*.lock"):  # locks of folders already gone
            if lock != self.lock_path and not lock.with_suffix("").exists():
                try:
                    fd = os.open(lock, os.O_RDWR | os.O_NOFOLLOW)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        os.unlink(lock)
                    except BlockingIOError:
                        pass
                    finally:
                        os.close(fd)
                except OSError:
                    pass
        return taken

    def _move(self, path: Path) -> int:
        try:
            place(path, self.folder, path.name)
            return 1
        except FileNotFoundError:
            return 0

    def release(self) -> None:
        """Give up the claim folder (records still in it are adopted by the next service)."""
        if self._lock < 0:
            return
        try:
            self.folder.rmdir()
            os.unlink(self.lock_path)
        except OSError:
            pass  # records left: they stay claimed until another service adopts them
        os.close(self._lock)
        self._lock = -1


# --------------------------------------------------------------------------- worker tasks

def read_claimed(path: Path, source: str) -> bytes:
    """A claimed record's bytes: a regular file (whatever was renamed over it), at most 5 MB."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CaseError(source, [f"{source}: is a link; expected a {FORMAT} JSON record file."]) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CaseError(source, [f"{source}: is not a regular file; expected a {FORMAT} JSON record file."])
        data = handle.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise CaseError(source, [f"{source}: the record is larger than 5 MB; expected one case of at most 5 MB."])
    return data


def _has_drafts(outbox: Path, case_id: str) -> bool:
    folder = outbox / case_id / "drafts"
    return folder.is_dir() and any(p.suffix == ".json" for p in folder.iterdir())


def check_record(rules_dir: str, outbox_dir: str, path: str, source: str, as_of: date) -> tuple:
    """Worker: read, parse and validate a claimed record and work out its letters (nothing written).

    ("accepted", case_id, letters pending) | ("rejected", problems) | ("service", sentence)
    """
    from correspondence.engine.due import determine
    from correspondence.service.issuing import policy_for
    from correspondence.service.ledger import issued_for

    try:
        book = _book(rules_dir)
        data = read_claimed(Path(path), source)
        case = case_from_record(parse_record(data, source), source, {c: book.procedures(c) for c in book.councils})
        result = determine(case, policy_for(book, case), issued_for(Path(outbox_dir), case.case_id), as_of)
        # nothing pending and no draft awaiting sign-off (which the render withdraws): no render needed
        return "accepted", case.case_id, bool(result.pending) or _has_drafts(Path(outbox_dir), case.case_id)
    except CaseError as exc:
        return "rejected", exc.problems
    except RecursionError:
        return "rejected", [f"{source}: the record is nested too deeply to be read; expected a {FORMAT} record."]
    except Exception as exc:
        problem = service_problem(exc)
        if problem:
            return "service", problem
        return "rejected", [f"{source}: the record passed its checks, but its letters cannot be worked out "
                            f"({type(exc).__name__}); no letter was written from it."]


def render_case(rules_dir: str, templates_dir: str, outbox_dir: str, case_id: str, as_of: date) -> tuple:
    """Worker: render one stored case's due letters.

    ("ok", letters written, sentences for letters that failed their checks, stems issued, drafts awaiting
    sign-off as (letter, stage, trigger, stem, hold tags, drafted now)) | ("problem", sentence) | ("service", sentence)
    """
    from correspondence.letters.render import TemplateProblem
    from correspondence.service.issuing import issue_due_letters

    try:
        book = _book(rules_dir)
        case = case_store.load_stored(case_store.stored_path(Path(outbox_dir), case_id), {c: book.procedures(c) for c in book.councils})
        report = issue_due_letters(book, _renderer(templates_dir), case, Path(outbox_dir), as_of)
    except (CaseError, TemplateProblem) as exc:
        return "problem", str(exc)
    except Exception as exc:
        problem = service_problem(exc)
        if problem:
            return "service", problem
        return "problem", f"its letters could not be written ({type(exc).__name__})."
    drafted = {f.stem for f in report.drafted}
    drafts = [(letter.letter, letter.stage, letter.trigger, stem, tuple(tags), stem in drafted)
              for letter, stem, tags in report.awaiting]  # hold codes only: the sentences stay in the draft
    return ("ok", len(report.issued), [s for _, _, sentences in report.failed for s in sentences],
            [f.stem for f in report.issued], drafts)


_BOOKS: dict[tuple, RuleBook] = {}
_RENDERERS: dict = {}


def _book(rules_dir: str) -> RuleBook:
    """The rules, loaded once per process and again whenever a rules file changes."""
    from correspondence.engine.rules import load_rulebook

    folder = Path(rules_dir)
    key = (rules_dir, tuple(sorted((p.name, filestamp.stamp(p)) for p in folder.iterdir() if p.is_file())))
    if key not in _BOOKS:
        _BOOKS.clear()
        _BOOKS[key] = load_rulebook(rules_dir)[0]
    return _BOOKS[key]


def _renderer(templates_dir: str):
    from correspondence.letters.render import Renderer
    if templates_dir not in _RENDERERS:
        _RENDERERS[templates_dir] = Renderer(Path(templates_dir))
    return _RENDERERS[templates_dir]


def _warm(rules_dir: str, templates_dir: str) -> None:
    """Worker start-up: load the rules and the renderer's libraries once, before the first record."""
    _book(rules_dir)
    _renderer(templates_dir)
    from correspondence.letters import weasyprint_import
    weasyprint_import.load()  # the slowest import; paid once per worker
    import docxtpl  # noqa: F401


# --------------------------------------------------------------------------- the service

class Service:
    """The inbox service: one claim folder, one pool of workers, recovery once at start."""

    def __init__(self, book: RuleBook, rules_dir: Path, templates: Path, inbox: Path, outbox: Path, *,
                 workers: int | None = None, time_limit: float = DEFAULT_TIME_LIMIT):
        from correspondence.service.outbox import recover
        from correspondence.service.workers import Pool

        self.book, self.rules_dir, self.templates = book, Path(rules_dir), Path(templates)
        self.inbox, self.outbox = Path(inbox), Path(outbox)
        check_folders(self.inbox, self.outbox)
        try:
            make_folder(self.inbox)
            self.work, self.done, self.rejected = folders(self.inbox)
            make_folder(self.outbox)
            self.claims = Claims(self.work)
        except OSError as exc:
            raise ServiceError(f"The service cannot use its folders: {service_problem(exc) or exc}") from None
        try:
            recover(self.outbox)
            self.claims.adopt()
        except Exception as exc:
            self.claims.release()
            problem = service_problem(exc)
            if problem is None:
                raise
            raise ServiceError(f"The service cannot start: {problem}" if problem[0].islower() else problem) from None
        self.pool = Pool(workers or os.cpu_count() or 1, time_limit, _warm, (str(self.rules_dir), str(self.templates)))

    def close(self) -> None:
        self.pool.close()
        self.claims.release()

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- one pass

    def run(self, as_of: date, paths: Iterable[Path] | None = None,
            progress: Callable[[int], None] | None = None) -> PassReport:
        """Claim ``paths`` (default: every record waiting in the inbox) and process them with
        whatever this service still holds claimed."""
        report = PassReport()
        for path in paths if paths is not None else pending(self.inbox):
            try:
                self.claims.take(path)
            except OSError as exc:
                log.error("cannot claim %s: %s", shown(path.name), service_problem(exc) or type(exc).__name__)
        claimed = self.claims.held()
        if not claimed:
            return report
        sources = {path: shown(path.name) for path in claimed}

        checks = self.pool.map(check_record, [(str(self.rules_dir), str(self.outbox), str(p), sources[p], as_of)
                                              for p in claimed])
        cases: dict[str, list[Path]] = {}
        wants: dict[Path, bool] = {}  # a record whose case has letters pending (the ledger only grows)
        for path, outcome in zip(claimed, checks):
            source = sources[path]
            try:
                verdict = outcome.value if outcome.status == "ok" else _worker_failure(outcome, source, reading=True)
                if verdict[0] == "service":
                    self._wait(report, path, verdict[1])
                elif verdict[0] == "rejected":
                    self._reject(report, path, verdict[1])
                else:
                    case_id = verdict[1]
                    cases.setdefault(case_id, []).append(path)
                    wants[path] = verdict[2]
                    report.accepted.append(source)
                    log.info("accepted %s as case %s", source, case_id)
            except Exception as exc:  # the record's own boundary: whatever happens, it alone fails
                self._fail(report, path, exc)
            if progress and source not in report.accepted:
                progress(1)  # rejected or waiting: done with, as far as this pass goes
        # Only an accepted record replaces its case's snapshot; of several, the latest (file order) wins.
        previous: dict[str, bytes | None] = {}  # put back if the new record's letters cannot be written
        latest: dict[str, bytes] = {}
        for case_id, paths in list(cases.items()):
            try:
                snapshot = case_store.stored_path(self.outbox, case_id)
                previous[case_id] = snapshot.read_bytes() if snapshot.is_file() else None
                latest[case_id] = read_claimed(paths[-1], sources[paths[-1]])
            except Exception as exc:
                del cases[case_id]
                for path in paths:
                    self._fail(report, path, exc)
        try:  # all together (one sync); if that fails, one by one, so only what cannot be kept fails
            case_store.save_all(self.outbox, list(latest.items()))
        except Exception:
            for case_id, data in latest.items():
                try:
                    case_store.save(self.outbox, case_id, data)
                except Exception as exc:
                    for path in cases.pop(case_id):
                        self._fail(report, path, exc)

        jobs = [c for c in cases if wants[cases[c][-1]]]
        renders = self.pool.map(render_case, [(str(self.rules_dir), str(self.templates), str(self.outbox), c, as_of)
                                              for c in jobs])
        from correspondence.service.workers import Outcome
        nothing_due = [(c, Outcome("ok", ("ok", 0, [], [], []))) for c in cases if c not in jobs]
        for case_id, outcome in [*zip(jobs, renders), *nothing_due]:
            files = cases[case_id]
            result = outcome.value if outcome.status == "ok" else _worker_failure(outcome, case_id, reading=False)
            try:
                if result[0] == "problem":
                    self._restore(case_id, previous.get(case_id))
                self._finish_case(report, case_id, files, result)
            except Exception as exc:
                for path in files:
                    if path.exists():
                        self._fail(report, path, exc)
            if progress:
                progress(len(files))
        return report

    def _restore(self, case_id: str, data: bytes | None) -> None:
        """The case's snapshot as it was before a record whose letters could not be written."""
        if data is None:
            path = case_store.stored_path(self.outbox, case_id)
            path.unlink(missing_ok=True)
            path.with_name(path.name + case_store.STAMP_SUFFIX).unlink(missing_ok=True)
        else:
            case_store.save(self.outbox, case_id, data)

    def render_again(self, case_ids: Iterable[str], as_of: date) -> PassReport:
        """Render again the due letters of stored cases (letters that failed checks a fix may now pass)."""
        report = PassReport()
        jobs = [c for c in case_ids if case_store.stored_path(self.outbox, c).is_file()]
        outcomes = self.pool.map(render_case, [(str(self.rules_dir), str(self.templates), str(self.outbox), c, as_of)
                                               for c in jobs])
        for case_id, outcome in zip(jobs, outcomes):
            result = outcome.value if outcome.status == "ok" else _worker_failure(outcome, case_id, reading=False)
            if result[0] == "ok":
                self._finish_case(report, case_id, [], result)
            else:
                report.failed_cases.add(case_id)
                log.error("case %s: %s", case_id, result[1])
        return report

    def _finish_case(self, report: PassReport, case_id: str, files: list[Path], result: tuple) -> None:
        if result[0] == "service":
            for path in files:
                self._wait(report, path, result[1])
            return
        if result[0] == "problem":
            problem = result[1]
            report.failures.append(f"{case_id}: {problem}")
            log.error("case %s: %s", case_id, problem)
            for path in files:
                report.accepted.remove(sources_name(path))
                self._reject(report, path, [f"{sources_name(path)}: the record is valid, but its letters could not "
                                            f"be written: {problem}"])
            return
        _, letters, failed, stems, drafts = result
        report.issued.extend((case_id, stem) for stem in stems)
        for letter, stage, trigger, stem, tags, new in drafts:
            report.drafts.append((case_id, letter, stage, trigger, stem, tags, new))
            log.info("case %s: %s%s (%s) %s, awaiting sign-off: holds %s", case_id, letter,
                     f" stage {stage}" if stage else "", trigger, "drafted" if new else "still drafted",
                     " ".join(tags))
        if failed:
            report.failed_cases.add(case_id)
        for sentence in failed:  # the letter is kept in failed/, still due; the record itself is fine
            report.failures.append(sentence)
            log.error("case %s: a letter failed its checks and was not issued: %s", case_id,
                      sentence.split(": ", 2)[-1].split(": \"")[0])
        report.letters += letters
        log.info("case %s: %d letter(s) written", case_id, letters)
        log_open_actions(log, self.outbox, case_id)
        for path in files:
            place(path, self.done, path.name)

    def _reject(self, report: PassReport, path: Path, problems: list[str]) -> None:
        source = sources_name(path)
        arrived = _arrived(path)
        target = place(path, self.rejected, path.name)
        text = "This record was not processed and no letter was written from it.\n\n" + "\n".join(problems) + "\n"
        _private_text(target.with_name(target.name + ".error.txt"), text.replace(str(path), source))
        report.rejected.append(source)
        log.warning("rejected %s: %s", source, problems[0] if problems else "")
        self._note_rejected_update(target, arrived, (problems[0] if problems else "").replace(str(path), source))

    def _note_rejected_update(self, target: Path, arrived: str, sentence: str) -> None:
        """docs/rules.md#a-rejected-update-is-never-unseen: a rejected record for a case already stored stays in view (the diary)
        until a later record is accepted. Its case id is read only if the record is a readable
        JSON object with a well-formed ``case_id``; nothing else of it is kept."""
        case_id = _case_id_of(target)
        if case_id is None:
            return
        try:
            if case_store.note_rejected(self.outbox, case_id, shown(target.name), arrived, sentence):
                log.warning("case %s: its latest record %s was rejected; the stored record stays", case_id,
                            shown(target.name))
        except OSError as exc:
            log.error("case %s: the rejected update could not be noted: %s", case_id,
                      service_problem(exc) or type(exc).__name__)

    def _wait(self, report: PassReport, path: Path, problem: str) -> None:
        if sources_name(path) in report.accepted:
            report.accepted.remove(sources_name(path))
        report.waiting.append(sources_name(path))
        report.service_problem = problem
        log.error("%s stays claimed for a retry: %s", sources_name(path), problem)

    def _fail(self, report: PassReport, path: Path, exc: Exception) -> None:
        """Whatever went wrong outside a worker: a service failure waits, anything else rejects the record."""
        problem = service_problem(exc)
        if problem:
            self._wait(report, path, problem)
            return
        source = sources_name(path)
        if source in report.accepted:
            report.accepted.remove(source)
        try:
            self._reject(report, path, [f"{source}: the record could not be processed ({type(exc).__name__}); "
                                        f"no letter was written from it."])
        except Exception as again:
            self._wait(report, path, service_problem(again) or f"it could not be moved aside ({type(again).__name__}).")


def _arrived(path: Path) -> str:
    """When a record arrived: its file's modification time (kept by the moves), local time."""
    from datetime import datetime

    try:
        return datetime.fromtimestamp(os.lstat(path).st_mtime).isoformat(timespec="seconds")
    except OSError:
        return datetime.now().isoformat(timespec="seconds")


def _case_id_of(path: Path) -> str | None:
    """The well-formed ``case_id`` of a rejected record, if it can be read (else None)."""
    try:
        record = parse_record(read_claimed(path, shown(path.name)), shown(path.name))
    except Exception:  # unreadable, not JSON, too deep: no case to name
        return None
    case_id = record.get("case_id") if isinstance(record, dict) else None
    return case_id if isinstance(case_id, str) and case_store.safe_case_id(case_id) else None


def sources_name(path: Path) -> str:
    return shown(path.name)


def _worker_failure(outcome, source: str, reading: bool) -> tuple:
    """A worker that crashed, overran its time, or failed outside the task's own boundary."""
    if outcome.status == "timeout":
        what = f"{source}: reading the record took longer than {outcome.detail}, the limit for one record" if reading \
            else f"writing its letters took longer than {outcome.detail}, the limit for one case"
    elif outcome.status == "died":
        what = f"{source}: the worker reading the record stopped ({outcome.detail})" if reading \
            else f"the worker writing its letters stopped ({outcome.detail})"
    else:
        what = f"{source}: the record could not be processed ({outcome.detail})" if reading \
            else f"its letters could not be written ({outcome.detail})"
    return ("rejected", [f"{what}; no letter was written from it."]) if reading else ("problem", f"{what}.")


def process_inbox(book: RuleBook, rules_dir: Path, templates: Path, inbox: Path, outbox: Path, as_of: date, *,
                  workers: int | None = None, paths: Iterable[Path] | None = None,
                  progress: Callable[[int], None] | None = None, time_limit: float = DEFAULT_TIME_LIMIT) -> PassReport:
    """One pass (``letters process``): recover, adopt what dead services left claimed, process the inbox."""
    with Service(book, rules_dir, templates, inbox, outbox, workers=workers, time_limit=time_limit) as service:
        return service.run(as_of, paths, progress)
