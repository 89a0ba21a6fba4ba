"""The ledger: every letter issued, in SQLite beside the letters (``<outbox>/ledger.sqlite3``).

One row per letter, keyed by (case, letter, stage, trigger), so recording the same letter twice
is a no-op and two processes can never both issue it. WAL mode with a busy timeout lets a
watcher and a caseworker's command share it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import date, datetime, timezone
from pathlib import Path

from .due import Issued

LEDGER_FILE = "ledger.sqlite3"
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS letters (
    case_id     TEXT    NOT NULL,
    letter      TEXT    NOT NULL,
    stage       INTEGER NOT NULL,          -- 0 for a letter without a stage
    trigger     TEXT    NOT NULL,          -- 'complaint' or the event id
    letter_date TEXT    NOT NULL,          -- YYYY-MM-DD, the date printed on the letter
    delivery    TEXT,                      -- email, first-class, second-class, hand
    stem        TEXT,                      -- the outbox file stem
    issued_at   TEXT    NOT NULL,          -- when it was recorded (UTC)
    PRIMARY KEY (case_id, letter, stage, trigger)
);
"""


def ledger_path(outbox: Path) -> Path:
    return Path(outbox) / LEDGER_FILE


def connect(outbox: Path) -> sqlite3.Connection:
    """Open (creating if need be) the outbox's ledger for writing."""
    path = ledger_path(outbox)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.executescript(_SCHEMA)
    return conn


_SHARED: dict[str, tuple[int, int, sqlite3.Connection]] = {}  # ledger path -> (pid, inode, connection)
_INHERITED: list[sqlite3.Connection] = []  # a parent's connections, seen after a fork: never used, never closed


def shared(outbox: Path) -> sqlite3.Connection:
    """This process's one connection to the outbox's ledger, opened on first use and kept (one per
    worker, not one per letter). Opened again if the ledger file is replaced or removed. A
    connection inherited through a fork is left alone: SQLite forbids using or closing it there."""
    path = ledger_path(outbox)
    key = str(path.absolute())
    entry = _SHARED.get(key)
    if entry is not None:
        pid, inode, conn = entry
        if pid != os.getpid():
            _INHERITED.append(conn)
            entry = None
        else:
            try:
                if os.stat(path).st_ino == inode:
                    return conn
            except FileNotFoundError:
                pass
            conn.close()
    conn = connect(outbox)
    _SHARED[key] = (os.getpid(), os.stat(path).st_ino, conn)
    return conn


def _shared_if_open(outbox: Path) -> sqlite3.Connection | None:
    entry = _SHARED.get(str(ledger_path(outbox).absolute()))
    if entry is None or entry[0] != os.getpid():
        return None
    try:
        return entry[2] if os.stat(ledger_path(outbox)).st_ino == entry[1] else None
    except FileNotFoundError:
        return None


def record(conn: sqlite3.Connection, case_id: str, letter: str, stage: int | None, trigger: str,
           letter_date: date, delivery: str | None = None, stem: str | None = None) -> bool:
    """Record a letter as issued. False if it was already in the ledger (nothing changes)."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO letters (case_id, letter, stage, trigger, letter_date, delivery, stem, issued_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, letter, stage or 0, trigger, letter_date.isoformat(), delivery, stem,
         datetime.now(timezone.utc).isoformat(timespec="seconds")),
    )
    return cur.rowcount == 1


def has(conn: sqlite3.Connection, case_id: str, letter: str, stage: int | None, trigger: str) -> bool:
    row = conn.execute("SELECT 1 FROM letters WHERE case_id = ? AND letter = ? AND stage = ? AND trigger = ?",
                       (case_id, letter, stage or 0, trigger)).fetchone()
    return row is not None


def issued_for(outbox: Path, case_id: str) -> list[Issued]:
    """The letters the ledger holds for ``case_id``; none if there is no ledger yet.

    Opens the database read-only, so asking what is due never creates or changes a file (or
    reads through this process's shared connection, when filing has opened one).
    """
    conn = _shared_if_open(outbox)
    if conn is not None:
        return _issued(conn, case_id)
    path = ledger_path(outbox)
    if not path.exists():
        return []
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        return _issued(conn, case_id)


def _issued(conn: sqlite3.Connection, case_id: str) -> list[Issued]:
    return _issued_by_case(conn, "WHERE case_id = ?", (case_id,)).get(case_id, [])


def _issued_by_case(conn: sqlite3.Connection, where: str = "", args: tuple = ()) -> dict[str, list[Issued]]:
    try:
        rows = conn.execute(
            "SELECT case_id, letter, stage, trigger, letter_date, delivery FROM letters "
            f"{where} ORDER BY case_id, letter_date, letter, stage, trigger", args).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return {}  # a ledger another process is creating this instant holds no letters yet
        raise
    out: dict[str, list[Issued]] = {}
    for case_id, letter, stage, trigger, day, delivery in rows:
        out.setdefault(case_id, []).append(Issued(letter, stage or None, date.fromisoformat(day), trigger, delivery, "ledger"))
    return out


def issued_by_case(outbox: Path) -> dict[str, list[Issued]]:
    """Every case's letters, in one read-only query (the diary); nothing if there is no ledger."""
    path = ledger_path(outbox)
    if not path.exists():
        return {}
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        return _issued_by_case(conn)


def issued_by_case(outbox: Path) -> dict[str, list[Issued]]:
    """Every letter the ledger holds, by case id, in one read-only query (for reports)."""
    path = ledger_path(outbox)
    if not path.exists():
        return {}
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        try:
            rows = conn.execute(
                "SELECT case_id, letter, stage, trigger, letter_date, delivery FROM letters ORDER BY case_id, letter_date"
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return {}
            raise
    out: dict[str, list[Issued]] = {}
    for case_id, letter, stage, trigger, day, delivery in rows:
        out.setdefault(case_id, []).append(Issued(letter, stage or None, date.fromisoformat(day), trigger, delivery, "ledger"))
    return out
