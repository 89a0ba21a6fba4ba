"""The inbox service under what case systems really send: odd names, FIFOs, two passes
at once, a full disk, a corrupt ledger, umasks, killed services, renamed files, retries."""

import json
import os
import resource
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    EXAMPLES,
    FOLDER_ARGS,
    LETTERS,
    ROOT,
    ledger,
    letter_files,
    letters,
    read_only,
    record,
    start_watch,
    stop,
    wait_for,
    write,
)

from correspondence.service.inbox import Claims, place, short_name, shown
from correspondence.service.workers import Pool


def done_and_rejected(inbox):
    done = sorted(p.name for p in (inbox / ".done").iterdir())
    rejected = sorted(p.name for p in (inbox / ".rejected").iterdir())
    return done, rejected


# --------------------------------------------------------------------------- names

def test_odd_file_names_are_processed_and_logged_escaped(dirs):
    inbox, outbox = dirs
    long_name = "a" * 245 + ".json"  # 250 characters: "<name>.error.txt" would not fit in 255 bytes
    write(inbox / long_name, "[" * 1000 + "]" * 1000)
    (inbox / os.fsdecode(b"r\xe9clamation.json")).write_text(json.dumps(record()))  # Latin-1, from a Windows share
    forged = "x.json\n2026-11-20 10:00:00,000 INFO accepted forged.json as case FAKE-1\ny.json"
    write(inbox / forged, "{not json")
    log_file = outbox.parent / "letters.log"
    result = letters("process", "--as-of", "2026-11-20", "--log-file", str(log_file), inbox=inbox, outbox=outbox)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == "1 record processed, 2 rejected, 2 letters written."
    logged = log_file.read_text()
    assert "accepted r\\xe9clamation.json as case TWC-2026-0201" in logged
    assert "rejected x.json\\n2026-11-20 10:00:00,000 INFO accepted forged.json as case FAKE-1\\ny.json" in logged
    assert not [line for line in logged.splitlines() if line.startswith("2026-11-20 10:00:00")]  # no forged line
    done, rejected = done_and_rejected(inbox)
    assert done == [os.fsdecode(b"r\xe9clamation.json")]
    reports = [name for name in rejected if name.endswith(".error.txt")]
    assert len(reports) == 2 and all(len(os.fsencode(n)) <= 255 for n in rejected)
    short = short_name(long_name)
    assert short in rejected and short + ".error.txt" in rejected
    assert " deep" in (inbox / ".rejected" / (short + ".error.txt")).read_text()  # refused for its nesting
    assert list(inbox.iterdir()) == [inbox / ".work", inbox / ".done", inbox / ".rejected"] or \
        sorted(p.name for p in inbox.iterdir()) == [".done", ".rejected", ".work"]


def test_shown_escapes_what_could_forge_or_hide_a_log_line():
    assert shown("a\nb.json") == "a\\nb.json"
    assert shown("\u202egnp.json") == "\\u202egnp.json"
    assert shown(os.fsdecode(b"caf\xe9.json")) == "caf\\xe9.json"
    assert shown("café.json") == "café.json"


def test_the_same_name_twice_within_a_second_never_overwrites(dirs):
    inbox, outbox = dirs
    for _ in range(3):  # the same file name dropped three times, processed within one second
        write(inbox / "same.json", "{broken")
        write(inbox / "ok.json", record())
        result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
        assert result.returncode == 1, result.stderr
    done, rejected = done_and_rejected(inbox)
    assert done == ["ok.1.json", "ok.2.json", "ok.json"]
    assert rejected == ["same.1.json", "same.1.json.error.txt", "same.2.json", "same.2.json.error.txt",
                        "same.json", "same.json.error.txt"]


def test_place_never_replaces_a_file(tmp_path):
    folder = tmp_path / "to"
    folder.mkdir()
    for i in range(3):
        src = tmp_path / f"src{i}"
        src.write_text(str(i))
        place(src, folder, "r.json")
    assert {p.name: p.read_text() for p in folder.iterdir()} == {"r.json": "0", "r.1.json": "1", "r.2.json": "2"}


# --------------------------------------------------------------------------- bounded work

