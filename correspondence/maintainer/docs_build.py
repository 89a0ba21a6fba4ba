"""Build the generated pages of ``docs/`` from what the program itself uses.

    .venv/bin/python -m correspondence.maintainer.docs_build          # rewrite the pages that changed
    .venv/bin/python -m correspondence.maintainer.docs_build --check  # exit 1 if any page is stale

- ``docs/record-format.md`` from the shipped JSON Schema (``correspondence/engine/schema/``), with the
  Telford & Wrekin example record as a worked example;
- ``docs/letters.md`` from ``rules/required-content.toml``;
- ``docs/commands.md`` from the click commands of ``letters``.

The words around the generated tables are kept here; the tables come from the sources, so the
pages and the program cannot drift apart (``tests/test_docs.py`` fails when a page is stale).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, Callable, Iterable

from correspondence.common import safe_json
from correspondence.engine.case import MAX_PROBLEMS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCHEMA = ROOT / "correspondence" / "engine" / "schema" / "complaint-case-1.schema.json"
REQUIRED_CONTENT = ROOT / "rules" / "required-content.toml"
EXAMPLE = ROOT / "examples" / "inbox" / "twc-2026-0142.json"
COMMAND = ".venv/bin/python -m correspondence.maintainer.docs_build"


def _banner(source: str) -> str:
    return (f"<!-- Generated from {source} by `{COMMAND}`. Do not edit by hand: change the source "
            f"(or the words in correspondence/maintainer/docs_build.py) and run that command. -->\n\n")


def _cell(text: str) -> str:
    """Text made safe for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _code(value: Any) -> str:
    return f"`{value}`"


# =========================================================================== record format

