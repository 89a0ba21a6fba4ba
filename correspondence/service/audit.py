"""Who changed what through the web pages and the API, kept in the ledger (``ledger.sqlite3``).

One row per change: when, who (an account name, or the name of the API token), the case, what
was done (``record-accepted``, ``letters-rendered``, ``action-done``, ``account-added``...) and
a detail that names letters, stems and numbers only: never a person's details or a reason's
text (a return's reason is kept by the sign-off record in the ledger beside it).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from correspondence.service import ledger

_SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,      -- UTC
    by      TEXT NOT NULL,      -- the account or API token
    via     TEXT NOT NULL,      -- web, api, command
    case_id TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS changes_case ON changes (case_id, id);
CREATE TABLE IF NOT EXISTS account_changes (  -- no case_id: a change to accounts is no case's
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    by      TEXT NOT NULL,
    via     TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
"""
FIELDS = ("at", "by", "via", "case_id", "action", "detail")


def record_change(outbox: Path, by: str, via: str, case_id: str | None, action: str, detail: str = "") -> None:
    conn = ledger.connect(outbox)
    try:
        conn.executescript(_SCHEMA)
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if case_id is None:
            conn.execute("INSERT INTO account_changes (at, by, via, action, detail) VALUES (?, ?, ?, ?, ?)",
                         (at, by, via, action, detail))
        else:
            conn.execute("INSERT INTO changes (at, by, via, case_id, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
                         (at, by, via, case_id, action, detail))
    finally:
        conn.close()


def changes(outbox: Path, case_id: str | None = None) -> list[dict]:
    """The changes recorded for ``case_id``, or (None) the changes to accounts, oldest first; none
    without a ledger."""
    with ledger.read_only(outbox) as conn:
        if conn is None:
            return []
        if case_id is None:
            sql, args = f"SELECT {', '.join(FIELDS)} FROM (SELECT id, at, by, via, NULL AS case_id, action, detail " \
                        "FROM account_changes)", ()
        else:
            sql, args = f"SELECT {', '.join(FIELDS)} FROM changes WHERE case_id = ?", (case_id,)
        try:
            rows = conn.execute(f"{sql} ORDER BY id", args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
    return [dict(zip(FIELDS, row)) for row in rows]
