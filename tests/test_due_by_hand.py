"""Letters a case system sent itself, with no event of the service's behind them: what each letter
answers happened (docs/rules.md#letters-sent-by-hand). Records as a case system sends them: a
``letter_issued`` with no trigger, and none of the event the letter tells of.

Every date is counted by hand from the policy, the count written beside it. November 2026:
Mon 2, 9, 16, 23, 30; December: Mon 7, 14, 21. The test record's complainant prefers email, so a
letter without its own ``delivery`` is deemed received the day it is sent.
"""

from conftest import deadline, ev, letter, make, rows, run

DECISION = dict(outcome="upheld", findings=[{"point": "p", "finding": "f"}], remedies=["r"],
                outstanding_actions=[])
# Telford & Wrekin, received Mon 2 Nov 2026, acknowledged by the case system on Tue 3 Nov.
ACKED = [ev("a1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1)]
# ... and its stage 1 outcome emailed by the case system on Mon 16 Nov, with no decision.
ANSWERED = ACKED + [ev("o1", "letter_issued", "2026-11-16", letter="outcome", stage=1)]


def no_unmatched(r) -> bool:
    return not any("matches no letter" in n for n in r.notes)


# --------------------------------------------------------------------------- escalation refusal

def test_an_escalation_refusal_with_no_request_refuses_the_next_stage(book):
    events = ANSWERED + [ev("L", "letter_issued", "2026-11-20", letter="escalation-refusal", stage=2)]
    r = run(book, make(events=events), "2026-11-30")
    refusal = letter(r, "escalation-refusal", 2)
    # Telford's refusal clock is its S2 acknowledgement's, 5 WD (6.10.2) from the letter's date,
    # Fri 20 Nov: 23, 24, 25, 26, Fri 27 Nov (5).
    assert (refusal.trigger, refusal.status, refusal.due.isoformat()) == ("L", "issued", "2026-11-27")
    # Stage 2 does not open: no acknowledgement, no stage 2 clocks.
    assert not [x for x in r.letters if x.stage == 2 and x.letter != "escalation-refusal"]
    assert deadline(r, "acknowledgement", 2) is None and deadline(r, "response", 2) is None
    assert ("The escalation refusal issued on 20 November 2026 (L) has no escalation request recorded before it: the "
            "escalation to stage 2 is taken as refused that day, so stage 2 does not open.") in r.notes
    assert no_unmatched(r) and r.pending == ()


def test_an_escalation_refusal_after_a_request_in_the_window_refused_it(book):
    # The request of Thu 19 Nov is in the window (20 WD from Mon 16 Nov); the case system refused
    # it by letter on Fri 20 Nov without an escalation_refused event. The refusal answers the
    # request: due 5 WD after it: 20, 23, 24, 25, Thu 26 Nov (5); no stage 2 acknowledgement.
    events = ANSWERED + [ev("r2", "escalation_request", "2026-11-19", to_stage=2),
                         ev("L", "letter_issued", "2026-11-20", letter="escalation-refusal", stage=2)]
    r = run(book, make(events=events), "2026-11-30")
    assert rows(r)[-1] == ("escalation-refusal", 2, "r2", "2026-11-26", "issued")
    assert deadline(r, "acknowledgement", 2) is None
    assert ("The request to escalate to stage 2 (r2, 19 November 2026) was refused by the escalation refusal issued "
            "on 20 November 2026 (L): stage 2 does not open.") in r.notes
    assert no_unmatched(r) and r.pending == ()


def test_an_escalation_refusal_behind_the_services_own_refusal_is_only_matched(book):
    # An escalation_refused event of Fri 20 Nov stands behind the letter: the letter answers it,
    # nothing is read into it.
    events = ANSWERED + [ev("r2", "escalation_request", "2026-11-19", to_stage=2),
                         ev("f2", "escalation_refused", "2026-11-20", to_stage=2, reasons=["Already answered."]),
                         ev("L", "letter_issued", "2026-11-20", letter="escalation-refusal", stage=2)]
    r = run(book, make(events=events), "2026-11-30")
    assert [(x.trigger, x.status) for x in r.letters if x.letter == "escalation-refusal"] == [("f2", "issued")]
    assert not any("taken as refused" in n or "was refused by" in n for n in r.notes)


# --------------------------------------------------------------------------- the complaint stopped

def test_a_withdrawal_confirmation_with_no_withdrawn_event_withdraws_the_complaint(book):
    events = ACKED + [ev("L", "letter_issued", "2026-11-10", letter="withdrawal-confirmation")]
    r = run(book, make(events=events), "2026-11-20")
    # Due as many WD as Telford's S1 acknowledgement (2, 6.9.2) after Tue 10 Nov: 11, Thu 12 Nov.
    assert rows(r) == [("acknowledgement", 1, "complaint", "2026-11-04", "issued"),
                       ("withdrawal-confirmation", None, "L", "2026-11-12", "issued")]
    # The clocks stop: no response date (it was Tue 17 Nov), nothing due.
    assert r.deadlines == () and r.pending == ()
    assert ("The complaint was withdrawn: the withdrawal confirmation issued on 10 November 2026 (L) has no withdrawn "
            "event before it, so the complaint is taken as withdrawn that day; no further letter falls due unless it "
            "is reopened.") in r.notes
    # Reopened on Mon 16 Nov: the acknowledgement of the reopening, 2 WD: Tue 17, Wed 18 Nov.
    reopened = events + [ev("u", "reopened", "2026-11-16", reason="She asked to go on.")]
    r = run(book, make(events=reopened), "2026-11-16")
    assert ("acknowledgement", 1, "u", "2026-11-18", "due") in rows(r)
    assert not any(n.startswith("The complaint was withdrawn") for n in r.notes)


def test_warwickshire_withdrawal_confirmation_by_hand(book):
    # Warwickshire corporate, received Mon 2 Nov; withdrawal confirmed by letter Tue 10 Nov: due
    # as a stage 1 acknowledgement, 5 WD (silent: the Code): 11, 12, 13, 16, Tue 17 Nov (5).
    events = [ev("L", "letter_issued", "2026-11-10", letter="withdrawal-confirmation")]
    r = run(book, make("warwickshire", events=events), "2026-11-20")
    # The stage 1 acknowledgement, not issued, is no longer due once the complaint is withdrawn
    # (as after a withdrawn event); no response clock runs.
    assert rows(r) == [("withdrawal-confirmation", None, "L", "2026-11-17", "issued")]
    assert r.deadlines == () and no_unmatched(r)


def test_a_discontinuation_with_no_discontinued_event_stops_the_complaint(book):
    # No contact attempts recorded: the case system's letter is the fact. Due 5 WD after Fri 20
    # Nov: 23, 24, 25, 26, Fri 27 Nov (5).
    events = ACKED + [ev("L", "letter_issued", "2026-11-20", letter="discontinuation")]
    r = run(book, make(events=events), "2026-11-30")
    assert rows(r)[-1] == ("discontinuation", None, "L", "2026-11-27", "issued")
    assert r.deadlines == () and r.pending == () and no_unmatched(r)


def test_a_not_accepted_letter_with_no_event_closes_the_complaint(book):
    # Sent Wed 4 Nov before any acknowledgement: the acknowledgement is no longer due; the letter
    # is due 2 WD after the later of received and its date: Thu 5, Fri 6 Nov.
    events = [ev("L", "letter_issued", "2026-11-04", letter="not-accepted")]
    r = run(book, make(events=events), "2026-11-20")
    assert rows(r) == [("not-accepted", None, "L", "2026-11-06", "issued")]
    assert r.deadlines == () and r.pending == () and no_unmatched(r)


def test_an_out_of_time_complaint_acknowledged_by_hand_was_accepted(book):
    # Hampshire, 12 months (Time limit): first aware 1 Sep 2025, received Mon 7 Sep 2026, out of
    # time. The case system acknowledged it on Tue 8 Sep: it accepted it, so no not-accepted
    # letter falls due and the response runs, 20 WD after received: 8-11 (4), 14-18 (9),
    # 21-25 (14), 28 Sep-2 Oct (19), Mon 5 Oct (20).
    events = [ev("a1", "letter_issued", "2026-09-08", letter="acknowledgement", stage=1)]
    rec = make("hampshire", "2026-09-07", events)
    rec["complaint"]["first_aware"] = "2025-09-01"
    r = run(book, rec, "2026-09-10")
    assert not [x for x in r.letters if x.letter == "not-accepted"]
    assert deadline(r, "response", 1) == "2026-10-05"
    assert no_unmatched(r)


# --------------------------------------------------------------------------- extension and holding

def test_an_extension_by_hand_goes_to_the_policys_limit(book):
    # Telford: the response 10 WD after the ack of Tue 3 Nov: Tue 17 Nov (6.9.5); the limit 20 WD
    # after it (6.9.8): 4-6 (3), 9-13 (8), 16-20 (13), 23-27 (18), Mon 30 (19), Tue 1 Dec (20).
    events = ACKED + [ev("L", "letter_issued", "2026-11-16", letter="extension", stage=1)]
    r = run(book, make(events=events), "2026-11-20")
    ext = letter(r, "extension", 1)
    assert (ext.trigger, ext.status, ext.due.isoformat(), ext.facts.new_due.isoformat()) == (
        "L", "issued", "2026-11-17", "2026-12-01")
    assert deadline(r, "response", 1) == "2026-12-01"
    assert ("The extension issued on 16 November 2026 (L) has no extension event before it: the stage 1 response "
            "date is taken as extended to the policy's limit, 1 December 2026.") in r.notes
    assert no_unmatched(r)


def test_an_extension_by_hand_where_the_policy_has_no_limit(book):
    # Hampshire sets no extension limit: the new date is unknown, so the response date stays
    # 20 WD after received Mon 7 Sep: Mon 5 Oct (counted above), with a note.
    events = [ev("L", "letter_issued", "2026-10-01", letter="extension", stage=1)]
    r = run(book, make("hampshire", "2026-09-07", events), "2026-10-01")
    assert deadline(r, "response", 1) == "2026-10-05"
    assert letter(r, "extension", 1).status == "issued"
    note = ("The extension issued on 1 October 2026 (L) has no extension event before it and its new response date is "
            "unknown (Hampshire County Council's policy sets no extension limit for stage 1): the stage 1 response "
            "date stays 5 October 2026 until an extension event gives its new_due.")
    assert note in r.notes
    # The extension event the case system records later, Fri 2 Oct, gives the date: Fri 16 Oct;
    # no second extension letter falls due.
    later = events + [ev("x1", "extension", "2026-10-02", stage=1, reason="Legal advice.", new_due="2026-10-16")]
    r = run(book, make("hampshire", "2026-09-07", later), "2026-10-02")
    assert [(x.trigger, x.status) for x in r.letters if x.letter == "extension"] == [("L", "issued")]
    assert deadline(r, "response", 1) == "2026-10-16"
    assert letter(r, "extension", 1).facts.new_due.isoformat() == "2026-10-16"
    assert note not in r.notes


def test_a_holding_letter_by_hand_puts_the_stage_on_hold(book):
    # Telford, response Tue 17 Nov. Holding letter Mon 9 Nov: 6 WD were left (10-13, 16, 17);
    # resumed Thu 12 Nov: 13 (1), 16-20 (6) -> Fri 20 Nov. The letter was due 2 WD after the
    # hold: Tue 10, Wed 11 Nov.
    events = ACKED + [ev("L", "letter_issued", "2026-11-09", letter="holding")]
    r = run(book, make(events=events), "2026-11-10")
    assert rows(r)[-1] == ("holding", None, "L", "2026-11-11", "issued")
    assert deadline(r, "response", 1) is None  # suspended
    r = run(book, make(events=events + [ev("u", "resumed", "2026-11-12")]), "2026-11-12")
    assert deadline(r, "response", 1) == "2026-11-20" and no_unmatched(r)


# --------------------------------------------------------------------------- conduct

def test_a_restriction_notice_by_hand_applies_a_restriction(book):
    # Telford: a warning decided Mon 9 Nov, not yet sent; the case system's restriction notice of
    # Tue 10 Nov supersedes it. Review 6 months after Tue 10 Nov (default): Mon 10 May 2027.
    events = ACKED + [ev("b", "behaviour_warning", "2026-11-09", behaviours=["Abusive calls"]),
                      ev("L", "letter_issued", "2026-11-10", letter="restriction-notice")]
    r = run(book, make(events=events), "2026-11-10")
    # The notice, 5 WD after: 11, 12, 13, 16, Tue 17 Nov.
    assert ("restriction-notice", None, "L", "2026-11-17", "issued") in rows(r)
    assert letter(r, "behaviour-warning").status == "superseded"
    assert deadline(r, "restriction-review") == "2027-05-10"
    assert no_unmatched(r)


def test_luton_restriction_notice_by_hand_reviews_in_three_months(book):
    # Luton reviews in 3 months (App. A §18, §21): Tue 10 Nov 2026 -> Wed 10 Feb 2027.
    events = [ev("L", "letter_issued", "2026-11-10", letter="restriction-notice")]
    r = run(book, make("luton", events=events), "2026-11-10")
    assert deadline(r, "restriction-review") == "2027-02-10"


def test_a_restriction_review_by_hand_is_taken_as_kept(book):
    # A restriction of Tue 10 Nov 2026, review 10 May 2027; reviewed by letter on Mon 10 May 2027,
    # outcome not recorded: kept, the next review 6 months on: Wed 10 Nov 2027.
    events = ACKED + [ev("R", "restriction", "2026-11-10", behaviours=["Abusive calls"],
                         restrictions=["Writing only"], duration_months=12, decided_by="Head of Service"),
                      ev("L", "letter_issued", "2027-05-10", letter="restriction-review")]
    r = run(book, make(events=events), "2027-05-10")
    assert letter(r, "restriction-review").status == "issued"
    assert deadline(r, "restriction-review") == "2027-11-10"
    assert no_unmatched(r)


def test_a_behaviour_warning_and_a_consent_request_by_hand_are_issued(book):
    events = ACKED + [ev("W", "letter_issued", "2026-11-09", letter="behaviour-warning"),
                      ev("C", "letter_issued", "2026-11-09", letter="consent-request")]
    r = run(book, make(events=events), "2026-11-09")
    # Both due 5 WD / the S1 ack days after Mon 9 Nov, and issued: nothing pending.
    assert [(x.letter, x.trigger, x.status) for x in r.letters if x.trigger in ("W", "C")] == [
        ("consent-request", "C", "issued"), ("behaviour-warning", "W", "issued")]
    assert no_unmatched(r) and r.pending == ()
    # A warning while the complaint is withdrawn still counts (conduct runs alongside).
    closed = ACKED + [ev("L", "letter_issued", "2026-11-05", letter="withdrawal-confirmation"),
                      ev("W", "letter_issued", "2026-11-09", letter="behaviour-warning")]
    r = run(book, make(events=closed), "2026-11-09")
    assert letter(r, "behaviour-warning").status == "issued" and no_unmatched(r)


def test_a_review_of_a_restriction_applied_by_hand_writes_no_letter_without_its_terms(book):
    # The notice of Tue 10 Nov 2026 was sent by the case system; the review of Mon 10 May 2027
    # keeps the restriction, whose restrictions and end date nobody recorded: no letter can say
    # what applies, so none is written; the next review is 6 months on, Wed 10 Nov 2027.
    events = ACKED + [ev("L", "letter_issued", "2026-11-10", letter="restriction-notice"),
                      ev("V", "restriction_review", "2027-05-10", outcome="maintained")]
    r = run(book, make(events=events), "2027-05-10")
    assert not [x for x in r.letters if x.letter == "restriction-review"]
    assert deadline(r, "restriction-review") == "2027-11-10"
    assert ("The restriction review V (10 May 2027) keeps the restriction applied by the restriction notice issued on "
            "10 November 2026 (L), whose restrictions and end date are not recorded: no review letter is written "
            "until a restriction event dated 10 November 2026 gives them.") in r.notes
    # Recorded, the restriction event is the one the notice answered, and the review letter is due
    # 5 WD after Mon 10 May 2027: 11, 12, 13, 14, Mon 17 May (5).
    recorded = events[:1] + [ev("R", "restriction", "2026-11-10", behaviours=["Abusive calls"],
                                restrictions=["Writing only"], duration_months=12,
                                decided_by="Head of Service")] + events[1:]
    r = run(book, make(events=recorded), "2027-05-10")
    assert [(x.trigger, x.status) for x in r.letters if x.letter == "restriction-notice"] == [("R", "issued")]
    review = letter(r, "restriction-review")
    assert (review.status, review.due.isoformat(), review.facts.ends.isoformat()) == ("due", "2027-05-17", "2027-11-10")
