"""Filing letters in the outbox, exactly once.

``outbox/<case_id>/<stem>.docx``, ``.pdf`` and ``.json`` (the manifest). Each file is written
aside and renamed into place; the manifest goes last. The ledger row and the files are made
under one SQLite write lock (``BEGIN IMMEDIATE``): a second process that rendered the same
letter finds it in the ledger and files nothing, and a failure part-way removes what was
written, so a half-written letter never survives.

Before the first file is renamed into place a journal naming the letter's files is written to
``outbox/.journal/``; it is removed once the ledger row is committed. After a crash, recovery
removes only what it can prove is its own half-written output: the files a journal names whose
letter the ledger lacks, and ``.tmp-*`` files. A filed letter the ledger does not list (a lost
or older ledger) is never removed: the ledger is rebuilt from the manifests instead, and a
letter whose manifest is already filed is recorded, not written again.

Every path written is checked to stay inside its folder; folders are made 0700 and files 0600.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from correspondence.common.errors import CorrespondenceError
from correspondence.service import ledger
from correspondence.service.case_store import atomic_write, atomic_write_all

FOLDER_MODE = 0o700
JOURNAL_DIR = ".journal"
STALE_TEMP_SECONDS = 3600  # no atomic write takes an hour: an older .tmp-* file is a crash's leftover


class UnsafePath(CorrespondenceError, ValueError):
    """A name that would put a file outside its folder."""


def inside(folder: Path, path: Path) -> Path:
    """``path`` if it is a file or folder directly in ``folder`` (no ``/``, ``..`` or NUL in its
    name, no link leading out); else UnsafePath."""
    folder, path = Path(folder), Path(path)
    name = path.name
    if path.parent != folder or name in ("", ".", "..") or "\0" in name or path.parent.resolve() != folder.resolve():
        raise UnsafePath(f"{name!r} would be written outside {folder}.")
    return path


def make_folder(path: Path) -> Path:
    """``mkdir -p`` with every folder it creates 0700, whatever the umask."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)
        except FileExistsError:
            pass
    return path


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
    folder = inside(outbox, Path(outbox) / case_id)
    return make_folder(folder)


def _letter_paths(folder: Path, stem: str, files: dict[str, bytes]) -> list[Path]:
    return [inside(folder, folder / f"{stem}.{ext}") for ext in [*files, "json"]]


