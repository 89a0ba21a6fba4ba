"""Needs a file cannot meet: another language, easy read, Braille, audio (letters.md, Formats).

The letter is still written; its manifest lists each need under ``actions_needed`` in plain
words ("Send a Polish translation"). A need stays open until a caseworker marks it met with
``letters actions done CASE-ID STEM N`` (N counts the manifest's needs from 1), which records it
in the ledger's ``actions_done`` table. ``letters actions``, ``letters due --all`` and the
service's log (case id and need only) show the open ones.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from correspondence.common.errors import CorrespondenceError
from correspondence.common.wording import language_name

NEED_WORDS = {
    "easy-read": "Send an easy-read version",
    "braille": "Send a Braille version",
    "audio": "Send an audio version",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS actions_done (
    case_id     TEXT    NOT NULL,
    stem        TEXT    NOT NULL,          -- the letter's outbox file stem
    number      INTEGER NOT NULL,          -- the need's place in the manifest's actions_needed, from 1
    action      TEXT    NOT NULL,          -- its words, as the manifest gives them
    done_at     TEXT    NOT NULL,          -- when it was marked met (UTC)
    PRIMARY KEY (case_id, stem, number)
);
"""


class ActionError(CorrespondenceError):
    """A plain sentence: the action asked for is not one the outbox holds."""


def _article(name: str) -> str:
    return "an" if name[:1].upper() in "AEIOU" else "a"


def need_words(need: str) -> str | None:
    """"Send a Polish translation" for ``language:pl``; None for large print (the letter meets it)."""
    if need.startswith("language:"):
        name = language_name(need.split(":", 1)[1])
        if name.startswith("the language"):
            return f"Send a translation into {name}"
        return f"Send {_article(name)} {name} translation"
    return NEED_WORDS.get(need)


def actions_needed(complainant: Mapping[str, Any]) -> list[str]:
    """The needs the complainant's record gives that a Word or PDF file cannot meet, in plain words."""
    out: list[str] = []
    for need in complainant.get("format_needs", []) or []:
        words = need_words(str(need))
        if words and words not in out:
            out.append(words)
    return out


@dataclass(frozen=True)
class OpenAction:
    case_id: str
    stem: str
    number: int
    action: str

    def command(self) -> str:
        return f"letters actions done {self.case_id} {self.stem} {self.number}"

    def to_json(self) -> dict:
        return {"case_id": self.case_id, "stem": self.stem, "number": self.number, "action": self.action}


def _manifests(outbox: Path, case_id: str | None) -> Iterable[Path]:
    outbox = Path(outbox)
    folders = [outbox / case_id] if case_id else sorted(p for p in outbox.iterdir() if p.is_dir()) if outbox.is_dir() else []
    for folder in folders:
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        yield from sorted(folder.glob("*.json"))  # filed letters only: failed/ is a sub-folder


def _done(outbox: Path) -> set[tuple[str, str, int]]:
    from correspondence.service.ledger import read_only

    with read_only(outbox) as conn:
        if conn is None:
            return set()
        try:
            return {(c, s, n) for c, s, n in conn.execute("SELECT case_id, stem, number FROM actions_done")}
        except sqlite3.OperationalError:
            return set()  # no action has been marked met yet


def open_actions(outbox: Path, case_id: str | None = None) -> list[OpenAction]:
    """Every need listed in a filed letter's manifest and not yet marked met."""
    done = _done(outbox)
    found: list[OpenAction] = []
    for path in _manifests(outbox, case_id):
        if path.is_symlink() or path.parent.is_symlink():
            continue  # a link in the outbox is never followed out of it
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if not isinstance(manifest, dict) or not isinstance(manifest.get("actions_needed"), list):
            continue
        case = path.parent.name
        if manifest.get("case_id", case) != case:
            continue  # not this folder's letter
        for number, action in enumerate(manifest["actions_needed"], 1):
            if (case, path.stem, number) not in done:
                found.append(OpenAction(case, path.stem, number, str(action)))
    return found


def mark_done(outbox: Path, case_id: str, stem: str, number: int) -> OpenAction:
    """Record the need as met; ActionError if the outbox holds no such need."""
    manifest_path = Path(outbox) / case_id / f"{stem}.json"
    if "/" in stem or "\\" in stem or "/" in case_id or manifest_path.is_symlink() or not manifest_path.is_file():
        raise ActionError(f"{case_id} has no letter {stem!r} in the outbox; 'letters actions {case_id}' lists its open actions.")
    try:
        needs = json.loads(manifest_path.read_text(encoding="utf-8")).get("actions_needed") or []
    except (OSError, ValueError, AttributeError, RecursionError):
        raise ActionError(f"{manifest_path}: the manifest cannot be read.") from None
    if not isinstance(needs, list):
        raise ActionError(f"{manifest_path}: 'actions_needed' is not a list; expected the letter's actions needed.")
    if not 1 <= number <= len(needs):
        raise ActionError(f"{case_id} {stem}: has {len(needs)} action(s) needed; there is no number {number}.")
    from correspondence.service.ledger import connect

    conn = connect(outbox)
    try:
        conn.executescript(_SCHEMA)
        conn.execute("INSERT OR IGNORE INTO actions_done (case_id, stem, number, action, done_at) VALUES (?, ?, ?, ?, ?)",
                     (case_id, stem, number, str(needs[number - 1]),
                      datetime.now(timezone.utc).isoformat(timespec="seconds")))
    finally:
        conn.close()
    return OpenAction(case_id, stem, number, str(needs[number - 1]))


def log_open_actions(log, outbox: Path, case_id: str) -> None:
    """One log line per open need of the case: its id and the need, nothing personal."""
    for action in open_actions(outbox, case_id):
        log.warning("case %s: action needed: %s (%s)", case_id, action.action, action.command())
