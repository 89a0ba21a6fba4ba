"""The complaints performance report's figures (docs/report.md), as pure data.

:func:`build_report` is a pure function of (cases with the letters issued for each, rules,
period). Each case is read through the engine, :func:`correspondence.engine.due.determine`, as of the
period's last day (or an earlier ``as_of`` for a period not yet over: the report then counts up
to that day only), so "on time" means on or before the date ``letters due`` gives. What counts
in a period:

* ``received``: stage 1 when ``complaint.received`` falls in the period, stage n when an
  ``escalation_request`` to it does. ``not_accepted`` (by ground, and for stage n the refused
  escalations), ``withdrawn`` and ``discontinued`` are "of those": the complaints and requests
  received in the period, as they stand at its end.
* ``acknowledged_on_time`` and the three ``responded_*`` figures count the letters *due* in the
  period (an outcome letter's due date is the response deadline, extended if it was); a letter
  due in the period and not issued by its end is late. So each letter counts in one period only.
* ``extensions`` count extension letters issued in the period; ``outcomes``, ``by_service_area``
  (upheld) and ``learning`` count outcome letters issued in the period; Ombudsman and restriction
  events count when their date falls in the period.

No name, address, email, phone number, summary or complaint point is ever copied into the
figures; case ids are kept only in :attr:`Report.late_letters`.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from correspondence.engine.case import Case, CaseError, Event
from correspondence.engine.due import Determination, Issued, Letter, determine
from correspondence.engine.rules import RuleBook

GROUNDS = ("out-of-time", "excluded", "previously-considered", "legal-proceedings", "other")
REFUSALS = ("out-of-window", "refused")
NO_SUCH_STAGE = "no-such-stage"  # a request for a stage the procedure lacks: counted at its last stage
NOT_RECORDED = "not-recorded"  # an outcome sent outside the service, its decision never recorded
OUTCOMES = ("upheld", "partly-upheld", "not-upheld")
FINDINGS = ("not-investigated", "premature", "no-fault", "fault-no-injustice", "fault-injustice",
            "maladministration", "severe-maladministration", "service-failure")
BODIES = ("lgsco", "hos")
NO_SERVICE_AREA = "(no service area given)"


# --------------------------------------------------------------------------- the period

@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    @classmethod
    def quarter(cls, text: str) -> "Period":
        """``2026Q4`` is 1 October to 31 December 2026 (calendar quarters)."""
        match = re.fullmatch(r"(\d{4})[Qq]([1-4])", text.strip())
        if not match:
            raise ValueError(f"expected a quarter like 2026Q4, got {text!r}")
        year, q = int(match[1]), int(match[2])
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
        return cls(start, end)

    def months(self) -> list[tuple[int, int]]:
        out, (y, m) = [], (self.start.year, self.start.month)
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def to_json(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


# --------------------------------------------------------------------------- figures

@dataclass
class Ratio:
    """A count out of a denominator; with nothing to count its percentage is None ("none")."""

    count: int = 0
    of: int = 0

    def add(self, hit: bool) -> None:
        self.of += 1
        self.count += bool(hit)

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.of, 1) if self.of else None

    def to_json(self) -> dict:
        return {"count": self.count, "of": self.of}


@dataclass
class AreaFigures:
    received: int = 0
    upheld_or_partly: Ratio = field(default_factory=Ratio)


@dataclass
class StageFigures:
    stage: int
    last: bool = False  # the procedure's last stage: requests for a stage after it are refused here
    received: int = 0
    not_accepted: Counter = field(default_factory=Counter)
    withdrawn: int = 0
    discontinued: int = 0
    acknowledged_on_time: Ratio = field(default_factory=Ratio)
    responded_on_time: Ratio = field(default_factory=Ratio)
    responded_within_extension: Ratio = field(default_factory=Ratio)
    responded_late: Ratio = field(default_factory=Ratio)
    extensions_issued: int = 0
    extensions_past_limit: int = 0
    working_days: list[int] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    by_service_area: dict[str, AreaFigures] = field(default_factory=lambda: defaultdict(AreaFigures))

    @property
    def grounds(self) -> tuple[str, ...]:
        return GROUNDS + (REFUSALS if self.stage > 1 else ()) + ((NO_SUCH_STAGE,) if self.last else ())

    @property
    def upheld_or_partly(self) -> Ratio:
        """Of the decisions known: an outcome "not recorded" is outside the denominator."""
        return Ratio(self.outcomes["upheld"] + self.outcomes["partly-upheld"], sum(self.outcomes[o] for o in OUTCOMES))

    @property
    def mean_working_days(self) -> float | None:
        return round(statistics.fmean(self.working_days), 1) if self.working_days else None

    @property
    def median_working_days(self) -> float | None:
        return statistics.median(self.working_days) if self.working_days else None

    def to_json(self) -> dict:
        return {
            "stage": self.stage,
            "received": self.received,
            "not_accepted": {g: self.not_accepted[g] for g in self.grounds},
            "withdrawn": self.withdrawn,
            "discontinued": self.discontinued,
            "acknowledged_on_time": self.acknowledged_on_time.to_json(),
            "responded_on_time": self.responded_on_time.to_json(),
            "responded_within_extension": self.responded_within_extension.to_json(),
            "responded_late": self.responded_late.to_json(),
            "extensions": {"issued": self.extensions_issued, "past_limit": self.extensions_past_limit},
            "working_days_to_response": {"mean": self.mean_working_days, "median": self.median_working_days,
                                         "of": len(self.working_days)},
            "outcomes": {**{o: self.outcomes[o] for o in OUTCOMES}, NOT_RECORDED: self.outcomes[NOT_RECORDED],
                         "upheld_or_partly": self.upheld_or_partly.to_json()},
            "by_service_area": [{"service_area": area, "received": f.received,
                                 "upheld_or_partly": f.upheld_or_partly.to_json()}
                                for area, f in sorted(self.by_service_area.items())],
        }


@dataclass
class CouncilFigures:
    council: str
    name: str
    procedure: str
    stages: list[StageFigures]
    received_by_month: Counter = field(default_factory=Counter)  # (year, month) -> stage 1 received
    ombudsman_enquiries: Counter = field(default_factory=Counter)  # body -> count
    ombudsman_decisions: Counter = field(default_factory=Counter)  # finding -> count
    remedies_complied: Ratio = field(default_factory=Ratio)
    compensation_gbp: float = 0
    people_restricted: int = 0
    reviews_on_time: Ratio = field(default_factory=Ratio)
    learning: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    cases: int = 0  # cases read for this block (any date)
    housing_cases: int = 0  # of those, complaints about the council as landlord
    signed_off: Counter = field(default_factory=Counter)  # letter kind -> approved in the period (sign-off.md)
    sign_off_waits: list[int] = field(default_factory=list)  # working days from drafted to approved, each

    @property
    def sign_off_mean(self) -> float | None:
        return round(statistics.fmean(self.sign_off_waits), 1) if self.sign_off_waits else None

    @property
    def sign_off_median(self) -> float | None:
        return statistics.median(self.sign_off_waits) if self.sign_off_waits else None

    def stage(self, number: int) -> StageFigures:
        return self.stages[number - 1]

    def to_json(self) -> dict:
        return {
            "council": self.council,
            "name": self.name,
            "procedure": self.procedure,
            "stages": [s.to_json() for s in self.stages],
            "received_by_month": {f"{y:04d}-{m:02d}": n for (y, m), n in sorted(self.received_by_month.items())},
            "ombudsman": {
                "enquiries": {b: self.ombudsman_enquiries[b] for b in BODIES},
                "decisions": {f: self.ombudsman_decisions[f] for f in FINDINGS},
                "remedies_complied": self.remedies_complied.to_json(),
                "compensation_gbp": round(self.compensation_gbp, 2),
            },
            "restrictions": {"people": self.people_restricted, "reviews_on_time": self.reviews_on_time.to_json()},
            "signed_off": {"letters": sum(self.signed_off.values()),
                           "by_kind": dict(sorted(self.signed_off.items())),
                           "working_days_waited": {"mean": self.sign_off_mean, "median": self.sign_off_median,
                                                   "of": len(self.sign_off_waits)}},
            "learning": [{"service_area": area, "learning": texts} for area, texts in sorted(self.learning.items())],
        }


@dataclass(frozen=True)
class LateLetter:
    case_id: str
    council: str
    procedure: str
    letter: str
    stage: int | None
    due: date
    issued_on: date | None
    working_days_late: int

    def to_json(self) -> dict:
        return {"case_id": self.case_id, "council": self.council, "procedure": self.procedure,
                "letter": self.letter, "stage": self.stage, "due": self.due.isoformat(),
                "issued": self.issued_on.isoformat() if self.issued_on else None,
                "working_days_late": self.working_days_late}


@dataclass
class Report:
    period: Period
    councils: list[CouncilFigures]
    late_letters: list[LateLetter]
    problems: list[str]  # one sentence per case the engine could not read (case id and field only)
    as_of: date  # the period's end, or an earlier day for a period not yet over

    @property
    def counted(self) -> Period:
        """The part of the period the figures count: up to ``as_of``."""
        return Period(self.period.start, self.as_of)

    def to_json(self, public: bool = False) -> dict:
        out = {"period": self.period.to_json(), "as_of": self.as_of.isoformat(),
               "councils": [c.to_json() for c in self.councils]}
        if not public:
            out["late_letters"] = [x.to_json() for x in self.late_letters]
        return out


# --------------------------------------------------------------------------- one case

def _stage_of(requests: list[Event], on: date) -> int:
    """The stage a complaint is at on ``on``, given its accepted escalation requests."""
    return max([r.get("to_stage") for r in requests if r.date <= on], default=1)


def _refused_requests(case: Case, det: Determination, end: date) -> dict[str, str]:
    """Request event id -> "out-of-window" or "refused", from the engine's escalation refusals."""
    requests = [e for e in case.events if e.type == "escalation_request" and e.date <= end]
    refused: dict[str, str] = {}
    for letter in det.letters:
        if letter.letter != "escalation-refusal":
            continue
        if letter.facts.out_of_window:
            refused[letter.trigger] = "out-of-window"
            continue
        if letter.facts.no_such_stage:
            refused[letter.trigger] = NO_SUCH_STAGE
            continue
        asked = letter.facts.request_date
        match = [r for r in requests if r.get("to_stage") == letter.stage and r.date == asked and r.id not in refused]
        if match:
            refused[match[-1].id] = "refused"
    return refused


