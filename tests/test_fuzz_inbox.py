"""Malformed records by the thousand.

Hypothesis mutates the example records (types, nesting, unicode, sizes, numbers, ids, bytes and
file names). Each mutation is first checked in-process (validation raises nothing but CaseError,
and no sentence quotes personal data; hypothesis shrinks a failure to its smallest record), then
all of them go into one inbox for ONE ``letters process`` pass: every file must end in
``.done/`` or ``.rejected/`` (a rejected one beside exactly one report), nothing stays claimed,
no traceback is printed or logged, and no personal data reaches the log or a report.

FUZZ_RECORDS sets how many (default 2,000); FUZZ_RANDOM=1 draws a new set each run (by default
the set is the same every run, so CI is repeatable).
"""

import copy
import json
import os

from conftest import EXAMPLES, RULES, leaves, letters, replaced
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from correspondence.engine.case import CaseError, case_from_record, parse_record
from correspondence.engine.rules import load_rulebook

RECORDS = int(os.environ.get("FUZZ_RECORDS", "2000"))
EXAMPLE_RECORDS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
PERSONAL_KEYS = {"given_name", "family_name", "address", "email", "phone", "name", "summary", "points",
                 "outcomes_sought", "point", "finding", "reasons", "reason", "action", "remedies"}
INJECTED = ["Aisha Khan, 12 High Street, Wellington TF1 1AA", "aisha.khan@example.org ", "07700 900123",
            "Mr Private Person\x0c", "Zainab Private-Name \u202e", "private.person@example.net"]


def _personal_strings() -> set[str]:
    """The examples' own personal data (names, addresses, contacts, complaint text) and what we inject."""
    found: set[str] = set()

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in PERSONAL_KEYS and len(value) >= 6:
            found.add(value)

    for rec in EXAMPLE_RECORDS:
        walk(rec)
    found |= {"Aisha Khan", "High Street", "aisha.khan", "07700 900123", "Private Person", "Private-Name",
              "private.person"}
    return found


PERSONAL = _personal_strings()
COUNCILS = None  # filled once from the real rules


def councils():
    global COUNCILS
    if COUNCILS is None:
        book = load_rulebook(RULES)[0]
        COUNCILS = {c: book.procedures(c) for c in book.councils}
    return COUNCILS


# --------------------------------------------------------------------------- strategies

def delete_at(rec, path):
    if path:
        target = rec
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]
    return rec


RAW = "\u0000RAW\u0000"  # a placeholder string replaced by raw JSON text after dumping

odd_numbers = st.sampled_from(["1" * 4301, "-" + "9" * 5000, "1e400", "-1e999", "6.0", "2.0", "1" + "0" * 30,
                               "0.000000000000000000000000000000000001", "1E2"])
odd_ids = st.sampled_from(["NL-1\n", "ledger.sqlite3", "LEDGER.SQLITE3", "../x", "..", ".cases", "failed",
                           "reports", "complaint", "Complaint", "x" * 65, "a/b", "a\\b", "e\u00001", "CON", "",
                           " e1", "e1 ", "\u0661\u0662", "e\u202e1"])
any_text = st.text(max_size=40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False, allow_infinity=False), any_text, st.sampled_from(INJECTED))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(any_text, inner, max_size=4)), max_leaves=8)


