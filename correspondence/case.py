"""Case records in the ``complaint-case/1`` format (docs/record-format.md).

:func:`load_case` reads one JSON file and returns a :class:`Case`, or raises
:class:`CaseError` whose ``problems`` are plain sentences naming the file, the field path and
what was expected. A record is checked against the JSON Schema shipped in
``correspondence/schema/`` and then against the rules (known council and procedure).
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
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:  # jsonschema is imported when a record is first validated, not before
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

FORMAT = "complaint-case/1"
MAX_RECORD_BYTES = 5 * 1024 * 1024
CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class CaseError(Exception):
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
    text = resources.files("correspondence").joinpath("schema/complaint-case-1.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator, FormatChecker
    return Draft202012Validator(schema(), format_checker=FormatChecker())


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the record)"


_PATTERN_WORDS = {
    "case_id": "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    "council": "a rules id in lower case, such as telford-wrekin",
    "procedure": "a procedure name in lower case, such as corporate",
    "email": "an email address",
    "format_needs": "large-print, easy-read, braille, audio or language:<code> (such as language:pl)",
}


def _got(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


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
            return f"{source}: field {path}: {_got(error.instance)} is not an event type{_did_you_mean(error)}; expected one of {choices}."
        return f"{source}: field {path}: expected one of {choices}; got {_got(error.instance)}{_did_you_mean(error)}."
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
    if v == "anyOf" and path == "officer":
        return f"{source}: field officer: expected at least one of officer.email or officer.phone."
    if v == "oneOf" and field == "written_consent":
        return f"{source}: field {path}: expected a date written YYYY-MM-DD, or null; got {_got(error.instance)}."
    if v == "oneOf" and field == "learning":
        return f"{source}: field {path}: expected text or a list of text."
    return f"{source}: field {path}: {error.message}."


def _order(error: ValidationError) -> tuple:
    # Report a wrong event type before the unknown fields it causes.
    rank = 0 if error.validator in ("enum", "const", "type", "required") else 1
    return (tuple(str(p) for p in error.absolute_path), rank)


def _leaves(errors: Iterable[ValidationError]) -> list[ValidationError]:
    out = []
    for error in errors:
        if error.validator in ("allOf", "then") and error.context:
            out.extend(_leaves(error.context))
        else:
            out.append(error)
    return out


def schema_problems(source: str, record: Any) -> list[str]:
    errors = sorted(_leaves(_validator().iter_errors(record)), key=_order)
    badly_written = {tuple(e.absolute_path) for e in errors if e.validator == "pattern"}
    # An event of an unknown type has no known fields: say the type is wrong, not that each field is unknown.
    unknown_type = {tuple(e.absolute_path)[:-1] for e in errors
                    if e.validator == "enum" and list(e.absolute_path)[:1] == ["events"] and list(e.absolute_path)[-1:] == ["type"]}
    sentences: list[str] = []
    for error in errors:
        if error.validator == "format" and tuple(error.absolute_path) in badly_written:
            continue  # "written YYYY-MM-DD" already says it
        if error.validator in ("additionalProperties", "unevaluatedProperties") and tuple(error.absolute_path) in unknown_type:
            continue
        s = _sentence(source, error)
        if s and s not in sentences:
            sentences.append(s)
    return sentences


# --------------------------------------------------------------------------- reading

def _no_duplicates(source: str):
    def hook(pairs: list[tuple[str, Any]]) -> dict:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise CaseError(source, [f"{source}: the key {key!r} appears twice in one object; each key may appear once."])
            seen[key] = value
        return seen
    return hook


def _refuse_constant(source: str):
    def hook(name: str) -> Any:
        raise CaseError(source, [f"{source}: {name} is not a valid JSON value; expected a number, text, true, false or null."])
    return hook


def parse_record(data: bytes, source: str) -> Any:
    """Bytes to JSON, refusing what JSON parsers differ on (duplicate keys, NaN)."""
    if len(data) > MAX_RECORD_BYTES:
        raise CaseError(source, [f"{source}: the record is larger than 5 MB; expected one case of at most 5 MB."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(source, [f"{source}: is not UTF-8 text (byte {exc.start}); expected a UTF-8 JSON record."]) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates(source), parse_constant=_refuse_constant(source))
    except json.JSONDecodeError as exc:
        raise CaseError(source, [f"{source}: is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); expected one JSON object."]) from None


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
    council = record["council"]
    if councils is not None:
        if council not in councils:
            problems.append(f"{source}: field council: expected one of {', '.join(sorted(councils))}; got {_got(council)}.")
        else:
            procedure = record.get("procedure", "corporate")
            known = councils[council]
            if procedure not in known:
                problems.append(f"{source}: field procedure: expected {' or '.join(known)} for {council}; got {_got(procedure)}.")
    complainant = record["complainant"]
    named = [k for k in ("given_name", "family_name") if complainant.get(k)]
    if named and not (complainant.get("address") or complainant.get("email")):
        problems.append(f"{source}: field complainant: expected an address or an email (only an anonymous complaint may have neither).")
    if complainant.get("preferred_contact") == "email" and not complainant.get("email") and named:
        problems.append(f"{source}: field complainant.email: is missing; preferred_contact is email.")
    complaint = record["complaint"]
    received = date.fromisoformat(complaint["received"])
    if complaint.get("first_aware") and date.fromisoformat(complaint["first_aware"]) > received:
        problems.append(f"{source}: field complaint.first_aware: expected a date on or before complaint.received ({received.isoformat()}).")
    seen: dict[str, int] = {}
    for i, event in enumerate(record["events"]):
        if event["id"] in seen:
            problems.append(f"{source}: field events[{i}].id: expected a unique id; {_got(event['id'])} is also events[{seen[event['id']]}].")
        seen.setdefault(event["id"], i)
        if date.fromisoformat(event["date"]) < received:
            problems.append(f"{source}: field events[{i}].date: expected a date on or after complaint.received ({received.isoformat()}); got {event['date']}.")
    return problems


def case_from_record(record: Any, source: str, councils: Mapping[str, list[str]] | None = None, *,
                     schema_checked: bool = False) -> Case:
    """Validate a parsed record. ``councils`` maps each known rules id to its procedures.

    ``schema_checked``: the record was checked against the schema when it was stored (a case
    store snapshot read in bulk, for a report, or one whose stamp proves it, ``store.load_stored``);
    only the checks beyond the schema run again.
    """
    if not isinstance(record, dict):
        raise CaseError(source, [f"{source}: expected one JSON object (a {FORMAT} record); got {type(record).__name__}."])
    problems = [] if schema_checked else schema_problems(source, record)
    if problems:
        council = record.get("council")
        if councils is not None and isinstance(council, str) and council not in councils:
            problems.append(f"{source}: field council: expected one of {', '.join(sorted(councils))}; got {_got(council)}.")
        raise CaseError(source, problems)
    problems = _semantic_problems(source, record, councils)
    if problems:
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
    source = str(path)
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
    """True if ``value`` may be used as a case id (and so as a folder name)."""
    return bool(CASE_ID.match(value))
