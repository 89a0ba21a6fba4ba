"""Worked examples for the councils' procedures: which letter an issued letter answers, how a letter
travels and when it is received, holds and premature escalations, consent, Warwickshire's statutory
adult social care and children's procedures, the Housing Ombudsman Code, unanswered points and
limits in each policy's own terms. Each date counted by hand from the policy, the count written
out beside it.

November 2026: Mon 2, 9, 16, 23, 30; December: Mon 7, 14, 21 (Fri 25 Christmas, Mon 28
Boxing Day substitute); no other bank holiday falls in these weeks.
"""

import pytest
from conftest import deadline, ev, issued, letter, make, one_error, run

DECISION = dict(outcome="upheld", findings=[{"point": "p", "finding": "f"}], remedies=["r"],
                outstanding_actions=[])


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
    assert ("An acknowledgement letter issued on 3 November 2026 (a) matches no letter this case needs; check the record."
            in r.notes)


def test_ledger_entry_with_its_trigger_and_a_later_stage(book):
    # A letter issued before its trigger cannot answer it: an acknowledgement dated Mon 2 Nov
    # is not the reopening's (16 Nov) and, the complaint's being cancelled on 3 Nov, the
    # loose letter of 2 Nov answers the complaint's.
    rec = make(events=[ev("a", "letter_issued", "2026-11-02", letter="acknowledgement", stage=1)] + REOPENED)
    r = run(book, rec, "2026-11-17", issued=[issued("acknowledgement", 1, "2026-11-17", trigger="r")])
    acks = [(x.trigger, x.status) for x in r.letters if x.letter == "acknowledgement"]
    assert acks == [("complaint", "issued"), ("r", "issued")]


# --------------------------------------------------------------------------- 2. how a letter travels

POST_ONLY = {"preferred_contact": "post"}
OUTCOME_FRI_20_NOV = [ev("d1", "decision", "2026-11-19", stage=1, **DECISION),
                      ev("o1", "letter_issued", "2026-11-20", letter="outcome", stage=1)]


def test_telford_first_class_outcome_window_runs_from_deemed_receipt(book):
    # Telford, a complainant who prefers post: the outcome went first class on Fri 20 Nov 2026,
    # deemed received the next WD, Mon 23 Nov (code-2024 deemed_receipt, taken by Telford).
    # Window 20 WD from Mon 23 Nov (6.9.5, 6.13): 24-27 (4), 30 Nov-4 Dec (9), 7-11 (14),
    # 14-18 (19), Mon 21 Dec (20). Counted from the posting day it would close Fri 18 Dec, a
    # working day earlier.
    rec = make(complainant=POST_ONLY, events=OUTCOME_FRI_20_NOV)
    r = run(book, rec, "2026-11-20")
    assert deadline(r, "escalation-window", 1) == "2026-12-21"
    assert letter(r, "outcome", 1).facts.deemed_receipt.isoformat() == "2026-11-23"


def test_email_outcome_is_received_the_day_it_is_sent(book):
    # The same outcome by email (the complainant prefers email): received Fri 20 Nov; 20 WD:
    # 23-27 (5), 30 Nov-4 Dec (10), 7-11 (15), 14-18 (20) -> Fri 18 Dec.
    r = run(book, make(events=OUTCOME_FRI_20_NOV), "2026-11-20")
    assert deadline(r, "escalation-window", 1) == "2026-12-18"


def test_a_letter_to_a_representative_goes_by_the_representatives_channel(book):
    # The complainant prefers email, but the letters go to her councillor (consent given), who
    # has a postal address and states no preference: first class, deemed received Mon 23 Nov,
    # so the window closes Mon 21 Dec (counted above), not Fri 18 Dec.
    rep = {"name": "Cllr Jo Bloggs", "relationship": "councillor", "address": ["Darby House", "Telford", "TF3 4JA"],
           "email": "jo.bloggs@example.org", "written_consent": "2026-11-03"}
    r = run(book, make(representative=rep, events=OUTCOME_FRI_20_NOV), "2026-11-20")
    assert (r.recipient.role, r.recipient.channel) == ("representative", "post")
    assert deadline(r, "escalation-window", 1) == "2026-12-21"


