"""Worked examples for every council: each expected date is counted by hand in a comment.

Bank holidays used: 2026: Fri 3 Apr, Mon 6 Apr (Easter), Mon 4 May, Mon 25 May, Mon 31 Aug,
Fri 25 Dec, Mon 28 Dec (Boxing Day observed); 2027: Fri 1 Jan.
"""

import pytest
from conftest import deadline, ev, issued, letter, make, rows, run

from correspondence.engine.case import CaseError

# A stage decision; an escalation request is not premature once its outcome is issued (sent()).
DECIDED = dict(outcome="upheld", findings=[], remedies=[], outstanding_actions=[])


def sent(stage: int, day: str) -> dict:
    """The stage's outcome letter, issued by email on ``day`` (deemed received that day)."""
    return ev(f"o{stage}", "letter_issued", day, letter="outcome", stage=stage, delivery="email")


# --------------------------------------------------------------------------- Telford & Wrekin

class TestTelfordWrekin:
    def test_clock_runs_from_the_projected_acknowledgement(self, book):
        # Received Mon 2 Nov 2026. Ack 2 WD (6.9.2): Tue 3 (1), Wed 4 (2) -> Wed 4 Nov.
        # Response 10 WD after the ack's due date (6.9.5): Thu 5 .. Wed 18 Nov.
        r = run(book, make(), "2026-11-03")
        assert rows(r) == [("acknowledgement", 1, "complaint", "2026-11-04", "due")]
        assert deadline(r, "acknowledgement", 1) == "2026-11-04"
        assert deadline(r, "response", 1) == "2026-11-18"

    def test_clock_runs_from_the_acknowledgement_actually_issued(self, book):
        # The ack went out late on Fri 6 Nov: 10 WD after it is Mon 9 - Fri 13 (5), Mon 16 - Fri 20 (10).
        r = run(book, make(), "2026-11-09", issued=[issued("acknowledgement", 1, "2026-11-06", "complaint", "email")])
        assert rows(r) == [("acknowledgement", 1, "complaint", "2026-11-04", "issued")]
        assert deadline(r, "response", 1) == "2026-11-20"

    def test_saturday_receipt(self, book):
        # Received Sat 7 Nov 2026: Mon 9 is WD 1, Tue 10 is WD 2.
        r = run(book, make(received="2026-11-07"), "2026-11-09")
        assert letter(r, "acknowledgement").due.isoformat() == "2026-11-10"

    def test_christmas_and_an_extension_to_the_limit(self, book):
        # Received Wed 23 Dec 2026. Ack: Thu 24 (1), [25 Fri, 28 Mon bank holidays], Tue 29 (2).
        # Response 10 WD after Tue 29 Dec: 30, 31 (2), [1 Jan], 4-8 Jan (7), 11, 12, 13 (10) -> Wed 13 Jan 2027.
        # Limit 20 WD after the ack (6.9.8): 14, 15 (12), 18-22 (17), 25, 26, 27 (20) -> Wed 27 Jan 2027.
        rec = make(received="2026-12-23", events=[ev("x1", "extension", "2027-01-08", stage=1, reason="A site visit is needed.")])
        r = run(book, rec, "2027-01-08")
        ext = letter(r, "extension", 1)
        assert (ext.trigger, ext.due.isoformat(), ext.status) == ("x1", "2027-01-13", "due")
        assert ext.facts.new_due.isoformat() == "2027-01-27"
        assert ext.ombudsman_required is True  # within the 20 WD limit, yet Code 2024 para 6.5: every extension
        assert deadline(r, "acknowledgement", 1) == "2026-12-29"
        assert deadline(r, "response", 1) == "2027-01-27"

    def test_extension_past_the_limit_needs_the_ombudsman(self, book):
        # Limit: 20 WD after the ack due Wed 4 Nov -> Wed 2 Dec 2026; new_due 11 Dec goes past it (6.9.10).
        rec = make(events=[ev("x1", "extension", "2026-11-16", stage=1, reason="Awaiting a contractor report.", new_due="2026-12-11")])
        r = run(book, rec, "2026-11-16")
        ext = letter(r, "extension", 1)
        assert ext.ombudsman_required is True
        assert ext.due.isoformat() == "2026-11-18"
        assert deadline(r, "response", 1) == "2026-12-11"
        assert any("past the policy's stage 1 limit (2 December 2026)" in n for n in r.notes)

    def test_escalation_window_from_the_outcome_actually_sent(self, book):
        # Outcome sent Thu 19 Nov 2026; window 20 WD (6.9.5): Fri 20 (1), 23-27 (6), 30 Nov-4 Dec (11),
        # 7-11 (16), Mon 14 - Thu 17 (20) -> Thu 17 Dec.
        events = [ev("d1", "decision", "2026-11-18", stage=1, outcome="upheld", findings=[], remedies=[], outstanding_actions=[])]
        r = run(book, make(events=events), "2026-11-20",
                issued=[issued("acknowledgement", 1, "2026-11-04", "complaint"), issued("outcome", 1, "2026-11-19", "d1")])
        assert deadline(r, "escalation-window", 1) == "2026-12-17"
        assert letter(r, "outcome", 1).status == "issued"

    def test_escalation_on_the_last_day_is_accepted(self, book):
        # Request Thu 17 Dec: S2 ack 5 WD (6.10.2): Fri 18 (1), Mon 21 - Thu 24 (5) -> Thu 24 Dec.
        # S2 response 20 WD after that ack (6.10.4): 29, 30, 31 (3), 4-8 Jan (8), 11-15 (13), 18-22 (18),
        # Mon 25, Tue 26 (20) -> Tue 26 Jan 2027.
        events = [ev("d1", "decision", "2026-11-18", stage=1, outcome="upheld", findings=[], remedies=[], outstanding_actions=[]),
                  ev("r2", "escalation_request", "2026-12-17", to_stage=2)]
        r = run(book, make(events=events), "2026-12-18",
                issued=[issued("acknowledgement", 1, "2026-11-04", "complaint"), issued("outcome", 1, "2026-11-19", "d1")])
        assert ("acknowledgement", 2, "r2", "2026-12-24", "due") in rows(r)
        assert deadline(r, "response", 2) == "2027-01-26"

    def test_escalation_after_the_window_is_refused_automatically(self, book):
        # Request Fri 18 Dec, a day after the window closed on Thu 17 Dec. Refusal due by the S2 ack
        # deadline: 5 WD after Fri 18 Dec: 21, 22, 23, 24 (4), [25, 28 Dec], Tue 29 (5).
        events = [ev("d1", "decision", "2026-11-18", stage=1, outcome="upheld", findings=[], remedies=[], outstanding_actions=[]),
                  ev("r2", "escalation_request", "2026-12-18", to_stage=2)]
        r = run(book, make(events=events), "2026-12-18",
                issued=[issued("acknowledgement", 1, "2026-11-04", "complaint"), issued("outcome", 1, "2026-11-19", "d1")])
        refusal = letter(r, "escalation-refusal", 2)
        assert (refusal.trigger, refusal.due.isoformat()) == ("r2", "2026-12-29")
        assert refusal.ombudsman_required
        assert refusal.facts.window_closes.isoformat() == "2026-12-17"
        assert deadline(r, "acknowledgement", 2) is None

    def test_a_waiver_accepts_a_late_escalation(self, book):
        events = [ev("d1", "decision", "2026-11-18", stage=1, outcome="upheld", findings=[], remedies=[], outstanding_actions=[]),
                  ev("r2", "escalation_request", "2026-12-18", to_stage=2),
                  ev("w1", "time_limit_waived", "2026-12-18", reason="The complainant was in hospital.")]
        r = run(book, make(events=events), "2026-12-18",
                issued=[issued("outcome", 1, "2026-11-19", "d1")])
        assert [x.letter for x in r.letters if x.stage == 2] == ["acknowledgement"]

    def test_tenant_complaints_go_to_the_housing_ombudsman(self, book):
        policy = book.policy_for("telford-wrekin", housing_tenancy=True)
        assert policy.ombudsman.name == "Housing Ombudsman Service"
        assert policy.ombudsman.phone == "0300 111 3000"
        assert book.policy_for("telford-wrekin").ombudsman.phone == "0300 061 0614"

    def test_cse_complaints_have_no_time_limit_and_no_consent_exemption(self, book):
        old = {"first_aware": "2009-05-01"}
        rep = {"name": "Cllr Jo Bloggs", "relationship": "councillor", "address": ["Darby House"], "written_consent": None}
        r = run(book, make(complaint=old, cse=True, representative=rep), "2026-11-03")
        assert [x.letter for x in r.letters] == ["acknowledgement", "consent-request"]
        assert r.recipient.role == "complainant"
        # Without the CSE flag the same complaint is out of time (4.5).
        r = run(book, make(complaint=old), "2026-11-03")
        assert [x.letter for x in r.letters] == ["not-accepted"]


