"""Case records in the ``complaint-case/1`` format (docs/record-format.md).

:func:`load_case` reads one JSON file and returns a :class:`Case`, or raises
:class:`CaseError` whose ``problems`` are plain sentences naming the file, the field path and
what was expected. A record is checked against the JSON Schema shipped in
``correspondence/engine/schema/`` and then against the rules (known council and procedure).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from correspondence.common.errors import CorrespondenceError

if TYPE_CHECKING:  # jsonschema is imported when a record is first validated, not before
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

from correspondence.common import safe_json
from correspondence.common.safe_json import BadNumber, path_text
from correspondence.common.wording import british

FORMAT = "complaint-case/1"
MAX_RECORD_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS = 20    # sentences listed for one record; the rest are counted
COUNT_LIMIT = 1000   # beyond this many more, counting stops ("more than 1,000 more")
CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # matched in full
# Names the outbox (or a share it sits on) uses for itself: a case folder may not take them.
RESERVED_CASE_ID = re.compile(r"(ledger|users)\.sqlite3.*|failed|reports?|journal|locks?|tmp|cases|inbox|outbox"
                              r"|(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)
# Trigger names the engine gives letters that answer no event: an event id may not take one.
RESERVED_EVENT_IDS = ("complaint",)


class CaseError(CorrespondenceError):
    """A record that cannot be used; ``problems`` holds one sentence each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    date: date
    index: int  # position in the record's events list
    data: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def date_field(self, key: str) -> date | None:
        value = self.data.get(key)
        return date.fromisoformat(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Case:
    """A validated record. ``raw`` is the record as read (for the letter templates)."""

    case_id: str
    council: str
    procedure: str
    housing_tenancy: bool
    cse: bool
    received: date
    first_aware: date | None
    events: tuple[Event, ...]
    raw: Mapping[str, Any]
    source: str = ""

    @property
    def complainant(self) -> Mapping[str, Any]:
        return self.raw["complainant"]

    @property
    def representative(self) -> Mapping[str, Any] | None:
        return self.raw.get("representative")

    @property
    def organisation(self) -> Mapping[str, Any] | None:
        """Who writes the letters, where the record says (overrides the rules' ``[council]``)."""
        return self.raw.get("organisation")

    @property
    def anonymous(self) -> bool:
        c = self.complainant
        return not c.get("given_name") and not c.get("family_name")

    def events_of(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]


# --------------------------------------------------------------------------- schema

@lru_cache(maxsize=1)
def schema() -> dict:
    text = resources.files("correspondence.engine").joinpath("schema/complaint-case-1.schema.json").read_text("utf-8")
    return json.loads(text)


def _strict_integer(checker: Any, instance: Any) -> bool:
    """6.0 is not a whole number here: the engine counts with it, so it must be an int."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern:
    """A schema pattern with JSON Schema's (ECMA-262) meaning of a final ``$``: the very end.

    Python's ``$`` also matches before a final newline, which would let "NL-1\\n" pass as an id.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError
    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield ValidationError(f"does not match {pattern!r}")


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator, FormatChecker, validators
    cls = validators.extend(Draft202012Validator, validators={"pattern": _pattern},
                            type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer))
    return cls(schema(), format_checker=FormatChecker())


@lru_cache(maxsize=1)
def _fast_validator() -> Any:
    """The same schema compiled by jsonschema-rs (a validator in Rust: it imports and checks in
    a fraction of jsonschema's time), or None where it is not installed."""
    try:
        import jsonschema_rs
        return jsonschema_rs.validator_for(schema(), validate_formats=True, formats={"date": _is_date})
    except Exception:  # not installed, or a version that cannot read the schema: jsonschema alone
        return None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(value: str) -> bool:
    """``format: date`` as jsonschema reads it (Python's calendar: years 1 to 9999), for the fast
    validator too: left to itself, jsonschema-rs takes 0000-01-01 for a date."""
    try:
        return bool(_ISO_DATE.fullmatch(value) and date.fromisoformat(value))
    except ValueError:
        return False


_INT64 = range(-(2 ** 63), 2 ** 63)
# Characters the two read differently in a pattern's \s (the email pattern): Python's takes
# U+001C to U+001F and U+0085 for spaces, ECMAScript's (jsonschema-rs) takes U+FEFF instead.
_READ_DIFFERENTLY = re.compile("[\x1c-\x1f\x85\ufeff]")


