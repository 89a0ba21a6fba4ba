"""The case store: one place on disk holding each case's latest record.

``<outbox>/.cases/<case_id>.json`` (a dot folder, so it can never clash with a case's letter
folder, whose name starts with a letter or digit). A later record for the same case replaces
the snapshot whole; it never merges. Writes are atomic: a reader sees the old record or the
new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from correspondence.engine.case import safe_case_id

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


def atomic_write_all(items: list[tuple[Path, bytes]], written: list[Path], mode: int = 0o600) -> None:
    """Write several files into one folder, each appearing whole or not at all, in the order given.

    Each is written aside; the temporary files are fsynced together (concurrent fsyncs share one
    journal commit: about the cost of one, not one each); then each is renamed into place in
    order (``written`` grows as they land) and the folder is fsynced once."""
    if not items:
        return
    folder = items[0][0].parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged: list[tuple[int, str, Path]] = []
    try:
        for path, data in items:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
            staged.append((fd, tmp, path))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
        _fsync_together([fd for fd, _, _ in staged])
        for fd, _, _ in staged:
            os.close(fd)
        staged = [(-1, tmp, path) for _, tmp, path in staged]
        while staged:
            _, tmp, path = staged[0]
            os.replace(tmp, path)
            staged.pop(0)
            written.append(path)
    except BaseException:
        for fd, tmp, _ in staged:
            if fd >= 0:
                os.close(fd)
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise
    fsync_folder(folder)


def _fsync_together(fds: list[int]) -> None:
    if len(fds) == 1:
        os.fsync(fds[0])
        return
    import threading

    errors: list[BaseException] = []

    def sync(fd: int) -> None:
        try:
            os.fsync(fd)
        except BaseException as exc:  # raised in the caller below
            errors.append(exc)

    threads = [threading.Thread(target=sync, args=(fd,)) for fd in fds[1:]]
    for thread in threads:
        thread.start()
    sync(fds[0])
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def fsync_folder(folder: Path) -> None:
    """Make the renames into ``folder`` durable."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save(outbox: Path, case_id: str, data: bytes) -> Path:
    """Keep ``data`` (a validated record) as the latest snapshot of ``case_id``, with its stamp.
    An update rejected before it is no longer the case's latest record (``rejected_update``)."""
    path = stored_path(outbox, case_id)
    atomic_write(path, data)
    _write_stamp(path, data)
    clear_rejected(outbox, case_id)
    return path


def save_all(outbox: Path, snapshots: list[tuple[str, bytes]]) -> list[Path]:
    """``save`` for several cases at once: the files fsynced together and the folder once (a batch
    of records costs about one sync, not one each). All land, or the error is raised and the
    caller saves them one by one to learn which cannot be kept."""
    items = [(stored_path(outbox, case_id), data) for case_id, data in snapshots]
    atomic_write_all(items, [])
    for (case_id, _), (path, data) in zip(snapshots, items):
        _write_stamp(path, data)
        clear_rejected(outbox, case_id)
    return [path for path, _ in items]


# --------------------------------------------------------------------------- validated once

STAMP_SUFFIX = ".valid"


@lru_cache(maxsize=1)
def validator_fingerprint() -> str:
    """Names the validator a stamp vouches for: the record schema and the code that applies it.
    A new schema or validation code (an upgrade) makes every older stamp void."""
    from importlib import resources

    from correspondence.common import safe_json
    from correspondence.engine import case

    digest = hashlib.sha256(resources.files("correspondence.engine").joinpath("schema").joinpath(
        "complaint-case-1.schema.json").read_bytes())
    digest.update(Path(case.__file__).read_bytes())
    digest.update(Path(safe_json.__file__).read_bytes())
    return digest.hexdigest()[:32]


def _stamp_for(data: bytes) -> bytes:
    return f"{validator_fingerprint()} {hashlib.sha256(data).hexdigest()}\n".encode()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + STAMP_SUFFIX)


