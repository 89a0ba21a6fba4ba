"""Letters a case system sent itself: what each answers happened.

docs/rules.md#letters-sent-by-hand: a ``letter_issued`` event without a ``trigger``, with no
letter of the walk behind it (none of its kind and stage, not yet issued, whose trigger is on
or before its date), is read as the fact it tells, taken as happening on the letter's date; the
letter is listed as issued, its trigger the event's id, due by the policy's clock from that
date. An outcome answers its stage and a next stage's acknowledgement starts that stage
(stages.py); the other kinds are read here:

* ``escalation-refusal``: the escalation to the stage after the current one was refused; that
  stage does not open (a request recorded before it, in the window, is the one it refused:
  escalation.py);
* ``withdrawal-confirmation``, ``discontinuation``, ``not-accepted``: the complaint was
  withdrawn, discontinued or not accepted; its clocks stop and nothing more falls due for it;
* ``extension``: the stage's response date is extended to the policy's limit; where the policy
  has none (or the date is at it already) the new date is unknown, so the response date stays
  as it was, with a note, until an ``extension`` event gives it;
* ``holding``: the stage's investigation is on hold, its clocks stopped until ``resumed``;
* ``behaviour-warning``: the complainant was warned;
* ``restriction-notice``: a restriction was applied, its review due by the policy's clock from
  the letter's date;
* ``restriction-review``: the restriction was reviewed and, its outcome not recorded, kept; the
  next review by the policy's clock;
* ``consent-request``: consent was asked for.

A letter of a kind that answers nothing where it stands (an extension after the outcome, a
holding letter while no investigation runs) is still noted as matching no letter.
"""

from __future__ import annotations

from correspondence.common.wording import british
from correspondence.engine.case import Event
from correspondence.engine.walk import escalation, stages
from correspondence.engine.walk.state import CONDUCT_LETTERS, Walk


def answers(w: Walk, event: Event) -> bool:
    """Whether the walk reads ``event`` (a ``letter_issued``) as the fact it tells."""
    if event.get("trigger") is not None or event.id not in w.by_event:
        return False
    kind = event.get("letter")
    if kind in ("acknowledgement", "outcome"):
        return stages.answers_a_stage(w, event)
    if w.closed and kind not in CONDUCT_LETTERS:
        return False
    if _behind(w, event):
        return False
    can = CAN_READ.get(kind)
    return can is not None and can(w, event)


def _behind(w: Walk, event: Event) -> bool:
    """A letter of the walk this one answers, as issued.py would match it."""
    kind, stage, on = event.get("letter"), event.get("stage"), event.date
    for d in w.drafts:
        if d.letter != kind or (stage is not None and d.stage is not None and stage != d.stage):
            continue
        if d.trigger_date > on or (d.cancelled_on is not None and d.cancelled_on < on):
            continue
        if d.issued is None or d.issued.source == event.id:
            return True
    return False


def letter_issued(w: Walk, event: Event) -> None:
    READ.get(event.get("letter"), stages.letter_issued)(w, event)


def _cap(words: str) -> str:
    return words[:1].upper() + words[1:]


def _mine(w: Walk, draft) -> None:
    draft.issued = w.by_event[draft.trigger]


def _named(event: Event) -> str:
    """ "The withdrawal confirmation issued on 10 November 2026 (L)"."""
    words = {"not-accepted": "not-accepted letter", "holding": "holding letter",
             "restriction-review": "restriction review letter"}.get(event.get("letter"),
                                                                    event.get("letter").replace("-", " "))
    return f"the {words} issued on {british(event.date)} ({event.id})"


# ----- the complaint's course

def _open(w: Walk, event: Event) -> bool:
    return w.current is not None and not w.current.closed


def _stage_running(w: Walk, event: Event) -> bool:
    stage = w.current
    return (stage is not None and not stage.closed and stage.number == (event.get("stage") or stage.number)
            and stage.decision is None and stage.outcome is None and stage.hold_since is None)


def _can_extend(w: Walk, event: Event) -> bool:
    return _stage_running(w, event) and bool(w.policy.value(f"stage{w.current.number}.extensions"))


def _next_stage(w: Walk, event: Event) -> bool:
    current = w.current
    if current is None or current.closed:
        return False
    number = event.get("stage") or current.number + 1
    return number == current.number + 1 and number not in w.stages


def refusal(w: Walk, event: Event) -> None:
    number = w.current.number + 1
    due = escalation.refusal_due(w, number, event.date)
    _mine(w, w.draft("escalation-refusal", number, event.id, due,
                     ombudsman_required=w.policy.value("ombudsman.in_escalation_refusal"),
                     facts={"out_of_window": False, "no_such_stage": escalation.lacks_stage(w, number),
                            "request_date": None, "reasons": []}))
    w.notes.append(f"{_cap(_named(event))} has no escalation request recorded before it: the escalation "
                   f"to stage {number} is taken as refused that day, so stage {number} does not open.")


def withdrawal(w: Walk, event: Event) -> None:
    w.close("withdrawn", event.date)
    _mine(w, w.draft("withdrawal-confirmation", None, event.id,
                     w.notice_due("withdrawal_confirmation", event.date),
                     facts={"method": None, "withdrawn_on": event.date}))
    w.notes.append(f"The complaint was withdrawn: {_named(event)} has no withdrawn event before it, so the "
                   f"complaint is taken as withdrawn that day; no further letter falls due unless it is reopened.")


