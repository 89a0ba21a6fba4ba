"""The case store: one place on disk holding each case's latest record.

``<outbox>/.cases/<case_id>.json`` (a dot folder, so it can never clash with a case's letter
folder, whose name starts with a letter or digit). A later record for the same case replaces
the snapshot whole; it never merges. Writes are atomic: a reader sees the old record or the
new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

from .case import safe_case_id

STORE_DIR = ".cases"


def store_dir(outbox: Path) -> Path:
    return Path(outbox) / STORE_DIR


def stored_path(outbox: Path, case_id: str) -> Path:
    if not safe_case_id(case_id):
        raise ValueError(f"unsafe case id {case_id!r}")
    return store_dir(outbox) / f"{case_id}.json"


def atomic_write(path: Path, data: bytes, mode: int = 0o600, *, sync_folder: bool = True) -> None:
    """Write ``data`` to ``path`` so that the file appears whole or not at all.

    ``sync_folder=False`` leaves the folder's fsync to the caller, who writes several files into
    one folder and then calls ``fsync_folder`` once."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if sync_folder:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make the renames into ``folder`` durable."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save(outbox: Path, case_id: str, data: bytes) -> Path:
    """Keep ``data`` (a validated record) as the latest snapshot of ``case_id``."""
    path = stored_path(outbox, case_id)
    atomic_write(path, data)
    return path


def stored_cases(outbox: Path) -> Iterator[Path]:
    folder = store_dir(outbox)
    if not folder.is_dir():
        return iter(())
    return iter(sorted(p for p in folder.glob("*.json") if safe_case_id(p.stem) and p.is_file()))
