"""The complaints performance report: figures worked out by hand for the hand-built set of cases
in report_cases.py (Warwickshire's corporate procedure, 2026Q4; its timescales and calendar are
written out there, and each case's dates counted in a comment beside it)."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ev, issued
from report_cases import LEDGER, Q4, RECORDS, decision, record, sent

from correspondence.engine.case import case_from_record
from correspondence.reporting.report import Period, build_report


@pytest.fixture(scope="module")
def cases(book):
    councils = {c: book.procedures(c) for c in book.councils}
    return [(case_from_record(r, f"{r['case_id']}.json", councils), LEDGER.get(r["case_id"], [])) for r in RECORDS]


@pytest.fixture(scope="module")
def report(book, cases):
    return build_report(book, cases, Q4)


def test_quarter_dates():
    assert Period.quarter("2026Q4") == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert Period.quarter("2024q1") == Period(date(2024, 1, 1), date(2024, 3, 31))
    assert Period.quarter("2026Q3") == Period(date(2026, 7, 1), date(2026, 9, 30))


def test_one_block_for_warwickshire(report):
    assert report.problems == []
    assert [(c.council, c.procedure) for c in report.councils] == [("warwickshire", "corporate")]
    assert [s.stage for s in report.councils[0].stages] == [1, 2]


def test_stage_1_figures(report):
    s1 = report.councils[0].stage(1)
    # received in Q4: A B C D E F G H I N M = 11 (J K L P Q R before, O after)
    assert s1.received == 11
    assert dict(s1.not_accepted) == {"out-of-time": 1, "excluded": 1, "legal-proceedings": 1,
                                     "previously-considered": 1, "other": 1}  # D, E, F, G, H
    assert (s1.withdrawn, s1.discontinued) == (1, 1)  # I, N
    # acknowledgements due in Q4: A 12 Oct, B 13 Oct (late), C 14 Oct, I 21 Oct, N 26 Oct, M 23 Nov
    # (E F G H's were cancelled unsent when not accepted; D's never fell due)
    assert s1.acknowledged_on_time.to_json() == {"count": 5, "of": 6}
    # responses due in Q4: A 19 Oct (on time), B 20 Oct (late), C 18 Nov extended (within), M 30 Nov (none: late)
    assert s1.responded_on_time.to_json() == {"count": 1, "of": 4}
    assert s1.responded_within_extension.to_json() == {"count": 1, "of": 4}
    assert s1.responded_late.to_json() == {"count": 2, "of": 4}
    assert (s1.extensions_issued, s1.extensions_past_limit) == (1, 0)  # C's, to the limit
    # working days to the response: A 9, B 13, C 25 -> mean 47/3 = 15.7, median 13
    assert sorted(s1.working_days) == [9, 13, 25]
    assert (s1.mean_working_days, s1.median_working_days) == (15.7, 13)
    # outcomes sent in Q4: A upheld, B not upheld, C partly upheld (J K L P Q R were sent earlier)
    assert dict(s1.outcomes) == {"upheld": 1, "not-upheld": 1, "partly-upheld": 1}
    assert s1.upheld_or_partly.to_json() == {"count": 2, "of": 3}
    # service areas: Highways received A B D E F G H I N M = 10, Libraries C = 1;
    # upheld: Highways A of A, B = 1 of 2; Libraries C = 1 of 1
    areas = {a: (f.received, f.upheld_or_partly.to_json()) for a, f in s1.by_service_area.items()}
    assert areas == {"Highways": (10, {"count": 1, "of": 2}), "Libraries": (1, {"count": 1, "of": 1})}


def test_stage_2_figures(report):
    s2 = report.councils[0].stage(2)
    assert s2.received == 3  # requests of J (5 Oct), K (26 Oct), L (1 Oct)
    assert dict(s2.not_accepted) == {"refused": 1, "out-of-window": 1}  # J refused, K out of the window
    assert (s2.withdrawn, s2.discontinued) == (0, 0)
    assert s2.acknowledged_on_time.to_json() == {"count": 1, "of": 1}  # L: due 8 Oct, sent 2 Oct
    assert s2.responded_on_time.to_json() == {"count": 1, "of": 1}  # L: due 12 Nov, sent 9 Nov
    assert s2.responded_late.to_json() == {"count": 0, "of": 1}
    assert (s2.mean_working_days, s2.median_working_days) == (27, 27)
    assert dict(s2.outcomes) == {"upheld": 1}
    areas = {a: (f.received, f.upheld_or_partly.to_json()) for a, f in s2.by_service_area.items()}
    assert areas == {"Highways": (2, {"count": 0, "of": 0}), "Adult Education": (1, {"count": 1, "of": 1})}


def test_council_figures(report):
    w = report.councils[0]
    assert dict(w.received_by_month) == {(2026, 10): 7, (2026, 11): 4}  # Oct: A B C D E I N; Nov: F G H M
    assert dict(w.ombudsman_enquiries) == {"lgsco": 1}  # L's of 20 Nov (J's was 30 Sep)
    assert dict(w.ombudsman_decisions) == {"no-fault": 1, "fault-injustice": 1}  # J 1 Dec, L 15 Dec
    assert w.remedies_complied.to_json() == {"count": 1, "of": 1}
    assert w.compensation_gbp == 250
    assert w.people_restricted == 1  # A, 2 Nov (Q and R were restricted before)
    assert w.reviews_on_time.to_json() == {"count": 1, "of": 2}  # R held 30 Sep for 1 Oct; Q held 3 Dec for 1 Dec
    assert dict(w.learning) == {"Highways": ["Check gullies after storms."], "Libraries": ["Publish opening hours online."],
                                "Adult Education": ["Explain fees before enrolment."]}


def test_late_letters(report):
    got = [(x.case_id, x.letter, x.stage, x.due.isoformat(), x.issued_on and x.issued_on.isoformat(), x.working_days_late)
           for x in report.late_letters]
    assert got == [
        ("B", "acknowledgement", 1, "2026-10-13", "2026-10-14", 1),
        ("B", "outcome", 1, "2026-10-20", "2026-10-23", 3),
        ("K", "escalation-refusal", 2, "2026-11-09", None, 36),
        ("H", "not-accepted", None, "2026-11-12", None, 33),
        ("M", "outcome", 1, "2026-11-30", None, 21),
    ]


def test_a_letter_sent_after_the_period_counts_as_not_sent(book, cases):
    """As of the period's end: M's acknowledgement in the ledger dated 4 Jan 2027 is not yet sent."""
    late_ack = [(c, [issued("acknowledgement", 1, "2027-01-04", "complaint")] if c.case_id == "M" else i) for c, i in cases]
    s1 = build_report(book, late_ack, Q4).councils[0].stage(1)
    assert s1.acknowledged_on_time.to_json() == {"count": 4, "of": 6}


def test_council_filter_and_empty_council(book, cases):
    report = build_report(book, cases, Q4, councils=["luton"])
    assert [(c.council, c.procedure) for c in report.councils] == [("luton", "corporate")]
    s1 = report.councils[0].stage(1)
    assert s1.received == 0 and s1.acknowledged_on_time.percent is None  # "none", never 0%
    assert report.late_letters == []


def test_a_period_not_yet_over_counts_up_to_its_as_of_day(book, cases):
    """Run on Fri 20 Nov 2026, mid-quarter: what falls due after that day is not counted yet."""
    report = build_report(book, cases, Q4, as_of=date(2026, 11, 20))
    assert report.as_of == date(2026, 11, 20) and report.period == Q4
    w = report.councils[0]
    s1 = w.stage(1)
    # acknowledgements due by 20 Nov: A B C I N (M's, due 23 Nov, is not counted yet); B's was late
    assert s1.acknowledged_on_time.to_json() == {"count": 4, "of": 5}
    # responses due by 20 Nov: A (on time), B (late), C (within its extension); M's is due 30 Nov
    assert s1.responded_on_time.to_json() == {"count": 1, "of": 3}
    assert s1.responded_late.to_json() == {"count": 1, "of": 3}
    # the Ombudsman: L's enquiry of 20 Nov counts, the decisions of 1 and 15 Dec not yet
    assert dict(w.ombudsman_enquiries) == {"lgsco": 1} and sum(w.ombudsman_decisions.values()) == 0
    # restriction reviews: R's (due 1 Oct) on time; Q's, due 1 Dec, not yet
    assert w.reviews_on_time.to_json() == {"count": 1, "of": 1}
    # late letters: H's not-accepted letter (due 12 Nov) is 6 WD late by 20 Nov: 13, 16-20
    late = {(x.case_id, x.letter): x.working_days_late for x in report.late_letters}
    assert late[("H", "not-accepted")] == 6 and ("M", "outcome") not in late


def test_one_block_per_procedure(book):
    """Warwickshire's statutory procedures (App. 3) are reported apart, each with its own stages.
    Both received Mon 5 Oct; response due 10 WD after receipt: 6-9 (4), 12-16 (9), 19 -> 19 Oct.
    The children's complaint was answered on 15 Oct (on time); the adults' one not at all (late)."""
    councils = {c: book.procedures(c) for c in book.councils}
    childrens = record("C1", "2026-10-05", [sent("c1", "acknowledgement", "2026-10-06", 1),
                                            decision("c2", "2026-10-14", 1, "upheld"),
                                            sent("c3", "outcome", "2026-10-15", 1)], procedure="childrens")
    adults = record("C2", "2026-10-05", [sent("d1", "acknowledgement", "2026-10-06", 1)], procedure="adult-social-care")
    report = build_report(book, [(case_from_record(r, "r.json", councils), []) for r in (childrens, adults)], Q4)
    blocks = {c.procedure: c for c in report.councils}
    assert [len(blocks["childrens"].stages), len(blocks["adult-social-care"].stages)] == [3, 1]
    assert blocks["childrens"].stage(1).responded_on_time.to_json() == {"count": 1, "of": 1}
    assert blocks["adult-social-care"].stage(1).responded_late.to_json() == {"count": 1, "of": 1}


def test_outcomes_sent_outside_the_service_and_stages_a_procedure_lacks(book):
    """docs/report.md: an outcome the case system sent itself, with no decision, counts as
    sent with its outcome "not recorded" (outside the % denominator); one whose decision was
    recorded later counts that decision; a request for a stage the procedure lacks is refused,
    "no-such-stage", at the procedure's last stage. Adult social care (one stage), received Mon
    5 Oct; response due 10 WD after receipt: 6-9 (4), 12-16 (9), Mon 19 Oct (10)."""
    councils = {c: book.procedures(c) for c in book.councils}
    by_hand = record("H1", "2026-10-05", [sent("h1", "acknowledgement", "2026-10-06", 1),
                                          sent("h2", "outcome", "2026-10-16", 1),
                                          ev("h3", "escalation_request", "2026-10-26", to_stage=2)],
                     procedure="adult-social-care")
    decided_later = record("H2", "2026-10-05", [sent("k1", "acknowledgement", "2026-10-06", 1),
                                                sent("k2", "outcome", "2026-10-16", 1),
                                                decision("k3", "2026-10-19", 1, "upheld")],
                           procedure="adult-social-care")
    report = build_report(book, [(case_from_record(r, "r.json", councils), []) for r in (by_hand, decided_later)], Q4)
    s1 = report.councils[0].stage(1)
    assert dict(s1.outcomes) == {"not-recorded": 1, "upheld": 1}
    assert s1.upheld_or_partly.to_json() == {"count": 1, "of": 1}
    assert s1.responded_on_time.to_json() == {"count": 2, "of": 2}  # both sent 16 Oct, due 19 Oct
    assert s1.not_accepted["no-such-stage"] == 1
    assert s1.to_json()["outcomes"]["not-recorded"] == 1 and s1.to_json()["not_accepted"]["no-such-stage"] == 1


def test_a_superseded_acknowledgement_counts_on_time_when_the_outcome_went_by_its_date(book):
    """Received Mon 5 Oct; ack due 5 WD: 6, 7, 8, 9, Mon 12 Oct. The outcome went on Fri 9 Oct with
    no acknowledgement (superseded: on time); another's on Tue 13 Oct (superseded, but late)."""
    councils = {c: book.procedures(c) for c in book.councils}
    early = record("S1", "2026-10-05", [decision("s1", "2026-10-09", 1, "upheld"), sent("s2", "outcome", "2026-10-09", 1)])
    late = record("S2", "2026-10-05", [decision("t1", "2026-10-13", 1, "upheld"), sent("t2", "outcome", "2026-10-13", 1)])
    report = build_report(book, [(case_from_record(r, f"{r['case_id']}.json", councils), []) for r in (early, late)], Q4)
    assert report.councils[0].stage(1).acknowledged_on_time.to_json() == {"count": 1, "of": 2}
    assert [(x.case_id, x.letter, x.working_days_late) for x in report.late_letters] == [("S2", "acknowledgement", 1)]