def _plain(value: Any) -> bool:
    """Only what both validators read alike: text (without a character their patterns read
    differently), whole numbers within 64 bits, true, false, null, lists and objects. (A float is
    left to jsonschema: here 6.0 is not a whole number.)"""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if item not in _INT64:
                return False
        elif kind is str:
            if _READ_DIFFERENTLY.search(item):
                return False
        elif not (kind is bool or item is None):
            return False
    return True


def surely_valid(record: Any) -> bool:
    """True when jsonschema-rs finds ``record`` valid (and it holds nothing the two validators
    read differently). A record it doubts goes to jsonschema, which decides and words the
    problems; ``tests/test_case_schema_fast.py`` holds the two to the same verdicts."""
    fast = _fast_validator()
    if fast is None or not _plain(record):
        return False
    try:
        return bool(fast.is_valid(record))
    except Exception:
        return False


def _path(parts: Iterable[Any]) -> str:
    return path_text(tuple(parts))


_ID_WORDS = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
_PATTERN_WORDS = {
    "case_id": _ID_WORDS,
    "id": _ID_WORDS,
    "trigger": "an event id (" + _ID_WORDS + ") or complaint",
    "council": "a rules id in lower case, such as telford-wrekin",
    "procedure": "a procedure name in lower case, such as corporate",
    "email": "an email address",
    "format_needs": "large-print, easy-read, braille, audio or language:<code> (such as language:pl)",
}