def _write_stamp(path: Path, data: bytes) -> None:
    """Record that ``data``, now at ``path``, passed the schema. No fsync: a stamp lost in a crash
    only means the snapshot is validated again when read; a stale one never matches its bytes."""
    stamp = _stamp_path(path)
    tmp = stamp.with_name(f".tmp-{os.getpid()}-{stamp.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, _stamp_for(data))
    finally:
        os.close(fd)
    os.replace(tmp, stamp)


def load_stored(path: Path, councils=None):
    """The stored snapshot at ``path`` as a Case. A snapshot whose stamp matches its bytes and this
    validator is not run through the schema again (it passed when stored); any other (no stamp,
    edited by hand, stored by an older version) is validated in full, as a record from outside."""
    from correspondence.engine.case import case_from_record, parse_record, read_record_bytes

    data = read_record_bytes(path)
    try:
        trusted = _stamp_path(Path(path)).read_bytes() == _stamp_for(data)
    except OSError:
        trusted = False
    return case_from_record(parse_record(data, str(path)), str(path), councils, schema_checked=trusted)


def stored_cases(outbox: Path) -> Iterator[Path]:
    folder = store_dir(outbox)
    if not folder.is_dir():
        return iter(())
    return iter(sorted(p for p in folder.glob("*.json") if safe_case_id(p.stem) and p.is_file()))


def diary(book, outbox: Path, as_of):
    """Every stored case's determination as of ``as_of`` (the diary), and the problems of those
    that failed: the snapshots and the ledger read here, the working out in ``engine.diary``."""
    from functools import partial

    from correspondence.engine.diary import diary as determine_all
    from correspondence.service import ledger

    councils = {c: book.procedures(c) for c in book.councils}
    loaders = (partial(load_stored, path, councils) for path in stored_cases(outbox))
    return determine_all(book, loaders, ledger.issued_by_case(outbox), as_of)


# --------------------------------------------------------------------------- a rejected update

# docs/rules.md#a-rejected-update-is-never-unseen: when a record for a case already stored
# is rejected, the snapshot stays as it was, and a small note of the rejection is kept here
# (``<outbox>/.cases/.rejected/<case_id>.json``: the file, when it arrived, the report's first
# sentence) until a later record for the case is stored. The diary and the web pages show it.
REJECTED_DIR = ".rejected"


def _rejected_path(outbox: Path, case_id: str) -> Path:
    if not safe_case_id(case_id):
        raise ValueError(f"unsafe case id {case_id!r}")
    return store_dir(outbox) / REJECTED_DIR / f"{case_id}.json"


def note_rejected(outbox: Path, case_id: str, file: str, arrived: str, sentence: str) -> bool:
    """Keep the note of a rejected update of ``case_id``, if the case is stored (True if kept).
    ``file`` is the name in ``inbox/.rejected/``, ``arrived`` an ISO date and time, ``sentence``
    the report's first sentence (names file and field only: no personal data)."""
    if not safe_case_id(case_id) or not stored_path(outbox, case_id).is_file():
        return False
    import json

    data = json.dumps({"case_id": case_id, "file": file, "arrived": arrived, "report": sentence},
                      ensure_ascii=False, indent=2).encode()
    atomic_write(_rejected_path(outbox, case_id), data)
    return True


def clear_rejected(outbox: Path, case_id: str) -> None:
    try:
        _rejected_path(outbox, case_id).unlink()
    except FileNotFoundError:
        pass


def rejected_update(outbox: Path, case_id: str) -> dict | None:
    """The latest rejected record of a stored case, not yet followed by an accepted one:
    ``{"case_id", "file", "arrived", "report"}``, or None."""
    if not safe_case_id(case_id):
        return None
    return _read_rejected(_rejected_path(outbox, case_id))


def rejected_updates(outbox: Path) -> list[dict]:
    """Every stored case's rejected update (as ``rejected_update``), by case id."""
    folder = store_dir(outbox) / REJECTED_DIR
    if not folder.is_dir():
        return []
    found = [_read_rejected(p) for p in sorted(folder.glob("*.json")) if safe_case_id(p.stem)]
    return [x for x in found if x is not None and stored_path(outbox, x["case_id"]).is_file()]


def _read_rejected(path: Path) -> dict | None:
    import json

    try:
        data = json.loads(path.read_bytes()[:65536])
    except (OSError, ValueError):
        return None
    keys = ("case_id", "file", "arrived", "report")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in keys) or data["case_id"] != path.stem:
        return None
    return {k: data[k] for k in keys}
