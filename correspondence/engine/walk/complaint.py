"""The complaint itself: in time or not, stage 1 started, consent asked for."""

from __future__ import annotations

from datetime import date

from correspondence.engine.recipient import has_consent
from correspondence.engine.walk.state import Stage, Walk, paragraph


def _acknowledged_by_hand(w: Walk, first_request):
    """A stage 1 acknowledgement the case system sent itself, with no trigger, before any escalation request."""
    for e in w.of_type("letter_issued"):
        if (e.get("letter") == "acknowledgement" and e.get("stage") in (None, 1) and e.get("trigger") is None
                and e.id in w.by_event and (first_request is None or e.date < first_request)):
            return e
    return None


def begin(w: Walk) -> None:
    case, policy = w.case, w.policy
    requests = w.of_type("escalation_request")
    first_request = requests[0].date if requests else None
    waived = any(e.date < first_request if first_request else True for e in w.of_type("time_limit_waived"))
    if "ombudsman.body" in policy.floor_replaced:
        w.notes.append(f"A complaint about the council as landlord: the statutory Housing Ombudsman Code applies, "
                       f"so the letters name the {policy.ombudsman.name}, not the Ombudsman {policy.name}'s "
                       f"policy names.")
    limit_clock = policy.clock("limits.time_limit")
    if case.first_aware and limit_clock.kind != "none" and not waived:
        limit = w.apply(limit_clock, case.first_aware)
        words = policy.value("limits.time_limit_words")  # the policy's own terms, for the letter
        code = policy.floor.get("limits.time_limit")
        if code is not None and code.value.kind != "none" and w.apply(code.value, case.first_aware) > limit:
            # docs/rules.md#housing-complaints: the longer time limit applies
            para = paragraph(code.cite).removeprefix(", ")
            w.notes.append(f"{policy.name}'s {limit_clock.amount}-month time limit is below the statutory Housing "
                           f"Ombudsman Code's {code.value.amount} months{f' ({para})' if para else ''}; the Code's applies.")
            limit_clock, limit = code.value, w.apply(code.value, case.first_aware)
            words = policy.floor["limits.time_limit_words"].value if "limits.time_limit_words" in policy.floor else ""
        accepted = _acknowledged_by_hand(w, first_request)
        if case.received > limit and accepted is not None:
            # docs/rules.md#letters-sent-by-hand: the case system acknowledged it, so it was accepted
            w.notes.append(f"The complaint is out of time (the {limit_clock.amount}-month limit from "
                           f"{case.first_aware.isoformat()} ended on {limit.isoformat()}), but the stage 1 "
                           f"acknowledgement issued on {accepted.date.isoformat()} ({accepted.id}) accepted it: its "
                           f"time limit is taken as waived.")
        elif case.received > limit:
            due = w.notice_due("not_accepted", case.received)
            w.draft("not-accepted", None, "complaint", due,
                    ombudsman_required=policy.value("ombudsman.in_not_accepted"),
                    facts={"ground": "out-of-time", "first_aware": case.first_aware,
                           "time_limit_ends": limit, "received": case.received,
                           "months": limit_clock.amount, "time_limit_words": words})
            w.notes.append(
                f"The complaint is out of time: received {case.received.isoformat()}, after the "
                f"{limit_clock.amount}-month limit from {case.first_aware.isoformat()} ended on "
                f"{limit.isoformat()}; a not-accepted letter replaces the acknowledgement "
                f"(a time_limit_waived event would accept it).")
            w.stages[1] = Stage(1, case.received, "complaint", closed="not-accepted")
            w.closed, w.closed_on = "not-accepted", case.received
            return
    w.start_stage(1, case.received, "complaint")
    # letters.md: every policy asks for written consent, Luton's councillors and MPs included
    # (they may receive letters meanwhile, recipient.py); the request goes to the complainant.
    # A consent dated after the complaint was received was asked for; once given (on or before
    # the as-of date) a request not yet sent is no longer due.
    rep = case.representative
    if rep and not has_consent(case, case.received):
        ask = w.draft("consent-request", None, "complaint", w.notice_due("consent_request", case.received),
                      facts={"to": "complainant"})
        if ask.issued is None and has_consent(case, w.as_of):
            ask.cancelled, ask.cancelled_on = True, date.fromisoformat(rep["written_consent"])
