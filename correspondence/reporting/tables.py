"""Plain-text tables for people: a case's letters, the diary, a council's timescales."""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Iterable, Sequence

from correspondence.common.wording import british
from correspondence.engine.due import Determination, Letter
from correspondence.engine.rules import Clock, Policy


def short_date(day: date | None) -> str:
    """"Wed 4 Nov 2026": unambiguous in a table and easy to scan."""
    return f"{day:%a} {day.day} {day:%b %Y}" if day else ""


def grid(headers: Sequence[str], rows: Iterable[Sequence[str]], indent: str = "  ", width: int | None = None) -> str:
    """A text table; with ``width``, cells wrap so that no line is longer than ``width``."""
    rows = [list(map(str, r)) for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    if width is not None:
        _fit(widths, headers, width - len(indent) - 2 * (len(headers) - 1))
    def line(cells):
        return (indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths))).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    for row in rows:
        cells = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(row, widths)]
        for i in range(max(len(c) for c in cells)):
            out.append(line([c[i] if i < len(c) else "" for c in cells]))
    return "\n".join(out)


def _fit(widths: list[int], headers: Sequence[str], room: int) -> None:
    """Narrow the widest columns, in place, until they fit ``room`` (each keeps at least its header)."""
    floor = [max(len(h), 10) for h in headers]
    while sum(widths) > room:
        i = max(range(len(widths)), key=lambda k: widths[k] - floor[k])
        if widths[i] <= floor[i]:
            return
        widths[i] -= 1


def _status(letter: Letter, as_of: date | None = None) -> str:
    if letter.status == "issued":
        return f"issued {short_date(letter.issued_on)}"
    if letter.status in ("draft", "returned") and as_of is not None and as_of > letter.due:
        return f"{letter.status}, OVERDUE"  # sign-off.md: a draft still counts against its due date
    return letter.status.upper() if letter.status == "overdue" else letter.status


def case_table(result: Determination, council_name: str) -> str:
    out = [f"{result.case_id}: {council_name}, as of {short_date(result.as_of)}", ""]
    if result.letters:
        out.append("Letters")
        out.append(grid(["letter", "stage", "trigger", "due", "status"],
                        [[x.letter, x.stage or "", x.trigger, short_date(x.due), _status(x, result.as_of)] for x in result.letters]))
    else:
        out.append("Letters: none")
    out.append("")
    if result.deadlines:
        out.append("Deadlines")
        out.append(grid(["deadline", "stage", "date"],
                        [[d.kind, d.stage or "", short_date(d.date)] for d in result.deadlines]))
    else:
        out.append("Deadlines: none running")
    if result.notes:
        out.append("")
        out.append("Notes")
        out.extend(f"  - {n}" for n in result.notes)
    return "\n".join(out)


def diary_rows(results: Iterable[Determination]) -> list[tuple[Determination, Letter]]:
    """Every letter not yet issued, overdue first, then by due date."""
    from correspondence.engine.diary import pending_rows

    return pending_rows(results)


def diary_table(rows: list[tuple[Determination, Letter]], as_of: date, cases: int) -> str:
    head = f"Letters not yet issued across {cases} case{'s' if cases != 1 else ''}, as of {short_date(as_of)}"
    if not rows:
        return head + "\n\n  Nothing is due."
    return head + "\n\n" + grid(
        ["status", "due", "case", "council", "letter", "stage", "trigger"],
        [[_status(x, r.as_of), short_date(x.due), r.case_id, r.council,
          x.letter, x.stage or "", x.trigger] for r, x in rows])


def rejected_lines(rejected: Iterable[dict]) -> list[str]:
    """One sentence per stored case whose latest record was rejected (the case store's notes)."""
    from datetime import datetime

    out = []
    for item in rejected:
        try:
            when = datetime.fromisoformat(item["arrived"])
            arrived = f"{british(when.date())} at {when:%H:%M}"
        except ValueError:
            arrived = item["arrived"]
        out.append(f"{item['case_id']}: its latest record, {item['file']} (arrived {arrived}), was rejected, so "
                   f"its letters still follow the record stored before it. The report says: {item['report']}")
    return out


# --------------------------------------------------------------------------- rules show

