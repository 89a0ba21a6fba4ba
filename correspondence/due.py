"""What is due: the letters a case needs, their due dates and every deadline.

:func:`determine` is a pure function of (case, policy, letters already issued, as-of date).
It walks the case's events in date order, the way a complaints officer reads a file, and
keeps to ``shared/spec/letters.md`` and the "Counting" rules of ``policy-matrix.md``:

* each stage starts with an acknowledgement and a response deadline; extensions move the
  response deadline (to the policy's limit, or to ``new_due``); a hold suspends it;
* a decision makes the stage's outcome letter due by the response deadline; a stage that is
  not final opens the escalation window from the outcome's (deemed) receipt;
* an escalation request after the window closes, or one the council refuses, gets an
  escalation refusal; an accepted one starts the next stage;
* a complaint out of time, or not accepted, gets a not-accepted letter in place of the
  acknowledgement; after a withdrawal or discontinuation nothing more falls due for the
  complaint until it is reopened, which restarts the clocks of the stage it was at;
* warnings, restrictions and their reviews run alongside.

Clocks that run from a letter use the date the letter was actually issued (the ledger, or a
``letter_issued`` event), and until then its due date (a projection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from .calendar import add_months
from .case import Case, CaseError, Event
from .rules import Clock, Policy

# Letters about the person's conduct run alongside the complaint: a withdrawal does not stop them.
CONDUCT_LETTERS = {"behaviour-warning", "restriction-notice", "restriction-review"}
# Same-day events are read in this order (a request before its refusal, a hold before its end).
_EVENT_ORDER = ["time_limit_waived", "not_accepted", "extension", "on_hold", "resumed", "decision",
                "escalation_request", "escalation_refused", "contact_attempt", "discontinued", "withdrawn",
                "reopened", "behaviour_warning", "restriction", "restriction_review", "letter_issued"]
FORMAT_NEEDS = {
    "easy-read": "An easy-read version of each letter is needed.",
    "braille": "A Braille version of each letter is needed.",
    "audio": "An audio version of each letter is needed.",
}


@dataclass(frozen=True)
class Issued:
    """A letter already sent: from the ledger (with its trigger) or a ``letter_issued`` event."""

    letter: str
    stage: int | None
    date: date
    trigger: str | None = None
    delivery: str | None = None
    source: str = "ledger"  # "ledger" or the letter_issued event id


@dataclass(frozen=True)
class Letter:
    letter: str
    stage: int | None
    trigger: str
    due: date
    status: str  # issued, due, overdue
    issued_on: date | None = None
    ombudsman_required: bool = False
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"letter": self.letter, "stage": self.stage, "trigger": self.trigger,
                "due": self.due.isoformat(), "status": self.status}


@dataclass(frozen=True)
class Deadline:
    kind: str  # acknowledgement, response, escalation-window, restriction-review
    stage: int | None
    date: date

    def to_json(self) -> dict:
        return {"kind": self.kind, "stage": self.stage, "date": self.date.isoformat()}


@dataclass(frozen=True)
class Recipient:
    role: str  # complainant or representative
    channel: str  # email or post
    on_behalf: bool  # a representative writing for the complainant


@dataclass(frozen=True)
class Determination:
    case_id: str
    council: str
    as_of: date
    letters: tuple[Letter, ...]
    deadlines: tuple[Deadline, ...]
    notes: tuple[str, ...]
    recipient: Recipient | None

    def to_json(self) -> dict:
        return {
            "case_id": self.case_id,
            "council": self.council,
            "as_of": self.as_of.isoformat(),
            "letters": [letter.to_json() for letter in self.letters],
            "deadlines": [d.to_json() for d in self.deadlines],
            "notes": list(self.notes),
        }

    @property
    def pending(self) -> tuple[Letter, ...]:
        return tuple(letter for letter in self.letters if letter.status != "issued")


# --------------------------------------------------------------------------- the walk

@dataclass
class _Draft:
    seq: int
    letter: str
    stage: int | None
    trigger: str
    due: date
    issued: Issued | None
    ombudsman_required: bool = False
    facts: dict = field(default_factory=dict)
    cancelled: bool = False


@dataclass
class _Stage:
    number: int
    start: date
    trigger: str
    ack: _Draft | None = None
    ack_date: date | None = None
    response_due: date | None = None
    limit: date | None = None
    hold_since: date | None = None
    hold_remaining: int = 0
    decision: Event | None = None
    outcome: _Draft | None = None
    window_closes: date | None = None
    closed: str = ""  # withdrawn, discontinued, not-accepted


class _IssuedBook:
    """Matches letters the walk makes to letters already issued."""

    def __init__(self, issued: Iterable[Issued]):
        self.exact: dict[tuple, Issued] = {}
        self.loose: list[Issued] = []
        for item in sorted(issued, key=lambda i: (i.date, i.source)):
            if item.trigger is not None:
                self.exact.setdefault((item.letter, item.stage, item.trigger), item)
            else:
                self.loose.append(item)
        self.used: set[int] = set()

    def take(self, letter: str, stage: int | None, trigger: str) -> Issued | None:
        found = self.exact.pop((letter, stage, trigger), None)
        if found:
            return found
        for i, item in enumerate(self.loose):
            if i in self.used or item.letter != letter:
                continue
            if item.stage is None or stage is None or item.stage == stage:
                self.used.add(i)
                return item
        return None

    def unmatched(self) -> list[Issued]:
        return list(self.exact.values()) + [x for i, x in enumerate(self.loose) if i not in self.used]


class _Walk:
    def __init__(self, case: Case, policy: Policy, issued: Iterable[Issued], as_of: date):
        self.case = case
        self.policy = policy
        self.as_of = as_of
        self.cal = policy.calendar
        self.book = _IssuedBook(i for i in issued if i.date <= as_of)
        self.drafts: list[_Draft] = []
        self.notes: list[str] = []
        self.stages: dict[int, _Stage] = {}
        self.current: _Stage | None = None
        self.closed: str = ""  # why the complaint is not running: withdrawn, discontinued, ...
        self.closed_on: date | None = None
        self.final_given = False
        self.events = sorted((e for e in case.events if e.date <= as_of),
                             key=lambda e: (e.date, _EVENT_ORDER.index(e.type), e.index))
        self.restrictions: list[dict] = []
        self.refused_requests: set[str] = set()

    # ----- helpers

    def fail(self, event: Event | None, field_name: str, message: str) -> CaseError:
        where = f"events[{event.index}].{field_name}" if event else field_name
        return CaseError(self.case.source, [f"{self.case.source}: field {where}: {message}"])

    def apply(self, clock: Clock, anchor: date) -> date | None:
        if clock.kind == "none":
            return None
        if clock.kind == "wd":
            return self.cal.add_working_days(anchor, clock.amount)
        if clock.kind == "days":
            return anchor + timedelta(days=clock.amount)
        if clock.kind == "months":
            return add_months(anchor, clock.amount)
        if clock.kind == "wd_of":
            return self.cal.add_working_days(anchor, self.policy.clock(clock.ref).amount)
        raise ValueError(f"clock {clock.kind} needs a reference date")

    def stage_clock(self, stage: _Stage, name: str) -> date | None:
        """A clock of ``stage`` (acknowledgement, response, extension_limit, escalation_refusal)."""
        clock = self.policy.clock(f"stage{stage.number}.{name}")
        if clock.kind == "same_as":
            return self.stage_clock(stage, clock.ref)
        if clock.kind == "none":
            return None
        anchors = {"received": stage.start, "request": stage.start, "acknowledgement": stage.ack_date}
        return self.apply(clock, anchors[clock.anchor])

    def draft(self, letter: str, stage: int | None, trigger: str, due: date, **kw: Any) -> _Draft:
        d = _Draft(len(self.drafts), letter, stage, trigger, due, self.book.take(letter, stage, trigger), **kw)
        self.drafts.append(d)
        return d

    def delivery(self, issued: Issued | None) -> str:
        if issued and issued.delivery:
            return issued.delivery
        return "email" if self.case.complainant.get("preferred_contact") == "email" else "first-class"

    def deemed_receipt(self, sent: date, delivery: str) -> date:
        return self.apply(self.policy.clock(f"deemed_receipt.{delivery}"), sent)

    def notice_due(self, key: str, anchor: date) -> date:
        clock = self.policy.clock(f"notices.{key}")
        if clock.kind == "same_as":
            return self.stage_clock(self.stages[1], clock.ref.split(".", 1)[1])
        return self.apply(clock, anchor)

    # ----- stages

    def start_stage(self, number: int, start: date, trigger: str) -> _Stage:
        stage = _Stage(number, start, trigger)
        self.stages[number] = stage
        self.current = stage
        ack_due = self.stage_clock(stage, "acknowledgement")
        stage.ack = self.draft("acknowledgement", number, trigger, ack_due)
        stage.ack_date = stage.ack.issued.date if stage.ack.issued else ack_due
        stage.response_due = self.stage_clock(stage, "response")
        stage.limit = self.stage_clock(stage, "extension_limit")
        stage.ack.facts.update(response_due=stage.response_due)
        return stage

    def close(self, reason: str, when: date) -> None:
        """Stop the complaint: letters not yet issued for it are no longer due."""
        self.closed, self.closed_on = reason, when
        for d in self.drafts:
            if d.issued is None and d.letter not in CONDUCT_LETTERS and not d.cancelled:
                d.cancelled = True
        if self.current:
            self.current.closed = reason

    def refresh_ack_facts(self, stage: _Stage) -> None:
        if stage.ack:
            stage.ack.facts["response_due"] = stage.response_due

    # ----- the complaint itself

    def begin(self) -> None:
        case, policy = self.case, self.policy
        requests = [e for e in self.events if e.type == "escalation_request"]
        first_request = requests[0].date if requests else None
        waived = any(e.type == "time_limit_waived" and (first_request is None or e.date < first_request)
                     for e in self.events)
        limit_clock = policy.clock("limits.time_limit")
        if case.first_aware and limit_clock.kind != "none" and not waived:
            limit = self.apply(limit_clock, case.first_aware)
            if case.received > limit:
                due = self.notice_due("not_accepted", case.received)
                self.draft("not-accepted", None, "complaint", due,
                           ombudsman_required=policy.value("ombudsman.in_not_accepted"),
                           facts={"ground": "out-of-time", "first_aware": case.first_aware,
                                  "time_limit_ends": limit, "received": case.received,
                                  "months": limit_clock.amount})
                self.notes.append(
                    f"The complaint is out of time: received {case.received.isoformat()}, after the "
                    f"{limit_clock.amount}-month limit from {case.first_aware.isoformat()} ended on "
                    f"{limit.isoformat()}; a not-accepted letter replaces the acknowledgement "
                    f"(a time_limit_waived event would accept it).")
                self.stages[1] = _Stage(1, case.received, "complaint", closed="not-accepted")
                self.closed, self.closed_on = "not-accepted", case.received
                return
        self.start_stage(1, case.received, "complaint")
        if case.representative and not may_act_for(case, policy):
            self.draft("consent-request", None, "complaint", self.notice_due("consent_request", case.received))

    # ----- events

    def run(self) -> None:
        self.begin()
        handlers = {
            "extension": self.on_extension, "on_hold": self.on_hold, "resumed": self.on_resumed,
            "decision": self.on_decision, "escalation_request": self.on_escalation_request,
            "escalation_refused": self.on_escalation_refused, "not_accepted": self.on_not_accepted,
            "withdrawn": self.on_withdrawn, "discontinued": self.on_discontinued, "reopened": self.on_reopened,
            "behaviour_warning": self.on_behaviour_warning, "restriction": self.on_restriction,
            "restriction_review": self.on_restriction_review,
        }
        self.mark_refused_requests()
        for event in self.events:
            handler = handlers.get(event.type)
            if handler is None:
                continue  # letter_issued, contact_attempt and time_limit_waived are read where needed
            if self.closed and event.type not in ("reopened", "behaviour_warning", "restriction",
                                                  "restriction_review"):
                self.notes.append(
                    f"Event {event.id} ({event.type}, {event.date.isoformat()}) comes after the complaint was "
                    f"{self.closed.replace('-', ' ')} on {self.closed_on.isoformat()}; no letter falls due for it.")
                continue
            handler(event)

    def check_stage(self, event: Event, stage_no: int) -> _Stage:
        if stage_no > self.policy.stages:
            raise self.fail(event, "stage", f"expected a stage from 1 to {self.policy.stages} "
                                            f"({self.policy.name} has {self.policy.stages}); got {stage_no}.")
        if self.current is None or self.current.number != stage_no:
            at = self.current.number if self.current else 1
            raise self.fail(event, "stage", f"expected {at}, the stage the complaint is at on "
                                            f"{event.date.isoformat()}; got {stage_no}.")
        return self.current

    def on_extension(self, event: Event) -> None:
        stage = self.check_stage(event, event.get("stage"))
        if stage.decision is not None:
            self.notes.append(f"Extension {event.id} comes after the stage {stage.number} decision; it changes nothing.")
            return
        if stage.hold_since is not None:
            raise self.fail(event, "date", f"the stage {stage.number} investigation is on hold since "
                                           f"{stage.hold_since.isoformat()}; record a resumed event before extending it.")
        current = stage.response_due
        new_due = event.date_field("new_due")
        limit = stage.limit
        if new_due is None:
            if limit is None:
                raise self.fail(event, "new_due", f"is missing; {self.policy.name}'s policy sets no extension "
                                                  f"limit for stage {stage.number}, so an extension must give "
                                                  f"its new response date.")
            if limit <= current:
                raise self.fail(event, "new_due", f"is missing; the stage {stage.number} response date "
                                                  f"{current.isoformat()} is already at the policy's limit "
                                                  f"({limit.isoformat()}), so a further extension must give its new date.")
            new_due = limit
        elif new_due <= current:
            raise self.fail(event, "new_due", f"expected a date after the current stage {stage.number} response "
                                              f"date {current.isoformat()}; got {new_due.isoformat()}.")
        past_limit = limit is not None and new_due > limit
        rule = self.policy.value("ombudsman.in_extension")
        required = rule == "always" or (rule == "past-limit" and past_limit)
        self.draft("extension", stage.number, event.id, current, ombudsman_required=required,
                   facts={"previous_due": current, "new_due": new_due, "reason": event.get("reason"),
                          "limit": limit, "past_limit": past_limit})
        if past_limit:
            self.notes.append(f"Extension {event.id} goes past the policy's stage {stage.number} limit "
                              f"({limit.isoformat()}): its letter must give the reason and the Ombudsman's details.")
        stage.response_due = new_due
        self.refresh_ack_facts(stage)

    def on_hold(self, event: Event) -> None:
        stage = self.current
        if stage is None or stage.hold_since is not None or stage.decision is not None:
            self.notes.append(f"Hold {event.id} does not apply: no investigation is running on {event.date.isoformat()}.")
            return
        stage.hold_since = event.date
        stage.hold_remaining = self.cal.working_days_between(event.date, stage.response_due)
        facts = {"reason": event.get("reason"), "other_procedure": event.get("other_procedure"),
                 "expected_resume": event.date_field("expected_resume"), "stage": stage.number}
        self.draft("holding", None, event.id, self.notice_due("holding", event.date), facts=facts)
        self.notes.append(f"The stage {stage.number} investigation is on hold since {event.date.isoformat()}; "
                          f"its response date is suspended until it resumes "
                          f"({stage.hold_remaining} working days were left).")

    def on_resumed(self, event: Event) -> None:
        stage = self.current
        if stage is None or stage.hold_since is None:
            self.notes.append(f"Resumed event {event.id} has no hold before it; it changes nothing.")
            return
        new_due = event.date_field("new_due") or self.cal.add_working_days(event.date, stage.hold_remaining)
        stage.response_due = new_due
        stage.hold_since = None
        self.notes[:] = [n for n in self.notes if not n.startswith(f"The stage {stage.number} investigation is on hold")]
        self.refresh_ack_facts(stage)

    def on_decision(self, event: Event) -> None:
        stage = self.check_stage(event, event.get("stage"))
        if stage.decision is not None:
            raise self.fail(event, "stage", f"stage {stage.number} already has a decision "
                                            f"(event {stage.decision.id}); a stage has one outcome.")
        if stage.hold_since is not None:  # a decision ends the hold
            stage.hold_since = None
            self.notes[:] = [n for n in self.notes if not n.startswith(f"The stage {stage.number} investigation is on hold")]
            stage.response_due = event.date
        stage.decision = event
        final = stage.number == self.policy.stages
        required = self.policy.value("ombudsman.in_final_outcome" if final else "ombudsman.in_stage_outcome")
        outcome = self.draft("outcome", stage.number, event.id, stage.response_due, ombudsman_required=required,
                             facts={"final": final})
        stage.outcome = outcome
        if not final:
            window = self.policy.clock(f"stage{stage.number}.escalation_window")
            if window.kind != "none":
                sent = outcome.issued.date if outcome.issued else outcome.due
                received = self.deemed_receipt(sent, self.delivery(outcome.issued))
                stage.window_closes = self.apply(window, received)
                outcome.facts.update(window_closes=stage.window_closes, deemed_receipt=received)
        else:
            self.final_given = True

    def mark_refused_requests(self) -> None:
        """A request the council refuses (an escalation_refused event after it) starts no stage."""
        requests = [e for e in self.events if e.type == "escalation_request"]
        for refusal in (e for e in self.events if e.type == "escalation_refused"):
            before = [r for r in requests if r.get("to_stage") == refusal.get("to_stage") and r.date <= refusal.date
                      and r.id not in self.refused_requests]
            if before:
                self.refused_requests.add(before[-1].id)

    def request_for(self, refusal: Event) -> Event | None:
        candidates = [e for e in self.events if e.type == "escalation_request" and e.id in self.refused_requests
                      and e.get("to_stage") == refusal.get("to_stage") and e.date <= refusal.date]
        return candidates[-1] if candidates else None

    def check_to_stage(self, event: Event) -> int:
        to_stage = event.get("to_stage")
        if to_stage > self.policy.stages:
            raise self.fail(event, "to_stage", f"expected a stage from 2 to {self.policy.stages} "
                                               f"({self.policy.name} has {self.policy.stages} stages); got {to_stage}.")
        at = self.current.number if self.current else 1
        if to_stage != at + 1:
            raise self.fail(event, "to_stage", f"expected {at + 1}, the stage after the one the complaint is at "
                                               f"on {event.date.isoformat()}; got {to_stage}.")
        return to_stage

    def refusal_due(self, to_stage: int, request_date: date) -> date:
        probe = _Stage(to_stage, request_date, "")
        clock = self.policy.clock(f"stage{to_stage}.escalation_refusal")
        if clock.kind == "same_as":
            return self.stage_clock(probe, clock.ref)
        return self.apply(clock, request_date)

    def on_escalation_request(self, event: Event) -> None:
        to_stage = self.check_to_stage(event)
        previous = self.current
        if event.id in self.refused_requests:
            return  # the escalation_refused event makes the letter
        waived = self.escalation_waived(event)
        if previous and previous.window_closes and event.date > previous.window_closes and not waived:
            due = self.refusal_due(to_stage, event.date)
            self.draft("escalation-refusal", to_stage, event.id, due,
                       ombudsman_required=self.policy.value("ombudsman.in_escalation_refusal"),
                       facts={"out_of_window": True, "request_date": event.date,
                              "window_closes": previous.window_closes, "reasons": event.get("reasons", [])})
            self.notes.append(
                f"The request to escalate to stage {to_stage} ({event.id}, {event.date.isoformat()}) came after the "
                f"escalation window closed on {previous.window_closes.isoformat()}: an escalation refusal is due "
                f"(a time_limit_waived event on or after the request would accept it).")
            return
        self.start_stage(to_stage, event.date, event.id)
        self.stages[to_stage].ack.facts.update(request_reasons=event.get("reasons", []))

    def escalation_waived(self, request: Event) -> bool:
        later = [e.date for e in self.events if e.type == "escalation_request" and e.date > request.date]
        until = min(later) if later else date.max
        return any(e.type == "time_limit_waived" and request.date <= e.date < until for e in self.events)

    def on_escalation_refused(self, event: Event) -> None:
        to_stage = event.get("to_stage")
        if to_stage > self.policy.stages:
            raise self.fail(event, "to_stage", f"expected a stage from 2 to {self.policy.stages}; got {to_stage}.")
        request = self.request_for(event)
        asked = request.date if request else event.date
        self.draft("escalation-refusal", to_stage, event.id, self.refusal_due(to_stage, asked),
                   ombudsman_required=self.policy.value("ombudsman.in_escalation_refusal"),
                   facts={"out_of_window": False, "request_date": asked, "reasons": event.get("reasons", [])})

    def on_not_accepted(self, event: Event) -> None:
        start = self.stages[1].start if 1 in self.stages else self.case.received
        due = self.notice_due("not_accepted", max(start, event.date))
        ack = self.current.ack if self.current else None
        self.close("not-accepted", event.date)
        if ack is not None and ack.issued is None:
            ack.cancelled = True
        self.draft("not-accepted", None, event.id, due,
                   ombudsman_required=self.policy.value("ombudsman.in_not_accepted"),
                   facts={"ground": event.get("ground"), "reasons": event.get("reasons", []),
                          "alternative_route": event.get("alternative_route")})

    def on_withdrawn(self, event: Event) -> None:
        self.close("withdrawn", event.date)
        self.draft("withdrawal-confirmation", None, event.id, self.notice_due("withdrawal_confirmation", event.date),
                   facts={"method": event.get("method"), "withdrawn_on": event.date})
        self.notes.append(f"The complaint was withdrawn on {event.date.isoformat()} ({event.get('method')}); "
                          f"no further letter falls due unless it is reopened.")

    def known_methods(self) -> set[str]:
        c = self.case.complainant
        return {m for m, present in (("email", c.get("email")), ("phone", c.get("phone")),
                                     ("letter", c.get("address"))) if present}

    def on_discontinued(self, event: Event) -> None:
        since = self.current.start if self.current else self.case.received
        attempts: list[Event] = []
        for e in self.events:
            if e.type != "contact_attempt" or not since <= e.date <= event.date:
                continue
            if e.get("outcome") == "responded":
                attempts = []
            else:
                attempts.append(e)
        methods = {e.get("method") for e in attempts}
        need_methods = 2 if len(self.known_methods()) > 1 else 1
        if len(attempts) < 3 or len(methods) < need_methods:
            raise self.fail(event, "type", (
                f"a complaint can be discontinued only after at least 3 unanswered contact attempts"
                f"{' by at least 2 different methods' if need_methods == 2 else ''} (Warwickshire §7, letters.md); "
                f"the record shows {len(attempts)} unanswered attempt{'s' if len(attempts) != 1 else ''} by "
                f"{len(methods)} method{'s' if len(methods) != 1 else ''} up to {event.date.isoformat()}."))
        self.close("discontinued", event.date)
        self.draft("discontinuation", None, event.id, self.notice_due("discontinuation", event.date),
                   facts={"attempts": [{"date": a.date, "method": a.get("method")} for a in attempts],
                          "reason": event.get("reason")})
        self.notes.append(f"The complaint was discontinued on {event.date.isoformat()}; no further letter "
                          f"falls due unless it is reopened.")

    def on_reopened(self, event: Event) -> None:
        if self.closed not in ("withdrawn", "discontinued"):
            raise self.fail(event, "type", "a complaint can be reopened only after a withdrawn or discontinued "
                                           "event (Warwickshire §9).")
        number = self.current.number if self.current else 1
        self.closed, self.closed_on = "", None
        self.notes[:] = [n for n in self.notes if not n.startswith(("The complaint was withdrawn", "The complaint was discontinued"))]
        self.start_stage(number, event.date, event.id)
        self.notes.append(f"The complaint was reopened on {event.date.isoformat()}: the stage {number} clocks "
                          f"restart from that date.")

    def on_behaviour_warning(self, event: Event) -> None:
        self.draft("behaviour-warning", None, event.id, self.notice_due("behaviour_warning", event.date),
                   facts={"behaviours": event.get("behaviours", [])})

    def on_restriction(self, event: Event) -> None:
        review_months = event.get("review_months")
        review = (add_months(event.date, review_months) if review_months
                  else self.apply(self.policy.clock("restrictions.review"), event.date))
        ends = add_months(event.date, event.get("duration_months"))
        restriction = {"event": event, "ends": ends, "review": review, "restrictions": event.get("restrictions")}
        self.restrictions.append(restriction)
        self.draft("restriction-notice", None, event.id, self.apply(self.policy.clock("restrictions.notice"), event.date),
                   ombudsman_required=self.policy.value("ombudsman.in_restriction_notice"),
                   facts={"behaviours": event.get("behaviours"), "restrictions": event.get("restrictions"),
                          "ends": ends, "review": review, "decided_by": event.get("decided_by"),
                          "challenge": self.policy.value("restrictions.challenge")})

    def on_restriction_review(self, event: Event) -> None:
        active = [r for r in self.restrictions if r["review"] is not None]
        if not active:
            raise self.fail(event, "type", "a restriction_review needs an earlier restriction event that is still in force.")
        restriction = active[-1]
        outcome = event.get("outcome")
        restrictions = event.get("restrictions") or restriction["restrictions"]
        if outcome == "lifted":
            next_review = None
        elif event.get("next_review_months"):
            next_review = add_months(event.date, event.get("next_review_months"))
        else:
            next_review = self.apply(self.policy.clock("restrictions.review"), event.date)
        restriction.update(review=next_review, restrictions=restrictions)
        self.draft("restriction-review", None, event.id, self.notice_due("restriction_review", event.date),
                   facts={"outcome": outcome, "restrictions": restrictions, "next_review": next_review,
                          "ends": restriction["ends"]})

    # ----- results

    def deadlines(self) -> list[Deadline]:
        out: list[Deadline] = []
        for number in sorted(self.stages):
            stage = self.stages[number]
            if stage.closed:
                continue
            if stage.ack is not None and not stage.ack.cancelled:
                out.append(Deadline("acknowledgement", number, stage.ack.due))
            if stage.hold_since is None and stage.response_due is not None:
                out.append(Deadline("response", number, stage.response_due))
            if stage.window_closes is not None:
                out.append(Deadline("escalation-window", number, stage.window_closes))
        for restriction in self.restrictions:
            if restriction["review"] is not None:
                out.append(Deadline("restriction-review", None, restriction["review"]))
        return out


def may_act_for(case: Case, policy: Policy) -> bool:
    """The representative may receive the letters: written consent, or a relationship the policy
    exempts (Luton Part 1 §15: councillors and MPs), never without consent in a CSE case."""
    rep = case.representative
    if not rep:
        return False
    if rep.get("written_consent"):
        return True
    return not case.cse and rep.get("relationship") in policy.value("representatives.consent_exempt")


def recipient_for(case: Case, policy: Policy) -> tuple[Recipient | None, list[str]]:
    """Who receives the case's letters, and the notes that explain it."""
    notes: list[str] = []
    if case.anonymous:
        return None, ["Anonymous complaint: no letter can be sent, but the deadlines still apply to the investigation."]
    rep = case.representative
    preferred = case.complainant.get("preferred_contact")
    person, role = case.complainant, "complainant"
    if rep:
        if may_act_for(case, policy):
            person, role = rep, "representative"
        elif case.cse:
            notes.append("CSE complaint: the representative has no written consent, so letters go to the complainant only.")
        else:
            notes.append(f"The representative ({rep.get('relationship')}) has no written consent: letters go to the "
                         f"complainant, with a consent request, until consent is given.")
    if not person.get("address") and not person.get("email"):
        notes.append(f"The {role} has neither a postal address nor an email address: no letter can be sent.")
        return None, notes
    channel = "email" if person.get("email") and (preferred == "email" or not person.get("address")) else "post"
    if preferred in ("phone", "in-person"):
        notes.append(f"The complainant prefers contact by {preferred.replace('-', ' ')}; letters are still sent "
                     f"in writing, by {'email' if channel == 'email' else 'post'}.")
    return Recipient(role, channel, role == "representative"), notes