# --------------------------------------------------------------------------- Warwickshire

class TestWarwickshire:
    def test_easter_response_and_limit(self, book):
        # Received Mon 30 Mar 2026. Ack 5 WD (inherited from the Code): 31, 1, 2 (3), [3, 6 Apr], 7, 8 (5) -> Wed 8 Apr.
        # Response 10 WD after received (App. 3): 31, 1, 2 (3), 7, 8, 9, 10 (7), 13, 14, 15 (10) -> Wed 15 Apr.
        # Limit 30 WD after received: 16, 17 (12), 20-24 (17), 27-30 Apr, 1 May (22), [4 May], 5-8 (26), 11-14 (30) -> Thu 14 May.
        rec = make("warwickshire", "2026-03-30", [ev("x1", "extension", "2026-04-14", stage=1, reason="Complex.")])
        r = run(book, rec, "2026-04-14")
        assert letter(r, "acknowledgement").due.isoformat() == "2026-04-08"
        ext = letter(r, "extension", 1)
        assert ext.due.isoformat() == "2026-04-15"
        assert deadline(r, "response", 1) == "2026-05-14"

    @pytest.mark.parametrize("delivery, closes", [
        # Outcome sent Thu 17 Sep 2026 (App. 3 deemed receipt), then 20 WD:
        ("email", "2026-10-15"),         # received Thu 17: Fri 18 (1), 21-25 (6), 28-2 (11), 5-9 (16), 12-15 (20)
        ("first-class", "2026-10-16"),   # received Fri 18 (the day after): 21-25 (5), 28-2 (10), 5-9 (15), 12-16 (20)
        ("second-class", "2026-10-20"),  # received Tue 22 (Fri 18, Mon 21, Tue 22): 23-25 (3), 28-2 (8), 5-9 (13), 12-16 (18), 19, 20 (20)
    ])
    def test_deemed_receipt_opens_the_escalation_window(self, book, delivery, closes):
        events = [ev("d1", "decision", "2026-09-17", stage=1, outcome="not-upheld", findings=[], remedies=[], outstanding_actions=[]),
                  ev("L1", "letter_issued", "2026-09-17", letter="outcome", stage=1, delivery=delivery)]
        r = run(book, make("warwickshire", "2026-09-07", events), "2026-09-18")
        assert deadline(r, "escalation-window", 1) == closes

    def test_default_delivery_follows_the_preferred_contact(self, book):
        events = [ev("d1", "decision", "2026-09-17", stage=1, outcome="not-upheld", findings=[], remedies=[], outstanding_actions=[]),
                  ev("L1", "letter_issued", "2026-09-17", letter="outcome", stage=1)]
        by_email = run(book, make("warwickshire", "2026-09-07", events), "2026-09-18")
        by_post = run(book, make("warwickshire", "2026-09-07", events, complainant={"preferred_contact": "post"}), "2026-09-18")
        assert deadline(by_email, "escalation-window", 1) == "2026-10-15"  # email: received that day
        assert deadline(by_post, "escalation-window", 1) == "2026-10-16"   # first class: the day after

    def test_refusal_to_escalate_within_ten_working_days(self, book):
        # Request Mon 2 Nov 2026, refused Thu 5 Nov; due 10 WD after the request (§3): 3-6 (4), 9-13 (9), Mon 16 (10).
        events = [ev("d1", "decision", "2026-10-20", stage=1, outcome="not-upheld", findings=[], remedies=[], outstanding_actions=[]),
                  ev("L1", "letter_issued", "2026-10-20", letter="outcome", stage=1, delivery="email"),
                  ev("r2", "escalation_request", "2026-11-02", to_stage=2),
                  ev("n2", "escalation_refused", "2026-11-05", to_stage=2, reasons=["No new points were raised."])]
        r = run(book, make("warwickshire", "2026-10-01", events), "2026-11-06")
        refusal = letter(r, "escalation-refusal", 2)
        assert (refusal.trigger, refusal.due.isoformat(), refusal.status) == ("n2", "2026-11-16", "due")
        assert not [x for x in r.letters if x.letter == "acknowledgement" and x.stage == 2]

    def test_stage_two_extension_needs_a_date(self, book):
        events = [ev("d1", "decision", "2026-11-02", stage=1, **DECIDED), sent(1, "2026-11-02"), ev("r2", "escalation_request", "2026-11-02", to_stage=2),
                  ev("x2", "extension", "2026-11-20", stage=2, reason="More time.")]
        with pytest.raises(CaseError) as err:
            run(book, make("warwickshire", "2026-10-01", events), "2026-11-20")
        assert err.value.problems == [
            "record.json: field events[3].new_due: expected the new response date, as Warwickshire County Council's "
            "policy sets no extension limit for stage 2; got none."]

    @pytest.mark.parametrize("first_aware, letters", [
        ("2025-11-02", ["acknowledgement"]),  # 12 months later is 2 Nov 2026, the day received: in time
        ("2025-11-01", ["not-accepted"]),     # the limit ended 1 Nov 2026: out of time
    ])
    def test_twelve_month_time_limit(self, book, first_aware, letters):
        r = run(book, make("warwickshire", "2026-11-02", complaint={"first_aware": first_aware}), "2026-11-02")
        assert [x.letter for x in r.letters] == letters


