"""Letters already issued, matched to the letters the walk makes (so none is sent twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable


@dataclass(frozen=True)
class Issued:
    """A letter already sent: from the ledger (with its trigger) or a ``letter_issued`` event."""

    letter: str
    stage: int | None
    date: date
    trigger: str | None = None
    delivery: str | None = None
    source: str = "ledger"  # "ledger" or the letter_issued event id


class IssuedBook:
    """Matches letters the walk makes to letters already issued."""

    def __init__(self, issued: Iterable[Issued]):
        self.exact: dict[tuple, Issued] = {}
        self.loose: list[Issued] = []
        for item in sorted(issued, key=lambda i: (i.date, i.source)):
            if item.trigger is not None:
                self.exact.setdefault((item.letter, item.stage, item.trigger), item)
            else:
                self.loose.append(item)
        self.used: set[int] = set()

    def take(self, letter: str, stage: int | None, trigger: str) -> Issued | None:
        found = self.exact.pop((letter, stage, trigger), None)
        if found:
            return found
        for i, item in enumerate(self.loose):
            if i in self.used or item.letter != letter:
                continue
            if item.stage is None or stage is None or item.stage == stage:
                self.used.add(i)
                return item
        return None

    def unmatched(self) -> list[Issued]:
        return list(self.exact.values()) + [x for i, x in enumerate(self.loose) if i not in self.used]
