"""Sign-off (sign-off.md): the letters a person decides are drafted and held, never posted, until a
manager signs them off; approving, returning, drafting again, and the refusals; safe under faults."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT, RULES, ev, make

from correspondence.cli import cli
from correspondence.engine.rules import load_rulebook
from correspondence.letters.content_check import flat, pdf_text
from correspondence.letters.render import Renderer
from correspondence.reporting.report import Period, SignedOff, build_report
from correspondence.service import ledger, signoff
from correspondence.service.outbox import recover

TEMPLATES = ROOT / "templates"
TODAY = date.today().isoformat()


def invoke(*args, outbox, inbox=None):
    extra = ["--inbox", str(inbox)] if inbox else []
    return CliRunner().invoke(cli, [*args, "--rules", str(RULES), "--templates", str(TEMPLATES), "--outbox", str(outbox),
                                    *extra])


def render(record, outbox, as_of="2026-11-20"):
    return invoke("render", "--case-file", str(record), "--as-of", as_of, outbox=outbox)


def write(tmp_path, rec, name="record.json"):
    path = tmp_path / name
    path.write_text(json.dumps(rec))
    return path


def drafts_of(outbox, case_id):
    return sorted(p.name for p in (outbox / case_id / "drafts").glob("*.json"))


def hold(outbox, case_id, stem, code):
    manifest = json.loads((outbox / case_id / "drafts" / f"{stem}.json").read_text())
    assert manifest["status"] == "draft"
    return next(h["sentence"] for h in manifest["holds"] if h["code"] == code)


def letters_rows(outbox):
    with sqlite3.connect(outbox / "ledger.sqlite3") as conn:
        return conn.execute("SELECT case_id, letter, stage, trigger, letter_date, stem FROM letters "
                            "ORDER BY case_id, letter").fetchall()


def signoff_events(outbox, case_id):
    with sqlite3.connect(outbox / "ledger.sqlite3") as conn:
        return conn.execute("SELECT event, stem, holds FROM signoff WHERE case_id = ? ORDER BY id", (case_id,)).fetchall()


# --------------------------------------------------------------------------- the rules key

def test_every_council_inherits_or_sets_its_sign_off_list(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    luton = rules / "luton.toml"
    text = luton.read_text()
    assert '    "sign_off.letters",\n' in text
    luton.write_text(text.replace('    "sign_off.letters",\n', ""))
    _, problems = load_rulebook(rules, strict=False)
    assert f"{luton}: sign_off.letters: no value; set it with a citation, or list it under inherited." in problems
    # Its own list, citing who decided it and when: valid for this key only.
    luton.write_text(text.replace('    "sign_off.letters",\n', "") + '\n[sign_off]\nletters = { value = ["outcome"], '
                     'cite = "council practice, Head of Customer Services, 2026-11-02" }\n')
    book, problems = load_rulebook(rules, strict=False)
    assert problems == []
    assert book.policy_for("luton").value("sign_off.letters") == ["outcome"]
    hampshire = rules / "hampshire.toml"
    text = hampshire.read_text()
    start = text.index('cite = "', text.index("\nteam = ")) + len('cite = "')
    hampshire.write_text(text[:start] + "council practice, Head of Customer Services, 2026-11-02" +
                         text[text.index('"', start):])
    _, problems = load_rulebook(rules, strict=False)
    assert problems == [f'{hampshire}: council.team: the citation "council practice, Head of Customer Services, '
                        f'2026-11-02" names no policy file, Code paragraph or spec file.']


def test_the_service_default_is_cited_in_code_2024(book):
    policy = book.policy_for("telford-wrekin")
    assert policy.value("sign_off.letters") == ["outcome", "escalation-refusal", "not-accepted", "restriction-notice",
                                               "restriction-review", "behaviour-warning", "discontinuation"]
    assert policy.cite("sign_off.letters") == "service default (sign-off)"


# --------------------------------------------------------------------------- holds

def test_an_outcome_is_drafted_in_drafts_never_where_a_print_room_reads(tmp_path):
    result = render(EXAMPLES / "twc-2026-0142.json", tmp_path)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "TWC-2026-0142"
    stem = "2026-11-20_outcome-s1_e7"
    assert not list(folder.glob("*outcome*"))  # a print step reading outbox/<case_id>/ never sees it
    # with Ms Khan's large-print copy, drafted beside the letter to Cllr Bloggs (letters.md, Copies to the complainant)
    assert sorted(p.name for p in (folder / "drafts").iterdir()) == [
        f"{stem}.copy.docx", f"{stem}.copy.pdf", f"{stem}.docx", f"{stem}.json", f"{stem}.pdf"]
    assert hold(tmp_path, "TWC-2026-0142", stem, "kind") == (
        "Telford & Wrekin Council signs off every outcome letter before it goes: read this one, then approve it as "
        "it stands or return it with your reason.")
    assert ("TWC-2026-0142", "outcome") not in [r[:2] for r in letters_rows(tmp_path)]
    assert signoff_events(tmp_path, "TWC-2026-0142") == [("drafted", stem, "kind")]
    # Rendering again, or on a later day, drafts nothing twice.
    assert render(EXAMPLES / "twc-2026-0142.json", tmp_path, "2026-11-23").exit_code == 0
    assert signoff_events(tmp_path, "TWC-2026-0142") == [("drafted", stem, "kind")]
    # A lost ledger rebuilt from the manifests never takes a draft for a letter issued.
    os.unlink(tmp_path / "ledger.sqlite3")
    ledger.rebuild(tmp_path)
    assert ("TWC-2026-0142", "outcome") not in [r[:2] for r in letters_rows(tmp_path)]


def test_a_drafted_outcome_supersedes_nothing(book, tmp_path):
    # Telford: received Mon 2 Nov, decision Tue 3 Nov before any acknowledgement. The outcome is held
    # for sign-off, so the acknowledgement still goes (an outcome issued in the run would supersede it).
    from correspondence.engine.case import case_from_record
    from correspondence.service.issuing import issue_due_letters
    rec = make(events=[ev("d1", "decision", "2026-11-03", stage=1, outcome="upheld",
                          findings=[{"point": "p", "finding": "The bins were missed."}], remedies=[],
                          outstanding_actions=[])])
    case = case_from_record(rec, "record.json", {c: book.procedures(c) for c in book.councils})
    report = issue_due_letters(book, Renderer(TEMPLATES), case, tmp_path, date(2026, 11, 3))
    assert [(f.letter.letter, f.stem) for f in report.issued] == [("acknowledgement", "2026-11-03_acknowledgement-s1_complaint")]
    assert [(f.letter.letter, f.stem) for f in report.drafted] == [("outcome", "2026-11-03_outcome-s1_d1")]


def test_a_late_escalation_request_is_held_with_how_late_and_the_complainants_reasons(tmp_path):
    assert render(EXAMPLES / "wcc-2026-0310.json", tmp_path).exit_code == 0
    # Stage 1 outcome sent Fri 18 Sep 2026 second class, deemed received the 3rd working day after:
    # Wed 23 Sep. Warwickshire's window is 20 WD from then: 24-25 Sep (2), 28 Sep-2 Oct (7),
    # 5-9 Oct (12), 12-16 Oct (17), 19-21 Oct (20): closed Wed 21 Oct. Request Thu 22 Oct: 1 WD late.
    assert hold(tmp_path, "WCC-2026-0310", "2026-11-20_escalation-refusal-s2_e4", "late-request") == (
        "The request to escalate to stage 2 (e4) came on 22 October 2026, 1 working day after the escalation window "
        "closed on 21 October 2026. The complainant's reasons for the request: \u201cThe pothole has got worse\u201d. "
        "To accept it instead, record a time_limit_waived event in the case system (this letter is then no longer "
        "due); to refuse it, approve this letter.")
    assert signoff_events(tmp_path, "WCC-2026-0310") == [("drafted", "2026-11-20_escalation-refusal-s2_e4",
                                                          "kind late-request")]


def test_a_complaint_out_of_time_is_held(tmp_path):
    assert render(EXAMPLES / "hcc-2026-1120.json", tmp_path).exit_code == 0
    # 12 months from 1 Sep 2025 ended Tue 1 Sep 2026; received Mon 2 Nov 2026: 2-30 Sep (21 WD),
    # October (22 WD), Mon 2 Nov (1): 44 working days late.
    assert hold(tmp_path, "HCC-2026-1120", "2026-11-20_not-accepted_complaint", "late-request").startswith(
        "The complaint was received on 2 November 2026, 44 working days after its time limit (12 months from "
        "1 September 2025) ended on 1 September 2026.")


def test_an_outcome_leaving_a_point_unanswered_is_held_naming_it(tmp_path):
    rec = make(complaint={"points": ["Bins missed on 2, 9 and 16 October", "Two phone calls not returned"]},
               events=[ev("e1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
                       ev("e2", "decision", "2026-11-16", stage=1, outcome="partly-upheld",
                          findings=[{"point": "1", "finding": "The collections were missed."}],
                          remedies=["An apology"], outstanding_actions=[])])
    assert render(write(tmp_path, rec), tmp_path / "outbox").exit_code == 0
    outbox = tmp_path / "outbox"
    assert hold(outbox, "T-1", "2026-11-20_outcome-s1_e2", "unanswered-points") == (
        "The stage 1 decision (e2) has no finding for complaint point 2, \u201cTwo phone calls not returned\u201d "
        "(of 2). Add a finding to the decision in the case system, or approve only if you are content that the "
        "letter answers every point as it stands.")
    # The ledger carries the code and the point's number, never its text.
    assert signoff_events(outbox, "T-1") == [("drafted", "2026-11-20_outcome-s1_e2", "kind unanswered-points:2")]


def test_an_extension_promising_a_date_already_past_is_held_and_approval_cannot_clear_it(tmp_path):
    outbox = tmp_path / "outbox"
    rec = make(events=[ev("e1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
                       ev("e2", "extension", "2026-11-10", stage=1, reason="We are waiting for the crew's reports.",
                          new_due="2026-11-27")])
    assert render(write(tmp_path, rec), outbox, "2026-12-01").exit_code == 0
    stem = "2026-12-01_extension-s1_e2"
    assert hold(outbox, "T-1", stem, "past-date") == (
        "The letter would give the new response date, 27 November 2026, as still to come, but it is already past on "
        "1 December 2026. Approval cannot clear this: record the extension again with a later new_due in the case "
        "system, and the letter is drafted again from the newer record.")
    refused = invoke("approve", "T-1", stem, "--by", "Alex", "--as-of", "2026-12-01", outbox=outbox)
    assert refused.exit_code == 1
    assert refused.output.startswith("T-1: approval cannot clear the past-date hold of the extension stage 1 letter (e2)")
    assert drafts_of(outbox, "T-1") == [f"{stem}.json"]  # left as it was
    # A newer record with a later date: the extension is issued, and the draft recorded as replaced.
    rec["events"][1]["new_due"] = "2026-12-18"
    assert render(write(tmp_path, rec), outbox, "2026-12-01").exit_code == 0
    assert (outbox / "T-1" / f"{stem}.pdf").is_file() and drafts_of(outbox, "T-1") == []
    assert [e[0] for e in signoff_events(outbox, "T-1")] == ["drafted", "replaced"]


def test_a_postal_letter_that_does_not_fit_the_window_is_held_and_approval_cannot_post_it(tmp_path):
    outbox = tmp_path / "outbox"
    rec = make(complainant={"address": ["TF1 1AA"], "email": None, "preferred_contact": "post"})
    rec["complainant"].pop("email")
    assert render(write(tmp_path, rec), outbox).exit_code == 0
    stem = "2026-11-20_acknowledgement-s1_complaint"
    sentence = hold(outbox, "T-1", stem, "layout")
    assert sentence.startswith("The letter is not fit to post: Page 1: the address window holds 2 lines; a postal "
                               "address needs 3 to 7.")
    assert not list((outbox / "T-1").glob("*.pdf"))
    refused = invoke("approve", "T-1", stem, "--by", "Alex", "--as-of", "2026-11-20", outbox=outbox)
    assert refused.exit_code == 1 and "approval cannot clear the layout hold" in refused.output
    check = invoke("check", outbox=outbox)  # a draft's known hold fails no check; it is named as a draft
    assert check.exit_code == 0, check.output
    assert (f"{outbox / 'T-1' / 'drafts' / stem}.json: acknowledgement stage 1 (complaint, a draft awaiting "
            f"sign-off): held for sign-off: layout") in check.output
    assert "(1 of them draft awaiting sign-off)" in check.output


# --------------------------------------------------------------------------- approve

def test_approval_makes_the_letter_again_dated_the_approval_day_and_files_it(tmp_path):
    outbox = tmp_path
    render(EXAMPLES / "twc-2026-0142.json", outbox)
    done = invoke("approve", "TWC-2026-0142", "2026-11-20_outcome-s1_e7", "--by", "Alex Manager", "--note",
                  "Read in full.", "--as-of", "2026-11-23", outbox=outbox)
    assert done.exit_code == 0, done.output
    folder = outbox / "TWC-2026-0142"
    stem = "2026-11-23_outcome-s1_e7"
    assert sorted(p.name for p in folder.glob("*outcome*")) == [  # issued with Ms Khan's large-print copy
        f"{stem}.copy.docx", f"{stem}.copy.pdf", f"{stem}.docx", f"{stem}.json", f"{stem}.pdf"]
    assert list((folder / "drafts").iterdir()) == []
    manifest = json.loads((folder / f"{stem}.json").read_text())
    assert manifest["letter_date"] == "2026-11-23" and manifest["signed_off_by"] == "Alex Manager"
    assert manifest["holds_cleared"] == ["kind"] and manifest["drafted_as"] == "2026-11-20_outcome-s1_e7"
    # Sent Mon 23 Nov first class, deemed received Tue 24 Nov; 20 WD: 25-27 Nov (3), 30 Nov-4 Dec (8),
    # 7-11 Dec (13), 14-18 Dec (18), 21-22 Dec (20): the window closes Tue 22 Dec 2026.
    assert "Please send the request by 22 December 2026." in flat(pdf_text((folder / f"{stem}.pdf").read_bytes()))
    assert ("TWC-2026-0142", "outcome", 1, "e7", "2026-11-23", stem) in letters_rows(outbox)
    shown = json.loads(invoke("ledger", "show", "TWC-2026-0142", "--json", outbox=outbox).output)
    issued = next(r for r in shown["letters"] if r["letter"] == "outcome")
    assert issued["stem"] == stem and issued["signed_off_by"] == "Alex Manager" and issued["signed_off_at"]
    events = [(r["event"], r["stem"], r["by"], r["holds"], r["note"], r["issued_stem"]) for r in shown["signoff"]]
    assert events == [("drafted", "2026-11-20_outcome-s1_e7", None, ["kind"], None, None),
                      ("approved", "2026-11-20_outcome-s1_e7", "Alex Manager", ["kind"], "Read in full.", stem)]
    text = invoke("ledger", "show", "TWC-2026-0142", outbox=outbox).output
    assert "approved" in text and "by Alex Manager; holds kind; issued as 2026-11-23_outcome-s1_e7; note: Read in full." in text
    due = json.loads(invoke("due", "TWC-2026-0142", "--as-of", "2026-11-23", "--json", outbox=outbox).output)
    assert [x["status"] for x in due["letters"]] == ["issued", "issued"]
    again = invoke("approve", "TWC-2026-0142", "2026-11-20_outcome-s1_e7", "--by", "Alex Manager", outbox=outbox)
    assert again.exit_code == 1
    assert again.output.strip() == ("TWC-2026-0142: no draft 2026-11-20_outcome-s1_e7 awaits sign-off (it was "
                                    "approved); 'letters drafts TWC-2026-0142' lists the drafts that do.")


@pytest.fixture
def drafted(tmp_path):
    render(EXAMPLES / "twc-2026-0142.json", tmp_path)
    return tmp_path, "TWC-2026-0142", "2026-11-20_outcome-s1_e7"


def test_approval_refusals_leave_the_draft_as_it_was(drafted, tmp_path):
    outbox, case_id, stem = drafted
    early = invoke("approve", case_id, stem, "--by", "Alex", "--as-of", "2026-11-19", outbox=outbox)
    assert early.exit_code == 2
    assert early.output.strip() == (f"--as-of 2026-11-19: expected a day from 2026-11-20, when the draft was made, "
                                    f"to today, {TODAY}.")
    assert invoke("approve", case_id, stem, "--by", "Alex", "--as-of", "2099-01-04", outbox=outbox).exit_code == 2
    missing = invoke("approve", case_id, "2026-11-20_outcome-s9_e9", "--by", "Alex", outbox=outbox)
    assert missing.exit_code == 1
    assert missing.output.strip() == (f"{case_id}: no draft 2026-11-20_outcome-s9_e9 awaits sign-off; 'letters "
                                      f"drafts {case_id}' lists the drafts that do.")
    # Where the web accounts exist, --by must name a manager or admin there.
    from correspondence.service import accounts
    accounts.add_user(outbox, "casey", "caseworker", "a long enough password 1")
    not_a_manager = invoke("approve", case_id, stem, "--by", "casey", "--as-of", "2026-11-20", outbox=outbox)
    assert not_a_manager.exit_code == 1
    assert not_a_manager.output.startswith("casey may not sign off letters:")
    assert drafts_of(outbox, case_id) == [f"{stem}.json"]
    assert ("TWC-2026-0142", "outcome") not in [r[:2] for r in letters_rows(outbox)]


def test_a_case_whose_latest_record_was_rejected_cannot_be_signed_off(drafted, tmp_path):
    outbox, case_id, stem = drafted
    inbox = tmp_path.parent / f"{tmp_path.name}-inbox"
    inbox.mkdir()
    bad = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    bad["complaint"]["received"] = "not a date"
    (inbox / "update.json").write_text(json.dumps(bad))
    assert invoke("process", "--workers", "1", outbox=outbox, inbox=inbox).exit_code == 1
    refused = invoke("approve", case_id, stem, "--by", "Alex", "--as-of", "2026-11-20", outbox=outbox)
    assert refused.exit_code == 1
    assert refused.output.strip() == (f"{case_id}: the latest record for this case (update.json) was rejected and no "
                                      f"accepted record has followed it; send a corrected record before signing off.")


def test_a_letter_no_longer_due_is_refused(drafted, tmp_path):
    outbox, case_id, stem = drafted
    rec = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    rec["events"].append(ev("e99", "letter_issued", "2026-11-19", letter="outcome", stage=1, trigger="e7"))
    # The snapshot changed by a path that drafts nothing itself (as a restore from a backup would)
    from correspondence.service import case_store
    case_store.save(outbox, case_id, json.dumps(rec).encode())
    refused = invoke("approve", case_id, stem, "--by", "Alex", "--as-of", "2026-11-20", outbox=outbox)
    assert refused.exit_code == 1
    assert refused.output.strip() == (f"{case_id}: the outcome stage 1 letter (e7) is no longer due on 2026-11-20 (it "
                                      f"is already issued); the draft is left as it was.")


@pytest.mark.parametrize("how", ["store", "process"])
def test_a_draft_the_newer_record_no_longer_needs_is_withdrawn(drafted, tmp_path, how):
    # The case system posted the stage 1 outcome itself (a letter_issued, sign-off.md): the draft
    # awaiting sign-off would be a second outcome, so it is recorded as replaced and its files go.
    outbox, case_id, stem = drafted
    rec = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    rec["events"].append(ev("e99", "letter_issued", "2026-11-19", letter="outcome", stage=1, trigger="e7"))
    if how == "store":
        done = invoke("store", str(write(tmp_path.parent, rec, f"{tmp_path.name}.json")), outbox=outbox)
    else:
        inbox = tmp_path.parent / f"{tmp_path.name}-inbox"
        inbox.mkdir()
        write(inbox, rec, "update.json")
        done = invoke("process", "--workers", "1", "--as-of", "2026-11-20", outbox=outbox, inbox=inbox)
    assert done.exit_code == 0, done.output
    assert drafts_of(outbox, case_id) == [] and not list((outbox / case_id / "drafts").iterdir())
    assert [e[:2] for e in signoff_events(outbox, case_id)] == [("drafted", stem), ("replaced", stem)]
    shown = json.loads(invoke("ledger", "show", case_id, "--json", outbox=outbox).output)["signoff"]
    assert shown[1]["note"] == "no longer due under the case's newer record"
    assert "TWC-2026-0142" not in invoke("drafts", outbox=outbox).output
    refused = invoke("approve", case_id, stem, "--by", "Alex", "--as-of", "2026-11-20", outbox=outbox)
    assert refused.exit_code == 1
    assert refused.output.strip() == (f"{case_id}: no draft {stem} awaits sign-off (the case's newer record no "
                                      f"longer needs it); 'letters drafts {case_id}' lists the drafts that do.")
    assert not (outbox / case_id / f"{stem}.pdf").exists()


def test_a_letter_that_would_differ_from_the_draft_is_refused_and_drafted_again(drafted, tmp_path):
    outbox, case_id, stem = drafted
    rec = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    decision = next(e for e in rec["events"] if e["id"] == "e7")
    decision["findings"][0]["finding"] = "On review, the collections were missed four times, not three."
    # The snapshot changed by a path that drafts nothing itself (as a restore from a backup would)
    from correspondence.service import case_store
    case_store.save(outbox, case_id, json.dumps(rec).encode())
    refused = invoke("approve", case_id, stem, "--by", "Alex", "--as-of", "2026-11-20", outbox=outbox)
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        f"{case_id}: the outcome stage 1 letter (e7) made again from the current record would differ from draft {stem} "
        f"in more than its dates, and a manager signs what they read; it is drafted again as {stem}~d2: read that "
        f"one, then approve it.")
    assert drafts_of(outbox, case_id) == [f"{stem}~d2.json"]
    assert [e[:2] for e in signoff_events(outbox, case_id)] == [("drafted", stem), ("replaced", stem),
                                                               ("drafted", f"{stem}~d2")]
    assert invoke("approve", case_id, f"{stem}~d2", "--by", "Alex", "--as-of", "2026-11-20", outbox=outbox).exit_code == 0
    assert (outbox / case_id / f"{stem}.pdf").is_file()


# --------------------------------------------------------------------------- return and re-draft

def test_a_newer_record_stored_drafts_again_what_it_changes(drafted, tmp_path):
    outbox, case_id, stem = drafted
    rec = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    next(e for e in rec["events"] if e["id"] == "e7")["findings"][0]["finding"] = "The crew missed the road twice."
    stored = invoke("store", str(write(tmp_path.parent, rec, f"{tmp_path.name}.json")), outbox=outbox)
    assert stored.exit_code == 0, stored.output
    again = f"{TODAY}_outcome-s1_e7"  # drafted again today, from the newer record
    assert stored.output.splitlines()[-1] == (f"{case_id}: drafted again as {again} from the newer record; 'letters "
                                             f"drafts {case_id}' shows it.")
    assert drafts_of(outbox, case_id) == [f"{again}.json"]
    assert [e[:2] for e in signoff_events(outbox, case_id)] == [("drafted", stem), ("replaced", stem), ("drafted", again)]
    shown = json.loads(invoke("ledger", "show", case_id, "--json", outbox=outbox).output)["signoff"]
    assert shown[1]["note"] == f"replaced by draft {again}"


def test_return_discards_the_draft_and_it_is_not_drafted_again_until_a_newer_record(tmp_path):
    outbox = tmp_path / "outbox"
    record = EXAMPLES / "lbc-2026-0470.json"
    render(record, outbox)
    stem = "2026-11-20_not-accepted_e1"
    done = invoke("return", "LBC-2026-0470", stem, "--by", "Sam Lead", "--reason", "The ground is wrong.", outbox=outbox)
    assert done.exit_code == 0, done.output
    assert not (outbox / "LBC-2026-0470" / "drafts" / f"{stem}.pdf").exists()
    due = json.loads(invoke("due", "LBC-2026-0470", "--as-of", "2026-11-20", "--json", outbox=outbox).output)
    returned = next(x for x in due["letters"] if x["letter"] == "not-accepted")
    assert returned["status"] == "returned" and returned["returned_by"] == "Sam Lead"
    assert returned["reason"] == "The ground is wrong." and returned["overdue"] is True  # due Wed 11 Nov
    assert [h["code"] for h in returned["holds"]] == ["kind"]
    diary = json.loads(invoke("due", "--all", "--as-of", "2026-11-20", "--json", outbox=outbox).output)
    assert [x["status"] for x in diary["letters"] if x["letter"] == "not-accepted"] == ["returned"]
    render(record, outbox)  # the same record: not drafted again
    assert drafts_of(outbox, "LBC-2026-0470") == ["2026-11-20_restriction-notice_e2.json"]
    rec = json.loads(record.read_text())
    rec["events"][0]["reasons"] = ["The matter is before the county court."]
    assert render(write(tmp_path, rec), outbox).exit_code == 0  # a newer record: drafted again
    assert f"{stem}~d2.json" in drafts_of(outbox, "LBC-2026-0470")
    events = [e[0] for e in signoff_events(outbox, "LBC-2026-0470") if "not-accepted" in e[1]]
    assert events == ["drafted", "returned", "drafted"]


def test_drafts_lists_what_awaits_sign_off_oldest_due_first(tmp_path):
    for name in ("twc-2026-0142.json", "wcc-2026-0310.json"):
        render(EXAMPLES / name, tmp_path)
    listed = json.loads(invoke("drafts", "--json", outbox=tmp_path).output)["drafts"]
    assert [(d["case_id"], d["letter"], d["due"], d["overdue"]) for d in listed] == [
        ("WCC-2026-0310", "escalation-refusal", "2026-11-05", True), ("TWC-2026-0142", "outcome", "2026-11-18", True)]
    assert listed[1]["pdf"] == str(tmp_path / "TWC-2026-0142" / "drafts" / "2026-11-20_outcome-s1_e7.pdf")
    text = invoke("drafts", "TWC-2026-0142", outbox=tmp_path).output
    assert "hold kind: Telford & Wrekin Council signs off every outcome letter" in text
    assert text.strip().endswith("1 draft awaiting sign-off.")


# --------------------------------------------------------------------------- the service

def test_process_summary_names_issued_letters_and_drafts_and_exits_0(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    for name in ("twc-2026-0142.json", "twc-2026-0201.json"):
        shutil.copy(EXAMPLES / name, inbox / name)
    result = CliRunner().invoke(cli, ["process", "--workers", "1", "--as-of", "2026-11-20", "--rules", str(RULES),
                                      "--templates", str(TEMPLATES), "--inbox", str(inbox), "--outbox", str(outbox)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2 records processed, 0 rejected, 2 letters written, 1 draft awaiting sign-off."
    assert f"  {outbox / 'TWC-2026-0201' / '2026-11-20_acknowledgement-s1_complaint'}.pdf" in lines
    assert lines[-1] == (f"  TWC-2026-0142: outcome stage 1 (e7), holds kind: "
                         f"{outbox / 'TWC-2026-0142' / 'drafts' / '2026-11-20_outcome-s1_e7'}.pdf")
    assert "case TWC-2026-0142: outcome stage 1 (e7) drafted, awaiting sign-off: holds kind" in result.stderr


def test_an_inbox_that_does_not_exist_is_a_usage_error_naming_it(tmp_path):
    for command in (["process"], ["watch"], ["store", str(EXAMPLES / "twc-2026-0142.json")]):
        result = invoke(*command, outbox=tmp_path / "outbox", inbox=tmp_path / "no-such-inbox")
        assert result.exit_code == 2, command
        assert result.output.strip() == (f"--inbox {tmp_path / 'no-such-inbox'}: the folder does not exist; give the "
                                         f"folder the case system drops its records in.")


# --------------------------------------------------------------------------- faults

def test_a_crash_between_the_letter_and_its_ledger_row_leaves_the_draft_and_no_issued_letter(drafted):
    outbox, case_id, stem = drafted
    crash = (
        "import os, sys\n"
        "from datetime import date\n"
        "from correspondence.engine.rules import load_rulebook\n"
        "from correspondence.letters.render import Renderer\n"
        "from correspondence.service import ledger, signoff\n"
        "real = ledger.record\n"
        "def record(*a, **k):\n"
        "    os._exit(9)  # the power goes: the letter's files are in place, its ledger row is not\n"
        "ledger.record = record\n"
        f"signoff.approve(load_rulebook({str(RULES)!r})[0], Renderer({str(TEMPLATES)!r}), {str(outbox)!r}, "
        f"{case_id!r}, {stem!r}, 'Alex', None, date(2026, 11, 20))\n")
    died = subprocess.run([sys.executable, "-c", crash], capture_output=True, timeout=300)
    assert died.returncode == 9, died.stderr
    assert (outbox / case_id / f"{stem}.pdf").exists()  # written, not yet recorded
    removed = recover(outbox)  # the next service start, or letters process
    assert outbox / case_id / f"{stem}.pdf" in removed
    assert not list((outbox / case_id).glob("*outcome*"))
    assert drafts_of(outbox, case_id) == [f"{stem}.json"]
    assert ("TWC-2026-0142", "outcome") not in [r[:2] for r in letters_rows(outbox)]
    assert [e[0] for e in signoff_events(outbox, case_id)] == ["drafted"]
    # An error (not a crash) at the same point takes the files away at once.
    book = load_rulebook(RULES)[0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ledger, "signoff_event", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
        with pytest.raises(OSError):
            signoff.approve(book, Renderer(TEMPLATES), outbox, case_id, stem, "Alex", None, date(2026, 11, 20))
    assert not list((outbox / case_id).glob("*outcome*")) and drafts_of(outbox, case_id) == [f"{stem}.json"]
    assert signoff.approve(book, Renderer(TEMPLATES), outbox, case_id, stem, "Alex", None, date(2026, 11, 20)).paths


def _approve_in_child(outbox, case_id, stem, start, results):
    book = load_rulebook(RULES)[0]
    renderer = Renderer(TEMPLATES)
    start.wait()
    try:
        signoff.approve(book, renderer, outbox, case_id, stem, f"manager {os.getpid()}", None, date(2026, 11, 20))
        results.put("issued")
    except signoff.SignOffRefused as exc:
        results.put(str(exc))


def test_two_approvals_at_once_issue_the_letter_once(drafted):
    outbox, case_id, stem = drafted
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    children = [ctx.Process(target=_approve_in_child, args=(outbox, case_id, stem, start, results)) for _ in range(2)]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(300)
    outcomes = sorted(results.get(timeout=5) for _ in children)
    assert outcomes[1] == "issued"
    assert outcomes[0].startswith(f"{case_id}: ")  # already issued, or the draft already gone
    assert [r[1] for r in letters_rows(outbox)].count("outcome") == 1
    assert [e[0] for e in signoff_events(outbox, case_id)] == ["drafted", "approved"]
    assert len(list((outbox / case_id).glob("*outcome*.pdf"))) == 2  # the letter and the complainant's copy, once


# --------------------------------------------------------------------------- the report

def test_the_report_counts_letters_signed_off_and_the_working_days_they_waited(book):
    from correspondence.engine.case import case_from_record
    councils = {c: book.procedures(c) for c in book.councils}
    case = case_from_record(json.loads((EXAMPLES / "twc-2026-0142.json").read_text()), "twc.json", councils)
    signed = {"TWC-2026-0142": [
        SignedOff("outcome", date(2026, 11, 20), date(2026, 11, 24)),  # Fri -> Tue: Mon 23, Tue 24 = 2 WD
        SignedOff("not-accepted", date(2026, 11, 20), date(2026, 11, 20)),  # the same day: 0 WD
        SignedOff("outcome", date(2026, 11, 20), date(2026, 11, 27)),  # Fri -> Fri: 5 WD
        SignedOff("outcome", date(2026, 9, 1), date(2026, 9, 30)),  # approved before the period: not counted
    ]}
    report = build_report(book, [(case, [])], Period(date(2026, 10, 1), date(2026, 12, 31)), signed_off=signed,
                          as_of=date(2026, 12, 31))
    figures = report.to_json()["councils"][0]["signed_off"]
    assert figures == {"letters": 3, "by_kind": {"not-accepted": 1, "outcome": 2},
                       "working_days_waited": {"mean": 2.3, "median": 2, "of": 3}}


def test_page_break_checks_name_the_page_never_the_text():
    from correspondence.letters.fit_to_post import Line, page_break_problems
    body = [Line(1, "Dear Ms Khan", (25, 100, 80, 104), 11.0), Line(1, "What we found", (25, 270, 80, 275), 14.0),
            Line(2, "Yours sincerely,", (25, 20, 60, 24), 11.0), Line(2, "Sam Patel", (25, 30, 60, 34), 11.0)]
    assert page_break_problems(body, 2) == [
        "page 1 ends with a heading; it should begin the next page with its text.",
        "page 2: the closing and signature stand alone at the top of the page, apart from the paragraph before them.",
        "page 2: less than 15 mm is left for a handwritten signature above the officer's name."]
    kept = [Line(1, "Dear Ms Khan", (25, 100, 80, 104), 11.0), Line(1, "We are sorry.", (25, 110, 80, 114), 11.0),
            Line(1, "Yours sincerely,", (25, 120, 60, 124), 11.0), Line(1, "Sam Patel", (25, 142, 60, 146), 11.0)]
    assert page_break_problems(kept, 1) == []
