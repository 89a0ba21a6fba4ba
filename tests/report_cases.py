"""The hand-built set of cases the report tests count by hand (tests/test_report.py and
tests/test_report_output.py): Warwickshire's corporate procedure, each date counted in a comment.

Warwickshire's corporate procedure (000_bbf500969b16e6bd.txt): stage 1 acknowledged within 5
working days of receipt (the Code's, the policy is silent), answered within 10 working days of
receipt, extendable to 30 working days of receipt; stage 2 acknowledged within 5 working days of
the request, answered within 30 working days of the request; an escalation asked for more than 20
working days after the stage 1 response's deemed receipt (the day it is emailed) is out of the
window, and its refusal is due 10 working days after the request. No closure days.

The period is 2026Q4 (1 October to 31 December 2026). Calendar used below: 1 Oct 2026 is a
Thursday; 31 Aug 2026 (summer), 25 Dec and 28 Dec 2026 (Boxing Day's substitute) are bank holidays.
"""

from __future__ import annotations

import copy
from datetime import date

from conftest import ev, issued

from correspondence.reporting.report import Period

COMPLAINANT = {
    "title": "Mx", "given_name": "Zebedee", "family_name": "Quillfeather",
    "address": ["7 Larkspur Mews", "Kenilworth", "CV8 9ZZ"],
    "email": "zq.home@example.net", "phone": "07700 900777", "preferred_contact": "email",
}
OFFICER = {"name": "Ottoline Brackwater", "email": "ottoline.b@example.net", "phone": "01926 999111"}
SUMMARY = "The gully outside my bungalow overflowed onto the drive."
POINTS = ["Gully overflowed on 3 September", "Nobody replied to my email of 5 September"]
REP = {"name": "Cllr Peregrine Ashdown", "relationship": "councillor", "address": ["9 Nightjar Close", "Rugby", "CV21 9QQ"],
       "email": "p.ashdown@example.net", "written_consent": "2026-01-01"}
# Every value above, and the text of reasons and findings below, must never reach a report.
PERSONAL = ["Zebedee", "Quillfeather", "Larkspur", "Kenilworth", "CV8 9ZZ", "zq.home@example.net", "07700 900777",
            "Ottoline", "Brackwater", "ottoline.b@example.net", "01926 999111", "gully outside my bungalow",
            "Gully overflowed on 3 September", "Nobody replied", "Peregrine", "Ashdown", "Nightjar", "CV21 9QQ",
            "p.ashdown@example.net", "The drain was slow to clear", "a fresh account of the flood",
            "The stage 2 reasons of the complainant", "Roads team to check gully", "A private matter in court"]


def sent(id, letter, day, stage=None):
    fields = {"letter": letter}
    if stage:
        fields["stage"] = stage
    return ev(id, "letter_issued", day, **fields)


def decision(id, day, stage, outcome, learning=None):
    fields = {"stage": stage, "outcome": outcome,
              "findings": [{"point": POINTS[0], "finding": "The drain was slow to clear"}],
              "remedies": ["An apology"], "outstanding_actions": [{"action": "Roads team to check gully", "by": "2027-01-29"}]}
    if learning:
        fields["learning"] = learning
    return ev(id, "decision", day, **fields)


def record(case_id, received, events, service_area="Highways", **fields):
    rec = {
        "format": "complaint-case/1", "case_id": case_id, "council": "warwickshire", "service_area": service_area,
        "complainant": copy.deepcopy(COMPLAINANT), "officer": dict(OFFICER),
        "complaint": {"received": received, "channel": "email", "summary": SUMMARY, "points": list(POINTS),
                      "outcomes_sought": ["An apology"]},
        "events": events,
    }
    rec.update(fields)
    return rec


RESTRICT = {"behaviours": ["Repeated calls"], "restrictions": ["One contact a week"], "duration_months": 6,
            "decided_by": "Head of Customer Service"}