def test_a_fifo_renamed_over_a_claimed_record_is_rejected_not_waited_on(dirs, monkeypatch):
    from correspondence.service import inbox as inbox_module

    inbox, outbox = dirs
    write(inbox / "a.json", record())
    original = Claims.take

    def take_then_swap(self, path):  # the claim succeeds, then someone renames a FIFO over the record
        claimed = original(self, path)
        fifo = inbox / "fifo"
        os.mkfifo(fifo)
        os.rename(fifo, claimed)
        return claimed

    monkeypatch.setattr(Claims, "take", take_then_swap)
    from datetime import date

    from conftest import RULES

    from correspondence.engine.rules import load_rulebook
    book = load_rulebook(RULES)[0]
    report = inbox_module.process_inbox(book, RULES, ROOT / "templates", inbox, outbox, date(2026, 11, 20),
                                        workers=1, time_limit=60)
    assert report.rejected == ["a.json"] and report.accepted == []
    text = (inbox / ".rejected" / "a.json.error.txt").read_text()
    assert "a.json: is not a regular file; expected a complaint-case/1 JSON record file." in text
    assert stat.S_ISFIFO(os.lstat(inbox / ".rejected" / "a.json").st_mode)


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


def _die():
    os._exit(7)


def _boom():
    raise RecursionError("deep")


def test_a_worker_that_overruns_its_time_or_dies_fails_its_task_alone():
    with Pool(2, time_limit=3) as pool:
        outcomes = pool.map(_sleep, [(0.1,), (60,), (0.2,)])
        assert [o.status for o in outcomes] == ["ok", "timeout", "ok"]
        assert outcomes[1].detail == "3 seconds"
        outcomes = pool.map(_die, [()]) + pool.map(_boom, [()]) + pool.map(_sleep, [(0,)])
        assert [(o.status, o.detail) for o in outcomes] == [("died", "exit 7"), ("error", "RecursionError"), ("ok", "")]
    # workers that cannot even start are the service's failure, not a record's
    from correspondence.service.workers import WorkerStartError
    with Pool(1, time_limit=30, initializer=_die) as pool, pytest.raises(WorkerStartError):
        pool.map(_sleep, [(0,)])


def test_the_snapshot_is_replaced_only_by_an_accepted_record(dirs):
    inbox, outbox = dirs
    good = record("twc-2026-0142.json")
    write(inbox / "1.json", good)
    assert letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox).returncode == 0
    snapshot = (outbox / ".cases" / "TWC-2026-0142.json").read_bytes()
    refused = record("twc-2026-0142.json")  # valid to the schema, refused by the engine: no such stage
    refused["events"].append({"id": "x9", "type": "escalated", "date": "2026-11-21", "to_stage": 7})
    write(inbox / "2.json", refused)
    result = letters("process", "--as-of", "2026-11-21", inbox=inbox, outbox=outbox)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (outbox / ".cases" / "TWC-2026-0142.json").read_bytes() == snapshot
    assert "events[" in (inbox / ".rejected" / "2.json.error.txt").read_text()


# --------------------------------------------------------------------------- concurrency

