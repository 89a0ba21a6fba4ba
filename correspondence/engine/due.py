"""What is due: the letters a case needs, their due dates and every deadline.

:func:`determine` is a pure function of (case, policy, letters already issued, as-of date).
It walks the case's events in date order (:mod:`correspondence.engine.walk`, a handler per event type), and
keeps to docs/letters.md and the "Counting" rules of docs/rules.md:

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
from datetime import date
from typing import Iterable

from correspondence.common.wording import british, british_dates, language_name
from correspondence.engine.case import Case
from correspondence.engine.facts import LetterFacts
from correspondence.engine.recipient import Recipient, channel_of, may_act_for, recipient_for
from correspondence.engine.rules import Policy
from correspondence.engine.walk import walk
from correspondence.engine.walk.issued import Issued
from correspondence.engine.walk.stages import deadlines

__all__ = ["Determination", "Letter", "Deadline", "Issued", "Recipient", "determine", "may_act_for", "recipient_for"]

FORMAT_NEEDS = {
    "easy-read": "An easy-read version of each letter is needed.",
    "braille": "A Braille version of each letter is needed.",
    "audio": "An audio version of each letter is needed.",
}


@dataclass(frozen=True)
class Letter:
    letter: str
    stage: int | None
    trigger: str
    due: date
    status: str  # issued, due, overdue, superseded (docs/rules.md#letters-never-contradict-one-another: a later fact made it untrue)
    issued_on: date | None = None
    ombudsman_required: bool = False
    facts: LetterFacts = field(default_factory=LetterFacts)  # what the walk found that the letter says

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
        """The letters still to send (a superseded letter is not sent)."""
        return tuple(letter for letter in self.letters if letter.status not in ("issued", "superseded"))


def a_letter(kind: str) -> str:
    """ "an outcome letter", "a holding letter": the letter named as English."""
    words = kind.replace("-", " ")
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words} letter"


def _named(d) -> str:
    """ "stage 1 acknowledgement", "holding letter": a letter of the walk, for a note."""
    words = d.letter.replace("-", " ")
    return f"stage {d.stage} {words}" if d.stage else f"{words} letter"


def determine(case: Case, policy: Policy, issued: Iterable[Issued] = (), as_of: date | None = None) -> Determination:
    """The letters, deadlines and notes of ``case`` as of ``as_of``."""
    as_of = as_of or date.today()
    issued = list(issued) + [
        Issued(e.get("letter"), e.get("stage"), e.date, e.get("trigger"), e.get("delivery"), e.id)
        for e in case.events if e.type == "letter_issued"
    ]
    notes: list[str] = []
    if case.received > as_of:
        return Determination(case.case_id, case.council, as_of, (), (), (
            f"The complaint is received on {british(case.received)}, after {british(as_of)}: nothing is due yet.",), None)
    recipient, recipient_notes = recipient_for(case, policy, as_of)
    channel = recipient.channel if recipient else channel_of(case.complainant)
    w = walk(case, policy, issued, as_of, channel)
    notes.extend(recipient_notes)
    for need in case.complainant.get("format_needs", []):
        if need in FORMAT_NEEDS:
            notes.append(FORMAT_NEEDS[need])
        elif need.startswith("language:"):
            notes.append(f"A version of each letter in {language_name(need.split(':', 1)[1])} is needed.")
    notes.extend(w.notes)
    for item in w.unmatched:
        notes.append(f"{a_letter(item.letter).capitalize()} issued on {item.date.isoformat()} ({item.source}) "
                     f"matches no letter this case needs; check the record.")

    letters: list[Letter] = []
    for d in w.drafts:
        if d.cancelled and d.issued is None:
            continue
        if d.issued is not None:
            status = "issued"
        elif d.superseded_on is not None:
            status = "superseded"
            notes.append(f"The {_named(d)} (due {d.due.isoformat()}) is superseded and not sent: "
                         f"{d.superseded_by}.")
        elif recipient is None and d.letter != "consent-request":
            continue  # nobody to write to: the notes say why
        else:
            status = "due" if as_of <= d.due else "overdue"
        facts = dict(d.facts)
        if status == "superseded":
            facts["superseded_on"] = d.superseded_on
        letters.append(Letter(d.letter, d.stage, d.trigger, d.due, status,
                              d.issued.date if d.issued else None, d.ombudsman_required,
                              LetterFacts.from_walk(facts)))
    if recipient is None and case.anonymous:
        letters = [x for x in letters if x.status == "issued"]
    letters.sort(key=lambda x: x.due)
    return Determination(case.case_id, case.council, as_of, tuple(letters), tuple(Deadline(*d) for d in deadlines(w)),
                         tuple(british_dates(n) for n in notes), recipient)
