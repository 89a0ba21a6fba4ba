"""The due index (service/due_index.py): what each stored case has due, kept beside the case store,
always agrees with working every record out afresh: after a record is accepted, a letter issued
(by this service or any program writing the ledger), a new day, a rules or template change, and
whatever happens to the index file itself. A read with nothing changed works nothing out."""

import json
import shutil
import sqlite3
from datetime import date

import pytest
from conftest import EXAMPLES, RULES, invoke

from correspondence.engine.rules import load_rulebook
from correspondence.service import case_store, due_index, ledger

CASE = "TWC-2026-0201"  # Telford & Wrekin, received Mon 16 Nov 2026 by email, nothing issued yet


@pytest.fixture
def stored(tmp_path):
    outbox = tmp_path / "outbox"
    assert invoke("store", *map(str, sorted(EXAMPLES.glob("*.json"))), outbox=outbox).exit_code == 0
    return outbox


def new_process(outbox):
    """What another process would find: nothing kept in memory, only the index file."""
    due_index._forget_connection(outbox)
    for kept in (due_index._MEMO, due_index._LAST, due_index._FOLDERS, due_index._LEDGERS):
        kept.clear()


def agrees(outbox, book, as_of):
    """The index's diary and each case's entry are what a full determination of every record gives,
    read in this process (what it keeps) and in a new one (from the index file)."""
    full, problems = case_store.diary(book, outbox, as_of)
    for fresh in (False, True, False):
        if fresh:
            new_process(outbox)
        diary = due_index.diary_entries(book, outbox, as_of)
        assert [(d.case_id, d.council, [x.to_json() for x in d.letters]) for d in diary.results] == \
            [(d.case_id, d.council, [x.to_json() for x in d.pending]) for d in full]
        assert diary.problems == problems
        for d in full:
            entry = due_index.case_entry(outbox, d.case_id, book=book, as_of=as_of)
            assert entry.determination.to_json() == d.to_json()
            assert [(x.issued_on, x.ombudsman_required) for x in entry.determination.letters] == \
                [(x.issued_on, x.ombudsman_required) for x in d.letters]
    return diary


def letter(diary_or_entry, name):
    letters = diary_or_entry.determination.letters
    return next(x for x in letters if x.letter == name)


def deadline(entry, kind):
    return next(d.date for d in entry.determination.deadlines if d.kind == kind)


def test_after_records_are_accepted_the_index_agrees_and_a_second_read_works_nothing_out(stored, book, worked_out):
    as_of = date(2026, 11, 20)
    agrees(stored, book, as_of)
    assert due_index.index_path(stored).is_file()
    worked_out.clear()
    new_process(stored)  # a command run later: it reads the index file
    diary = due_index.diary_entries(book, stored, as_of)
    assert worked_out == [] and len(diary.results) == len(list(EXAMPLES.glob("*.json")))
    entry = due_index.case_entry(stored, CASE, book=book, as_of=as_of)
    assert worked_out == []
    # Received Mon 16 Nov; acknowledged within 2 working days: Tue 17 (1), Wed 18 (2).
    assert letter(entry, "acknowledgement").due == date(2026, 11, 18)
    assert letter(entry, "acknowledgement").status == "overdue"


def test_the_stored_records_stay_byte_for_byte_as_they_came(stored, book):
    before = {p.name: p.read_bytes() for p in (stored / ".cases").iterdir() if p.suffix in (".json", ".valid")}
    due_index.diary_entries(book, stored, date(2026, 11, 20))
    after = {p.name: p.read_bytes() for p in (stored / ".cases").iterdir() if p.suffix in (".json", ".valid")}
    assert after == before