@st.composite
def mutation(draw):
    """(file name bytes, record bytes) for one malformed record."""
    rec = copy.deepcopy(draw(st.sampled_from(EXAMPLE_RECORDS)))
    raw_parts: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from([path for path, _ in leaves(rec)]))
        kind = draw(st.sampled_from(["type", "type", "delete", "key", "nesting", "unicode", "size", "number",
                                     "id", "personal"]))
        if kind == "type":
            rec = replaced(rec, where, draw(values))
        elif kind == "delete" and where:
            rec = delete_at(rec, where)
        elif kind == "key":
            target = rec
            for part in where:
                target = target[part]
            if isinstance(target, dict):
                target[draw(st.one_of(any_text, st.sampled_from(INJECTED)))] = draw(values)
        elif kind == "nesting":
            depth = draw(st.sampled_from([31, 33, 100, 1000, 3000]))
            rec = replaced(rec, where, RAW)
            opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
            raw_parts.append(opener * depth + closer * depth)
        elif kind == "unicode":
            text = draw(st.one_of(any_text, st.sampled_from(["\ud800", "a\udc00b", "\x1b[2J", "\u202eevil", "\x0c",
                                                             "{{ x }}", "{% if %}", "\u0627\u0631\u062f\u0648"])))
            rec = replaced(rec, where, text)
        elif kind == "size":
            n = draw(st.sampled_from([201, 1001, 7, 50000]))
            rec = replaced(rec, where, [draw(scalars)] * n if draw(st.booleans()) else "x" * (n * 2))
        elif kind == "number":
            rec = replaced(rec, where, RAW)
            raw_parts.append(draw(odd_numbers))
        elif kind == "id":
            events = rec.get("events") if isinstance(rec, dict) else None
            if isinstance(events, list) and events and isinstance(events[0], dict) and draw(st.booleans()):
                events[0]["id"] = draw(odd_ids)
            elif isinstance(rec, dict):
                rec["case_id"] = draw(odd_ids)
        elif kind == "personal":
            rec = replaced(rec, where, draw(st.sampled_from(INJECTED)))
        if not isinstance(rec, (dict, list)):
            break
    text = json.dumps(rec, ensure_ascii=draw(st.booleans()))
    for part in raw_parts:
        text = text.replace(json.dumps(RAW), part, 1)
    data = text.encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none"] * 6 + ["truncate", "latin1", "bom", "nul", "crlf"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif damage == "latin1":
        data = text.encode("latin-1", "replace")
    elif damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "nul":
        data = data.replace(b",", b",\x00", 1)
    elif damage == "crlf":
        data = data.replace(b",", b",\r\n")
    name = draw(st.sampled_from([b"r.json", b"caf\xe9.json", b"a\nWARNING forged line.json", b"-n.json",
                                 b"x" * 240 + b".json", b"sp ace.json", b"\xd8\xa7\xd8\xb1.json", b"e\x1b[31m.json",
                                 b"CON.json", b"ledger.sqlite3.json"]))
    return name, data


def validation_problems(data: bytes) -> list[str] | None:
    """The sentences for a record, or None if it is valid (only CaseError may come out)."""
    try:
        case_from_record(parse_record(data, "f.json"), "f.json", councils())
    except CaseError as exc:
        return exc.problems
    return None


def leaks(text: str) -> list[str]:
    return [p for p in PERSONAL if p in text]


# --------------------------------------------------------------------------- the test

def test_thousands_of_malformed_records_through_one_pass(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    written: list[bytes] = []

    @settings(max_examples=RECORDS * 2, deadline=None, database=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
              suppress_health_check=list(HealthCheck))
    @given(mutation())
    def generate(case):
        name, data = case
        problems = validation_problems(data)  # raises if validation lets anything but CaseError out
        if problems is None or len(written) >= RECORDS:
            return  # a mutation that left the record valid is not a malformed record
        for sentence in problems:
            assert sentence.startswith("f.json: "), sentence
            assert not leaks(sentence), sentence
        assert len(problems) <= 21
        file_name = b"%05d-" % len(written) + name
        (inbox / os.fsdecode(file_name)).write_bytes(data)
        written.append(file_name)

    generate()
    assert len(written) >= RECORDS, f"only {len(written)} malformed records generated"

    log_file = tmp_path / "letters.log"
    result = letters("process", "--as-of", "2026-11-20", "--log-file", str(log_file), inbox=inbox, outbox=outbox,
                     timeout=900)
    logged = result.stdout + result.stderr + log_file.read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in logged, logged[-3000:]
    assert f"0 records processed, {len(written)} rejected" in result.stdout, result.stdout
    assert not [p for p in inbox.iterdir() if p.is_file()]  # every file left the inbox
    assert not [p for p in (inbox / ".work").rglob("*") if p.is_file()]
    assert not [p for p in (inbox / ".done").iterdir()]
    rejected = [p for p in (inbox / ".rejected").iterdir()]
    reports = [p for p in rejected if p.name.endswith(".error.txt")]
    records = [p for p in rejected if not p.name.endswith(".error.txt")]
    assert len(records) == len(written) and len(reports) == len(written)
    for record in records:  # one report beside each record
        assert record.with_name(record.name + ".error.txt") in reports
    assert not leaks(logged), leaks(logged)
    for report in reports:
        text = report.read_text(encoding="utf-8", errors="replace")
        assert not leaks(text), (report.name, text)
        assert len(text.splitlines()) <= 24
    assert not (outbox / ".cases").exists() or not list((outbox / ".cases").glob("*.json"))