def test_two_passes_at_once_never_take_each_others_claims(dirs):
    inbox, outbox = dirs
    sources = sorted(EXAMPLES.glob("*.json"))
    for i in range(12):
        write(inbox / f"r{i:02d}.json", record(sources[i % len(sources)].name, case_id=f"C-{i:02d}"))
    cmd = [*LETTERS, "process", "--as-of", "2026-11-20", "--workers", "1", *FOLDER_ARGS, "--inbox", str(inbox),
           "--outbox", str(outbox)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode in (0, 1), err
        assert "Traceback" not in err and "interrupted" not in err
    done, rejected = done_and_rejected(inbox)
    assert done == sorted(f"r{i:02d}.json" for i in range(12))
    processed = sum(int(out.split(" record")[0]) for out, _ in outs)
    assert processed == 12  # each record taken by exactly one pass
    rows = ledger(outbox)
    assert len(rows) == len(set(rows))
    assert len(letter_files(outbox)) == 3 * len(rows)


def test_a_live_claim_is_never_adopted_and_a_dead_one_is(tmp_path):
    work = tmp_path / ".work"
    work.mkdir()
    live = Claims(work)
    (live.folder / "mine.json").write_text("{}")
    # a claim folder whose service died: its lock file is there but nobody holds it
    dead = work / "999-dead"
    dead.mkdir()
    (work / "999-dead.lock").write_text("")
    (dead / "theirs.json").write_text("{}")
    other = Claims(work)
    assert other.adopt() == 1
    assert [p.name for p in other.held()] == ["theirs.json"]
    assert [p.name for p in live.held()] == ["mine.json"]
    assert not dead.exists()
    live.release()
    other.release()


def test_the_ledger_switch_to_wal_waits_for_a_busy_ledger(tmp_path):
    from correspondence.service import ledger as ledger_module

    path = tmp_path / "ledger.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the file while this one opens it
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from correspondence.service import ledger; "
                             "ledger.connect(sys.argv[1]).close(); print('ok')", str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    holder.execute("COMMIT")
    holder.close()
    out, err = proc.communicate(timeout=60)
    assert out.strip() == "ok", err
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger_module.BUSY_TIMEOUT_MS >= 5000


# --------------------------------------------------------------------------- service failures: exit 3

def _limit_file_size(size):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    return apply


def started_before_the_disk_filled(inbox, outbox) -> None:
    """The outbox as a service that ran before its disk filled leaves it: the ledger and the
    case store made (a pass over an empty inbox), so what fails on the full disk is the letters."""
    assert letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox).returncode == 0


def test_a_full_disk_is_one_sentence_and_exit_3_and_the_records_wait(dirs):
    inbox, outbox = dirs
    started_before_the_disk_filled(inbox, outbox)
    write(inbox / "a.json", record())
    cmd = [*LETTERS, "process", "--as-of", "2026-11-20", *FOLDER_ARGS, "--inbox", str(inbox), "--outbox", str(outbox)]
    # writes past 34 KB fail with EFBIG, as they would with ENOSPC on a full disk
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            preexec_fn=_limit_file_size(34 * 1024))
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("The service could not finish: ") and last.endswith("stay claimed in "
                                                                                f"{inbox / '.work'} for the next run.")
    assert list((inbox / ".work").rglob("a.json"))
    assert not (inbox / ".rejected").exists() or not list((inbox / ".rejected").iterdir())
    # room again: the next run takes the record up and issues its letters once
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (inbox / ".done").iterdir()] == ["a.json"]
    rows = ledger(outbox)
    assert len(rows) == 2 and len(letter_files(outbox)) == 6


def test_a_corrupt_ledger_is_one_sentence_and_exit_3(dirs):
    inbox, outbox = dirs
    outbox.mkdir()
    (outbox / "ledger.sqlite3").write_bytes(b"this is not a database " * 200)
    write(inbox / "a.json", record())
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 3
    assert result.stderr.strip() == (f"{outbox / 'ledger.sqlite3'}: the ledger cannot be read (file is not a database); "
                                     f"run 'letters ledger rebuild' to rebuild it from the letters' manifests.")
    assert (inbox / "a.json").exists()  # untouched
    result = letters("ledger", "rebuild", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert list(outbox.glob("ledger.sqlite3.unreadable-*"))
    assert letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox).returncode == 0


def test_a_read_only_outbox_is_one_sentence_and_exit_3(dirs):
    inbox, outbox = dirs
    outbox.mkdir()
    write(inbox / "a.json", record())
    with read_only(outbox):
        result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_files_are_0600_and_folders_0700_whatever_the_umask(dirs):
    inbox, outbox = dirs
    write(inbox / "a.json", record())
    write(inbox / "b.json", "{broken")
    os.chmod(inbox / "a.json", 0o600)
    os.chmod(inbox / "b.json", 0o600)
    log_file = inbox.parent / "letters.log"
    cmd = [*LETTERS, "process", "--as-of", "2026-11-20", "--log-file", str(log_file), *FOLDER_ARGS, "--inbox", str(inbox),
           "--outbox", str(outbox)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(0))
    assert result.returncode == 1, result.stderr
    made = [log_file, *outbox.rglob("*"), *(inbox / ".done").rglob("*"), *(inbox / ".rejected").rglob("*"),
            inbox / ".work", inbox / ".done", inbox / ".rejected", outbox]
    modes = {str(p): oct(stat.S_IMODE(p.lstat().st_mode)) for p in made}
    wrong = {p: m for p, m in modes.items() if m != ("0o700" if Path(p).is_dir() else "0o600")}
    assert not wrong
    assert any(p.endswith("ledger.sqlite3") for p in modes) and any(p.endswith(".error.txt") for p in modes)


