"""A council's policy against the Complaint Handling Code (``letters rules compare``).

One row per Code provision the rules files can evidence: stages, each stage's acknowledgement
and response timescales and extension limit, the time limit for complaining, and where each
letter must give the Ombudsman's details. Each row holds the council's value and the Code's,
both citations, and a verdict: ``meets`` (the same), ``stricter`` (the council promises more
than the Code asks: a shorter timescale, a longer time limit, the Ombudsman's details in more
letters) or ``falls short``.

Timescales are compared in working days from the start of the stage (the complaint's receipt,
or the escalation request), counting a clock that runs from the acknowledgement from the
acknowledgement's last day: the Code's "10 working days after the acknowledgement" is 15 after
receipt. The council's own procedure is compared (its ``corporate`` one by default); with
``housing_tenancy`` it is the council's housing-complaint values, against the statutory Housing
Ombudsman Code (``hos-2024``) where the rules folder holds it. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rules import Clock, Policy, RuleBook

CODE = "code-2024"
HOUSING_CODE = "hos-2024"
VERDICTS = ("meets", "stricter", "falls short")
_SIGNPOST = [
    ("ombudsman.in_extension", "Ombudsman's details in an extension letter"),
    ("ombudsman.in_stage_outcome", "Ombudsman's details in a stage response that is not final"),
    ("ombudsman.in_final_outcome", "Ombudsman's details in the final response"),
    ("ombudsman.in_escalation_refusal", "Ombudsman's details in an escalation refusal"),
    ("ombudsman.in_not_accepted", "Ombudsman's details when a complaint is not accepted"),
    ("ombudsman.in_restriction_notice", "Ombudsman's details in a restriction notice"),
]
_EXTENSION_RANK = {"always": 2, "past-limit": 1, "never": 0}
_EXTENSION_WORDS = {"always": "in every extension letter", "past-limit": "only in an extension past the limit",
                    "never": "never"}


class CompareError(Exception):
    """The comparison cannot be made (the baseline is not in the rules folder)."""


@dataclass(frozen=True)
class Row:
    provision: str  # the rules key, e.g. stage1.response
    label: str
    council_value: str
    council_cite: str
    code_value: str
    code_cite: str
    verdict: str

    def to_json(self) -> dict:
        return {"provision": self.provision, "label": self.label, "council": self.council_value,
                "council_cite": self.council_cite, "code": self.code_value, "code_cite": self.code_cite,
                "verdict": self.verdict}


@dataclass(frozen=True)
class Comparison:
    council: str
    name: str
    procedure: str
    housing_tenancy: bool
    code: str  # the baseline's rules id
    code_name: str
    rows: tuple[Row, ...]

    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.rows) for v in VERDICTS}

    def to_json(self) -> dict:
        return {"council": self.council, "name": self.name, "procedure": self.procedure,
                "housing_tenancy": self.housing_tenancy, "code": self.code, "code_name": self.code_name,
                "rows": [r.to_json() for r in self.rows], "counts": self.counts()}


def _cite(book: RuleBook, policy: Policy, key: str) -> str:
    """The value's citation for people: the policy's name in place of the file it was read from."""
    entry = policy.entries[key]
    source = book.files.get(entry.source)
    cite = source.cite(entry.cite) if source is not None else entry.cite
    if entry.inherited:
        return f"{cite} (the policy is silent; the Code's value applies)"
    return cite


def stage_days(policy: Policy, stage: int, name: str) -> int | None:
    """Working days from the stage's start to the clock ``stage<n>.<name>``; None for no limit."""
    clock: Clock = policy.clock(f"stage{stage}.{name}")
    if clock.kind == "none":
        return None
    if clock.kind == "same_as":
        return stage_days(policy, stage, clock.ref)
    if clock.kind != "wd":
        raise CompareError(f"stage{stage}.{name}: a {clock.kind} clock cannot be compared in working days")
    if clock.anchor == "acknowledgement":
        return clock.amount + stage_days(policy, stage, "acknowledgement")
    return clock.amount


def _days_words(policy: Policy, stage: int, name: str) -> str:
    clock = policy.clock(f"stage{stage}.{name}")
    days = stage_days(policy, stage, name)
    if days is None:
        return "no limit set" if name == "extension_limit" else "none"
    start = "receipt" if stage == 1 else "the request"
    if clock.kind == "wd" and clock.anchor == "acknowledgement":
        return f"{clock.amount} working days after the acknowledgement ({days} after {start})"
    return f"{days} working days after {start}"


def _timescale_verdict(council: int | None, code: int | None) -> str:
    if code is None:
        return "meets" if council is None else "stricter"
    if council is None:
        return "falls short"
    return "meets" if council == code else ("stricter" if council < code else "falls short")


