"""A rejected update is never unseen (docs/rules.md#a-rejected-update-is-never-unseen): a record
for a case already stored that is rejected leaves the stored record as it was, and `letters due
--all` (text and JSON) lists the case with the rejected file, when it arrived and the report's
first sentence, until a later record for the case is accepted."""

import json
import os
from datetime import datetime

from conftest import invoke, letters, record, write

from correspondence.service import case_store

CASE = "TWC-2026-0201"  # received Mon 16 Nov 2026, no events
ARRIVED = datetime(2026, 12, 3, 9, 12)


def bad_update() -> dict:
    """The same case with a stage 2 extension, though it never left stage 1: refused by the engine."""
    rec = record()
    rec["events"] = [{"id": "x2", "type": "extension", "date": "2026-11-20", "stage": 2, "reason": "More time."}]
    return rec


def drop(inbox, name, data):
    path = write(inbox / name, data)
    os.utime(path, (ARRIVED.timestamp(), ARRIVED.timestamp()))
    return path


def test_a_rejected_update_stays_in_the_diary_until_a_later_record_is_accepted(dirs):
    inbox, outbox = dirs
    stored = json.dumps(record()).encode()
    case_store.save(outbox, CASE, stored)
    drop(inbox, "update-1.json", bad_update())
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 1, result.stderr
    assert case_store.stored_path(outbox, CASE).read_bytes() == stored  # the snapshot stays as it was
    sentence = ("update-1.json: field events[0].stage: expected stage 1, the stage the complaint is at on "
                "20 November 2026; got stage 2.")
    assert sentence in (inbox / ".rejected" / "update-1.json.error.txt").read_text()
    noted = {"case_id": CASE, "file": "update-1.json", "arrived": "2026-12-03T09:12:00", "report": sentence}
    assert case_store.rejected_update(outbox, CASE) == noted
    assert case_store.rejected_updates(outbox) == [noted]

    diary = invoke("due", "--all", "--as-of", "2026-11-20", "--json", outbox=outbox)
    assert diary.exit_code == 0, diary.output
    assert json.loads(diary.output)["rejected_updates"] == [noted]
    text = invoke("due", "--all", "--as-of", "2026-11-20", outbox=outbox).output
    assert (f"{CASE}: its latest record, update-1.json (arrived 3 December 2026 at 09:12), was rejected, so its "
            f"letters still follow the record stored before it. The report says: {sentence}") in text

    # A later record for the case is accepted: the rejection is no longer news.
    drop(inbox, "update-2.json", record())
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 0, result.stderr
    assert case_store.rejected_update(outbox, CASE) is None
    assert json.loads(invoke("due", "--all", "--as-of", "2026-11-20", "--json", outbox=outbox).output)[
        "rejected_updates"] == []
    assert "was rejected" not in invoke("due", "--all", "--as-of", "2026-11-20", outbox=outbox).output


def test_a_rejected_record_of_a_case_not_stored_or_without_a_readable_id_is_not_noted(dirs):
    inbox, outbox = dirs
    case_store.save(outbox, "KEPT-1", json.dumps(record(case_id="KEPT-1")).encode())
    drop(inbox, "new-case.json", {**bad_update(), "case_id": "NEW-1"})      # never stored
    drop(inbox, "bad-id.json", {**bad_update(), "case_id": "../KEPT-1"})     # not a well-formed case id
    drop(inbox, "not-json.json", '{"case_id": "KEPT-1", ')                  # not readable
    result = letters("process", "--as-of", "2026-11-20", inbox=inbox, outbox=outbox)
    assert result.returncode == 1
    assert case_store.rejected_updates(outbox) == []
    assert not (outbox / "NEW-1").exists()


def test_a_superseded_letter_is_listed_for_its_case_and_left_out_of_the_diary(tmp_path):
    # Telford, received Mon 16 Nov; the case system sent its outcome itself on Tue 17 Nov before
    # any acknowledgement went (due 2 WD after receipt: 17, Wed 18 Nov).
    rec = record()
    rec["events"] = [{"id": "o1", "type": "letter_issued", "date": "2026-11-17", "letter": "outcome", "stage": 1}]
    path = write(tmp_path / "r.json", rec)
    outbox = tmp_path / "outbox"
    assert invoke("store", str(path), outbox=outbox).exit_code == 0
    one = json.loads(invoke("due", CASE, "--as-of", "2026-11-20", "--json", outbox=outbox).output)
    assert {"letter": "acknowledgement", "stage": 1, "trigger": "complaint", "due": "2026-11-18",
            "status": "superseded"} in one["letters"]
    assert ("The stage 1 acknowledgement (due 18 November 2026) is superseded and not sent: the stage 1 outcome was "
            "issued on 17 November 2026.") in one["notes"]
    diary = json.loads(invoke("due", "--all", "--as-of", "2026-11-20", "--json", outbox=outbox).output)
    assert [x["letter"] for x in diary["letters"] if x["case_id"] == CASE] == ["consent-request"]  # not the ack
