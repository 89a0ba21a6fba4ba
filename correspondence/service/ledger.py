"""The ledger: every letter issued, in SQLite beside the letters (``<outbox>/ledger.sqlite3``).

One row per letter, keyed by (case, letter, stage, trigger), so recording the same letter twice
is a no-op and two processes can never both issue it. WAL mode with a busy timeout lets a
watcher and a caseworker's command share it; the switch to WAL, which SQLite may refuse at once
while another connection holds the file, is retried within the same timeout. The file and its
``-wal``/``-shm`` companions are created 0600 whatever the umask.

A ledger lost or restored from an older backup is rebuilt from the manifests filed beside the
letters (:func:`rebuild`), so no letter is ever issued twice.

Each case's changes are counted in ``case_changes`` by triggers on every table that has a
``case_id`` column (whoever writes, and however; the row for ``''``, which no case id can be,
counts them all), and ``ledger_meta`` gives each ledger file an
identity of its own: the due index (``due_index.py``) compares both to know which cases to work
out again, without reading every letter.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from correspondence.common.errors import SERVICE, CorrespondenceError
from correspondence.common.private_file import create_private
from correspondence.engine.due import Issued

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
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO ledger_meta VALUES ('id', lower(hex(randomblob(16))));
CREATE TABLE IF NOT EXISTS case_changes (case_id TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""

_NOT_WATCHED = ("case_changes", "ledger_meta")


def _watch_changes(conn: sqlite3.Connection) -> None:
    """A trigger on each table naming a case (added by any version) that counts the case's changes."""
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if name not in _NOT_WATCHED and not name.startswith("sqlite_")]
    have = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    script = [f'DROP TRIGGER IF EXISTS "{name}";' for name in have if name.startswith("count_")
              and not name.startswith("count_changes_")]  # a first version's, which failed on a NULL case id
    for table in tables:
        columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        if "case_id" not in columns:
            continue
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            name = f"count_changes_{table}_{event.lower()}"  # (count_<table>_<event>: a first version)
            if name in have:
                continue
            bumps = " ".join(f"INSERT INTO case_changes SELECT {row}, 1 WHERE {row} IS NOT NULL "
                             f"ON CONFLICT (case_id) DO UPDATE SET n = n + 1;"
                             for row in (*(f"{r}.case_id" for r in rows), "''"))  # '': every case's, in all
            script.append(f'CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {event} ON "{table}" BEGIN {bumps} END;')
    if script:
        _retry_busy(conn, "\n".join(script), script=True)


# Made the first time a letter is drafted (a ledger that never drafts stays as small as before).
_SIGNOFF_SCHEMA = """
-- docs/sign-off.md: every draft, approval, return and replacement (hold codes and point numbers only,
-- never the hold's sentence, which may quote the complaint).
CREATE TABLE IF NOT EXISTS signoff (
    id          INTEGER PRIMARY KEY,       -- in the order written (rows are never deleted)
    case_id     TEXT    NOT NULL,
    letter      TEXT    NOT NULL,
    stage       INTEGER NOT NULL,          -- 0 for a letter without a stage
    trigger     TEXT    NOT NULL,
    event       TEXT    NOT NULL,          -- drafted, approved, returned, replaced
    stem        TEXT    NOT NULL,          -- the draft's file stem (outbox/<case>/drafts/)
    at          TEXT    NOT NULL,          -- when (UTC)
    by          TEXT,                      -- who approved or returned it
    holds       TEXT    NOT NULL DEFAULT '',  -- hold tags, space-separated: kind unanswered-points:2,3
    note        TEXT,                      -- the approval's note, or the reason it was returned
    issued_stem TEXT,                      -- approved: the letter filed from it
    record      TEXT                       -- SHA-256 of the record the draft was made from
);
"""


