"""A stage as it runs: extensions, holds, a review panel, and the decision that ends it."""

from __future__ import annotations

from correspondence.common.wording import british
from correspondence.engine.case import Event
from correspondence.engine.points import unanswered_points, unanswered_sentence
from correspondence.engine.walk import escalation
from correspondence.engine.walk.state import Stage, Walk, paragraph, procedure_words


def extension(w: Walk, event: Event) -> None:
    stage = w.check_stage(event, event.get("stage"))
    if _gives_the_date(w, stage, event):
        return
    if stage.decision is not None or stage.outcome is not None:
        w.notes.append(f"Extension {event.id} comes after the stage {stage.number} "
                       f"{'decision' if stage.decision is not None else 'outcome'}; it changes nothing.")
        return
    if not w.policy.value(f"stage{stage.number}.extensions"):
        raise w.fail(event, "type", f"expected no extension: stage {stage.number} of {w.policy.name}'s "
                                    f"{procedure_words(w.policy)} procedure has timescales set by statute that cannot be "
                                    f"altered; got an extension on {british(event.date)}.")
    if stage.hold_since is not None:
        raise w.fail(event, "date", f"expected a resumed event before an extension: the stage {stage.number} "
                                    f"investigation is on hold since {british(stage.hold_since)}; got an extension "
                                    f"on {british(event.date)}.")
    current = stage.response_due
    new_due = event.date_field("new_due")
    limit = stage.limit
    if new_due is None:
        if limit is None:
            raise w.fail(event, "new_due", f"expected the new response date, as {w.policy.name}'s policy sets no "
                                           f"extension limit for stage {stage.number}; got none.")
        if limit <= current:
            raise w.fail(event, "new_due", f"expected the new response date, as the stage {stage.number} response "
                                           f"date {british(current)} is already at the policy's limit; got none.")
        new_due = limit
    elif new_due <= current:
        raise w.fail(event, "new_due", f"expected a date after the current stage {stage.number} response "
                                       f"date {current.isoformat()}; got {new_due.isoformat()}.")
    past_limit = limit is not None and new_due > limit
    rule = w.policy.value("ombudsman.in_extension")
    required = rule == "always" or (rule == "past-limit" and past_limit)
    replaced = w.policy.floor_replaced.get("ombudsman.in_extension")
    if replaced is not None and required and not (replaced.value == "always" or (replaced.value == "past-limit" and past_limit)):
        w.notes.append(f"Extension {event.id}: {w.policy.name}'s policy puts the Ombudsman's details in an extension "
                       f"letter only past its limit; the statutory Housing Ombudsman Code requires them in every "
                       f"extension{paragraph(w.policy.cite('ombudsman.in_extension'))}, "
                       f"so this letter carries them.")
    w.draft("extension", stage.number, event.id, current, ombudsman_required=required,
            facts={"previous_due": current, "new_due": new_due, "reason": event.get("reason"),
                   "limit": limit, "past_limit": past_limit})
    if past_limit:
        w.notes.append(f"Extension {event.id} goes past the policy's stage {stage.number} limit "
                       f"({limit.isoformat()}): its letter must give the reason and the Ombudsman's details.")
    stage.response_due = new_due
    w.refresh_ack_facts(stage)


def _gives_the_date(w: Walk, stage: Stage, event: Event) -> bool:
    """docs/rules.md#letters-sent-by-hand: an extension event recorded after an extension letter the case
    system sent itself, whose new date was unknown, gives that letter's date; no second letter falls due."""
    sent = w.by_hand_extensions.get(stage.number)
    new_due = event.date_field("new_due")
    if sent is None or stage.decision is not None or stage.outcome is not None:
        return False
    if new_due is None or new_due <= sent.facts["previous_due"]:
        return False
    del w.by_hand_extensions[stage.number]
    sent.facts["new_due"] = new_due
    sent.facts["past_limit"] = stage.limit is not None and new_due > stage.limit
    stage.response_due = new_due
    w.refresh_ack_facts(stage)
    w.drop_notes(f"The extension issued on {british(sent.issued.date)} ({sent.trigger})")
    w.notes.append(f"Extension {event.id} gives the new response date of the extension letter issued on "
                   f"{british(sent.issued.date)} ({sent.trigger}), {british(new_due)}; no second extension "
                   f"letter falls due.")
    return True


def on_hold(w: Walk, event: Event) -> None:
    stage = w.current
    if stage is None or stage.hold_since is not None or stage.decision is not None:
        w.notes.append(f"Hold {event.id} does not apply: no investigation is running on {event.date.isoformat()}.")
        return
    stage.hold_since = event.date
    stage.hold_remaining = w.cal.working_days_between(event.date, stage.response_due)
    # docs/rules.md#holds: the hold stops the extension limit as well as the response date
    stage.hold_limit_remaining = (w.cal.working_days_between(event.date, stage.limit)
                                  if stage.limit is not None else None)
    facts = {"reason": event.get("reason"), "other_procedure": event.get("other_procedure"),
             "expected_resume": event.date_field("expected_resume"), "stage": stage.number}
    stage.hold_letter = w.draft("holding", None, event.id, w.notice_due("holding", event.date), facts=facts)
    w.notes.append(f"The stage {stage.number} investigation is on hold since {event.date.isoformat()}; "
                   f"its response date is suspended until it resumes "
                   f"({stage.hold_remaining} working days were left).")


def resumed(w: Walk, event: Event) -> None:
    stage = w.current
    if stage is None or stage.hold_since is None:
        w.notes.append(f"Resumed event {event.id} has no hold before it; it changes nothing.")
        return
    new_due = event.date_field("new_due") or w.cal.add_working_days(event.date, stage.hold_remaining)
    stage.response_due = new_due
    if stage.hold_limit_remaining is not None:
        stage.limit = w.cal.add_working_days(event.date, stage.hold_limit_remaining)
    stage.hold_since = None
    w.supersede(stage.hold_letter, event.date, f"the investigation resumed on {british(event.date)}")
    stage.hold_letter = None
    w.drop_notes(f"The stage {stage.number} investigation is on hold")
    w.refresh_ack_facts(stage)


def panel_held(w: Walk, event: Event) -> None:
    """A review panel met: where the rules give the stage a response clock from the panel
    (Warwickshire's children's stage 3: 5 + 15 WD), the response is due by it."""
    number = event.get("stage")
    clock = w.policy.clock(f"stage{number}.response_after_panel") if number <= w.policy.stages else None
    if clock is None or clock.kind == "none":
        raise w.fail(event, "stage", f"expected a stage with a review panel ({w.policy.name}'s "
                                     f"{procedure_words(w.policy)} procedure holds none at stage {number}); got stage {number}.")
    stage = w.check_stage(event, number)
    if stage.decision is not None:
        w.notes.append(f"Panel {event.id} comes after the stage {number} decision; it changes nothing.")
        return
    stage.response_due = w.apply(clock, event.date)
    stage.hold_since = None
    w.refresh_ack_facts(stage)
    w.notes.append(f"The stage {number} review panel met on {event.date.isoformat()}: the response is due "
                   f"{clock.describe().replace('the review panel meets', 'it')}, by {stage.response_due.isoformat()}.")


def decision(w: Walk, event: Event) -> None:
    number = event.get("stage")
    answered = w.stages.get(number)
    if answered is not None and answered.decision is None and answered.outcome is not None:
        # docs/rules.md#outcomes-sent-outside-the-service: an outcome sent outside the service, and its decision recorded later:
        # the decision gives that outcome's findings; no second outcome falls due.
        answered.decision = event
        answered.outcome.facts.update(decision=event.id, not_recorded=False)
        w.notes.append(f"Decision {event.id} gives the findings of the stage {number} outcome letter issued on "
                       f"{british(answered.outcome.issued.date)} ({answered.outcome.trigger}); no second "
                       f"outcome falls due.")
        return
    stage = w.check_stage(event, number)
    if stage.decision is not None:
        raise w.fail(event, "stage", f"expected one decision for stage {stage.number} (a stage has one outcome); "
                                     f"got a second, after event {stage.decision.id}.")
    stage.decision = event
    _answer(w, stage, w.draft("outcome", stage.number, event.id, _response_due(w, stage, event), facts={}))


def _response_due(w: Walk, stage: Stage, event: Event):
    if stage.hold_since is not None:  # the answer ends the hold
        stage.hold_since = None
        w.drop_notes(f"The stage {stage.number} investigation is on hold")
        stage.response_due = event.date
    return stage.response_due


