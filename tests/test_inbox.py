"""The inbox service: letters process and letters watch, with real files, processes and signals."""

import json
import os
import shutil
import sqlite3
import subprocess
import time

import pytest
from conftest import (
    EXAMPLES,
    FOLDER_ARGS,
    LETTERS,
    ROOT,
    RULES,
    drafted,
    ledger,
    letter_files,
    letters,
    record,
    start_watch,
    stop,
    wait_for,
    without_copies,
    write,
)


def test_bad_records_are_quarantined_with_their_reason_and_good_ones_processed(dirs):
    inbox, outbox = dirs
    write(inbox / "good.json", record())
    write(inbox / "not-json.json", "{this is not json")
    write(inbox / "wrong-format.json", {**record(case_id="X-1"), "format": "complaint-case/9"})
    write(inbox / "unknown-council.json", {**record(case_id="X-2"), "council": "kent"})
    write(inbox / "unsafe-id.json", record(case_id="../../etc/passwd"))
    (inbox / "huge.json").write_bytes(b"{" + b" " * (5 * 1024 * 1024) + b"}")
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == "1 record processed, 5 rejected, 2 letters written."
    assert [p.name for p in inbox.glob("*.json")] == []
    assert sorted(p.name for p in (inbox / ".done").iterdir()) == ["good.json"]
    reasons = {p.name.removesuffix(".error.txt"): p.read_text() for p in (inbox / ".rejected").glob("*.error.txt")}
    assert set(reasons) == {"not-json.json", "wrong-format.json", "unknown-council.json", "unsafe-id.json", "huge.json"}
    assert "not-json.json: is not valid JSON (line 1, column 2" in reasons["not-json.json"]
    assert 'field format: expected "complaint-case/1", got "complaint-case/9".' in reasons["wrong-format.json"]
    assert 'field council: expected one of code-2024' in reasons["unknown-council.json"]
    assert "field case_id: expected 1 to 64 letters, digits" in reasons["unsafe-id.json"]
    assert "the record is larger than 5 MB" in reasons["huge.json"]
    assert all((inbox / ".rejected" / name).exists() for name in reasons)  # never lost
    assert [r[1] for r in ledger(outbox)] == ["acknowledgement", "consent-request"]
    assert not (outbox / "etc").exists()


def test_logs_name_files_and_cases_but_no_personal_details(dirs):
    inbox, outbox = dirs
    write(inbox / "a.json", record("twc-2026-0142.json"))
    log_file = outbox.parent / "letters.log"
    result = letters("process", "--as-of", "2026-11-20", "--log-file", str(log_file), inbox=inbox, outbox=outbox)
    logged = result.stderr + log_file.read_text()
    assert "accepted a.json as case TWC-2026-0142" in logged
    for private in ("Aisha", "Khan", "High Street", "aisha.khan@example.org", "Jo Bloggs", "Bins were missed"):
        assert private not in logged


def test_a_later_record_replaces_the_snapshot(dirs):
    inbox, outbox = dirs
    first = record("twc-2026-0142.json")
    write(inbox / "1.json", first)
    letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    later = record("twc-2026-0142.json")
    later["events"].append({"id": "e9", "type": "withdrawn", "date": "2026-11-21", "method": "email"})
    write(inbox / "2.json", later)
    letters("process", "--as-of", "2026-11-21", inbox=inbox, outbox=outbox)
    stored = json.loads((outbox / ".cases" / "TWC-2026-0142.json").read_text())
    assert stored["events"][-1]["id"] == "e9"
    assert ("TWC-2026-0142", "withdrawal-confirmation", 0, "e9") in ledger(outbox)


def test_claimed_records_and_half_filed_letters_are_recovered(dirs):
    inbox, outbox = dirs
    (inbox / ".work").mkdir()
    write(inbox / ".work" / "claimed.json", record())  # claimed by a run of an older version that was killed
    folder = outbox / "TWC-2026-0201"
    folder.mkdir(parents=True)
    (folder / ".tmp-abc.pdf").write_bytes(b"%PDF half")  # a half-written file, in a journaled letter's folder
    (folder / "2026-11-19_acknowledgement-s1_complaint.pdf").write_bytes(b"%PDF never recorded")
    (outbox / ".journal").mkdir()
    (outbox / ".journal" / "TWC-2026-0201~2026-11-19_acknowledgement-s1_complaint.json").write_text(json.dumps(
        {"case_id": "TWC-2026-0201", "stem": "2026-11-19_acknowledgement-s1_complaint",
         "files": [f"2026-11-19_acknowledgement-s1_complaint.{x}" for x in ("docx", "pdf", "json")]}))
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    names = [p.name for p in letter_files(outbox)]
    assert ".tmp-abc.pdf" not in names and "2026-11-19_acknowledgement-s1_complaint.pdf" not in names
    assert len(names) == 6 and len(ledger(outbox)) == 2
    assert not list((inbox / ".work").rglob("*.json"))
    assert not list((outbox / ".journal").iterdir())


