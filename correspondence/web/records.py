"""Records posted to the API, and the Render button, through the inbox service's own pass.

One thread owns an inbox :class:`~correspondence.service.inbox.Service` (its claim folder and
its worker processes, started once and kept) and does one job at a time. A posted record is
written to ``inbox/.api/`` under a name of its own, then claimed and processed by
``Service.run`` exactly as a record dropped in the inbox is: the same checks, the same snapshot,
the same letters, and a rejected one lands in ``inbox/.rejected/`` beside its report. The answer
is read from the pass's report. When the service cannot store it (a full disk, a ledger that
cannot be used) the record is taken back and the case's snapshot put back as it was, so the
case system's retry is the only copy.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from correspondence.common import safe_json
from correspondence.engine.case import MAX_RECORD_BYTES, safe_case_id
from correspondence.service import audit, case_store

log = logging.getLogger("correspondence.web")
STAGING = ".api"


@dataclass
class Outcome:
    status: str                       # stored, rejected, unavailable
    case_id: str | None = None
    letters: list[dict] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)


def _letters_of(outbox: Path, case_id: str | None) -> dict[str, dict]:
    """stem -> what the API says of each letter filed or drafted for the case."""
    if not case_id or not safe_case_id(case_id):
        return {}
    import json
    out = {}
    for sub, status in (("", "issued"), ("drafts", "draft")):
        folder = Path(outbox) / case_id / sub if sub else Path(outbox) / case_id
        for path in folder.glob("*.json") if folder.is_dir() else []:
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(manifest, dict):
                out[f"{sub}/{path.stem}"] = {"letter": manifest.get("letter"), "stage": manifest.get("stage"),
                                             "trigger": manifest.get("trigger"), "stem": path.stem,
                                             "status": manifest.get("status") or status}
    return out


def _failed_of(outbox: Path, case_id: str | None) -> set[str]:
    if not case_id or not safe_case_id(case_id):
        return set()
    folder = Path(outbox) / case_id / "failed"
    return {p.name for p in folder.glob("*.report.txt")} if folder.is_dir() else set()


def peek_case_id(data: bytes) -> str | None:
    try:
        record: Any = safe_json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, safe_json.Unreadable, RecursionError, ValueError):
        return None
    value = record.get("case_id") if isinstance(record, dict) else None
    return value if isinstance(value, str) and safe_case_id(value) else None


class Intake:
    """The web server's own inbox service, on a thread of its own."""

    def __init__(self, book_loader: Callable, rules: Path, templates: Path, inbox: Path, outbox: Path, *,
                 workers: int = 1, time_limit: float = 300.0):
        self.book_loader = book_loader
        self.rules, self.templates, self.inbox, self.outbox = Path(rules), Path(templates), Path(inbox), Path(outbox)
        self.workers, self.time_limit = workers, time_limit
        self.jobs: "queue.Queue[tuple[Callable, tuple, Future] | None]" = queue.Queue()
        self.service = None
        self.renderer = None
        self.thread = threading.Thread(target=self._loop, name="letters-intake", daemon=True)
        self.thread.start()

    # ----- the thread

    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                break
            func, args, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(func(*args))
            except BaseException as exc:  # noqa: BLE001 - given to the waiting request
                future.set_exception(exc)
        if self.service is not None:
            self.service.close()
            self.service = None

    def _service(self):
        from correspondence.service.inbox import Service

        if self.service is None:
            self.service = Service(self.book_loader(), self.rules, self.templates, self.inbox, self.outbox,
                                   workers=self.workers, time_limit=self.time_limit)
        return self.service

    def _run(self, func: Callable, *args):
        future: Future = Future()
        self.jobs.put((func, args, future))
        return future.result()

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=30)

    # ----- posting a record

    def submit(self, data: bytes, by: str, as_of: date) -> Outcome:
        return self._run(self._submit, data, by, as_of)

    def _submit(self, data: bytes, by: str, as_of: date) -> Outcome:
        from correspondence.service.inbox import REJECTED, ServiceError, make_folder, service_problem, shown

        if len(data) > MAX_RECORD_BYTES:
            return Outcome("rejected", sentences=["the record is larger than 5 MB; expected one case of at most 5 MB."])
        name = f"api-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(6)}.json"
        case_id = peek_case_id(data)
        try:
            service = self._service()
            staging = make_folder(self.inbox / STAGING)
            path = staging / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
        except ServiceError as exc:
            return Outcome("unavailable", sentences=[str(exc)])
        except OSError as exc:
            self._unlink(self.inbox / STAGING / name)
            return Outcome("unavailable", sentences=[_sentence(service_problem(exc) or f"cannot write ({exc.strerror}).")])
        before = _letters_of(self.outbox, case_id)
        failed_before = _failed_of(self.outbox, case_id)
        previous = None
        if case_id:
            snapshot = case_store.stored_path(self.outbox, case_id)
            previous = snapshot.read_bytes() if snapshot.is_file() else None
        source = shown(name)
        try:
            report = service.run(as_of, [path])
        except Exception as exc:
            problem = service_problem(exc)
            self._take_back(service, name, case_id, previous)
            if problem is None:
                log.error("a posted record could not be processed: %s", type(exc).__name__)
                problem = f"the service stopped on an internal error ({type(exc).__name__})."
            return Outcome("unavailable", sentences=[_sentence(problem)])
        finally:
            self._unlink(path)
        if source in report.waiting:
            self._take_back(service, name, case_id, previous)
            return Outcome("unavailable", sentences=[_sentence(report.service_problem)])
        if source in report.rejected:
            report_path = self.inbox / REJECTED / f"{name}.error.txt"
            try:
                text = report_path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            body = text.split("\n\n", 1)[1] if "\n\n" in text else text
            sentences = [line for line in body.splitlines() if line.strip()] or ["the record was rejected."]
            return Outcome("rejected", case_id, sentences=sentences)
        after = _letters_of(self.outbox, case_id)
        letters = [after[k] for k in sorted(after) if k not in before]
        failed = sorted(_failed_of(self.outbox, case_id) - failed_before)
        audit.record_change(self.outbox, by, "api", case_id, "record-accepted",
                            f"{len(letters)} letter(s): " + ", ".join(x["stem"] for x in letters) if letters else "no letter due")
        return Outcome("stored", case_id, letters,
                       failed_checks=[f"{case_id}/failed/{n}" for n in failed])

    def _take_back(self, service, name: str, case_id: str | None, previous: bytes | None) -> None:
        """After a failure of the service: the record out of the claim folder, the snapshot as it was."""
        self._unlink(service.claims.folder / name)
        if case_id:
            try:
                service._restore(case_id, previous)
            except OSError:
                log.error("case %s: the snapshot could not be put back after a failure", case_id)

    @staticmethod
    def _unlink(path: Path) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            log.error("%s could not be removed", path.name)

    # ----- the Render button

    def render(self, case_id: str, by: str, as_of: date) -> Outcome:
        return self._run(self._render, case_id, by, as_of)

    def _render(self, case_id: str, by: str, as_of: date) -> Outcome:
        from correspondence.service.inbox import ServiceError, service_problem

        before = _letters_of(self.outbox, case_id)
        failed_before = _failed_of(self.outbox, case_id)
        try:
            report = self._service().render_again([case_id], as_of)
        except ServiceError as exc:
            return Outcome("unavailable", case_id, sentences=[str(exc)])
        except Exception as exc:
            problem = service_problem(exc)
            if problem is None:
                raise
            return Outcome("unavailable", case_id, sentences=[_sentence(problem)])
        after = _letters_of(self.outbox, case_id)
        letters = [after[k] for k in sorted(after) if k not in before]
        failed = sorted(_failed_of(self.outbox, case_id) - failed_before)
        if case_id in report.failed_cases and not failed:
            failed = sorted(_failed_of(self.outbox, case_id))
        audit.record_change(self.outbox, by, "web", case_id, "letters-rendered",
                            ", ".join(x["stem"] for x in letters) if letters else "no letter written")
        return Outcome("stored", case_id, letters, failed_checks=failed)


    # ----- signing off (the letter is made again, so on the thread that owns the renderer)

    def approve(self, case_id: str, stem: str, by: str, note: str | None, as_of: date, today: date | None) -> Outcome:
        return self._run(self._approve, case_id, stem, by, note, as_of, today)

    def _approve(self, case_id, stem, by, note, as_of, today) -> Outcome:
        from correspondence.service.signoff import SignOffRefused, SignOffUsage, approve

        if self.renderer is None:
            from correspondence.letters.render import Renderer
            self.renderer = Renderer(self.templates)
        try:
            done = approve(self.book_loader(), self.renderer, self.outbox, case_id, stem, by, note, as_of,
                           today=today or as_of)
        except (SignOffRefused, SignOffUsage) as exc:
            return Outcome("refused", case_id, sentences=[str(exc)])
        return Outcome("stored", case_id, [{"stem": done.stem, "status": "issued"}])

    def return_draft(self, case_id: str, stem: str, by: str, reason: str) -> Outcome:
        return self._run(self._return, case_id, stem, by, reason)

    def _return(self, case_id, stem, by, reason) -> Outcome:
        from correspondence.service.signoff import SignOffRefused, SignOffUsage, return_draft

        try:
            return_draft(self.outbox, case_id, stem, by, reason)
        except (SignOffRefused, SignOffUsage) as exc:
            return Outcome("refused", case_id, sentences=[str(exc)])
        return Outcome("stored", case_id)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] if text and text[0].islower() else text
