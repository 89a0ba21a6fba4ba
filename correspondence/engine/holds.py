"""Holds: why a letter must be drafted and signed off by a person, not posted (pure; sign-off.md).

Each hold is a code and one sentence that tells the manager what to decide. The sentences may
quote the record (a complaint point, the complainant's reasons), so they go only into the
draft's manifest, ``letters drafts`` and the web pages; logs, summaries and the ledger carry
:attr:`Hold.tag` (the code, and point numbers) alone.

``layout`` holds come from the letter as rendered (``letters.fit_to_post``); the others are
worked out here from the case, its rules and the letter as it would be sent on ``letter_date``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from correspondence.common.wording import british
from correspondence.engine.case import Case
from correspondence.engine.due import Letter
from correspondence.engine.rules import Policy

CODES = ("kind", "late-request", "unanswered-points", "layout", "past-date")
# Approval clears these; a `layout` hold is cleared only by a letter that passes when made again,
# and a `past-date` one only by a newer record with a later date.
CLEARED_BY_APPROVAL = ("kind", "late-request", "unanswered-points")


@dataclass(frozen=True)
class Hold:
    code: str
    sentence: str
    points: tuple[int, ...] = field(default=())

    @property
    def tag(self) -> str:
        """What logs and the ledger may carry: ``unanswered-points:2,3``, ``kind``..."""
        return f"{self.code}:{','.join(str(n) for n in self.points)}" if self.points else self.code

    def to_json(self) -> dict:
        return {"code": self.code, "sentence": self.sentence}


def _quoted(texts) -> str:
    return ", ".join(f"\u201c{' '.join(str(t).split())}\u201d" for t in texts)


def _days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"


def kind_hold(case: Case, policy: Policy, letter: Letter) -> Hold | None:
    if letter.letter not in (policy.value("sign_off.letters") or ()):
        return None
    what = letter.letter.replace("-", " ")
    return Hold("kind", f"{policy.name} signs off every {what} letter before it goes: read this one, then "
                        f"approve it as it stands or return it with your reason.")


def late_request_hold(case: Case, policy: Policy, letter: Letter) -> Hold | None:
    facts = letter.facts
    accept = ("To accept it instead, record a time_limit_waived event in the case system (this letter is then no "
              "longer due); to refuse it, approve this letter.")
    if letter.letter == "escalation-refusal" and facts.out_of_window and facts.request_date and facts.window_closes:
        asked, closed = facts.request_date, facts.window_closes
        late = policy.calendar.working_days_between(closed, asked)
        reasons = list(facts.reasons or ())
        said = (f"The complainant's reasons for the request: {_quoted(reasons)}." if reasons
                else "The complainant gave no reasons with the request.")
        return Hold("late-request", f"The request to escalate to stage {letter.stage} ({letter.trigger}) came on "
                                    f"{british(asked)}, {_days(late)} after the escalation window closed on "
                                    f"{british(closed)}. {said} {accept}")
    if letter.letter == "not-accepted" and letter.trigger == "complaint" and facts.ground == "out-of-time" \
            and facts.received and facts.time_limit_ends:
        received, ended = facts.received, facts.time_limit_ends
        late = policy.calendar.working_days_between(ended, received)
        said = "The record carries no reasons of the complainant's for the delay; ask for them before deciding."
        return Hold("late-request", f"The complaint was received on {british(received)}, {_days(late)} after its "
                                    f"time limit ({facts.months} months from {british(facts.first_aware)}) "
                                    f"ended on {british(ended)}. {said} {accept}")
    return None


def unanswered_points_hold(case: Case, letter: Letter) -> Hold | None:
    numbers = tuple(letter.facts.unanswered_points or ()) if letter.letter == "outcome" else ()
    if not numbers:
        return None
    points = case.raw["complaint"].get("points") or []
    listed = "; ".join(f"{n}, \u201c{' '.join(str(points[n - 1]).split())}\u201d" for n in numbers
                       if 0 < n <= len(points))
    which = "point" if len(numbers) == 1 else "points"
    return Hold("unanswered-points", f"The stage {letter.stage} decision ({letter.trigger}) has no finding for "
                                     f"complaint {which} {listed} (of {len(points)}). Add a finding to the decision "
                                     f"in the case system, or approve only if you are content that the letter "
                                     f"answers every point as it stands.", numbers)


def _event(case: Case, event_id: str):
    return next((e for e in case.events if e.id == event_id), None)


def past_date_hold(case: Case, letter: Letter, letter_date: date) -> Hold | None:
    """A date the letter states as still to come that is already past on ``letter_date``."""
    facts = letter.facts
    past: list[str] = []
    fix = ""
    if letter.letter == "extension" and isinstance(facts.new_due, date) and facts.new_due < letter_date:
        past.append(f"the new response date, {british(facts.new_due)}")
        fix = "record the extension again with a later new_due"
    if letter.letter == "holding" and isinstance(facts.expected_resume, date) and facts.expected_resume < letter_date:
        past.append(f"the date the investigation is expected to restart, {british(facts.expected_resume)}")
        fix = "record the hold again with a later expected_resume, or a resumed event"
    if letter.letter == "outcome":
        decision = _event(case, facts.decision or letter.trigger)
        actions = decision.get("outstanding_actions", []) if decision is not None else []
        for n, action in enumerate(actions or [], start=1):
            try:
                by = date.fromisoformat(action.get("by"))
            except (TypeError, ValueError, AttributeError):
                continue
            if by < letter_date:
                past.append(f"outstanding action {n}'s date, {british(by)}")
        if past:
            fix = "record the decision again with later dates for its outstanding actions"
    if not past:
        return None
    what = past[0] if len(past) == 1 else ", ".join(past[:-1]) + " and " + past[-1]
    return Hold("past-date", f"The letter would give {what}, as still to come, but it is already past on "
                             f"{british(letter_date)}. Approval cannot clear this: {fix} in the case system, and "
                             f"the letter is drafted again from the newer record.")


def holds_for(case: Case, policy: Policy, letter: Letter, letter_date: date) -> list[Hold]:
    """Every hold of ``letter`` (as it would be sent on ``letter_date``) but ``layout``."""
    found = [kind_hold(case, policy, letter), late_request_hold(case, policy, letter),
             unanswered_points_hold(case, letter), past_date_hold(case, letter, letter_date)]
    return [h for h in found if h is not None]


def layout_hold(problems: list[str]) -> Hold | None:
    """A postal letter that does not fit the envelope window or page (its checks' sentences name
    the check and the page, never the text)."""
    if not problems:
        return None
    return Hold("layout", "The letter is not fit to post: " + " ".join(
        p[0].upper() + p[1:] if p else p for p in problems)
        + " Approval cannot post it as it is: fix the record, the template or the rules, and it is made again.")
