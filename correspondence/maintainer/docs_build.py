"""Build the generated pages of ``docs/`` from what the program itself uses.

    .venv/bin/python -m correspondence.maintainer.docs_build          # rewrite the pages that changed
    .venv/bin/python -m correspondence.maintainer.docs_build --check  # exit 1 if any page is stale

- ``docs/record-format.md`` from the shipped JSON Schema (``correspondence/engine/schema/``), with the
  Telford & Wrekin example record as a worked example;
- ``docs/letters.md`` from ``rules/required-content.toml``;
- ``docs/commands.md`` from the click commands of ``letters``;
- in ``docs/rules.md`` (otherwise written by hand) the tables of councils, of keys (what each accepts,
  whether it may be left out) and of where the Ombudsman's details are mandatory, from ``rules/``
  and the code that validates it.

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
RULES_DIR = ROOT / "rules"
RULES_PAGE = DOCS / "rules.md"  # written by hand around its generated tables
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
    from correspondence.engine.walk import EVENT_TYPES

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    event_words = {t.name: t.words for t in EVENT_TYPES}  # the walk's table of event types
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
        if event_words.get(etype):
            parts.append(event_words[etype] + "\n\n")
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
    "acknowledgement": ("the complaint (stage 1); an accepted `escalation_request` (the stage asked for; a "
                        "premature one once the outcome is issued, from its deemed receipt)",
                        "the stage's acknowledgement deadline; never in the same post as the outcome before it"),
    "extension": ("an `extension` event", "the response deadline being extended"),
    "outcome": ("a `decision` event (an outcome a case system sent itself, a `letter_issued` with no "
                "decision, is listed as issued)", "the stage's response deadline, as extended"),
    "escalation-refusal": ("an `escalation_refused` event, an `escalation_request` after the window closed "
                           "(unless the time limit was waived), or one for a stage the procedure does not have "
                           "(no acknowledgement then)", "the policy's escalation refusal deadline"),
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
        "Letters never contradict one another. A letter not yet sent that a later fact makes untrue is\n"
        "`superseded` and not sent: an acknowledgement or an extension once the stage's outcome is issued\n"
        "(or goes out in the same run: the outcome is then sent first), a holding letter once its hold\n"
        "has resumed, a behaviour warning once a restriction is decided. An acknowledgement sent after\n"
        "its response date says that date has passed, apologises, and gives the later date where there\n"
        "is one, otherwise \"as soon as possible\". After a premature request for the next stage, the\n"
        "outcome does not invite it again: it says the request will be taken as made on the day the\n"
        "outcome is treated as received, when it will be acknowledged, and how to withdraw it. A refusal\n"
        "for a stage the procedure does not have gives the council's own reason (\"Our complaints\n"
        "procedure for adult social care has one stage, and our response of 18 September 2026 was\n"
        "final.\") and the Ombudsman's details.\n\n"
        "## Who receives it\n\n"
        "The complainant, unless a representative has given written consent (or the policy exempts\n"
        "them): then the representative, and the letter names the complainant whose complaint it is.\n"
        "In a Telford & Wrekin CSE case, never a representative without consent. An anonymous\n"
        "complaint, or one with neither an address nor an email, gets no letter, and `letters due`\n"
        "says why.\n\n"
        "### Writing to a representative\n\n"
        "The salutation is the record's `salutation` where it gives one; otherwise the representative's\n"
        "`title` and `family_name` (\"Dear Councillor Bloggs\"); otherwise \"Dear\" and the name without\n"
        "post-nominals. The letter is about the complainant's complaint, named: \"the complaint you made on\n"
        "behalf of Ms Aisha Khan\", \"Ms Khan's complaint\", not \"your complaint\".\n\n"
        "### Copies to the complainant\n\n"
        "A complainant's `format_needs` are their own. When a letter goes to their representative and\n"
        "those needs include large print, the representative's letter is in standard print, with the\n"
        "usual offer of other formats, and the complainant has a large-print copy of it: the same letter\n"
        "written to them (\"Dear Ms Khan\", \"your complaint\"), their address in the envelope window, opening\n"
        "\"This is a large-print copy of the letter we have sent to Cllr Jo Bloggs, who is acting on your\n"
        "behalf.\" It goes by post to their address, or by email where they have no postal address (none is\n"
        "made if they have neither). The copy is made, checked (the same required content, large print and\n"
        "fit to post) and filed with the letter: drafted with it when the letter is held for sign-off, and\n"
        "issued with it on approval ([outbox.md](outbox.md#copies)). A consent request goes to the\n"
        "complainant already and has no copy. Other needs (another language, easy read, Braille, audio)\n"
        "stay in the letter's `actions_needed`.\n\n",
        "## Formats\n\n"
        "Each letter is written as Word (from `templates/docx/`) and as PDF (from `templates/html/`), with\n"
        "the same text and the same look: one font family, the letterhead on page 1 only, and on every page\n"
        "a footer with the council, the case reference and \"Page N of M\". Dates are written the British\n"
        "way, \"18 November 2026\".\n\n"
        "- **Large print** (`format_needs`): every character in both formats at 16pt or more (in Word,\n"
        "  every run's effective size, styles included); a large-print letter does not offer large print again.\n"
        "  A letter to a representative is in standard print, and the complainant has a large-print copy\n"
        "  ([Copies to the complainant](#copies-to-the-complainant)).\n"
        "- **Accessible Word**: headings in Word's heading styles, in order; the document's title is the\n"
        "  letter's own, its author the council, its language en-GB.\n"
        "- **Accessible PDF**: PDF/UA-1, tagged, titled, en-GB; table header cells carry a scope.\n"
        "- **Fit to post**: every letter fits GOV.UK Notify's precompiled-letter rules, so it can be posted\n"
        "  through Notify or any print house using the same window envelopes: A4 portrait, at most 10 pages,\n"
        "  nothing outside the printable area (15 mm side margins, 5 mm top and bottom); on page 1 the\n"
        "  recipient's address alone in the address window (3 to 7 lines, a real UK postcode last, no line\n"
        "  starting with a bracket or another character Notify refuses), nothing else above the body,\n"
        "  which starts 95 mm down; fonts embedded.\n"
        "- **Page breaks**: a heading never ends a page; \"Yours sincerely\" and the signature block never\n"
        "  stand alone on a page; a table's header row never ends a page; postcodes, telephone numbers and\n"
        "  dates never break across lines; room for a handwritten signature above the officer's name.\n"
        "- **Needs a file cannot meet** (another language, easy read, Braille, audio): the letter is still\n"
        "  written, its manifest lists each need under `actions_needed` in plain words (\"Send a Polish\n"
        "  translation\"), and `letters process`, `letters watch` and `letters due --all` show them until a\n"
        "  caseworker marks the need met with `letters actions done` ([outbox.md](outbox.md#actions)).\n"
        "  A letter to a complainant who asked for another language opens, above the salutation, with a line\n"
        "  in that language and the same in English: \"Wyślemy Państwu ten list w języku polskim.\" \"We will\n"
        "  send you this letter in Polish.\" The lines are data, in one place a council can edit:\n"
        "  [`templates/translations.toml`](../templates/translations.toml) (Welsh, Polish, Urdu, Arabic,\n"
        "  Bengali, Punjabi, Gujarati and Chinese so far, each marked `confirmed = false` until the council's\n"
        "  translation provider has checked it). A language with no line there gets the English sentence\n"
        "  only. A right-to-left line (Urdu, Arabic) is set right to left in both formats (`dir=\"rtl\"`;\n"
        "  Word's bidi).\n\n",
        "## Letters a manager signs unedited\n\n"
        "What a complaints manager would otherwise correct by hand, the letters do themselves:\n\n"
        "- **Ombudsman details in every extension**, within the policy's limit or beyond it (Code 2024 para\n"
        "  6.5: the complainant can go to the Ombudsman if they are unhappy with the extension).\n"
        "- **Restriction reviews** that keep or change the restrictions say how to challenge the decision\n"
        "  (the council's route) and give the Ombudsman's details; a review that lifts them says so plainly.\n"
        "- **Enclosures are real.** A letter that refers to an enclosed policy lists it under \"Enclosure\"; the\n"
        "  manifest's `enclosures` names the file, taken from the rules (`[council] behaviour_policy`: a file in\n"
        "  the rules folder, copied beside the letter in the outbox, or a web address, which the letter then\n"
        "  gives instead of \"enclosed\"). With neither, the letter still says the policy is enclosed where the\n"
        "  policy requires it, and `actions_needed` says \"Enclose a copy of the policy\".\n"
        "- **A letter that restricts contact to writing** gives the postal address to write to.\n"
        "- **Every letterhead is reachable**: every council's rules give the complaints team's postal address\n"
        "  and telephone, and `letters rules validate` refuses a council file without them (under `code-2024`\n"
        "  the record's `organisation` must give them). The record's `organisation` overrides them.\n"
        "- **Who signs**: a letter of stage 2 or later is signed by the officer who handles that stage (the\n"
        "  `officer` of the `escalation_request` or `decision` event); without one, by the council's complaints\n"
        "  team, never by the stage 1 officer.\n"
        "- **Housing escalation**: a stage 1 outcome of a housing complaint never makes the resident give\n"
        "  reasons to escalate; it may invite them to.\n"
        "- **Who may escalate**: one plain sentence, naming each person once (\"You can ask for a review on\n"
        "  Ms Khan's behalf, or Ms Khan can ask us directly\"); \"thank you for your complaint\" only to the\n"
        "  person who made it.\n"
        "- **Salutations**: \"Cllr\" is written \"Councillor\"; Sir and Dame take the given name (\"Dear Sir\n"
        "  Michael\"), Lord and Lady the family name (\"Dear Lord Smith\"); a title of several words uses its\n"
        "  last (\"The Reverend Canon Dr Jane Holt\": \"Dear Dr Holt\"); a `salutation` in the record wins.\n"
        "- **Luton's consent request** for a councillor or MP says what has already been shared with them\n"
        "  under Luton §15, and what needs the complainant's consent.\n"
        "- **Every consent request gives a date to reply by**: the stage 1 response date the rules give\n"
        "  (\"Please reply by 18 November 2026, the date our response to the complaint is due.\"), and what\n"
        "  happens without consent by then: the response goes to the complainant, \"and not to Jo Bloggs\";\n"
        "  at Luton, to the councillor or MP as §15 allows, with nothing more shared. Written after that\n"
        "  date, it says the date has passed, apologises and asks for a reply as soon as possible.\n"
        "- **Restriction notices** are written in sentences (\"A Service Manager decided this\"); where the\n"
        "  review date falls on or after the end date, the letter gives the end date only and says the\n"
        "  restrictions lapse then; one line never appears twice in the address window; the withdrawal\n"
        "  confirmation speaks of the withdrawal in the past tense.\n"
        "- **A date already past** is never promised: a letter written after a date it would give as still\n"
        "  to come says that date has passed and apologises, in one sentence shared by every letter (an\n"
        "  extension's new date, an acknowledgement's response date, a restriction's review date: then\n"
        "  reviewed as soon as possible). A review already held by the letter's date is named, its outcome\n"
        "  in its own letter; restrictions whose end date is past no longer apply. A restriction review\n"
        "  names the day of the review, and says \"today\" only in a letter of that day. A late letter says\n"
        "  sorry once: an extension or a refusal that opens with an apology for the delay does not open\n"
        "  its news with \"I am sorry, but\" as well.\n"
        "- **Refusals and not-accepted letters** say the procedure has ended, that the Ombudsman can look at\n"
        "  the complaint itself, to send it a copy of the letter, and (for the LGSCO) that its 12 months run\n"
        "  from when the complainant first knew of the matter, not from the date of the letter.\n"
        "  Where they invite a good reason for a late complaint or request, they say when we will answer\n"
        "  it, in the policy's own time for answering one: for a request, the stage's escalation-refusal\n"
        "  time, else its acknowledgement's (\"We will write to you within 10 working days of hearing from\n"
        "  you, either to take the complaint to stage 2 or to explain why we cannot\"); for a complaint, the\n"
        "  not-accepted letter's (the stage 1 acknowledgement's days). No policy gives the reader a date\n"
        "  to reply by, so none is given.\n"
        "- **Outcomes** print each point once, numbered, and answer it as \"Point 2: what we found\"; give the\n"
        "  decision's `learning` under \"What we have learned\"; apologise when sent after their due date; at\n"
        "  Warwickshire's children's stage 1, offer the child an advocate at stage 2. A stage 2 or later\n"
        "  letter signed by the record's own (stage 1) officer is flagged in the manifest's `warnings`.\n\n",
        "## Layout\n"
        "\n"
        "- **Page 1**: the council's contact block at the top right and, in standard print, the\n"
        "  references (our reference, date, who deals with it) under it, 66-95 mm down; the address\n"
        "  alone in the envelope window; the body from 95 mm down. In large print the references open\n"
        "  the body.\n"
        "- **Paper**: standard print is 11pt Liberation Sans at a line height of 1.15 (Word's single\n"
        "  spacing), the text 15-195 mm across (Notify's printable width) and down to 286 mm, the footer\n"
        "  inside the 5 mm bottom limit, so every acknowledgement, extension, holding and withdrawal\n"
        "  letter of the examples fits one page, in both formats. Large print (16pt, line height 1.4)\n"
        "  keeps a 30 mm foot for its footer's two lines.\n"
        "- **No break inside** a date, postcode or telephone number (non-breaking spaces), nor inside an\n"
        "  email or web address: in the body an address stays on one line; in the narrow letterhead one\n"
        "  too long for its line wraps only after `@`, `.` or `/` (zero-width spaces the context puts in,\n"
        "  `letters/context.py` `keep_together`; its hyphens are non-breaking: a no-wrap span in the PDF,\n"
        "  `w:noBreakHyphen` in Word). The actions table's date column fits \"30 November 2026\" at 16pt.\n"
        "- **Keeps**: a heading, and a finding's heading (the point it answers), stay with what follows;\n"
        "  the paragraph before \"Yours sincerely\" keeps with the signature block, and the offer of other\n"
        "  formats follows it one line below, so neither stands alone on a page. The offer gives no\n"
        "  contact the signature has just given: \"Please ask Joanne Price, whose contact details are\n"
        "  above.\" (or \"our Complaints Team\"); only where the signature gives no email or telephone does\n"
        "  it say how to reach them.\n"
        "- **Word is the PDF**: the same measures, the Ombudsman's details in the same bordered box, the\n"
        "  same table padding; the .docx's created and modified dates are the letter's date.\n"
        "  `bench/pages_bench.py` counts the letters of the examples and specimens whose page counts\n"
        "  agree (Word counted through LibreOffice, all files in one run).\n"
        "- **Every script prints**: after Liberation Sans, Debian's Noto fonts (Naskh Arabic for Urdu and\n"
        "  Arabic, Sans Bengali, Gurmukhi, Gujarati, CJK SC) in the PDF; in Word the complex-script font\n"
        "  is Noto Naskh Arabic and the East Asian one Noto Sans CJK SC, LibreOffice falling back to the\n"
        "  other Noto fonts. Text in Bengali or Gurmukhi copied out of a PDF may come back with vowel\n"
        "  signs out of order (the PDF records glyphs as drawn); it prints correctly.\n\n",
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


# =========================================================================== rules

# What each key of a rules file is for, in words; what it accepts and whether it may be left out come
# from the code that validates it (correspondence/engine/rules.py). "stageN" stands for every stage.
KEY_WORDS: dict[str, str] = {
    "council.team": "The complaints team's name, printed in every letter.",
    "council.address": "The team's postal address, one line per item, postcode last.",
    "council.phone": "The team's telephone number.",
    "council.email": "The team's email address.",
    "council.web": "The team's web page.",
    "council.interpreting_phone": "A number for interpreting, where the policy gives one.",
    "calendar.closure_days": "Dates (`2026-12-29`, unquoted) on which the council is closed: they are not working days.",
    "procedure.stages": "How many stages; the last stage's outcome is the final response.",
    "stageN.acknowledgement": "When the stage's acknowledgement is due.",
    "stageN.response": "When the stage's response (its outcome letter) is due.",
    "stageN.extension_limit": "How far an extension may go; `none = true`: no limit, so an extension must give its `new_due`.",
    "stageN.escalation_window": "How long the complainant has to ask for the next stage; `none = true` for no window.",
    "stageN.escalation_refusal": "When a refusal to escalate to this stage is due.",
    "stageN.response_after_panel": "A stage whose response runs from a review panel once it has met (Warwickshire's children's stage 3).",
    "stageN.extensions": "`false` for a stage whose timescales cannot be extended (set by statute).",
    "limits.time_limit": "How long after first knowing of the matter a complaint may be made, or `none = true`.",
    "limits.time_limit_words": "The time limit in the policy's own words, as the not-accepted letter states it (\"within 12 months of the disputed occurrence or incident\"); without it the letter gives it in months.",
    "ombudsman.body": "Which Ombudsman the letters name.",
    "ombudsman.in_extension": "Whether an extension letter gives the Ombudsman's details: `always`, `past-limit` (only for an extension beyond the limit) or `never`.",
    "ombudsman.in_stage_outcome": "`true` where the policy makes the Ombudsman's details mandatory in the outcome of a stage that is not the last.",
    "ombudsman.in_final_outcome": "`true` where the policy makes them mandatory in the final outcome.",
    "ombudsman.in_escalation_refusal": "`true` where the policy makes them mandatory in a refusal to escalate.",
    "ombudsman.in_not_accepted": "`true` where the policy makes them mandatory in a not-accepted letter.",
    "ombudsman.in_restriction_notice": "`true` where the policy makes them mandatory in a restriction notice.",
    "council.behaviour_policy": "The council's policy on unreasonable behaviour, for the letters that refer to it: the name of a file in the rules folder (copied beside the letter in the outbox as `<stem>.enclosure.pdf`, and named in the manifest's `enclosures`), or a web address (the letter gives it instead of \"enclosed\"), or `\"\"` for neither.",
    "council.logo": "The council's logo, drawn in the letterhead on page 1 of every letter, in both formats: a PNG or JPEG file (at most 2 MB) in the rules folder or a folder under it, such as `logos/luton.png` (no `..`, no absolute path, no link leading out of the folder), scaled to fit 110 x 23 mm with its aspect kept, at the top left of GOV.UK Notify's logo area (15-125 mm across, 5-30 mm down); `rules validate` refuses a file it cannot use, naming it. None of the bundled councils names one.",
    "representatives.consent_exempt": "Relationships whose letters need no written consent.",
    "restrictions.notice": "When a restriction notice is due after the decision.",
    "restrictions.review": "When a restriction is reviewed.",
    "restrictions.challenge": "The words telling the complainant how to challenge a restriction (in the notice and in a review that keeps or changes the restrictions).",
    "restrictions.appeal_to": "Who an appeal against a restriction is written to, where the council has its own appeal (Luton: \"the Head of Policy and Performance\"); the letter gives the council's postal address with it.",
    "restrictions.policy_enclosed_with": "The letters the policy says must send the behaviour policy. With neither a file nor a web address, such a letter still says the policy is enclosed, lists it under \"Enclosure\", and its manifest's `actions_needed` says \"Enclose a copy of the policy\".",
    "notices.consent_request": "When a consent request is due.",
    "notices.not_accepted": "When a not-accepted letter is due.",
    "notices.withdrawal_confirmation": "When a withdrawal confirmation is due.",
    "notices.holding": "When a holding letter is due.",
    "notices.discontinuation": "When a discontinuation letter is due.",
    "notices.behaviour_warning": "When a behaviour warning is due.",
    "notices.restriction_review": "When the letter after a restriction review is due.",
    "deemed_receipt.*": "When a letter sent that way counts as received (for clocks that run from receipt).",
    "sign_off.letters": ("The letter kinds a manager signs off before they go: each is drafted and held until then "
                         "([sign-off.md](sign-off.md)). `code-2024.toml` holds the service default, cited "
                         "\"service default (sign-off)\"; a council lists it under `inherited` or sets its own, which "
                         "may cite \"council practice, <who decided>, <date>\" (a citation valid for this key only)."),
}


def _generic_key(key: str) -> str:
    """"stage2.response" -> "stageN.response"; "deemed_receipt.email" -> "deemed_receipt.*"."""
    if key.startswith("deemed_receipt."):
        return "deemed_receipt.*"
    return re.sub(r"^stage\d+\.", "stageN.", key)


def _accepted(spec: dict) -> str:
    """What a key accepts, in the forms a rules file writes (each with its ``cite``)."""
    kind = spec["type"]
    if kind == "clock":
        anchors = " or ".join(f'"{a}"' for a in spec["anchors"])
        forms = [f"`{{ {unit} = N, from = {anchors} }}`" for unit in spec["units"]]
        if spec["none"]:
            forms.append("`{ none = true }`")
        if spec["same_as"]:
            forms.append('`{ same_as = "acknowledgement" }` (another clock of the stage)')
        if spec["wd_of"]:
            forms.append(f'`{{ wd_of = "stage1.acknowledgement", from = {anchors} }}` (as many working days as that clock)')
        return ", ".join(forms)
    words = {
        "text": "text, not empty" if spec.get("nonempty") else "text (`\"\"` where the policy gives none)",
        "lines": "a list of lines (`[]` where the policy gives none)",
        "dates": "a list of dates",
        "int": f"a whole number from {spec.get('min')} to {spec.get('max')}",
        "bool": "`true` or `false`",
        "choice": "one of " + ", ".join(f"`{c}`" for c in spec.get("choices", ())),
        "choices": "a list drawn from " + ", ".join(f"`{c}`" for c in spec.get("choices", ())),
    }[kind]
    return f"`{{ value = ... }}`: {words}"


def _when_set(default: Any) -> str:
    from correspondence.engine.rules import Clock

    if isinstance(default, Clock):
        return "no such clock" if default.kind == "none" else default.describe()
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    return "empty" if default in ("", [], ()) else f"`{default}`"


def _stages_words(suffix: str) -> str:
    """Which stages a stage key belongs to, from the key specs of procedures of 1 to 5 stages."""
    from correspondence.engine.rules import MAX_STAGES, _key_specs

    every = but_last = but_first = True
    for stages in range(1, MAX_STAGES + 1):
        specs = _key_specs(stages)
        for n in range(1, stages + 1):
            there = f"stage{n}.{suffix}" in specs
            every &= there
            but_last &= there == (n < stages)
            but_first &= there == (n > 1)
    return "every stage" if every else "every stage but the last" if but_last else \
        "every stage but the first" if but_first else "some stages"


def rules_keys_table() -> str:
    """Every key of a council's rules file: the forms it accepts, whether it may be left out, what it is."""
    from correspondence.engine.rules import ALL_KEYS

    rows, seen = [], set()
    for key, spec in ALL_KEYS.items():
        generic = _generic_key(key)
        if generic in seen:
            continue
        seen.add(generic)
        table, _, name = generic.partition(".")
        if table == "stageN":
            first, later = ALL_KEYS.get(f"stage1.{name}"), ALL_KEYS.get(f"stage2.{name}")
            accepted = _accepted(spec) if (first is None or later is None or _accepted(first) == _accepted(later)) \
                else f"stage 1: {_accepted(first)}; later stages: {_accepted(later)}"
            where = f" ({_stages_words(name)})"
        else:
            accepted, where = _accepted(spec), ""
        if generic == "deemed_receipt.*":
            from correspondence.engine.rules import DELIVERY_METHODS
            name = ", ".join(f"`{m}`" for m in DELIVERY_METHODS)
        else:
            name = f"`{name}`"
        needed = f"optional; left out: {_when_set(spec['default'])}" if spec.get("optional") else "required"
        words = KEY_WORDS.get(generic)
        if words is None:
            raise KeyError(f"{generic}: a rules key with no words in KEY_WORDS (correspondence/maintainer/docs_build.py)")
        rows.append((f"`[{table}]`", name + where, accepted, needed, words))
    order = ["`[council]`", "`[calendar]`", "`[procedure]`", "`[stageN]`"]
    rows.sort(key=lambda row: order.index(row[0]) if row[0] in order else len(order))  # stable: the code's order
    return _table(rows, ("table", "key", "accepts", "needed", "what it is"))