# What each field is for, in words; the rule beside it comes from the schema. Keys are schema
# paths: "complainant.email", "events[].date", "events[decision].findings[].point".
FIELD_WORDS: dict[str, str] = {
    "format": "Names the format, so a later format can be told apart.",
    "case_id": "The case system's reference, printed on every letter and used as the folder name in the outbox. Ids are case-sensitive.",
    "council": "Which rules file applies: the file's name in `rules/` without `.toml` (`telford-wrekin`), or `code-2024` for the national Complaint Handling Code on its own.",
    "procedure": "Which of the council's procedures; `corporate` if left out. Warwickshire also has `adult-social-care` and `childrens`.",
    "service_area": "The service complained about, as the letters should name it.",
    "housing_tenancy": "True when the complaint is about the council as landlord: Telford & Wrekin and Luton then route to the Housing Ombudsman.",
    "cse": "True for a Telford & Wrekin complaint involving child sexual exploitation (no time limit; never to a representative without consent).",
    "complainant": "The person complaining. Leave out both names for an anonymous complaint: no letter can then be sent, and `letters due` says so.",
    "complainant.title": "Ms, Mr, Dr... used in the salutation (\"Dear Ms Khan\").",
    "complainant.given_name": "Given name. Leave out both names only for an anonymous complaint.",
    "complainant.family_name": "Family name, used in the salutation with the title.",
    "complainant.phone": "Telephone number; counts as a contact method for discontinuation.",
    "complainant.address": "Postal address, one line per item, postcode last. An address or an email is needed unless the complaint is anonymous.",
    "complainant.email": "Email address. An address or an email is needed unless the complaint is anonymous.",
    "complainant.preferred_contact": "How the complainant wants to hear from the council; it decides how a letter travels, and so its deemed receipt.",
    "complainant.format_needs": "Large print (letters are then printed at 16pt or more), or needs a file cannot meet (easy read, Braille, audio, another language as `language:pl`), which the manifest lists as actions for a caseworker.",
    "representative": "Someone complaining for the complainant. Letters go to them only once `written_consent` is given (or the policy exempts them); until then a consent request goes to the complainant.",
    "representative.name": "The name as written on the envelope.",
    "representative.organisation": "The representative's organisation (an advice agency, a councillor's council).",
    "representative.relationship": "Who they are to the complainant; some policies exempt councillors or MPs from written consent.",
    "representative.title": "Title, for the salutation (\"Dear Councillor Bloggs\").",
    "representative.given_name": "Given name, when the record gives name parts.",
    "representative.family_name": "Family name, for the salutation.",
    "representative.address": "Postal address; an address or an email is needed.",
    "representative.email": "Email address; an address or an email is needed.",
    "representative.phone": "Telephone number.",
    "representative.written_consent": "The date the complainant's written consent arrived, or null while there is none.",
    "representative.salutation": "The words after \"Dear\" when title and family name are not given.",
    "organisation": "Who writes the letters, overriding the rules file's `[council]` details. Needed when `council` is `code-2024`, which names no council: then with the team's postal `address` and `phone`, so every letterhead can be written to and called.",
    "organisation.name": "The sender's name, printed as the letterhead and the council's name in the letter.",
    "organisation.team": "The complaints team that replies.",
    "organisation.address": "The team's postal address, one line per item.",
    "organisation.phone": "The team's telephone number.",
    "organisation.email": "The team's email address.",
    "organisation.web": "The team's web page.",
    "officer": "The investigating officer, who signs the stage 1 letters and those of no stage; a name and an email or a phone number. Letters of stage 2 and later are signed by the `officer` of that stage's `escalation_request` or `decision`, or else by the council's complaints team, never by this officer.",
    "officer.name": "Printed under the signature.",
    "officer.job_title": "Printed under the name.",
    "officer.email": "Given as the officer's contact.",
    "officer.phone": "Given as the officer's contact.",
    "complaint": "The complaint itself.",
    "complaint.received": "The day the complaint reached the council. Every clock starts from here.",
    "complaint.channel": "How it arrived. A complaint by phone or in person gets the written account of it in its acknowledgement.",
    "complaint.first_aware": "When the complainant first knew of the matter; time limits run from it.",
    "complaint.summary": "The council's understanding of the complaint, quoted in the acknowledgement and the outcome.",
    "complaint.points": "Each point of complaint; every one must be answered by a finding in the outcome.",
    "complaint.outcomes_sought": "What the complainant wants to happen.",
    "events": "What has happened since, in any order. Each event has an `id`, a `type` and a `date`, and the fields its type needs (below).",
    "events[].id": "Unique within the record; letters answering an event are filed under it (the `trigger`).",
    "events[].type": "What happened: one of the types below.",
    "events[].date": "When it happened. Events dated after `--as-of` are not yet known.",
    "events[].extra": "Fields of your own, passed to the council's templates as they are.",
}

EVENT_WORDS: dict[str, str] = {
    "letter_issued": "A letter already sent outside this service, so it is not sent twice. Its `date` is the letter's date; `trigger` the event id it answers (or `complaint`); `delivery` how it went (else by the recipient's channel). An `outcome` with no `decision` for its stage is that stage's outcome all the same (its findings \"not recorded\" until a `decision` gives them).",
    "extension": "The response date of `stage` is extended, to `new_due` or else to the policy's limit; `reason` is given to the complainant.",
    "decision": "The stage response is ready: its outcome, a finding for each point, remedies and outstanding actions with their dates. `officer` (optional): the officer who handles the stage from then on; the outcome letter is signed by them.",
    "escalation_request": "The complainant asks for the next stage; `date` is when the request arrived; `reasons` are their own words. `officer` (optional): the officer who handles that stage; its letters are signed by them (without one, by the council's complaints team).",
    "escalation_refused": "The council declines to escalate, for its own `reasons`.",
    "not_accepted": "The complaint is not taken into the procedure, on a `ground`, with `reasons`.",
    "time_limit_waived": "The council accepts a late complaint (dated before the first escalation request) or a late escalation (dated on or after it).",
    "withdrawn": "The complainant withdrew the complaint; only a withdrawal confirmation is then due, until `reopened`.",
    "reopened": "A withdrawn or discontinued complaint is reopened: the stage's clocks restart from this date.",
    "on_hold": "The investigation is suspended (another procedure, legal proceedings); the response clock stops.",
    "resumed": "The investigation restarts: the working days that were left run again (or `new_due`).",
    "contact_attempt": "An attempt to reach the complainant, and whether they answered.",
    "discontinued": "The council stops because the complainant does not respond (after three attempts by different methods).",
    "behaviour_warning": "The complainant is warned that restrictions on contact may follow.",
    "restriction": "Restrictions on contact are applied, for `duration_months`, with a review.",
    "restriction_review": "The periodic review of a restriction: lifted, maintained or modified.",
    "panel_held": "Warwickshire's children's statutory procedure: the stage 3 review panel met.",
    "ombudsman_enquiry": "The Ombudsman has opened an enquiry (for the report).",
    "ombudsman_decision": "The Ombudsman's decision (for the report).",
}

DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _types(node: dict) -> list[str]:
    t = node.get("type")
    return t if isinstance(t, list) else ([t] if t else [])


def describe(node: dict) -> str:
    """A schema node's rule in words."""
    if "const" in node:
        return f"exactly {_code(node['const'])}"
    if "enum" in node:
        return "one of " + ", ".join(_code(v) for v in node["enum"])
    for combo, joiner in (("oneOf", " or "), ("anyOf", " or ")):
        if combo in node and all(isinstance(n, dict) and ("type" in n or "enum" in n or "const" in n)
                                 for n in node[combo]):
            return joiner.join(describe(n) for n in node[combo])
    types = _types(node)
    words: list[str] = []
    for t in types:
        if t == "null":
            words.append("null")
        elif t == "boolean":
            words.append("true or false")
        elif t == "integer":
            lo, hi = node.get("minimum"), node.get("maximum")
            words.append("a whole number" + (f" from {lo} to {hi}" if lo is not None and hi is not None
                                             else f" of at least {lo}" if lo is not None
                                             else f" of at most {hi}" if hi is not None else ""))
        elif t == "number":
            lo, hi = node.get("minimum"), node.get("maximum")
            words.append("a number" + (f" from {lo} to {hi}" if lo is not None and hi is not None
                                       else f" of at least {lo}" if lo is not None else ""))
        elif t == "string":
            words.append(_string_words(node))
        elif t == "array":
            words.append(_array_words(node))
        elif t == "object":
            words.append("an object (see below)" if node.get("properties") else "an object of any keys")
    return " or ".join(words) if words else "any value"


def _string_words(node: dict) -> str:
    if node.get("format") == "date" or node.get("pattern") == DATE_PATTERN:
        return "a date, `YYYY-MM-DD`"
    lo, hi = node.get("minLength"), node.get("maxLength")
    text = "text"
    if lo and hi:
        text += f", {lo} to {hi} characters"
    elif hi:
        text += f", up to {hi} characters"
    elif lo:
        text += f", at least {lo} character{'s' if lo != 1 else ''}"
    if node.get("pattern"):
        text += f", matching `{node['pattern']}`"
    return text


def _array_words(node: dict) -> str:
    items = node.get("items", {})
    lo, hi = node.get("minItems"), node.get("maxItems")
    count = (f"{lo} to {hi} " if lo and hi else f"at least {lo} " if lo else f"up to {hi} " if hi else "")
    what = ("objects (see below)" if items.get("type") == "object" and items.get("properties")
            else describe(items) if items else "values")
    unique = ", no repeats" if node.get("uniqueItems") else ""
    return f"a list of {count}{what if what.startswith(('objects', 'values')) else 'items, each ' + what}{unique}"


def _one_of_required(node: dict) -> str:
    """'at least one of `email` or `phone`' from an anyOf of required lists."""
    groups = node.get("anyOf") or []
    if groups and all(isinstance(g, dict) and set(g) == {"required"} for g in groups):
        return "At least one of " + " or ".join(_code(", ".join(g["required"])) for g in groups) + "."
    return ""