def test_the_letters_own_delivery_wins(book):
    # Second class on Fri 20 Nov: the third WD after posting, Wed 25 Nov; 20 WD: 26, 27 (2),
    # 30 Nov-4 Dec (7), 7-11 (12), 14-18 (17), 21, 22, 23 Dec (20) -> Wed 23 Dec.
    events = [OUTCOME_FRI_20_NOV[0], dict(OUTCOME_FRI_20_NOV[1], delivery="second-class")]
    r = run(book, make(events=events), "2026-11-20")
    assert deadline(r, "escalation-window", 1) == "2026-12-23"


def test_warwickshire_first_class_on_a_friday_is_received_on_the_monday(book):
    # App. 3 "the day after posting", read by docs/rules.md#deemed-receipt as the next WD: posted Fri 20 Nov,
    # received Mon 23 Nov; 20 WD -> Mon 21 Dec (counted above).
    rec = make("warwickshire", complainant=POST_ONLY, events=OUTCOME_FRI_20_NOV)
    assert deadline(run(book, rec, "2026-11-20"), "escalation-window", 1) == "2026-12-21"


# --------------------------------------------------------------------------- 3. holds, premature requests, consent

def test_a_hold_stops_the_extension_limit_too(book):
    # Telford, received Mon 2 Nov; ack projected Wed 4 Nov (2 WD). Response 10 WD after the ack:
    # 5, 6 (2), 9-13 (7), 16, 17, 18 (10) -> Wed 18 Nov. Limit 20 WD after the ack: 19, 20 (12),
    # 23-27 (17), 30 Nov, 1, 2 Dec (20) -> Wed 2 Dec.
    # On hold Mon 9 Nov: 7 WD left to the response (10-13, 16-18), 17 to the limit.
    # Resumed Mon 16 Nov: response 7 WD on: 17-20 (4), 23, 24, 25 (7) -> Wed 25 Nov; limit 17
    # WD on: 17-20 (4), 23-27 (9), 30 Nov-4 Dec (14), 7, 8, 9 (17) -> Wed 9 Dec.
    events = [ev("h", "on_hold", "2026-11-09", reason="Police enquiry."),
              ev("u", "resumed", "2026-11-16"),
              ev("x", "extension", "2026-11-23", stage=1, reason="A witness is away.")]
    r = run(book, make(events=events), "2026-11-23")
    ext = letter(r, "extension", 1)
    assert ext.facts.previous_due.isoformat() == "2026-11-25"
    assert ext.facts.new_due.isoformat() == "2026-12-09" and not ext.facts.past_limit
    assert deadline(r, "response", 1) == "2026-12-09"


def test_an_escalation_request_before_the_outcome_is_premature(book):
    # Hampshire, received Mon 2 Nov 2026. A stage 2 request on Tue 10 Nov, before any decision,
    # starts nothing: stage 1's response stays due 20 WD after receipt (App. 1): 3-6 (4),
    # 9-13 (9), 16-20 (14), 23-27 (19), Mon 30 Nov (20).
    rec = make("hampshire", events=[ev("r2", "escalation_request", "2026-11-10", to_stage=2)])
    r = run(book, rec, "2026-11-10")
    assert deadline(r, "response", 1) == "2026-11-30" and deadline(r, "acknowledgement", 2) is None
    assert ("The request to escalate to stage 2 (r2, 10 November 2026) is premature: the stage 1 outcome has not been "
            "issued, so it starts nothing yet and stage 1 goes on; it will be taken as made on the outcome's deemed "
            "receipt.") in r.notes


