"""Specimen letters: every letter kind for every council, made from the example records.

Each example record is read as it is and as if it belonged to each other council; the letters
the engine finds (issued ones too) are the specimens. ``letters templates check`` renders
them all, so every template is tried against real data for every council.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from correspondence.engine.case import Case, CaseError, case_from_record
from correspondence.engine.due import Determination, Letter, determine
from correspondence.engine.rules import LETTER_NAMES, Policy, RuleBook

LETTER_KINDS = LETTER_NAMES  # one list of the letter kinds (letters.md), kept with the rules' keys


SPECIMEN_ORGANISATION = {"name": "Ashdown District Council", "team": "Customer Feedback Team",
                         "address": ["Council Offices", "Market Square", "Ashdown", "AS1 1AA"],
                         "phone": "01000 000100", "email": "feedback@ashdown.example.org"}


@dataclass(frozen=True)
class Specimen:
    case: Case
    policy: Policy
    result: Determination
    letter: Letter


def _variants(record: dict, book: RuleBook) -> Iterator[dict]:
    yield record
    for council in book.councils:
        if council != record["council"]:
            other = copy.deepcopy(record)
            other["council"] = council
            other.pop("procedure", None)
            if council == "code-2024":
                # the Code names no council: a record under it says who writes (docs/record-format.md)
                other.setdefault("organisation", SPECIMEN_ORGANISATION)
            yield other


def specimens(book: RuleBook, examples: Path, as_of: date) -> dict[tuple[str, str], Specimen]:
    """One specimen per (council, letter kind) that the examples can produce."""
    councils = {c: book.procedures(c) for c in book.councils}
    found: dict[tuple[str, str], Specimen] = {}
    for path in sorted(Path(examples).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for variant in _variants(record, book):
            try:
                case = case_from_record(variant, str(path), councils)
                policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
                result = determine(case, policy, (), as_of)
            except CaseError:
                continue  # this record does not fit that council's procedure (e.g. no extension limit)
            if result.recipient is None:
                continue
            for letter in result.letters:
                found.setdefault((case.council, letter.letter), Specimen(case, policy, result, letter))
    return found
