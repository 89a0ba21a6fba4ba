"""Whether a file may have changed since it was last read, from one ``stat``.

What a process keeps while it runs (compiled templates, the rules, a template's hash) is worked
out again when its file's stamp changes. The modification time alone would miss an edit that sets
it back: ``cp -p``, ``rsync -a``, ``tar`` and ``touch -r`` all do. So the stamp also holds the
file's change time, which every write and every ``touch`` moves forward and no program can set,
and its inode, which is new when a file is replaced by a rename (as editors, ``rsync`` and
deployment tools do).
"""

from __future__ import annotations

import os
import stat
from typing import Union

from correspondence.common.errors import CorrespondenceError

Stamp = tuple  # (device, inode, size, modification time ns, change time ns)


def of_stat(st: os.stat_result) -> Stamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def stamp(path: Union[str, os.PathLike]) -> Stamp:
    """The file's stamp (``OSError`` if it cannot be read, as ``os.stat``)."""
    return of_stat(os.stat(path))


def text(path: Union[str, os.PathLike]) -> str:
    """The stamp as text for a key kept between runs (without the device, which a container's
    file system may number afresh each time it is mounted); ``-`` if the file cannot be read."""
    try:
        return ":".join(str(part) for part in stamp(path)[1:])
    except OSError:
        return "-"


class NotAFile(CorrespondenceError, OSError):
    """The path is something other than a regular file (a folder, a FIFO, a device)."""


def read(path: Union[str, os.PathLike]) -> tuple[Stamp, bytes]:
    """A regular file's stamp and bytes, from one open: the stamp is taken before the bytes are
    read, so an edit made meanwhile shows as a changed stamp next time. Anything but a regular
    file raises ``NotAFile`` at once (a FIFO is opened without waiting for a writer)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(f"{os.fspath(path)} is not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            return of_stat(st), handle.read()
    finally:
        if fd >= 0:
            os.close(fd)


def not_utf8(error: UnicodeDecodeError, what: str) -> str:
    """The words for a file that is not UTF-8 text (after its name): where it stops being UTF-8,
    and what was expected, such as "a template"."""
    return f"is not UTF-8 text (byte {error.start + 1:,} cannot be read); expected {what} saved as UTF-8"
