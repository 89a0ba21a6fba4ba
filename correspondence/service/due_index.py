"""The due index: what each stored case has due, kept beside the case store.

``<outbox>/.due/index.sqlite3`` holds, per stored case, its determination (letters,
deadlines, notes) as of a date, with what it was worked out from: the snapshot's file stamp
(``common/filestamp.py``) and its validation stamp's inode (a save replaces both by a rename);
the case's count of ledger changes (``case_changes``, kept by triggers on every ledger table that
names a case, so a letter issued, approved or returned, or an action marked done, moves it,
whichever program wrote it); and one key for everything else: the as-of date, the SHA-256 of each
rules file read, the templates' stamps, the code's own files, the validator and the ledger's
identity. The stored records themselves are never touched.

A row whose inputs no longer match is worked out again when it is next read (lazily), so reading
the diary with nothing changed works nothing out: a command reads the index in one query, and a
warm server (which keeps what it read) reads no row at all, only the folder's stamps and the
ledger's counters. A new date or a new rules file works every case out once more.

The index is only ever a copy: a file that is missing, damaged or cannot be written is made again,
or the answer is worked out from the records as before; it is never believed over them.

``diary_entries`` (``letters due --all``, the web diary), ``case_entry`` (a case page) and
``refresh`` (after a change made elsewhere) are the ways in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable

from correspondence.common import filestamp
from correspondence.common.private_file import create_private
from correspondence.engine.case import CaseError, safe_case_id
from correspondence.engine.due import Deadline, Determination, Letter
from correspondence.service import case_store, ledger

log = logging.getLogger("correspondence.due_index")

INDEX_FOLDER = ".due"  # beside .cases, not in it: its journal files never move the store folder's stamp
INDEX_FILE = "index.sqlite3"
FORMAT = 4  # raise when what a row holds changes: every row is then worked out again
BUSY_TIMEOUT_S = 5.0
FEW = 200  # up to this many rows are read one by one; more, all at once
RESCAN_SECONDS = 10.0  # a running process looks at every snapshot's stamp at least this often
RACY_SECONDS = 2.0  # a folder changed this recently may change again within its clock's tick

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    case_id     TEXT PRIMARY KEY,
    file        TEXT NOT NULL,      -- the snapshot's file name (the diary's order)
    snapshot    TEXT NOT NULL,      -- its stamps when read
    ledger      TEXT NOT NULL,      -- the case's ledger changes when read
    inputs      TEXT NOT NULL,      -- as-of date, rules, templates, code, validator, ledger identity
    ok          INTEGER NOT NULL,   -- 1: determined; 0: the record has problems
    council     TEXT,
    about       TEXT NOT NULL,      -- JSON: service area and names, for filters and search
    detail      TEXT NOT NULL       -- JSON: deadlines and notes, or the problems
);
CREATE TABLE IF NOT EXISTS letters (
    case_id     TEXT NOT NULL,
    n           INTEGER NOT NULL,   -- the determination's order
    pending     INTEGER NOT NULL,   -- 1: still to send (Determination.pending: in the diary)
    letter      TEXT NOT NULL,
    stage       INTEGER,
    trigger     TEXT NOT NULL,
    due         TEXT NOT NULL,
    status      TEXT NOT NULL,
    extra       TEXT,               -- JSON: the letter's other fields, where not their defaults
    PRIMARY KEY (case_id, n)
) WITHOUT ROWID;
"""


def index_path(outbox: Path) -> Path:
    return Path(outbox) / INDEX_FOLDER / INDEX_FILE


# --------------------------------------------------------------------------- what a row is worked out from

@lru_cache(maxsize=1)
def _code_key() -> str:
    """The engine and the record reader as this process loaded them, this module and the bank
    holidays' source: a new version works every case out again."""
    from correspondence.engine import bank_holidays

    root = Path(__file__).resolve().parents[1]
    stamps = [f"format {FORMAT}", str(bank_holidays._cache_key())]
    for folder in ("engine", "common"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".json"):
                stamps.append(f"{path.relative_to(root)}:{filestamp.text(path)}")
    for module in (__file__, case_store.__file__):
        stamps.append(f"{Path(module).name}:{filestamp.text(module)}")
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()[:24]


