"""Who receives a case's letters, and by which channel (letters.md "Who receives it"); who signs them
(letters.md, "Who signs")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Mapping

from correspondence.engine.case import Case
from correspondence.engine.rules import Policy

if TYPE_CHECKING:  # due imports this module
    from correspondence.engine.due import Letter


@dataclass(frozen=True)
class Recipient:
    role: str  # complainant or representative
    channel: str  # email or post
    on_behalf: bool  # a representative writing for the complainant


def has_consent(case: Case, as_of: date) -> bool:
    """The representative's written consent is given by ``as_of`` (a later date is not yet given)."""
    rep = case.representative
    given = rep.get("written_consent") if rep else None
    return bool(given) and date.fromisoformat(given) <= as_of


def may_act_for(case: Case, policy: Policy, as_of: date) -> bool:
    """The representative may receive the letters: written consent, or a relationship the policy
    exempts (Luton Part 1 §15: councillors and MPs), never without consent in a CSE case."""
    rep = case.representative
    if not rep:
        return False
    if has_consent(case, as_of):
        return True
    return not case.cse and rep.get("relationship") in policy.value("representatives.consent_exempt")


def channel_of(person: Mapping[str, Any]) -> str:
    """How a letter to ``person`` travels (docs/rules.md#how-a-letter-travels): email if they
    have an email address and either prefer email or have no postal address; otherwise post."""
    prefers_email = person.get("preferred_contact") == "email"
    return "email" if person.get("email") and (prefers_email or not person.get("address")) else "post"


def recipient_for(case: Case, policy: Policy, as_of: date) -> tuple[Recipient | None, list[str]]:
    """Who receives the case's letters, and the notes that explain it."""
    notes: list[str] = []
    if case.anonymous:
        return None, ["Anonymous complaint: no letter can be sent, but the deadlines still apply to the investigation."]
    rep = case.representative
    preferred = case.complainant.get("preferred_contact")
    person, role = case.complainant, "complainant"
    if rep:
        if may_act_for(case, policy, as_of):
            person, role = rep, "representative"
            if not has_consent(case, as_of):
                notes.append(f"The representative ({rep.get('relationship')}) has no written consent yet: "
                             f"{policy.name}'s policy lets letters go to them meanwhile, and a consent request "
                             f"goes to the complainant.")
        elif case.cse:
            notes.append("CSE complaint: the representative has no written consent, so letters go to the complainant only.")
        else:
            notes.append(f"The representative ({rep.get('relationship')}) has no written consent: letters go to the "
                         f"complainant, with a consent request, until consent is given.")
    if not person.get("address") and not person.get("email"):
        notes.append(f"The {role} has neither a postal address nor an email address: no letter can be sent.")
        return None, notes
    channel = channel_of(person)
    if preferred in ("phone", "in-person"):
        notes.append(f"The complainant prefers contact by {preferred.replace('-', ' ')}; letters are still sent "
                     f"in writing, by {'email' if channel == 'email' else 'post'}.")
    return Recipient(role, channel, role == "representative"), notes


def copy_for(case: Case, recipient: Recipient | None, letter_kind: str) -> Recipient | None:
    """Who receives a large-print copy of a letter (letters.md, Copies to the complainant): the
    complainant, when the letter goes to their representative and their own ``format_needs``
    include large print. The copy goes by post to their address (large print is for paper),
    or by email when they have no postal address; None if neither, or no copy is due."""
    if recipient is None or recipient.role != "representative" or letter_kind == "consent-request":
        return None
    person = case.complainant
    if "large-print" not in (person.get("format_needs") or []):
        return None
    if person.get("address"):
        return Recipient("complainant", "post", False)
    if person.get("email"):
        return Recipient("complainant", "email", False)
    return None


def _stage_of(letter: Letter) -> int | None:
    if letter.stage:
        return letter.stage
    return letter.facts.stage if letter.letter == "holding" else None


def signing_officer(case: Case, letter: Letter) -> Mapping[str, Any] | None:
    """Who signs ``letter`` (letters.md, Who signs): the officer the latest ``escalation_request``
    or ``decision`` of the letter's stage names, known by the event the letter answers; at stage 1
    without one, the record's officer; at stage 2 and later without one, None (the complaints team
    signs, never the stage 1 officer)."""
    stage = _stage_of(letter)
    trigger = next((e for e in case.events if e.id == letter.trigger), None)
    named = [e for e in case.events if e.get("officer") and stage is not None and (
        (e.type == "escalation_request" and e.get("to_stage") == stage)
        or (e.type == "decision" and e.get("stage") == stage))]
    if trigger is not None:
        named = [e for e in named if (e.date, e.index) <= (trigger.date, trigger.index)]
    if named:
        return max(named, key=lambda e: (e.date, e.index)).get("officer")
    if stage is not None and stage >= 2:
        return None
    return case.raw["officer"]