def field_rows(node: dict, prefix: str = "", words: dict[str, str] | None = None) -> list[tuple[str, str, str, str]]:
    """(path, required, rule, words) for every property under ``node``, depth first."""
    words = FIELD_WORDS if words is None else words
    rows: list[tuple[str, str, str, str]] = []
    required = set(node.get("required", ()))
    for name, sub in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        rule = describe(sub)
        extra = _one_of_required(sub)
        if sub.get("type") == "object" and sub.get("additionalProperties") is False:
            extra = (extra + " " if extra else "") + "No other keys."
        rows.append((f"`{path}`", "yes" if name in required else "no", rule + (f". {extra}" if extra else ""),
                     words.get(path, "")))
        if sub.get("type") == "object" and sub.get("properties"):
            rows += field_rows(sub, path + ".", words)
        items = sub.get("items") if sub.get("type") == "array" else None
        if isinstance(items, dict) and items.get("type") == "object" and items.get("properties") and path != "events":
            rows += field_rows(items, path + "[].", words)
    return rows


def event_types(schema: dict) -> list[tuple[str, dict]]:
    """(type, its own fields' schema) for every event type, in the schema's order of types."""
    items = schema["properties"]["events"]["items"]
    extra: dict[str, dict] = {}
    for clause in items.get("allOf", []):
        const = clause.get("if", {}).get("properties", {}).get("type", {}).get("const")
        if const:
            extra[const] = clause.get("then", {})
    return [(t, extra.get(t, {})) for t in items["properties"]["type"]["enum"]]