def _closing(case: Case, end: date) -> Event | None:
    """The withdrawal or discontinuation that closes the complaint at ``end`` (none if reopened since)."""
    last = None
    for e in sorted(case.events, key=lambda e: (e.date, e.index)):
        if e.date <= end and e.type in ("withdrawn", "discontinued", "reopened"):
            last = e
    return last if last is not None and last.type != "reopened" else None


def _learning_texts(event: Event) -> list[str]:
    value = event.get("learning")
    if isinstance(value, str):
        return [value]
    return [x for x in value or [] if isinstance(x, str)]


class _CaseCount:
    """Adds one case, read by the engine as of the counted period's end, to its block's figures."""

    def __init__(self, block: CouncilFigures, case: Case, det: Determination, period: Period, calendar,
                 late: list[LateLetter]):
        self.block, self.case, self.det, self.period, self.calendar, self.late = block, case, det, period, calendar, late
        self.events = {e.id: e for e in case.events}
        self.area = case.raw.get("service_area") or NO_SERVICE_AREA
        self.refused = _refused_requests(case, det, period.end)
        self.requests = [e for e in case.events if e.type == "escalation_request" and e.date <= period.end]
        self.accepted = [r for r in self.requests if r.id not in self.refused]
        self.stages = len(block.stages)

    def run(self) -> None:
        self.received()
        self.closed_without_response()
        self.letters_due()
        self.decisions()
        self.ombudsman()
        self.restrictions()

    # ----- helpers

    def figures(self, stage: int | None) -> StageFigures | None:
        return self.block.stage(stage) if stage and stage <= self.stages else None

    def start_of(self, stage: int, on: date) -> date:
        """When the stage the complaint was at on ``on`` began (receipt, or the request)."""
        if stage == 1:
            return self.case.received
        return max((r.date for r in self.accepted if r.get("to_stage") == stage and r.date <= on),
                   default=self.case.received)

    def cohort(self, on: date) -> StageFigures | None:
        """The figures of the stage the complaint was at on ``on``, if that stage began in the period."""
        stage = _stage_of(self.accepted, on)
        figures = self.figures(stage)
        return figures if figures is not None and self.start_of(stage, on) in self.period else None

    def add_late(self, letter: str, stage: int | None, due: date, sent: date | None) -> None:
        self.late.append(LateLetter(self.case.case_id, self.case.council, self.case.procedure, letter, stage, due,
                                    sent, self.calendar.working_days_between(due, sent or self.period.end)))

    # ----- figures

    def received(self) -> None:
        case, block = self.case, self.block
        if case.received in self.period:
            s1 = block.stage(1)
            s1.received += 1
            s1.by_service_area[self.area].received += 1
            block.received_by_month[(case.received.year, case.received.month)] += 1
        for r in self.requests:
            figures = self.figures(r.get("to_stage")) if r.get("to_stage") > 1 else None
            if figures is not None and r.date in self.period:
                figures.received += 1
                figures.by_service_area[self.area].received += 1
                if r.id in self.refused:
                    figures.not_accepted[self.refused[r.id]] += 1
            elif self.refused.get(r.id) == NO_SUCH_STAGE and r.date in self.period:
                block.stage(self.stages).not_accepted[NO_SUCH_STAGE] += 1

    def closed_without_response(self) -> None:
        """Not accepted, withdrawn, discontinued: of those received in the period."""
        not_accepted = [x for x in self.det.letters if x.letter == "not-accepted"]
        for letter in not_accepted:
            on = self.case.received if letter.trigger == "complaint" else self.events[letter.trigger].date
            figures = self.cohort(on)
            if figures is not None:
                figures.not_accepted[letter.facts.ground or "other"] += 1
        closing = _closing(self.case, self.period.end)
        if closing is not None and not not_accepted:
            figures = self.cohort(closing.date)
            if figures is not None:
                if closing.type == "withdrawn":
                    figures.withdrawn += 1
                else:
                    figures.discontinued += 1

    def letters_due(self) -> None:
        """Acknowledgements and responses due in the period, extensions sent in it, late letters."""
        period = self.period
        answered = {x.stage for x in self.det.letters if x.letter == "outcome" and x.stage}
        for letter in self.det.letters:
            figures = self.figures(letter.stage)
            # docs/rules.md#letters-never-contradict-one-another: a superseded acknowledgement is on time when the outcome went by its due date
            answered_on = letter.issued_on or letter.facts.superseded_on
            if letter.status == "superseded" and letter.letter != "acknowledgement":
                continue  # not sent, and owed no longer
            if figures is not None and letter.letter == "acknowledgement" and letter.due in period:
                figures.acknowledged_on_time.add(answered_on is not None and answered_on <= letter.due)
            elif figures is not None and letter.letter == "outcome" and letter.due in period:
                decided = self.events[letter.trigger].date if letter.trigger in self.events else letter.due
                self.response(figures, letter, self.start_of(letter.stage, decided))
            elif figures is not None and letter.letter == "extension" and letter.issued_on in period:
                figures.extensions_issued += 1
                figures.extensions_past_limit += bool(letter.facts.past_limit)
            if letter.due in period and (answered_on is None or answered_on > letter.due):
                self.add_late(letter.letter, letter.stage, letter.due, answered_on)
        for deadline in self.det.deadlines:  # a response due with no decision yet: late
            figures = self.figures(deadline.stage)
            if (figures is not None and deadline.kind == "response" and deadline.stage not in answered
                    and deadline.date in period):
                figures.responded_late.add(True)
                figures.responded_on_time.add(False)
                figures.responded_within_extension.add(False)
                self.add_late("outcome", deadline.stage, deadline.date, None)

    def response(self, figures: StageFigures, outcome: Letter, start: date) -> None:
        """One outcome letter whose (extended) deadline falls in the period."""
        extended_from = [x.facts.previous_due for x in self.det.letters
                         if x.letter == "extension" and x.stage == outcome.stage and x.facts.previous_due]
        original = min(extended_from, default=outcome.due)
        sent = outcome.issued_on
        figures.responded_on_time.add(sent is not None and sent <= original)
        figures.responded_within_extension.add(sent is not None and original < sent <= outcome.due)
        figures.responded_late.add(sent is None or sent > outcome.due)
        if sent is not None:
            figures.working_days.append(self.calendar.working_days_between(start, sent))

    def decisions(self) -> None:
        """Decisions sent in the period: outcomes, upheld by service area, learning."""
        for letter in self.det.letters:
            figures = self.figures(letter.stage)
            decision = self.events.get(letter.trigger)
            if figures is None or letter.letter != "outcome" or letter.issued_on not in self.period or decision is None:
                continue
            if decision.type == "letter_issued":  # sent outside the service: its decision, if recorded later
                decision = self.events.get(letter.facts.decision or "")
                if decision is None:
                    figures.outcomes[NOT_RECORDED] += 1
                    continue
            if decision.type != "decision":
                continue
            outcome = decision.get("outcome")
            figures.outcomes[outcome] += 1
            figures.by_service_area[self.area].upheld_or_partly.add(outcome in ("upheld", "partly-upheld"))
            self.block.learning[self.area].extend(_learning_texts(decision))

    def ombudsman(self) -> None:
        block = self.block
        for e in self.case.events:
            if e.date not in self.period:
                continue
            if e.type == "ombudsman_enquiry":
                block.ombudsman_enquiries[e.get("body")] += 1
            elif e.type == "ombudsman_decision":
                block.ombudsman_decisions[e.get("finding")] += 1
                if e.get("remedy_complied") is not None:
                    block.remedies_complied.add(bool(e.get("remedy_complied")))
                block.compensation_gbp += float(e.get("compensation_gbp") or 0)

    def restrictions(self) -> None:
        """People restricted in the period; reviews due in it, held on time or not."""
        block, events = self.block, self.events
        if any(e.type == "restriction" and e.date in self.period for e in self.case.events):
            block.people_restricted += 1
        conduct = sorted((x for x in self.det.letters if x.letter in ("restriction-notice", "restriction-review")
                          and x.trigger in events), key=lambda x: (events[x.trigger].date, events[x.trigger].index))
        review_due: date | None = None
        for letter in conduct:
            if letter.letter == "restriction-notice":
                review_due = letter.facts.review
                continue
            if review_due in self.period:
                block.reviews_on_time.add(events[letter.trigger].date <= review_due)
            review_due = letter.facts.next_review
        if review_due in self.period:
            block.reviews_on_time.add(False)  # due in the period and not held by its end