# --------------------------------------------------------------------------- Solihull

class TestSolihull:
    def test_timescales_from_first_report(self, book):
        # Received Mon 5 Oct 2026. Ack 5 WD: 6-9 (4), Mon 12 (5). Response 20 WD after received:
        # 6-9 (4), 12-16 (9), 19-23 (14), 26-30 (19), Mon 2 Nov (20). Complex limit 30 WD: 3-6 (24), 9-13 (29), Mon 16 (30).
        rec = make("solihull", "2026-10-05", [ev("x1", "extension", "2026-10-28", stage=1, reason="Two services involved.")])
        r = run(book, rec, "2026-10-28")
        assert letter(r, "acknowledgement").due.isoformat() == "2026-10-12"
        assert letter(r, "extension").due.isoformat() == "2026-11-02"
        assert deadline(r, "response", 1) == "2026-11-16"

    def test_stage_one_outcome_carries_the_ombudsman(self, book):
        events = [ev("d1", "decision", "2026-10-20", stage=1, outcome="upheld", findings=[], remedies=[], outstanding_actions=[])]
        r = run(book, make("solihull", "2026-10-05", events), "2026-10-20")
        outcome = letter(r, "outcome", 1)
        assert outcome.ombudsman_required and not outcome.facts.final
        assert deadline(r, "escalation-window", 1) is None  # no window in Solihull's policy

    def test_stage_two_ten_days_extendable_to_twenty(self, book):
        # Request Thu 19 Nov 2026. S2 ack 5 WD (Code): 20 (1), 23-26 (5) -> Thu 26 Nov.
        # Response 10 WD after the request: 20 (1), 23-27 (6), 30, 1, 2, 3 (10) -> Thu 3 Dec.
        # Limit 20 WD: 4 (11), 7-11 (16), 14-17 (20) -> Thu 17 Dec.
        events = [ev("d1", "decision", "2026-11-19", stage=1, **DECIDED), sent(1, "2026-11-19"), ev("r2", "escalation_request", "2026-11-19", to_stage=2),
                  ev("x2", "extension", "2026-12-01", stage=2, reason="Advice needed.")]
        r = run(book, make("solihull", "2026-10-05", events), "2026-12-01")
        assert letter(r, "acknowledgement", 2).due.isoformat() == "2026-11-26"
        assert letter(r, "extension", 2).due.isoformat() == "2026-12-03"
        assert deadline(r, "response", 2) == "2026-12-17"

    def test_no_time_limit(self, book):
        r = run(book, make("solihull", "2026-10-05", complaint={"first_aware": "2016-01-01"}), "2026-10-05")
        assert [x.letter for x in r.letters] == ["acknowledgement"]


