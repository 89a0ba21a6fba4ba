"""Importing WeasyPrint with the library lookups remembered (weasyprint_import.py): a later process asks the
system for none of the libraries an earlier one found, the answers are the system's own, and
Python's find_library is left as it was."""

import json
import os
import subprocess
import sys

from correspondence.common import cache
from correspondence.letters import weasyprint_import

PROBE = """
import ctypes.util, json, sys
asked = []
original = ctypes.util.find_library
def counting(name):
    asked.append(name)
    return original(name)
ctypes.util.find_library = counting
from correspondence.letters import weasyprint_import
weasyprint_import.load()
import weasyprint
print(json.dumps({"asked": asked, "restored": ctypes.util.find_library is counting}))
"""


def in_fresh_process(cache_folder, **env) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                          env={**os.environ, "CORRESPONDENCE_CACHE": str(cache_folder), **env})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_later_process_asks_the_system_for_no_library(tmp_path):
    first = in_fresh_process(tmp_path)
    assert first["asked"]  # WeasyPrint's Windows and macOS names, looked up and not found
    assert first["restored"]  # find_library is Python's own again after the import
    assert in_fresh_process(tmp_path)["asked"] == []


def test_the_kept_answers_are_the_systems(tmp_path, monkeypatch):
    import ctypes.util
    in_fresh_process(tmp_path)
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    kept = json.loads(cache.read(weasyprint_import.CACHE_KIND, weasyprint_import.lookup_key()))
    assert kept and all(ctypes.util.find_library(name) == found for name, found in kept.items())


def test_another_library_path_is_asked_again(tmp_path):
    in_fresh_process(tmp_path)
    (tmp_path / "libs").mkdir()
    assert in_fresh_process(tmp_path, LD_LIBRARY_PATH=str(tmp_path / "libs"))["asked"]


def test_without_a_cache_the_import_is_weasyprints_own(tmp_path):
    assert in_fresh_process("off")["asked"]
    assert in_fresh_process("off")["asked"]


def test_without_a_library_cache_to_key_on_every_lookup_is_made(tmp_path, monkeypatch):
    # macOS and musl have no /etc/ld.so.cache: nothing would tell a kept "not found" from a
    # library installed since, so nothing is kept.
    import ctypes.util
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(weasyprint_import, "SYSTEM_CACHE", str(tmp_path / "no-ld.so.cache"))
    asked = []
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: asked.append(name))
    for _ in range(2):
        with weasyprint_import.remembered_lookups():
            ctypes.util.find_library("pango-1.0-not-installed")
    assert asked == ["pango-1.0-not-installed"] * 2
    assert not list((tmp_path / "cache").rglob("*.bin"))


def test_an_import_that_fails_keeps_nothing(tmp_path, monkeypatch):
    # The library it lacked is the next thing someone installs; a kept "not found" would outlive it
    # wherever installing does not renew the system's library cache.
    import ctypes.util

    import pytest
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(OSError):
        with weasyprint_import.remembered_lookups():
            ctypes.util.find_library("pango-1.0-not-installed")
            raise OSError("cannot load library 'pango-1.0-not-installed'")
    assert cache.read(weasyprint_import.CACHE_KIND, weasyprint_import.lookup_key()) is None
    with weasyprint_import.remembered_lookups():
        ctypes.util.find_library("pango-1.0-not-installed")
    assert json.loads(cache.read(weasyprint_import.CACHE_KIND, weasyprint_import.lookup_key())) == {"pango-1.0-not-installed": None}