def test_a_premature_request_counts_once_the_outcome_is_sent(book):
    # The stage 1 outcome is then decided Tue 17 Nov and sent Wed 18 Nov: the request counts from
    # 18 Nov. S2 ack 5 WD: 19, 20 (2), 23, 24, 25 (5) -> Wed 25 Nov. S2 response 20 WD after the
    # request (App. 1): 19, 20 (2), 23-27 (7), 30 Nov-4 Dec (12), 7-11 (17), 14, 15, 16 (20) -> Wed 16 Dec.
    rec = make("hampshire", events=[ev("r2", "escalation_request", "2026-11-10", to_stage=2),
                                    ev("d1", "decision", "2026-11-17", stage=1, **DECISION),
                                    ev("o1", "letter_issued", "2026-11-18", letter="outcome", stage=1)])
    r = run(book, rec, "2026-11-18")
    assert deadline(r, "acknowledgement", 2) == "2026-11-25"
    assert deadline(r, "response", 2) == "2026-12-16"
    # sent by email (the complainant's channel): deemed received the day it is sent
    assert ("The request to escalate to stage 2 (r2, 10 November 2026) came before the stage 1 outcome was issued on "
            "18 November 2026; it is taken as made on the outcome's deemed receipt, 18 November 2026.") in r.notes
    assert not any("is premature" in n for n in r.notes)


REP_CONSENT_10_NOV = {"name": "Mr Sam Jones", "relationship": "relative", "address": ["1 Road", "Telford", "TF1 1AA"],
                      "written_consent": "2026-11-10"}


def test_a_consent_dated_after_the_as_of_date_is_not_yet_given(book):
    # Consent dated Tue 10 Nov; as of Tue 3 Nov it is not given: letters go to the complainant and
    # the consent request is due by the S1 ack deadline, Wed 4 Nov (2 WD: 3, 4).
    r = run(book, make(representative=REP_CONSENT_10_NOV), "2026-11-03")
    assert r.recipient.role == "complainant"
    assert letter(r, "consent-request").due.isoformat() == "2026-11-04"
    # As of Tue 10 Nov it is given: the representative receives the letters; the request, never
    # sent, is no longer due.
    r = run(book, make(representative=REP_CONSENT_10_NOV), "2026-11-10")
    assert r.recipient.role == "representative"
    assert [x.letter for x in r.letters] == ["acknowledgement"]


def test_luton_asks_a_councillor_for_consent_while_writing_to_them(book):
    # Luton Part 1 §15: a councillor may be given information meanwhile; letters.md: the consent
    # request still goes (§10), by the S1 ack deadline, 3 WD after Mon 2 Nov: Thu 5 Nov.
    rep = {"name": "Cllr A Khan", "relationship": "councillor", "address": ["Town Hall", "Luton", "LU1 2BQ"],
           "written_consent": None}
    r = run(book, make("luton", representative=rep), "2026-11-02")
    assert r.recipient.role == "representative"
    ask = letter(r, "consent-request")
    assert ask.due.isoformat() == "2026-11-05" and ask.facts.to == "complainant"


# --------------------------------------------------------------------------- 4. Warwickshire's statutory procedures

def test_the_statutory_procedures_are_known(book):
    assert book.procedures("warwickshire") == ["corporate", "adult-social-care", "childrens"]
    assert book.policy_for("warwickshire", "adult-social-care").stages == 1
    assert book.policy_for("warwickshire", "childrens").stages == 3


def test_adult_social_care_one_final_stage(book):
    # Received Mon 2 Nov 2026. Ack 5 WD (Code 6.2, App. 3 silent): 3-6 (4), Mon 9 Nov (5).
    # Response 10 WD after receipt (App. 3 "10-30"): 3-6 (4), 9-13 (9), Mon 16 Nov (10).
    # Extension limit 30 WD: 17-20 (14), 23-27 (19), 30 Nov-4 Dec (24), 7-11 (29), Mon 14 Dec (30).
    rec = make("warwickshire", procedure="adult-social-care",
               events=[ev("x", "extension", "2026-11-12", stage=1, reason="Care records requested.")])
    r = run(book, rec, "2026-11-12")
    assert deadline(r, "acknowledgement", 1) == "2026-11-09"
    assert letter(r, "extension", 1).facts.previous_due.isoformat() == "2026-11-16"
    assert deadline(r, "response", 1) == "2026-12-14"
    # Its outcome is final, with the LGSCO's details, and opens no escalation window.
    rec["events"].append(ev("d", "decision", "2026-12-10", stage=1, **DECISION))
    r = run(book, rec, "2026-12-10")
    outcome = letter(r, "outcome", 1)
    assert outcome.facts.final and outcome.ombudsman_required
    assert deadline(r, "escalation-window", 1) is None