# --------------------------------------------------------------------------- the watcher

def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_die_with_the_service_even_on_sigkill(dirs):
    inbox, outbox = dirs
    for i in range(3):
        write(inbox / f"r{i}.json", record(case_id=f"W-{i}"))
    proc = start_watch(inbox, outbox, "--workers", "2")
    try:
        assert wait_for(lambda: len(_children(proc.pid)) >= 1, timeout=120)
        assert wait_for(lambda: len(ledger(outbox)) >= 1, timeout=180)
        workers = _children(proc.pid)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert workers
    assert wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=10)


def test_a_renamed_file_is_read_at_once_and_one_written_in_place_waits_to_settle(dirs, tmp_path):
    inbox, outbox = dirs
    proc = subprocess.Popen([*LETTERS, "watch", *FOLDER_ARGS, "--inbox", str(inbox), "--outbox", str(outbox),
                             "--settle", "60", "--give-up", "600"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)  # the service is up and watching
        write(inbox / "in-place.json", record("hcc-2026-1120.json"))
        staged = write(tmp_path / "staged.json", record())
        os.rename(staged, inbox / "renamed.json")  # arrives by rename from another folder
        assert wait_for(lambda: (inbox / ".done" / "renamed.json").exists(), timeout=50)
        assert (inbox / "in-place.json").exists()  # still settling
    finally:
        code, err = stop(proc)
    assert code == 0, err


def test_records_left_by_a_full_disk_are_retried_without_a_new_record(dirs):
    inbox, outbox = dirs
    started_before_the_disk_filled(inbox, outbox)
    log_file = inbox.parent / "letters.log"
    proc = subprocess.Popen([*LETTERS, "watch", *FOLDER_ARGS, "--inbox", str(inbox), "--outbox", str(outbox),
                             "--settle", "0.3", "--workers", "1", "--log-file", str(log_file)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_limit_file_size(34 * 1024))
    try:
        time.sleep(3)
        staged = write(inbox.parent / "staged.json", record())
        os.rename(staged, inbox / "a.json")
        # it fails, and is retried, while the disk is "full"
        assert wait_for(lambda: log_file.read_text().count("wait for a retry") >= 2, timeout=180)
        assert list((inbox / ".work").rglob("a.json")) and not (inbox / ".done" / "a.json").exists()
        for pid in {proc.pid, *_children(proc.pid)}:  # room again
            hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)[1]
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))
        assert wait_for(lambda: (inbox / ".done" / "a.json").exists(), timeout=180)
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "wait for a retry" in err
    assert len(ledger(outbox)) == 2 and len(letter_files(outbox)) == 6


# --------------------------------------------------------------------------- record text never blocks a letter

def test_record_text_that_looks_like_template_syntax_never_blocks_a_letter(dirs):
    inbox, outbox = dirs
    data = record()
    data["complainant"]["address"] = ["Flat {{2}}, {% None %} House", "Street \u0634\u06a9\u0627\u06cc\u062a",
                                      "Telford", "TF1 1AA"]
    data["complainant"]["family_name"] = "None"
    write(inbox / "a.json", data)
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 record processed, 0 rejected, 2 letters written."
    assert not (outbox / "TWC-2026-0201" / "failed").exists()
    manifest = json.loads(next((outbox / "TWC-2026-0201").glob("*acknowledgement*.json")).read_text())
    assert manifest["from_record"]["pdf"]["{{"] >= 1
    check = letters("check", inbox=inbox, outbox=outbox)
    assert check.returncode == 0, check.stdout + check.stderr


def test_template_leftovers_still_fail_when_the_record_holds_the_same_marks():
    from correspondence.letters.content_check import check_texts, from_record

    manifest = {"letter": "outcome", "stage": 1, "trigger": "e7", "required_content": []}
    text = "Dear Ms {{2}} Khan, your complaint {{ leftover }} about None"
    manifest["from_record"] = {"pdf": from_record(text, ["{{2}}", "Bins"])}
    problems = [f.item for f in check_texts(manifest, {"pdf": text}, {"pdf": "x.pdf"}, [])]
    assert problems == ["leftover template syntax '{{'", "leftover template syntax '}}'",
                        "the word 'None' where a value should be"]


def test_a_letter_failing_its_checks_is_shown_in_the_diary_and_retried_once_fixed(dirs, tmp_path):
    import shutil

    inbox, outbox = dirs
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    page = templates / "html" / "acknowledgement.html"
    good = page.read_text()
    page.write_text(good.replace("{% endblock %}", "<p>{{ '{{' }} broken</p>\n{% endblock %}"))
    old = time.time() - 10
    os.utime(page, (old, old))
    folders = ["--rules", str(ROOT / "rules"), "--templates", str(templates), "--inbox", str(inbox), "--outbox", str(outbox)]
    proc = subprocess.Popen([*LETTERS, "watch", *folders, "--settle", "0.3", "--rescan", "1", "--workers", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        write(inbox / "a.json", record())
        def report():
            return list((outbox / "TWC-2026-0201" / "failed").glob("*acknowledgement*.report.txt"))

        assert wait_for(report, timeout=120)
        assert wait_for(lambda: (inbox / ".done" / "a.json").exists(), timeout=60)
        diary = subprocess.run([*LETTERS, "due", "--all", *folders], cwd=ROOT, capture_output=True, text=True)
        line = f"TWC-2026-0201: the acknowledgement stage 1 letter (complaint) failed its checks and was not issued; " \
               f"see {report()[0]}."
        assert line in diary.stdout, diary.stdout
        assert ("TWC-2026-0201", "acknowledgement", 1, "complaint") not in ledger(outbox)
        page.write_text(good)  # the template is fixed: the service issues the letter without a new record
        assert wait_for(lambda: ("TWC-2026-0201", "acknowledgement", 1, "complaint") in ledger(outbox), timeout=120)
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "rendering again 1 case(s) whose letters failed their checks" in err


# --------------------------------------------------------------------------- poison pills

def test_poison_pills_fail_alone_and_the_records_around_them_go_on(dirs):
    inbox, outbox = dirs
    write(inbox / "0-good.json", record("twc-2026-0142.json"))
    pills = {
        "nested.json": "[" * 1000 + "]" * 1000,
        "surrogate.json": json.dumps(record(case_id="P-1")).replace('"Ms"', '"\\ud800"'),
        "float-months.json": {**record(case_id="P-2"), "events": [
            {"id": "e1", "type": "extended", "date": "2026-11-05", "duration_months": 6.0}]},
        "float-stage.json": {**record(case_id="P-3"), "events": [
            {"id": "e1", "type": "escalated", "date": "2026-11-05", "to_stage": 2.0}]},
        "nul-event.json": {**record(case_id="P-4"), "events": [
            {"id": "e\u00001", "type": "withdrawn", "date": "2026-11-05", "method": "email"}]},
        "ledger-id.json": record(case_id="ledger.sqlite3"),
        "huge-number.json": json.dumps(record(case_id="P-5"))[:-1] + ', "x": ' + "9" * 4301 + "}",
        "dotdot-event.json": {**record(case_id="P-6"), "events": [
            {"id": "../../TWC-2026-0142/x", "type": "withdrawn", "date": "2026-11-05", "method": "email"}]},
    }
    for name, data in pills.items():
        write(inbox / name, data)
    write(inbox / "z-good.json", record("hcc-2026-1120.json"))
    assert letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox).returncode == 1
    snapshot_before = (outbox / ".cases" / "TWC-2026-0142.json").read_bytes()
    # then a second run, as after a restart: nothing is stuck, nothing crashes
    write(inbox / "again.json", record("lbc-2026-0470.json"))
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    done, rejected = done_and_rejected(inbox)
    assert {"0-good.json", "again.json", "z-good.json"} <= set(done)
    reports = [n.removesuffix(".error.txt") for n in rejected if n.endswith(".error.txt")]
    # every pill is rejected with one report, or (where the format allows it) accepted harmlessly
    for name in pills:
        assert name in reports or name in done, name
    assert set(reports) >= {"nested.json", "ledger-id.json", "huge-number.json", "dotdot-event.json", "nul-event.json"}
    assert not list((inbox / ".work").rglob("*.json"))
    assert (outbox / ".cases" / "TWC-2026-0142.json").read_bytes() == snapshot_before
    assert (outbox / "ledger.sqlite3").is_file() and not (outbox / ".cases" / "ledger.sqlite3.json").exists()
    assert {p.parent.name for p in letter_files(outbox)} <= {"TWC-2026-0142", "HCC-2026-1120", "LBC-2026-0470",
                                                             "P-1", "P-2", "P-3"}
    assert not list(outbox.parent.glob("*/x.*")) and not (outbox.parent / "TWC-2026-0142").exists()


def test_no_letter_path_leaves_its_folder(tmp_path):
    from datetime import date

    from correspondence.service.outbox import Filing, UnsafePath, file_letter, inside

    for bad in ("../../x", "a/../../b", "/etc/passwd", "e\x001"):
        filing = Filing("C-1", "withdrawal-confirmation", None, bad, date(2026, 11, 20), "email",
                        f"2026-11-20_withdrawal-confirmation_{bad}")
        with pytest.raises(UnsafePath):
            file_letter(tmp_path, filing, {"pdf": b"%PDF"}, {})
    with pytest.raises(UnsafePath):
        file_letter(tmp_path, Filing("..", "outcome", 1, "e1", date(2026, 11, 20), "email", "s"), {"pdf": b"x"}, {})
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) in ([], ["ledger.sqlite3"],
                                                                           ["ledger.sqlite3", "ledger.sqlite3-shm", "ledger.sqlite3-wal"])
    assert inside(tmp_path / "C-1", tmp_path / "C-1" / "ok.pdf")


