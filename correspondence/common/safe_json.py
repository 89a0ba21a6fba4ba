"""Reading a record's JSON safely, and the checks every value in it must pass.

What a case system sends is read as hostile: :func:`loads` checks the nesting depth of the text
*before* parsing it (so the parser never recurses deeply), turns numbers too long to be real
into :class:`BadNumber` markers (so Python's 4,300-digit limit is never reached) and refuses
duplicate keys and ``NaN``/``Infinity``. :func:`value_problems` then walks the parsed value once,
without recursion, beside the record's JSON Schema, and finds what the schema cannot say:
lists longer than their limit (so later checks see bounded work), numbers too long, lone UTF-16
surrogates and control characters in any text or key.

Problems are ``(path, text)`` pairs: ``path`` is the field path as a tuple of keys and indexes,
``text`` says what was expected and never quotes the record's own text.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from itertools import accumulate
from typing import Any, Iterator

from correspondence.common.errors import CorrespondenceError

MAX_DEPTH = 32          # lists and objects within one another; a record needs 5 or 6
MAX_DIGITS = 15         # the longest whole number a record needs is a year or a month count
MAX_NUMBER_TEXT = 40    # the longest written number accepted at all
FREE_LIST_LIMIT = 1000  # items in a list the schema does not bound (inside ``extra``)
FREE_KEYS_LIMIT = 1000  # keys in an object the schema does not bound (``extra``)

# Characters that no record text needs and that can forge lines, reorder what a reader sees or
# break a writer: C0 controls other than tab, line feed and carriage return; DEL and the C1
# controls; line and paragraph separators; bidirectional embeddings, overrides and isolates;
# noncharacters; and lone surrogates (a JSON "\ud800" escape without its pair). Letters of any
# script, emoji (with their joiners) and the right-to-left and left-to-right marks are fine.
BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e"
                            "\u2066-\u2069\ufffe\uffff\ud800-\udfff]")

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]', re.S)
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


class Unreadable(CorrespondenceError):
    """The text cannot be read as a record at all; ``args[0]`` is the sentence after the file name."""


class BadNumber:
    """A number too long to be real, kept in place of its value so its field can be named."""

    __slots__ = ("digits", "infinite")

    def __init__(self, digits: int, infinite: bool = False):
        self.digits = digits
        self.infinite = infinite

    def __repr__(self) -> str:
        return "a number too large to hold" if self.infinite else f"a number of {self.digits:,} characters"


Path = tuple  # of str keys and int indexes


def key_text(key: str) -> str:
    """A key as shown in a field path: as written if it looks like a field name, else a placeholder.

    Keys under ``extra`` are chosen by the case system and may hold anything, a name included.
    """
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,63}", key) else "(key not shown)"


def path_text(parts: Path) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{key_text(part)}" if out else key_text(part))
    return out or "(the record)"


def character_text(ch: str) -> str:
    """U+202E (right-to-left override): a character named without printing it."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        name = "half of a UTF-16 surrogate pair"
    else:
        name = unicodedata.name(ch, "").lower() or {
            0: "NUL", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "escape", 0x7F: "delete"}.get(code, "a control character")
    return f"U+{code:04X} ({name})"


# --------------------------------------------------------------------------- parsing

def _int(text: str) -> Any:
    digits = len(text.lstrip("-"))
    return BadNumber(len(text)) if digits > MAX_DIGITS else int(text)


def _float(text: str) -> Any:
    if len(text) > MAX_NUMBER_TEXT:
        return BadNumber(len(text))
    value = float(text)
    return value if math.isfinite(value) else BadNumber(len(text), infinite=True)


def _refuse_constant(name: str) -> Any:
    raise Unreadable(f"{name} is not a valid JSON value; expected a number, text, true, false or null.")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise Unreadable(f"the key {key_text(key)!r} appears twice in one object; each key may appear once."
                                 if key_text(key) == key else
                                 "a key appears twice in one object; each key may appear once.")
            seen.add(key)
    return out


def loads(text: str) -> Any:
    """JSON text to Python values, with depth checked first. Raises :class:`Unreadable`."""
    too_deep = _too_deep(text)
    if too_deep:
        raise Unreadable(too_deep)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant,
                          parse_int=_int, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                         "expected one JSON object.") from None
    except (RecursionError, ValueError, MemoryError) as exc:  # not reachable after the checks above: kept as a boundary
        raise Unreadable(f"cannot be read as JSON ({type(exc).__name__}); expected one JSON object.") from None


