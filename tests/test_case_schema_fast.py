"""Two validators, one verdict: a record jsonschema-rs finds valid (case.surely_valid, which spares
jsonschema's import and walk) is one jsonschema finds valid too. Records near the edges of the
format: mutated examples with values that differ between Python and the JSON Schema world (6.0,
huge numbers, Unicode spaces and digits, impossible dates, ids with a trailing newline).

FUZZ_RECORDS sets how many mutated records hypothesis draws (default 2,000, as test_fuzz_inbox)."""

import copy
import json
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import EXAMPLES, make, ev
from correspondence import case, safe_json

RECORDS = int(os.environ.get("FUZZ_RECORDS", "2000"))
EXAMPLE_RECORDS = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]

EDGES = [
    6, 6.0, 0, -1, 5, 2 ** 63, -(2 ** 63) - 1, 2 ** 70, 1e308, True, False, None, "", " ", [], {}, [1], {"a": 1},
    "2026-02-29", "2024-02-29", "2026-13-01", "2026-11-31", "2026-11-02", "20261102", "2026-11-02\n",
    "２０２６-11-02", "complaint", "e1", "E-1.x_y", "e1\n", "-e1", "e 1", "e\u00a01",
    "a@b.co", "a b@c.de", "a\u00a0b@c.de", "a\u3000b@c.de", "a\ufeffb@c.de", "a@b", "@b.co",
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


@settings(max_examples=RECORDS, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck))
@given(mutated())
def test_a_record_the_fast_validator_passes_jsonschema_passes(record):
    # Value checks run first in case.schema_problems (control characters, lone surrogates, sizes);
    # only a record that passes them reaches either validator.
    checked, too_long = safe_json.value_problems(record, case.schema(), 10)
    if checked or too_long:
        return
    if case.surely_valid(record):
        assert jsonschema_valid(record), record
    elif case._plain(record):
        # Where both read the record alike they should agree: a stricter fast validator only
        # costs time, but it would be worth knowing about.
        assert not jsonschema_valid(record) or "\ufeff" in json.dumps(record, ensure_ascii=False), record
