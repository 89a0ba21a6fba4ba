"""Every event type, every engine error message, statuses and notes.

Dates use Telford & Wrekin (ack 2 WD; response 10 WD after the ack) and Warwickshire
(ack 5 WD; response 10 WD after received) from a complaint received Mon 2 Nov 2026.
"""

import pytest
from conftest import deadline, ev, issued, letter, make, one_error, rows, run

DECISION = dict(outcome="upheld", findings=[{"point": "p", "finding": "f"}], remedies=["r"],
                outstanding_actions=[{"action": "a", "by": "2026-12-01"}])


# --------------------------------------------------------------------------- statuses

def test_due_on_the_day_overdue_the_day_after(book):
    assert rows(run(book, make(), "2026-11-04"))[0][-1] == "due"
    assert rows(run(book, make(), "2026-11-05"))[0][-1] == "overdue"


def test_events_after_the_as_of_date_are_not_yet_known(book):
    rec = make(events=[ev("w", "withdrawn", "2026-11-10", method="email")])
    assert [x.letter for x in run(book, rec, "2026-11-05").letters] == ["acknowledgement"]
    assert [x.letter for x in run(book, rec, "2026-11-10").letters] == ["withdrawal-confirmation"]


def test_complaint_received_after_the_as_of_date(book):
    r = run(book, make(), "2026-11-01")
    assert r.letters == () and r.notes == ("The complaint is received on 2 November 2026, after 1 November 2026: nothing is due yet.",)


# --------------------------------------------------------------------------- letter_issued

def test_letter_issued_event_marks_a_letter_sent(book):
    rec = make(events=[ev("L", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1)])
    r = run(book, rec, "2026-11-10")
    assert rows(r) == [("acknowledgement", 1, "complaint", "2026-11-04", "issued")]
    # 10 WD after the ack actually sent on Tue 3 Nov: 4-6 (3), 9-13 (8), 16, 17 (10) -> Tue 17 Nov.
    assert deadline(r, "response", 1) == "2026-11-17"


def test_ledger_entry_matches_by_trigger(book):
    r = run(book, make(), "2026-11-10", issued=[issued("acknowledgement", 1, "2026-11-04", "complaint")])
    assert rows(r)[0][-1] == "issued"


def test_a_letter_issued_that_matches_nothing_is_noted(book):
    # A holding letter after the stage 1 outcome was issued: no investigation runs to hold
    # (docs/rules.md#letters-sent-by-hand), so it answers nothing.
    rec = make(events=[ev("o", "letter_issued", "2026-11-02", letter="outcome", stage=1),
                       ev("L", "letter_issued", "2026-11-03", letter="holding")])
    r = run(book, rec, "2026-11-10")
    assert "A holding letter issued on 3 November 2026 (L) matches no letter this case needs; check the record." in r.notes


# --------------------------------------------------------------------------- extension

def test_extension_new_due_must_be_later(book):
    rec = make(events=[ev("x", "extension", "2026-11-10", stage=1, reason="r", new_due="2026-11-18")])
    assert one_error(book, rec, "2026-11-10") == (
        "record.json: field events[0].new_due: expected a date after the current stage 1 response date 18 November 2026; got 18 November 2026.")


def test_second_extension_at_the_limit_needs_a_date(book):
    # First extension goes to the limit (20 WD after the ack of Wed 4 Nov -> Wed 2 Dec).
    rec = make(events=[ev("x", "extension", "2026-11-10", stage=1, reason="r"),
                       ev("y", "extension", "2026-11-30", stage=1, reason="r")])
    assert one_error(book, rec, "2026-11-30") == (
        "record.json: field events[1].new_due: expected the new response date, as the stage 1 response date "
        "2 December 2026 is already at the policy's limit; got none.")


def test_extension_for_the_wrong_stage(book):
    rec = make(events=[ev("x", "extension", "2026-11-10", stage=2, reason="r")])
    assert one_error(book, rec, "2026-11-10") == (
        "record.json: field events[0].stage: expected stage 1, the stage the complaint is at on 10 November 2026; got stage 2.")