def determine(case: Case, policy: Policy, issued: Iterable[Issued] = (), as_of: date | None = None) -> Determination:
    """The letters, deadlines and notes of ``case`` as of ``as_of``."""
    as_of = as_of or date.today()
    issued = list(issued) + [
        Issued(e.get("letter"), e.get("stage"), e.date, None, e.get("delivery"), e.id)
        for e in case.events if e.type == "letter_issued"
    ]
    notes: list[str] = []
    if case.received > as_of:
        return Determination(case.case_id, case.council, as_of, (), (), (
            f"The complaint is received on {case.received.isoformat()}, after {as_of.isoformat()}: nothing is due yet.",), None)
    walk = _Walk(case, policy, issued, as_of)
    walk.run()
    recipient, recipient_notes = recipient_for(case, policy)
    notes.extend(recipient_notes)
    for need in case.complainant.get("format_needs", []):
        if need in FORMAT_NEEDS:
            notes.append(FORMAT_NEEDS[need])
        elif need.startswith("language:"):
            notes.append(f"A version of each letter in the language '{need.split(':', 1)[1]}' is needed.")
    notes.extend(walk.notes)
    for item in walk.book.unmatched():
        notes.append(f"A {item.letter} letter issued on {item.date.isoformat()} ({item.source}) matches no letter "
                     f"this case needs; check the record.")

    letters: list[Letter] = []
    for d in walk.drafts:
        if d.cancelled and d.issued is None:
            continue
        if d.issued is not None:
            status = "issued"
        elif recipient is None and d.letter != "consent-request":
            continue  # nobody to write to: the notes say why
        else:
            status = "due" if as_of <= d.due else "overdue"
        letters.append(Letter(d.letter, d.stage, d.trigger, d.due, status,
                              d.issued.date if d.issued else None, d.ombudsman_required, dict(d.facts)))
    if recipient is None and case.anonymous:
        letters = [x for x in letters if x.status == "issued"]
    letters.sort(key=lambda x: x.due)
    return Determination(case.case_id, case.council, as_of, tuple(letters), tuple(walk.deadlines()),
                         tuple(notes), recipient)