def test_adult_social_care_stage_two_is_refused_not_rejected(book):
    # docs/rules.md#stages-a-procedure-lacks: Warwickshire's adult social care procedure has one stage. Its outcome,
    # posted by the case system itself on Fri 18 Sep 2026 (no decision recorded), answers it; a
    # request for stage 2 on Thu 1 Oct is an escalation refusal on the refusal clock, 10 WD after
    # the request (§3): Fri 2 (1), 5-9 (6), Mon 12 (7), 13, 14, Thu 15 Oct (10). No acknowledgement.
    rec = make("warwickshire", received="2026-09-04", procedure="adult-social-care",
               events=[ev("o1", "letter_issued", "2026-09-18", letter="outcome", stage=1),
                       ev("r2", "escalation_request", "2026-10-01", to_stage=2, reasons=["I disagree."])])
    r = run(book, rec, "2026-10-02")
    refusal = letter(r, "escalation-refusal", 2)
    assert (refusal.trigger, refusal.due.isoformat(), refusal.status) == ("r2", "2026-10-15", "due")
    assert refusal.ombudsman_required
    assert refusal.facts.reasons == [
        "Our complaints procedure for adult social care has one stage, and our response of 18 September 2026 was final."]
    assert not [x for x in r.letters if x.letter == "acknowledgement" and x.stage == 2]
    assert letter(r, "outcome", 1).status == "issued"


CHILDRENS = [
    # Stage 1: received Mon 2 Nov 2026, outcome sent by email Mon 16 Nov.
    ev("d1", "decision", "2026-11-16", stage=1, **DECISION),
    ev("o1", "letter_issued", "2026-11-16", letter="outcome", stage=1),
    # Stage 2: requested Tue 1 Dec, outcome sent by email Mon 4 Jan 2027.
    ev("r2", "escalation_request", "2026-12-01", to_stage=2),
    ev("d2", "decision", "2027-01-04", stage=2, **DECISION),
    ev("o2", "letter_issued", "2027-01-04", letter="outcome", stage=2),
    # Stage 3: requested Mon 11 Jan 2027.
    ev("r3", "escalation_request", "2027-01-11", to_stage=3),
]


def test_childrens_stage_one(book):
    # Response 10 WD after receipt (App. 3 "10-20"): Mon 16 Nov; limit 20 WD: 17-20 (14),
    # 23-27 (19), Mon 30 Nov (20). Extended without a date: to Mon 30 Nov.
    rec = make("warwickshire", procedure="childrens",
               events=[ev("x", "extension", "2026-11-12", stage=1, reason="A social worker is away.")])
    r = run(book, rec, "2026-11-12")
    assert deadline(r, "response", 1) == "2026-11-30"
    ext = letter(r, "extension", 1)
    assert ext.facts.previous_due.isoformat() == "2026-11-16" and ext.ombudsman_required  # Code 2024 para 6.5


def test_childrens_stage_one_outcome_is_not_final(book):
    # Outcome sent by email Mon 16 Nov (received that day); window 20 WD (App. 3): 17-20 (4),
    # 23-27 (9), 30 Nov-4 Dec (14), 7-11 (19), Mon 14 Dec (20).
    r = run(book, make("warwickshire", procedure="childrens", events=CHILDRENS[:2]), "2026-11-16")
    outcome = letter(r, "outcome", 1)
    assert not outcome.facts.final and not outcome.ombudsman_required
    assert deadline(r, "escalation-window", 1) == "2026-12-14"