# --------------------------------------------------------------------------- Hampshire

class TestHampshire:
    def test_three_stages(self, book):
        r = run(book, make("hampshire", "2026-07-06"), "2026-07-06")
        assert book.policy_for("hampshire").stages == 3
        # Received Mon 6 Jul 2026; ack 5 WD: 7-10 (4), Mon 13 (5); response 20 WD: ..., Mon 3 Aug (20).
        assert deadline(r, "acknowledgement", 1) == "2026-07-13"
        assert deadline(r, "response", 1) == "2026-08-03"

    def test_extension_without_a_date_is_a_clear_error(self, book):
        rec = make("hampshire", "2026-07-06", [ev("x1", "extension", "2026-07-30", stage=1, reason="Complex.")])
        with pytest.raises(CaseError) as err:
            run(book, rec, "2026-07-30")
        assert err.value.problems == [
            "record.json: field events[0].new_due: expected the new response date, as Hampshire County Council's "
            "policy sets no extension limit for stage 1; got none."]

    def test_extension_with_a_date(self, book):
        rec = make("hampshire", "2026-07-06", [ev("x1", "extension", "2026-07-30", stage=1, reason="Complex.", new_due="2026-08-14")])
        r = run(book, rec, "2026-07-30")
        ext = letter(r, "extension", 1)
        assert ext.due.isoformat() == "2026-08-03" and ext.ombudsman_required  # no limit, yet Code 2024 para 6.5
        assert deadline(r, "response", 1) == "2026-08-14"

    def test_refusing_stage_three_is_due_with_its_acknowledgement(self, book):
        # Request for stage 3 on Mon 16 Nov 2026, refused; due by the S3 ack: 17-20 (4), Mon 23 (5).
        events = [ev("d1", "decision", "2026-09-01", stage=1, **DECIDED), sent(1, "2026-09-01"), ev("r2", "escalation_request", "2026-09-01", to_stage=2),
                  ev("d2", "decision", "2026-11-16", stage=2, **DECIDED), sent(2, "2026-11-16"), ev("r3", "escalation_request", "2026-11-16", to_stage=3),
                  ev("n3", "escalation_refused", "2026-11-18", to_stage=3, reasons=["Stage 2 is still open."])]
        r = run(book, make("hampshire", "2026-07-06", events), "2026-11-18")
        assert letter(r, "escalation-refusal", 3).due.isoformat() == "2026-11-23"

    def test_a_fourth_stage_is_refused_not_rejected(self, book):
        # docs/rules.md#stages-a-procedure-lacks: a request for a stage the procedure lacks is an escalation refusal,
        # due by the acknowledgement days of its last stage (App. 1: 5 WD). Request Mon 2 Nov
        # 2026: Tue 3 (1), Wed 4 (2), Thu 5 (3), Fri 6 (4), Mon 9 Nov (5).
        events = [ev("d1", "decision", "2026-09-01", stage=1, **DECIDED), sent(1, "2026-09-01"),
                  ev("r2", "escalation_request", "2026-09-01", to_stage=2),
                  ev("d2", "decision", "2026-10-01", stage=2, **DECIDED), sent(2, "2026-10-01"),
                  ev("r3", "escalation_request", "2026-10-01", to_stage=3),
                  ev("d3", "decision", "2026-10-30", stage=3, **DECIDED), sent(3, "2026-10-30"),
                  ev("r4", "escalation_request", "2026-11-02", to_stage=4)]
        r = run(book, make("hampshire", "2026-07-06", events), "2026-11-03")
        refusal = letter(r, "escalation-refusal", 4)
        assert (refusal.trigger, refusal.due.isoformat(), refusal.status) == ("r4", "2026-11-09", "due")
        assert refusal.ombudsman_required
        assert refusal.facts.reasons == [
            "Our complaints procedure has three stages, and our stage 3 response of 30 October 2026 was final."]
        assert not [x for x in r.letters if x.stage == 4 and x.letter == "acknowledgement"]

    def test_councillors_need_written_consent(self, book):
        rep = {"name": "Cllr A", "relationship": "councillor", "address": ["The Castle", "Winchester"], "written_consent": None}
        r = run(book, make("hampshire", "2026-07-06", representative=rep), "2026-07-06")
        assert [x.letter for x in r.letters] == ["acknowledgement", "consent-request"]
        assert letter(r, "consent-request").due.isoformat() == "2026-07-13"  # the S1 ack deadline