# --------------------------------------------------------------------------- the report

@dataclass(frozen=True)
class SignedOff:
    """A letter approved from a draft (sign-off.md): its kind, the day drafted, the day approved."""
    letter: str
    drafted: date
    approved: date


def build_report(book: RuleBook, cases: Iterable[tuple[Case, list[Issued]]], period: Period,
                 councils: Iterable[str] | None = None, as_of: date | None = None,
                 signed_off: dict[str, list[SignedOff]] | None = None) -> Report:
    """The figures of every (council, procedure) among ``cases`` (or of ``councils`` only).

    ``as_of`` (default: the period's end) stops the count early for a period not yet over: a
    letter due after it is not yet counted, on time or late. ``signed_off``: by case id, the
    letters approved from drafts (those approved in the period are counted).
    """
    as_of = min(period.end, as_of or period.end)
    requested, period = period, Period(period.start, as_of)
    wanted = set(councils) if councils is not None else None
    blocks: dict[tuple[str, str], CouncilFigures] = {}
    late: list[LateLetter] = []
    problems: list[str] = []
    policies: dict[tuple, object] = {}
    for case, issued in cases:
        if wanted is not None and case.council not in wanted:
            continue
        flags = (case.council, case.procedure, case.housing_tenancy, case.cse)
        policy = policies.get(flags)
        if policy is None:  # one resolved policy per kind of case, not per case
            policy = policies[flags] = book.policy_for(case.council, case.procedure,
                                                       housing_tenancy=case.housing_tenancy, cse=case.cse)
        key = (case.council, case.procedure)
        block = blocks.get(key)
        if block is None:
            base = book.policy_for(case.council, case.procedure)
            block = blocks[key] = CouncilFigures(case.council, book.files[case.council].name, case.procedure,
                                                 [StageFigures(n, n == base.stages) for n in range(1, base.stages + 1)])
        block.cases += 1
        block.housing_cases += case.housing_tenancy
        for approval in (signed_off or {}).get(case.case_id, []):
            if approval.approved in period:
                block.signed_off[approval.letter] += 1
                block.sign_off_waits.append(policy.calendar.working_days_between(approval.drafted, approval.approved))
        if case.received > period.end:
            continue
        try:
            det = determine(case, policy, issued, period.end)
        except CaseError:
            problems.append(f"{case.case_id}: the record cannot be read as of {period.end.isoformat()} "
                            f"(run 'letters due {case.case_id} --as-of {period.end.isoformat()}'); "
                            f"it is left out of the report.")
            continue
        _CaseCount(block, case, det, period, policy.calendar, late).run()
    for council in sorted(wanted or ()):
        if council in book.files and not any(k[0] == council for k in blocks):
            base = book.policy_for(council)
            blocks[(council, "corporate")] = CouncilFigures(council, book.files[council].name, "corporate",
                                                            [StageFigures(n, n == base.stages) for n in range(1, base.stages + 1)])
    late.sort(key=lambda x: (x.council, x.procedure, x.due, x.case_id, x.letter))
    ordered = [blocks[k] for k in sorted(blocks, key=lambda k: (k[0], k[1] != "corporate", k[1]))]
    return Report(requested, ordered, late, problems, as_of)
