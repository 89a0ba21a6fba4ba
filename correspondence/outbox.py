"""Filing letters in the outbox, exactly once.

``outbox/<case_id>/<stem>.docx``, ``.pdf`` and ``.json`` (the manifest). Each file is written
aside and renamed into place; the manifest goes last. The ledger row and the files are made
under one SQLite write lock (``BEGIN IMMEDIATE``): a second process that rendered the same
letter finds it in the ledger and files nothing, and a failure part-way removes what was
written, so a half-written letter never survives.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import ledger
from .store import atomic_write, fsync_folder

FOLDER_MODE = 0o700


@dataclass(frozen=True)
class Filing:
    case_id: str
    letter: str
    stage: int | None
    trigger: str
    letter_date: date
    delivery: str
    stem: str


def stem_for(letter: str, stage: int | None, trigger: str, letter_date: date) -> str:
    """2026-11-20_outcome-s1_e7: sorts by date, names the letter, its stage and its trigger."""
    stage_part = f"-s{stage}" if stage else ""
    return f"{letter_date.isoformat()}_{letter}{stage_part}_{trigger}"


def case_folder(outbox: Path, case_id: str) -> Path:
    folder = Path(outbox) / case_id
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return folder


def _write_letter(folder: Path, stem: str, files: dict[str, bytes], manifest: dict, written: list[Path]) -> None:
    """Each file written aside and renamed into place, the manifest last; ``written`` grows as it goes."""
    for ext, data in files.items():
        path = folder / f"{stem}.{ext}"
        atomic_write(path, data, sync_folder=False)
        written.append(path)
    path = folder / f"{stem}.json"
    atomic_write(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), sync_folder=False)
    written.append(path)
    fsync_folder(folder)  # one folder fsync makes the letter's renames durable, before the ledger row


def file_letter(outbox: Path, filing: Filing, files: dict[str, bytes], manifest: dict) -> list[Path] | None:
    """Write the letter's files and record it in the ledger, atomically and once.

    Returns the paths written, or None if the ledger already held this letter.
    """
    Path(outbox).mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    conn = ledger.shared(outbox)
    written: list[Path] = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        if ledger.has(conn, filing.case_id, filing.letter, filing.stage, filing.trigger):
            conn.execute("ROLLBACK")
            return None
        _write_letter(case_folder(outbox, filing.case_id), filing.stem, files, manifest, written)
        ledger.record(conn, filing.case_id, filing.letter, filing.stage, filing.trigger, filing.letter_date,
                      filing.delivery, filing.stem)
        conn.execute("COMMIT")
        return written
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        for path in written:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        raise


def recover(outbox: Path) -> list[Path]:
    """Remove what a crash can leave: temp files, and letter files the ledger does not hold.

    Runs under the ledger's write lock, so it never sees a letter another process is filing.
    Returns the paths removed.
    """
    outbox = Path(outbox)
    if not outbox.is_dir():
        return []
    conn = ledger.connect(outbox)
    removed: list[Path] = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        stems = {(case_id, stem) for case_id, stem in conn.execute("SELECT case_id, stem FROM letters")}
        for folder in outbox.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if not path.is_file():
                    continue
                half_written = path.name.startswith(".tmp-")
                stem = path.name.rsplit(".", 1)[0]
                unledgered = not folder.name.startswith(".") and (folder.name, stem) not in stems
                if half_written or unledgered:
                    path.unlink()
                    removed.append(path)
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
    return removed


def file_failed(outbox: Path, filing: Filing, files: dict[str, bytes], manifest: dict, report: list[str]) -> list[Path]:
    """Keep a letter that failed its checks aside in ``<case>/failed/`` with its report.

    It is not recorded in the ledger, so it is still due and is rendered again next time.
    """
    folder = case_folder(outbox, filing.case_id) / "failed"
    folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    written: list[Path] = []
    _write_letter(folder, filing.stem, files, manifest, written)
    path = folder / f"{filing.stem}.report.txt"
    text = "This letter failed its checks and was not issued.\n\n" + "\n".join(report) + "\n"
    atomic_write(path, text.encode("utf-8"))
    written.append(path)
    return written
