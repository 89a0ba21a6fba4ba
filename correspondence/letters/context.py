"""The one context builder: everything a letter template may use, from (case, policy, letter, date).

Pure: no I/O. Dates are already written the British way ("18 November 2026"). Every top-level
name in :data:`CONTEXT_NAMES` is always present, so a template that uses a name outside it is
an error (``letters templates check``), and one that uses a section its letter does not have
fails loudly under StrictUndefined instead of printing a blank.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from correspondence.common.wording import british
from correspondence.engine.case import Case
from correspondence.engine.due import Determination, Letter, Recipient
from correspondence.engine.rules import Policy

CONTEXT_NAMES = frozenset({
    "council", "case_ref", "letter", "recipient", "complainant", "officer", "complaint", "ombudsman",
    "large_print", "extra", "acknowledgement", "extension", "outcome", "refusal", "withdrawal",
    "restriction", "not_accepted", "holding", "consent", "discontinuation", "behaviour", "review",
    "reader",
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


NBSP = "\u00a0"
# Kept on one line wherever they appear (letters.md, Page breaks): UK postcodes, telephone
# numbers and dates, their spaces made non-breaking.
_KEEP = re.compile(
    r"\b[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}\b"                       # postcodes: PR2 0ET
    r"|(?<![\w])(?:\+44 ?|0)\d{2,4}(?: \d{3,6}){1,2}(?![\w])"           # phones: 0300 061 0614
    r"|\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b")


def keep_together(value: Any) -> Any:
    """``value`` with the spaces inside postcodes, phone numbers and dates made non-breaking."""
    if isinstance(value, str):
        return _KEEP.sub(lambda m: m.group(0).replace(" ", NBSP), value)
    if isinstance(value, list):
        return [keep_together(v) for v in value]
    if isinstance(value, dict):
        return {k: keep_together(v) for k, v in value.items()}
    return value


# Letters after a name that a salutation leaves out ("Dear Sarah Jones", never "Dear Sarah Jones MP").
POST_NOMINALS = frozenset({
    "MP", "MSP", "MS", "AM", "MLA", "MEP", "JP", "DL", "KC", "QC", "MBE", "OBE", "CBE", "KBE", "DBE",
    "CH", "KG", "PC", "BEM", "QPM", "FRS", "PHD", "BA", "BSC", "MA", "MSC", "LLB", "LLM", "ESQ", "ESQ.",
})
# Up to this many lines in the envelope window: the name, an organisation and the address
# (GOV.UK Notify: 3 to 7 lines in 95.4 x 26.8 mm): six at 10pt, four in large print (16pt).
WINDOW_LINES = {False: 6, True: 4}


def person_name(person: Mapping[str, Any]) -> str:
    """The name as written on the envelope: ``name`` if the record gives one, else title, given, family."""
    if person.get("name"):
        return str(person["name"])
    parts = [person.get("title"), person.get("given_name"), person.get("family_name")]
    return " ".join(p for p in parts if p)


def short_name(person: Mapping[str, Any]) -> str:
    """"Ms Khan" where the record gives a title and family name, else the name in full."""
    if person.get("title") and person.get("family_name"):
        return f"{person['title']} {person['family_name']}"
    return without_post_nominals(person_name(person))


def without_post_nominals(name: str) -> str:
    words = name.replace(",", " ").split()
    while len(words) > 1 and words[-1].upper().strip(".") in {w.strip(".") for w in POST_NOMINALS}:
        words.pop()
    return " ".join(words)


def salutation(person: Mapping[str, Any]) -> str:
    """"Dear Ms Khan" or "Dear Councillor Bloggs" (title and family name); else the record's own
    ``salutation``; else "Dear" and the name without post-nominals ("Dear Sarah Jones")."""
    if person.get("title") and person.get("family_name"):
        return f"Dear {person['title']} {person['family_name']}"
    if person.get("salutation"):
        text = str(person["salutation"]).strip()
        return text if text.lower().startswith("dear ") else f"Dear {text}"
    return f"Dear {without_post_nominals(person_name(person))}"


def possessive(name: str) -> str:
    return f"{name}'s"


def window_lines(lines: list[str], limit: int) -> list[str]:
    """At most ``limit`` lines for the envelope window, the last (the postcode) kept alone:
    the shortest neighbouring pair of the other lines is joined with a comma until it fits."""
    lines = [line for line in lines if line]
    if len(lines) <= limit or len(lines) < 3:
        return lines
    head, last = lines[:-1], lines[-1]
    while len(head) + 1 > limit and len(head) > 1:
        # the name stays on a line of its own while the address lines can be joined
        pairs = range(2, len(head)) if len(head) > 2 else range(1, len(head))
        i = min(pairs, key=lambda k: len(head[k - 1]) + len(head[k]))
        head[i - 1:i + 1] = [f"{head[i - 1]}, {head[i]}"]
    return head + [last]


def _recipient(case: Case, letter: Letter, recipient: Recipient, large_print: bool) -> dict:
    # A consent request always goes to the complainant: it asks whether someone may act for them.
    if letter.letter == "consent-request" or recipient.role == "complainant":
        person, on_behalf = case.complainant, None
    else:
        person, on_behalf = case.representative, person_name(case.complainant)
    channel = recipient.channel  # decided by the engine (due.recipient_for)
    email = person.get("email", "")
    address = list(person.get("address", []))
    name = person_name(person)
    organisation = person.get("organisation", "")
    if channel == "post":
        window = window_lines([name, organisation, *address], WINDOW_LINES[large_print])
    else:
        window = [name, organisation, f"By email: {email}"]
    return {
        "name": name,
        "organisation": organisation,
        "address": address if channel == "post" else [],
        "email": email if channel == "email" else "",
        "first_line": address[0] if channel == "post" else email,
        "window": [line for line in window if line],
        "channel": channel,
        "salutation": salutation(person),
        "on_behalf_of": on_behalf or "",
    }


def _reader(case: Case, recipient: dict) -> dict:
    """How a letter speaks of the complaint: to the complainant, "your complaint"; to a
    representative, "Ms Khan's complaint" (letters.md, Writing to a representative)."""
    complainant = case.complainant
    if not recipient["on_behalf_of"]:
        return {"representative": False, "your_complaint": "your complaint", "complainant": "you",
                "may_escalate": "you", "you_or_complainant": "you"}
    short = short_name(complainant)
    return {"representative": True, "your_complaint": f"{possessive(short)} complaint", "complainant": short,
            "complainant_full": person_name(complainant),
            "may_escalate": f"{short}, or you on {possessive(short)} behalf,",
            "you_or_complainant": f"you or {short}"}


def _council(policy: Policy, organisation: Mapping[str, Any], officer: Mapping[str, str]) -> dict:
    """Who writes: the rules file's ``[council]``, each value overridden by the record's ``organisation``."""
    v = policy.value

    def pick(key: str, rules_key: str) -> Any:
        return organisation[key] if organisation.get(key) else v(rules_key)

    council = {"name": organisation.get("name") or policy.name, "team": pick("team", "council.team"),
               "address": list(pick("address", "council.address") or []), "phone": pick("phone", "council.phone"),
               "email": pick("email", "council.email"), "web": pick("web", "council.web"),
               "interpreting_phone": v("council.interpreting_phone")}
    team = council["team"] or "our complaints team"
    # Somewhere a reader can actually write to: the team's email or address, else the officer's.
    if council["email"]:
        write_to = f"the {team} at {council['email']}" if council["team"] else council["email"]
    elif council["address"]:
        write_to = f"the {team}, {', '.join(council['address'])}" if council["team"] else ", ".join(council["address"])
    elif officer.get("email"):
        write_to = f"{officer['name']} at {officer['email']}"
    else:
        write_to = f"{officer['name']} on {officer.get('phone', '')}"
    council["write_to"] = write_to
    council["contact"] = (council["phone"] or council["email"] or (council["address"][-1] if council["address"] else "")
                          or officer.get("email") or officer.get("phone", ""))
    return council


def window_words(clock: Any, stage: int) -> str:
    """The escalation window's rule in words: "within 20 working days of receiving our stage 1 response"."""
    kind, amount = getattr(clock, "kind", "none"), getattr(clock, "amount", 0)
    unit = {"wd": "working day", "days": "day", "months": "month"}.get(kind)
    if not unit:
        return ""
    return f"within {amount} {unit}{'' if amount == 1 else 's'} of receiving our stage {stage} response"