def _table(rows: Iterable[tuple[str, ...]], header: tuple[str, ...]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def record_format_page() -> str:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    example = EXAMPLE.read_text(encoding="utf-8").strip()
    top = [r for r in field_rows(schema) if not r[0].startswith("events[")]
    event_common = field_rows(schema["properties"]["events"]["items"], "events[].")
    parts = [
        _banner("correspondence/engine/schema/complaint-case-1.schema.json"),
        "# The case record: `complaint-case/1`\n\n",
        "A case system tells `correspondence` about a complaint by writing one JSON file per case into\n"
        "the inbox. Each file is the whole case as it stands (a snapshot): a later file for the same\n"
        "`case_id` replaces the earlier one; nothing is merged. Files are UTF-8, at most 5 MB, and hold\n"
        "one JSON object.\n\n"
        "Every record is checked against the JSON Schema shipped with the program,\n"
        "[`correspondence/engine/schema/complaint-case-1.schema.json`](../correspondence/engine/schema/complaint-case-1.schema.json),\n"
        "and then against the rules (the council and its procedure must be known). The tables below are\n"
        "made from that schema. A record that fails gets one plain sentence per problem naming the file,\n"
        "the field and what was expected, and no letter is written from it. Keys that are not listed\n"
        "here are refused (a misspelt key must not pass silently), except inside `extra`.\n\n",
        "## A worked example\n\n",
        "Ms Khan emailed Telford & Wrekin Council about missed bin collections on 2 November 2026. The\n"
        "council acknowledged it on 4 November (a letter sent from its own case system, so recorded as\n"
        "`letter_issued`), and the officer's decision (`decision`, dated 17 November) is ready to go\n"
        "out as the stage 1 outcome:\n\n",
        f"```json\n{example}\n```\n\n",
        "Stored and asked about on 20 November, it gives the outcome letter, overdue since 18 November\n"
        "(10 working days after the acknowledgement's 4 November), and the deadlines that follow:\n\n"
        "```sh\n.venv/bin/letters due --case-file examples/inbox/twc-2026-0142.json --as-of 2026-11-20\n```\n\n"
        f"`examples/inbox/` holds {len(list(EXAMPLE.parent.glob('*.json'))) - 1} more records, one or more for every "
        "council and letter kind,\n"
        "and `examples/expected/` what `letters due --as-of 2026-11-20 --json` gives for each.\n\n",
        "## Dates, text and ids\n\n",
        "- Dates are `YYYY-MM-DD` and must be real calendar dates (`2026-02-30` is refused).\n"
        "- No text may be empty or only spaces.\n"
        "- Text may be in any language and script, with emoji, line breaks and tabs. It may not hold\n"
        "  control characters (such as NUL, form feed or escape), direction overrides or isolates\n"
        "  (U+202A to U+202E, U+2066 to U+2069), line or paragraph separators, or half of a surrogate\n"
        "  pair (a lone `\\ud800` escape): the refusal names the field and the character.\n"
        f"- Whole numbers are written without a decimal point (`6`, not `6.0`); no number may have more\n"
        f"  than {safe_json.MAX_DIGITS} digits. Lists and objects nest at most {safe_json.MAX_DEPTH} deep; inside `extra` a list\n"
        f"  holds at most {safe_json.FREE_LIST_LIMIT:,} items.\n"
        "- `case_id` and every event `id` are 1 to 64 letters, digits, `.`, `_` or `-`, starting with a\n"
        "  letter or digit, with nothing after (not even a line break). A `case_id` may not be a name the\n"
        "  outbox uses for itself (`ledger.sqlite3`, `failed`, `reports` and the like) or a Windows device\n"
        "  name (`CON`, `NUL`...); an event `id` may not be `complaint`, which names the complaint itself.\n"
        "- `case_id` is case-sensitive: `TWC-2026-0142` and `twc-2026-0142` are different cases.\n\n"
        f"A rejected record's report lists at most {MAX_PROBLEMS} problems and counts the rest. It quotes what\n"
        "a field held only when that cannot be personal (a word this format defines, a date, a small\n"
        "number); otherwise it says what kind of value was there, so names, addresses and complaint\n"
        "text never reach a log or a report.\n\n",
        "## Fields\n\n",
        _table(top, ("field", "required", "rule", "what it is for")),
        "\n## Events\n\n",
        "Every event has these fields:\n\n",
        _table(event_common, ("field", "required", "rule", "what it is for")),
        "\nand then the fields of its type. A field of another type is refused.\n\n",
    ]
    for etype, then in event_types(schema):
        parts.append(f"### `{etype}`\n\n")
        if EVENT_WORDS.get(etype):
            parts.append(EVENT_WORDS[etype] + "\n\n")
        rows = field_rows(then, "", {})
        if rows:
            parts.append(_table(((path, req, rule) for path, req, rule, _ in rows), ("field", "required", "rule")))
        else:
            parts.append("No fields besides `id`, `type`, `date` and `extra`.\n")
        parts.append("\n")
    return "".join(parts).rstrip() + "\n"


# =========================================================================== letters

# When each letter falls due and what triggers it, in words (the rules files give the figures).
LETTER_WORDS: dict[str, tuple[str, str]] = {
    "acknowledgement": ("the complaint (stage 1); an accepted `escalation_request` (the stage asked for)",
                        "the stage's acknowledgement deadline"),
    "extension": ("an `extension` event", "the response deadline being extended"),
    "outcome": ("a `decision` event", "the stage's response deadline, as extended"),
    "escalation-refusal": ("an `escalation_refused` event, or an `escalation_request` after the window closed "
                           "(unless the time limit was waived)", "the policy's escalation refusal deadline"),
    "withdrawal-confirmation": ("a `withdrawn` event", "as many working days after the withdrawal as a stage 1 acknowledgement"),
    "restriction-notice": ("a `restriction` event", "the policy's restriction notice deadline"),
    "not-accepted": ("a `not_accepted` event, or a complaint out of time (unless waived)",
                     "as many working days as a stage 1 acknowledgement after the later of received and the event"),
    "holding": ("an `on_hold` event", "as many working days as a stage 1 acknowledgement after the event"),
    "consent-request": ("a `representative` without `written_consent`", "the stage 1 acknowledgement deadline"),
    "discontinuation": ("a `discontinued` event after three unanswered `contact_attempt` events by different methods",
                        "5 working days after the event"),
    "behaviour-warning": ("a `behaviour_warning` event", "5 working days after the event"),
    "restriction-review": ("a `restriction_review` event", "5 working days after the event"),
}


def _item_text(rule: dict) -> str:
    text = rule.get("text", "")
    if "{" in text:
        return f"the value of `{text}`" if re.fullmatch(r"\{[^}]+\}", text) else f"`{text}` filled in"
    return f"the words \"{text}\""


def _requirement_rows(rules: list[dict], cite: Callable[[str], str]) -> list[tuple[str, str, str, str]]:
    rows = []
    for rule in rules:
        when = rule.get("when", "")
        each = rule.get("each", "")
        condition = []
        if each:
            condition.append(f"once for each entry of `{each}`")
        if when:
            condition.append(f"only when `{when.removeprefix('not ')}` is {'false' if when.startswith('not ') else 'true'}")
        rows.append((rule.get("item", ""), _item_text(rule), "; ".join(condition) or "always", cite(rule.get("cite", ""))))
    return rows


def letters_page(cite: Callable[[str], str] | None = None) -> str:
    from correspondence.engine.rules import load_rulebook
    from correspondence.letters.specimens import LETTER_KINDS

    cite = cite or _default_cite
    # The rules loader gives the citations as people read them (policy names, not file names).
    spec = load_rulebook(REQUIRED_CONTENT.parent, strict=False)[0].required_content or \
        tomllib.loads(REQUIRED_CONTENT.read_text(encoding="utf-8"))
    header = ("item", "the letter must contain", "when", "source")
    parts = [
        _banner("rules/required-content.toml"),
        "# The letters\n\n",
        "Every letter is due because of a fact in the case (the complaint itself, or an event in the\n"
        "record) and a rule of the council's policy (its rules file in `rules/`). `letters due` lists\n"
        "them with their dates; `letters render` and the inbox service write those not yet issued, in\n"
        "Word and PDF, and check each one before filing it. The names below are the `letter` values of\n"
        "`letters due --json`, of `--letter` and of `letter_issued` events.\n\n",
        "## Kinds, triggers and due dates\n\n",
        _table(((f"`{k}`", *LETTER_WORDS.get(k, ("", ""))) for k in LETTER_KINDS), ("letter", "triggered by", "due")),
        "\nA complaint that is not accepted gets the `not-accepted` letter instead of the acknowledgement.\n"
        "After a `withdrawn` event nothing else falls due for that complaint but the withdrawal\n"
        "confirmation, until a `reopened` event restarts the clocks. The figures (how many working\n"
        "days, from what) are each council's: `letters rules show COUNCIL` prints them with their sources.\n\n"
        "## Who receives it\n\n"
        "The complainant, unless a representative has given written consent (or the policy exempts\n"
        "them): then the representative, and the letter names the complainant whose complaint it is.\n"
        "In a Telford & Wrekin CSE case, never a representative without consent. An anonymous\n"
        "complaint, or one with neither an address nor an email, gets no letter, and `letters due`\n"
        "says why.\n\n",
        "## What each letter must carry\n\n",
        "Before a letter is filed, its Word and its PDF files are read back and each must contain every\n"
        "item below, as the exact text shown (a `{name}` is that value of the letter, such as its date\n"
        "written the British way, \"18 November 2026\"). An item whose value the record leaves out is not\n"
        "required. A letter that fails is kept in `outbox/<case>/failed/` with a report and is not issued,\n"
        "so it stays due. The list is data: [`rules/required-content.toml`](../rules/required-content.toml).\n\n",
        "Every letter also must not contain leftover template syntax (`{{`, `{%`), the words `None`,\n"
        "`null` or `undefined`, or an out-of-date Ombudsman detail; a large-print letter must be 16pt or\n"
        "more throughout.\n\n",
    ]
    sections = [("common", "Common items in every letter")] + [(k, f"`{k}`") for k in LETTER_KINDS] + \
               [("ombudsman", "The Ombudsman's details, in the letters whose policy makes them mandatory")]
    sections += [(k, f"`{k}`") for k in spec if k not in {s for s, _ in sections}]
    for key, title in sections:
        rules = spec.get(key) or []
        if not rules:
            continue
        parts.append(f"### {title}\n\n")
        parts.append(_table(_requirement_rows(rules, cite), header))
        parts.append("\n")
    return "".join(parts).rstrip() + "\n"


def _default_cite(text: str) -> str:
    """A citation as this page shows it: the catalogue does not cite itself by file name."""
    return re.sub(r"docs/letters\.md,?\s*", "this catalogue: ", text)


# =========================================================================== commands

def _commands(group, ctx, path: list[str]) -> Iterable[tuple[list[str], Any, Any]]:
    import click

    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        sub_ctx = click.Context(cmd, info_name=name, parent=ctx)
        yield path + [name], cmd, sub_ctx
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, sub_ctx, path + [name])


