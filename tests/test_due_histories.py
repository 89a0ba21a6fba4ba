"""Worked examples of whole histories as a case system sends them: outcomes sent outside the service,
requests for stages a procedure lacks, premature requests, letters superseded.

Every date is counted by hand from the policy, the count written beside it. November 2026:
Mon 2, 9, 16, 23, 30; December: Mon 7, 14, 21 (Fri 25 Christmas, Mon 28 Boxing Day
substitute); Fri 1 Jan 2027 is New Year's Day. The test record's complainant prefers email,
so a letter without its own ``delivery`` is deemed received the day it is sent.
"""

from conftest import deadline, ev, issued, letter, make, one_error, rows, run

DECISION = dict(outcome="upheld", findings=[{"point": "p", "finding": "f"}], remedies=["r"],
                outstanding_actions=[])


# --------------------------------------------------------------------------- 1. an outcome sent outside the service

# Telford & Wrekin, received Mon 2 Nov 2026; the case system acknowledged it itself on Tue 3 Nov
# and sent its stage 1 outcome itself on Mon 16 Nov, with no decision event.
SENT_BY_HAND = [
    ev("a1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
    ev("o1", "letter_issued", "2026-11-16", letter="outcome", stage=1),
    ev("r2", "escalation_request", "2026-11-20", to_stage=2),
    ev("x2", "extension", "2026-12-01", stage=2, reason="A contractor's report is awaited."),
]


def test_an_outcome_sent_by_the_case_system_answers_the_stage(book):
    r = run(book, make(events=SENT_BY_HAND), "2026-12-01")
    outcome = letter(r, "outcome", 1)
    # listed as issued, its trigger the letter_issued event, due on the stage's response date:
    # 10 WD after the ack issued Tue 3 Nov (6.9.5): 4-6 (3), 9-13 (8), Mon 16, Tue 17 (10).
    assert (outcome.trigger, outcome.status, outcome.due.isoformat()) == ("o1", "issued", "2026-11-17")
    assert outcome.issued_on.isoformat() == "2026-11-16" and outcome.facts.not_recorded
    # The escalation window runs from its deemed receipt (email: Mon 16 Nov), 20 WD (6.9.5, 6.13):
    # 17-20 (4), 23-27 (9), 30 Nov-4 Dec (14), 7-11 (19), Mon 14 Dec (20).
    assert deadline(r, "escalation-window", 1) == "2026-12-14"
    # The request of Fri 20 Nov is not premature: stage 2 starts. S2 ack 5 WD after the request
    # (6.10.2): 23, 24, 25, 26, Fri 27 Nov (5).
    assert not any("premature" in n for n in r.notes)
    assert letter(r, "acknowledgement", 2).due.isoformat() == "2026-11-27"
    # The stage 2 extension is accepted: its letter is due on the S2 response date, 20 WD after
    # the S2 ack (6.10.4): 30 Nov (1), 1-4 Dec (5), 7-11 (10), 14-18 (15), 21-24 (19), [25, 28],
    # Tue 29 Dec (20); extended to the limit, 40 WD after the ack: 30, 31 Dec (22), [1 Jan],
    # 4-8 Jan (27), 11-15 (32), 18-22 (37), 25, 26, Wed 27 Jan 2027 (40).
    ext = letter(r, "extension", 2)
    assert (ext.due.isoformat(), ext.facts.new_due.isoformat()) == ("2026-12-29", "2027-01-27")
    assert not any("matches no letter" in n for n in r.notes)


def test_stage_two_decision_and_outcome_after_an_outcome_sent_by_hand(book):
    events = SENT_BY_HAND + [ev("d2", "decision", "2027-01-20", stage=2, **DECISION),
                             ev("o2", "letter_issued", "2027-01-21", letter="outcome", stage=2)]
    r = run(book, make(events=events), "2027-01-22")
    assert [(x.letter, x.stage, x.trigger, x.status) for x in r.letters if x.letter == "outcome"] == [
        ("outcome", 1, "o1", "issued"), ("outcome", 2, "d2", "issued")]
    final = letter(r, "outcome", 2)
    assert final.facts.final and final.due.isoformat() == "2027-01-27"  # the extended date above


def test_a_decision_recorded_later_is_matched_to_the_outcome_sent(book):
    # The decision for stage 1, entered on Tue 17 Nov after the letter went: it gives the
    # findings of the letter of 16 Nov; no second outcome falls due.
    events = SENT_BY_HAND[:2] + [ev("d1", "decision", "2026-11-17", stage=1, **DECISION)] + SENT_BY_HAND[2:]
    r = run(book, make(events=events), "2026-12-01")
    outcomes = [x for x in r.letters if x.letter == "outcome"]
    assert [(x.stage, x.trigger, x.status) for x in outcomes] == [(1, "o1", "issued")]
    assert outcomes[0].facts.decision == "d1" and not outcomes[0].facts.not_recorded
    assert ("Decision d1 gives the findings of the stage 1 outcome letter issued on 16 November 2026 (o1); no second "
            "outcome falls due.") in r.notes
    assert letter(r, "extension", 2).status == "due"


def test_hampshire_stage_three_history_sent_by_hand(book):
    # Hampshire (App. 1), received Mon 7 Sep 2026. Every outcome was posted by the case system
    # first class (deemed received the next WD), with no decision events.
    events = [ev("o1", "letter_issued", "2026-09-30", letter="outcome", stage=1, delivery="first-class"),
              ev("r2", "escalation_request", "2026-10-05", to_stage=2),
              ev("o2", "letter_issued", "2026-10-28", letter="outcome", stage=2, delivery="first-class"),
              ev("r3", "escalation_request", "2026-11-02", to_stage=3),
              ev("x3", "extension", "2026-11-20", stage=3, reason="Legal advice.", new_due="2026-12-11")]
    r = run(book, make("hampshire", "2026-09-07", events), "2026-11-20")
    # Stage 3 from the request of Mon 2 Nov: ack 5 WD: 3-6 (4), Mon 9 Nov (5); response 20 WD:
    # 3-6 (4), 9-13 (9), 16-20 (14), 23-27 (19), Mon 30 Nov (20), extended to Fri 11 Dec.
    assert letter(r, "acknowledgement", 3).due.isoformat() == "2026-11-09"
    assert letter(r, "extension", 3).due.isoformat() == "2026-11-30"
    assert deadline(r, "response", 3) == "2026-12-11"
    assert [(x.stage, x.trigger, x.status) for x in r.letters if x.letter == "outcome"] == [
        (1, "o1", "issued"), (2, "o2", "issued")]


# --------------------------------------------------------------------------- 2. only the finished reading rejects

def test_a_provisional_walk_never_rejects(book):
    # Decision Fri 13 Nov, outcome posted second class Mon 16 Nov (a letter_issued with no
    # trigger: the first walk does not yet know it answers d1), request Tue 17 Nov, stage 2
    # extension Tue 1 Dec. The first walk took the request as premature; the finished reading
    # accepts the record.
    events = [ev("d1", "decision", "2026-11-13", stage=1, **DECISION),
              ev("o1", "letter_issued", "2026-11-16", letter="outcome", stage=1, delivery="second-class"),
              ev("r2", "escalation_request", "2026-11-17", to_stage=2),
              ev("x2", "extension", "2026-12-01", stage=2, reason="More time.")]
    r = run(book, make(events=events), "2026-12-01")
    # S2 ack 5 WD after Tue 17 Nov: 18, 19, 20, 23, Tue 24 Nov (5).
    assert letter(r, "acknowledgement", 2).due.isoformat() == "2026-11-24"
    assert letter(r, "extension", 2).status == "due"
    # One deemed receipt: second class, the third WD after posting: 17, 18, Thu 19 Nov; the
    # window 20 WD after it: 20 (1), 23-27 (6), 30 Nov-4 Dec (11), 7-11 (16), 14-17 (20) -> Thu 17 Dec.
    assert deadline(r, "escalation-window", 1) == "2026-12-17"
    assert letter(r, "outcome", 1).facts.window_closes.isoformat() == "2026-12-17"


def test_the_finished_reading_still_rejects_a_stage_not_reached(book):
    events = [ev("x2", "extension", "2026-11-10", stage=2, reason="More time.")]
    assert one_error(book, make(events=events), "2026-11-10") == (
        "record.json: field events[0].stage: expected stage 1, the stage the complaint is at on 10 November 2026; "
        "got stage 2.")


# --------------------------------------------------------------------------- 3. a stage the procedure lacks

def test_solihull_stage_three_is_refused_on_its_stage_two_acknowledgement_clock(book):
    # Solihull has two stages. Its stage 2 outcome was emailed Mon 16 Nov; a stage 3 request on
    # Wed 18 Nov gets a refusal by the S2 acknowledgement deadline (Code: 5 WD after the
    # request): 19, 20, 23, 24, Wed 25 Nov (5), with the LGSCO's details; no acknowledgement.
    events = [ev("o1", "letter_issued", "2026-10-20", letter="outcome", stage=1),
              ev("r2", "escalation_request", "2026-10-22", to_stage=2),
              ev("o2", "letter_issued", "2026-11-16", letter="outcome", stage=2),
              ev("r3", "escalation_request", "2026-11-18", to_stage=3)]
    r = run(book, make("solihull", "2026-10-05", events), "2026-11-18")
    refusal = letter(r, "escalation-refusal", 3)
    assert (refusal.due.isoformat(), refusal.status, refusal.ombudsman_required) == ("2026-11-25", "due", True)
    assert refusal.facts.reasons == [
        "Our complaints procedure has two stages, and our stage 2 response of 16 November 2026 was final."]
    assert not [x for x in r.letters if x.stage == 3 and x.letter != "escalation-refusal"]


def test_a_premature_request_for_a_stage_the_procedure_lacks_runs_from_the_deemed_receipt(book):
    # Warwickshire adult social care: a stage 2 request on Mon 9 Nov, before the outcome. The
    # outcome is posted first class Fri 20 Nov (deemed received Mon 23 Nov, App. 3): the refusal
    # clock runs from then, 10 WD (§3): 24-27 (4), 30 Nov-4 Dec (9), Mon 7 Dec (10).
    events = [ev("r2", "escalation_request", "2026-11-09", to_stage=2),
              ev("o1", "letter_issued", "2026-11-20", letter="outcome", stage=1, delivery="first-class")]
    rec = make("warwickshire", procedure="adult-social-care", events=events)
    before = run(book, rec, "2026-11-19")
    assert not [x for x in before.letters if x.letter == "escalation-refusal"]
    r = run(book, rec, "2026-11-23")
    refusal = letter(r, "escalation-refusal", 2)
    assert refusal.due.isoformat() == "2026-12-07"
    assert refusal.facts.reasons == [
        "Our complaints procedure for adult social care has one stage, and our response of 20 November 2026 was final."]


# --------------------------------------------------------------------------- 4. premature: before the outcome is issued

DECIDED_FRI_13 = [ev("d1", "decision", "2026-11-13", stage=1, **DECISION),
                  ev("r2", "escalation_request", "2026-11-16", to_stage=2)]


def test_a_request_after_the_decision_but_before_the_outcome_is_premature(book):
    # Telford: the outcome is due 10 WD after the projected ack (Wed 4 Nov): 5, 6, 9-13, 16, 17,
    # Wed 18 Nov (10); by email it would be received that day.
    r = run(book, make(events=DECIDED_FRI_13), "2026-11-17")
    assert deadline(r, "acknowledgement", 2) is None and deadline(r, "response", 2) is None
    assert ("The request to escalate to stage 2 (r2, 16 November 2026) is premature: the stage 1 outcome has not been "
            "issued, so it starts nothing yet and stage 1 goes on; it will be taken as made on the outcome's deemed "
            "receipt (18 November 2026 if it is issued on its due date).") in r.notes
    taken = letter(r, "outcome", 1).facts.premature_request
    # S2 ack 5 WD after Wed 18 Nov (6.10.2): 19, 20, 23, 24, Wed 25 Nov.
    assert (taken.taken_as.isoformat(), taken.ack_due.isoformat()) == ("2026-11-18", "2026-11-25")


def test_once_the_outcome_is_issued_the_request_runs_from_its_deemed_receipt(book):
    # The service issued the outcome on Wed 18 Nov by email: the request is taken as made that
    # day; its acknowledgement is due Wed 25 Nov (counted above), never in the outcome's post.
    r = run(book, make(events=DECIDED_FRI_13), "2026-11-18",
            issued=[issued("outcome", 1, "2026-11-18", "d1", "email")])
    ack = letter(r, "acknowledgement", 2)
    assert (ack.due.isoformat(), ack.status) == ("2026-11-25", "due")
    assert ack.facts.not_before.isoformat() == "2026-11-19"
    # S2 response 20 WD after the S2 ack (projected Wed 25 Nov): 26, 27 (2), 30 Nov-4 Dec (7),
    # 7-11 (12), 14-18 (17), 21, 22, Wed 23 Dec (20).
    assert deadline(r, "response", 2) == "2026-12-23"


# --------------------------------------------------------------------------- 5. letters never contradict one another

def test_an_acknowledgement_not_issued_is_superseded_by_the_outcome(book):
    events = [ev("d1", "decision", "2026-11-03", stage=1, **DECISION)]
    r = run(book, make(events=events), "2026-11-04", issued=[issued("outcome", 1, "2026-11-03", "d1", "email")])
    assert rows(r) == [("acknowledgement", 1, "complaint", "2026-11-04", "superseded"),
                       ("outcome", 1, "d1", "2026-11-18", "issued")]
    assert r.pending == ()
    assert ("The stage 1 acknowledgement (due 4 November 2026) is superseded and not sent: the stage 1 outcome was "
            "issued on 3 November 2026.") in r.notes
    assert deadline(r, "acknowledgement", 1) is None


def test_an_extension_not_issued_is_superseded_by_the_outcome(book):
    events = [ev("a1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
              ev("x1", "extension", "2026-11-16", stage=1, reason="r"),
              ev("d1", "decision", "2026-11-17", stage=1, **DECISION),
              ev("o1", "letter_issued", "2026-11-17", letter="outcome", stage=1)]
    r = run(book, make(events=events), "2026-11-18")
    assert letter(r, "extension", 1).status == "superseded"


def test_a_holding_letter_not_issued_is_superseded_once_the_hold_resumes(book):
    events = [ev("h", "on_hold", "2026-11-09", reason="Police enquiry."), ev("u", "resumed", "2026-11-10")]
    r = run(book, make(events=events), "2026-11-10")
    assert letter(r, "holding").status == "superseded"
    # Not yet resumed as of Mon 9 Nov: due 2 WD after the hold (Telford's S1 ack days): Wed 11 Nov.
    r = run(book, make(events=events), "2026-11-09")
    assert (letter(r, "holding").status, letter(r, "holding").due.isoformat()) == ("due", "2026-11-11")


def test_a_behaviour_warning_not_issued_is_superseded_by_a_restriction(book):
    events = [ev("b", "behaviour_warning", "2026-11-09", behaviours=["Abusive calls"]),
              ev("R", "restriction", "2026-11-10", behaviours=["Abusive calls"], restrictions=["Writing only"],
                 duration_months=6, decided_by="Head of Service")]
    r = run(book, make(events=events), "2026-11-10")
    assert letter(r, "behaviour-warning").status == "superseded"
    assert letter(r, "restriction-notice").status == "due"


# --------------------------------------------------------------------------- 7. messages read as English

def test_an_unmatched_outcome_letter_reads_as_english(book):
    events = [ev("d1", "decision", "2026-11-13", stage=1, **DECISION),
              ev("o1", "letter_issued", "2026-11-16", letter="outcome", stage=1),
              ev("o9", "letter_issued", "2026-11-17", letter="outcome", stage=1)]
    r = run(book, make(events=events), "2026-11-18")
    assert ("An outcome letter issued on 17 November 2026 (o9) matches no letter this case needs; check the record."
            in r.notes)


def test_a_next_stage_acknowledgement_sent_by_hand_is_the_request_granted(book):
    # docs/rules.md: what a letter the case system sent itself answers, happened. Telford: the
    # outcome went by email Mon 16 Nov; the case system acknowledged a stage 2 request on Thu
    # 19 Nov without recording the request. Stage 2 runs from Thu 19 Nov: its response 20 WD after
    # that acknowledgement (6.10.4): 20 (1), 23-27 (6), 30 Nov-4 Dec (11), 7-11 (16), 14-17 (20) ->
    # Thu 17 Dec; its extension on Tue 1 Dec is accepted.
    events = SENT_BY_HAND[:2] + [ev("a2", "letter_issued", "2026-11-19", letter="acknowledgement", stage=2),
                                 ev("x2", "extension", "2026-12-01", stage=2, reason="More time.")]
    r = run(book, make(events=events), "2026-12-01")
    ack = letter(r, "acknowledgement", 2)
    assert (ack.trigger, ack.status) == ("a2", "issued")
    assert letter(r, "extension", 2).due.isoformat() == "2026-12-17"
    assert not any("matches no letter" in n for n in r.notes)
    # The request, entered later and dated Fri 20 Nov, is the one it answered: nothing moves.
    late = events[:2] + [ev("r2", "escalation_request", "2026-11-20", to_stage=2)] + events[2:]
    r = run(book, make(events=late), "2026-12-01")
    assert [x.trigger for x in r.letters if x.letter == "acknowledgement" and x.stage == 2] == ["a2"]
    assert letter(r, "extension", 2).due.isoformat() == "2026-12-17"
