"""The one context builder: everything a letter template may use, from (case, policy, letter, date).

Pure: no I/O. Dates are already written the British way ("18 November 2026"). Every top-level
name in :data:`CONTEXT_NAMES` is always present, so a template that uses a name outside it is
an error (``letters templates check``), and one that uses a section its letter does not have
fails loudly under StrictUndefined instead of printing a blank.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from .case import Case
from .due import Determination, Letter, Recipient
from .rules import Policy
from .words import british

CONTEXT_NAMES = frozenset({
    "council", "case_ref", "letter", "recipient", "complainant", "officer", "complaint", "ombudsman",
    "large_print", "extra", "acknowledgement", "extension", "outcome", "refusal", "withdrawal",
    "restriction", "not_accepted", "holding", "consent", "discontinuation", "behaviour", "review",
})

OUTCOME_WORDS = {"upheld": "upheld", "partly-upheld": "partly upheld", "not-upheld": "not upheld"}
METHOD_WORDS = {"phone": "by telephone", "email": "by email", "letter": "by letter", "in-person": "in person"}
CHANNEL_WORDS = {"phone": "by telephone", "in-person": "in person", "email": "by email", "letter": "by letter",
                 "web-form": "through our website", "social-media": "through social media", "other": ""}
GROUND_WORDS = {"out-of-time": "it was made too long after the events complained about",
                "excluded": "it is about a matter our complaints procedure does not cover",
                "previously-considered": "we have already considered the same matter",
                "legal-proceedings": "it is the subject of legal proceedings",
                "other": "it cannot be considered under our complaints procedure"}
VERBAL_CHANNELS = {"phone", "in-person"}


def person_name(person: Mapping[str, Any]) -> str:
    parts = [person.get("title"), person.get("given_name"), person.get("family_name")]
    return " ".join(p for p in parts if p) or str(person.get("name", ""))


def salutation(person: Mapping[str, Any]) -> str:
    """"Dear Ms Khan"; "Dear Aisha Khan" without a title; a representative's name as given."""
    if "name" in person:
        return f"Dear {person['name']}"
    if person.get("title") and person.get("family_name"):
        return f"Dear {person['title']} {person['family_name']}"
    return f"Dear {person_name(person)}"


def _recipient(case: Case, letter: Letter, recipient: Recipient) -> dict:
    # A consent request always goes to the complainant: it asks whether someone may act for them.
    if letter.letter == "consent-request" or recipient.role == "complainant":
        person, on_behalf = case.complainant, None
    else:
        person, on_behalf = case.representative, person_name(case.complainant)
    channel = recipient.channel  # decided by the engine (due.recipient_for)
    email = person.get("email", "")
    address = list(person.get("address", []))
    return {
        "name": person_name(person),
        "organisation": person.get("organisation", ""),
        "address": address if channel == "post" else [],
        "email": email if channel == "email" else "",
        "first_line": address[0] if channel == "post" else email,
        "channel": channel,
        "salutation": salutation(person),
        "on_behalf_of": on_behalf or "",
    }


def _council(policy: Policy) -> dict:
    v = policy.value
    return {"name": policy.name, "team": v("council.team"), "address": list(v("council.address")),
            "phone": v("council.phone"), "email": v("council.email"), "web": v("council.web"),
            "interpreting_phone": v("council.interpreting_phone"),
            "contact": v("council.phone") or v("council.email") or v("council.team")}


def _dates(items: list[Mapping[str, Any]], key: str) -> list[dict]:
    return [{**item, key: british(date.fromisoformat(item[key]) if isinstance(item[key], str) else item[key])}
            for item in items]


