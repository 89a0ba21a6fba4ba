"""Letters about the person's conduct, which run alongside the complaint: warnings,
restrictions on contact and their reviews."""

from __future__ import annotations

from correspondence.common.wording import british
from correspondence.engine.case import Event
from correspondence.engine.walk.state import Walk
from correspondence.engine.working_days import add_months


def behaviour_warning(w: Walk, event: Event) -> None:
    w.draft("behaviour-warning", None, event.id, w.notice_due("behaviour_warning", event.date),
            facts={"behaviours": event.get("behaviours", [])})


def restriction(w: Walk, event: Event) -> None:
    for warning in (d for d in w.drafts if d.letter == "behaviour-warning"):
        w.supersede(warning, event.date, f"a restriction was decided on {british(event.date)} ({event.id})")
    review_months = event.get("review_months")
    review = (add_months(event.date, review_months) if review_months
              else w.apply(w.policy.clock("restrictions.review"), event.date))
    ends = add_months(event.date, event.get("duration_months"))
    w.restrictions.append({"event": event, "ends": ends, "review": review, "restrictions": event.get("restrictions")})
    w.draft("restriction-notice", None, event.id, w.apply(w.policy.clock("restrictions.notice"), event.date),
            ombudsman_required=w.policy.value("ombudsman.in_restriction_notice"),
            facts={"behaviours": event.get("behaviours"), "restrictions": event.get("restrictions"),
                   "ends": ends, "review": review, "decided_by": event.get("decided_by"),
                   "challenge": w.policy.value("restrictions.challenge")})


def restriction_review(w: Walk, event: Event) -> None:
    active = [r for r in w.restrictions if r["review"] is not None]
    if not active:
        raise w.fail(event, "type", f"expected an earlier restriction event still in force before a "
                                    f"restriction_review; got none on or before {british(event.date)}.")
    current = active[-1]
    outcome = event.get("outcome")
    restrictions = event.get("restrictions") or current["restrictions"]
    if outcome == "lifted":
        next_review = None
    elif event.get("next_review_months"):
        next_review = add_months(event.date, event.get("next_review_months"))
    else:
        next_review = w.apply(w.policy.clock("restrictions.review"), event.date)
    current.update(review=next_review, restrictions=restrictions)
    if current["ends"] is None and outcome != "lifted":
        # docs/rules.md#letters-sent-by-hand: a restriction applied by a notice the case system sent
        # itself has no recorded terms or end date, so no letter can say what applies; none is written.
        applied = current["event"]
        w.notes.append(f"The restriction review {event.id} ({british(event.date)}) keeps the restriction applied by "
                       f"the restriction notice issued on {british(applied.date)} ({applied.id}), whose restrictions "
                       f"and end date are not recorded: no review letter is written until a restriction event dated "
                       f"{british(applied.date)} gives them.")
        return
    # A decision to keep or change restrictions is a fresh decision: it gives the council's
    # challenge route and the Ombudsman, as the notice did (letters.md, Restriction reviews).
    kept = outcome != "lifted"
    w.draft("restriction-review", None, event.id, w.notice_due("restriction_review", event.date),
            ombudsman_required=kept and w.policy.value("ombudsman.in_restriction_notice"),
            facts={"outcome": outcome, "restrictions": restrictions, "next_review": next_review,
                   "ends": current["ends"], "challenge": w.policy.value("restrictions.challenge") if kept else ""})