# --------------------------------------------------------------------------- Luton

class TestLuton:
    def test_timescales(self, book):
        # Received Mon 21 Sep 2026. Ack 3 WD (Part 2 §7): 22, 23, Thu 24. Response 15 WD (§10):
        # 22-25 (4), 28 Sep - 2 Oct (9), 5-9 (14), Mon 12 Oct (15).
        r = run(book, make("luton", "2026-09-21"), "2026-09-21")
        assert deadline(r, "acknowledgement", 1) == "2026-09-24"
        assert deadline(r, "response", 1) == "2026-10-12"

    def test_stage_two(self, book):
        # Request Mon 2 Nov 2026. Ack 3 WD (§17): 3, 4, Thu 5. Response 25 WD (§20): 3-6 (4), 9-13 (9),
        # 16-20 (14), 23-27 (19), 30 Nov - 4 Dec (24), Mon 7 Dec (25).
        events = [ev("d1", "decision", "2026-11-02", stage=1, **DECIDED), sent(1, "2026-11-02"), ev("r2", "escalation_request", "2026-11-02", to_stage=2)]
        r = run(book, make("luton", "2026-09-21", events), "2026-11-02")
        assert deadline(r, "acknowledgement", 2) == "2026-11-05"
        assert deadline(r, "response", 2) == "2026-12-07"

    @pytest.mark.parametrize("housing, letters", [
        # Part 1 §6's 6 months from 1 May 2026 ended 1 Nov 2026, but for a housing complaint the
        # statutory Housing Ombudsman Code's 12 months apply (hos-2024 para 2.3): in time.
        (True, ["acknowledgement"]),
        (False, ["acknowledgement"]),   # 12 months: in time
    ])
    def test_housing_six_month_limit(self, book, housing, letters):
        rec = make("luton", "2026-11-02", complaint={"first_aware": "2026-05-01"}, housing_tenancy=housing)
        r = run(book, rec, "2026-11-02")
        assert [x.letter for x in r.letters] == letters

    def test_mp_acts_without_written_consent(self, book):
        rep = {"name": "A Member", "relationship": "mp", "address": ["Constituency Office", "Luton"], "written_consent": None}
        r = run(book, make("luton", "2026-09-21", representative=rep), "2026-09-21")
        # letters.md: Luton asks for consent too (§10), while letters may go to the MP meanwhile (§15)
        assert [x.letter for x in r.letters] == ["acknowledgement", "consent-request"]
        assert r.recipient.role == "representative" and r.recipient.on_behalf

    def test_a_friend_needs_consent(self, book):
        rep = {"name": "A Friend", "relationship": "friend", "address": ["1 Road", "Luton"], "written_consent": None}
        r = run(book, make("luton", "2026-09-21", representative=rep), "2026-09-21")
        assert [x.letter for x in r.letters] == ["acknowledgement", "consent-request"]
        assert r.recipient.role == "complainant"

    def test_restriction_review_after_three_months_clamped_to_month_end(self, book):
        # Decision Mon 30 Nov 2026: review 3 months later is 28 Feb 2027 (no 30 Feb, App. A §18, §21);
        # duration 3 months ends the same day. Notice 5 WD (default): 1-4 Dec (4), Mon 7 Dec (5).
        events = [ev("R1", "restriction", "2026-11-30", behaviours=["Abuse"], restrictions=["Writing only"],
                     duration_months=3, decided_by="Head of Service")]
        r = run(book, make("luton", "2026-09-21", events), "2026-11-30")
        notice = letter(r, "restriction-notice")
        assert notice.due.isoformat() == "2026-12-07"
        assert notice.facts.review.isoformat() == "2027-02-28" and notice.facts.ends.isoformat() == "2027-02-28"
        assert deadline(r, "restriction-review") == "2027-02-28"