_DATE_LIKE = re.compile(r"[0-9]{1,4}[-/. ][0-9]{1,2}[-/. ][0-9]{1,4}|complaint-case/[0-9]{1,3}")


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every word the format itself defines (enum and const values): quoting one reveals nothing."""
    words: set[str] = {"large-print", "easy-read", "braille", "audio", "true", "false", "yes", "no", "null"}
    stack: list[Any] = [schema()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "enum":
                    words.update(v for v in value if isinstance(v, str))
                elif key == "const" and isinstance(value, str):
                    words.add(value)
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(words)


_CODE_WORD = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)+")


def _got(value: Any, known: Iterable[str] = (), near: Iterable[str] = ()) -> str:
    """What a field held, quoted only when it cannot be personal: a word of the format (or a
    lower-case snake- or kebab-case near miss of one of ``near``, such as "leter_issued"), a date,
    a small number.

    Anything else is named by its kind: the record's own text (names, addresses, emails, phone
    numbers, complaint text) never reaches a log or a report.
    """
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, BadNumber):
        return repr(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10000 else "a number"
    if isinstance(value, float):
        text = repr(value)
        return text if len(text) <= 8 else "a number"
    if isinstance(value, str):
        if value.strip() == "" or value in _vocabulary() or value in known or _DATE_LIKE.fullmatch(value):
            return json.dumps(value)
        if near and _CODE_WORD.fullmatch(value) and difflib.get_close_matches(value, list(near), n=1, cutoff=0.75):
            return json.dumps(value)
        return "text (not quoted: it may be personal)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _unknown_keys(error: ValidationError) -> list[str]:
    """The keys of an object that its schema (for an event: its type's fields) does not know."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
    if error.validator == "unevaluatedProperties":
        for branch in error.schema.get("allOf", []):
            if branch["if"]["properties"]["type"]["const"] == instance.get("type"):
                known |= set(branch["then"]["properties"])
    return sorted(k for k in instance if k not in known)


def _did_you_mean(error: ValidationError) -> str:
    """" (did you mean letter_issued?)" for a near miss of one of an enum's values."""
    if not isinstance(error.instance, str):
        return ""
    close = difflib.get_close_matches(error.instance.lower(), [str(c) for c in error.validator_value], n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _sentence(source: str, error: ValidationError) -> str:
    parts = list(error.absolute_path)
    path = _path(parts)
    field = next((p for p in reversed(parts) if isinstance(p, str)), "")
    v = error.validator
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        if not parts and missing == "organisation":
            return (f"{source}: field organisation is missing; it is required when council is code-2024 "
                    "(the Code names no council, so the record must say who writes the letters).")
        if parts == ["organisation"] and missing in ("address", "phone"):
            return (f"{source}: field organisation.{missing} is missing; it is required when council is code-2024 "
                    "(the Code names no council, so the record gives the complaints team's postal address "
                    "and telephone for the letterhead).")
        return f"{source}: field {_path(parts + [missing])} is missing; it is required."
    if v in ("additionalProperties", "unevaluatedProperties"):
        unknown = _unknown_keys(error)
        if not unknown:
            return ""
        return f"{source}: field {_path(parts + [unknown[0]])} is not part of {FORMAT}; check the spelling (unknown keys are refused)."
    if v == "const":
        return f"{source}: field {path}: expected {_got(error.validator_value)}, got {_got(error.instance)}."
    if v == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        if field == "type" and parts[:1] == ["events"]:
            given = _got(error.instance, near=[str(c) for c in error.validator_value])
            given = given if given.startswith('"') else "the text given"
            return f"{source}: field {path}: {given} is not an event type{_did_you_mean(error)}; expected one of {choices}."
        return (f"{source}: field {path}: expected one of {choices}; "
                f"got {_got(error.instance, near=[str(c) for c in error.validator_value])}{_did_you_mean(error)}.")
    if v == "type":
        kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = {"string": "text", "integer": "a whole number", "boolean": "true or false", "array": "a list",
                 "object": "an object", "null": "null", "number": "a number"}
        return f"{source}: field {path}: expected {' or '.join(words.get(k, k) for k in kinds)}; got {_got(error.instance)}."
    if v == "pattern":
        if error.validator_value.startswith("^[0-9]{4}"):
            return f"{source}: field {path}: expected a date written YYYY-MM-DD; got {_got(error.instance)}."
        return f"{source}: field {path}: expected {_PATTERN_WORDS.get(field, 'text matching ' + error.validator_value)}; got {_got(error.instance)}."
    if v == "format":
        return f"{source}: field {path}: expected a real calendar date (YYYY-MM-DD); got {_got(error.instance)}."
    if v in ("minLength", "maxLength"):
        limit = error.validator_value
        what = "at least" if v == "minLength" else "at most"
        return f"{source}: field {path}: expected {what} {limit} character{'s' if limit != 1 else ''}."
    if v in ("minItems", "maxItems"):
        limit = error.validator_value
        what = "at least" if v == "minItems" else "at most"
        return f"{source}: field {path}: expected a list of {what} {limit} item{'s' if limit != 1 else ''}."
    if v in ("minimum", "maximum"):
        what = "at least" if v == "minimum" else "at most"
        return f"{source}: field {path}: expected a number {what} {error.validator_value}; got {_got(error.instance)}."
    if v == "uniqueItems":
        return f"{source}: field {path}: expected each item once; the list repeats one."
    if v == "not" and field == "id":
        return f"{source}: field {path}: expected an id other than {', '.join(RESERVED_EVENT_IDS)} (kept for the complaint itself)."
    if v == "anyOf" and field == "officer":
        return f"{source}: field {path}: expected at least one of {path}.email or {path}.phone."
    if v == "oneOf" and field == "written_consent":
        return f"{source}: field {path}: expected a date written YYYY-MM-DD, or null; got {_got(error.instance)}."
    if v == "oneOf" and field == "learning":
        return f"{source}: field {path}: expected text or a list of text."
    # Never error.message: it quotes the value.
    return f"{source}: field {path}: does not meet the format's '{v}' rule for this field; got {_got(error.instance)}."


def _order(error: ValidationError) -> tuple:
    # Report a wrong event type before the unknown fields it causes.
    rank = 0 if error.validator in ("enum", "const", "type", "required") else 1
    return (tuple(str(p) for p in error.absolute_path), rank)


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        if error.validator in ("allOf", "then") and error.context:
            yield from _leaves(error.context)
        else:
            yield error


_ABOUT_A_CHILD = ("required", "additionalProperties", "unevaluatedProperties")


def _schema_sentences(source: str, record: Any, skip: set[tuple], wanted: int) -> tuple[list[tuple[tuple, str]], int, bool]:
    """The first ``wanted`` sentences (with sort keys), how many more were found, and whether counting stopped early.

    Errors are drawn lazily, so a record of 50,000 wrong items costs only what the first
    ``wanted`` and a bounded count of the rest cost.
    """
    if not skip and surely_valid(record):  # the common case, without importing jsonschema
        return [], 0, False
    said: set = set(skip)  # one sentence per field: its first problem says what to fix
    shown: list[tuple[tuple, str]] = []
    more = 0
    unknown_type: set[tuple] = set()  # an event of an unknown type has no known fields: say only the type is wrong
    for error in _leaves(_validator().iter_errors(record)):
        where = tuple(error.absolute_path)
        about_a_child = error.validator in _ABOUT_A_CHILD
        if not about_a_child and where in said:
            continue
        if error.validator == "enum" and where[:1] == ("events",) and where[-1:] == ("type",):
            unknown_type.add(where[:-1])
        elif error.validator in ("additionalProperties", "unevaluatedProperties") and where in unknown_type:
            continue
        s = _sentence(source, error)
        if not s or s in said:
            continue
        said.add(s if about_a_child else where)
        if len(shown) < wanted:
            shown.append((_order(error), s))
        else:
            more += 1
            if more >= COUNT_LIMIT:
                return shown, more, True
    return shown, more, False


def schema_problems(source: str, record: Any) -> list[str]:
    """Sentences for what is wrong in ``record`` (value checks, then the schema): the first
    MAX_PROBLEMS, then one saying how many more there are. Empty if the record matches the format.
    """
    checked, too_long = safe_json.value_problems(record, schema(), COUNT_LIMIT + MAX_PROBLEMS)
    subject = safe_json.trimmed(record, too_long) if too_long else record
    found = [((tuple(str(p) for p in where), 0), f"{source}: field {_path(where)}: {text}") for where, text in checked]
    shown = found[:MAX_PROBLEMS]
    more = len(found) - len(shown)
    stopped = len(checked) >= COUNT_LIMIT + MAX_PROBLEMS
    if not stopped:
        from_schema, more_schema, stopped = _schema_sentences(
            source, subject, {tuple(where) for where, _ in checked}, max(0, MAX_PROBLEMS - len(shown)))
        shown += from_schema
        more += more_schema
    sentences = [s for _, s in sorted(shown, key=lambda item: item[0])]
    if more:
        unchecked = " (items past a list's limit are not checked)" if too_long else ""
        count = f"more than {more:,}" if stopped else f"{more:,}"
        sentences.append(f"{source}: and {count} more problem{'s' if more != 1 else ''}{unchecked}; "
                         f"only the first {MAX_PROBLEMS} are listed.")
    return sentences


# --------------------------------------------------------------------------- reading

def display_name(name: str) -> str:
    """A file name as it may be printed: bytes that are not UTF-8 and characters that are not
    printable (a newline, ESC, a direction override) shown as escapes, so a name cannot forge a line."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def parse_record(data: bytes, source: str) -> Any:
    """Bytes to JSON, refusing what JSON parsers differ on (duplicate keys, NaN) and what would
    exhaust the parser (nesting deeper than 32, numbers longer than 15 digits become markers)."""
    shown = display_name(source)
    if len(data) > MAX_RECORD_BYTES:
        raise CaseError(source, [f"{shown}: the record is larger than 5 MB; expected one case of at most 5 MB."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(source, [f"{shown}: is not UTF-8 text (byte {exc.start}); expected a UTF-8 JSON record."]) from None
    try:
        return safe_json.loads(text)
    except safe_json.Unreadable as exc:
        raise CaseError(source, [f"{shown}: {exc.args[0]}"]) from None


def _blank_text(value: Any, parts: tuple = ()) -> Iterable[tuple]:
    """Field paths of text that is empty or white space only (``extra`` objects are the council's own)."""
    if isinstance(value, str):
        if not value.strip():
            yield parts
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "extra":
                yield from _blank_text(item, parts + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _blank_text(item, parts + (i,))


def _semantic_problems(source: str, record: Mapping[str, Any], councils: Mapping[str, list[str]] | None) -> list[str]:
    problems: list[str] = [f"{source}: field {_path(parts)}: expected some text; it is empty or white space only."
                           for parts in _blank_text(record)]
    if RESERVED_CASE_ID.fullmatch(record["case_id"]):
        problems.append(f"{source}: field case_id: expected an id that is not a name the outbox uses for itself "
                        f"(such as ledger.sqlite3, failed or reports); got {_got(record['case_id'], [record['case_id']])}.")
    council = record["council"]
    if councils is not None:
        if council not in councils:
            problems.append(f"{source}: field council: expected one of {', '.join(sorted(councils))}; got {_got(council)}.")
        else:
            procedure = record.get("procedure", "corporate")
            known = councils[council]
            if procedure not in known:
                problems.append(f"{source}: field procedure: expected {' or '.join(known)} for {council}; got {_got(procedure, [p for ps in councils.values() for p in ps])}.")
    complainant = record["complainant"]
    named = [k for k in ("given_name", "family_name") if complainant.get(k)]
    if named and not (complainant.get("address") or complainant.get("email")):
        problems.append(f"{source}: field complainant: expected an address or an email (only an anonymous complaint "
                        f"may have neither); got neither.")
    if complainant.get("preferred_contact") == "email" and not complainant.get("email") and named:
        problems.append(f"{source}: field complainant.email: expected an email address, as preferred_contact is "
                        f"email; got none.")
    complaint = record["complaint"]
    received = date.fromisoformat(complaint["received"])
    if complaint.get("first_aware") and date.fromisoformat(complaint["first_aware"]) > received:
        problems.append(f"{source}: field complaint.first_aware: expected a date on or before complaint.received "
                        f"({british(received)}); got {british(date.fromisoformat(complaint['first_aware']))}.")
    seen: dict[str, int] = {}
    for i, event in enumerate(record["events"]):
        if event["id"] in seen:
            problems.append(f"{source}: field events[{i}].id: expected a unique id; got \"{event['id']}\", "
                            f"the id of events[{seen[event['id']]}] too.")
        elif event["id"].lower() in RESERVED_EVENT_IDS:
            problems.append(f"{source}: field events[{i}].id: expected an id other than {', '.join(RESERVED_EVENT_IDS)} "
                            "in any mix of capitals (kept for the complaint itself).")
        seen.setdefault(event["id"], i)
        if date.fromisoformat(event["date"]) < received:
            problems.append(f"{source}: field events[{i}].date: expected a date on or after complaint.received "
                            f"({british(received)}); got {british(date.fromisoformat(event['date']))}.")
    return problems


def case_from_record(record: Any, source: str, councils: Mapping[str, list[str]] | None = None, *,
                     schema_checked: bool = False) -> Case:
    """Validate a parsed record. ``councils`` maps each known rules id to its procedures.

    ``schema_checked``: the record was checked against the schema when it was stored (a case
    store snapshot read in bulk, for a report, or one whose stamp proves it, ``store.load_stored``);
    only the checks beyond the schema run again.
    """
    shown = display_name(source)
    if not isinstance(record, dict):
        raise CaseError(source, [f"{shown}: expected one JSON object (a {FORMAT} record); got {_got(record)}."])
    council = record.get("council")
    unknown_council = []
    if councils is not None and isinstance(council, str) and council not in councils:
        unknown_council.append(f"{shown}: field council: expected one of {', '.join(sorted(councils))}; got {_got(council)}.")
    problems = [] if schema_checked else schema_problems(shown, record)
    if problems:
        raise CaseError(source, unknown_council + problems)
    problems = _semantic_problems(shown, record, councils)
    if problems:
        more = len(problems) - MAX_PROBLEMS
        if more > 0:
            problems = problems[:MAX_PROBLEMS] + [
                f"{shown}: and {more:,} more problem{'s' if more != 1 else ''}; only the first {MAX_PROBLEMS} are listed."]
        raise CaseError(source, problems)
    events = tuple(
        Event(e["id"], e["type"], date.fromisoformat(e["date"]), i,
              {k: v for k, v in e.items() if k not in ("id", "type", "date")})
        for i, e in enumerate(record["events"])
    )
    complaint = record["complaint"]
    return Case(
        case_id=record["case_id"],
        council=record["council"],
        procedure=record.get("procedure", "corporate"),
        housing_tenancy=record.get("housing_tenancy", False),
        cse=record.get("cse", False),
        received=date.fromisoformat(complaint["received"]),
        first_aware=date.fromisoformat(complaint["first_aware"]) if complaint.get("first_aware") else None,
        events=events,
        raw=record,
        source=source,
    )


def read_record_bytes(path: Path | str) -> bytes:
    """A record file's bytes; one over 5 MB is refused unread."""
    path = Path(path)
    source = display_name(str(path))
    try:
        if path.is_dir():
            raise CaseError(source, [f"{source}: is a folder; expected a {FORMAT} JSON record file."])
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise CaseError(source, [f"{source}: the record is larger than 5 MB; expected one case of at most 5 MB."])
        return path.read_bytes()
    except FileNotFoundError:
        raise CaseError(source, [f"{source}: no such file; expected a {FORMAT} JSON record."]) from None
    except OSError as exc:
        raise CaseError(source, [f"{source}: cannot be read ({exc.strerror})."]) from None


def load_case(path: Path | str, councils: Mapping[str, list[str]] | None = None) -> Case:
    """Read and validate one record file."""
    return case_from_record(parse_record(read_record_bytes(path), str(path)), str(path), councils)


def safe_case_id(value: str) -> bool:
    """True if ``value`` may be used as a case id (and so as a folder name in the outbox)."""
    return bool(CASE_ID.fullmatch(value)) and not RESERVED_CASE_ID.fullmatch(value)
