"""The walk: reading a case's events in date order, the way a complaints officer reads a file.

One module per concept, each event type handled by one small function:

* :mod:`.state` holds what the walk knows (stages, letters drafted, notes) and its generic
  helpers; the rules data decides the clocks, windows and stages (:mod:`.clocks`);
* :mod:`.issued` matches the letters the walk makes to letters already sent;
* :mod:`.complaint` starts the complaint (time limit, stage 1, consent);
* :mod:`.stages` runs a stage: extensions, holds, decisions, a review panel;
* :mod:`.escalation` moves a complaint up a stage, or refuses to;
* :mod:`.closing` withdraws, discontinues, refuses and reopens it;
* :mod:`.conduct` handles warnings and restrictions on contact, which run alongside.

:data:`EVENT_TYPES` is the one table of event types: each with its handler, its place among
same-day events and its meaning. A new procedure is a rules table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from correspondence.engine.case import CaseError
from correspondence.engine.walk import by_hand, closing, conduct, escalation, stages
from correspondence.engine.walk.complaint import begin
from correspondence.engine.walk.issued import IssuedBook
from correspondence.engine.walk.state import Walk


@dataclass(frozen=True)
class EventType:
    """One event type of the record format, as the walk reads it and as docs/record-format.md tells it."""

    name: str
    handler: Callable | None  # what the walk does with it; None: read where it is needed (``read_by``)
    words: str  # what it means, for docs/record-format.md
    while_closed: bool = False  # still counts after the complaint was withdrawn, discontinued or refused
    read_by: str = ""


# The one list of event types. The schema's enum (correspondence/engine/schema/), the walk's order
# and handlers below and docs/record-format.md all come from it or are checked against it
# (tests/test_event_types.py). Same-day events are read in this order: a request before its
# refusal, a hold before its end.
EVENT_TYPES: tuple[EventType, ...] = (
    EventType("time_limit_waived", None, "The council accepts a late complaint (dated before the first escalation request) or a late escalation (dated on or after it).",
              read_by="complaint.py, escalation.py"),
    EventType("not_accepted", closing.not_accepted, "The complaint is not taken into the procedure, on a `ground`, with `reasons`."),
    EventType("extension", stages.extension, "The response date of `stage` is extended, to `new_due` or else to the policy's limit; `reason` is given to the complainant."),
    EventType("on_hold", stages.on_hold, "The investigation is suspended (another procedure, legal proceedings); the response clock stops."),
    EventType("resumed", stages.resumed, "The investigation restarts: the working days that were left run again (or `new_due`)."),
    EventType("panel_held", stages.panel_held, "Warwickshire's children's statutory procedure: the stage 3 review panel met."),
    EventType("decision", stages.decision, "The stage response is ready: its outcome, a finding for each point, remedies and outstanding actions with their dates. `officer` (optional): the officer who handles the stage from then on; the outcome letter is signed by them."),
    EventType("escalation_request", escalation.request, "The complainant asks for the next stage; `date` is when the request arrived; `reasons` are their own words. `officer` (optional): the officer who handles that stage; its letters are signed by them (without one, by the council's complaints team)."),
    EventType("escalation_refused", escalation.refused, "The council declines to escalate, for its own `reasons`."),
    EventType("contact_attempt", None, "An attempt to reach the complainant, and whether they answered.", read_by="closing.discontinued"),
    EventType("discontinued", closing.discontinued, "The council stops because the complainant does not respond (after three attempts by different methods)."),
    EventType("withdrawn", closing.withdrawn, "The complainant withdrew the complaint; only a withdrawal confirmation is then due, until `reopened`."),
    EventType("reopened", closing.reopened, "A withdrawn or discontinued complaint is reopened: the stage's clocks restart from this date.",
              while_closed=True),
    EventType("behaviour_warning", conduct.behaviour_warning, "The complainant is warned that restrictions on contact may follow.",
              while_closed=True),
    EventType("restriction", conduct.restriction, "Restrictions on contact are applied, for `duration_months`, with a review.",
              while_closed=True),
    EventType("restriction_review", conduct.restriction_review, "The periodic review of a restriction: lifted, maintained or modified.",
              while_closed=True),
    # Matched to the letters it answers by issued.py; walked only for a letter with no event behind it (by_hand.py).
    EventType("letter_issued", by_hand.letter_issued, "A letter already sent outside this service, so it is not sent twice. Its `date` is the letter's date; `trigger` the event id it answers (or `complaint`); `delivery` how it went (else by the recipient's channel). An `outcome` with no `decision` for its stage is that stage's outcome all the same (its findings \"not recorded\" until a `decision` gives them); any other letter with no event behind it is read as the fact it tells (docs/rules.md#letters-sent-by-hand)."),
    EventType("ombudsman_enquiry", None, "The Ombudsman has opened an enquiry (for the report).", read_by="reporting/report.py"),
    EventType("ombudsman_decision", None, "The Ombudsman's decision (for the report).", read_by="reporting/report.py"),
)
EVENT_ORDER = [t.name for t in EVENT_TYPES]
HANDLERS = {t.name: t.handler for t in EVENT_TYPES if t.handler is not None}
WHILE_CLOSED = {t.name for t in EVENT_TYPES if t.while_closed}


def _unknown_type(case) -> CaseError | None:
    """An event whose type the record format has and this table lacks: one sentence, never a traceback."""
    for event in case.events:
        if event.type not in EVENT_ORDER:
            return CaseError(case.source, [
                f"{case.source}: field events[{event.index}].type: {event.type!r} is an event type of the record "
                f"format that the engine does not read; add it to EVENT_TYPES in correspondence/engine/walk/__init__.py."])
    return None


# Walks enough for any chain of letters whose issue dates move later clocks.
MAX_WALKS = 6


def walk(case, policy, issued, as_of, channel: str = "post") -> Walk:
    """Walk ``case`` up to ``as_of``; the result holds the drafts, notes, stages and restrictions.

    Letters already issued are matched to the drafts of one walk and fed to the next, until
    the matches hold (issued.py). Only the whole history contradicts itself
    (docs/rules.md#only-the-whole-history-contradicts-itself): a walk on the way there never rejects the record; what the finished reading finds
    contradictory is raised (the first sentence of it)."""
    unknown = _unknown_type(case)
    if unknown is not None:
        raise unknown
    book = IssuedBook(i for i in issued if i.date <= as_of)
    by_event = {i.source: i for i in book.items if i.source != "ledger"}
    matches: dict = {}
    for _ in range(MAX_WALKS):
        w = _walk_once(case, policy, matches, as_of, channel, by_event)
        if not book.items:
            break
        found = book.match(w.drafts)
        if found == matches:
            break
        matches = found
    if w.errors:
        raise w.errors[0]
    w.unmatched = book.unmatched([d.issued for d in w.drafts if d.issued is not None])
    return w


def _walk_once(case, policy, matches, as_of, channel, by_event=None) -> Walk:
    w = Walk(case, policy, matches, as_of, EVENT_ORDER, channel, by_event)
    begin(w)
    escalation.mark_refused_requests(w)
    for event in w.events:
        handler = HANDLERS.get(event.type)
        if handler is None or (event.type == "letter_issued" and not by_hand.answers(w, event)):
            continue
        if w.closed and event.type not in WHILE_CLOSED and event.type != "letter_issued":
            w.notes.append(
                f"Event {event.id} ({event.type}, {event.date.isoformat()}) comes after the complaint was "
                f"{w.closed.replace('-', ' ')} on {w.closed_on.isoformat()}; no letter falls due for it.")
            continue
        try:
            handler(w, event)
        except CaseError as exc:  # kept: only the finished reading rejects (walk above)
            w.errors.append(exc)
    escalation.still_premature(w)
    return w


__all__ = ["walk", "Walk", "EventType", "EVENT_TYPES", "HANDLERS", "EVENT_ORDER"]
