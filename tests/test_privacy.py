"""Privacy by construction: every field of a real record made wrong in turn,
with personal data as the wrong value; no sentence, log line or report ever holds that data."""

import json

import pytest
from conftest import EXAMPLES, leaves, letters, replaced

from correspondence.engine.case import CaseError, case_from_record, parse_record

SOURCE = json.loads((EXAMPLES / "twc-2026-0142.json").read_text(encoding="utf-8"))
COUNCILS = {"telford-wrekin": ["corporate"], "warwickshire": ["corporate", "childrens"]}

# What a clumsy export puts in the wrong place: a name and address run together, an email with a
# trailing space, a phone number as text, as a number and with a control character in it.
WRONG_TEXT = [
    "Aisha Khan, 12 High Street, Wellington TF1 1AA",
    "aisha.khan@example.org ",
    "07700 900123",
    "Ms Aisha Khan\x0c",
    "aisha",
]
WRONG_OTHER = [7700900123, {"name": "Aisha Khan"}, ["Aisha Khan", "12 High Street"], 1.5]

# Every piece of the record's own personal data, and of the wrong values, that must never be quoted.
PRIVATE = ["Aisha", "aisha", "Khan", "High Street", "Wellington", "TF1 1AA", "example.org", "07700", "900123",
           "7700900123", "Jo Bloggs", "Darby House", "Lawn Central", "TF3 4JA", "Sam Patel", "01952",
           "Bins were missed", "phone calls", "Collections restored", "An apology", "crew's records",
           "Supervisor to check"]


def mutations():
    """(label, record) for each field and each wrong value, and each object given a personal key."""
    out = []
    for path, value in leaves(SOURCE):
        if not path:
            continue
        wrongs = list(WRONG_TEXT) + list(WRONG_OTHER)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            wrongs.append(", ".join(value))  # an address (or any list) as one string
        if isinstance(value, str):
            wrongs += [value + " ", " " + value, value + "\n", value + "\x1b[31m"]
        for i, wrong in enumerate(wrongs):
            if wrong != value:
                out.append((f"{'.'.join(map(str, path))}#{i}", replaced(SOURCE, path, wrong)))
        if isinstance(value, dict):
            out.append((f"{'.'.join(map(str, path))}#key", replaced(SOURCE, path, {**value, "Aisha Khan": "x"})))
    out.append(("#top-key", {**SOURCE, "aisha.khan@example.org": 1}))
    return out


MUTATIONS = mutations()


def sentences_for(record) -> list[str]:
    try:
        case_from_record(parse_record(json.dumps(record).encode(), "m.json"), "m.json", COUNCILS)
    except CaseError as exc:
        return exc.problems
    return []


def leaks(text: str) -> list[str]:
    return [p for p in PRIVATE if p in text]


def test_there_are_many_mutations_and_most_are_refused():
    refused = sum(1 for _, rec in MUTATIONS if sentences_for(rec))
    assert len(MUTATIONS) > 500
    assert refused > 400


@pytest.mark.parametrize("label, record", MUTATIONS, ids=[label for label, _ in MUTATIONS])
def test_no_sentence_quotes_personal_data(label, record):
    for sentence in sentences_for(record):
        assert sentence.startswith("m.json: "), sentence
        assert not leaks(sentence), sentence


@pytest.mark.parametrize("text", [
    b'{"complainant": {"given_name": "Aisha Khan", "given_name": "Aisha"}}',
    b'{"Aisha Khan": 1, "Aisha Khan": 2}',
    b'{"summary": "Aisha Khan, 12 High Street',
    b'{"summary": "Aisha Khan" "12 High Street"}',
    b'{"Aisha Khan": NaN}',
    b'{"summary": "Aisha \xff Khan"}',
    b'["Aisha Khan", ' + b'[' * 40 + b']' * 40 + b']',
])
def test_unreadable_records_are_not_quoted_either(text):
    with pytest.raises(CaseError) as err:
        parse_record(text, "m.json")
    assert not leaks(" ".join(err.value.problems)), err.value.problems


def test_the_service_log_and_reports_hold_no_personal_data(tmp_path):
    """All the wrong records in one inbox, through `letters process`: grep its log and its reports."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    refused = [(label, rec) for label, rec in MUTATIONS if sentences_for(rec)]
    for i, (_, rec) in enumerate(refused):
        (inbox / f"m{i:04d}.json").write_text(json.dumps(rec), encoding="utf-8")
    log_file = tmp_path / "letters.log"
    result = letters("process", "--as-of", "2026-11-20", "--log-file", str(log_file), inbox=inbox, outbox=outbox,
                     timeout=600)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    reports = sorted((inbox / ".rejected").glob("*.error.txt"))
    assert len(reports) == len(refused)
    logged = result.stdout + result.stderr + log_file.read_text(encoding="utf-8")
    assert logged.count("rejected m") >= len(refused)
    assert not leaks(logged), leaks(logged)
    for report in reports:
        text = report.read_text(encoding="utf-8")
        assert not leaks(text), (report.name, text)