def _templates_key(templates: Path | None) -> str:
    if templates is None:
        return "-"
    templates = Path(templates)
    stamps = []
    try:
        for path in sorted(templates.rglob("*")):
            if not path.name.startswith(".") and path.is_file():
                stamps.append(f"{path.relative_to(templates)}:{filestamp.text(path)}")
    except OSError:
        return "unreadable"
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()[:24]


def _inputs(book, as_of: date, templates: Path | None, ledger_id: str) -> str:
    rules = "\n".join(f"{name}:{digest}" for name, digest in sorted(book.digests.items()))
    return "/".join([as_of.isoformat(), hashlib.sha256(rules.encode()).hexdigest()[:24], _templates_key(templates),
                     _code_key(), case_store.validator_fingerprint(), ledger_id])


def _stamp(st: os.stat_result, vouched) -> str:
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}/{vouched}"


def _snapshots(outbox: Path) -> dict[str, tuple[str, str]]:
    """Every stored case: case id -> (file name, stamps), as ``case_store.stored_cases`` lists them.
    The file's own stamp catches any edit; its validation stamp, replaced by a rename whenever it
    is written, by its inode from the folder listing (no second stat)."""
    found: dict[str, tuple[str, str]] = {}
    try:
        entries = list(os.scandir(case_store.store_dir(outbox)))
    except (FileNotFoundError, NotADirectoryError):
        return found
    suffix = case_store.STAMP_SUFFIX
    vouched = {e.name[:-len(suffix)]: e.inode() for e in entries if e.name.endswith(suffix)}
    for entry in entries:
        name = entry.name
        if name[-5:] != ".json" or not safe_case_id(name[:-5]):
            continue
        try:
            st = entry.stat()  # follows a link, as Path.is_file does
        except OSError:
            continue
        if st.st_mode & 0o170000 == 0o100000:
            found[name[:-5]] = (name, _stamp(st, vouched.get(name, "-")))
    return found


_FOLDERS: dict[str, tuple] = {}  # outbox -> (folder stamp, when scanned, stamp trusted, snapshots)


def _snapshots_now(outbox: Path) -> dict[str, tuple[str, str]]:
    """``_snapshots``, kept in this process while the folder's own stamp holds: every save is a
    rename into the folder, which moves it. Every snapshot's stamp is still looked at every
    ``RESCAN_SECONDS`` (a file rewritten in place by hand, outside the store's way of writing),
    and always while the folder's stamp is too recent to tell one change from the next."""
    folder = case_store.store_dir(outbox)
    key = str(Path(outbox).absolute())
    try:
        st = os.stat(folder)
    except OSError:
        _FOLDERS.pop(key, None)
        return {}
    stamp = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    now = time.time()
    kept = _FOLDERS.get(key)
    if kept is not None and kept[0] == stamp and kept[2] and now - kept[1] < RESCAN_SECONDS:
        return kept[3]
    found = _snapshots(outbox)
    if kept is not None and found == kept[3]:
        found = kept[3]  # the same listing: what was made from it still holds
    trusted = now - max(st.st_mtime_ns, st.st_ctime_ns) / 1e9 > RACY_SECONDS
    _FOLDERS[key] = (stamp, now, trusted, found)
    return found


def _snapshot(outbox: Path, case_id: str) -> tuple[str, str] | None:
    """``_snapshots`` for one case, from two stats."""
    path = case_store.stored_path(outbox, case_id)
    try:
        st = os.stat(path)
    except OSError:
        return None
    if st.st_mode & 0o170000 != 0o100000:
        return None
    try:
        vouched = os.lstat(f"{path}{case_store.STAMP_SUFFIX}").st_ino
    except OSError:
        vouched = "-"
    return path.name, _stamp(st, vouched)


_LEDGERS: dict[str, tuple[str, int, dict[str, str]]] = {}  # outbox -> (identity, changes in all, each case's)


