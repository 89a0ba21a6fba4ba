"""Letters already issued, matched to the letters the walk makes (so none is sent twice).

docs/rules.md#letters-issued-outside-the-service: a letter with a trigger (the ledger's, or a ``letter_issued``
event's ``trigger``) answers exactly the letter of that kind, stage and trigger. One without
answers the letter of that kind and stage that is not yet issued, not cancelled by the
letter's date, and whose trigger is the latest on or before the letter's date: a reopened
complaint's acknowledgement answers the reopening, not the first, cancelled acknowledgement.

The walk needs the matches (clocks run from letters actually issued) and the matches need
the walk (which letters exist, when each was cancelled), so :func:`correspondence.engine.walk.walk`
walks again with the matches of the last walk until they no longer change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Protocol

Key = tuple  # (letter, stage, trigger): one letter the case needs


@dataclass(frozen=True)
class Issued:
    """A letter already sent: from the ledger (with its trigger) or a ``letter_issued`` event."""

    letter: str
    stage: int | None
    date: date
    trigger: str | None = None
    delivery: str | None = None
    source: str = "ledger"  # "ledger" or the letter_issued event id


class Drafted(Protocol):
    letter: str
    stage: int | None
    trigger: str
    trigger_date: date
    cancelled_on: date | None
    seq: int


class IssuedBook:
    """The letters already issued, and which letter of the walk each one answers."""

    def __init__(self, issued: Iterable[Issued]):
        self.items = sorted(issued, key=lambda i: (i.date, i.source))

    def match(self, drafts: Iterable[Drafted]) -> dict[Key, Issued]:
        drafts = list(drafts)
        out: dict[Key, Issued] = {}
        for item in (i for i in self.items if i.trigger is not None):
            for d in drafts:
                if (d.letter, d.trigger) == (item.letter, item.trigger) and item.stage in (None, d.stage):
                    out.setdefault((d.letter, d.stage, d.trigger), item)
                    break
        for item in (i for i in self.items if i.trigger is None):
            open_ = [d for d in drafts
                     if d.letter == item.letter and (item.stage is None or d.stage is None or item.stage == d.stage)
                     and (d.letter, d.stage, d.trigger) not in out and d.trigger_date <= item.date
                     and (d.cancelled_on is None or d.cancelled_on >= item.date)]
            if open_:
                best = max(open_, key=lambda d: (d.trigger_date, d.seq))
                out[(best.letter, best.stage, best.trigger)] = item
        return out

    def unmatched(self, answered: Iterable[Issued]) -> list[Issued]:
        """The issued letters that answer no letter of the walk."""
        used = set(map(id, answered))
        return [i for i in self.items if id(i) not in used]
