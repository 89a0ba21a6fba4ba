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

:data:`HANDLERS` maps each event type to its handler; a new procedure is a rules table.
"""

from __future__ import annotations

from correspondence.engine.case import CaseError
from correspondence.engine.walk import closing, conduct, escalation, stages
from correspondence.engine.walk.complaint import begin
from correspondence.engine.walk.issued import IssuedBook
from correspondence.engine.walk.state import Walk

# Same-day events are read in this order (a request before its refusal, a hold before its end).
EVENT_ORDER = ["time_limit_waived", "not_accepted", "extension", "on_hold", "resumed", "panel_held", "decision",
               "escalation_request", "escalation_refused", "contact_attempt", "discontinued", "withdrawn",
               "reopened", "behaviour_warning", "restriction", "restriction_review", "letter_issued",
               "ombudsman_enquiry", "ombudsman_decision"]

HANDLERS = {
    "extension": stages.extension,
    "on_hold": stages.on_hold,
    "resumed": stages.resumed,
    "panel_held": stages.panel_held,
    "decision": stages.decision,
    "escalation_request": escalation.request,
    "escalation_refused": escalation.refused,
    "not_accepted": closing.not_accepted,
    "withdrawn": closing.withdrawn,
    "discontinued": closing.discontinued,
    "reopened": closing.reopened,
    "behaviour_warning": conduct.behaviour_warning,
    "restriction": conduct.restriction,
    "restriction_review": conduct.restriction_review,
    "letter_issued": stages.letter_issued,
}
# Read where they are needed, not walked: letter_issued (issued.py; walked only for an outcome
# sent outside the service, stages.letter_issued), contact_attempt
# (closing.discontinued), time_limit_waived (complaint.py, escalation.py); the Ombudsman's
# enquiry and decision are for reporting only.
# Events that still count after the complaint stops: a reopening, and the conduct letters.
WHILE_CLOSED = {"reopened", "behaviour_warning", "restriction", "restriction_review"}


# Walks enough for any chain of letters whose issue dates move later clocks.
MAX_WALKS = 6


def walk(case, policy, issued, as_of, channel: str = "post") -> Walk:
    """Walk ``case`` up to ``as_of``; the result holds the drafts, notes, stages and restrictions.

    Letters already issued are matched to the drafts of one walk and fed to the next, until
    the matches hold (issued.py). policy-matrix.md "Only the history as a whole can contradict
    itself": a walk on the way there never rejects the record; what the finished reading finds
    contradictory is raised (the first sentence of it)."""
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
        if handler is None or (event.type == "letter_issued" and not stages.answers_a_stage(w, event)):
            continue
        if w.closed and event.type not in WHILE_CLOSED:
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


__all__ = ["walk", "Walk", "HANDLERS", "EVENT_ORDER"]
