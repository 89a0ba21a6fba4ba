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
from typing import Mapping

from correspondence.common.errors import SERVICE, CorrespondenceError
from correspondence.engine.rules import Clock, Entry, RuleBook

CODE = "code-2024"
HOUSING_CODE = "hos-2024"
HOUSING_CODE_NAME = "Housing Ombudsman Complaint Handling Code 2024"
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


class CompareError(CorrespondenceError):
    """The comparison cannot be made (the baseline is not in the rules folder)."""

    exit_code = SERVICE


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


Entries = Mapping[str, Entry]


def _cite(book: RuleBook, entries: Entries, key: str) -> str:
    """The value's citation for people: the policy's name in place of the file it was read from."""
    entry = entries[key]
    source = book.files.get(entry.source)
    cite = source.cite(entry.cite) if source is not None else entry.cite
    if entry.inherited:
        return f"{cite} (the policy is silent; the Code's value applies)"
    return cite


def stage_days(entries: Entries, stage: int, name: str) -> int | None:
    """Working days from the stage's start to the clock ``stage<n>.<name>``; None for no limit."""
    clock: Clock = entries[f"stage{stage}.{name}"].value
    if clock.kind == "none":
        return None
    if clock.kind == "same_as":
        return stage_days(entries, stage, clock.ref)
    if clock.kind != "wd":
        raise CompareError(f"stage{stage}.{name}: a {clock.kind} clock cannot be compared in working days")
    if clock.anchor == "acknowledgement":
        return clock.amount + stage_days(entries, stage, "acknowledgement")
    return clock.amount


def _days_words(entries: Entries, stage: int, name: str) -> str:
    clock = entries[f"stage{stage}.{name}"].value
    days = stage_days(entries, stage, name)
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


def _baseline(book: RuleBook, housing_tenancy: bool) -> tuple[str, str, Entries]:
    """The Code compared with: its id, its name and its values."""
    if housing_tenancy:
        floor = book.floor
        if not floor:
            raise CompareError(f"{book.directory}: holds no {HOUSING_CODE}.toml, the Housing Ombudsman Code to compare with.")
        return HOUSING_CODE, HOUSING_CODE_NAME, floor
    if CODE not in book.files:
        raise CompareError(f"{book.directory}: holds no {CODE}.toml, the Code to compare with.")
    return CODE, book.files[CODE].name, book.policy_for(CODE).entries


def compare(book: RuleBook, council: str, *, procedure: str = "corporate", housing_tenancy: bool = False) -> Comparison:
    """The rows of ``council``'s policy against the Code (or, for housing, the statutory Code).

    For housing complaints the council's own values are compared, before the statutory Code
    raises any of them (``Policy.floor_replaced``).
    """
    baseline_id, baseline_name, code = _baseline(book, housing_tenancy)
    policy = book.policy_for(council, procedure, housing_tenancy=housing_tenancy)
    mine: dict[str, Entry] = {**policy.entries, **policy.floor_replaced}
    rows: list[Row] = []

    stages = mine["procedure.stages"].value
    code_stages = code["procedure.stages"].value if "procedure.stages" in code else 2
    if "procedure.stages" in code:
        rows.append(Row("procedure.stages", "Stages of the procedure", f"{stages}", _cite(book, mine, "procedure.stages"),
                        f"{code_stages}", _cite(book, code, "procedure.stages"),
                        "meets" if stages == code_stages else "falls short"))
    for n in range(1, code_stages + 1):
        for name, words in (("acknowledgement", "acknowledgement"), ("response", "response"),
                            ("extension_limit", "longest extension")):
            key = f"stage{n}.{name}"
            if key not in code:
                continue
            if n > stages or key not in mine:
                rows.append(Row(key, f"Stage {n} {words}", "no such stage", "", _days_words(code, n, name),
                                _cite(book, code, key), "falls short"))
                continue
            rows.append(Row(key, f"Stage {n} {words}", _days_words(mine, n, name), _cite(book, mine, key),
                            _days_words(code, n, name), _cite(book, code, key),
                            _timescale_verdict(stage_days(mine, n, name), stage_days(code, n, name))))

    if "limits.time_limit" in code:
        mine_limit, code_limit = _months(mine["limits.time_limit"].value), _months(code["limits.time_limit"].value)
        if mine_limit == code_limit:
            verdict = "meets"
        elif mine_limit is None or (code_limit is not None and mine_limit > code_limit):
            verdict = "stricter"  # a council that accepts older complaints promises more
        else:
            verdict = "falls short"
        def words(months):
            return "no time limit" if months is None else f"{months} months from when the complainant first knew"
        rows.append(Row("limits.time_limit", "Time limit for complaining", words(mine_limit),
                        _cite(book, mine, "limits.time_limit"), words(code_limit), _cite(book, code, "limits.time_limit"),
                        verdict))

    for key, label in _SIGNPOST:
        if key not in code:
            continue
        a, b = mine[key].value, code[key].value
        if key == "ombudsman.in_extension":
            ra, rb = _EXTENSION_RANK[a], _EXTENSION_RANK[b]
            value_a, value_b = _EXTENSION_WORDS[a], _EXTENSION_WORDS[b]
        else:
            ra, rb = int(bool(a)), int(bool(b))
            value_a, value_b = ("yes" if a else "no"), ("yes" if b else "no")
        verdict = "meets" if ra == rb else ("stricter" if ra > rb else "falls short")
        rows.append(Row(key, label, value_a, _cite(book, mine, key), value_b, _cite(book, code, key), verdict))
    if "ombudsman.body" in code:
        a, b = mine["ombudsman.body"].value, code["ombudsman.body"].value
        rows.append(Row("ombudsman.body", "Ombudsman named in the letters", book.ombudsmen[a].name,
                        _cite(book, mine, "ombudsman.body"), book.ombudsmen[b].name, _cite(book, code, "ombudsman.body"),
                        "meets" if a == b else "falls short"))
    return Comparison(council, book.files[council].name, procedure, housing_tenancy, baseline_id, baseline_name,
                      tuple(rows))


def comparison_table(comparison: Comparison, width: int = 100) -> str:
    """The comparison as plain text, for the terminal, in lines of at most ``width`` characters."""
    import textwrap

    from correspondence.reporting.tables import grid

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
