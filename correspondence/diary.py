"""The diary (``letters due --all``): every stored case's letters, worked out in one pass.

Cheap per case: each snapshot was validated when it was stored (its stamp says so, and it is not
run through the schema again), the ledger is read in one query for every case, and each
council's policy is built once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from . import ledger, store
from .case import CaseError
from .due import Determination, determine
from .rules import RuleBook


def diary(book: RuleBook, outbox: Path, as_of: date) -> tuple[list[Determination], list[str]]:
    """Each stored case's determination as of ``as_of``, and the problems of those that failed."""
    councils = {c: book.procedures(c) for c in book.councils}
    issued = ledger.issued_by_case(outbox)
    policies: dict[tuple, object] = {}
    results: list[Determination] = []
    problems: list[str] = []
    for path in store.stored_cases(outbox):
        try:
            case = store.load_stored(path, councils)
            key = (case.council, case.procedure, case.housing_tenancy, case.cse)
            policy = policies.get(key)
            if policy is None:
                policy = policies[key] = book.policy_for(case.council, case.procedure,
                                                         housing_tenancy=case.housing_tenancy, cse=case.cse)
            results.append(determine(case, policy, issued.get(case.case_id, []), as_of))
        except CaseError as exc:
            problems.extend(exc.problems)
    return results, problems