def _ledger_state(outbox: Path, case_id: str | None = None) -> tuple[str, dict[str, str]]:
    """The ledger's identity and each case's count of changes (or ``case_id``'s alone). Every
    case's counts are kept in this process while the count of all changes holds."""
    where, args = (" WHERE case_id = ?", (case_id,)) if case_id else ("", ())
    key = str(Path(outbox).absolute())
    with ledger.read_only(outbox) as conn:
        if conn is None:
            return "no-ledger", {}
        try:
            conn.execute("BEGIN")
            identity = conn.execute("SELECT value FROM ledger_meta WHERE key = 'id'").fetchone()
            identity = f"ledger-{identity[0] if identity else '?'}"
            every = conn.execute("SELECT n FROM case_changes WHERE case_id = ''").fetchone()
            every = every[0] if every else 0
            kept = _LEDGERS.get(key)
            if case_id is None and kept is not None and kept[:2] == (identity, every):
                return identity, kept[2]
            counts = {c: str(n) for c, n in conn.execute(f"SELECT case_id, n FROM case_changes{where}", args)}
            if case_id is None:
                _LEDGERS[key] = (identity, every, counts)
            return identity, counts
        except sqlite3.OperationalError:
            pass  # a ledger no writer of this version has opened yet: its letters themselves
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
        try:
            rows = conn.execute(f"SELECT case_id, count(*), max(rowid) FROM letters{where} GROUP BY case_id",
                                args).fetchall()
        except sqlite3.OperationalError:
            rows = []
        st = os.stat(ledger.ledger_path(outbox))
        return f"unwatched-{st.st_ino}", {c: f"u{count}:{top}" for c, count, top in rows}


# --------------------------------------------------------------------------- entries and rows

@dataclass(frozen=True)
class Entry:
    """One stored case as the index holds it: its determination (its letters without their
    ``facts``, no recipient), or the problems that stopped it. In the diary the determination
    holds only the letters not yet issued and no deadlines or notes; ``case_entry`` gives all."""

    case_id: str
    file: str
    determination: Determination | None
    problems: tuple[str, ...]
    about_json: str = field(default="{}", repr=False)

    @property
    def council(self) -> str | None:
        return self.determination.council if self.determination else None

    @cached_property
    def about(self) -> dict:
        """``service_area``, ``name`` (the complainant's) and ``representative`` (``_about``)."""
        return json.loads(self.about_json)


_EXTRA_FIELDS = [f for f in fields(Letter) if f.name not in ("letter", "stage", "trigger", "due", "status", "facts")]


def _default(f):
    return f.default if f.default is not MISSING else f.default_factory() if f.default_factory is not MISSING else MISSING


def _letter_row(case_id: str, n: int, x: Letter, pending: bool) -> tuple:
    extra = {}
    for f in _EXTRA_FIELDS:
        value = getattr(x, f.name)
        if value != _default(f):
            extra[f.name] = value.isoformat() if isinstance(value, date) else value
    return (case_id, n, 1 if pending else 0, x.letter, x.stage, x.trigger, x.due.isoformat(), x.status,
            json.dumps(extra, ensure_ascii=False) if extra else None)


def _letter_from(letter: str, stage, trigger: str, due: str, status: str, extra: str | None) -> Letter:
    if not extra:
        return Letter(letter, stage, trigger, date.fromisoformat(due), status)
    values = {}
    for name, value in json.loads(extra).items():
        f = next(f for f in _EXTRA_FIELDS if f.name == name)  # StopIteration: a field this version lacks
        if value is not None and "date" in str(f.type):
            value = date.fromisoformat(value)
        elif isinstance(value, list) and str(f.type).startswith("tuple"):
            value = tuple(value)
        values[name] = value
    return Letter(letter, stage, trigger, date.fromisoformat(due), status, **values)


def _about(case) -> str:
    """What the diary page shows, filters and searches by beside the letters (kept in the index,
    as private as the store): the service area, and the complainant's and representative's names
    as the envelope writes them ("Anonymous" where the record gives none)."""
    from correspondence.letters.context import person_name

    rep = case.representative
    return json.dumps({"service_area": str(case.raw.get("service_area") or ""),
                       "name": "Anonymous" if case.anonymous else person_name(case.complainant),
                       "representative": person_name(rep) if rep else ""}, ensure_ascii=False)


def _work_out(book, outbox: Path, case_id: str, file: str, issued: list, as_of: date) -> Entry:
    from correspondence.engine.diary import diary as determine_all

    councils = {c: book.procedures(c) for c in book.councils}
    kept = {}

    def load():
        kept["case"] = case_store.load_stored(case_store.store_dir(outbox) / file, councils)
        return kept["case"]

    results, problems = determine_all(book, [load], {case_id: issued}, as_of)
    about = _about(kept["case"]) if "case" in kept else "{}"
    if results:
        return Entry(case_id, file, results[0], (), about)
    return Entry(case_id, file, None, tuple(problems), about)