def test_childrens_stage_two(book):
    # Request Tue 1 Dec 2026. Ack 5 WD (Code): 2-4 (3), 7, 8 (5) -> Tue 8 Dec. Response 25 WD
    # after the request (App. 3 "25-65"): 2-4 (3), 7-11 (8), 14-18 (13), 21-24 (17), [25, 28 Dec
    # bank holidays], 29-31 (20), [1 Jan 2027 bank holiday], 4-8 Jan (25) -> Fri 8 Jan 2027.
    r = run(book, make("warwickshire", procedure="childrens", events=CHILDRENS[:3]), "2026-12-01")
    assert deadline(r, "acknowledgement", 2) == "2026-12-08"
    assert deadline(r, "response", 2) == "2027-01-08"
    # Limit 65 WD: 40 more after Fri 8 Jan: 11-15 (30), 18-22 (35), 25-29 (40), 1-5 Feb (45),
    # 8-12 (50), 15-19 (55), 22-26 (60), 1-5 Mar (65) -> Fri 5 Mar 2027.
    rec = make("warwickshire", procedure="childrens",
               events=CHILDRENS[:3] + [ev("x2", "extension", "2027-01-05", stage=2, reason="Independent person's report.")])
    assert deadline(run(book, rec, "2027-01-05"), "response", 2) == "2027-03-05"


def test_childrens_stage_two_outcome_and_window_to_the_panel(book):
    # Stage 2 outcome by email Mon 4 Jan 2027: not final, no Ombudsman; window 20 WD from its
    # receipt (App. 3 "within 20 days of receiving the stage two response"): 5-8 (4), 11-15 (9),
    # 18-22 (14), 25-29 (19), Mon 1 Feb (20).
    r = run(book, make("warwickshire", procedure="childrens", events=CHILDRENS[:5]), "2027-01-04")
    outcome = letter(r, "outcome", 2)
    assert not outcome.facts.final and not outcome.ombudsman_required
    assert deadline(r, "escalation-window", 2) == "2027-02-01"


def test_childrens_stage_three_panel(book):
    # Request Mon 11 Jan 2027. Ack 5 WD (Code): 12-15 (4), Mon 18 Jan (5). Response 50 WD after
    # the request (App. 3 "30+5+15"): 12-15 (4), 18-22 (9), 25-29 (14), 1-5 Feb (19), 8-12 (24),
    # 15-19 (29), 22-26 (34), 1-5 Mar (39), 8-12 (44), 15-19 (49), Mon 22 Mar (50).
    rec = make("warwickshire", procedure="childrens", events=CHILDRENS)
    r = run(book, rec, "2027-01-11")
    assert deadline(r, "acknowledgement", 3) == "2027-01-18"
    assert deadline(r, "response", 3) == "2027-03-22"
    # The panel meets Wed 17 Feb: the response is due 20 WD after it (5 + 15): 18, 19 (2),
    # 22-26 (7), 1-5 Mar (12), 8-12 (17), 15, 16, 17 (20) -> Wed 17 Mar.
    rec["events"].append(ev("p", "panel_held", "2027-02-17", stage=3))
    r = run(book, rec, "2027-02-17")
    assert deadline(r, "response", 3) == "2027-03-17"
    # Its outcome is final, with the LGSCO's details.
    rec["events"].append(ev("d3", "decision", "2027-03-10", stage=3, **DECISION))
    outcome = letter(run(book, rec, "2027-03-10"), "outcome", 3)
    assert outcome.due.isoformat() == "2027-03-17" and outcome.facts.final and outcome.ombudsman_required


def test_childrens_stage_three_cannot_be_extended(book):
    rec = make("warwickshire", procedure="childrens",
               events=CHILDRENS + [ev("x3", "extension", "2027-02-01", stage=3, reason="Panel member ill.",
                                      new_due="2027-04-30")])
    assert one_error(book, rec, "2027-02-01") == (
        "record.json: field events[6].type: expected no extension: stage 3 of Warwickshire County Council's "
        "children's procedure has timescales set by statute that cannot be altered; got an extension on "
        "1 February 2027.")


def test_a_panel_in_a_procedure_without_one(book):
    rec = make("warwickshire", events=[ev("p", "panel_held", "2026-11-10", stage=3)])
    assert one_error(book, rec, "2026-11-10") == (
        "record.json: field events[0].stage: expected a stage with a review panel (Warwickshire County Council's "
        "corporate procedure holds none at stage 3); got stage 3.")


# --------------------------------------------------------------------------- 5. the Housing Ombudsman Code as a floor

