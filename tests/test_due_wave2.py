"""Worked examples for the revised policy matrix (issue 8): each date counted by hand from
the policy, the count written out beside it.

November 2026: Mon 2, 9, 16, 23, 30; December: Mon 7, 14, 21 (Fri 25 Christmas, Mon 28
Boxing Day substitute); no other bank holiday falls in these weeks.
"""

import pytest

from correspondence.case import CaseError
from conftest import deadline, ev, issued, letter, make, rows, run

DECISION = dict(outcome="upheld", findings=[{"point": "p", "finding": "f"}], remedies=["r"],
                outstanding_actions=[])


def error(book, rec, as_of) -> str:
    with pytest.raises(CaseError) as err:
        run(book, rec, as_of)
    assert len(err.value.problems) == 1
    return err.value.problems[0]


# --------------------------------------------------------------------------- 1. letter_issued matching

REOPENED = [
    ev("w", "withdrawn", "2026-11-03", method="phone"),
    ev("r", "reopened", "2026-11-16", reason="The complainant asked us to carry on."),
]


def test_reopened_acknowledgement_answers_the_reopening(book):
    # Telford: received Mon 2 Nov, withdrawn Tue 3 Nov before any acknowledgement, reopened
    # Mon 16 Nov, acknowledged Tue 17 Nov (a letter_issued event without a trigger).
    rec = make(events=REOPENED + [ev("a", "letter_issued", "2026-11-17", letter="acknowledgement", stage=1)])
    r = run(book, rec, "2026-11-18")
    ack = letter(r, "acknowledgement")
    # the reopening's acknowledgement, issued: nothing to send again
    assert (ack.trigger, ack.status, ack.issued_on.isoformat()) == ("r", "issued", "2026-11-17")
    # Response: 10 WD after the acknowledgement actually issued (Tue 17 Nov), §6.9.5:
    # Wed 18 (1), Thu 19 (2), Fri 20 (3), Mon 23 (4), Tue 24 (5), Wed 25 (6), Thu 26 (7),
    # Fri 27 (8), Mon 30 (9), Tue 1 Dec (10).
    assert deadline(r, "response", 1) == "2026-12-01"
    assert r.pending == tuple(x for x in r.letters if x.letter == "withdrawal-confirmation")
    assert not any("matches no letter" in n for n in r.notes)


def test_acknowledgement_sent_before_the_withdrawal_answers_the_complaint(book):
    # Sent Tue 3 Nov, the day of the withdrawal: it answers the complaint, so the reopening's
    # acknowledgement is still due, 2 WD after Mon 16 Nov: Tue 17 (1), Wed 18 (2).
    rec = make(events=[ev("a", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1)] + REOPENED)
    r = run(book, rec, "2026-11-18")
    acks = [(x.trigger, x.status, x.due.isoformat()) for x in r.letters if x.letter == "acknowledgement"]
    assert acks == [("complaint", "issued", "2026-11-04"), ("r", "due", "2026-11-18")]


def test_a_trigger_answers_exactly_that_letter(book):
    # The caseworker says the 17 Nov letter answered the first complaint (a late letter): the
    # reopening's acknowledgement (2 WD after Mon 16 Nov: Wed 18 Nov) is overdue on Thu 19 Nov.
    rec = make(events=REOPENED + [ev("a", "letter_issued", "2026-11-17", letter="acknowledgement", stage=1,
                                     trigger="complaint")])
    r = run(book, rec, "2026-11-19")
    acks = [(x.trigger, x.status, x.due.isoformat()) for x in r.letters if x.letter == "acknowledgement"]
    assert acks == [("complaint", "issued", "2026-11-04"), ("r", "overdue", "2026-11-18")]


def test_a_trigger_that_names_no_letter_is_noted(book):
    rec = make(events=[ev("a", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1, trigger="zz")])
    r = run(book, rec, "2026-11-04")
    assert letter(r, "acknowledgement").status == "due"
    assert ("A acknowledgement letter issued on 3 November 2026 (a) matches no letter this case needs; check the record."
            in r.notes)


def test_ledger_entry_with_its_trigger_and_a_later_stage(book):
    # A letter issued before its trigger cannot answer it: an acknowledgement dated Mon 2 Nov
    # is not the reopening's (16 Nov) and, the complaint's being cancelled on 3 Nov, the
    # loose letter of 2 Nov answers the complaint's.
    rec = make(events=[ev("a", "letter_issued", "2026-11-02", letter="acknowledgement", stage=1)] + REOPENED)
    r = run(book, rec, "2026-11-17", issued=[issued("acknowledgement", 1, "2026-11-17", trigger="r")])
    acks = [(x.trigger, x.status) for x in r.letters if x.letter == "acknowledgement"]
    assert acks == [("complaint", "issued"), ("r", "issued")]