def _row(entry: Entry, key: tuple) -> tuple[tuple, list[tuple]]:
    file, snapshot, ledger_state, inputs = key
    d = entry.determination
    if d is None:
        detail = {"problems": list(entry.problems)}
    else:
        detail = {"as_of": d.as_of.isoformat(), "deadlines": [x.to_json() for x in d.deadlines], "notes": list(d.notes)}
    row = (entry.case_id, file, snapshot, ledger_state, inputs, 1 if d else 0, d.council if d else None,
           entry.about_json, json.dumps(detail, ensure_ascii=False))
    pending = {id(x) for x in d.pending} if d else set()  # Determination.pending: the letters still to send
    return row, [_letter_row(entry.case_id, n, x, id(x) in pending) for n, x in enumerate(d.letters if d else ())]


def _entry_from(case_id: str, file: str, ok: int, council: str | None, about: str, detail: str | None,
                letters: list[Letter], as_of: date) -> Entry:
    """An entry from its row: the diary's (``detail`` None: no deadlines or notes) or the case's."""
    if not ok:
        return Entry(case_id, file, None, tuple(json.loads(detail)["problems"]) if detail else (), about)
    if detail is None:
        return Entry(case_id, file, Determination(case_id, council, as_of, tuple(letters), (), (), None), (), about)
    data = json.loads(detail)
    determination = Determination(
        case_id, council, date.fromisoformat(data["as_of"]), tuple(letters),
        tuple(Deadline(x["kind"], x["stage"], date.fromisoformat(x["date"])) for x in data["deadlines"]),
        tuple(data["notes"]), None)
    return Entry(case_id, file, determination, (), about)


def _diary_view(entry: Entry) -> Entry:
    d = entry.determination
    if d is None:
        return entry
    return replace(entry, determination=Determination(d.case_id, d.council, d.as_of, d.pending, (), (), None))


# --------------------------------------------------------------------------- the file

def _discard(outbox: Path) -> None:
    path = index_path(outbox)
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def _open(outbox: Path, *, again: bool = True) -> sqlite3.Connection | None:
    """The index, created if the case store exists; a damaged file is removed and made afresh.
    None when it cannot be had (no case store, a read-only outbox, a full disk): the caller then
    works from the records alone."""
    if not case_store.store_dir(outbox).is_dir():
        return None
    path = index_path(outbox)
    conn = None
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        create_private(path)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # a copy: a row lost in a crash is worked out again
        if conn.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            conn.executescript(f"BEGIN IMMEDIATE; DROP TABLE IF EXISTS letters; DROP TABLE IF EXISTS cases; "
                               f"{_SCHEMA} PRAGMA user_version = {FORMAT}; COMMIT;")
        conn.execute("SELECT count(*) FROM cases").fetchone()  # a file damaged past its header shows here
        for suffix in ("-wal", "-shm"):
            try:
                os.chmod(f"{path}{suffix}", 0o600)
            except OSError:
                pass
        return conn
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.OperationalError) and "malformed" not in str(exc):
            log.warning("the due index %s cannot be used (%s); working from the records", path, exc)
            return None
        if not again:
            return None
        log.warning("the due index %s was damaged (%s); it is made again", path, exc)
        try:
            _discard(outbox)
        except OSError:
            return None
        return _open(outbox, again=False)
    except OSError as exc:
        if conn is not None:
            conn.close()
        log.warning("the due index %s cannot be used (%s); working from the records", path, exc.strerror or exc)
        return None


_LOCK = threading.RLock()  # one transaction at a time on this process's connection (a threaded server)
_CONNECTIONS: dict[str, tuple[int, int, sqlite3.Connection]] = {}  # index path -> (pid, inode, connection)
_MEMO: dict[str, dict[str, tuple[tuple, Entry | None, Entry]]] = {}  # outbox -> case -> (key, whole, diary's)
_LAST: dict[str, "_Last"] = {}  # outbox -> the diary made last, and what from