def discontinuation(w: Walk, event: Event) -> None:
    w.close("discontinued", event.date)
    _mine(w, w.draft("discontinuation", None, event.id, w.notice_due("discontinuation", event.date),
                     facts={"attempts": [], "reason": None}))
    w.notes.append(f"The complaint was discontinued: {_named(event)} has no discontinued event before it, so "
                   f"the complaint is taken as discontinued that day; no further letter falls due unless it is "
                   f"reopened.")


def not_accepted(w: Walk, event: Event) -> None:
    start = w.current.start
    w.close("not-accepted", event.date)
    _mine(w, w.draft("not-accepted", None, event.id, w.notice_due("not_accepted", max(start, event.date)),
                     ombudsman_required=w.policy.value("ombudsman.in_not_accepted"),
                     facts={"ground": None, "reasons": []}))
    w.notes.append(f"{_cap(_named(event))} has no not_accepted event before it: the complaint is taken "
                   f"as not accepted that day; no further letter falls due for it.")


def extension(w: Walk, event: Event) -> None:
    stage = w.current
    current, limit = stage.response_due, stage.limit
    new_due = limit if limit is not None and limit > current else None
    draft = w.draft("extension", stage.number, event.id, current,
                    facts={"previous_due": current, "new_due": new_due, "limit": limit, "past_limit": False,
                           "outside": True})
    _mine(w, draft)
    if new_due is not None:
        stage.response_due = new_due
        w.refresh_ack_facts(stage)
        w.notes.append(f"{_cap(_named(event))} has no extension event before it: the stage {stage.number} "
                       f"response date is taken as extended to the policy's limit, {british(new_due)}.")
        return
    w.by_hand_extensions[stage.number] = draft
    why = ("sets no extension limit" if limit is None
           else f"limit ({british(limit)}) is already reached")
    w.notes.append(f"{_cap(_named(event))} has no extension event before it and its new response date is "
                   f"unknown ({w.policy.name}'s policy {why} for stage {stage.number}): the stage {stage.number} "
                   f"response date stays {british(current)} until an extension event gives its new_due.")


def holding(w: Walk, event: Event) -> None:
    stages.on_hold(w, event)
    _mine(w, w.current.hold_letter)
    w.notes.append(f"{_cap(_named(event))} has no on_hold event before it: the stage {w.current.number} "
                   f"investigation is taken as put on hold that day.")


def consent_request(w: Walk, event: Event) -> None:
    _mine(w, w.draft("consent-request", None, event.id, w.notice_due("consent_request", event.date),
                     facts={"to": "complainant"}))


# ----- conduct, which runs alongside the complaint

def warning(w: Walk, event: Event) -> None:
    _mine(w, w.draft("behaviour-warning", None, event.id, w.notice_due("behaviour_warning", event.date),
                     facts={"behaviours": []}))
    w.notes.append(f"{_cap(_named(event))} has no behaviour_warning event before it: the complainant is "
                   f"taken as warned that day.")


def restriction_notice(w: Walk, event: Event) -> None:
    for earlier in (d for d in w.drafts if d.letter == "behaviour-warning"):
        w.supersede(earlier, event.date, f"a restriction was applied on {british(event.date)} ({event.id})")
    review = w.apply(w.policy.clock("restrictions.review"), event.date)
    w.restrictions.append({"event": event, "ends": None, "review": review, "restrictions": []})
    _mine(w, w.draft("restriction-notice", None, event.id, w.apply(w.policy.clock("restrictions.notice"), event.date),
                     ombudsman_required=w.policy.value("ombudsman.in_restriction_notice"),
                     facts={"review": review, "ends": None, "challenge": w.policy.value("restrictions.challenge")}))
    w.notes.append(f"{_cap(_named(event))} has no restriction event before it: a restriction is taken as "
                   f"applied that day, its review due by {british(review)}.")


def restriction_review(w: Walk, event: Event) -> None:
    next_review = w.apply(w.policy.clock("restrictions.review"), event.date)
    active = [r for r in w.restrictions if r["review"] is not None]
    if active:
        active[-1].update(review=next_review)
    else:
        w.restrictions.append({"event": event, "ends": None, "review": next_review, "restrictions": []})
    _mine(w, w.draft("restriction-review", None, event.id, w.notice_due("restriction_review", event.date),
                     facts={"outcome": None, "next_review": next_review}))
    w.notes.append(f"{_cap(_named(event))} has no restriction_review event before it and its outcome is "
                   f"not recorded: the restriction is taken as kept, its next review due by {british(next_review)} "
                   f"(a restriction_review event saying it was lifted would end it).")


def _always(w: Walk, event: Event) -> bool:
    return True


# What each kind needs to be read as a fact, and how it is read.
CAN_READ = {
    "escalation-refusal": _next_stage,
    "withdrawal-confirmation": _open,
    "discontinuation": _open,
    "not-accepted": _open,
    "extension": _can_extend,
    "holding": _stage_running,
    "consent-request": _always,
    "behaviour-warning": _always,
    "restriction-notice": _always,
    "restriction-review": _always,
}
READ = {
    "escalation-refusal": refusal,
    "withdrawal-confirmation": withdrawal,
    "discontinuation": discontinuation,
    "not-accepted": not_accepted,
    "extension": extension,
    "holding": holding,
    "consent-request": consent_request,
    "behaviour-warning": warning,
    "restriction-notice": restriction_notice,
    "restriction-review": restriction_review,
}
