"""Complaint points and the findings that answer them (pure).

letters.md, outcome: every point of ``complaint.points`` is answered. A finding answers a point
when its ``point`` is the point's text, or the point's number counting from 1. A decision that
leaves a point unanswered gives a note in ``letters due`` and a warning in the letter's manifest.
Sentences name points by number, never by their text (the complainant's own words).
"""

from __future__ import annotations

from typing import Any, Mapping

from correspondence.engine.case import Case, Event


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def unanswered_points(case: Case, decision: Event | Mapping[str, Any]) -> list[int]:
    """The numbers (from 1) of the complaint's points that no finding of ``decision`` answers."""
    findings = decision.get("findings", []) or []
    answered = {_key(str(f.get("point", ""))) for f in findings if isinstance(f, Mapping)}
    points = case.raw["complaint"].get("points", []) or []
    return [n for n, text in enumerate(points, start=1)
            if _key(text) not in answered and str(n) not in answered]


def unanswered_sentence(case: Case, decision: Event, stage: int) -> str | None:
    """One sentence naming the unanswered points of ``decision``, or None when all are answered."""
    missing = unanswered_points(case, decision)
    if not missing:
        return None
    total = len(case.raw["complaint"].get("points", []))
    which = (f"point {missing[0]}" if len(missing) == 1
             else "points " + ", ".join(str(n) for n in missing[:-1]) + f" and {missing[-1]}")
    return (f"The stage {stage} decision ({decision.id}) has no finding for complaint {which} of {total}: "
            f"the outcome letter must answer every point raised (a finding's point is the point's text or "
            f"its number).")