# --------------------------------------------------------------------------- the Code on its own

class TestCode2024:
    def test_stage_one_and_extensions_always_carry_the_ombudsman(self, book):
        # Received Thu 11 Dec 2025; ack 5 WD (6.2): 12 (1), 15-18 (5) -> Thu 18 Dec, issued Mon 15 Dec.
        # Response 10 WD after the ack issued (6.3): 16-19 (4), 22, 23, 24 (7), [25, 26 Dec], 29, 30, 31 (10) -> Wed 31 Dec.
        # Limit 20 WD after the ack (6.4): [1 Jan], 2 (11), 5-9 (16), 12-15 (20) -> Thu 15 Jan 2026.
        events = [ev("a", "letter_issued", "2025-12-15", letter="acknowledgement", stage=1),
                  ev("x1", "extension", "2025-12-30", stage=1, reason="Waiting for the VOA.")]
        r = run(book, make("code-2024", "2025-12-11", events), "2025-12-30")
        ext = letter(r, "extension", 1)
        assert ext.due.isoformat() == "2025-12-31" and ext.facts.new_due.isoformat() == "2026-01-15"
        assert ext.ombudsman_required  # 6.5: every extension

    def test_stage_two_from_its_acknowledgement(self, book):
        # Request Mon 26 Oct 2026; S2 ack 5 WD: 27-30 (4), Mon 2 Nov (5); issued Fri 30 Oct.
        # Response 20 WD after 30 Oct: 2-6 (5), 9-13 (10), 16-20 (15), 23-27 (20) -> Fri 27 Nov.
        # Limit 40 WD: 30 Nov - 4 Dec (25), 7-11 (30), 14-18 (35), 21-24 (39), [25, 28 Dec], Tue 29 Dec (40).
        events = [ev("d1", "decision", "2026-10-26", stage=1, **DECIDED), sent(1, "2026-10-26"), ev("r2", "escalation_request", "2026-10-26", to_stage=2),
                  ev("a2", "letter_issued", "2026-10-30", letter="acknowledgement", stage=2),
                  ev("x2", "extension", "2026-11-25", stage=2, reason="Contractor report awaited.")]
        r = run(book, make("code-2024", "2026-09-01", events), "2026-11-25")
        assert letter(r, "extension", 2).due.isoformat() == "2026-11-27"
        assert deadline(r, "response", 2) == "2026-12-29"

    def test_final_outcome_for_a_tenant(self, book):
        events = [ev("d1", "decision", "2026-10-26", stage=1, **DECIDED), sent(1, "2026-10-26"), ev("r2", "escalation_request", "2026-10-26", to_stage=2),
                  ev("d2", "decision", "2026-11-20", stage=2, outcome="upheld", findings=[], remedies=[], outstanding_actions=[])]
        r = run(book, make("code-2024", "2026-09-01", events, housing_tenancy=True), "2026-11-20")
        outcome = letter(r, "outcome", 2)
        assert outcome.facts.final and outcome.ombudsman_required
        assert book.policy_for("code-2024", housing_tenancy=True).ombudsman.key == "hos"


class TestLeapDay:
    def test_received_on_a_leap_day(self, book):
        # Telford & Wrekin, received Tue 29 Feb 2028: ack 2 WD: Wed 1 Mar (1), Thu 2 Mar (2).
        r = run(book, make(received="2028-02-29"), "2028-02-29")
        assert deadline(r, "acknowledgement", 1) == "2028-03-02"

    @pytest.mark.parametrize("received, letters", [
        ("2029-02-28", ["acknowledgement"]),  # 12 months after 29 Feb 2028 is 28 Feb 2029 (clamped): in time
        ("2029-03-01", ["not-accepted"]),     # a day later: out of time
    ])
    def test_time_limit_from_a_leap_day(self, book, received, letters):
        rec = make("hampshire", received, complaint={"first_aware": "2028-02-29"})
        assert [x.letter for x in run(book, rec, received).letters] == letters
