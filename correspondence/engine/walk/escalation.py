"""Moving a complaint up a stage: a request in the window starts the next stage; one after it
closes, or one the council refuses, gets an escalation refusal."""

from __future__ import annotations

from datetime import date

from correspondence.common.wording import british
from correspondence.engine.case import Event
from correspondence.engine.walk.state import Stage, Walk, procedure_words


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
    """The stage asked for must be the one after the stage the complaint is at; the stage after a
    procedure's last is a request that cannot be granted (``lacks_stage``), never a bad record."""
    to_stage = event.get("to_stage")
    at = w.current.number if w.current else 1
    if to_stage != at + 1:
        raise w.fail(event, "to_stage", f"expected stage {at + 1}, the stage after the one the complaint is at "
                                        f"on {british(event.date)}; got stage {to_stage}.")
    return to_stage


def _by_hand(w: Walk, trigger: str) -> bool:
    event = w.case_event(trigger)
    return event is not None and event.type == "letter_issued"


def lacks_stage(w: Walk, to_stage: int) -> bool:
    return to_stage > w.policy.stages


def refusal_due(w: Walk, to_stage: int, request_date: date) -> date:
    """The refusal clock, counted from the request. For a stage the procedure lacks, the clock of
    its last stage's row (docs/rules.md#stages-a-procedure-lacks: Hampshire stage 4, its stage 3 acknowledgement days; a
    two-stage council's stage 3, its stage 2 acknowledgement days; Warwickshire adult social care,
    its corporate 10 WD of §3)."""
    row = min(to_stage, max(2, w.policy.stages))
    clock = w.policy.clock(f"stage{row}.escalation_refusal")
    if clock.kind == "same_as":
        return w.stage_clock(Stage(row, request_date, ""), clock.ref)
    return w.apply(clock, request_date)


def _waived(w: Walk, request: Event) -> bool:
    later = [e.date for e in w.of_type("escalation_request") if e.date > request.date]
    until = min(later) if later else date.max
    return any(request.date <= e.date < until for e in w.of_type("time_limit_waived"))


def _premature(w: Walk, event: Event, previous: Stage | None) -> bool:
    """docs/rules.md#early-escalation: a request before the outcome of the stage it follows is issued
    (by the service, or a ``letter_issued`` event) starts nothing yet; it is taken as made on the
    outcome's deemed receipt. A decision whose letter is not yet issued is not an outcome sent."""
    if previous is None:
        return False
    out = previous.outcome
    sent = out.issued.date if out is not None and out.issued is not None else None
    if sent is not None and sent <= event.date:
        return False
    if sent is not None:  # the outcome was issued later: the request counts from its deemed receipt
        _take(w, event, previous)
        return True
    w.premature.append(event)
    return True


def outcome_sent(w: Walk, stage: Stage) -> None:
    """Called when a stage has its outcome: premature requests waiting for it, once it is issued,
    are taken as made on its deemed receipt."""
    if stage.outcome is None or stage.outcome.issued is None:
        return
    waiting = [e for e in w.premature if e.get("to_stage") == stage.number + 1]
    if not waiting:
        return
    w.premature[:] = [e for e in w.premature if e not in waiting]
    _take(w, waiting[0], stage)


def still_premature(w: Walk) -> None:
    """At the end of the reading: the requests still waiting for an outcome not yet issued get
    their note, and the outcome letter says when each will be taken as made."""
    for event in w.premature:
        previous = w.stages.get(event.get("to_stage") - 1)
        when = ""
        if previous is not None and previous.outcome is not None:
            taken = w.outcome_received(previous)
            _premature_facts(w, previous, event, taken)
            when = f" ({british(taken)} if it is issued on its due date)"
        number = event.get("to_stage") - 1
        w.notes.append(f"The request to escalate to stage {event.get('to_stage')} ({event.id}, {british(event.date)}) "
                       f"is premature: the stage {number} outcome has not been issued, so it starts nothing yet "
                       f"and stage {number} goes on; it will be taken as made on the outcome's deemed "
                       f"receipt{when}.")


def _premature_facts(w: Walk, previous: Stage, event: Event, taken: date) -> dict:
    """What the outcome says of a request already made (docs/rules.md#letters-never-contradict-one-another): taken as made on ``taken``, acknowledged by its own clock from then."""
    to_stage = event.get("to_stage")
    if lacks_stage(w, to_stage):
        facts = {"request": event.id, "request_date": event.date, "taken_as": taken, "ack_due": None,
                 "refusal_due": refusal_due(w, to_stage, taken)}
    else:
        facts = {"request": event.id, "request_date": event.date, "taken_as": taken,
                 "ack_due": w.stage_clock(Stage(to_stage, taken, event.id), "acknowledgement")}
    previous.outcome.facts["premature_request"] = facts
    return facts