def _sections(case: Case, policy: Policy, letter: Letter) -> dict:
    """The letter kind's own section; the others stay None."""
    f = letter.facts
    event = next((e for e in case.events if e.id == letter.trigger), None)
    kind = letter.letter
    s: dict[str, Any] = {}
    if kind == "acknowledgement":
        request_or_reopen = event if event and event.type in ("escalation_request", "reopened") else None
        s["acknowledgement"] = {
            "received_date": british(request_or_reopen.date if request_or_reopen else case.received),
            "response_date": british(f.get("response_due")),
            "request_date": british(event.date) if event and letter.stage > 1 and event.type == "escalation_request" else "",
            "request_reasons": list(f.get("request_reasons", [])),
            "reopened": bool(event and event.type == "reopened"),
            "reopened_date": british(event.date) if event and event.type == "reopened" else "",
        }
    elif kind == "extension":
        s["extension"] = {"previous_date": british(f["previous_due"]), "new_date": british(f["new_due"]),
                          "reason": f["reason"], "past_limit": f["past_limit"]}
    elif kind == "outcome":
        d = event.data
        s["outcome"] = {
            "final": f["final"], "decision": d["outcome"], "decision_words": OUTCOME_WORDS[d["outcome"]],
            "findings": [dict(x) for x in d["findings"]], "remedies": list(d["remedies"]),
            "actions": _dates([dict(x) for x in d["outstanding_actions"]], "by"),
            "learning": d.get("learning", ""), "next_stage": letter.stage + 1,
            "window_closes": british(f.get("window_closes")),
        }
    elif kind == "escalation-refusal":
        s["refusal"] = {"request_date": british(f["request_date"]), "out_of_window": f["out_of_window"],
                        "window_closes": british(f.get("window_closes")), "reasons": list(f["reasons"]),
                        "previous_stage": letter.stage - 1}
    elif kind == "withdrawal-confirmation":
        s["withdrawal"] = {"date": british(f["withdrawn_on"]), "method_words": METHOD_WORDS[f["method"]]}
    elif kind == "restriction-notice":
        s["restriction"] = {"date": british(event.date), "behaviours": list(f["behaviours"]),
                            "restrictions": list(f["restrictions"]), "ends": british(f["ends"]),
                            "review": british(f["review"]), "challenge": f["challenge"],
                            "decided_by": f["decided_by"]}
    elif kind == "not-accepted":
        out_of_time = f.get("ground") == "out-of-time" and "time_limit_ends" in f
        s["not_accepted"] = {"out_of_time": out_of_time, "ground_words": GROUND_WORDS[f.get("ground", "other")],
                             "reasons": list(f.get("reasons", [])), "alternative_route": f.get("alternative_route") or "",
                             "first_aware": british(f.get("first_aware")), "time_limit_ends": british(f.get("time_limit_ends")),
                             "months": f.get("months", 0)}
    elif kind == "holding":
        s["holding"] = {"reason": f["reason"], "other_procedure": f.get("other_procedure") or "",
                        "expected_resume": british(f.get("expected_resume")), "stage": f["stage"]}
    elif kind == "consent-request":
        rep = case.representative
        s["consent"] = {"representative": rep["name"], "organisation": rep.get("organisation", ""),
                        "relationship": rep["relationship"]}
    elif kind == "discontinuation":
        s["discontinuation"] = {"attempts": [{"date": british(a["date"]), "method": METHOD_WORDS[a["method"]]}
                                             for a in f["attempts"]], "reason": f.get("reason") or ""}
    elif kind == "behaviour-warning":
        s["behaviour"] = {"behaviours": list(f["behaviours"])}
    elif kind == "restriction-review":
        s["review"] = {"outcome": f["outcome"], "lifted": f["outcome"] == "lifted",
                       "decision_word": {"lifted": "lift", "maintained": "keep", "modified": "change"}[f["outcome"]],
                       "restrictions": list(f["restrictions"]),
                       "next_review": british(f.get("next_review")), "ends": british(f.get("ends"))}
    return s


def build_context(case: Case, policy: Policy, result: Determination, letter: Letter, letter_date: date) -> dict:
    """Everything a template may use for ``letter`` dated ``letter_date``."""
    if result.recipient is None:
        raise ValueError(f"case {case.case_id} has no recipient for letters")
    complainant = case.complainant
    complaint = case.raw["complaint"]
    event = next((e for e in case.events if e.id == letter.trigger), None)
    ombudsman = policy.ombudsman
    context: dict[str, Any] = {name: None for name in CONTEXT_NAMES}
    context.update({
        "council": _council(policy),
        "case_ref": case.case_id,
        "letter": {"kind": letter.letter, "stage": letter.stage, "date": british(letter_date),
                   "due": british(letter.due)},
        "recipient": _recipient(case, letter, result.recipient),
        "complainant": {"name": person_name(complainant)},
        "officer": {**{k: case.raw["officer"].get(k, "") for k in ("name", "job_title", "email", "phone")},
                    "contact": case.raw["officer"].get("email") or case.raw["officer"].get("phone", "")},
        "complaint": {
            "received": british(case.received), "service_area": case.raw["service_area"],
            "summary": complaint["summary"], "points": list(complaint.get("points", [])),
            "outcomes_sought": list(complaint.get("outcomes_sought", [])),
            "verbal": complaint["channel"] in VERBAL_CHANNELS,
            "channel_words": CHANNEL_WORDS.get(complaint["channel"], ""),
        },
        "ombudsman": {"required": letter.ombudsman_required, "name": ombudsman.name,
                      "address": list(ombudsman.address), "phone": ombudsman.phone, "web": ombudsman.web,
                      "email": ombudsman.email, "time_limit": ombudsman.time_limit,
                      "postcode": ombudsman.address[-1] if ombudsman.address else ""},
        "large_print": "large-print" in complainant.get("format_needs", []),
        "extra": dict(event.get("extra", {})) if event else {},
    })
    context.update(_sections(case, policy, letter))
    return context