def _option_row(param, ctx) -> tuple[str, str]:
    import click

    names = ", ".join(f"`{o}`" for o in (param.opts + param.secondary_opts))
    if not param.is_flag and not param.count:
        metavar = param.make_metavar(ctx) if _takes_ctx(param.make_metavar) else param.make_metavar()
        names += f" {metavar}"
    help_text = param.help or ""
    if param.show_default and param.default not in (None, False, ()):
        help_text += f" (default: {param.default})"
    if isinstance(param.type, click.Choice) and "one of" not in help_text:
        help_text += " One of: " + ", ".join(f"`{c}`" for c in param.type.choices) + "."
    return names, help_text


def _takes_ctx(method) -> bool:
    import inspect

    return "ctx" in inspect.signature(method).parameters


def commands_page() -> str:
    import click

    from correspondence.cli import cli

    root = click.Context(cli, info_name="letters")
    parts = [
        _banner("the click commands in correspondence/cli/"),
        "# The command line\n\n",
        "The package installs one command, `letters`. Every command takes `--rules DIR`,\n"
        "`--templates DIR`, `--inbox DIR` and `--outbox DIR`; they default to the project's `rules/`,\n"
        "`templates/`, `inbox/` and `outbox/`: those of `$CORRESPONDENCE_HOME` if it is set, else of the\n"
        "current folder if it has a `rules/` folder, else of the checkout the package was installed from.\n"
        "Commands that depend on the date take `--as-of YYYY-MM-DD` (default: today).\n\n"
        "Exit status: 0 on success; 1 when the work found problems (a bad record, a failed check, a rules\n"
        "file that is not valid); 2 for a usage error (a misspelt option, an unknown case id); 3 when the\n"
        "service itself cannot work (a full disk, a read-only outbox, an unreadable ledger). Errors are\n"
        "one plain sentence on standard error, naming the file and the field; never a traceback.\n\n"
        "`letters --help` and `letters COMMAND --help` print the same as this page.\n\n",
        "## Commands\n\n",
    ]
    rows = []
    commands = [c for c in _commands(cli, root, ["letters"]) if not isinstance(c[1], click.Group)]
    for path, cmd, _ in commands:
        rows.append((f"[`{' '.join(path)}`](#{'-'.join(path)})", cmd.get_short_help_str(limit=120)))
    parts.append(_table(rows, ("command", "what it does")))
    folder_opts = {"--rules", "--templates", "--inbox", "--outbox"}
    for path, cmd, ctx in commands:
        parts.append(f"\n<a id=\"{'-'.join(path)}\"></a>\n\n## `{' '.join(path)}`\n\n")
        pieces = " ".join(cmd.collect_usage_pieces(ctx))
        parts.append(f"```\n{' '.join(path)} {pieces}\n```\n\n")
        if cmd.help:
            parts.append(_help_text(cmd.help) + "\n\n")
        args = [p for p in cmd.params if isinstance(p, click.Argument) and not p.metavar]  # a metavar: the usage says it
        for arg in args:
            parts.append(f"- `{arg.human_readable_name}`: {'required' if arg.required else 'optional'}"
                         f"{', any number' if arg.nargs == -1 else ''}.\n")
        if args:
            parts.append("\n")
        opts = [p for p in cmd.params if isinstance(p, click.Option) and not set(p.opts) & folder_opts]
        if opts:
            parts.append(_table((_option_row(o, ctx) for o in opts), ("option", "meaning")))
        if any(set(p.opts) & folder_opts for p in cmd.params if isinstance(p, click.Option)):
            parts.append("\nAnd `--rules`, `--templates`, `--inbox`, `--outbox`.\n")
    parts.append(_due_json_section())
    return "".join(parts).rstrip() + "\n"