def _connection(outbox: Path) -> sqlite3.Connection | None:
    """This process's connection to the outbox's index, kept between reads."""
    path = index_path(outbox)
    key = str(path.absolute())
    with _LOCK:
        kept = _CONNECTIONS.get(key)
        if kept is not None:
            pid, inode, conn = kept
            try:
                if pid == os.getpid() and os.stat(path).st_ino == inode:
                    return conn
            except FileNotFoundError:
                pass
            del _CONNECTIONS[key]
            if pid == os.getpid():
                conn.close()
        conn = _open(outbox)
        if conn is not None:
            try:
                _CONNECTIONS[key] = (os.getpid(), os.stat(path).st_ino, conn)
            except FileNotFoundError:
                conn.close()
                return None
        return conn


def _forget_connection(outbox: Path) -> None:
    with _LOCK:
        kept = _CONNECTIONS.pop(str(index_path(outbox).absolute()), None)
        if kept is not None and kept[0] == os.getpid():
            kept[2].close()


# --------------------------------------------------------------------------- reading and writing

_CASE_COLUMNS = "c.case_id, c.file, c.snapshot, c.ledger, c.inputs, c.ok, c.council, c.about"
_LETTER_COLUMNS = "l.letter, l.stage, l.trigger, l.due, l.status, l.extra"


def _read(conn: sqlite3.Connection, wanted: dict[str, tuple], as_of: date, whole: bool) -> dict[str, Entry]:
    """The rows of ``wanted`` that still match what they were worked out from (in one read
    transaction): for the diary, each case with its letters not yet issued; ``whole``: everything."""
    detail = ", c.detail" if whole else ", CASE WHEN c.ok = 0 THEN c.detail END"  # the diary: problems only
    pending = "" if whole else " AND l.pending = 1"
    sql = (f"SELECT {_CASE_COLUMNS}{detail}, {_LETTER_COLUMNS} FROM cases c LEFT JOIN letters l "
           f"ON l.case_id = c.case_id{pending}")
    with _LOCK:
        if len(wanted) <= FEW:
            conn.execute("BEGIN")
            try:
                rows = [row for case_id in wanted for row in
                        conn.execute(f"{sql} WHERE c.case_id = ? ORDER BY l.n", (case_id,)).fetchall()]
            finally:
                conn.execute("COMMIT")
        else:
            rows = conn.execute(f"{sql} ORDER BY c.case_id, l.n").fetchall()
    found: dict[str, list] = {}
    for case_id, file, snapshot, ledger_state, inputs, ok, council, about, info, *letter in rows:
        kept = found.get(case_id)
        if kept is None:
            if wanted.get(case_id) != (file, snapshot, ledger_state, inputs):
                continue
            kept = found[case_id] = [file, ok, council, about, info, []]
        if letter[0] is not None:
            kept[5].append(letter)
    out = {}
    for case_id, (file, ok, council, about, info, letters) in found.items():
        try:
            out[case_id] = _entry_from(case_id, file, ok, council, about, info,
                                       [_letter_from(*x) for x in letters], as_of)
        except (ValueError, KeyError, TypeError, StopIteration):
            continue  # a row this version cannot read: worked out again
    return out