def _dates(items: list[Mapping[str, Any]], key: str) -> list[dict]:
    return [{**item, key: british(date.fromisoformat(item[key]) if isinstance(item[key], str) else item[key])}
            for item in items]


def _premature_words(facts: Mapping[str, Any] | None) -> dict | None:
    if not facts:
        return None
    return {"request_date": british(facts["request_date"]), "taken_as": british(facts["taken_as"]),
            "ack_date": british(facts.get("ack_due"))}


def _sections(case: Case, policy: Policy, letter: Letter, letter_date: date) -> dict:
    """The letter kind's own section; the others stay None."""
    f = letter.facts
    event = next((e for e in case.events if e.id == letter.trigger), None)
    kind = letter.letter
    s: dict[str, Any] = {}
    if kind == "acknowledgement":
        request_or_reopen = event if event and event.type in ("escalation_request", "reopened") else None
        # policy-matrix.md: sent after its response date, it says so and apologises, and gives
        # the later date where there is one, otherwise "as soon as possible"; never a date past.
        due, first = f.get("response_due"), f.get("first_response_due") or f.get("response_due")
        late = first is not None and letter_date > first
        s["acknowledgement"] = {
            "received_date": british(request_or_reopen.date if request_or_reopen else case.received),
            "response_date": (british(due) if not late or due >= letter_date else "as soon as possible"),
            "late": late, "first_response_date": british(first) if late else "",
            "later_date": late and due >= letter_date,
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
            # a request already made: no window to invite one by (the premature paragraph instead)
            "window_closes": "" if f.get("premature_request") else british(f.get("window_closes")),
            # policy-matrix.md: after a premature request, the outcome does not invite it again
            "premature": _premature_words(f.get("premature_request")),
            # Solihull and Hampshire give the Ombudsman's details with a stage 1 response: the
            # reader must know the Ombudsman normally expects the procedure to be finished first.
            "ombudsman_before_end": (not f["final"]) and letter.ombudsman_required,
        }
    elif kind == "escalation-refusal":
        previous = letter.stage - 1
        key = f"stage{previous}.escalation_window"
        out_of_window = f["out_of_window"]
        # The council's reasons: its own for a refusal; the rule and the dates when out of window.
        # What the complainant said in asking is theirs, never presented as the council's.
        s["refusal"] = {"request_date": british(f["request_date"]), "out_of_window": out_of_window,
                        "window_closes": british(f.get("window_closes")),
                        "reasons": [] if out_of_window else list(f["reasons"]),
                        "their_reasons": list(f["reasons"]) if out_of_window else [],
                        "rule_words": window_words(policy.clock(key), previous) if policy.has(key) else "",
                        "previous_stage": previous}
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
                             "months": f.get("months", 0),
                             # the policy's own words for its limit (rules: limits.time_limit_words)
                             "rule": f.get("time_limit_words") or (
                                 f"within {f.get('months', 0)} months of when the person complaining first knew "
                                 f"about the matter")}
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


