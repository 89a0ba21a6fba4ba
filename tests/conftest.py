"""Shared helpers: build a record, run the engine with the real rules, read the results."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from correspondence.engine.case import case_from_record
from correspondence.engine.due import Determination, Issued, determine
from correspondence.engine.rules import load_rulebook

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples" / "inbox"
EXPECTED = ROOT / "examples" / "expected"

BASE = {
    "format": "complaint-case/1",
    "case_id": "T-1",
    "council": "telford-wrekin",
    "service_area": "Waste and Recycling",
    "complainant": {
        "title": "Ms", "given_name": "Aisha", "family_name": "Khan",
        "address": ["12 High Street", "Wellington", "Telford", "TF1 1AA"],
        "email": "aisha.khan@example.org", "phone": "07700 900123", "preferred_contact": "email",
    },
    "officer": {"name": "Sam Patel", "email": "sam.patel@example.org"},
    "complaint": {"received": "2026-11-02", "channel": "email", "summary": "Bins were missed."},
    "events": [],
}


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The suite keeps what it compiles in a cache folder of its own (never the user's), shared by
    the whole session and by the commands the tests run."""
    import os
    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get("CORRESPONDENCE_CACHE")
    os.environ["CORRESPONDENCE_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("CORRESPONDENCE_CACHE", None)
    else:
        os.environ["CORRESPONDENCE_CACHE"] = before


@pytest.fixture(scope="session")
def book():
    return load_rulebook(RULES)[0]


def make(council: str = "telford-wrekin", received: str = "2026-11-02", events=(), **fields) -> dict:
    """A valid record; ``fields`` replace top-level keys, ``complaint``/``complainant`` keys merge."""
    rec = copy.deepcopy(BASE)
    rec["council"] = council
    rec["complaint"]["received"] = received
    rec["events"] = [dict(e) for e in events]
    if council == "code-2024":
        rec["organisation"] = {"name": "Ashdown District Council", "team": "Complaints Team",
                               "email": "complaints@ashdown.example.org"}
    for key, value in fields.items():
        if key in ("complaint", "complainant") and isinstance(value, dict):
            rec[key].update(value)
        elif value is None:
            rec.pop(key, None)
        else:
            rec[key] = value
    return rec


def ev(id: str, type: str, day: str, **fields) -> dict:
    return {"id": id, "type": type, "date": day, **fields}


def run(book, rec: dict, as_of: str, issued=()) -> Determination:
    councils = {c: book.procedures(c) for c in book.councils}
    case = case_from_record(rec, "record.json", councils)
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    return determine(case, policy, issued, date.fromisoformat(as_of))


def rows(result: Determination) -> list[tuple]:
    return [(x.letter, x.stage, x.trigger, x.due.isoformat(), x.status) for x in result.letters]


def deadline(result: Determination, kind: str, stage: int | None = None) -> str | None:
    found = [d.date.isoformat() for d in result.deadlines if d.kind == kind and d.stage == stage]
    assert len(found) <= 1, found
    return found[0] if found else None


def letter(result: Determination, name: str, stage: int | None = None):
    found = [x for x in result.letters if x.letter == name and (stage is None or x.stage == stage)]
    assert len(found) == 1, [x.letter for x in result.letters]
    return found[0]


def issued(letter: str, stage, day: str, trigger=None, delivery=None) -> Issued:
    return Issued(letter, stage, date.fromisoformat(day), trigger, delivery)


@pytest.fixture(scope="module")
def all_specimens(book):
    """A context for every (council, letter kind), from the example records, as of 20 November 2026."""
    from correspondence.letters.specimens import specimens
    return specimens(book, EXAMPLES, date(2026, 11, 20))


def context_for(all_specimens, council: str, kind: str) -> dict:
    """The template context of one specimen letter, as of 20 November 2026."""
    from correspondence.letters.context import build_context
    s = all_specimens[(council, kind)]
    return build_context(s.case, s.policy, s.result, s.letter, date(2026, 11, 20))


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache folder of the test's own (not yet made)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CORRESPONDENCE_CACHE", str(folder))
    return folder


@pytest.fixture(scope="module")
def renderer():
    """The renderer over the project's templates (compiled templates kept for the module)."""
    from correspondence.letters.render import Renderer
    return Renderer(ROOT / "templates")