def test_a_letter_issued_is_counted_again_for_its_case_only(stored, book, worked_out):
    as_of = date(2026, 11, 20)
    ledger.connect(stored).close()  # a ledger made (a new ledger counts every case again)
    agrees(stored, book, as_of)
    worked_out.clear()
    conn = ledger.connect(stored)
    ledger.record(conn, CASE, "acknowledgement", 1, "complaint", date(2026, 11, 17), "email", "stem")
    conn.close()
    diary = agrees(stored, book, as_of)
    assert set(worked_out) == {CASE}
    assert ("acknowledgement", CASE) not in {(x.letter, d.case_id) for d in diary.results for x in d.letters}
    entry = due_index.case_entry(stored, CASE, book=book, as_of=as_of)
    assert letter(entry, "acknowledgement").status == "issued"
    # The response runs 10 working days from the acknowledgement as sent (Tue 17 Nov): Wed 18 (1),
    # Thu 19, Fri 20, Mon 23, Tue 24, Wed 25, Thu 26, Fri 27, Mon 30 (9), Tue 1 Dec (10); it was
    # Wed 2 Dec while the acknowledgement was only due (on Wed 18 Nov).
    assert deadline(entry, "response") == date(2026, 12, 1)


def test_a_letter_written_into_the_ledger_by_another_program_is_seen(stored, book, worked_out):
    as_of = date(2026, 11, 20)
    ledger.connect(stored).close()  # the ledger as this version makes it
    agrees(stored, book, as_of)
    raw = sqlite3.connect(ledger.ledger_path(stored))
    raw.execute("INSERT INTO letters VALUES (?, 'acknowledgement', 1, 'complaint', '2026-11-17', 'email', 's', 'x')",
                (CASE,))
    raw.commit()
    raw.close()
    worked_out.clear()
    agrees(stored, book, as_of)
    assert set(worked_out) == {CASE}


def test_a_new_day_counts_every_case_again(stored, book, worked_out):
    agrees(stored, book, date(2026, 11, 18))
    entry = due_index.case_entry(stored, CASE, book=book, as_of=date(2026, 11, 18))
    assert letter(entry, "acknowledgement").status == "due"  # due Wed 18 Nov, today
    worked_out.clear()
    agrees(stored, book, date(2026, 11, 19))
    assert len(set(worked_out)) == len(list(EXAMPLES.glob("*.json")))
    entry = due_index.case_entry(stored, CASE, book=book, as_of=date(2026, 11, 19))
    assert letter(entry, "acknowledgement").status == "overdue"


def test_a_rules_change_counts_every_case_again(stored, tmp_path, worked_out):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    as_of = date(2026, 11, 18)
    agrees(stored, load_rulebook(rules)[0], as_of)
    path = rules / "telford-wrekin.toml"
    text = path.read_text()
    assert 'acknowledgement = { wd = 2, from = "received"' in text
    path.write_text(text.replace('acknowledgement = { wd = 2, from = "received"',
                                 'acknowledgement = { wd = 3, from = "received"', 1))
    book = load_rulebook(rules)[0]
    worked_out.clear()
    agrees(stored, book, as_of)
    assert len(set(worked_out)) == len(list(EXAMPLES.glob("*.json")))
    # Now 3 working days from Mon 16 Nov: Tue 17 (1), Wed 18 (2), Thu 19 (3).
    entry = due_index.case_entry(stored, CASE, book=book, as_of=as_of)
    assert letter(entry, "acknowledgement").due == date(2026, 11, 19)


def test_a_template_change_counts_every_case_again(stored, book, tmp_path, worked_out):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "letter.css").write_text("body { font-family: Arial; }\n")
    as_of = date(2026, 11, 20)
    due_index.diary_entries(book, stored, as_of, templates)
    worked_out.clear()
    due_index.diary_entries(book, stored, as_of, templates)
    assert worked_out == []
    (templates / "letter.css").write_text("body { font-family: Arial; font-size: 12pt; }\n")
    due_index.diary_entries(book, stored, as_of, templates)
    assert len(set(worked_out)) == len(list(EXAMPLES.glob("*.json")))


def test_a_newer_record_for_a_case_is_counted_again(stored, book, tmp_path, worked_out):
    as_of = date(2026, 11, 20)
    agrees(stored, book, as_of)
    record = json.loads((EXAMPLES / "twc-2026-0201.json").read_text())
    record["events"] = [{"id": "e1", "type": "withdrawn", "date": "2026-11-17", "method": "email"}]
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(record))
    assert invoke("store", str(path), outbox=stored).exit_code == 0
    worked_out.clear()
    agrees(stored, book, as_of)
    assert set(worked_out) == {CASE}
    entry = due_index.case_entry(stored, CASE, book=book, as_of=as_of)
    assert "acknowledgement" not in [x.letter for x in entry.determination.letters if x.status != "issued"]


