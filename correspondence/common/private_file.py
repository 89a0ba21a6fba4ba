"""Files only their owner may read: the ledger, the due index and the accounts database hold
case ids, names and password hashes, so SQLite must never create them world-readable."""

from __future__ import annotations

import os
from pathlib import Path


def create_private(path: Path) -> None:
    """Create ``path`` empty and 0600 if it is missing (left as it is if it exists)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask
