"""What the walk knows as it reads a case: its stages, the letters drafted, the notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from correspondence.common.wording import british, british_dates
from correspondence.engine.case import Case, CaseError, Event
from correspondence.engine.rules import Policy
from correspondence.engine.walk import clocks
from correspondence.engine.walk.issued import Issued, Key

# Letters about the person's conduct run alongside the complaint: a withdrawal does not stop them.
CONDUCT_LETTERS = {"behaviour-warning", "restriction-notice", "restriction-review"}


@dataclass
class Draft:
    """A letter the case needs, as the walk finds it."""

    seq: int
    letter: str
    stage: int | None
    trigger: str
    due: date
    issued: Issued | None
    trigger_date: date
    ombudsman_required: bool = False
    facts: dict = field(default_factory=dict)
    cancelled: bool = False
    cancelled_on: date | None = None
    # docs/rules.md#letters-never-contradict-one-another: a later fact made it untrue
    superseded_on: date | None = None
    superseded_by: str = ""  # a sentence: what made it untrue


@dataclass
class Stage:
    """One stage of the procedure as it runs: its clocks, hold, decision and escalation window."""

    number: int
    start: date
    trigger: str
    ack: Draft | None = None
    ack_date: date | None = None
    response_due: date | None = None
    limit: date | None = None
    hold_since: date | None = None
    hold_letter: Draft | None = None  # the holding letter of the hold in force
    hold_remaining: int = 0  # working days left to the response date when the hold began
    hold_limit_remaining: int | None = None  # and to the extension limit
    decision: Event | None = None
    outcome: Draft | None = None
    window_closes: date | None = None
    closed: str = ""  # withdrawn, discontinued, not-accepted


PROCEDURE_WORDS = {"adult-social-care": "adult social care", "childrens": "children's"}


def procedure_words(policy: Policy) -> str:
    """ "corporate", "adult social care", "children's": a procedure named as English."""
    return PROCEDURE_WORDS.get(policy.procedure, policy.procedure.replace("-", " "))


def paragraph(cite: str) -> str:
    """", para 6.3" from a Code citation, for a note."""
    found = re.search(r"paras? [0-9][0-9.,\- ]*[0-9]|section [0-9]+", cite)
    return f", {found.group(0)}" if found else ""


class Walk:
    """The state of one case's walk, and the helpers every handler shares."""

    def __init__(self, case: Case, policy: Policy, matches: Mapping[Key, Issued], as_of: date, order: list[str],
                 channel: str = "post", by_event: Mapping[str, Issued] | None = None):
        self.case = case
        self.channel = channel  # the channel of the person the letters go to (recipient.py)
        self.policy = policy
        self.as_of = as_of
        self.cal = policy.calendar
        self.matches = matches
        self.by_event = by_event or {}  # the letter_issued events' letters, by event id
        self.errors: list[CaseError] = []  # what this reading found contradictory (walk/__init__.py)
        self.unmatched: list[Issued] = []
        self.drafts: list[Draft] = []
        self.notes: list[str] = []
        self.stages: dict[int, Stage] = {}
        self.current: Stage | None = None
        self.closed: str = ""  # why the complaint is not running: withdrawn, discontinued, ...
        self.closed_on: date | None = None
        self.final_given = False
        self.events = sorted((e for e in case.events if e.date <= as_of),
                             key=lambda e: (e.date, order.index(e.type), e.index))
        self.event_dates = {e.id: e.date for e in case.events}
        self._events_by_id = {e.id: e for e in case.events}
        self.restrictions: list[dict] = []
        self.refused_requests: set[str] = set()
        self.floor_noted: set[tuple] = set()
        self.by_hand_extensions: dict[int, Draft] = {}  # extension letters sent by hand, new date unknown
        self.premature: list[Event] = []  # escalation requests waiting for their outcome to be sent

    # ----- errors and notes

    def fail(self, event: Event | None, field_name: str, message: str) -> CaseError:
        where = f"events[{event.index}].{field_name}" if event else field_name
        return CaseError(self.case.source, [f"{self.case.source}: field {where}: {british_dates(message)}"])

    def drop_notes(self, prefix: str | tuple[str, ...]) -> None:
        self.notes[:] = [n for n in self.notes if not n.startswith(prefix)]

    def of_type(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]

    # ----- clocks

    def apply(self, clock, anchor: date) -> date | None:
        return clocks.apply(self.policy, clock, anchor)

    def stage_clock(self, stage: Stage, name: str) -> date | None:
        """A clock of ``stage`` (acknowledgement, response, extension_limit, escalation_refusal).

        For a housing complaint the Housing Ombudsman Code's clock is the floor: the earlier date
        applies, with a note where the Code's is earlier (docs/rules.md#housing-complaints)."""
        mine = self._own_stage_clock(stage, name)
        code = self.policy.floor.get(f"stage{stage.number}.{name}")
        if code is None:
            return mine
        floor = self._at(stage, code.value)
        if mine is not None and mine <= floor:
            return mine
        self.floor_note(f"stage{stage.number}.{name}", stage.start, mine, floor, code)
        return floor

    def _own_stage_clock(self, stage: Stage, name: str) -> date | None:
        clock = self.policy.clock(f"stage{stage.number}.{name}")
        if clock.kind == "same_as":
            return self.stage_clock(stage, clock.ref)
        return self._at(stage, clock)

    def _at(self, stage: Stage, clock) -> date | None:
        if clock.kind == "none":
            return None
        anchors = {"received": stage.start, "request": stage.start, "acknowledgement": stage.ack_date}
        return self.apply(clock, anchors[clock.anchor])

    def floor_note(self, key: str, start: date, mine: date | None, floor: date, code) -> None:
        """Say once where the statutory Housing Ombudsman Code's date replaces the council's."""
        if (key, start) in self.floor_noted:
            return
        self.floor_noted.add((key, start))
        stage, name = key.split(".", 1)
        what = f"stage {stage.removeprefix('stage')} {name.replace('_', ' ')}"
        code_words = f"{floor.isoformat()}: {code.value.describe()}{paragraph(code.cite)}"
        if mine is None:
            self.notes.append(f"{self.policy.name}'s policy sets no {what}; the statutory Housing Ombudsman Code's "
                              f"({code_words}) applies.")
        else:
            self.notes.append(f"{self.policy.name}'s {what} date ({mine.isoformat()}) is later than the statutory "
                              f"Housing Ombudsman Code's ({code_words}); the Code's applies.")

    def notice_due(self, key: str, anchor: date) -> date:
        clock = self.policy.clock(f"notices.{key}")
        if clock.kind == "same_as":
            return self.stage_clock(self.stages[1], clock.ref.split(".", 1)[1])
        return self.apply(clock, anchor)

    def delivery(self, issued: Issued | None) -> str:
        """How a letter went: its own ``delivery``, else its recipient's channel (email or first class)."""
        if issued and issued.delivery:
            return issued.delivery
        return "email" if self.channel == "email" else "first-class"

    def deemed_receipt(self, sent: date, delivery: str) -> date:
        return clocks.deemed_receipt(self.policy, sent, delivery)

    def outcome_received(self, stage: Stage) -> date:
        """The deemed receipt of ``stage``'s outcome (issued, or projected on its due date): the one
        count the escalation window, a premature request and the letters all use."""
        out = stage.outcome
        sent = out.issued.date if out.issued else out.due
        return self.deemed_receipt(sent, self.delivery(out.issued))

    def case_event(self, event_id: str) -> Event | None:
        return self._events_by_id.get(event_id)

    # ----- letters

    def draft(self, letter: str, stage: int | None, trigger: str, due: date, **kw: Any) -> Draft:
        when = self.case.received if trigger == "complaint" else self.event_dates[trigger]
        d = Draft(len(self.drafts), letter, stage, trigger, due, self.matches.get((letter, stage, trigger)), when, **kw)
        self.drafts.append(d)
        return d

    # ----- the complaint's course

    def start_stage(self, number: int, start: date, trigger: str, acknowledged: Issued | None = None) -> Stage:
        """Start stage ``number`` on ``start``; ``acknowledged``: its acknowledgement, already sent."""
        stage = Stage(number, start, trigger)
        self.stages[number] = stage
        self.current = stage
        ack_due = self.stage_clock(stage, "acknowledgement")
        stage.ack = self.draft("acknowledgement", number, trigger, ack_due)
        if acknowledged is not None:
            stage.ack.issued = acknowledged
        stage.ack_date = stage.ack.issued.date if stage.ack.issued else ack_due
        stage.response_due = self.stage_clock(stage, "response")
        stage.limit = self.stage_clock(stage, "extension_limit")
        stage.ack.facts.update(response_due=stage.response_due, first_response_due=stage.response_due)
        return stage

    def refresh_ack_facts(self, stage: Stage) -> None:
        if stage.ack:
            stage.ack.facts["response_due"] = stage.response_due

    def close(self, reason: str, when: date) -> None:
        """Stop the complaint: letters not yet issued for it are no longer due."""
        self.closed, self.closed_on = reason, when
        for d in self.drafts:
            if d.issued is None and d.letter not in CONDUCT_LETTERS and not d.cancelled:
                d.cancelled, d.cancelled_on = True, when
        if self.current:
            self.current.closed = reason

    def check_stage(self, event: Event, stage_no: int) -> Stage:
        """The stage an event names must be the one the complaint is at."""
        if stage_no > self.policy.stages:
            raise self.fail(event, "stage", f"expected a stage from 1 to {self.policy.stages} "
                                            f"({self.policy.name}'s {procedure_words(self.policy)} procedure has "
                                            f"{self.policy.stages}); got {stage_no}.")
        if self.current is None or self.current.number != stage_no:
            at = self.current.number if self.current else 1
            raise self.fail(event, "stage", f"expected stage {at}, the stage the complaint is at on "
                                            f"{british(event.date)}; got stage {stage_no}.")
        return self.current

    def supersede(self, draft: Draft | None, on: date, why: str) -> None:
        """``draft``, not yet issued, is no longer sent: ``why`` made it untrue on ``on``."""
        if draft is None or draft.issued is not None or draft.cancelled or draft.superseded_on is not None:
            return
        if on > self.as_of:
            return
        draft.superseded_on, draft.superseded_by = on, why