def test_a_snapshot_edited_in_place_by_hand_is_counted_again(stored, book, monkeypatch):
    """Outside the store's way of writing (every save is a rename into the folder): a command sees
    it at once, a running server when it next looks at every stamp (RESCAN_SECONDS)."""
    as_of = date(2026, 11, 20)
    agrees(stored, book, as_of)
    monkeypatch.setattr(due_index, "RACY_SECONDS", -1.0)  # the folder's stamp trusted at once
    due_index.diary_entries(book, stored, as_of)
    path = case_store.stored_path(stored, CASE)
    record = json.loads(path.read_text())
    record["complaint"]["received"] = "20 November 2026"
    with open(path, "r+b") as handle:  # the same file (the same inode), new bytes
        handle.truncate(0)
        handle.write(json.dumps(record).encode())
    assert due_index.diary_entries(book, stored, as_of).problems == []  # not looked at yet
    monkeypatch.setattr(due_index, "RESCAN_SECONDS", 0.0)
    diary = agrees(stored, book, as_of)
    assert f"{path}: field complaint.received: expected a date written YYYY-MM-DD" in "\n".join(diary.problems)
    assert CASE not in [d.case_id for d in diary.results]


def test_a_case_removed_from_the_store_leaves_the_diary(stored, book):
    as_of = date(2026, 11, 20)
    agrees(stored, book, as_of)
    case_store.stored_path(stored, CASE).unlink()
    diary = agrees(stored, book, as_of)
    assert CASE not in [d.case_id for d in diary.results]
    assert due_index.case_entry(stored, CASE, book=book, as_of=as_of) is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "deleted", "wrong rows"])
def test_a_damaged_or_deleted_index_is_made_again_and_never_believed(stored, book, damage):
    as_of = date(2026, 11, 20)
    agrees(stored, book, as_of)
    new_process(stored)
    path = due_index.index_path(stored)
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif damage == "deleted":
        path.unlink()
    else:  # rows saying a case has nothing due, with inputs that no longer match
        conn = sqlite3.connect(path)
        conn.execute("DELETE FROM letters WHERE case_id = ?", (CASE,))
        conn.execute("UPDATE cases SET snapshot = 'x' WHERE case_id = ?", (CASE,))
        conn.commit()
        conn.close()
    for leftover in ("-wal", "-shm"):
        (path.parent / f"{path.name}{leftover}").unlink(missing_ok=True)
    agrees(stored, book, as_of)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM cases").fetchone()[0] == len(list(EXAMPLES.glob("*.json")))


def test_an_index_that_cannot_be_opened_leaves_the_diary_worked_out_from_the_records(stored, book):
    new_process(stored)
    due_index.index_path(stored).mkdir(parents=True)  # where the file should be: SQLite cannot open it
    agrees(stored, book, date(2026, 11, 20))


def test_refresh_works_a_case_out_at_once_or_drops_its_row(stored, book, worked_out):
    as_of = date(2026, 11, 20)
    agrees(stored, book, as_of)
    worked_out.clear()
    due_index.refresh(stored, CASE)  # no rules at hand: the row is dropped, worked out when read
    due_index.diary_entries(book, stored, as_of)
    assert worked_out == [CASE]
    worked_out.clear()
    due_index.refresh(stored, CASE, book=book, as_of=date(2026, 11, 21))
    assert worked_out == [CASE]
    due_index.refresh(stored, "../escape")  # not a case id: nothing read, nothing written
    assert worked_out == [CASE]