def test_luton_housing_complaint_eight_months_old_is_accepted(book):
    # First aware Mon 2 Mar 2026, received Mon 2 Nov 2026: eight months. Luton's housing limit
    # (Part 1 §6: 6 months) ended Wed 2 Sep 2026, but the statutory Housing Ombudsman Code's
    # 12 months (para 2.3) run to Tue 2 Mar 2027: in time, acknowledged, with a note.
    rec = make("luton", complaint={"first_aware": "2026-03-02"}, housing_tenancy=True)
    r = run(book, rec, "2026-11-02")
    assert [x.letter for x in r.letters] == ["acknowledgement"]
    assert ("Luton Council's 6-month time limit is below the statutory Housing Ombudsman Code's 12 months "
            "(para 2.3); the Code's applies.") in r.notes
    # Not a housing complaint: Luton's own 12 months, no note.
    r = run(book, make("luton", complaint={"first_aware": "2026-03-02"}), "2026-11-02")
    assert not any("Housing Ombudsman Code" in n for n in r.notes)


def test_luton_housing_response_is_the_earlier_date(book):
    # Received Mon 2 Nov 2026. Ack: Luton 3 WD (Part 2 §7): 3, 4, Thu 5 Nov; the Code's 5 WD is
    # later (Mon 9 Nov), so Luton's stands. Response: Luton 15 WD after receipt (§10): 3-6 (4),
    # 9-13 (9), 16-20 (14), Mon 23 Nov (15); the Code's 10 WD after the acknowledgement (para
    # 6.3), from Thu 5 Nov: 6 (1), 9-13 (6), 16-19 (10) -> Thu 19 Nov, earlier: it applies.
    r = run(book, make("luton", housing_tenancy=True), "2026-11-02")
    assert deadline(r, "acknowledgement", 1) == "2026-11-05"
    assert deadline(r, "response", 1) == "2026-11-19"
    assert ("Luton Council's stage 1 response date (23 November 2026) is later than the statutory Housing "
            "Ombudsman Code's (19 November 2026: 10 working days after the acknowledgement, para 6.3); the "
            "Code's applies.") in r.notes
    # Luton sets no extension limit; the Code's 20 WD after the ack (para 6.4): 19 Nov + 10 WD:
    # 20 (11), 23-27 (16), 30 Nov, 1, 2, 3 Dec (20) -> Thu 3 Dec; an extension without a date goes there.
    rec = make("luton", housing_tenancy=True, events=[ev("x", "extension", "2026-11-16", stage=1, reason="Survey.")])
    r = run(book, rec, "2026-11-16")
    assert deadline(r, "response", 1) == "2026-12-03"
    ext = letter(r, "extension", 1)
    assert ext.due.isoformat() == "2026-11-19" and ext.ombudsman_required  # Code 6.5: in every extension


def test_telford_housing_extension_carries_the_housing_ombudsman(book):
    # Telford's rules now give the Ombudsman in every extension (Code 2024 para 6.5), as the
    # statutory Housing Code does, so no note says the Code replaced them. Telford's clocks equal
    # the Code's here (2 WD ack is earlier than 5; 10 and 20 WD after the ack are the same), so no
    # date note either.
    rec = make(housing_tenancy=True, events=[ev("x", "extension", "2026-11-16", stage=1, reason="Survey.")])
    r = run(book, rec, "2026-11-16")
    assert letter(r, "extension", 1).ombudsman_required
    assert not any("only past its limit" in n for n in r.notes)
    assert not any("date (" in n for n in r.notes)
    assert book.policy_for("telford-wrekin", housing_tenancy=True).ombudsman.key == "hos"


def test_restriction_notices_keep_the_councils_ombudsman(book):
    policy = book.policy_for("luton", housing_tenancy=True)
    assert policy.ombudsman.key == "hos" and policy.restriction_ombudsman.key == "lgsco"


def test_rules_show_marks_the_housing_codes_values(runner_rules_show):
    out = runner_rules_show("luton", "--housing-tenancy")
    flat = " ".join(out.split())
    time_limit = out.split("Time limit", 1)[1].split("Stage 1", 1)[0]
    assert time_limit.split()[:5] == ["the", "longer", "of:", "6", "months"]
    assert "(Housing Code)" in time_limit and "(Housing Code, floor)" in " ".join(time_limit.split())
    assert "2.3" in time_limit
    assert "Housing Ombudsman Service" in flat
    plain = " ".join(runner_rules_show("luton").split())
    assert "Housing Code" not in plain


