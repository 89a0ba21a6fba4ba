"""Letters that never contradict one another, as the service issues them, and the escalation
refusal for a stage a procedure lacks, read in the letters filed.

November 2026: Mon 2, 9, 16, 23, 30; December: Mon 7, 14. The test record's complainant
prefers email, so a letter is deemed received the day it is sent.
"""

import re
from datetime import date

import pytest
from conftest import ev, make, rules_without_sign_off

from correspondence.engine.case import case_from_record
from correspondence.engine.rules import load_rulebook
from correspondence.letters.content_check import flat, pdf_text
from correspondence.service import ledger
from correspondence.service.issuing import issue_due_letters

DECISION = dict(outcome="upheld", findings=[{"point": "p", "finding": "The bins were missed."}],
                remedies=["An apology."], outstanding_actions=[])


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The rules with no letter kind signed off: these tests are about what one run issues; with
    sign-off, a drafted outcome supersedes nothing (test_signoff.py)."""
    return load_rulebook(rules_without_sign_off(tmp_path_factory.mktemp("unsigned")))[0]


def case_of(book, rec):
    return case_from_record(rec, "record.json", {c: book.procedures(c) for c in book.councils})


def filed(report) -> list[tuple]:
    return [(f.letter.letter, f.letter.stage, f.letter.trigger) for f in report.issued]


def text(report, kind: str, stage: int | None = None) -> str:
    found = [f for f in report.issued if f.letter.letter == kind and (stage is None or f.letter.stage == stage)]
    assert len(found) == 1, filed(report)
    pdf = next(p for p in found[0].paths if p.suffix == ".pdf")
    # each page's footer ("<Council> · Our reference <case> Page N of M") out, so a sentence
    # running on to the next page reads as one
    return re.sub(r"\s*(?:•\s*)?[A-Z][\w&']*(?: [A-Z&][\w&']*)* · Our reference \S+ Page \d+ of \d+", "",
                  flat(pdf_text(pdf.read_bytes())))


def test_an_outcome_going_out_in_the_same_run_supersedes_the_acknowledgement(book, renderer, tmp_path):
    # Telford: received Mon 2 Nov; the case system records the decision on Tue 3 Nov, before any
    # acknowledgement went. Rendering on Tue 3 Nov sends the outcome alone.
    rec = make(events=[ev("d1", "decision", "2026-11-03", stage=1, **DECISION)])
    report = issue_due_letters(book, renderer, case_of(book, rec), tmp_path, date(2026, 11, 3))
    assert filed(report) == [("outcome", 1, "d1")]
    assert [(i.letter, i.stage) for i in ledger.issued_for(tmp_path, "T-1")] == [("outcome", 1)]
    assert not list((tmp_path / "T-1").glob("*acknowledgement*"))


def test_asked_for_alone_the_acknowledgement_still_goes(book, renderer, tmp_path):
    # --letter acknowledgement: the outcome does not go out in this run, so it supersedes nothing.
    rec = make(events=[ev("d1", "decision", "2026-11-03", stage=1, **DECISION)])
    report = issue_due_letters(book, renderer, case_of(book, rec), tmp_path, date(2026, 11, 3), only="acknowledgement")
    assert filed(report) == [("acknowledgement", 1, "complaint")]


def test_after_a_premature_request_the_outcome_says_when_it_counts(book, renderer, tmp_path):
    # Decision Fri 13 Nov; a stage 2 request on Mon 16 Nov, before the outcome was issued. The
    # outcome goes on Wed 18 Nov by email: the request is taken as made that day, and its
    # acknowledgement is due 5 WD later (6.10.2): 19, 20, 23, 24, Wed 25 Nov.
    rec = make(events=[ev("a1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
                       ev("d1", "decision", "2026-11-13", stage=1, **DECISION),
                       ev("r2", "escalation_request", "2026-11-16", to_stage=2)])
    case = case_of(book, rec)
    report = issue_due_letters(book, renderer, case, tmp_path, date(2026, 11, 18))
    assert filed(report) == [("outcome", 1, "d1")]  # never in the same post as the next acknowledgement
    words = text(report, "outcome")
    assert ("We received a request on 16 November 2026 for the complaint to be considered at stage 2 of our complaints "
            "procedure, before this response was ready. We will take that request as made on 18 November 2026, the "
            "day this response is treated as received, and will acknowledge it by 25 November 2026. If you no longer "
            "want the review, please tell") in words
    assert "Please send the request by" not in words
    assert report.skipped == ["T-1: the stage 2 acknowledgement waits until 19 November 2026, so that it does not go "
                              "in the same post as the stage 1 outcome."]
    # The next working day, it goes on its own.
    later = issue_due_letters(book, renderer, case, tmp_path, date(2026, 11, 19))
    assert filed(later) == [("acknowledgement", 2, "r2")]


def test_an_acknowledgement_sent_after_its_response_date_apologises(book, renderer, tmp_path):
    # Hampshire: received Mon 2 Nov; response 20 WD after receipt (App. 1): 3-6 (4), 9-13 (9),
    # 16-20 (14), 23-27 (19), Mon 30 Nov (20). The acknowledgement goes only on Tue 1 Dec.
    rec = make("hampshire")
    report = issue_due_letters(book, renderer, case_of(book, rec), tmp_path, date(2026, 12, 1))
    words = text(report, "acknowledgement")
    assert ("Our response was due by 30 November 2026. That date has passed, and I am sorry that we have not yet "
            "responded. We will send our full response as soon as possible.") in words
    assert "send our full response by 30 November" not in words


def test_a_late_acknowledgement_gives_the_extended_date(book, renderer, tmp_path):
    # The same, extended on Fri 27 Nov to Mon 14 Dec: the acknowledgement gives that date.
    rec = make("hampshire", events=[ev("x1", "extension", "2026-11-27", stage=1, reason="Advice is awaited.",
                                       new_due="2026-12-14")])
    report = issue_due_letters(book, renderer, case_of(book, rec), tmp_path, date(2026, 12, 1), only="acknowledgement")
    assert ("Our response was due by 30 November 2026. That date has passed, and I am sorry that we have not yet "
            "responded. We will send our full response by 14 December 2026.") in text(report, "acknowledgement")


def test_the_refusal_for_a_stage_the_procedure_lacks_gives_the_councils_reason(book, renderer, tmp_path):
    # Warwickshire adult social care: outcome posted by the case system Fri 18 Sep 2026; a stage 2
    # request on Thu 1 Oct; the refusal is written on Fri 2 Oct with the council's own reason.
    rec = make("warwickshire", received="2026-09-04", procedure="adult-social-care",
               events=[ev("a1", "letter_issued", "2026-09-07", letter="acknowledgement", stage=1),
                       ev("o1", "letter_issued", "2026-09-18", letter="outcome", stage=1),
                       ev("r2", "escalation_request", "2026-10-01", to_stage=2)])
    report = issue_due_letters(book, renderer, case_of(book, rec), tmp_path, date(2026, 10, 2))
    assert filed(report) == [("escalation-refusal", 2, "r2")]
    words = text(report, "escalation-refusal")
    assert ("Our complaints procedure for adult social care has one stage, and our response of 18 September 2026 "
            "was final.") in words
    assert "Local Government and Social Care Ombudsman" in words