def test_extension_moves_the_outcome_due_date(book):
    rec = make(events=[ev("x", "extension", "2026-11-10", stage=1, reason="r"), ev("d", "decision", "2026-11-25", stage=1, **DECISION)])
    r = run(book, rec, "2026-11-25")
    assert letter(r, "outcome").due.isoformat() == "2026-12-02"
    assert letter(r, "acknowledgement").facts.response_due.isoformat() == "2026-12-02"


# --------------------------------------------------------------------------- decision and outcome

def test_final_outcome_closes_the_procedure(book):
    events = [ev("d1", "decision", "2026-11-10", stage=1, **DECISION),
              ev("o1", "letter_issued", "2026-11-10", letter="outcome", stage=1),
              ev("r2", "escalation_request", "2026-11-12", to_stage=2),
              ev("d2", "decision", "2026-11-20", stage=2, **DECISION)]
    r = run(book, make(events=events), "2026-11-20")
    final = letter(r, "outcome", 2)
    assert final.facts.final and final.ombudsman_required
    assert not letter(r, "outcome", 1).facts.final


def test_second_decision_for_a_stage(book):
    events = [ev("d1", "decision", "2026-11-10", stage=1, **DECISION), ev("d2", "decision", "2026-11-11", stage=1, **DECISION)]
    assert one_error(book, make(events=events), "2026-11-12") == (
        "record.json: field events[1].stage: expected one decision for stage 1 (a stage has one outcome); got a "
        "second, after event d1.")


# --------------------------------------------------------------------------- escalation

def test_escalation_must_go_to_the_next_stage(book):
    events = [ev("r", "escalation_request", "2026-11-10", to_stage=3)]
    assert one_error(book, make("hampshire", events=events), "2026-11-10") == (
        "record.json: field events[0].to_stage: expected stage 2, the stage after the one the complaint is at on "
        "10 November 2026; got stage 3.")


def test_refusal_without_a_request_runs_from_the_refusal(book):
    # Telford: S2 ack deadline, 5 WD after Tue 10 Nov: 11-13 (3), 16, 17 (5) -> Tue 17 Nov.
    events = [ev("n", "escalation_refused", "2026-11-10", to_stage=2, reasons=["Excluded matter."])]
    r = run(book, make(events=events), "2026-11-10")
    assert letter(r, "escalation-refusal", 2).due.isoformat() == "2026-11-17"


# --------------------------------------------------------------------------- not accepted

def test_not_accepted_before_acknowledgement_replaces_it(book):
    # Due 2 WD (Telford's ack) after the later of received and the event, Tue 3 Nov: Wed 4, Thu 5.
    events = [ev("n", "not_accepted", "2026-11-03", ground="excluded", reasons=["A planning appeal applies."])]
    r = run(book, make(events=events), "2026-11-03")
    assert rows(r) == [("not-accepted", None, "n", "2026-11-05", "due")]
    assert letter(r, "not-accepted").ombudsman_required
    assert r.deadlines == ()