def test_letters_due_all_reads_the_index_and_prints_what_it_printed(stored, worked_out):
    first = invoke("due", "--all", "--as-of", "2026-11-20", outbox=stored)
    assert first.exit_code == 0
    worked_out.clear()
    new_process(stored)
    again = invoke("due", "--all", "--as-of", "2026-11-20", outbox=stored)
    as_json = invoke("due", "--all", "--json", "--as-of", "2026-11-20", outbox=stored)
    assert worked_out == [] and again.output == first.output
    cases = len(list(EXAMPLES.glob("*.json")))
    assert first.output.splitlines()[0] == f"Letters not yet issued across {cases} cases, as of Fri 20 Nov 2026"
    assert "  OVERDUE  Wed 18 Nov 2026  TWC-2026-0201   telford-wrekin  acknowledgement          1      complaint" \
        in first.output.splitlines()
    rows = json.loads(as_json.output)["letters"]
    assert {"case_id": CASE, "council": "telford-wrekin", "letter": "acknowledgement", "stage": 1,
            "trigger": "complaint", "due": "2026-11-18", "status": "overdue"} in rows


def test_a_superseded_letter_is_kept_for_the_case_page_and_left_out_of_the_diary():
    from correspondence.engine.due import Determination, Letter

    letters = (Letter("acknowledgement", 1, "complaint", date(2026, 11, 18), "superseded"),
               Letter("extension", 1, "e1", date(2026, 11, 19), "issued", date(2026, 11, 19)),
               Letter("outcome", 1, "e2", date(2026, 11, 30), "due", None, True))
    entry = due_index.Entry(CASE, f"{CASE}.json", Determination(CASE, "telford-wrekin", date(2026, 11, 20), letters,
                                                                 (), (), None), ())
    _, rows = due_index._row(entry, (f"{CASE}.json", "s", "0", "i"))
    assert [(r[3], r[2]) for r in rows] == [("acknowledgement", 0), ("extension", 0), ("outcome", 1)]
    assert [due_index._letter_from(*r[3:]) for r in rows] == list(letters)


def test_each_entry_carries_the_names_and_service_area_the_diary_page_searches(stored, book):
    diary = due_index.diary_entries(book, stored, date(2026, 11, 20))
    new_process(stored)
    again = due_index.diary_entries(book, stored, date(2026, 11, 20))
    record = json.loads((EXAMPLES / "twc-2026-0201.json").read_text())
    complainant = record["complainant"]
    expected = {"service_area": record.get("service_area", ""),
                "name": " ".join(complainant[k] for k in ("title", "given_name", "family_name") if complainant.get(k)),
                "representative": record["representative"]["name"]}
    for read in (diary, again):
        assert next(e for e in read.entries if e.case_id == CASE).about == expected


def test_a_ledger_table_whose_case_id_may_be_empty_still_takes_rows(tmp_path):
    """The triggers that count each case's changes watch every ledger table naming a case; a row
    naming none (an account's change in the audit) is kept, and counted in all only."""
    conn = ledger.connect(tmp_path)
    conn.execute("CREATE TABLE notes (case_id TEXT, what TEXT NOT NULL)")
    conn.close()
    conn = ledger.connect(tmp_path)  # the next writer adds the new table's triggers
    conn.execute("INSERT INTO notes VALUES (NULL, 'an account added')")
    conn.execute("INSERT INTO notes VALUES (?, 'a letter returned')", (CASE,))
    assert dict(conn.execute("SELECT case_id, n FROM case_changes").fetchall()) == {"": 2, CASE: 1}
    conn.close()


def test_threads_reading_while_letters_are_issued_all_get_whole_answers(stored, book):
    """A threaded server: readers and a writer at once; no reader fails or sees half a diary."""
    import threading

    as_of = date(2026, 11, 20)
    ledger.connect(stored).close()
    cases = len(list(EXAMPLES.glob("*.json")))
    errors, sizes = [], []

    def read():
        try:
            for _ in range(15):
                sizes.append(len(due_index.diary_entries(book, stored, as_of).results))
                due_index.case_entry(stored, CASE, book=book, as_of=as_of)
        except Exception as exc:  # reported below
            errors.append(exc)

    def issue():
        conn = ledger.connect(stored)
        for n in range(10):
            ledger.record(conn, CASE, "acknowledgement", 1, f"t{n}", as_of, "email", "stem")
        conn.close()

    threads = [threading.Thread(target=read) for _ in range(4)] + [threading.Thread(target=issue)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and set(sizes) == {cases}
    agrees(stored, book, as_of)
