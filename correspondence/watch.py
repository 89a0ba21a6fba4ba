"""``letters watch``: the service that turns records dropped into the inbox into letters.

A watchdog observer (``--polling`` for network shares) reports files created, closed and moved
into the inbox (a producer that writes a temp file and renames it arrives as a move). Hidden
files, ``*.tmp``, ``*.part``, folders, links and other non-regular files are ignored. A file is
read only once it has stayed unchanged for ``settle`` seconds and holds complete JSON; one that
never becomes complete JSON is rejected after ``give_up`` seconds. What is in the inbox at
start, and anything a lost event missed (a full rescan every ``rescan`` seconds), is processed
too. An error in one record never stops the service. SIGINT or SIGTERM: the records in hand are
finished, then the service exits 0.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import threading
import time
from datetime import date
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .inbox import is_candidate, pending, process_inbox
from .rules import RuleBook

log = logging.getLogger("correspondence")


class _Events(FileSystemEventHandler):
    def __init__(self, inbox_queue: "queue.Queue[Path]"):
        self.queue = inbox_queue

    def _put(self, path: str) -> None:
        self.queue.put(Path(path))

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
            self._put(event.dest_path)


def _complete_json(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            json.loads(handle.read())
        return True
    except (OSError, ValueError):
        return False


class Watcher:
    def __init__(self, book: RuleBook, rules: Path, templates: Path, inbox: Path, outbox: Path, *,
                 polling: bool = False, rescan: float = 30.0, settle: float = 1.0, give_up: float = 60.0,
                 workers: int | None = None):
        self.book, self.rules, self.templates = book, Path(rules), Path(templates)
        self.inbox, self.outbox = Path(inbox), Path(outbox)
        self.polling, self.rescan, self.settle, self.give_up = polling, rescan, settle, give_up
        self.workers = workers or os.cpu_count() or 1
        self.events: "queue.Queue[Path]" = queue.Queue()
        self.stopping = threading.Event()
        self.waiting: dict[Path, tuple[tuple[int, int], float, float]] = {}  # path -> (signature, since, first seen)

    # ----- signals

    def _stop(self, signum, _frame) -> None:
        log.info("received %s: finishing the records in hand, then stopping", signal.Signals(signum).name)
        self.stopping.set()

    # ----- readiness

    def ready(self, path: Path, now: float) -> bool | None:
        """True when the file can be processed, None while it may still be being written, False if gone."""
        if not is_candidate(path):
            self.waiting.pop(path, None)
            return False
        try:
            st = path.stat()
        except FileNotFoundError:
            self.waiting.pop(path, None)
            return False
        signature = (st.st_size, st.st_mtime_ns)
        previous = self.waiting.get(path)
        if previous is None or previous[0] != signature:
            first = previous[2] if previous else now
            self.waiting[path] = (signature, now, first)
            # A file already untouched for `settle` seconds (found by a scan) needs no second look.
            if time.time() - st.st_mtime < self.settle:
                return None
        elif now - previous[1] < self.settle:
            return None
        if _complete_json(path):
            return True
        first_seen = self.waiting[path][2]
        if now - first_seen >= self.give_up:
            log.warning("%s is still not complete JSON after %.0f s; rejecting it", path.name, self.give_up)
            return True  # process_inbox rejects it with the JSON error
        return None

    # ----- the loop

    def run(self) -> None:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        self.inbox.mkdir(parents=True, exist_ok=True)
        observer = PollingObserver(timeout=max(self.settle / 2, 0.2)) if self.polling else Observer()
        observer.schedule(_Events(self.events), str(self.inbox), recursive=False)
        observer.start()
        log.info("watching %s%s", self.inbox, " (polling)" if self.polling else "")
        try:
            self.process_batch(None)  # resume .work/ and take what is already waiting
            for path in pending(self.inbox):
                self.events.put(path)
            last_scan = time.monotonic()
            while not self.stopping.is_set():
                self.drain(timeout=min(self.settle / 2, 0.5))
                now = time.monotonic()
                ready = [p for p in list(self.waiting) if self.ready(p, now)]
                for path in ready:
                    self.waiting.pop(path, None)
                for start in range(0, len(ready), self.workers):
                    if self.stopping.is_set():
                        break
                    self.process_batch(ready[start:start + self.workers])
                if now - last_scan >= self.rescan:
                    for path in pending(self.inbox):
                        self.events.put(path)
                    last_scan = now
        finally:
            observer.stop()
            observer.join(timeout=5)
            log.info("stopped")

    def drain(self, timeout: float) -> None:
        try:
            path = self.events.get(timeout=timeout)
        except queue.Empty:
            return
        paths = [path]
        while True:
            try:
                paths.append(self.events.get_nowait())
            except queue.Empty:
                break
        now = time.monotonic()
        for p in paths:
            if p.parent == self.inbox and p not in self.waiting:
                self.ready(p, now)

    def process_batch(self, paths: list[Path] | None) -> None:
        try:
            report = process_inbox(self.book, self.rules, self.templates, self.inbox, self.outbox, date.today(),
                                   workers=self.workers, paths=paths if paths is not None else [])
        except Exception as exc:  # one bad batch must never stop the service
            log.error("a batch failed and will be retried from %s: %s", self.inbox / ".work", type(exc).__name__)
            return
        if report.accepted or report.rejected:
            log.info("%d accepted, %d rejected, %d letter(s) written", len(report.accepted), len(report.rejected),
                     report.letters)
