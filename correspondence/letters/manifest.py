"""A filed letter's manifest (``<stem>.json`` beside its files), read as a reader of the outbox must:
a file someone edited by hand, half-copied or damaged gives one plain sentence naming the file,
the field and what was expected, never a crash further on.

:func:`problem` checks the shape of every key the commands and the pages read; :func:`read`
reads a manifest file (without following a symbolic link where asked) and returns the manifest
or that sentence.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from datetime import date, datetime
from pathlib import Path
from typing import Any

MAX_BYTES = 5 * 1024 * 1024  # a manifest is a few kilobytes; a larger file is not one


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_time(value: Any) -> bool:
    if not isinstance(value, str) or not _is_date(value[:10]):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_file_name(value: Any) -> bool:
    return isinstance(value, str) and value not in ("", ".", "..") and "/" not in value and "\\" not in value \
        and "\0" not in value


def _items_problem(value: Any, key: str, what: str, fields: tuple[str, ...], optional: tuple[str, ...] = ()) -> str | None:
    if not isinstance(value, list):
        return f"'{key}' is {_kind(value)}{_shown(value)}; expected a list of {what}"
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict):
            return f"'{key}' item {n} is {_kind(item)}; expected an object with {_listed(fields)}"
        for f in fields:
            if not isinstance(item.get(f), str):
                return f"'{key}' item {n} has {'no' if f not in item else 'a non-text'} '{f}'; expected a text"
        for f in optional:
            if item.get(f) is not None and not isinstance(item.get(f), str):
                return f"'{key}' item {n} has a non-text '{f}'; expected a text"
    return None


def _listed(names: tuple[str, ...]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "something else"


# key -> (required, check, what was expected)
_KEYS: dict[str, tuple[bool, Any, str]] = {
    "case_id": (True, lambda v: isinstance(v, str) and bool(v), "the case id, as a text"),
    "letter": (True, lambda v: isinstance(v, str) and bool(v), "the letter's kind, as a text"),
    "stage": (False, lambda v: v is None or (_is_int(v) and 0 <= v <= 9), "the stage as a whole number, or null"),
    "trigger": (True, lambda v: isinstance(v, str), "the event the letter answers, as a text"),
    "letter_date": (True, _is_date, "the letter's date as YYYY-MM-DD"),
    "due": (True, _is_date, "the day the letter was due as YYYY-MM-DD"),
    "files": (True, lambda v: isinstance(v, dict),
              "an object naming each format's file beside the manifest, such as {\"pdf\": \"<stem>.pdf\"}"),
    "council": (False, lambda v: isinstance(v, str), "the council, as a text"),
    "status": (False, lambda v: v in ("draft", "issued"), "\"draft\" or \"issued\""),
    "delivery": (False, lambda v: isinstance(v, str), "\"post\" or \"email\""),
    "large_print": (False, lambda v: isinstance(v, bool), "true or false"),
    "ombudsman_required": (False, lambda v: isinstance(v, bool), "true or false"),
    "recipient": (False, lambda v: v is None or isinstance(v, dict), "an object"),
    "actions_needed": (False, _is_texts, "a list of texts"),
    "warnings": (False, _is_texts, "a list of texts"),
    "enclosures": (False, lambda v: isinstance(v, list) and all(isinstance(e, dict) for e in v), "a list of objects"),
    "copies": (False, lambda v: isinstance(v, list), "a list of the copies filed with the letter"),
    "drafted_at": (False, _is_time, "the time the draft was made, as an ISO date and time"),
    "generated_at": (False, _is_time, "the time the letter was made, as an ISO date and time"),
    "signed_off_by": (False, lambda v: isinstance(v, str), "the name of who signed it off"),
    "signed_off_at": (False, _is_time, "the time it was signed off, as an ISO date and time"),
    "text_sha256": (False, lambda v: isinstance(v, str), "a SHA-256 as hex"),
    "record_sha256": (False, lambda v: isinstance(v, str), "a SHA-256 as hex"),
    "made_with": (False, lambda v: isinstance(v, dict), "an object of file names and their SHA-256"),
    "from_record": (False, lambda v: isinstance(v, dict) and all(
        isinstance(c, dict) and all(_is_int(n) for n in c.values()) for c in v.values()),
        "an object of formats, each of texts and their counts"),
}


def problem(manifest: Any) -> str | None:
    """What is wrong with a letter's manifest, as a clause naming the field and what was expected
    (the caller puts the file's name before it); None when every key read from it is sound."""
    if not isinstance(manifest, dict):
        return f"it holds {_kind(manifest)}, not a letter's manifest; expected a JSON object"
    if str(manifest.get("format", "")).startswith("complaint-case/"):
        return "it is a case record, not a letter's manifest"
    for key, (required, check, expected) in _KEYS.items():
        if key not in manifest:
            if required:
                return f"'{key}' is missing; expected {expected}"
            continue
        value = manifest[key]
        if not check(value):
            return f"'{key}' is {_kind(value)}{_shown(value)}; expected {expected}"
    for fmt, name in manifest["files"].items():
        if not _is_file_name(name):
            return (f"'files' gives {_kind(name)}{_shown(name)} for {fmt[:20]!r}; expected the name of a file beside "
                    f"the manifest, such as \"<stem>.{fmt[:8]}\"")
    if "required_content" not in manifest:
        return "'required_content' is missing; expected a list of the items the letter must carry"
    found = _items_problem(manifest["required_content"], "required_content", "the items the letter must carry",
                           ("item", "text"), ("cite",))
    if found:
        return found
    for n, copy in enumerate(manifest.get("copies") or [], 1):  # the complainant's large-print copy
        found = _copy_problem(copy, n)
        if found:
            return found
    if "holds" in manifest:
        found = _items_problem(manifest["holds"], "holds", "why the draft is held", ("code",), ("sentence",))
        if found:
            return found
    return None


def _copy_problem(copy: Any, n: int) -> str | None:
    if not isinstance(copy, dict):
        return f"'copies' item {n} is {_kind(copy)}; expected an object with 'to', 'files' and 'required_content'"
    if not isinstance(copy.get("to"), str):
        return f"'copies' item {n} has no 'to'; expected who the copy goes to, as a text"
    files = copy.get("files")
    if not isinstance(files, dict) or not all(_is_file_name(name) for name in files.values()):
        return f"'copies' item {n} has no sound 'files'; expected an object naming each format's file beside the manifest"
    if copy.get("large_print") is not None and not isinstance(copy["large_print"], bool):
        return f"'copies' item {n} has a 'large_print' that is not true or false"
    if copy.get("delivery") is not None and not isinstance(copy["delivery"], str):
        return f"'copies' item {n} has a 'delivery' that is not a text"
    if "from_record" in copy and not _KEYS["from_record"][1](copy["from_record"]):
        return f"'copies' item {n} has a 'from_record' that is not {_KEYS['from_record'][2]}"
    return _items_problem(copy.get("required_content"), f"copies' item {n} 'required_content",
                          "the items the copy must carry", ("item", "text"), ("cite",))


def _shown(value: Any) -> str:
    if isinstance(value, str) and value and len(value) <= 40 and value.isprintable():
        return f" ({value!r})"
    return ""


def read(path: Path, *, follow: bool = True, shown: str | None = None) -> tuple[dict | None, str | None]:
    """The manifest at ``path`` and None, or None and one sentence saying what is wrong with it
    (``shown`` names the file in it; default the path). With ``follow=False`` a symbolic link is
    not opened: it reads as no file (None, None), like a file that is not there."""
    name = shown or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW))
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        if not follow and exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link, or a folder on the way that is none
            return None, None
        return None, f"{name} cannot be read ({exc.strerror or exc})."
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, f"{name} cannot be read ({exc.strerror or exc})."
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return None, f"{name} is larger than 5 MB, so it is not a letter's manifest; expected a few kilobytes of JSON."
    if not data.strip():
        return None, f"{name} is empty; expected the letter's manifest, a JSON object."
    try:
        manifest = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None, f"{name} is not UTF-8 text; expected the letter's manifest, a JSON object."
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        return None, f"{name} is not valid JSON{where}; expected the letter's manifest, a JSON object."
    found = problem(manifest)
    if found:
        return None, f"{name}: {found}."
    return manifest, None