def _due_json_section() -> str:
    """What `letters due --json` prints: its fields in words, and the real output for the example."""
    import tempfile

    from click.testing import CliRunner

    from correspondence.cli import cli

    with tempfile.TemporaryDirectory() as outbox:
        result = CliRunner().invoke(cli, ["due", "--case-file", str(EXAMPLE), "--as-of", "2026-11-20", "--json",
                                          "--rules", str(ROOT / "rules"), "--outbox", outbox])
    example = result.output.strip() if result.exit_code == 0 else ""
    return (
        "\n<a id=\"due-json\"></a>\n\n## What `letters due --json` prints\n\n"
        "| key | what it holds |\n|---|---|\n"
        "| `case_id`, `council`, `as_of` | the case, its rules id, and the date the answer is for |\n"
        "| `letters[]` | every letter the case calls for, earliest due first: `letter` (its kind, see "
        "[letters.md](letters.md)), `stage` (a number, or null for letters without a stage), `trigger` "
        "(`complaint`, or the id of the event it answers), `due` (YYYY-MM-DD) and `status` |\n"
        "| `status` | `issued` (in the ledger, or a `letter_issued` event in the record), `due` (`as_of` is on or "
        "before `due`), `overdue` (`as_of` is after it) or `superseded` (not sent: a later fact made it untrue, "
        "such as an acknowledgement not yet sent when the stage's outcome is issued; a note says which) |\n"
        "| `deadlines[]` | every deadline known as of `as_of`: `kind` (`acknowledgement`, `response`, "
        "`escalation-window`, `restriction-review`), `stage` and `date` |\n"
        "| `notes` | plain sentences: an anonymous complaint, consent missing, a version in another language "
        "needed, an event that changes nothing... |\n\n"
        "`letters due --all --json` gives the diary: `{\"as_of\", \"cases\", \"letters\": [...], "
        "\"actions_needed\": [...], \"rejected_updates\": [...]}`, each letter with its `case_id` and `council` "
        "besides the keys above (a superseded letter is left out). `rejected_updates` lists each stored case "
        "whose latest record was rejected: `case_id`, `file` (its name in `inbox/.rejected/`), `arrived` (when "
        "it arrived, YYYY-MM-DDTHH:MM:SS) and `report` (the report's first sentence); the case's letters still "
        "follow the record stored before it, until a later record for it is accepted. The text diary says the "
        "same in a sentence per case.\n\n"
        + (f"For example, `letters due --case-file examples/inbox/twc-2026-0142.json --as-of 2026-11-20 --json`:\n\n"
           f"```json\n{example}\n```\n" if example else "")
    )


