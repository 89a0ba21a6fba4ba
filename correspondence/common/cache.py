"""A folder of things worked out once and kept between runs: compiled Word templates, compiled
HTML templates, the England bank holidays the ``holidays`` package gives for a year.

Nothing here is a source of truth. Each entry is derived from files (templates, a library's own
code) and stored under a key that names every input it was derived from; when an input changes,
the key changes and the entry is worked out again. An entry that cannot be read back exactly
(torn, truncated, from another version) counts as absent. Any failure to read or write the
folder (no home folder, a read-only or full disk) leaves the program doing the work itself: the
cache only ever makes things faster.

Where: ``CORRESPONDENCE_CACHE`` if set (``off`` turns the cache off), else systemd's
``CACHE_DIRECTORY`` (``CacheDirectory=`` in a unit file), else ``$XDG_CACHE_HOME/correspondence``
or ``~/.cache/correspondence``. Entries hold compiled code, so, as Jinja does with its own
bytecode cache, the folder is used only if it belongs to this user and no one else may write to it
(it is created mode 0700).
"""

from __future__ import annotations

import os
import stat
import zlib
from functools import lru_cache
from pathlib import Path

ENV = "CORRESPONDENCE_CACHE"
OFF = ("off", "0", "no", "false", "none")
MAGIC = b"correspondence-cache/1\n"
MAX_ENTRIES = 512  # per kind; the oldest beyond this are removed when a new one is written


def _default_folder() -> Path | None:
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in OFF or not chosen.strip() else Path(chosen)
    systemd = os.environ.get("CACHE_DIRECTORY")
    if systemd:
        return Path(systemd.split(":")[0])
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "correspondence"
    try:
        home = Path.home()
    except (KeyError, RuntimeError):  # no home folder for this user
        return None
    return home / ".cache" / "correspondence"


def _trusted(path: Path) -> bool:
    """A real folder (not a link) of this user's that no one else can write to."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@lru_cache(maxsize=None)
def _made(kind: str, where: str) -> Path | None:
    """The kind's folder, made once per process if need be (None if it cannot be made)."""
    folder = Path(where) / kind
    try:
        Path(where).mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(Path(where)):
            return None
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return folder


def folder(kind: str) -> Path | None:
    """This kind's folder in the cache, made if need be; None when there is no usable cache.
    Whether it is still safe is asked each time (a folder swapped for another while the process
    runs is not used); each entry is checked again when it is read (``read``)."""
    where = _default_folder()
    if where is None:
        return None
    made = _made(kind, str(where))
    if made is not None and not os.path.lexists(made):  # deleted while the process runs: made again
        _made.cache_clear()
        made = _made(kind, str(where))
    if made is None or not (_trusted(made.parent) and _trusted(made)):
        return None
    return made


def _read_own(path: Path) -> bytes | None:
    """The file's bytes if it is a regular file of this user's that no one else may write to
    (checked on the open file itself, so nothing can be swapped in between)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)  # without waiting, should a FIFO stand where an entry should be
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        return handle.read()


def key_of(*parts: object) -> str:
    """A key for an entry: the SHA-256 of everything it was derived from, in order."""
    import hashlib

    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _name(key: str) -> str:
    """The entry's file name (two checksums of the key; the key itself is checked on reading)."""
    data = key.encode("utf-8")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}.bin"


def _checksum(body: bytes) -> bytes:
    return zlib.crc32(body).to_bytes(4, "big")


def read(kind: str, key: str) -> bytes | None:
    """The entry stored under ``key``, or None (absent, unreadable, or not exactly as written)."""
    where = folder(kind)
    if where is None:
        return None
    try:
        data = _read_own(where / _name(key))
    except OSError:
        return None
    if data is None:
        return None
    head = MAGIC + key.encode("utf-8") + b"\n"
    if not data.startswith(head) or len(data) < len(head) + 4:
        return None
    body, check = data[len(head):-4], data[-4:]
    if _checksum(body) != check:  # torn or damaged: work it out again
        return None
    return body


def write(kind: str, key: str, body: bytes) -> bool:
    """Store ``body`` under ``key`` (whole or not at all); False if the cache cannot take it."""
    where = folder(kind)
    if where is None:
        return False
    import tempfile

    data = MAGIC + key.encode("utf-8") + b"\n" + body + _checksum(body)
    target = where / _name(key)
    try:
        fd, temp = tempfile.mkstemp(dir=where, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, target)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
    except OSError:
        return False
    _prune(where)
    return True


def _prune(where: Path) -> None:
    """Keep at most MAX_ENTRIES entries (the newest); remove what a process killed while writing
    left behind (a temporary file over an hour old)."""
    import time

    try:
        found = [(e.name, e.stat().st_mtime_ns, e.path) for e in os.scandir(where)]
    except OSError:
        return
    stale = time.time_ns() - 3600 * 10**9
    for name, mtime, path in found:
        if name.endswith(".part") and mtime < stale:
            try:
                os.unlink(path)
            except OSError:
                pass
    entries = [(mtime, path) for name, mtime, path in found if name.endswith(".bin")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort()
    for _, path in entries[:len(entries) - MAX_ENTRIES]:
        try:
            os.unlink(path)
        except OSError:
            pass