def test_the_watcher_never_reads_a_file_over_5_mb(tmp_path, monkeypatch):
    import builtins

    from correspondence.service import watcher

    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(30 * 1024 * 1024)  # 30 MB (sparse)
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    assert watcher.looks_complete(big) is True  # "complete": handed over, to be rejected unread
    assert opened == []
    small = tmp_path / "small.json"
    small.write_text('{"a": "}", "b": [1, {"c": "\\"{"}]}')
    assert watcher.looks_complete(small) is True
    small.write_text('{"a": "}", "b": [1, {"c": "\\"{"}]')
    assert watcher.looks_complete(small) is False
    small.write_text('{"a": "unterminated }')
    assert watcher.looks_complete(small) is False


def test_one_pool_serves_the_whole_life_of_watch(dirs, tmp_path):
    inbox, outbox = dirs
    proc = start_watch(inbox, outbox, "--workers", "1")
    try:
        for i, name in enumerate(("twc-2026-0201.json", "hcc-2026-1120.json", "wcc-2026-0355.json")):
            staged = write(tmp_path / f"s{i}.json", record(name))
            os.rename(staged, inbox / f"r{i}.json")
            assert wait_for(lambda: (inbox / ".done" / f"r{i}.json").exists(), timeout=180)
            workers = _children(proc.pid)
            if i == 0:
                first = workers
            assert workers == first and first  # the same warm worker, not a new pool per batch
    finally:
        code, err = stop(proc)
    assert code == 0, err


def test_a_corrupt_ledger_is_exit_3_for_every_command_that_reads_it(dirs):
    inbox, outbox = dirs
    write(inbox / "a.json", record())
    assert letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox).returncode == 0
    for name in ("ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (outbox / name).unlink(missing_ok=True)
    (outbox / "ledger.sqlite3").write_bytes(b"this is not a database " * 200)
    for args in (("due", "--all"), ("due", "TWC-2026-0201"), ("render", "TWC-2026-0201")):
        result = letters(*args, "--as-of", "2026-11-21", inbox=inbox, outbox=outbox)
        assert result.returncode == 3, (args, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "ledger" in result.stderr