def _too_deep(text: str) -> str | None:
    """A sentence if lists and objects nest more than MAX_DEPTH deep, found without recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= MAX_DEPTH or max(accumulate(map(_DELTA.__getitem__, brackets))) <= MAX_DEPTH:
        return None
    # Rare: find where, and the field path down to there, for the sentence.
    frames: list[list] = []  # [is_object, key or index, last string seen]
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            if len(frames) == MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - text.rfind("\n", 0, match.start())
                shown = path_text(tuple(f[1] for f in frames[:6] if f[1] is not None))
                more = " ..." if len(frames) > 6 else ""
                return (f"field {shown}{more}: lists and objects nest more than {MAX_DEPTH} deep "
                        f"(line {line}, column {column}); expected a record nested at most {MAX_DEPTH} deep.")
            frames.append([token == "{", None if token == "{" else 0, None])
        elif token in "]}":
            if frames:
                frames.pop()
        elif token == ",":
            if frames and not frames[-1][0]:
                frames[-1][1] += 1
        elif token == ":":
            if frames and frames[-1][0]:
                frames[-1][1] = frames[-1][2]
        elif frames and frames[-1][0]:
            try:
                frames[-1][2] = json.loads(token)
            except ValueError:
                frames[-1][2] = "?"
    return None  # the brackets do not balance: the parser says where


# --------------------------------------------------------------------------- checking values

def _child_schema(node: dict | None, key: str, instance: dict) -> dict | None:
    if not node:
        return None
    found = node.get("properties", {}).get(key)
    if found is not None:
        return found
    for branch in node.get("allOf", []):  # an event's own fields, by its type
        try:
            kind = branch["if"]["properties"]["type"]["const"]
        except (KeyError, TypeError):
            continue
        if instance.get("type") == kind:
            found = branch.get("then", {}).get("properties", {}).get(key)
            if found is not None:
                return found
    return None


def _list_schema(node: dict | None) -> dict | None:
    if not node:
        return None
    if node.get("type") == "array" or "items" in node:
        return node
    for branch in node.get("oneOf", []) + node.get("anyOf", []):
        if branch.get("type") == "array":
            return branch
    return None


def value_problems(value: Any, schema: dict | None, limit: int) -> tuple[list[tuple[Path, str]], list[tuple[Path, int]]]:
    """Problems the schema cannot see, at most ``limit`` of them, and the lists found over their limit.

    Items past a list's limit are not looked at: the record is refused whatever they hold.
    """
    problems: list[tuple[Path, str]] = []
    too_long: list[tuple[Path, int]] = []
    for path, problem in _walk(value, schema, too_long):
        problems.append((path, problem))
        if len(problems) >= limit:
            break
    return problems, too_long


def _walk(root: Any, schema: dict | None, too_long: list) -> Iterator[tuple[Path, str]]:
    stack: list[tuple[Path, Any, dict | None]] = [((), root, schema)]
    while stack:
        path, value, node = stack.pop()
        if isinstance(value, str):
            bad = BAD_CHARACTERS.search(value)
            if bad:
                yield path, _character_problem(bad.group())
        elif isinstance(value, dict):
            if node is None and len(value) > FREE_KEYS_LIMIT:
                yield path, f"expected an object of at most {FREE_KEYS_LIMIT:,} keys; it has {len(value):,}."
                continue
            children = []
            for key, item in value.items():
                bad = BAD_CHARACTERS.search(key)
                if bad:
                    yield path, f"expected keys without control characters; a key holds {character_text(bad.group())}."
                    continue
                children.append((path + (key,), item, _child_schema(node, key, value)))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            node = _list_schema(node)
            cap = node.get("maxItems", FREE_LIST_LIMIT) if node else FREE_LIST_LIMIT
            if len(value) > cap:
                too_long.append((path, cap))
                yield path, f"expected a list of at most {cap:,} item{'s' if cap != 1 else ''}; it has {len(value):,}."
            items = node.get("items") if node else None
            stack.extend((path + (i,), value[i], items) for i in reversed(range(min(len(value), cap))))
        elif isinstance(value, BadNumber) and value.infinite:
            yield path, "expected a number of ordinary size; got one too large to hold (such as 1e400)."
        elif isinstance(value, BadNumber):
            yield path, f"expected a number of at most {MAX_DIGITS} digits; got one of {value.digits:,} characters."
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int):
            if abs(value) >= 10 ** MAX_DIGITS:
                yield path, f"expected a number of at most {MAX_DIGITS} digits; got a longer one."
        elif isinstance(value, float):
            if not math.isfinite(value):
                yield path, "expected a number of ordinary size; got one too large to hold (such as 1e400)."
        else:
            yield path, f"expected a JSON value; got {type(value).__name__}."


def _character_problem(ch: str) -> str:
    if 0xD800 <= ord(ch) <= 0xDFFF:
        return f"expected text of whole characters; it holds {character_text(ch)}, written as a lone \\u escape."
    return f"expected text without control or direction-changing characters; it holds {character_text(ch)}."


def trimmed(value: Any, too_long: list[tuple[Path, int]]) -> Any:
    """``value`` with each list found too long cut to its limit (copying only what leads to it)."""
    for path, cap in sorted(too_long, key=len):
        value = _cut(value, path, cap)
    return value


def _cut(value: Any, path: Path, cap: int) -> Any:
    if not path:
        return value[:cap] if isinstance(value, list) else value
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        copy = dict(value)
        copy[head] = _cut(value[head], rest, cap)
        return copy
    if isinstance(value, list) and isinstance(head, int) and head < len(value):
        copy = list(value)
        copy[head] = _cut(value[head], rest, cap)
        return copy
    return value