def test_not_accepted_after_acknowledgement_keeps_it(book):
    events = [ev("L", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
              ev("n", "not_accepted", "2026-11-06", ground="legal-proceedings", reasons=["Court case."])]
    r = run(book, make(events=events), "2026-11-06")
    assert [x.letter for x in r.letters] == ["acknowledgement", "not-accepted"]


def test_out_of_time_waived(book):
    old = {"first_aware": "2025-01-01"}
    r = run(book, make(complaint=old, events=[ev("w", "time_limit_waived", "2026-11-02", reason="Hospital stay.")]), "2026-11-02")
    assert [x.letter for x in r.letters] == ["acknowledgement"]
    r = run(book, make(complaint=old), "2026-11-02")
    assert letter(r, "not-accepted").facts.time_limit_ends.isoformat() == "2026-01-01"
    assert any(n.startswith("The complaint is out of time: received 2 November 2026, after the 12-month limit") for n in r.notes)


# --------------------------------------------------------------------------- withdrawal, discontinuation, reopening

def test_withdrawal_stops_the_complaint_letters(book):
    # Withdrawn Wed 4 Nov by phone; confirmation due 2 WD (Telford's ack days): Thu 5, Fri 6.
    events = [ev("w", "withdrawn", "2026-11-04", method="phone"), ev("d", "decision", "2026-11-10", stage=1, **DECISION)]
    r = run(book, make(events=events), "2026-11-10")
    assert rows(r) == [("withdrawal-confirmation", None, "w", "2026-11-06", "overdue")]
    assert r.deadlines == ()
    assert any("comes after the complaint was withdrawn on 4 November 2026" in n for n in r.notes)


def test_reopening_restarts_the_stage_clocks(book):
    # Reopened Mon 16 Nov: as if received then. Ack 2 WD: Tue 17, Wed 18. Response 10 WD after: Wed 2 Dec.
    events = [ev("L", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
              ev("w", "withdrawn", "2026-11-04", method="email"),
              ev("o", "reopened", "2026-11-16", reason="Misunderstood.")]
    r = run(book, make(events=events), "2026-11-16")
    assert ("acknowledgement", 1, "o", "2026-11-18", "due") in rows(r)
    assert deadline(r, "response", 1) == "2026-12-02"


def test_reopening_needs_a_withdrawal(book):
    assert one_error(book, make(events=[ev("o", "reopened", "2026-11-16", reason="x")]), "2026-11-16") == (
        "record.json: field events[0].type: expected a withdrawn or discontinued event before a reopening "
        "(Warwickshire §9); got a reopening of a complaint still open on 16 November 2026.")


def attempts(*methods):
    return [ev(f"c{i}", "contact_attempt", f"2026-11-{10 + i:02d}", method=m, outcome="no-response") for i, m in enumerate(methods)]


def test_discontinuation_after_three_attempts_by_two_methods(book):
    # Discontinued Fri 20 Nov; letter 5 WD later: 23-27 Nov -> Fri 27 Nov.
    events = attempts("email", "phone", "letter") + [ev("s", "discontinued", "2026-11-20")]
    r = run(book, make("warwickshire", events=events), "2026-11-20")
    letter_ = letter(r, "discontinuation")
    assert (letter_.due.isoformat(), len(letter_.facts.attempts)) == ("2026-11-27", 3)
    assert r.deadlines == ()


@pytest.mark.parametrize("methods, shown", [
    (("email", "email", "email"), "the record shows 3 unanswered attempts by 1 method up to 20 November 2026."),
    (("email", "phone"), "the record shows 2 unanswered attempts by 2 methods up to 20 November 2026."),
    # email, phone and address known: three different methods are needed (letters.md)
    (("email", "phone", "phone"), "the record shows 3 unanswered attempts by 2 methods up to 20 November 2026."),
])
def test_discontinuation_without_enough_attempts_is_an_error(book, methods, shown):
    events = attempts(*methods) + [ev("s", "discontinued", "2026-11-20")]
    message = one_error(book, make("warwickshire", events=events), "2026-11-20")
    assert message == (f"record.json: field events[{len(methods)}].type: expected at least 3 unanswered contact attempts "
                       f"by at least 3 different methods before a complaint is discontinued (Warwickshire's policy §7; "
                       f"docs/letters.md); got a discontinuation where {shown}")


def test_two_known_methods_need_two_different_attempts(book):
    no_phone = make("warwickshire", events=attempts("email", "letter", "email") + [ev("s", "discontinued", "2026-11-20")])
    del no_phone["complainant"]["phone"]
    assert [x.letter for x in run(book, no_phone, "2026-11-20").letters] == ["discontinuation"]


def test_one_known_method_is_enough_when_it_is_the_only_one(book):
    only_email = {"address": None, "phone": None}
    rec = make("warwickshire", events=attempts("email", "email", "email") + [ev("s", "discontinued", "2026-11-20")],
               complainant=only_email)
    rec["complainant"] = {k: v for k, v in rec["complainant"].items() if v is not None}
    assert [x.letter for x in run(book, rec, "2026-11-20").letters] == ["discontinuation"]


def test_a_response_resets_the_attempts(book):
    events = attempts("email", "phone") + [ev("ok", "contact_attempt", "2026-11-13", method="phone", outcome="responded"),
                                           ev("c9", "contact_attempt", "2026-11-16", method="letter", outcome="no-response"),
                                           ev("s", "discontinued", "2026-11-20")]
    assert "the record shows 1 unanswered attempt by 1 method" in one_error(book, make("warwickshire", events=events), "2026-11-20")


# --------------------------------------------------------------------------- hold

def test_hold_suspends_and_resume_restores_the_remaining_days(book):
    # Warwickshire: response due 10 WD after Mon 2 Nov = Mon 16 Nov. On hold Thu 5 Nov with 7 WD left
    # (6, 9-13, 16). Resumed Mon 23 Nov: 7 WD later is 24-27 (4), 30 Nov, 1, 2 Dec (7) -> Wed 2 Dec.
    # Holding letter due 5 WD (Warwickshire's ack days) after Thu 5 Nov: 6, 9-12 -> Thu 12 Nov.
    events = [ev("h", "on_hold", "2026-11-05", reason="Court case.", other_procedure="County court", expected_resume="2026-11-23")]
    held = run(book, make("warwickshire", events=events), "2026-11-10")
    assert letter(held, "holding").due.isoformat() == "2026-11-12"
    assert deadline(held, "response", 1) is None
    assert any("on hold since 5 November 2026" in n and "(7 working days were left)" in n for n in held.notes)
    resumed = run(book, make("warwickshire", events=events + [ev("u", "resumed", "2026-11-23")]), "2026-11-23")
    assert deadline(resumed, "response", 1) == "2026-12-02"
    assert not any("on hold" in n for n in resumed.notes)


def test_resume_with_a_new_date(book):
    events = [ev("h", "on_hold", "2026-11-05", reason="x"), ev("u", "resumed", "2026-11-23", new_due="2026-12-11")]
    assert deadline(run(book, make("warwickshire", events=events), "2026-11-23"), "response", 1) == "2026-12-11"


# --------------------------------------------------------------------------- behaviour and restrictions

def test_warning_restriction_and_review(book):
    # Warning Mon 9 Nov: letter 5 WD later, Mon 16 Nov. Restriction Mon 16 Nov for 12 months: notice by
    # Mon 23 Nov (§10), review 6 months later (default) 16 May 2027, ends 16 Nov 2027.
    events = [ev("b", "behaviour_warning", "2026-11-09", behaviours=["Abusive calls"]),
              ev("R", "restriction", "2026-11-16", behaviours=["Abusive calls"], restrictions=["Email only"],
                 duration_months=12, decided_by="Service Manager")]
    r = run(book, make("warwickshire", events=events), "2026-11-16")
    assert letter(r, "behaviour-warning").due.isoformat() == "2026-11-16"
    notice = letter(r, "restriction-notice")
    assert notice.due.isoformat() == "2026-11-23" and notice.ombudsman_required
    assert (notice.facts.review.isoformat(), notice.facts.ends.isoformat()) == ("2027-05-16", "2027-11-16")
    assert "no right of appeal" in notice.facts.challenge
    assert deadline(r, "restriction-review") == "2027-05-16"


def test_review_maintained_sets_the_next_review(book):
    events = [ev("R", "restriction", "2026-05-18", behaviours=["b"], restrictions=["r"], duration_months=24, decided_by="x"),
              ev("V", "restriction_review", "2026-11-18", outcome="maintained")]
    r = run(book, make("warwickshire", "2026-05-01", events), "2026-11-18")
    review = letter(r, "restriction-review")
    # 5 WD after Wed 18 Nov: 19, 20, 23, 24, 25 -> Wed 25 Nov. Next review 6 months on: 18 May 2027.
    assert review.due.isoformat() == "2026-11-25" and review.facts.next_review.isoformat() == "2027-05-18"
    assert deadline(r, "restriction-review") == "2027-05-18"


def test_review_lifted_ends_the_reviews(book):
    events = [ev("R", "restriction", "2026-05-18", behaviours=["b"], restrictions=["r"], duration_months=24, decided_by="x"),
              ev("V", "restriction_review", "2026-11-18", outcome="lifted")]
    r = run(book, make("warwickshire", "2026-05-01", events), "2026-11-18")
    assert deadline(r, "restriction-review") is None
    assert letter(r, "restriction-review").facts.next_review is None


def test_review_without_a_restriction(book):
    events = [ev("V", "restriction_review", "2026-11-18", outcome="lifted")]
    assert one_error(book, make(events=events), "2026-11-18") == (
        "record.json: field events[0].type: expected an earlier restriction event still in force before a "
        "restriction_review; got none on or before 18 November 2026.")


def test_conduct_letters_continue_after_withdrawal(book):
    events = [ev("w", "withdrawn", "2026-11-04", method="phone"),
              ev("b", "behaviour_warning", "2026-11-09", behaviours=["Abusive calls"])]
    r = run(book, make(events=events), "2026-11-09")
    assert [x.letter for x in r.letters] == ["withdrawal-confirmation", "behaviour-warning"]


# --------------------------------------------------------------------------- recipients and notes

def test_anonymous_complaint_gets_no_letter(book):
    rec = make()
    rec["complainant"] = {"preferred_contact": "post"}
    r = run(book, rec, "2026-11-03")
    assert r.letters == () and r.recipient is None
    assert r.notes[0] == "Anonymous complaint: no letter can be sent, but the deadlines still apply to the investigation."
    assert deadline(r, "acknowledgement", 1) == "2026-11-04"


def test_representative_with_consent_receives_the_letters(book):
    rep = {"name": "A Solicitor", "relationship": "solicitor", "email": "s@example.org", "written_consent": "2026-11-01"}
    r = run(book, make(representative=rep), "2026-11-03")
    assert r.recipient.role == "representative" and r.recipient.channel == "email"
    assert [x.letter for x in r.letters] == ["acknowledgement"]


def test_representative_without_any_address(book):
    rep = {"name": "A Solicitor", "relationship": "solicitor", "written_consent": "2026-11-01"}
    r = run(book, make(representative=rep), "2026-11-03")
    assert r.letters == ()
    assert "The representative has neither a postal address nor an email address: no letter can be sent." in r.notes


def test_format_needs_and_contact_preferences_are_noted(book):
    rec = make(complainant={"format_needs": ["easy-read", "braille", "audio", "language:cy", "large-print"],
                            "preferred_contact": "phone"})
    notes = run(book, rec, "2026-11-03").notes
    assert notes[:2] == ("The complainant prefers contact by phone; letters are still sent in writing, by post.",
                         "An easy-read version of each letter is needed.")
    assert "A Braille version of each letter is needed." in notes
    assert "An audio version of each letter is needed." in notes
    assert "A version of each letter in Welsh is needed." in notes


def test_missing_consent_is_noted(book):
    rep = {"name": "A Friend", "relationship": "friend", "address": ["1 Road"], "written_consent": None}
    r = run(book, make(representative=rep), "2026-11-03")
    assert ("The representative (friend) has no written consent: letters go to the complainant, with a consent "
            "request, until consent is given.") in r.notes


def test_extension_during_a_hold(book):
    events = [ev("h", "on_hold", "2026-11-05", reason="x"), ev("x", "extension", "2026-11-10", stage=1, reason="r")]
    assert one_error(book, make("warwickshire", events=events), "2026-11-10") == (
        "record.json: field events[1].date: expected a resumed event before an extension: the stage 1 investigation "
        "is on hold since 5 November 2026; got an extension on 10 November 2026.")


def test_hold_without_a_running_investigation_and_resume_without_hold_are_noted(book):
    events = [ev("u", "resumed", "2026-11-04")]
    assert "Resumed event u has no hold before it; it changes nothing." in run(book, make(events=events), "2026-11-04").notes