def councils_table() -> str:
    """The councils of ``rules/``: each file's id, the council, the policy it encodes, its procedures."""
    from correspondence.engine.rules import load_rulebook

    book = load_rulebook(RULES_DIR, strict=False)[0]
    rows = [(f"`{c}`", book.files[c].policy.described(book.files[c].name), ", ".join(f"`{p}`" for p in book.procedures(c)))
            for c in book.councils]
    return _table(rows, ("`council`", "the policy it encodes", "procedures"))


OMBUDSMAN_ROWS = (
    ("extension", "ombudsman.in_extension"),
    ("stage outcome, not final", "ombudsman.in_stage_outcome"),
    ("final outcome", "ombudsman.in_final_outcome"),
    ("escalation refusal", "ombudsman.in_escalation_refusal"),
    ("not accepted", "ombudsman.in_not_accepted"),
    ("restriction notice", "ombudsman.in_restriction_notice"),
)


def ombudsman_table() -> str:
    """Where each council's policy makes the Ombudsman's details mandatory (its corporate procedure)."""
    from correspondence.engine.rules import load_rulebook

    book = load_rulebook(RULES_DIR, strict=False)[0]
    words = {True: "yes", False: "no", "always": "always", "past-limit": "past the limit", "never": "never"}
    policies = [book.policy_for(c) for c in book.councils]
    rows = [(letter, *(words[p.value(key)] for p in policies)) for letter, key in OMBUDSMAN_ROWS]
    return _table(rows, ("letter", *(f"`{c}`" for c in book.councils)))


RULES_SECTIONS: dict[str, Callable[[], str]] = {
    "councils": councils_table,
    "keys": rules_keys_table,
    "ombudsman": ombudsman_table,
}


def _filled(text: str, sections: dict[str, Callable[[], str]], source: str) -> str:
    """``text`` with each marked section replaced by what its function gives now."""
    for name, make in sections.items():
        begin = f"<!-- generated: {name}, from {source} by `{COMMAND}`; edit the source, not this -->\n"
        end = f"<!-- end of generated: {name} -->"
        start, stop = text.find(begin), text.find(end)
        if start < 0 or stop < start:
            raise ValueError(f"docs/rules.md: the markers of the generated section {name!r} are missing: {begin.strip()}")
        text = text[:start + len(begin)] + "\n" + make() + "\n" + text[stop:]
    return text


def rules_page() -> str:
    """docs/rules.md as written by hand, with its tables of councils, keys and Ombudsman details generated."""
    return _filled(RULES_PAGE.read_text(encoding="utf-8"), RULES_SECTIONS, "rules/ and correspondence/engine/rules.py")


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
    "rules.md": rules_page,
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
