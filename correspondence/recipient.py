"""Who receives a case's letters, and by which channel (letters.md "Who receives it")."""

from __future__ import annotations

from dataclasses import dataclass

from .case import Case
from .rules import Policy


@dataclass(frozen=True)
class Recipient:
    role: str  # complainant or representative
    channel: str  # email or post
    on_behalf: bool  # a representative writing for the complainant


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