def _months(clock: Clock) -> int | None:
    return None if clock.kind == "none" else clock.amount


def compare(book: RuleBook, council: str, *, procedure: str = "corporate", housing_tenancy: bool = False) -> Comparison:
    """The rows of ``council``'s policy against the Code (or, for housing, the statutory Code)."""
    baseline_id = HOUSING_CODE if housing_tenancy else CODE
    if baseline_id not in book.files:
        raise CompareError(f"{book.directory}: holds no {baseline_id}.toml, the Code to compare with.")
    mine = book.policy_for(council, procedure, housing_tenancy=housing_tenancy)
    code = book.policy_for(baseline_id)
    rows: list[Row] = []

    stages = mine.stages
    verdict = "meets" if stages == code.stages else "falls short"
    rows.append(Row("procedure.stages", "Stages of the procedure", f"{stages}", _cite(book, mine, "procedure.stages"),
                    f"{code.stages}", _cite(book, code, "procedure.stages"), verdict))
    for n in range(1, code.stages + 1):
        for name, words in (("acknowledgement", "acknowledgement"), ("response", "response"),
                            ("extension_limit", "longest extension")):
            key = f"stage{n}.{name}"
            if n > stages or not mine.has(key):
                rows.append(Row(key, f"Stage {n} {words}", "no such stage", "", _days_words(code, n, name),
                                _cite(book, code, key), "falls short"))
                continue
            rows.append(Row(key, f"Stage {n} {words}", _days_words(mine, n, name), _cite(book, mine, key),
                            _days_words(code, n, name), _cite(book, code, key),
                            _timescale_verdict(stage_days(mine, n, name), stage_days(code, n, name))))

    mine_limit, code_limit = _months(mine.clock("limits.time_limit")), _months(code.clock("limits.time_limit"))
    if mine_limit == code_limit:
        verdict = "meets"
    elif mine_limit is None or (code_limit is not None and mine_limit > code_limit):
        verdict = "stricter"  # a council that accepts older complaints promises more
    else:
        verdict = "falls short"
    words = lambda m: "no time limit" if m is None else f"{m} months from when the complainant first knew"
    rows.append(Row("limits.time_limit", "Time limit for complaining", words(mine_limit), _cite(book, mine, "limits.time_limit"),
                    words(code_limit), _cite(book, code, "limits.time_limit"), verdict))

    for key, label in _SIGNPOST:
        a, b = mine.value(key), code.value(key)
        if key == "ombudsman.in_extension":
            ra, rb = _EXTENSION_RANK[a], _EXTENSION_RANK[b]
            value_a, value_b = _EXTENSION_WORDS[a], _EXTENSION_WORDS[b]
        else:
            ra, rb = int(bool(a)), int(bool(b))
            value_a, value_b = ("yes" if a else "no"), ("yes" if b else "no")
        verdict = "meets" if ra == rb else ("stricter" if ra > rb else "falls short")
        rows.append(Row(key, label, value_a, _cite(book, mine, key), value_b, _cite(book, code, key), verdict))
    rows.append(Row("ombudsman.body", "Ombudsman named in the letters", mine.ombudsman.name, _cite(book, mine, "ombudsman.body"),
                    code.ombudsman.name, _cite(book, code, "ombudsman.body"),
                    "meets" if mine.ombudsman.key == code.ombudsman.key else "falls short"))
    return Comparison(council, book.files[council].name, procedure, housing_tenancy, baseline_id,
                      book.files[baseline_id].name, tuple(rows))


def comparison_table(comparison: Comparison, width: int = 100) -> str:
    """The comparison as plain text, for the terminal, in lines of at most ``width`` characters."""
    import textwrap

    from .tables import grid

    c = comparison
    title = (f"{c.name} ({c.council}), {c.procedure} procedure{', housing complaints' if c.housing_tenancy else ''}: "
             f"against the {c.code_name}")
    counts = c.counts()
    lines = textwrap.wrap(title, width)
    lines += ["=" * min(len(title), width)]
    lines += textwrap.wrap(f"{counts['meets']} meet, {counts['stricter']} stricter, {counts['falls short']} fall short "
                           f"of {len(c.rows)} provisions. Timescales in working days from the stage's start.", width)
    lines.append("")
    lines.append(grid(["provision", "council", "Code", "verdict"],
                      [[r.label, r.council_value, r.code_value, r.verdict] for r in c.rows], width=width))
    lines += ["", "Sources"]
    for r in c.rows:
        lines += textwrap.wrap(f"{r.label}: council: {r.council_cite or '-'}; Code: {r.code_cite}", width,
                               initial_indent="  ", subsequent_indent="    ")
    return "\n".join(lines)
