"""Stopping a complaint and starting it again: not accepted, withdrawn, discontinued, reopened.

After any of the first three no further letter falls due for the complaint (conduct letters
aside) until a reopening restarts the clocks of the stage it was at (Warwickshire §9)."""

from __future__ import annotations

from correspondence.common.wording import british
from correspondence.engine.case import Event
from correspondence.engine.walk.state import Walk


def not_accepted(w: Walk, event: Event) -> None:
    start = w.stages[1].start if 1 in w.stages else w.case.received
    due = w.notice_due("not_accepted", max(start, event.date))
    ack = w.current.ack if w.current else None
    w.close("not-accepted", event.date)
    if ack is not None and ack.issued is None:
        ack.cancelled, ack.cancelled_on = True, event.date
    w.draft("not-accepted", None, event.id, due,
            ombudsman_required=w.policy.value("ombudsman.in_not_accepted"),
            facts={"ground": event.get("ground"), "reasons": event.get("reasons", []),
                   "alternative_route": event.get("alternative_route")})


def withdrawn(w: Walk, event: Event) -> None:
    w.close("withdrawn", event.date)
    w.draft("withdrawal-confirmation", None, event.id, w.notice_due("withdrawal_confirmation", event.date),
            facts={"method": event.get("method"), "withdrawn_on": event.date})
    w.notes.append(f"The complaint was withdrawn on {event.date.isoformat()} ({event.get('method')}); "
                   f"no further letter falls due unless it is reopened.")


def known_methods(w: Walk) -> set[str]:
    """The ways the council knows to reach the complainant (letters.md, discontinuation)."""
    c = w.case.complainant
    return {m for m, present in (("email", c.get("email")), ("phone", c.get("phone")),
                                 ("letter", c.get("address"))) if present}


def discontinued(w: Walk, event: Event) -> None:
    since = w.current.start if w.current else w.case.received
    attempts: list[Event] = []
    for e in w.of_type("contact_attempt"):
        if not since <= e.date <= event.date:
            continue
        if e.get("outcome") == "responded":
            attempts = []
        else:
            attempts.append(e)
    methods = {e.get("method") for e in attempts}
    # letters.md: as many different methods as the council knows for the complainant, up to 3
    need_methods = max(1, min(3, len(known_methods(w))))
    if len(attempts) < 3 or len(methods) < need_methods:
        raise w.fail(event, "type", (
            f"expected at least 3 unanswered contact attempts"
            f"{f' by at least {need_methods} different methods' if need_methods > 1 else ''} "
            f"before a complaint is discontinued (Warwickshire's policy §7; docs/letters.md); "
            f"got a discontinuation where the record shows {len(attempts)} unanswered attempt{'s' if len(attempts) != 1 else ''} by "
            f"{len(methods)} method{'s' if len(methods) != 1 else ''} up to {event.date.isoformat()}."))
    w.close("discontinued", event.date)
    w.draft("discontinuation", None, event.id, w.notice_due("discontinuation", event.date),
            facts={"attempts": [{"date": a.date, "method": a.get("method")} for a in attempts],
                   "reason": event.get("reason")})
    w.notes.append(f"The complaint was discontinued on {event.date.isoformat()}; no further letter "
                   f"falls due unless it is reopened.")


def reopened(w: Walk, event: Event) -> None:
    if w.closed not in ("withdrawn", "discontinued"):
        state = w.closed.replace("-", " ") if w.closed else "still open"
        raise w.fail(event, "type", f"expected a withdrawn or discontinued event before a reopening (Warwickshire §9); "
                                    f"got a reopening of a complaint {state} on {british(event.date)}.")
    number = w.current.number if w.current else 1
    w.closed, w.closed_on = "", None
    w.drop_notes(("The complaint was withdrawn", "The complaint was discontinued"))
    w.start_stage(number, event.date, event.id)
    w.notes.append(f"The complaint was reopened on {event.date.isoformat()}: the stage {number} clocks "
                   f"restart from that date.")