def _write_letter(folder: Path, stem: str, files: dict[str, bytes], manifest: dict, written: list[Path]) -> None:
    """Each file written aside and renamed into place, the manifest last; ``written`` grows as it goes."""
    paths = _letter_paths(folder, stem, files)
    data = [*files.values(), (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")]
    # Fsynced together, renamed in order (the manifest last), the folder fsynced once, before the ledger row.
    atomic_write_all(list(zip(paths, data)), written)


def _journal(outbox: Path, filing: Filing) -> Path:
    folder = make_folder(Path(outbox) / JOURNAL_DIR)
    return inside(folder, folder / f"{filing.case_id}~{filing.stem}.json")


def _write_journal(path: Path, entry: dict) -> None:
    """No fsync: a power cut that loses the journal leaves at worst stray files, never a lost
    letter (one whose manifest was filed is recorded from it), and a torn journal is ignored."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(entry, handle)


def _already_filed(folder: Path, filing: Filing) -> dict | None:
    """The manifest of this letter if it is filed although the ledger lacks it (a lost or older ledger)."""
    for path in folder.glob("*.json"):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("status") != "draft" \
                and (manifest.get("letter"), manifest.get("stage"), manifest.get("trigger")) \
                == (filing.letter, filing.stage, filing.trigger) and manifest.get("case_id") == filing.case_id:
            return {**manifest, "stem": path.stem}
    return None


def file_letter(outbox: Path, filing: Filing, files: dict[str, bytes], manifest: dict, *,
                also=None) -> list[Path] | None:
    """Write the letter's files and record it in the ledger, atomically and once.

    ``also(conn)`` writes more ledger rows in the same transaction (a draft's approval, with who
    signed it off and when; a replaced draft), so they and the letter are kept together or not at all. Returns the paths written, or None if the ledger already
    held this letter.
    """
    make_folder(outbox)
    conn = ledger.shared(outbox)
    written: list[Path] = []
    journal: Path | None = None
    try:
        conn.execute("BEGIN IMMEDIATE")
        if ledger.has(conn, filing.case_id, filing.letter, filing.stage, filing.trigger):
            conn.execute("ROLLBACK")
            return None
        folder = case_folder(outbox, filing.case_id)
        filed = _already_filed(folder, filing)
        if filed is not None:  # filed before, and the ledger forgot: record it, never write it again
            ledger.record(conn, filing.case_id, filing.letter, filing.stage, filing.trigger,
                          date.fromisoformat(filed["letter_date"]), filed.get("delivery"), filed["stem"])
            conn.execute("COMMIT")
            return None
        names = [p.name for p in _letter_paths(folder, filing.stem, files)]
        journal = _journal(outbox, filing)
        _write_journal(journal, {"case_id": filing.case_id, "stem": filing.stem, "files": names})
        _write_letter(folder, filing.stem, files, manifest, written)
        ledger.record(conn, filing.case_id, filing.letter, filing.stage, filing.trigger, filing.letter_date,
                      filing.delivery, filing.stem)
        if also is not None:
            also(conn)
        conn.execute("COMMIT")
        _unlink(journal)
        return written
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
            for path in written:
                _unlink(path)
            if journal is not None:
                _unlink(journal)
        raise


def _unlink(path: Path) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def recover(outbox: Path) -> list[Path]:
    """Remove what a crash can prove it left: the files of a journaled letter the ledger lacks, and
    ``.tmp-*`` files (in a journaled letter's folder, or over an hour old anywhere). A missing ledger
    is first rebuilt from the manifests. Filed letters are never removed.

    Runs under the ledger's write lock, so it never sees a letter another process is filing.
    Returns the paths removed.
    """
    outbox = Path(outbox)
    if not outbox.is_dir():
        return []
    if not ledger.ledger_path(outbox).exists() and any(True for _ in ledger.manifests(outbox)):
        ledger.rebuild(outbox)
    removed: list[Path] = []
    with ledger.write_lock(ledger.connect(outbox)) as conn:
        journaled: set[Path] = set()
        journals = outbox / JOURNAL_DIR
        for journal in sorted(journals.glob("*.json")) if journals.is_dir() else []:
            try:
                entry = json.loads(journal.read_text(encoding="utf-8"))
                folder = inside(outbox, outbox / entry["case_id"])
                stem, names = entry["stem"], [inside(folder, folder / n) for n in entry["files"]]
            except (OSError, ValueError, KeyError, TypeError):
                names, folder, stem = [], None, None
            if folder is not None and conn.execute("SELECT 1 FROM letters WHERE case_id = ? AND stem = ?",
                                                   (entry["case_id"], stem)).fetchone() is None:
                journaled.add(folder)
                removed.extend(p for p in names if _unlink(p))
            _unlink(journal)
        now = time.time()
        for folder in outbox.iterdir():  # case folders, their failed/, the case store, the journal
            if not folder.is_dir() or folder.is_symlink():
                continue
            for sub in (folder, folder / "failed", folder / "drafts"):
                for path in sub.glob(".tmp-*") if sub.is_dir() else []:
                    try:
                        stale = sub in journaled or now - path.lstat().st_mtime > STALE_TEMP_SECONDS
                    except FileNotFoundError:
                        continue
                    if stale and path.is_file() and not path.is_symlink() and _unlink(path):
                        removed.append(path)
        from correspondence.service.signoff import tidy_drafts
        removed.extend(tidy_drafts(outbox, conn))
    return removed


def file_failed(outbox: Path, filing: Filing, files: dict[str, bytes], manifest: dict, report: list[str]) -> list[Path]:
    """Keep a letter that failed its checks aside in ``<case>/failed/`` with its report.

    It is not recorded in the ledger, so it is still due and is rendered again next time.
    """
    folder = make_folder(case_folder(outbox, filing.case_id) / "failed")
    written: list[Path] = []
    _write_letter(folder, filing.stem, files, manifest, written)
    path = inside(folder, folder / f"{filing.stem}.report.txt")
    text = "This letter failed its checks and was not issued.\n\n" + "\n".join(report) + "\n"
    atomic_write(path, text.encode("utf-8"))
    written.append(path)
    return written


def failed_reports(outbox: Path, case_id: str | None = None) -> dict[tuple[str, str], Path]:
    """Letters kept in ``<case>/failed/`` after failing their checks: (case id, the stem without
    its date) -> the report, the latest for each letter."""
    outbox = Path(outbox)
    folders = [outbox / case_id] if case_id else (p for p in outbox.iterdir() if not p.name.startswith("."))
    found: dict[tuple[str, str], Path] = {}
    for folder in folders if outbox.is_dir() else []:
        for report in sorted((folder / "failed").glob("*.report.txt")) if (folder / "failed").is_dir() else []:
            stem = report.name.removesuffix(".report.txt")
            found[(folder.name, stem.split("_", 1)[-1])] = report
    return found


def undated_stem(letter: str, stage: int | None, trigger: str) -> str:
    return stem_for(letter, stage, trigger, date.min).split("_", 1)[1]
