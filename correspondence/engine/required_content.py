"""What each letter must carry, from ``rules/required-content.toml``, as the exact text to look for.

:func:`required_items` turns a letter's context into a list of items, each with the text a
reader must find in both the Word and the PDF letter and where the requirement comes from.
The renderer stores the list in the letter's manifest; ``letters check`` reads it back.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

FILE = "required-content.toml"
SECTIONS = ("common", "acknowledgement", "extension", "outcome", "escalation-refusal", "withdrawal-confirmation",
            "restriction-notice", "not-accepted", "holding", "consent-request", "discontinuation",
            "behaviour-warning", "restriction-review", "ombudsman")
FIELDS = {"item", "text", "each", "when", "cite"}
_NAME = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


def lookup(context: Mapping[str, Any], dotted: str) -> Any:
    value: Any = context
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            return None
    return value


def _fill(text: str, scope: Mapping[str, Any]) -> str:
    """The item's text with each {name} replaced; empty if a named value is empty."""
    missing = False

    def value(match: re.Match) -> str:
        nonlocal missing
        found = lookup(scope, match.group(1))
        if found in (None, "", []):
            missing = True
            return ""
        return str(found)

    # The letters keep dates and numbers on one line, and addresses breakable only after "@", "."
    # or "/" (letters/context.py keep_together): the text to look for is the plain one.
    out = _NAME.sub(value, text).replace("\u00a0", " ").replace("\u200b", "").replace("\u2011", "-")
    return "" if missing else out


def _applies(when: str | None, context: Mapping[str, Any]) -> bool:
    if not when:
        return True
    negate = when.startswith("not ")
    return bool(lookup(context, when.removeprefix("not "))) != negate


def required_items(context: Mapping[str, Any], spec: Mapping[str, list[dict]]) -> list[dict]:
    """The items ``context``'s letter must carry, with the text to look for."""
    kind = context["letter"]["kind"]
    rules = list(spec.get("common", [])) + list(spec.get(kind, []))
    if context["ombudsman"]["required"]:
        rules += list(spec.get("ombudsman", []))
    items: list[dict] = []
    for rule in rules:
        if not _applies(rule.get("when"), context):
            continue
        if "each" in rule:
            for i, entry in enumerate(lookup(context, rule["each"]) or [], 1):
                scope = {**context, **entry} if isinstance(entry, Mapping) else {**context, "item": entry}
                text = _fill(rule["text"], scope)
                if text:
                    items.append({"item": f"{rule['item']} {i}", "text": text, "cite": rule["cite"]})
        else:
            text = _fill(rule["text"], context)
            if text:
                items.append({"item": rule["item"], "text": text, "cite": rule["cite"]})
    return items


def spec_problems(path: str, data: Mapping[str, Any]) -> list[str]:
    """Sentences for anything wrong in the required-content file."""
    problems: list[str] = []
    for section, rules in data.items():
        if section not in SECTIONS:
            problems.append(f"{path}: [{section}]: unknown letter; expected one of {', '.join(SECTIONS)}.")
            continue
        if not isinstance(rules, list):
            problems.append(f"{path}: [{section}]: expected a list of [[{section}]] items.")
            continue
        for i, rule in enumerate(rules):
            where = f"{path}: [[{section}]] item {i + 1}"
            if not isinstance(rule, dict):
                problems.append(f"{where}: expected a table.")
                continue
            for key in sorted(set(rule) - FIELDS):
                problems.append(f"{where}: unknown field {key!r}; expected {', '.join(sorted(FIELDS))}.")
            for key in ("item", "text", "cite"):
                if not isinstance(rule.get(key), str) or not rule[key].strip():
                    problems.append(f"{where}: {key}: expected non-empty text.")
    return problems
