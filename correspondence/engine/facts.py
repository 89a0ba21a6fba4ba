"""What the walk found that a letter says: the facts passed from the engine to the letter's context
(``letters/context.py``), the report and the issuing, as typed fields rather than a dict of names.

The walk gathers them as it reads the case (``Draft.facts``); :func:`LetterFacts.from_walk` makes
the typed record that :class:`~correspondence.engine.due.Letter` carries. A fact the walk sets that
has no field here is a ``TypeError`` at once, in the tests, never a name a template misses. Each
field is the default (None, empty, False) for the letters whose kind does not have it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Mapping, Sequence


@dataclass(frozen=True)
class PrematureRequest:
    """An escalation request made before the outcome it follows was issued (docs/rules.md#early-escalation)."""

    request: str  # the request's event id
    request_date: date
    taken_as: date  # taken as made on the outcome's deemed receipt
    ack_due: date | None = None  # when the next stage's acknowledgement is due, if the procedure has it
    refusal_due: date | None = None  # for a stage the procedure lacks: when its refusal is due


@dataclass(frozen=True)
class Attempt:
    """One attempt to reach the complainant (a ``contact_attempt`` event)."""

    date: date
    method: str | None


@dataclass(frozen=True)
class LetterFacts:
    """The facts of one letter, by letter kind (the walk module that sets them in brackets)."""

    # acknowledgement (state.py, escalation.py)
    response_due: date | None = None
    first_response_due: date | None = None
    not_before: date | None = None  # never in the same post as the outcome before it
    request_reasons: Sequence[str] = ()
    # extension (stages.py)
    previous_due: date | None = None
    new_due: date | None = None
    reason: str | None = None  # also a holding letter's and a discontinuation's
    limit: date | None = None
    past_limit: bool = False
    # outcome (stages.py, escalation.py)
    final: bool = False
    decision: str | None = None  # the decision event's id
    outside: bool = False  # sent by the case system itself
    not_recorded: bool = False  # its findings are not known yet
    unanswered_points: Sequence[Any] = ()
    unanswered: str | None = None  # the manifest's warning of points left unanswered
    window_closes: date | None = None  # also an escalation refusal's
    deemed_receipt: date | None = None
    premature_request: PrematureRequest | None = None
    # escalation refusal (escalation.py)
    out_of_window: bool = False
    no_such_stage: bool = False
    request_date: date | None = None
    reasons: Sequence[str] = ()  # also a not-accepted letter's
    their_reasons: Sequence[str] = ()
    # not accepted (closing.py, complaint.py)
    ground: str | None = None
    alternative_route: str | None = None
    first_aware: date | None = None
    time_limit_ends: date | None = None
    received: date | None = None
    months: int = 0
    time_limit_words: str | None = None
    # withdrawal confirmation (closing.py)
    method: str | None = None
    withdrawn_on: date | None = None
    # holding letter (stages.py)
    other_procedure: str | None = None
    expected_resume: date | None = None
    stage: int | None = None
    # discontinuation (closing.py)
    attempts: Sequence[Attempt] = ()
    # behaviour warning, restriction notice, restriction review (conduct.py)
    behaviours: Sequence[str] = ()
    restrictions: Sequence[str] = ()
    ends: date | None = None
    review: date | None = None
    challenge: str | None = None
    decided_by: str | None = None
    outcome: str | None = None  # a review's: lifted, maintained or modified
    next_review: date | None = None
    # consent request (complaint.py)
    to: str | None = None
    # any letter a later fact made untrue (due.py)
    superseded_on: date | None = None

    @classmethod
    def from_walk(cls, facts: Mapping[str, Any]) -> "LetterFacts":
        """The typed facts of the walk's ``facts`` dict (nested requests and attempts typed too)."""
        values = dict(facts)
        if isinstance(values.get("premature_request"), Mapping):
            values["premature_request"] = PrematureRequest(**values["premature_request"])
        if values.get("attempts"):
            values["attempts"] = tuple(Attempt(**a) if isinstance(a, Mapping) else a for a in values["attempts"])
        return cls(**{k: (() if v is None and _is_sequence(k) else v) for k, v in values.items()})


_SEQUENCES = {f.name for f in fields(LetterFacts) if f.default == ()}


def _is_sequence(name: str) -> bool:
    return name in _SEQUENCES