def ensure_signoff(conn: sqlite3.Connection) -> None:
    """The ``signoff`` table (and the due index's change triggers on it), made if missing. Outside
    a transaction: DDL run as a script would commit one."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signoff'").fetchone():
        return
    _retry_busy(conn, _SIGNOFF_SCHEMA, script=True)
    _watch_changes(conn)


def ledger_path(outbox: Path) -> Path:
    return Path(outbox) / LEDGER_FILE


class LedgerUnreadable(CorrespondenceError):
    """The ledger file exists but is not a database SQLite can read (one plain sentence)."""

    exit_code = SERVICE


def _retry_busy(conn: sqlite3.Connection, sql: str, script: bool = False) -> None:
    """Run ``sql``, waiting out "database is locked" within the busy timeout (SQLite does not
    always call its busy handler for a journal-mode switch)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            (conn.executescript if script else conn.execute)(sql)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def connect(outbox: Path) -> sqlite3.Connection:
    """Open (creating if need be) the outbox's ledger for writing."""
    path = ledger_path(outbox)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    create_private(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            _retry_busy(conn, "PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        _retry_busy(conn, _SCHEMA, script=True)
        _watch_changes(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError):  # locked, read-only, disk full: not the file's fault
            raise
        raise LedgerUnreadable(f"{path}: the ledger cannot be read ({exc}); run 'letters ledger rebuild' to "
                               f"rebuild it from the letters' manifests.") from None
    for companion in ("-wal", "-shm"):
        try:
            os.chmod(f"{path}{companion}", 0o600)
        except OSError:
            pass
    return conn


_SHARED: dict[str, tuple[int, int, sqlite3.Connection]] = {}  # ledger path and thread -> (pid, inode, connection)
_INHERITED: list[sqlite3.Connection] = []  # a parent's connections, seen after a fork: never used, never closed


def _shared_key(path: Path) -> str:
    """One shared connection per thread (SQLite refuses a connection made on another thread: the
    web server's threads each read through their own)."""
    return f"{path.absolute()}\0{threading.get_ident()}"


def shared(outbox: Path) -> sqlite3.Connection:
    """This thread's one connection to the outbox's ledger, opened on first use and kept (one per
    worker, not one per letter). Opened again if the ledger file is replaced or removed. A
    connection inherited through a fork is left alone: SQLite forbids using or closing it there."""
    path = ledger_path(outbox)
    key = _shared_key(path)
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
    entry = _SHARED.get(_shared_key(ledger_path(outbox)))
    if entry is None or entry[0] != os.getpid():
        return None
    try:
        return entry[2] if os.stat(ledger_path(outbox)).st_ino == entry[1] else None
    except FileNotFoundError:
        return None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def record(conn: sqlite3.Connection, case_id: str, letter: str, stage: int | None, trigger: str,
           letter_date: date, delivery: str | None = None, stem: str | None = None) -> bool:
    """Record a letter as issued. False if it was already in the ledger (nothing changes). A letter
    approved from a draft has its sign-off (who, when) in the ``signoff`` row written with it."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO letters (case_id, letter, stage, trigger, letter_date, delivery, stem, issued_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, letter, stage or 0, trigger, letter_date.isoformat(), delivery, stem, now()),
    )
    return cur.rowcount == 1


SIGNOFF_FIELDS = ("id", "case_id", "letter", "stage", "trigger", "event", "stem", "at", "by", "holds", "note",
                  "issued_stem", "record")


def signoff_event(conn: sqlite3.Connection, case_id: str, letter: str, stage: int | None, trigger: str, event: str,
                  stem: str, *, by: str | None = None, holds: tuple[str, ...] | list[str] = (), note: str | None = None,
                  issued_stem: str | None = None, record_sha: str | None = None, at: str | None = None) -> None:
    """Keep one sign-off event (drafted, approved, returned, replaced); ``holds`` are tags (codes and
    point numbers), never sentences."""
    conn.execute("INSERT INTO signoff (case_id, letter, stage, trigger, event, stem, at, by, holds, note, issued_stem,"
                 " record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (case_id, letter, stage or 0, trigger, event, stem, at or now(), by, " ".join(holds), note,
                  issued_stem, record_sha))


def _signoff_rows(conn: sqlite3.Connection | None, where: str, args: tuple) -> list[dict]:
    if conn is None:
        return []
    try:
        rows = conn.execute(f"SELECT {', '.join(SIGNOFF_FIELDS)} FROM signoff {where} ORDER BY id", args).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []  # a ledger from before sign-off, opened read-only: nothing signed off yet
        raise
    out = []
    for row in rows:
        item = dict(zip(SIGNOFF_FIELDS, row))
        item["stage"] = item["stage"] or None
        item["holds"] = item["holds"].split() if item["holds"] else []
        out.append(item)
    return out


def signoff_rows(outbox: Path, case_id: str | None = None, conn: sqlite3.Connection | None = None) -> list[dict]:
    """The sign-off events of ``case_id`` (every case if None), oldest first."""
    where, args = ("WHERE case_id = ?", (case_id,)) if case_id else ("", ())
    if conn is not None:
        return _signoff_rows(conn, where, args)
    shared_conn = _shared_if_open(outbox)
    if shared_conn is not None:
        return _signoff_rows(shared_conn, where, args)
    with read_only(outbox) as ro:
        return _signoff_rows(ro, where, args)


def letter_rows(outbox: Path, case_id: str) -> list[dict]:
    """The ledger's rows for ``case_id``'s issued letters, with who signed each off (from the
    approval written with it) for a letter approved from a draft."""
    fields = ("letter", "stage", "trigger", "letter_date", "delivery", "stem", "issued_at")
    with read_only(outbox) as conn:
        if conn is None:
            return []
        rows = conn.execute(f"SELECT {', '.join(fields)} FROM letters WHERE case_id = ? ORDER BY issued_at, letter_date",
                            (case_id,)).fetchall()
    signed = {r["issued_stem"]: (r["by"], r["at"]) for r in signoff_rows(outbox, case_id) if r["event"] == "approved"}
    out = []
    for row in rows:
        item = {**dict(zip(fields, row)), "stage": row[1] or None}
        by, at = signed.get(item["stem"], (None, None))
        out.append({**item, "signed_off_by": by, "signed_off_at": at})
    return out


def has(conn: sqlite3.Connection, case_id: str, letter: str, stage: int | None, trigger: str) -> bool:
    row = conn.execute("SELECT 1 FROM letters WHERE case_id = ? AND letter = ? AND stage = ? AND trigger = ?",
                       (case_id, letter, stage or 0, trigger)).fetchone()
    return row is not None


@contextmanager
def read_only(outbox: Path):
    """A read-only connection to the outbox's ledger, or None when there is no ledger yet: reading
    never creates or changes a file."""
    path = ledger_path(outbox)
    if not path.exists():
        yield None
        return
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        yield conn


def issued_for(outbox: Path, case_id: str) -> list[Issued]:
    """The letters the ledger holds for ``case_id``; none if there is no ledger yet.

    Opens the database read-only, so asking what is due never creates or changes a file (or
    reads through this process's shared connection, when filing has opened one).
    """
    conn = _shared_if_open(outbox)
    if conn is not None:
        return _issued(conn, case_id)
    with read_only(outbox) as conn:
        return _issued(conn, case_id) if conn is not None else []


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
    with read_only(outbox) as conn:
        return _issued_by_case(conn) if conn is not None else {}


# --------------------------------------------------------------------------- rebuilding from the manifests

def manifests(outbox: Path):
    """Every filed letter's manifest: ``<outbox>/<case>/<stem>.json`` (not the case store, not failed/,
    never drafts/: a draft is not an issued letter)."""
    outbox = Path(outbox)
    if not outbox.is_dir():
        return
    for folder in sorted(outbox.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.glob("*.json")):
            if path.name.startswith(".") or not path.is_file():
                continue
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
                row = (manifest["case_id"], manifest["letter"], manifest.get("stage"), manifest["trigger"],
                       date.fromisoformat(manifest["letter_date"]), manifest.get("delivery"))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not a letter's manifest
            if row[0] != folder.name or manifest.get("status") == "draft":
                continue
            yield path, row


def rebuild(outbox: Path) -> int:
    """Record in the ledger every letter whose manifest is filed in the outbox; returns how many
    were missing. A ledger that cannot be read is moved aside first (``ledger.sqlite3.unreadable-*``)."""
    path = ledger_path(outbox)
    try:
        conn = connect(outbox)
    except LedgerUnreadable:
        aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(path, aside)
        for companion in ("-wal", "-shm"):
            try:
                os.unlink(f"{path}{companion}")
            except FileNotFoundError:
                pass
        conn = connect(outbox)
    added = 0
    with write_lock(conn):
        for manifest, (case_id, letter, stage, trigger, day, delivery) in manifests(outbox):
            if record(conn, case_id, letter, stage, trigger, day, delivery, manifest.stem):
                added += 1
    return added


@contextmanager
def write_lock(conn: sqlite3.Connection):
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any error); the connection is closed after."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