def describe(clock: Clock) -> str:
    if clock.kind == "none":
        return "no limit set: an extension must give its new date"
    return clock.describe()


_SECTIONS = [
    ("Council", ["council.team", "council.address", "council.phone", "council.email", "council.web",
                 "council.interpreting_phone", "calendar.closure_days"]),
    ("Procedure", ["procedure.stages", "limits.time_limit"]),
]


def _label(key: str) -> str:
    section, name = key.split(".", 1)
    words = name.replace("_", " ").replace("-", " ")
    return words if section.startswith("stage") else words.capitalize()


def _clock_words(key: str, value: Clock) -> str:
    if key == "limits.time_limit" and value.kind == "none":
        return "no time limit"
    return describe(value)


def _value_words(policy: Policy, key: str) -> str:
    value = policy.value(key)
    if isinstance(value, Clock):
        if key == "limits.time_limit" and value.kind == "none":
            return "no time limit"
        if key.endswith("escalation_window") and value.kind == "none":
            return "no window: the complainant may ask at any time"
        if key.endswith("extension_limit") and value.kind == "none" and not policy.value(key.split(".")[0] + ".extensions"):
            return "none: the timescale cannot be extended"
        return describe(value)
    if key.endswith(".extensions"):
        return "may be extended" if value else "cannot be extended"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "(none)"
    if key == "ombudsman.body":
        return policy.ombudsman.name
    return str(value) if value != "" else "(not printed in the policy)"


def rules_table(policy: Policy, source: str = "", width: int = 100) -> str:
    """A council's rules for people, each with its source, in lines of at most ``width`` characters."""
    keys_by_section: list[tuple[str, list[str]]] = list(_SECTIONS)
    for n in range(1, policy.stages + 1):
        keys_by_section.append((f"Stage {n}", [k for k in (f"stage{n}.acknowledgement", f"stage{n}.response",
                                                           f"stage{n}.extension_limit", f"stage{n}.escalation_window",
                                                           f"stage{n}.escalation_refusal",
                                                           f"stage{n}.response_after_panel", f"stage{n}.extensions")
                                   if policy.has(k)]))
    keys_by_section += [
        ("Deemed receipt of a response", [k for k in sorted(policy.entries) if k.startswith("deemed_receipt.")]),
        ("Ombudsman", [k for k in sorted(policy.entries) if k.startswith("ombudsman.")]),
        ("Representatives", ["representatives.consent_exempt"]),
        ("Restrictions", [k for k in sorted(policy.entries) if k.startswith("restrictions.")]),
        ("Other letters", [k for k in sorted(policy.entries) if k.startswith("notices.")]),
    ]
    title = f"{policy.name} ({policy.id}), {policy.procedure} procedure"
    out = [title, "=" * len(title)]
    if source:
        out += textwrap.wrap(f"Policy: {source}.", width)
    out += textwrap.wrap("Source: each value's citation; (Code) marks a value the policy leaves unsaid, taken from "
                         "the Complaint Handling Code 2024.", width) + [""]
    if policy.floor:
        out += textwrap.wrap("Housing complaint: the statutory Housing Ombudsman Code (hos-2024) is the floor. "
                             "(Housing Code) marks a value taken from it; for a clock marked (floor), the earlier of "
                             "the two dates applies (for the time limit, the longer).", width) + [""]
    for section, keys in keys_by_section:
        rows = []
        for key in keys:
            entry = policy.entries[key]
            source = entry.cite + (" (Code)" if entry.inherited else "")
            words = _value_words(policy, key)
            if key in policy.floor_replaced:
                old = policy.floor_replaced[key]
                source = f"{entry.cite} (Housing Code; the policy's own: {old.cite})"
            elif key in policy.floor:
                code = policy.floor[key]
                pick = "the longer of" if key == "limits.time_limit" else "the earlier of"
                words = f"{pick}: {words} (policy); {_clock_words(key, code.value)} (Housing Code)"
                source = f"{source}; {code.cite} (Housing Code, floor)"
            rows.append([_label(key), words, source])
        out.append(section)
        out.append(grid(["item", "rule", "source"], rows, width=width))
        out.append("")
    return "\n".join(out).rstrip()
