"""Clocks: turning a rules value (``Clock``) and an anchor date into a date.

Which clock applies, from what, is the rules data's business: a stage's clocks are named
``stage<n>.<name>`` and anchored on the stage's start (the complaint, a reopening or an
escalation request) or its acknowledgement; notices are anchored on their event.
"""

from __future__ import annotations

from datetime import date, timedelta

from correspondence.engine.rules import Clock, Policy
from correspondence.engine.working_days import add_months


def apply(policy: Policy, clock: Clock, anchor: date) -> date | None:
    """The date ``clock`` gives from ``anchor`` (None for a clock that is ``none``)."""
    if clock.kind == "none":
        return None
    if clock.kind == "wd":
        return policy.calendar.add_working_days(anchor, clock.amount)
    if clock.kind == "days":
        return anchor + timedelta(days=clock.amount)
    if clock.kind == "months":
        return add_months(anchor, clock.amount)
    if clock.kind == "wd_of":
        return policy.calendar.add_working_days(anchor, policy.clock(clock.ref).amount)
    raise ValueError(f"clock {clock.kind} needs a reference date")


def deemed_receipt(policy: Policy, sent: date, delivery: str) -> date:
    """When a letter sent on ``sent`` by ``delivery`` counts as received (docs/rules.md#deemed-receipt)."""
    return apply(policy, policy.clock(f"deemed_receipt.{delivery}"), sent)
