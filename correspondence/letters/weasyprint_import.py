"""Importing WeasyPrint, once per process, without asking the system for libraries it knows.

When WeasyPrint is imported it opens Pango, HarfBuzz, fontconfig and GObject, trying each under
the names it has on Linux, macOS and Windows in turn; each name that does not open is looked up
with Python's ``ctypes.util.find_library``, which on Linux runs ``ldconfig``, then ``gcc`` and
``ld`` (about 10 ms each time, some twenty times: nearly half of WeasyPrint's import). The
answers depend only on the libraries installed, so they are kept in the cache (``cache.py``)
under a key made of the system's library cache (``/etc/ld.so.cache``, which every package
install renews) and the library search paths, and looked up there by later processes. Only the
import is affected: ``find_library`` is itself again afterwards, and with no usable cache
folder the import runs exactly as WeasyPrint ships it.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from typing import Iterator

from correspondence.common import filestamp

CACHE_KIND = "libraries"
SYSTEM_CACHE = "/etc/ld.so.cache"
_SEARCH_PATHS = ("LD_LIBRARY_PATH", "LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH")


def lookup_key() -> str:
    """What ``find_library`` answers from: the platform, the system's library cache and every
    folder a search path names (and when each last changed)."""
    parts = [sys.platform, sys.implementation.cache_tag, f"{SYSTEM_CACHE}={filestamp.text(SYSTEM_CACHE)}"]
    for name in _SEARCH_PATHS:
        value = os.environ.get(name, "")
        parts.append(f"{name}={value}:" + ",".join(filestamp.text(f) for f in value.split(os.pathsep) if f))
    return "find-library/1/" + "/".join(parts).replace("\n", " ")


@contextmanager
def remembered_lookups() -> Iterator[None]:
    """``ctypes.util.find_library`` answers from the cache while the block runs (and new answers
    are kept when it ends without an error). Only where the system has a library cache that
    installing a library renews (glibc's ``/etc/ld.so.cache``): elsewhere (macOS, musl) nothing
    would tell a kept "not found" from a library installed since, so every lookup is made."""
    import ctypes.util

    from correspondence.common import cache

    if not os.path.isfile(SYSTEM_CACHE):
        yield
        return
    key = lookup_key()
    kept: dict[str, str | None] = {}
    data = cache.read(CACHE_KIND, key)
    if data is not None:
        try:
            loaded = json.loads(data)
            if isinstance(loaded, dict) and all(isinstance(v, (str, type(None))) for v in loaded.values()):
                kept = loaded
        except ValueError:
            kept = {}
    learned = False
    original = ctypes.util.find_library

    def find_library(name):
        nonlocal learned
        if isinstance(name, str) and name in kept:
            return kept[name]
        found = original(name)
        if isinstance(name, str):
            kept[name] = found
            learned = True
        return found

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original
    if learned:  # not after an import that failed: the library it lacked may be installed next
        cache.write(CACHE_KIND, key, json.dumps(kept, sort_keys=True).encode("utf-8"))


def load() -> None:
    """Import WeasyPrint (a no-op once it is imported)."""
    if "weasyprint" in sys.modules:
        return
    with remembered_lookups():
        import weasyprint  # noqa: F401
