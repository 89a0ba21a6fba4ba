"""``letters watch``: the service that turns records dropped into the inbox into letters.

A watchdog observer (``--polling`` for network shares) reports files created, closed and moved
into the inbox. Hidden files, ``*.tmp``, ``*.part``, folders, links and other non-regular files
are ignored. A file that arrives by rename (a producer that writes aside and renames), or whose
modification time is already ``settle`` seconds old, is taken at once; one written in place is
taken once it has stayed unchanged for ``settle`` seconds and looks like complete JSON (checked
without parsing it; a file over 5 MB is never read, only rejected); one that never completes is
rejected after ``give_up`` seconds. What is in the inbox at start, and anything a lost event
missed (a full rescan every ``rescan`` seconds), goes through the same check.

One :class:`~correspondence.service.inbox.Service` serves the whole run: one pool of workers kept warm,
recovery once at start. Records a failure of the service itself (a full disk, a locked ledger)
left claimed are tried again with back-off (1 s, doubling to a minute) without waiting for a new
record. An error in one record never stops the service. SIGINT or SIGTERM: the records in hand
are finished, then the service exits 0.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import threading
import time
from datetime import date
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from correspondence.common import filestamp
from correspondence.engine.case import MAX_RECORD_BYTES
from correspondence.engine.rules import RuleBook
from correspondence.service.inbox import Service, is_candidate, pending, shown

log = logging.getLogger("correspondence")


BATCH = 500            # records per pass, so that a stop request is honoured between passes
QUIET, QUIET_MAX = 0.05, 1.0  # events gathered until none came for QUIET seconds (QUIET_MAX at most)
MAX_BACKOFF = 60.0     # seconds between retries of records left claimed by a service failure
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


class _Events(FileSystemEventHandler):
    def __init__(self, inbox_queue: "queue.Queue[tuple[Path, bool]]"):
        self.queue = inbox_queue

    def _put(self, path: str, moved: bool = False) -> None:
        self.queue.put((Path(path), moved))

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._put(event.src_path)

    def on_closed(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._put(event.src_path)

    def on_modified(self, event: FileSystemEvent) -> None:  # the polling observer has no "closed"
        if not event.is_directory:
            self._put(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._put(event.dest_path, moved=True)


def looks_complete(path: Path) -> bool:
    """True if the file looks like one whole JSON object, judged without parsing it (so without
    the memory and recursion a parser would spend); a file over 5 MB is "complete": it is
    rejected unread."""
    try:
        if path.lstat().st_size > MAX_RECORD_BYTES:
            return True
        with open(path, "rb") as handle:
            data = handle.read(MAX_RECORD_BYTES + 1)
    except OSError:
        return False
    body = _STRING.sub(b"", data).strip().removeprefix(b"\xef\xbb\xbf").strip()
    return (body.startswith(b"{") and body.endswith(b"}") and b'"' not in body
            and body.count(b"{") == body.count(b"}") and body.count(b"[") == body.count(b"]"))


def _observer(polling: bool, settle: float):
    if polling:
        return PollingObserver(timeout=max(settle / 2, 0.2))
    try:  # a file renamed in from another folder then arrives as a move, not a creation
        return Observer(generate_full_events=True)
    except TypeError:
        return Observer()


class Watcher:
    def __init__(self, book: RuleBook, rules: Path, templates: Path, inbox: Path, outbox: Path, *,
                 polling: bool = False, rescan: float = 30.0, settle: float = 1.0, give_up: float = 60.0,
                 workers: int | None = None, time_limit: float | None = None):
        self.book, self.rules, self.templates = book, Path(rules), Path(templates)
        self.inbox, self.outbox = Path(inbox), Path(outbox)
        self.polling, self.rescan, self.settle, self.give_up = polling, rescan, settle, give_up
        self.workers, self.time_limit = workers, time_limit
        self.events: "queue.Queue[tuple[Path, bool]]" = queue.Queue()
        self.stopping = threading.Event()
        self.waiting: dict[Path, tuple[tuple[int, int], float, float]] = {}  # path -> (signature, since, first seen)
        self.arrived: set[Path] = set()  # arrived by rename: complete, read at once
        self.retry_at: float | None = None
        self.backoff = 1.0
        self.service: Service | None = None
        self.failed_cases: set[str] = set()  # letters that failed their checks: tried again after a fix
        self.fixed_since: tuple = ()

    def fingerprint(self) -> tuple:
        """What a fix to a failing letter changes: the rules and templates files."""
        stamps = []
        for folder in (self.rules, self.templates):
            for root, _dirs, files in os.walk(folder):
                for name in files:
                    try:
                        stamps.append((root, name, filestamp.stamp(os.path.join(root, name))))
                    except OSError:
                        pass
        return tuple(sorted(stamps))

    def retry_failed_letters(self, force: bool = False) -> None:
        """Render again the cases whose letters failed their checks, once the rules or templates changed."""
        if not self.failed_cases:
            return
        now = self.fingerprint()
        if not force and now == self.fixed_since:
            return
        self.fixed_since = now
        log.info("rendering again %d case(s) whose letters failed their checks", len(self.failed_cases))
        try:
            report = self.service.render_again(sorted(self.failed_cases), date.today())
        except Exception as exc:
            log.error("rendering again failed: %s", type(exc).__name__)
            return
        self.failed_cases = report.failed_cases

    # ----- signals

    def _stop(self, signum, _frame) -> None:
        log.info("received %s: finishing the records in hand, then stopping", signal.Signals(signum).name)
        self.stopping.set()

    # ----- readiness

    def ready(self, path: Path, now: float) -> bool | None:
        """True when the file can be processed, None while it may still be being written, False if gone."""
        if not is_candidate(path):
            self.waiting.pop(path, None)
            self.arrived.discard(path)
            return False
        if path in self.arrived:
            return True
        try:
            st = path.lstat()
        except FileNotFoundError:
            self.waiting.pop(path, None)
            return False
        signature = (st.st_size, st.st_mtime_ns)
        previous = self.waiting.get(path)
        if previous is None or previous[0] != signature:
            first = previous[2] if previous else now
            self.waiting[path] = (signature, now, first)
            # A file already untouched for `settle` seconds (found by a scan, or copied with its
            # modification time) needs no second look.
            if time.time() - st.st_mtime < self.settle:
                return None
        elif now - previous[1] < self.settle:
            return None
        if looks_complete(path):
            return True
        first_seen = self.waiting[path][2]
        if now - first_seen >= self.give_up:
            log.warning("%s is still not complete JSON after %.0f s; rejecting it", shown(path.name), self.give_up)
            return True  # the pass rejects it with the JSON error
        return None

    # ----- the loop

    def run(self) -> None:
        from correspondence.service.inbox import DEFAULT_TIME_LIMIT

        if threading.current_thread() is threading.main_thread():  # else the thread's owner stops it (letters serve --watch)
            signal.signal(signal.SIGINT, self._stop)
            signal.signal(signal.SIGTERM, self._stop)
        self.service = Service(self.book, self.rules, self.templates, self.inbox, self.outbox, workers=self.workers,
                               time_limit=self.time_limit or DEFAULT_TIME_LIMIT)  # recovery, once
        observer = _observer(self.polling, self.settle)
        observer.schedule(_Events(self.events), str(self.inbox), recursive=False)
        observer.start()
        log.info("watching %s%s", shown(str(self.inbox)), " (polling)" if self.polling else "")
        try:
            from correspondence.service.outbox import failed_reports
            self.failed_cases = {case_id for case_id, _ in failed_reports(self.outbox)}
            self.retry_failed_letters(force=True)  # fixes made while the service was down
            self.process_batch([])  # what dead services left claimed
            # What is already waiting goes through the same readiness check as an arrival: a file
            # untouched for `settle` seconds and complete is taken at once, one still being written
            # (a producer mid-file as the service starts) is waited for, not rejected half-read.
            for path in pending(self.inbox):
                self.events.put((path, False))
            last_scan = time.monotonic()
            while not self.stopping.is_set():
                self.drain(timeout=min(self.settle / 4, 0.25) if self.waiting else min(self.settle / 2, 0.5))
                now = time.monotonic()
                ready = [p for p in list(self.waiting) + list(self.arrived) if self.ready(p, now)]
                ready = list(dict.fromkeys(ready))
                for path in ready:
                    self.waiting.pop(path, None)
                    self.arrived.discard(path)
                for start in range(0, len(ready), BATCH):
                    if self.stopping.is_set():
                        break
                    self.process_batch(ready[start:start + BATCH])
                if self.retry_at is not None and now >= self.retry_at and not self.stopping.is_set():
                    self.process_batch([])
                if now - last_scan >= self.rescan:
                    self.service.claims.adopt()  # a service that died since: its claims are ours now
                    self.retry_failed_letters()
                    for path in pending(self.inbox):
                        if path not in self.waiting:
                            self.events.put((path, False))
                    last_scan = now
        finally:
            observer.stop()
            observer.join(timeout=5)
            self.service.close()
            log.info("stopped")

    def drain(self, timeout: float) -> None:
        try:
            item = self.events.get(timeout=timeout)
        except queue.Empty:
            return
        items = [item]
        until = time.monotonic() + QUIET_MAX
        while time.monotonic() < until:  # a bulk drop still arriving: gather it into one batch
            try:
                items.append(self.events.get(timeout=QUIET))
            except queue.Empty:
                break
        now = time.monotonic()
        for path, moved in items:
            if path.parent != self.inbox:
                continue
            if moved:
                self.arrived.add(path)
                self.waiting.pop(path, None)
            elif path not in self.waiting and path not in self.arrived:
                self.ready(path, now)

    def process_batch(self, paths: list[Path] | None) -> None:
        assert self.service is not None
        try:
            report = self.service.run(date.today(), paths)
        except Exception as exc:  # one bad batch must never stop the service
            log.error("a batch failed and will be retried: %s", type(exc).__name__)
            report = None
        if report is None or report.waiting:
            self.retry_at = time.monotonic() + self.backoff
            if report is not None:
                log.info("%d record(s) wait for a retry in %.0f s", len(report.waiting), self.backoff)
            self.backoff = min(self.backoff * 2, MAX_BACKOFF)
        else:
            self.retry_at, self.backoff = None, 1.0
        if report is not None:
            self.failed_cases |= report.failed_cases
        if report is not None and (report.accepted or report.rejected):
            log.info("%d accepted, %d rejected, %d letter(s) written, %d awaiting sign-off", len(report.accepted),
                     len(report.rejected), report.letters, len(report.drafts))
