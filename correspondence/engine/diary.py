"""The diary (``letters due --all``): every case's letters, worked out in one pass (pure).

The service reads the snapshots and the ledger (``service.case_store.diary``); this works out
what each case has due, building each council's policy once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from correspondence.engine.case import Case, CaseError
from correspondence.engine.due import Determination, Issued, Letter, determine
from correspondence.engine.rules import RuleBook


def diary(book: RuleBook, loaders: Iterable[Callable[[], Case]], issued: Mapping[str, list[Issued]],
          as_of: date) -> tuple[list[Determination], list[str]]:
    """Each case's determination as of ``as_of``, and the problems of those that failed.

    ``loaders`` gives one callable per case that returns its Case (or raises CaseError);
    ``issued`` maps a case id to the letters the ledger holds for it."""
    policies: dict[tuple, object] = {}
    results: list[Determination] = []
    problems: list[str] = []
    for load in loaders:
        try:
            case = load()
            key = (case.council, case.procedure, case.housing_tenancy, case.cse)
            policy = policies.get(key)
            if policy is None:
                policy = policies[key] = book.policy_for(case.council, case.procedure,
                                                         housing_tenancy=case.housing_tenancy, cse=case.cse)
            results.append(determine(case, policy, issued.get(case.case_id, []), as_of))
        except CaseError as exc:
            problems.extend(exc.problems)
    return results, problems


def _overdue(result: Determination, letter: Letter) -> bool:
    """Overdue, or drafted or returned (held for sign-off) past its due date: it still counts."""
    return letter.status == "overdue" or (letter.status in ("draft", "returned") and result.as_of > letter.due)


def pending_rows(results: Iterable[Determination]) -> list[tuple[Determination, Letter]]:
    """Every letter not yet issued, overdue first, then by due date, case and letter."""
    rows = [(r, x) for r in results for x in r.pending]
    rows.sort(key=lambda rx: (not _overdue(rx[0], rx[1]), rx[1].due, rx[0].case_id, rx[1].letter))
    return rows
