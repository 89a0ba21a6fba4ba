"""What each letter must carry (letters.md, policy-matrix.md), as the exact text to look for.

:func:`required_items` turns a letter's context into a list of items, each with the text a
reader must find in both the Word and the PDF letter and where the requirement comes from.
The renderer stores the list in the letter's manifest.
"""

from __future__ import annotations

from typing import Any

LETTERS = "letters.md"
COMMON = "letters.md, Common items in every letter"
OMBUDSMAN = "policy-matrix.md, Where the Ombudsman's details are mandatory"


def _item(items: list[dict], name: str, text: Any, cite: str) -> None:
    if text:
        items.append({"item": name, "text": str(text), "cite": cite})


def _each(items: list[dict], name: str, values, cite: str) -> None:
    for i, value in enumerate(values or [], 1):
        _item(items, f"{name} {i}", value, cite)


def required_items(ctx: dict[str, Any]) -> list[dict]:
    items: list[dict] = []
    council, recipient, officer = ctx["council"], ctx["recipient"], ctx["officer"]
    kind = ctx["letter"]["kind"]
    cite = f"{LETTERS}, {kind}"

    _item(items, "council name", council["name"], COMMON)
    _item(items, "complaints team contact", council["phone"] or council["email"] or council["team"], COMMON)
    _item(items, "case reference", ctx["case_ref"], COMMON)
    _item(items, "letter date", ctx["letter"]["date"], COMMON)
    _item(items, "recipient name", recipient["name"], COMMON)
    _item(items, "recipient address", (recipient["address"] or [recipient["email"]])[0], COMMON)
    _item(items, "salutation", recipient["salutation"], COMMON)
    _item(items, "officer name", officer["name"], COMMON)
    _item(items, "officer contact", officer["email"] or officer["phone"], COMMON)
    _item(items, "offer of other formats", "large print", COMMON)
    _item(items, "complainant named by the representative's letter", recipient["on_behalf_of"], "letters.md, Who receives it")

    complaint = ctx["complaint"]
    if kind == "acknowledgement":
        ack = ctx["acknowledgement"]
        _item(items, "date received", ack["request_date"] or ack["reopened_date"] or complaint["received"], cite)
        _item(items, "response date", ack["response_date"], cite)
        _item(items, "understanding of the complaint", complaint["summary"], "Telford 6.9.2; Code 5.6")
        _each(items, "point", complaint["points"], "Telford 6.9.2; Code 5.6")
        _each(items, "outcome sought", complaint["outcomes_sought"], "Telford 6.9.2; Code 5.6")
        if complaint["verbal"]:
            _item(items, "written account of a verbal complaint", "written account", "Telford 6.6")
        _item(items, "how to ask for clarification", "clarify", cite)
    elif kind == "extension":
        _item(items, "new response date", ctx["extension"]["new_date"], cite)
        _item(items, "reason", ctx["extension"]["reason"], cite)
    elif kind == "outcome":
        outcome = ctx["outcome"]
        _item(items, "stage", f"stage {ctx['letter']['stage']}", cite)
        _item(items, "complaint definition", complaint["summary"], "Telford 6.10.8")
        _item(items, "decision", outcome["decision_words"], cite)
        _each(items, "finding", [f["finding"] for f in outcome["findings"]], cite)
        _each(items, "remedy", outcome["remedies"], cite)
        for i, action in enumerate(outcome["actions"], 1):
            _item(items, f"outstanding action {i}", action["action"], cite)
            _item(items, f"outstanding action {i} date", action["by"], cite)
        if outcome["final"]:
            _item(items, "final response", "final response", cite)
        else:
            _item(items, "how to escalate", f"stage {outcome['next_stage']}", cite)
            _item(items, "escalation window closes", outcome["window_closes"], cite)
    elif kind == "escalation-refusal":
        refusal = ctx["refusal"]
        _each(items, "reason", refusal["reasons"], cite)
        if refusal["out_of_window"]:
            _item(items, "request date", refusal["request_date"], cite)
            _item(items, "escalation window closed", refusal["window_closes"], cite)
    elif kind == "withdrawal-confirmation":
        _item(items, "withdrawal date", ctx["withdrawal"]["date"], cite)
        _item(items, "how it was withdrawn", ctx["withdrawal"]["method_words"], cite)
        _item(items, "how to reopen", "reopen", "Warwickshire §8, §9")
    elif kind == "restriction-notice":
        r = ctx["restriction"]
        _each(items, "behaviour", r["behaviours"], cite)
        _each(items, "restriction", r["restrictions"], cite)
        _item(items, "end date", r["ends"], cite)
        _item(items, "review date", r["review"], cite)
        _item(items, "how to challenge", r["challenge"], cite)
        _item(items, "help with other matters", "other matter", "Solihull App. A")
        _item(items, "policy enclosed", "enclosed", "Luton App. A §18; Solihull App. A")
    elif kind == "not-accepted":
        n = ctx["not_accepted"]
        _each(items, "reason", n["reasons"], cite)
        if n["out_of_time"]:
            _item(items, "date first aware", n["first_aware"], cite)
            _item(items, "time limit ended", n["time_limit_ends"], cite)
        _item(items, "alternative route", n["alternative_route"], cite)
    elif kind == "holding":
        h = ctx["holding"]
        _item(items, "why", h["reason"], cite)
        _item(items, "other procedure", h["other_procedure"], cite)
        _item(items, "expected restart", h["expected_resume"], cite)
    elif kind == "consent-request":
        _item(items, "representative", ctx["consent"]["representative"], cite)
        _item(items, "written consent needed", "written consent", cite)
    elif kind == "discontinuation":
        for i, attempt in enumerate(ctx["discontinuation"]["attempts"], 1):
            _item(items, f"contact attempt {i}", attempt["date"], cite)
        _item(items, "how to reopen", "reopen", "Warwickshire §9")
    elif kind == "behaviour-warning":
        _each(items, "behaviour", ctx["behaviour"]["behaviours"], cite)
        _item(items, "restrictions may follow", "restrict", cite)
        _item(items, "policy enclosed", "enclosed", "Luton App. A §13")
    elif kind == "restriction-review":
        review = ctx["review"]
        _item(items, "outcome", {"lifted": "lift", "maintained": "keep", "modified": "change"}[review["outcome"]], cite)
        if review["outcome"] != "lifted":
            _each(items, "restriction", review["restrictions"], cite)
            _item(items, "next review date", review["next_review"], cite)

    ombudsman = ctx["ombudsman"]
    if ombudsman["required"]:
        _item(items, "Ombudsman name", ombudsman["name"], OMBUDSMAN)
        _item(items, "Ombudsman telephone", ombudsman["phone"], OMBUDSMAN)
        _item(items, "Ombudsman postcode", ombudsman["address"][-1], OMBUDSMAN)
        _item(items, "Ombudsman website", ombudsman["web"], OMBUDSMAN)
        _item(items, "Ombudsman time limit", ombudsman["time_limit"], "letters.md, outcome (final): the 12-month Ombudsman time limit")
    return items
