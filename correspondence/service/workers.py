"""Worker processes: each record's work runs in one, with a time limit, and none outlives the service.

A :class:`Pool` starts its processes (``spawn``, from the service's main thread) when first
needed and keeps them for its whole life, so ``letters watch`` pays for imports once. Each task
gets a time limit; a worker that overruns it is killed and replaced, and one that dies (a crash,
running out of memory) is replaced too: the task's outcome says so and the other tasks go on.

Workers die with the service whatever kills it: each asks the kernel for SIGKILL when its parent
dies (``PR_SET_PDEATHSIG``), and also checks its parent every second where that call does not
exist. They ignore SIGINT and SIGTERM, which are the parent's to act on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Sequence

from correspondence.common.errors import SERVICE, CorrespondenceError

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Outcome:
    """What became of one task: ``ok`` (``value`` holds the result), ``error``, ``timeout`` or ``died``."""

    status: str
    value: Any = None
    detail: str = ""


def _die_with(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watch thread below does it
        pass
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)

    def watch_parent() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()


def _worker(conn: Connection, parent: int, initializer: Callable | None, initargs: tuple) -> None:
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if initializer is not None:
        try:
            initializer(*initargs)
        except Exception:  # the tasks themselves will report what is wrong
            pass
    conn.send(READY)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if task is None:
            os._exit(0)
        func, args = task
        try:
            outcome = Outcome("ok", func(*args))
        except BaseException as exc:  # noqa: BLE001 - a task's failure is reported, never fatal
            outcome = Outcome("error", detail=type(exc).__name__)
        try:
            conn.send(outcome)
        except Exception as exc:  # an unpicklable result
            conn.send(Outcome("error", detail=type(exc).__name__))


@dataclass
class _Slot:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    ready: bool = False


class WorkerStartError(CorrespondenceError):
    """Worker processes cannot be started: a failure of the service, not of a record."""

    exit_code = SERVICE


READY = "ready"


class Pool:
    """Up to ``size`` worker processes, started on first use and kept until :meth:`close`."""

    def __init__(self, size: int, time_limit: float, initializer: Callable | None = None, initargs: tuple = ()):
        self.size = max(1, size)
        self.time_limit = time_limit
        self.initializer, self.initargs = initializer, initargs
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: list[_Slot] = []
        self._all: list[_Slot] = []
        self.started = 0  # processes started over the pool's life (replacements included)

    def _start(self) -> _Slot:
        ours, theirs = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker, name="letters-worker",
                                    args=(theirs, os.getpid(), self.initializer, self.initargs), daemon=True)
        process.start()
        theirs.close()
        slot = _Slot(process, ours)
        self._all.append(slot)
        self.started += 1
        return slot

    def _discard(self, slot: _Slot) -> None:
        try:
            slot.process.kill()
        except Exception:
            pass
        slot.process.join(timeout=5)
        slot.conn.close()
        if slot in self._all:
            self._all.remove(slot)

    def pids(self) -> list[int]:
        return [s.process.pid for s in self._all if s.process.pid]

    def map(self, func: Callable, jobs: Sequence[tuple]) -> list[Outcome]:
        """Run ``func(*job)`` for each job on the workers; one outcome per job, in order."""
        results: list[Outcome | None] = [None] * len(jobs)
        queue = list(enumerate(jobs))
        queue.reverse()
        busy: dict[Connection, tuple[_Slot, int, float]] = {}
        while queue or busy:
            while queue and (self._idle or len(self._all) < self.size):
                if self._idle:
                    slot = self._idle.pop()
                    if not slot.process.is_alive():  # died while idle (killed from outside): not the task's fault
                        self._discard(slot)
                        continue
                else:
                    slot = self._start()
                index, job = queue.pop()
                try:
                    slot.conn.send((func, job))
                except (OSError, ValueError):  # the worker died while idle: replace it, try again
                    self._discard(slot)
                    queue.append((index, job))
                    continue
                busy[slot.conn] = (slot, index, time.monotonic() + self.time_limit)
            soonest = min(deadline for _, _, deadline in busy.values())
            for conn in wait(list(busy), timeout=max(0.0, soonest - time.monotonic())):
                slot, index, deadline = busy.pop(conn)  # type: ignore[index]
                try:
                    outcome = conn.recv()  # type: ignore[union-attr]
                    if outcome == READY:
                        slot.ready = True
                        busy[conn] = (slot, index, time.monotonic() + self.time_limit)  # type: ignore[index]
                        continue
                    results[index] = outcome
                    self._idle.append(slot)
                except (EOFError, OSError):
                    slot.process.join(timeout=5)
                    code = slot.process.exitcode
                    if not slot.ready:  # it never got as far as the task: the service cannot start workers
                        self._discard(slot)
                        raise WorkerStartError(f"a worker process could not start (exit {code}).") from None
                    results[index] = Outcome("died", detail=f"exit {code}" if code is None or code >= 0
                                             else signal.Signals(-code).name)
                    self._discard(slot)
            now = time.monotonic()
            for conn, (slot, index, deadline) in list(busy.items()):
                if now >= deadline:
                    del busy[conn]
                    self._discard(slot)
                    results[index] = Outcome("timeout", detail=f"{self.time_limit:g} seconds")
        return results  # type: ignore[return-value]

    def close(self) -> None:
        for slot in list(self._all):
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 5
        for slot in list(self._all):
            slot.process.join(timeout=max(0.0, deadline - time.monotonic()))
            self._discard(slot)
        self._idle.clear()

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