@pytest.fixture
def runner_rules_show():
    from click.testing import CliRunner
    from conftest import RULES

    from correspondence.cli import cli

    def show(*args):
        result = CliRunner().invoke(cli, ["rules", "show", *args, "--rules", str(RULES)])
        assert result.exit_code == 0, result.output
        return result.output
    return show


# --------------------------------------------------------------------------- 7. unanswered points

POINTS = {"points": ["Bins missed on 2, 9 and 16 October", "Two phone calls not returned", "Rude reply"]}


def finding(point):
    return {"point": point, "finding": "Found."}


def decision_with(*points):
    return ev("d1", "decision", "2026-11-10", stage=1, outcome="partly-upheld",
              findings=[finding(p) for p in points], remedies=[], outstanding_actions=[])


def test_unanswered_points_by_text_or_number():
    from correspondence.engine.case import case_from_record
    from correspondence.engine.points import unanswered_points
    rec = make(complaint=POINTS, events=[decision_with("bins missed on 2, 9 and  16 October", "3")])
    case = case_from_record(rec, "r.json")
    # point 1 by its text (case and spacing aside), point 3 by its number: point 2 is unanswered
    assert unanswered_points(case, case.events[0]) == [2]
    rec = make(complaint=POINTS, events=[decision_with("1", "2", "Rude reply")])
    case = case_from_record(rec, "r.json")
    assert unanswered_points(case, case.events[0]) == []
    assert unanswered_points(case_from_record(make(), "r.json"), {"findings": []}) == []  # no points, none missing


def test_a_decision_leaving_points_unanswered_gives_a_note(book):
    r = run(book, make(complaint=POINTS, events=[decision_with("2")]), "2026-11-10")
    sentence = ("The stage 1 decision (d1) has no finding for complaint points 1 and 3 of 3: the outcome letter must "
                "answer every point raised (a finding's point is the point's text or its number).")
    assert sentence in r.notes
    assert letter(r, "outcome", 1).facts.unanswered_points == [1, 3]
    r = run(book, make(complaint=POINTS, events=[decision_with("1", "2", "3")]), "2026-11-10")
    assert not any("no finding" in n for n in r.notes)


def test_the_manifest_warns_of_unanswered_points(tmp_path):
    import json

    from click.testing import CliRunner
    from conftest import ROOT, RULES

    from correspondence.cli import cli
    record = tmp_path / "r.json"
    record.write_text(json.dumps(make(complaint=POINTS, events=[decision_with("1", "3")])))
    outbox = tmp_path / "outbox"
    result = CliRunner().invoke(cli, ["render", "--case-file", str(record), "--as-of", "2026-11-10", "--letter", "outcome",
                                      "--rules", str(RULES), "--templates", str(ROOT / "templates"), "--outbox", str(outbox)])
    assert result.exit_code == 0, result.output
    # held for sign-off (an outcome, with a point unanswered): its manifest is the draft's
    manifest = json.loads(next((outbox / "T-1" / "drafts").glob("*outcome*.json")).read_text())
    assert [h["code"] for h in manifest["holds"]] == ["kind", "unanswered-points"]
    assert manifest["warnings"] == [
        "The stage 1 decision (d1) has no finding for complaint point 2 of 3: the outcome letter must answer every "
        "point raised (a finding's point is the point's text or its number)."]


# --------------------------------------------------------------------------- 6. rules that invent nothing

@pytest.mark.parametrize("council, words", [
    ("hampshire", "within 12 months of the disputed occurrence or incident"),
    ("telford-wrekin", "not more than a year after the matter giving rise to concern arose"),
    ("warwickshire", "within 12 months of being aware of the issue"),
    ("luton", "within twelve months of first becoming aware of the issue"),
])
def test_not_accepted_states_the_limit_in_the_policys_own_terms(book, council, words):
    # First aware 1 Oct 2025, received Mon 2 Nov 2026: the 12 months ended Thu 1 Oct 2026.
    r = run(book, make(council, complaint={"first_aware": "2025-10-01"}), "2026-11-02")
    facts = letter(r, "not-accepted").facts
    assert facts.time_limit_words == words and facts.time_limit_ends.isoformat() == "2026-10-01"