def _take(w: Walk, event: Event, previous: Stage) -> None:
    """A premature request, its outcome now issued: taken as made on the outcome's deemed receipt."""
    sent = previous.outcome.issued.date
    taken = w.outcome_received(previous)
    _premature_facts(w, previous, event, taken)
    w.notes.append(f"The request to escalate to stage {event.get('to_stage')} ({event.id}, {british(event.date)}) "
                   f"came before the stage {previous.number} outcome was issued on {british(sent)}; it is taken "
                   f"as made on the outcome's deemed receipt, {british(taken)}.")
    if lacks_stage(w, event.get("to_stage")):
        _no_such_stage(w, event, previous, taken)
        return
    stage = _start(w, event, taken)
    # never in the same post as the outcome: from the next working day at the earliest
    stage.ack.facts["not_before"] = max(taken, w.cal.add_working_days(sent, 1))


def _start(w: Walk, event: Event, start: date) -> Stage:
    stage = w.start_stage(event.get("to_stage"), start, event.id)
    stage.ack.facts.update(request_reasons=event.get("reasons", []))
    return stage


def no_such_stage_reason(w: Walk, previous: Stage) -> str:
    """The council's own reason (docs/rules.md#stages-a-procedure-lacks): "Our complaints procedure for adult social care
    has one stage, and our response of 18 September 2026 was final"."""
    count = w.policy.stages
    numbers = {1: "one", 2: "two", 3: "three", 4: "four"}
    procedure = "" if w.policy.procedure == "corporate" else f" for {procedure_words(w.policy)}"
    sent = previous.outcome.issued.date if previous.outcome and previous.outcome.issued else previous.outcome.due
    which = "our response" if count == 1 else f"our stage {count} response"
    return (f"Our complaints procedure{procedure} has {numbers.get(count, str(count))} "
            f"stage{'' if count == 1 else 's'}, and {which} of {british(sent)} was final.")


def _no_such_stage(w: Walk, event: Event, previous: Stage, asked: date) -> None:
    to_stage = event.get("to_stage")
    w.draft("escalation-refusal", to_stage, event.id, refusal_due(w, to_stage, asked),
            ombudsman_required=w.policy.value("ombudsman.in_escalation_refusal"),
            facts={"out_of_window": False, "no_such_stage": True, "request_date": event.date,
                   "reasons": [no_such_stage_reason(w, previous)],
                   "their_reasons": event.get("reasons", [])})
    w.notes.append(f"The request to escalate to stage {to_stage} ({event.id}, {british(event.date)}) asks for a "
                   f"stage {w.policy.name}'s {procedure_words(w.policy)} procedure does not have: an escalation "
                   f"refusal is due by {british(refusal_due(w, to_stage, asked))}, and no acknowledgement.")


def request(w: Walk, event: Event) -> None:
    started = w.stages.get(event.get("to_stage"))
    if started is not None and started.trigger != event.id and _by_hand(w, started.trigger):
        # the request behind an acknowledgement the case system sent itself, recorded later
        w.drop_notes(f"The stage {started.number} acknowledgement issued on")
        w.notes.append(f"The request to escalate to stage {started.number} ({event.id}, {british(event.date)}) "
                       f"is the one the acknowledgement {started.trigger} answered; the stage runs from "
                       f"{british(started.start)}.")
        return
    to_stage = _check_to_stage(w, event)
    previous = w.current
    if event.id in w.refused_requests:
        return  # the escalation_refused event makes the letter
    if _premature(w, event, previous):
        return
    if lacks_stage(w, to_stage):
        _no_such_stage(w, event, previous, event.date)
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
    if _refused_by_hand(w, event):
        return
    _start(w, event, event.date)


def _refused_by_hand(w: Walk, event: Event) -> bool:
    """docs/rules.md#letters-sent-by-hand: an escalation refusal the case system sent itself, on or after
    this request and before any later request for the same stage, refused it: the stage does not open."""
    to_stage = event.get("to_stage")
    later = [e.date for e in w.of_type("escalation_request") if e.get("to_stage") == to_stage and e.date > event.date]
    until = min(later, default=date.max)
    sent = [e for e in w.of_type("letter_issued") if e.get("letter") == "escalation-refusal"
            and e.get("trigger") is None and e.id in w.by_event and e.get("stage") in (None, to_stage)
            and event.date <= e.date < until]
    if not sent:
        return False
    w.draft("escalation-refusal", to_stage, event.id, refusal_due(w, to_stage, event.date),
            ombudsman_required=w.policy.value("ombudsman.in_escalation_refusal"),
            facts={"out_of_window": False, "request_date": event.date, "reasons": []})
    w.notes.append(f"The request to escalate to stage {to_stage} ({event.id}, {british(event.date)}) was refused by "
                   f"the escalation refusal issued on {british(sent[0].date)} ({sent[0].id}): stage {to_stage} "
                   f"does not open.")
    return True


def refused(w: Walk, event: Event) -> None:
    to_stage = event.get("to_stage")
    if to_stage > w.policy.stages + 1:
        raise w.fail(event, "to_stage", f"expected a stage from 2 to {w.policy.stages + 1}; got stage {to_stage}.")
    asked_by = _request_for(w, event)
    asked = asked_by.date if asked_by else event.date
    w.draft("escalation-refusal", to_stage, event.id, refusal_due(w, to_stage, asked),
            ombudsman_required=w.policy.value("ombudsman.in_escalation_refusal"),
            facts={"out_of_window": False, "request_date": asked, "reasons": event.get("reasons", [])})