def _help_text(text: str) -> str:
    """A command's docstring as Markdown paragraphs (click's \\b blocks kept as they are)."""
    import inspect

    text = inspect.cleandoc(text).split("\f")[0]
    paragraphs = text.split("\n\n")
    out = []
    for para in paragraphs:
        if para.startswith("\b\n"):
            out.append("```\n" + para[2:] + "\n```")
        else:
            out.append(" ".join(line.strip() for line in para.splitlines()))
    return "\n\n".join(out)


# =========================================================================== build

PAGES: dict[str, Callable[[], str]] = {
    "record-format.md": record_format_page,
    "letters.md": lambda: letters_page(),
    "commands.md": commands_page,
}


def build() -> dict[Path, str]:
    """Every generated page's path and the text it should hold now."""
    return {DOCS / name: make() for name, make in PAGES.items()}


def stale(pages: dict[Path, str] | None = None) -> list[Path]:
    pages = build() if pages is None else pages
    return [p for p, text in pages.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check_only = "--check" in argv
    if not (ROOT / "rules").is_dir():
        print(f"{ROOT}: not a checkout of the project (no rules/ folder); run {COMMAND} in one, "
              f"installed with pip install -e.", file=sys.stderr)
        return 2
    pages = build()
    changed = stale(pages)
    if check_only:
        for path in changed:
            print(f"{path.relative_to(ROOT)} is stale; run {COMMAND}", file=sys.stderr)
        return 1 if changed else 0
    DOCS.mkdir(exist_ok=True)
    for path in changed:
        path.write_text(pages[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    if not changed:
        print("docs/ is up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