def _write(conn: sqlite3.Connection, rows: list[tuple[tuple, list[tuple]]], gone: Iterable[str] = ()) -> None:
    with _LOCK:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for case_id in gone:
                conn.execute("DELETE FROM letters WHERE case_id = ?", (case_id,))
                conn.execute("DELETE FROM cases WHERE case_id = ?", (case_id,))
            for row, letters in rows:
                conn.execute("DELETE FROM letters WHERE case_id = ?", (row[0],))
                conn.execute("INSERT OR REPLACE INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                conn.executemany("INSERT INTO letters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", letters)
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")


def _issued(outbox: Path, case_ids: list[str]) -> dict[str, list]:
    if len(case_ids) > FEW:
        return ledger.issued_by_case(outbox)
    return {case_id: ledger.issued_for(outbox, case_id) for case_id in case_ids}


def _entries(book, outbox: Path, as_of: date, inputs: str, wanted_files: dict[str, tuple[str, str]],
             changes: dict[str, str], whole: bool) -> tuple[dict[str, tuple], dict[str, Entry]]:
    """The entry of each case of ``wanted_files``: kept in this process, read from the index
    where its row still matches, or worked out again (and kept). The stamps and counters given
    were read before anything is worked out, so a change made meanwhile shows next time."""
    wanted = {c: (file, stamp, changes.get(c, "0"), inputs) for c, (file, stamp) in wanted_files.items()}
    memo = _MEMO.setdefault(str(Path(outbox).absolute()), {})
    found: dict[str, Entry] = {}
    for case_id, key in wanted.items():
        kept = memo.get(case_id)
        if kept is not None and kept[0] == key and (kept[1] is not None or not whole):
            found[case_id] = kept[1] if whole else kept[2]
    unread = {c: k for c, k in wanted.items() if c not in found}
    conn = _connection(outbox) if unread else None
    if conn is not None:
        try:
            read = _read(conn, unread, as_of, whole)
        except sqlite3.DatabaseError as exc:
            log.warning("the due index could not be read (%s); it is made again", exc)
            _forget_connection(outbox)
            _discard_quietly(outbox)
            conn, read = _connection(outbox), {}
        for case_id, entry in read.items():
            found[case_id] = entry
            memo[case_id] = (wanted[case_id], entry, _diary_view(entry)) if whole else (wanted[case_id], None, entry)
    stale = [c for c in wanted if c not in found]
    if len(stale) > FEW:  # a new day, new rules: one thread works them out, the others wait for it
        with _working_out(outbox):
            for case_id in stale:
                kept = memo.get(case_id)
                if kept is not None and kept[0] == wanted[case_id]:
                    found[case_id] = kept[1] if whole else kept[2]
            stale = [c for c in wanted if c not in found]
            _work_out_stale(book, outbox, as_of, wanted, stale, memo, found, whole, conn)
    elif stale:
        _work_out_stale(book, outbox, as_of, wanted, stale, memo, found, whole, conn)
    return wanted, found


_WORKING: dict[str, threading.Lock] = {}


def _working_out(outbox: Path) -> threading.Lock:
    with _LOCK:
        return _WORKING.setdefault(str(Path(outbox).absolute()), threading.Lock())


def _work_out_stale(book, outbox: Path, as_of: date, wanted: dict, stale: list[str], memo: dict,
                    found: dict, whole: bool, conn) -> None:
    if stale:
        issued = _issued(outbox, stale)
        rows = []
        for case_id in stale:
            entry = _work_out(book, outbox, case_id, wanted[case_id][0], issued.get(case_id, []), as_of)
            rows.append(_row(entry, wanted[case_id]))
            memo[case_id] = (wanted[case_id], entry, _diary_view(entry))
            found[case_id] = entry if whole else memo[case_id][2]
        if conn is not None:
            try:
                _write(conn, rows)
            except sqlite3.DatabaseError as exc:  # locked for long, a full disk: the answer stands
                log.warning("the due index could not be written (%s)", exc)
        log.info("due index: %d of %d case(s) worked out again", len(stale), len(wanted))


def _discard_quietly(outbox: Path) -> None:
    try:
        _discard(outbox)
    except OSError:
        pass


@dataclass(frozen=True)
class Diary:
    """Every stored case's entry (``entries``, in the store's order), and the problems of the
    records that could not be determined."""

    as_of: date
    entries: tuple[Entry, ...]

    @cached_property
    def results(self) -> list[Determination]:
        return [e.determination for e in self.entries if e.determination is not None]

    @cached_property
    def problems(self) -> list[str]:
        return [p for e in self.entries for p in e.problems]

    @cached_property
    def rows(self) -> list[tuple[Determination, Letter]]:
        """Every letter not yet issued, overdue first, then by due date (``engine.diary.pending_rows``)."""
        from correspondence.engine.diary import pending_rows

        return pending_rows(self.results)


@dataclass(frozen=True)
class _Last:
    """The diary this process made last for an outbox, and what it was made from."""

    inputs: str
    snapshots: dict
    changes: dict
    diary: Diary
    position: dict  # case id -> its place in diary.entries


def diary_entries(book, outbox: Path, as_of: date, templates: Path | None = None) -> Diary:
    """The diary: each stored case's entry as of ``as_of``, in file-name order (as the case store
    lists them), each determination holding its letters not yet issued (``case_entry`` gives a
    case whole). Read again with nothing changed, it is the same object."""
    outbox = Path(outbox)
    memo_key = str(outbox.absolute())
    snapshots = _snapshots_now(outbox)
    ledger_id, changes = _ledger_state(outbox)
    inputs = _inputs(book, as_of, templates, ledger_id)
    last = _LAST.get(memo_key)
    if last is not None and last.inputs == inputs and last.snapshots is snapshots:
        if last.changes is changes:  # nothing changed: the same folder listing, the same ledger count
            return last.diary
        # Only the ledger moved (letters issued, approved, returned): the cases it moved for.
        moved = {c: snapshots[c] for c, n in changes.items() if c in snapshots and last.changes.get(c) != n}
        moved.update((c, snapshots[c]) for c in last.changes if c not in changes and c in snapshots)
        _, found = _entries(book, outbox, as_of, inputs, moved, changes, whole=False)
        entries = list(last.diary.entries)
        for case_id, entry in found.items():
            entries[last.position[case_id]] = entry
        diary = Diary(as_of, tuple(entries))
        with _LOCK:
            _LAST[memo_key] = _Last(inputs, snapshots, changes, diary, last.position)
        return diary
    wanted, found = _entries(book, outbox, as_of, inputs, snapshots, changes, whole=False)
    diary = Diary(as_of, tuple(sorted(found.values(), key=lambda e: e.file)))
    with _LOCK:
        _LAST[memo_key] = _Last(inputs, snapshots, changes, diary,
                                {e.case_id: n for n, e in enumerate(diary.entries)})
        memo = _MEMO.get(memo_key, {})
        for case_id in [c for c in list(memo) if c not in wanted]:  # no longer stored (list(): other threads add)
            memo.pop(case_id, None)
    gone = _gone(outbox, wanted)
    if gone:
        conn = _connection(outbox)
        if conn is not None:
            try:
                _write(conn, [], gone)
            except sqlite3.DatabaseError:
                pass  # kept rows of cases no longer stored are never read
    return diary


def _gone(outbox: Path, wanted: dict) -> list[str]:
    """Cases the index holds that are no longer stored."""
    conn = _connection(outbox) if index_path(outbox).exists() else None
    if conn is None:
        return []
    try:
        with _LOCK:
            return [c for (c,) in conn.execute("SELECT case_id FROM cases").fetchall() if c not in wanted]
    except sqlite3.DatabaseError:
        return []


def case_entry(outbox: Path, case_id: str, *, book, as_of: date, templates: Path | None = None) -> Entry | None:
    """One stored case's entry as of ``as_of``, every letter (issued ones too), deadline and note;
    None if the store holds no such case."""
    if not safe_case_id(case_id):
        return None
    outbox = Path(outbox)
    snapshot = _snapshot(outbox, case_id)
    if snapshot is None:
        return None
    ledger_id, changes = _ledger_state(outbox, case_id)
    _, found = _entries(book, outbox, as_of, _inputs(book, as_of, templates, ledger_id), {case_id: snapshot}, changes,
                        whole=True)
    return found.get(case_id)


def refresh(outbox: Path, case_id: str, *, book=None, as_of: date | None = None,
            templates: Path | None = None) -> None:
    """Tell the index that ``case_id`` changed (a letter approved or returned, a record stored).
    With ``book`` and ``as_of`` the case is worked out again at once; without, its row is dropped
    and worked out when next read. Never raises for the index's own troubles: a row that could
    not be dropped no longer matches its inputs anyway."""
    if not safe_case_id(case_id):
        return
    try:
        forget(outbox, [case_id])
        if book is not None and as_of is not None:
            case_entry(outbox, case_id, book=book, as_of=as_of, templates=templates)
    except (sqlite3.DatabaseError, OSError, CaseError) as exc:
        log.warning("due index: case %s not refreshed (%s)", case_id, type(exc).__name__)


def forget(outbox: Path, case_ids: Iterable[str]) -> None:
    """Drop these cases' rows, here and in the file (best effort: their stamps show them stale anyway)."""
    case_ids = list(case_ids)
    with _LOCK:
        _LAST.pop(str(Path(outbox).absolute()), None)
        memo = _MEMO.get(str(Path(outbox).absolute()), {})
        for case_id in case_ids:
            memo.pop(case_id, None)
    if not index_path(outbox).exists():
        return
    conn = _connection(outbox)
    if conn is None:
        return
    try:
        _write(conn, [], case_ids)
    except sqlite3.DatabaseError as exc:
        log.warning("due index: rows not dropped (%s)", exc)
