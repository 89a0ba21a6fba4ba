"""Two validators, one verdict: a record jsonschema-rs finds valid (case.surely_valid, which spares
jsonschema's import and walk) is one jsonschema finds valid too. Records near the edges of the
format: mutated examples with values that differ between Python and the JSON Schema world (6.0,
huge numbers, Unicode spaces and digits, impossible dates, ids with a trailing newline).

FUZZ_RECORDS sets how many mutated records hypothesis draws (default 2,000, as test_fuzz_inbox)."""

import copy
import json
import os

from conftest import EXAMPLES, ev, make
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from correspondence.common import safe_json
from correspondence.engine import case

RECORDS = int(os.environ.get("FUZZ_RECORDS", "2000"))
EXAMPLE_RECORDS = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]

EDGES = [
    6, 6.0, 0, -1, 5, 2 ** 63, -(2 ** 63) - 1, 2 ** 70, 1e308, True, False, None, "", " ", [], {}, [1], {"a": 1},
    "2026-02-29", "2024-02-29", "2026-13-01", "2026-11-31", "2026-11-02", "20261102", "2026-11-02\n",
    "２０２６-11-02", "0000-01-01", "0001-01-01", "9999-12-31", "complaint", "e1", "E-1.x_y", "e1\n", "-e1", "e 1", "e\u00a01",
    "a@b.co", "a b@c.de", "a\u00a0b@c.de", "a\u3000b@c.de", "a\ufeffb@c.de", "a\x1cb@c.de", "a\x1fb@c.de", "a\x85b@c.de", "a@b", "@b.co",
    "large-print", "language:pl", "language:PL", "braille", "letter_issued", "decision", "extension", "withdrawn",
    "acknowledgement", "outcome", "upheld", "email", "post", "corporate", "telford-wrekin", "Telford-Wrekin",
    "x" * 64, "x" * 65, "x" * 20001,
]


def paths(value, here=()):
    yield here
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, here + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, here + (index,))


def at(value, path):
    for part in path:
        value = value[part]
    return value


@st.composite
def mutated(draw):
    base = copy.deepcopy(draw(st.sampled_from(EXAMPLE_RECORDS + [
        make(), make("code-2024"), make(events=[ev("e1", "extension", "2026-11-20", stage=1, reason="Waiting.")])])))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(list(paths(base))))
        target = at(base, where[:-1]) if where else None
        action = draw(st.sampled_from(["set", "delete", "add"]))
        if action == "set" and where:
            target[where[-1]] = copy.deepcopy(draw(st.sampled_from(EDGES)))
        elif action == "delete" and where and isinstance(target, dict):
            del target[where[-1]]
        elif action == "add":
            node = at(base, where)
            if isinstance(node, dict):
                node[draw(st.sampled_from(["extra", "stage", "reason", "letter", "trigger", "type", "id", "x"]))] = \
                    copy.deepcopy(draw(st.sampled_from(EDGES)))
            elif isinstance(node, list):
                node.append(copy.deepcopy(draw(st.sampled_from(EDGES))))
    return base


def jsonschema_valid(record) -> bool:
    return not any(True for _ in case._validator().iter_errors(record))


def test_every_example_record_takes_the_fast_path():
    assert case._fast_validator() is not None  # jsonschema-rs is a dependency: it must be there
    for record in EXAMPLE_RECORDS + [make(), make("code-2024")]:
        assert case.surely_valid(record), record["case_id"]
        assert jsonschema_valid(record)


def test_what_python_reads_differently_goes_to_jsonschema():
    stage_float = make(events=[ev("e1", "extension", "2026-11-20", stage=1.0, reason="Waiting.")])
    assert not case.surely_valid(stage_float)  # 6.0 is not a whole number here; jsonschema says so
    assert not jsonschema_valid(stage_float)
    huge = make(events=[ev("e1", "extension", "2026-11-20", stage=2 ** 64, reason="Waiting.")])
    assert not case.surely_valid(huge)
    newline_id = make(case_id="T-1\n")
    assert not case.surely_valid(newline_id) and not jsonschema_valid(newline_id)


def test_a_date_python_has_no_calendar_for_goes_to_jsonschema():
    # Year 0000 is no date in Python's calendar (years 1 to 9999); jsonschema-rs, left to itself,
    # took it for one and the record then failed with a traceback further on.
    for field in ("received",):
        record = make()
        record["complaint"][field] = "0000-01-01"
        assert not case.surely_valid(record) and not jsonschema_valid(record)
    event = make(events=[ev("e1", "extension", "0000-01-01", stage=1, reason="Waiting.")])
    assert not case.surely_valid(event) and not jsonschema_valid(event)
    assert case.surely_valid(make(received="0001-01-01")) == jsonschema_valid(make(received="0001-01-01"))


def test_spaces_the_two_read_differently_go_to_jsonschema():
    # The email pattern's \s: Python's takes U+001C-U+001F and U+0085 for spaces, jsonschema-rs
    # takes U+FEFF. Value checks refuse most of these first; the fast path does not rely on that.
    for odd in ("\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\ufeff"):
        record = make()
        record["complainant"]["email"] = f"a{odd}b@example.org"
        assert not case.surely_valid(record), repr(odd)
    assert case.surely_valid(make())


@settings(max_examples=RECORDS, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))
@given(mutated())
def test_a_record_the_fast_validator_passes_jsonschema_passes(record):
    # Whatever the value checks that run first would say (control characters, lone surrogates,
    # sizes): the fast path's verdict alone must never be kinder than jsonschema's.
    if case.surely_valid(record):
        assert jsonschema_valid(record), record
        return
    checked, too_long = safe_json.value_problems(record, case.schema(), 10)
    if not checked and not too_long and case._plain(record):
        # Where both read the record alike they should agree: a stricter fast validator only
        # costs time, but it would be worth knowing about.
        assert not jsonschema_valid(record), record