def test_a_housing_limit_from_the_code_is_stated_in_the_codes_terms(book):
    # Luton housing, first aware 1 Oct 2025: out of time even under the Code's 12 months.
    r = run(book, make("luton", complaint={"first_aware": "2025-10-01"}, housing_tenancy=True), "2026-11-02")
    words = letter(r, "not-accepted").facts.time_limit_words
    assert words.startswith("within 12 months of becoming aware of the issue") and "Housing Ombudsman" in words


def test_telford_restriction_challenge_invents_no_appeal(book):
    rec = make(events=[ev("x", "restriction", "2026-11-10", behaviours=["Abusive calls"], restrictions=["Email only"],
                          duration_months=6, decided_by="Head of Customer Services")])
    challenge = letter(run(book, rec, "2026-11-10"), "restriction-notice").facts.challenge
    assert "time-limited and subject to review" in challenge and "Ombudsman" in challenge
    assert "write to" not in challenge and "appeal" not in challenge


def test_the_not_accepted_letter_prints_the_policys_terms(tmp_path):
    import json

    from click.testing import CliRunner
    from conftest import ROOT, RULES

    from correspondence.cli import cli
    from correspondence.letters.content_check import flat, pdf_text
    record = tmp_path / "r.json"
    record.write_text(json.dumps(make("hampshire", complaint={"first_aware": "2025-10-01"})))
    outbox = tmp_path / "outbox"
    result = CliRunner().invoke(cli, ["render", "--case-file", str(record), "--as-of", "2026-11-02",
                                      "--rules", str(RULES), "--templates", str(ROOT / "templates"), "--outbox", str(outbox)])
    assert result.exit_code == 0, result.output
    pdf = flat(pdf_text(next((outbox / "T-1" / "drafts").glob("*not-accepted*.pdf")).read_bytes()))  # held
    assert ("Our complaints policy asks for complaints to be made within 12 months of the disputed occurrence or "
            "incident. That time ended on 1 October 2026") in pdf


def test_letters_check_prints_the_manifest_warning_and_passes(tmp_path):
    """letters.md, outcome row: an unanswered point is a warning in the manifest *and* in letters check.
    It does not fail the check: the letter carries its required content, a person must read it."""
    import json

    from click.testing import CliRunner
    from conftest import ROOT, RULES

    from correspondence.cli import cli
    record = tmp_path / "r.json"
    record.write_text(json.dumps(make(complaint=POINTS, events=[decision_with("1", "3")])))
    outbox = tmp_path / "outbox"
    folders = ["--rules", str(RULES), "--templates", str(ROOT / "templates"), "--outbox", str(outbox)]
    rendered = CliRunner().invoke(cli, ["render", "--case-file", str(record), "--as-of", "2026-11-10",
                                        "--letter", "outcome", *folders])
    assert rendered.exit_code == 0, rendered.output
    manifest = next((outbox / "T-1" / "drafts").glob("*outcome*.json"))  # held for sign-off
    sentence = ("The stage 1 decision (d1) has no finding for complaint point 2 of 3: the outcome letter must answer "
                "every point raised (a finding's point is the point's text or its number).")
    result = CliRunner().invoke(cli, ["check", *folders])
    assert result.exit_code == 0, result.output
    letter = "outcome stage 1 (d1, a draft awaiting sign-off)"
    assert f"{manifest}: {letter}: warning: {sentence}" in result.output.splitlines()
    assert "Aisha" not in result.output and "Rude reply" not in result.output  # points by number, no names
    report = json.loads(CliRunner().invoke(cli, ["check", "--json", *folders]).output)
    assert report["passed"] is True and report["failures"] == []
    assert report["warnings"] == [
        {"file": str(manifest), "letter": letter, "problem": f"warning: {sentence}"},
        {"file": str(manifest), "letter": letter, "problem": "held for sign-off: kind unanswered-points"}]