def answers_a_stage(w: Walk, event: Event) -> bool:
    """docs/rules.md#outcomes-sent-outside-the-service: a ``letter_issued`` outcome, with
    no trigger, for a stage that has no decision and no outcome yet, is that stage's outcome.
    The same for a letter a case system sent itself with no letter of the service behind it:
    the acknowledgement of the next stage, with no request recorded, is the request granted."""
    if event.get("trigger") is not None or event.id not in w.by_event:
        return False
    if event.get("letter") == "acknowledgement":
        return _starts_next_stage(w, event)
    if event.get("letter") != "outcome":
        return False
    stage = w.stages.get(event.get("stage") or (w.current.number if w.current else 1))
    return stage is not None and stage.decision is None and stage.outcome is None and not stage.closed


def _starts_next_stage(w: Walk, event: Event) -> bool:
    number, current = event.get("stage"), w.current
    if not number or number in w.stages or current is None or current.number != number - 1 or current.closed:
        return False
    if number > w.policy.stages or current.outcome is None or current.outcome.issued is None:
        return False
    asked = [e for e in w.of_type("escalation_request") if e.get("to_stage") == number and e.date <= event.date]
    return not asked and current.outcome.issued.date <= event.date


def letter_issued(w: Walk, event: Event) -> None:
    """An outcome the case system sent itself answers the stage on the letter's date; its
    findings are unknown (the report counts it "not recorded") until a decision gives them.
    A next stage's acknowledgement it sent itself starts that stage on the letter's date."""
    if event.get("letter") == "acknowledgement":
        w.start_stage(event.get("stage"), event.date, event.id, acknowledged=w.by_event[event.id])
        w.notes.append(f"The stage {event.get('stage')} acknowledgement issued on {british(event.date)} "
                       f"({event.id}) has no escalation request recorded before it: stage {event.get('stage')} is "
                       f"taken as requested that day.")
        return
    stage = w.stages[event.get("stage") or w.current.number]
    outcome = w.draft("outcome", stage.number, event.id, _response_due(w, stage, event),
                      facts={"outside": True, "decision": None, "not_recorded": True})
    outcome.issued = w.by_event[event.id]
    _answer(w, stage, outcome)


def _answer(w: Walk, stage: Stage, outcome) -> None:
    """The stage has its outcome: the escalation window opens from its deemed receipt, the letters
    it makes untrue are superseded, and premature requests waiting for it now count."""
    final = stage.number == w.policy.stages
    outcome.ombudsman_required = w.policy.value("ombudsman.in_final_outcome" if final else "ombudsman.in_stage_outcome")
    outcome.facts["final"] = final
    stage.outcome = outcome
    event = w.case_event(outcome.trigger)
    if event.type == "decision":
        unanswered = unanswered_sentence(w.case, event, stage.number)
        if unanswered:
            outcome.facts.update(unanswered_points=unanswered_points(w.case, event), unanswered=unanswered)
            w.notes.append(unanswered)
    if not final:
        window = w.policy.clock(f"stage{stage.number}.escalation_window")
        if window.kind != "none":
            received = w.outcome_received(stage)
            stage.window_closes = w.apply(window, received)
            outcome.facts.update(window_closes=stage.window_closes, deemed_receipt=received)
    else:
        w.final_given = True
    if outcome.issued is not None:
        sent = outcome.issued.date
        why = f"the stage {stage.number} outcome was issued on {british(sent)}"
        w.supersede(stage.ack, sent, why)
        for d in w.drafts:
            if d.letter == "extension" and d.stage == stage.number:
                w.supersede(d, sent, why)
    escalation.outcome_sent(w, stage)


def deadlines(w: Walk) -> list[tuple[str, int | None, object]]:
    """(kind, stage, date) of every clock still running."""
    out: list[tuple] = []
    for number in sorted(w.stages):
        stage = w.stages[number]
        if stage.closed:
            continue
        if stage.ack is not None and not stage.ack.cancelled and stage.ack.superseded_on is None:
            out.append(("acknowledgement", number, stage.ack.due))
        if stage.hold_since is None and stage.response_due is not None:
            out.append(("response", number, stage.response_due))
        if stage.window_closes is not None:
            out.append(("escalation-window", number, stage.window_closes))
    for restriction in w.restrictions:
        if restriction["review"] is not None:
            out.append(("restriction-review", None, restriction["review"]))
    return out
