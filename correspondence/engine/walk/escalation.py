"""Moving a complaint up a stage: a request in the window starts the next stage; one after it
closes, or one the council refuses, gets an escalation refusal."""

from __future__ import annotations

from datetime import date

from correspondence.engine.case import Event
from correspondence.engine.walk.state import Stage, Walk


def mark_refused_requests(w: Walk) -> None:
    """A request the council refuses (an escalation_refused event after it) starts no stage."""
    requests = w.of_type("escalation_request")
    for refusal in w.of_type("escalation_refused"):
        before = [r for r in requests if r.get("to_stage") == refusal.get("to_stage") and r.date <= refusal.date
                  and r.id not in w.refused_requests]
        if before:
            w.refused_requests.add(before[-1].id)


def _request_for(w: Walk, refusal: Event) -> Event | None:
    candidates = [e for e in w.of_type("escalation_request") if e.id in w.refused_requests
                  and e.get("to_stage") == refusal.get("to_stage") and e.date <= refusal.date]
    return candidates[-1] if candidates else None


def _check_to_stage(w: Walk, event: Event) -> int:
    to_stage = event.get("to_stage")
    if w.policy.stages == 1:
        raise w.fail(event, "to_stage", f"{w.policy.name}'s {w.policy.procedure} procedure has one stage, "
                                        f"whose outcome is final; there is no stage {to_stage} to escalate to.")
    if to_stage > w.policy.stages:
        raise w.fail(event, "to_stage", f"expected a stage from 2 to {w.policy.stages} "
                                        f"({w.policy.name} has {w.policy.stages} stages); got {to_stage}.")
    at = w.current.number if w.current else 1
    if to_stage != at + 1:
        raise w.fail(event, "to_stage", f"expected {at + 1}, the stage after the one the complaint is at "
                                        f"on {event.date.isoformat()}; got {to_stage}.")
    return to_stage


def refusal_due(w: Walk, to_stage: int, request_date: date) -> date:
    clock = w.policy.clock(f"stage{to_stage}.escalation_refusal")
    if clock.kind == "same_as":
        return w.stage_clock(Stage(to_stage, request_date, ""), clock.ref)
    return w.apply(clock, request_date)


def _waived(w: Walk, request: Event) -> bool:
    later = [e.date for e in w.of_type("escalation_request") if e.date > request.date]
    until = min(later) if later else date.max
    return any(request.date <= e.date < until for e in w.of_type("time_limit_waived"))


def _premature(w: Walk, event: Event, previous: Stage | None) -> bool:
    """policy-matrix.md "Counting": a request before the outcome of the stage it follows is sent
    starts nothing; it is taken as an escalation once the outcome is sent.

    Premature: the stage has no decision yet, or its outcome letter is recorded as issued after
    the request. A decision whose letter has no record of issue (a record read without its
    ledger) is taken as sent, as every other clock takes a letter's projection."""
    if previous is None:
        return False
    sent = previous.outcome.issued.date if previous.outcome and previous.outcome.issued else None
    if previous.decision is not None and (sent is None or sent <= event.date):
        return False
    if sent is not None:  # the outcome went later: the request counts from then
        w.notes.append(f"The request to escalate to stage {event.get('to_stage')} ({event.id}, {event.date.isoformat()}) "
                       f"came before the stage {previous.number} outcome was sent; it is treated as an escalation "
                       f"from the outcome's date, {sent.isoformat()}.")
        _start(w, event, sent)
        return True
    w.premature.append(event)
    w.notes.append(f"The request to escalate to stage {event.get('to_stage')} ({event.id}, {event.date.isoformat()}) is "
                   f"premature: the stage {previous.number} outcome has not been sent, so it starts nothing yet and "
                   f"stage {previous.number} goes on; it will be treated as an escalation once the outcome is sent.")
    return True


def outcome_sent(w: Walk, stage: Stage) -> None:
    """Called when a stage's outcome is drafted: premature requests waiting for it now count."""
    sent = stage.outcome.issued.date if stage.outcome and stage.outcome.issued else None
    waiting = [e for e in w.premature if e.get("to_stage") == stage.number + 1]
    if sent is None or not waiting:
        return
    w.premature[:] = [e for e in w.premature if e not in waiting]
    event = waiting[0]
    w.drop_notes(f"The request to escalate to stage {event.get('to_stage')} ({event.id}")
    w.notes.append(f"The request to escalate to stage {event.get('to_stage')} ({event.id}, {event.date.isoformat()}) "
                   f"came before the stage {stage.number} outcome was sent; it is treated as an escalation "
                   f"from the outcome's date, {sent.isoformat()}.")
    _start(w, event, sent)


def _start(w: Walk, event: Event, start: date) -> None:
    w.start_stage(event.get("to_stage"), start, event.id)
    w.stages[event.get("to_stage")].ack.facts.update(request_reasons=event.get("reasons", []))


def request(w: Walk, event: Event) -> None:
    to_stage = _check_to_stage(w, event)
    previous = w.current
    if event.id in w.refused_requests:
        return  # the escalation_refused event makes the letter
    if _premature(w, event, previous):
        return
    if previous and previous.window_closes and event.date > previous.window_closes and not _waived(w, event):
        w.draft("escalation-refusal", to_stage, event.id, refusal_due(w, to_stage, event.date),
                ombudsman_required=w.policy.value("ombudsman.in_escalation_refusal"),
                facts={"out_of_window": True, "request_date": event.date,
                       "window_closes": previous.window_closes, "reasons": event.get("reasons", [])})
        w.notes.append(
            f"The request to escalate to stage {to_stage} ({event.id}, {event.date.isoformat()}) came after the "
            f"escalation window closed on {previous.window_closes.isoformat()}: an escalation refusal is due "
            f"(a time_limit_waived event on or after the request would accept it).")
        return
    _start(w, event, event.date)


def refused(w: Walk, event: Event) -> None:
    to_stage = event.get("to_stage")
    if to_stage > w.policy.stages:
        raise w.fail(event, "to_stage", f"expected a stage from 2 to {w.policy.stages}; got {to_stage}.")
    asked_by = _request_for(w, event)
    asked = asked_by.date if asked_by else event.date
    w.draft("escalation-refusal", to_stage, event.id, refusal_due(w, to_stage, asked),
            ombudsman_required=w.policy.value("ombudsman.in_escalation_refusal"),
            facts={"out_of_window": False, "request_date": asked, "reasons": event.get("reasons", [])})