RECORDS = [
    # A, on time. Received Mon 5 Oct. Ack due 5 WD: 6,7,8,9,12 -> 12 Oct; sent 8 Oct. Response due
    # 10 WD: 6-9 (4), 12-16 (9), 19 (10) -> 19 Oct; sent 16 Oct (9 WD after receipt: 6-9, 12-16).
    # A restriction on 2 Nov (review in 6 months: 2 May 2027, outside); its notice sent 4 Nov.
    record("A", "2026-10-05", [sent("a1", "acknowledgement", "2026-10-08", 1),
                               decision("a2", "2026-10-15", 1, "upheld", "Check gullies after storms."),
                               sent("a3", "outcome", "2026-10-16", 1),
                               ev("a4", "restriction", "2026-11-02", review_months=6, **RESTRICT),
                               sent("a5", "restriction-notice", "2026-11-04")]),
    # B, late. Received Tue 6 Oct. Ack due 7,8,9,12,13 -> 13 Oct; sent 14 Oct (1 WD late). Response
    # due 7-9 (3), 12-16 (8), 19, 20 -> 20 Oct; sent 23 Oct (3 WD late; 13 WD after receipt).
    record("B", "2026-10-06", [sent("b1", "acknowledgement", "2026-10-14", 1),
                               decision("b2", "2026-10-22", 1, "not-upheld"),
                               sent("b3", "outcome", "2026-10-23", 1)]),
    # C, within its extension. Received Wed 7 Oct. Ack due 8,9,12,13,14 -> 14 Oct; sent 9 Oct.
    # Response due 8,9 (2), 12-16 (7), 19,20,21 -> 21 Oct. Extended on 16 Oct to the limit, 30 WD
    # after receipt: 8,9 (2), 12-16 (7), 19-23 (12), 26-30 (17), 2-6 Nov (22), 9-13 (27),
    # 16,17,18 -> 18 Nov (extension letter sent 16 Oct). Sent 11 Nov: 25 WD after receipt.
    record("C", "2026-10-07", [sent("c1", "acknowledgement", "2026-10-09", 1),
                               ev("c2", "extension", "2026-10-16", stage=1, reason="a fresh account of the flood"),
                               sent("c3", "extension", "2026-10-16", 1),
                               decision("c4", "2026-11-10", 1, "partly-upheld", ["Publish opening hours online."]),
                               sent("c5", "outcome", "2026-11-11", 1)], service_area="Libraries"),
    # D, out of time: first knew on 1 Sep 2025, 12 months ended 1 Sep 2026, received 8 Oct.
    # Not-accepted letter due 5 WD after receipt: 15 Oct; sent 12 Oct.
    record("D", "2026-10-08", [sent("d1", "not-accepted", "2026-10-12")],
           complaint={"received": "2026-10-08", "first_aware": "2025-09-01", "channel": "email", "summary": SUMMARY}),
    # E, excluded (event 13 Oct; letter due 14,15,16,19,20 -> 20 Oct; sent 14 Oct).
    record("E", "2026-10-12", [ev("e1", "not_accepted", "2026-10-13", ground="excluded",
                                  reasons=["A private matter in court"]),
                               sent("e2", "not-accepted", "2026-10-14")]),
    # F, legal proceedings (event 3 Nov, letter due 10 Nov, sent 4 Nov).
    record("F", "2026-11-02", [ev("f1", "not_accepted", "2026-11-03", ground="legal-proceedings",
                                  reasons=["A private matter in court"]),
                               sent("f2", "not-accepted", "2026-11-04")]),
    # G, previously considered (event 4 Nov, letter due 11 Nov, sent 5 Nov).
    record("G", "2026-11-03", [ev("g1", "not_accepted", "2026-11-04", ground="previously-considered", reasons=["x"]),
                               sent("g2", "not-accepted", "2026-11-05")]),
    # H, other ground (event 5 Nov); its letter, due 6,9,10,11,12 -> 12 Nov, was never sent: late,
    # 33 WD by 31 Dec (13 Nov (1), 16-20 (6), 23-27 (11), 30 (12), 1-4 Dec (16), 7-11 (21),
    # 14-18 (26), 21-24 (30), 29-31 (33)).
    record("H", "2026-11-04", [ev("h1", "not_accepted", "2026-11-05", ground="other", reasons=["x"])]),
    # I, withdrawn on 20 Oct after its acknowledgement (due 15,16,19,20,21 -> 21 Oct; sent 15 Oct).
    record("I", "2026-10-14", [sent("i1", "acknowledgement", "2026-10-15", 1),
                               ev("i2", "withdrawn", "2026-10-20", method="phone"),
                               sent("i3", "withdrawal-confirmation", "2026-10-21")]),
    # N, discontinued on 30 Oct after three unanswered attempts by three methods. Ack due
    # 20,21,22,23,26 -> 26 Oct; sent 20 Oct.
    record("N", "2026-10-19", [sent("n1", "acknowledgement", "2026-10-20", 1),
                               ev("n2", "contact_attempt", "2026-10-21", method="phone", outcome="no-response"),
                               ev("n3", "contact_attempt", "2026-10-23", method="email", outcome="no-response"),
                               ev("n4", "contact_attempt", "2026-10-27", method="letter", outcome="no-response"),
                               ev("n5", "discontinued", "2026-10-30"),
                               sent("n6", "discontinuation", "2026-10-30")]),
    # M, no response yet. Received Mon 16 Nov; ack due 17,18,19,20,23 -> 23 Nov, sent 23 Nov (in
    # the ledger, not the record). Response due 17-20 (4), 23-27 (9), 30 -> 30 Nov; not sent by
    # 31 Dec: late, 21 WD (1-4 Dec (4), 7-11 (9), 14-18 (14), 21-24 (18), 29-31 (21)).
    record("M", "2026-11-16", []),
    # J, stage 1 all in September (received 1 Sep: ack due 8 Sep, response due 15 Sep, sent 14 Sep
    # by email). Window: 20 WD after 14 Sep: 15-18 (4), 21-25 (9), 28-2 Oct (14), 5-9 (19), 12 ->
    # 12 Oct. Escalation asked 5 Oct (in the window) and refused 7 Oct; the refusal, due 10 WD
    # after the request (6-9 (4), 12-16 (9), 19 -> 19 Oct), sent 8 Oct. An Ombudsman decision of
    # 1 Dec, no fault; its enquiry opened 30 Sep (before the period).
    record("J", "2026-09-01", [sent("j1", "acknowledgement", "2026-09-03", 1),
                               decision("j2", "2026-09-14", 1, "not-upheld"),
                               sent("j3", "outcome", "2026-09-14", 1),
                               ev("j4", "escalation_request", "2026-10-05", to_stage=2,
                                  reasons=["The stage 2 reasons of the complainant"]),
                               ev("j5", "escalation_refused", "2026-10-07", to_stage=2, reasons=["x"]),
                               sent("j6", "escalation-refusal", "2026-10-08", 2),
                               ev("j7", "ombudsman_enquiry", "2026-09-30", body="lgsco"),
                               ev("j8", "ombudsman_decision", "2026-12-01", body="lgsco", finding="no-fault")]),
    # K, out of the window. Received 7 Sep; ack due 14 Sep (sent 8 Sep); response due 21 Sep, sent
    # 18 Sep by email. Window: 20 WD after 18 Sep: 21-25 (5), 28-2 Oct (10), 5-9 (15), 12-16 (20)
    # -> 16 Oct. Asked 26 Oct: out of the window. Refusal due 10 WD after the request: 27-30 (4),
    # 2-6 Nov (9), 9 -> 9 Nov; never sent: late, 36 WD by 31 Dec (10-13 (4), 16-20 (9), 23-27 (14),
    # 30 (15), 1-4 Dec (19), 7-11 (24), 14-18 (29), 21-24 (33), 29-31 (36)).
    record("K", "2026-09-07", [sent("k1", "acknowledgement", "2026-09-08", 1),
                               decision("k2", "2026-09-18", 1, "upheld"),
                               sent("k3", "outcome", "2026-09-18", 1),
                               ev("k4", "escalation_request", "2026-10-26", to_stage=2)]),
    # L, escalated and answered at stage 2 on time. Received 14 Sep; stage 1 done in September
    # (outcome sent 25 Sep by email; window to 23 Oct). Asked Thu 1 Oct. Stage 2 ack due 2 (1),
    # 5-8 (5) -> 8 Oct, sent 2 Oct. Response due 30 WD after the request: 2 (1), 5-9 (6), 12-16
    # (11), 19-23 (16), 26-30 (21), 2-6 Nov (26), 9-12 (30) -> 12 Nov; sent 9 Nov: 27 WD after
    # the request. An Ombudsman enquiry on 20 Nov and its decision on 15 Dec: fault causing
    # injustice, remedy complied with, £250.
    record("L", "2026-09-14", [sent("l1", "acknowledgement", "2026-09-15", 1),
                               decision("l2", "2026-09-25", 1, "partly-upheld", "Stage 1 learning, September."),
                               sent("l3", "outcome", "2026-09-25", 1),
                               ev("l4", "escalation_request", "2026-10-01", to_stage=2),
                               sent("l5", "acknowledgement", "2026-10-02", 2),
                               decision("l6", "2026-11-06", 2, "upheld", "Explain fees before enrolment."),
                               sent("l7", "outcome", "2026-11-09", 2),
                               ev("l8", "ombudsman_enquiry", "2026-11-20", body="lgsco", reference="26 001 234"),
                               ev("l9", "ombudsman_decision", "2026-12-15", body="lgsco", finding="fault-injustice",
                                  remedy_complied=True, compensation_gbp=250)],
           service_area="Adult Education", representative=dict(REP)),
    # P, wholly before the period (June), and O, received after it (January 2027): neither counts.
    record("P", "2026-06-01", [sent("p1", "acknowledgement", "2026-06-02", 1),
                               decision("p2", "2026-06-10", 1, "upheld", "Old learning, June."),
                               sent("p3", "outcome", "2026-06-10", 1)]),
    record("O", "2027-01-05", [ev("o1", "not_accepted", "2027-01-06", ground="excluded", reasons=["x"])]),
    # Q, a restriction of 1 Jun 2026 reviewed within 6 months: due 1 Dec, held 3 Dec (late).
    record("Q", "2026-05-04", [sent("q1", "acknowledgement", "2026-05-05", 1),
                               decision("q2", "2026-05-12", 1, "not-upheld"), sent("q3", "outcome", "2026-05-12", 1),
                               ev("q4", "restriction", "2026-06-01", review_months=6, **RESTRICT),
                               sent("q5", "restriction-notice", "2026-06-02"),
                               ev("q6", "restriction_review", "2026-12-03", outcome="maintained"),
                               sent("q7", "restriction-review", "2026-12-04")]),
    # R, a restriction of 1 Apr 2026 reviewed within 6 months: due 1 Oct (in the period), held
    # 30 Sep (on time). Its next review, 6 months on, is in 2027.
    record("R", "2026-03-02", [sent("r1", "acknowledgement", "2026-03-03", 1),
                               decision("r2", "2026-03-10", 1, "not-upheld"), sent("r3", "outcome", "2026-03-10", 1),
                               ev("r4", "restriction", "2026-04-01", review_months=6, **RESTRICT),
                               sent("r5", "restriction-notice", "2026-04-02"),
                               ev("r6", "restriction_review", "2026-09-30", outcome="maintained"),
                               sent("r7", "restriction-review", "2026-10-01")]),
]
LEDGER = {"M": [issued("acknowledgement", 1, "2026-11-23", "complaint")]}
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31))
