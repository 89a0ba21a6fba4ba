"""Properties of the engine over whole histories a case system could send (issue 20): any
council and procedure, stages answered by a decision or by an outcome the case system sent
itself, acknowledgements and extensions sent by hand or not, holds, requests for the next
stage (a stage the procedure lacks included), letters of other kinds the case system sent
itself with nothing behind them (an escalation refusal, an extension, a withdrawal confirmation,
discontinuation or not-accepted letter, a restriction notice and its review), drawn by
hypothesis. For every such history:

* it is never rejected, and the engine raises nothing;
* the letters still to send never include one another letter makes untrue (an acknowledgement
  or an extension of a stage whose outcome is issued, a holding letter of a hold resumed);
* nothing of a stage refused by hand, and no stage letter after a letter that ended the complaint;
* an extension never moves a response date earlier;
* every acknowledgement's due date is a working day (those clocks count working days).

PROPERTY_EXAMPLES sets how many histories are drawn (default 500, as the issue asks of CI)."""

from __future__ import annotations

import os
from datetime import date, timedelta

from conftest import ev, make, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES_DRAWN = int(os.environ.get("PROPERTY_EXAMPLES", "500"))
PROCEDURES = [("telford-wrekin", "corporate"), ("hampshire", "corporate"), ("solihull", "corporate"),
              ("luton", "corporate"), ("code-2024", "corporate"), ("warwickshire", "corporate"),
              ("warwickshire", "adult-social-care"), ("warwickshire", "childrens")]
DECISION = dict(outcome="not-upheld", findings=[{"point": "p", "finding": "f"}], remedies=[], outstanding_actions=[])


@st.composite
def histories(draw):
    council, procedure = draw(st.sampled_from(PROCEDURES))
    received = date(2026, 1, 5) + timedelta(days=draw(st.integers(0, 300)))
    stages = {"hampshire": 3, "childrens": 3, "adult-social-care": 1}.get(council if council == "hampshire" else procedure, 2)
    events, day, n = [], received, 0
    started_by = "complaint"  # what the stage's acknowledgement answers

    def later(low: int, high: int) -> date:
        nonlocal day
        day = day + timedelta(days=draw(st.integers(low, high)))
        while day.weekday() >= 5:  # case systems record on working days
            day += timedelta(days=1)
        return day

    def add(type_: str, when: date, **fields) -> str:
        nonlocal n
        n += 1
        events.append(ev(f"e{n}", type_, when.isoformat(), **fields))
        return f"e{n}"

    for stage in range(1, stages + 2):
        if stage > stages:  # a request for a stage the procedure does not have
            if draw(st.booleans()):
                add("escalation_request", later(1, 10), to_stage=stage)
            break
        if draw(st.booleans()):  # sent by hand, naming what it answers or not
            add("letter_issued", later(0, 3), letter="acknowledgement", stage=stage,
                **({"trigger": started_by} if draw(st.booleans()) else {}))
        if stage == 1 and draw(st.integers(0, 4)) == 0:  # withdrawn, then reopened
            add("withdrawn", later(1, 3), method="phone")
            started_by = add("reopened", later(1, 10), reason="The complainant asked us to carry on.")
        if draw(st.integers(0, 9)) == 0:  # the case system closed it with a letter of its own, nothing behind it
            add("letter_issued", later(1, 10), letter=draw(st.sampled_from(
                ["withdrawal-confirmation", "discontinuation", "not-accepted"])))
            break
        if draw(st.integers(0, 9)) == 0:  # a restriction notice by hand, maybe its review by hand later
            add("letter_issued", later(1, 10), letter="restriction-notice")
            if draw(st.booleans()):
                add("letter_issued", later(60, 120), letter="restriction-review")
        statutory_stage_3 = procedure == "childrens" and stage == 3
        if not statutory_stage_3 and draw(st.booleans()):
            new_due = later(2, 8) + timedelta(days=60)
            while new_due.weekday() >= 5:
                new_due += timedelta(days=1)
            add("extension", day, stage=stage, reason="More time.", new_due=new_due.isoformat())
            if draw(st.booleans()):
                add("letter_issued", day, letter="extension", stage=stage)
        elif draw(st.integers(0, 5)) == 0:  # an extension by hand, no extension event behind it
            add("letter_issued", later(2, 8), letter="extension", stage=stage)
        if draw(st.booleans()):
            add("on_hold", later(1, 5), reason="Another procedure.")
            if draw(st.booleans()):
                add("letter_issued", later(0, 2), letter="holding")
            add("resumed", later(1, 10))
        answer = draw(st.sampled_from(["decision", "decision and letter", "letter only", "none"]))
        if answer == "none":
            break
        if answer.startswith("decision"):
            add("decision", later(1, 15), stage=stage, **DECISION)
        if answer != "decision":
            delivery = draw(st.sampled_from([None, "email", "first-class", "second-class"]))
            add("letter_issued", later(0, 3), letter="outcome", stage=stage,
                **({"delivery": delivery} if delivery else {}))
        else:
            break  # the outcome is not yet sent: a request now would be premature, and starts nothing
        if stage == stages and not draw(st.booleans()):
            break
        if stage < stages:
            if not draw(st.booleans()):
                break
            started_by = add("escalation_request", later(1, 12), to_stage=stage + 1)
            if draw(st.integers(0, 5)) == 0:  # refused by a letter the case system sent itself
                add("letter_issued", later(1, 10), letter="escalation-refusal", stage=stage + 1)
                break
    as_of = day + timedelta(days=draw(st.integers(0, 40)))
    return make(council, received.isoformat(), events, procedure=procedure), as_of


@settings(max_examples=EXAMPLES_DRAWN, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_history_a_case_system_sends_is_read_whole(book, drawn):
    rec, as_of = drawn
    result = run(book, rec, as_of.isoformat())  # never rejected, never a traceback
    policy = book.policy_for(rec["council"], rec.get("procedure", "corporate"))
    issued_outcomes = {x.stage for x in result.letters if x.letter == "outcome" and x.status == "issued"}
    for x in result.pending:
        assert not (x.letter in ("acknowledgement", "extension") and x.stage in issued_outcomes), (x, rec["events"])
    closed_by_hand = [e for e in rec["events"] if e.get("letter") in (
        "withdrawal-confirmation", "discontinuation", "not-accepted")]
    withdrawn = [e for e in rec["events"] if e["type"] == "withdrawn"]  # a confirmation by hand may confirm it
    if closed_by_hand and not withdrawn:  # the complaint ended on that letter's date: no stage letter after it
        for x in result.pending:
            assert x.letter not in ("acknowledgement", "extension", "outcome", "holding"), (x, rec["events"])
    refused = {e["stage"] for e in rec["events"] if e.get("letter") == "escalation-refusal"}
    for x in result.pending:  # a stage refused by hand never opens
        assert not (x.stage in refused and x.letter in ("acknowledgement", "extension", "outcome")), (x, rec["events"])
    resumed = [e for e in rec["events"] if e["type"] == "resumed"]
    for x in result.pending:
        assert not (x.letter == "holding" and resumed), (x, rec["events"])
    for x in result.letters:
        if x.letter == "extension" and x.status != "issued":  # one still to write names its new date
            assert x.facts.new_due is not None, (x, rec["events"])
        if x.letter == "extension" and x.facts.new_due is not None:  # None: sent by hand, the new date unknown
            assert x.facts.new_due > x.facts.previous_due
        if x.letter == "acknowledgement":
            assert policy.calendar.is_working_day(x.due), x