def test_recovery_never_removes_a_letter_it_did_not_journal(dirs):
    inbox, outbox = dirs
    folder = outbox / "OTHER-1"
    folder.mkdir(parents=True)
    (folder / "2026-11-19_acknowledgement-s1_complaint.pdf").write_bytes(b"%PDF filed by hand")
    (folder / ".tmp-abc.pdf").write_bytes(b"%PDF someone else's fresh temp file")
    write(inbox / "a.json", record())
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert (folder / "2026-11-19_acknowledgement-s1_complaint.pdf").read_bytes() == b"%PDF filed by hand"
    assert (folder / ".tmp-abc.pdf").exists()


def test_a_lost_or_older_ledger_never_reissues_or_deletes_a_letter(dirs):
    inbox, outbox = dirs
    write(inbox / "a.json", record())
    assert letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox).returncode == 0
    before = {p.name: p.read_bytes() for p in letter_files(outbox)}
    rows = ledger(outbox)
    assert len(before) == 6 and len(rows) == 2
    # lost: the next start rebuilds it from the manifests, and nothing is issued again
    for name in ("ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (outbox / name).unlink(missing_ok=True)
    write(inbox / "b.json", record())
    result = letters("process", "--as-of", "2026-11-21", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 record processed, 0 rejected, 0 letters written."
    assert {p.name: p.read_bytes() for p in letter_files(outbox)} == before
    assert ledger(outbox) == rows
    # older: a ledger restored from a backup taken before the letters; still nothing re-issued
    with sqlite3.connect(outbox / "ledger.sqlite3") as conn:
        conn.execute("DELETE FROM letters")
    write(inbox / "c.json", record())
    result = letters("process", "--as-of", "2026-11-22", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.read_bytes() for p in letter_files(outbox)} == before
    assert ledger(outbox) == rows
    # and the command puts back what a restored ledger lacks
    with sqlite3.connect(outbox / "ledger.sqlite3") as conn:
        conn.execute("DELETE FROM letters")
    result = letters("ledger", "rebuild", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert "2 letters added from the manifests" in result.stdout
    assert ledger(outbox) == rows


def test_the_service_refuses_an_inbox_inside_the_outbox_and_the_reverse(tmp_path):
    outbox = tmp_path / "outbox"
    inbox = outbox / "inbox"
    inbox.mkdir(parents=True)
    write(inbox / "waiting.json", record())
    for args in (dict(inbox=inbox, outbox=outbox), dict(inbox=tmp_path, outbox=tmp_path / "out")):
        result = letters("process", "--as-of", "2026-11-20", **args)
        assert result.returncode == 3
        assert result.stderr.strip().endswith("must be separate folders, neither inside the other; the service will not start.")
        assert "Traceback" not in result.stderr
    assert (inbox / "waiting.json").exists()


def test_a_render_and_a_process_at_once_never_duplicate(dirs):
    inbox, outbox = dirs
    write(inbox / "a.json", record())
    cmd_render = [*LETTERS, "render", "--case-file", str(EXAMPLES / "twc-2026-0201.json"), "--as-of", "2026-11-20",
                  *FOLDER_ARGS, "--outbox", str(outbox)]
    cmd_process = [*LETTERS, "process", "--as-of", "2026-11-20", *FOLDER_ARGS, "--inbox", str(inbox), "--outbox", str(outbox)]
    procs = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in (cmd_render, cmd_process)]
    for p in procs:
        p.communicate(timeout=300)
    assert len(ledger(outbox)) == 2
    assert len(letter_files(outbox)) == 6


# --------------------------------------------------------------------------- the watcher

@pytest.mark.parametrize("polling", [False, True])
def test_watch_takes_records_however_producers_write_them(dirs, polling):
    inbox, outbox = dirs
    write(inbox / "already-there.json", record("hcc-2026-1120.json"))  # processed at start
    proc = start_watch(inbox, outbox, *(["--polling"] if polling else []))
    try:
        # 1. a direct write in chunks, with a pause mid-file
        text = json.dumps(record("twc-2026-0201.json"))
        with open(inbox / "chunked.json", "w") as handle:
            handle.write(text[:200])
            handle.flush()
            time.sleep(1.0)
            handle.write(text[200:])
        # 2. a temp file, then a rename
        write(inbox / "incoming.json.part", record("wcc-2026-0355.json"))
        os.rename(inbox / "incoming.json.part", inbox / "renamed.json")
        # 3. a copy
        shutil.copy(EXAMPLES / "lbc-2026-0470.json", inbox / "copied.json")
        # ignored: hidden files and temp files stay where they are
        write(inbox / ".hidden.json", record("smbc-2026-0090.json"))
        write(inbox / "partial.tmp", "{")
        os.symlink(EXAMPLES / "smbc-2026-0077.json", inbox / "link.json")  # links are not records
        # never completes: rejected after --give-up
        write(inbox / "truncated.json", text[:100])
        expected = {"HCC-2026-1120", "TWC-2026-0201", "WCC-2026-0355", "LBC-2026-0470"}
        # issued, or drafted and held for sign-off (HCC-2026-1120 and LBC-2026-0470: refusals)
        assert wait_for(lambda: {r[0] for r in ledger(outbox) + drafted(outbox)} >= expected)
        assert wait_for(lambda: (inbox / ".rejected" / "truncated.json").exists())
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [".hidden.json", "link.json", "partial.tmp"]
    assert "SMBC-2026-0077" not in {r[0] for r in ledger(outbox)}
    assert sorted(p.name for p in (inbox / ".done").iterdir()) == ["already-there.json", "chunked.json", "copied.json", "renamed.json"]
    assert "received SIGTERM" in err and "stopped" in err


def test_kill_9_mid_batch_then_restart_gives_every_letter_exactly_once(dirs):
    inbox, outbox = dirs
    sources = sorted(EXAMPLES.glob("*.json"))
    batch = []
    for i in range(24):
        data = record(sources[i % len(sources)].name, case_id=f"K-{i:03d}")
        batch.append(write(inbox / f"r{i:03d}.json", data))
    proc = start_watch(inbox, outbox, "--workers", "2")
    assert wait_for(lambda: len(ledger(outbox)) >= 3, timeout=180)
    proc.kill()  # SIGKILL mid-batch
    proc.wait(timeout=30)
    first_run = len(ledger(outbox))

    proc = start_watch(inbox, outbox, "--workers", "2")
    try:
        assert wait_for(lambda: not list(inbox.glob("*.json")) and not list((inbox / ".work").glob("*.json")), timeout=300)
        assert wait_for(lambda: len(list((inbox / ".done").iterdir())) == 24, timeout=300)
    finally:
        code, _ = stop(proc)
    assert code == 0
    rows = ledger(outbox)
    assert len(rows) == len(set(rows)) > first_run
    files = without_copies(letter_files(outbox))
    assert not [p for p in files if p.name.startswith(".tmp-")]
    stems = {(p.parent.name, p.name.rsplit(".", 1)[0]) for p in files}
    assert len(files) == 3 * len(stems) == 3 * len(rows)  # each letter once: .docx, .pdf, .json
    # each letter held for sign-off drafted once, and only its draft's three files in drafts/
    held = drafted(outbox)
    assert held and len(held) == len(set(held))
    draft_files = without_copies(sorted(p for p in outbox.glob("*/drafts/*") if p.is_file()))
    assert len(draft_files) == 3 * len(held) and not [p for p in draft_files if p.name.startswith(".tmp-")]
    # every letter the records need is there, issued or awaiting sign-off: nothing else remains due
    for i in range(24):
        out = letters("due", f"K-{i:03d}", "--as-of", time.strftime("%Y-%m-%d"), "--json", inbox=inbox, outbox=outbox)
        data = json.loads(out.stdout)
        assert all(x["status"] in ("issued", "draft") for x in data["letters"]) or not data["letters"], data


def test_snapshots_are_kept_together_and_one_that_cannot_be_kept_fails_alone(dirs, monkeypatch):
    """The batch's snapshots are saved with one sync; when that fails (a disk filling up), each is
    saved on its own, and only the record whose snapshot cannot be kept waits for a retry."""
    import errno
    from datetime import date

    from correspondence.engine.rules import load_rulebook
    from correspondence.service import case_store
    from correspondence.service.inbox import process_inbox

    inbox, outbox = dirs
    write(inbox / "a.json", record("twc-2026-0142.json"))
    write(inbox / "b.json", record("twc-2026-0201.json"))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    real_save = case_store.save

    def save(outbox_dir, case_id, data):
        if case_id == "TWC-2026-0142":
            full()
        return real_save(outbox_dir, case_id, data)

    monkeypatch.setattr(case_store, "atomic_write_all", full)
    monkeypatch.setattr(case_store, "save", save)
    report = process_inbox(load_rulebook(RULES)[0], RULES, ROOT / "templates", inbox, outbox, date(2026, 11, 20),
                           workers=1)
    assert report.waiting == ["a.json"] and report.accepted == ["b.json"]
    assert list((inbox / ".work").glob("*/a.json"))  # still claimed, for the next run
    assert (inbox / ".done" / "b.json").exists()
    assert not (outbox / ".cases" / "TWC-2026-0142.json").exists()
    assert [row[0] for row in ledger(outbox)] == ["TWC-2026-0201"] * len(ledger(outbox)) and ledger(outbox)