def letter_title(kind: str, stage: int | None, facts: Mapping[str, Any], reader: Mapping[str, Any]) -> str:
    """The letter's heading, also its document title in both formats."""
    yours = reader["your_complaint"]
    if kind == "acknowledgement":
        return f"We have received {yours}" if (stage or 1) == 1 else f"Request for a stage {stage} review of {yours}"
    if kind == "outcome":
        return f"Our final response to {yours}" if facts.get("final") else f"Our stage {stage} response to {yours}"
    return {
        "extension": f"We need more time to respond to {yours}",
        "escalation-refusal": f"Request for a stage {stage} review of {yours}",
        "withdrawal-confirmation": f"Withdrawal of {yours}",
        "restriction-notice": "Restrictions on your contact with the council",
        "not-accepted": "A complaint we cannot consider under our complaints procedure",
        "holding": f"{yours[0].upper()}{yours[1:]} is on hold",
        "consent-request": "A complaint made on your behalf",
        "discontinuation": f"We have closed {yours}",
        "behaviour-warning": "Your contact with the council",
        "restriction-review": "Review of the restrictions on your contact with the council",
    }.get(kind, kind.replace("-", " ").capitalize())


def build_context(case: Case, policy: Policy, result: Determination, letter: Letter, letter_date: date) -> dict:
    """Everything a template may use for ``letter`` dated ``letter_date``."""
    if result.recipient is None:
        raise ValueError(f"case {case.case_id} has no recipient for letters")
    complainant = case.complainant
    complaint = case.raw["complaint"]
    event = next((e for e in case.events if e.id == letter.trigger), None)
    # A restriction notice keeps the council's own Ombudsman, a housing complaint's too (Luton App. A §18).
    ombudsman = (policy.restriction_ombudsman or policy.ombudsman) if letter.letter == "restriction-notice" else policy.ombudsman
    context: dict[str, Any] = {name: None for name in CONTEXT_NAMES}
    large_print = "large-print" in complainant.get("format_needs", [])
    officer = {k: case.raw["officer"].get(k, "") for k in ("name", "job_title", "email", "phone")}
    officer["contact"] = officer["email"] or officer["phone"]
    officer["reach"] = (f"{officer['name']} at {officer['email']}" if officer["email"]
                        else f"{officer['name']} on {officer['phone']}")
    recipient = _recipient(case, letter, result.recipient, large_print)
    context.update({
        "council": _council(policy, case.raw.get("organisation") or {}, officer),
        "case_ref": case.case_id,
        "letter": {"kind": letter.letter, "stage": letter.stage, "date": british(letter_date),
                   "due": british(letter.due), "title": ""},
        "recipient": recipient,
        "reader": _reader(case, recipient),
        "complainant": {"name": person_name(complainant), "short": short_name(complainant)},
        "officer": officer,
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
        "large_print": large_print,
        "extra": dict(event.get("extra", {})) if event else {},
    })
    context.update(_sections(case, policy, letter, letter_date))
    context["letter"]["title"] = letter_title(letter.letter, letter.stage, letter.facts, context["reader"])
    return keep_together(context)
