"""Cheap filing: one ledger connection per worker, one folder fsync per letter, templates and
rules hashed once while unchanged, and a ledger replaced under a worker is opened again."""

import hashlib
import json
import os
import sqlite3
import stat
from datetime import date

import pytest
from conftest import EXAMPLES, ROOT, RULES

from correspondence.engine.case import case_from_record
from correspondence.letters import render
from correspondence.letters.render import Renderer, sha256_file
from correspondence.service import ledger
from correspondence.service.issuing import issue_due_letters

AS_OF = date(2026, 11, 20)


def cases(book, names):
    councils = {c: book.procedures(c) for c in book.councils}
    return [case_from_record(json.loads((EXAMPLES / n).read_text()), n, councils) for n in names]


@pytest.fixture
def counted(monkeypatch):
    """Counts of ledger connections opened, fsyncs of folders and of files, and SHA-256 hashes."""
    counts = {"connections": 0, "folder_fsyncs": 0, "file_fsyncs": 0, "hashes": 0}
    real_connect, real_fsync, real_sha = sqlite3.connect, os.fsync, hashlib.sha256

    def connect(*args, **kwargs):
        counts["connections"] += 1
        return real_connect(*args, **kwargs)

    def fsync(fd):
        counts["folder_fsyncs" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file_fsyncs"] += 1
        return real_fsync(fd)

    def sha(*args):
        counts["hashes"] += 1
        return real_sha(*args)

    monkeypatch.setattr(ledger.sqlite3, "connect", connect)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(render.hashlib, "sha256", sha)
    return counts


def test_filing_letters_costs_one_connection_and_one_folder_fsync_each(tmp_path, book, counted):
    renderer = Renderer(ROOT / "templates")
    names = ["wcc-2026-0402.json", "twc-2026-0142.json", "hcc-2026-1104.json", "lbc-2026-0456.json"]
    for case in cases(book, names):  # warm: every template and rules file these letters use, hashed
        issue_due_letters(book, renderer, case, tmp_path / "warm", AS_OF)
    first, *rest = cases(book, names)
    issue_due_letters(book, renderer, first, tmp_path / "outbox", AS_OF)  # this outbox's ledger opened
    before = dict(counted)
    reports = [issue_due_letters(book, renderer, case, tmp_path / "outbox", AS_OF) for case in rest]
    filed = sum(len(r.issued) for r in reports)
    drafted = sum(len(r.drafted) for r in reports)  # held for sign-off: written in drafts/, no ledger letter row
    assert filed >= 2
    spent = {k: counted[k] - before[k] for k in counted}
    assert spent["connections"] == 0      # the worker's one connection, kept
    # Unchanged templates and rules are not hashed again: the only digests are each case's record
    # and each letter's text (sign-off: a draft is made again only when they change).
    assert spent["hashes"] == len(rest) + filed + drafted
    # Per letter: .docx, .pdf and .json each fsynced, their folder once, then the ledger's commit
    # (SQLite's own fsyncs of the WAL, not counted here: they go through its C library).
    assert spent["folder_fsyncs"] == filed + drafted
    # A letter to a representative whose complainant needs large print has two more: its copy's .docx and .pdf.
    copies = sum(1 for r in reports for f in [*r.issued, *r.drafted] if any(".copy." in p.name for p in f.paths))
    assert spent["file_fsyncs"] == 3 * (filed + drafted) + 2 * copies


def test_a_changed_template_is_hashed_again(tmp_path):
    path = tmp_path / "letter.html"
    path.write_text("one")
    first = sha256_file(path)
    assert sha256_file(path) == first == hashlib.sha256(b"one").hexdigest()
    path.write_text("two, longer")
    assert sha256_file(path) == hashlib.sha256(b"two, longer").hexdigest()


def test_a_ledger_replaced_under_a_worker_is_opened_again(tmp_path, book):
    renderer = Renderer(ROOT / "templates")
    case, = cases(book, ["hcc-2026-1104.json"])  # its stage 3 acknowledgement is issued (no sign-off)
    assert issue_due_letters(book, renderer, case, tmp_path, AS_OF).issued
    conn = ledger.shared(tmp_path)
    assert ledger.shared(tmp_path) is conn
    # Restored from an empty backup: the worker reads and writes the new file, not the old one.
    os.replace(tmp_path / "ledger.sqlite3", tmp_path / "old.sqlite3")
    for suffix in ("-wal", "-shm"):
        if (tmp_path / f"ledger.sqlite3{suffix}").exists():
            os.unlink(tmp_path / f"ledger.sqlite3{suffix}")
    sqlite3.connect(tmp_path / "ledger.sqlite3").close()
    assert ledger.shared(tmp_path) is not conn
    assert ledger.issued_for(tmp_path, case.case_id) == []


def test_a_forked_worker_opens_its_own_connection(tmp_path):
    parent = ledger.shared(tmp_path)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: must not touch the parent's connection
        try:
            child = ledger.shared(tmp_path)
            ok = child is not parent and parent in ledger._INHERITED
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert ledger.shared(tmp_path) is parent
    assert RULES.is_dir()


def test_files_written_together_land_in_order_or_not_at_all(tmp_path, monkeypatch):
    from correspondence.service import case_store

    folder = tmp_path / "case"
    written = []
    case_store.atomic_write_all([(folder / "a.docx", b"A"), (folder / "a.pdf", b"P"), (folder / "a.json", b"{}")], written)
    assert [p.name for p in written] == ["a.docx", "a.pdf", "a.json"]
    assert (folder / "a.pdf").read_bytes() == b"P" and oct((folder / "a.json").stat().st_mode & 0o777) == "0o600"

    # A failure before the renames (here the fsync) leaves no file and no temporary file behind.
    def failing(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", failing)
    written = []
    with pytest.raises(OSError):
        case_store.atomic_write_all([(folder / "b.docx", b"B"), (folder / "b.pdf", b"Q")], written)
    assert written == [] and sorted(p.name for p in folder.iterdir()) == ["a.docx", "a.json", "a.pdf"]
