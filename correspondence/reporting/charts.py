"""The report's charts: SVG drawn by matplotlib, each with a sentence that says what it shows.

matplotlib is imported here only, and this module only by ``letters report``. Text stays text in
the SVG (``svg.fonttype = none``) so a screen reader or a search finds it, and the SVG carries no
date or hash so the same figures draw the same bytes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache

from correspondence.reporting.report import OUTCOMES, CouncilFigures, Period, Ratio

_COLOURS = {"ack": "#1d70b8", "response": "#00703c", "upheld": "#d4351c", "partly-upheld": "#f47738",
            "not-upheld": "#505a5f", "received": "#1d70b8"}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str  # an <svg> element, without the XML prologue
    alt: str  # the text alternative: what the chart shows, in words and numbers


@lru_cache(maxsize=1)
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "report", "font.family": "DejaVu Sans",
                                "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    import matplotlib.pyplot as plt
    return plt


def _svg(fig) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _accessible(svg: str, chart_id: str, title: str, alt: str) -> str:
    """Name the SVG for assistive technology: role img, with its title and description."""
    from html import escape

    head = f'<svg role="img" aria-labelledby="{chart_id}-t" '

    svg = re.sub(r"^<svg ", head, svg, count=1)
    close = svg.index(">") + 1
    # the title carries the whole text alternative: WeasyPrint makes it the PDF figure's /Alt
    return (svg[:close] + f'<title id="{chart_id}-t">{escape(title)}. {escape(alt)}</title>'
            f'<desc id="{chart_id}-d">{escape(alt)}</desc>' + svg[close:])


def _plain(text: str) -> str:
    """Record text as a chart label: a dollar sign is a dollar, never matplotlib's mathtext."""
    return text.replace("$", r"\$")


def _pct(r: Ratio) -> str:
    return "none" if r.percent is None else f"{r.count} of {r.of} ({r.percent:g}%)"


def on_time(block: CouncilFigures, timescales: dict[int, tuple[str, str]], chart_id: str) -> Chart | None:
    """Acknowledgements and responses on time, per stage; ``timescales`` gives each stage's
    response timescale, the council's and the Code's, for the labels."""
    rows = []
    for s in block.stages:
        council_ts, code_ts = timescales.get(s.stage, ("", ""))
        suffix = f"\n(council {council_ts}; Code {code_ts})" if council_ts else ""
        rows.append((f"Stage {s.stage} acknowledgement", s.acknowledged_on_time, "ack"))
        rows.append((f"Stage {s.stage} response{suffix}", s.responded_on_time, "response"))
    rows = [r for r in rows if r[1].of]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.6, 0.55 * len(rows) + 0.9))
    labels = [r[0] for r in rows][::-1]
    values = [r[1].percent for r in rows][::-1]
    colours = [_COLOURS[r[2]] for r in rows][::-1]
    bars = ax.barh(labels, values, color=colours)
    for bar, r in zip(bars, rows[::-1]):
        ax.text(min(bar.get_width() + 1, 101), bar.get_y() + bar.get_height() / 2,
                f"{r[1].percent:g}% ({r[1].count} of {r[1].of})", va="center")
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("% on or before the date the policy sets")
    title = f"On time, by stage: {block.name}"
    alt = "; ".join(f"{label.splitlines()[0]}: {_pct(r)} on time" for label, r, _ in rows) + "."
    return Chart(title, _accessible(_svg(fig), chart_id, title, alt), alt)


def received_by_month(block: CouncilFigures, period: Period, chart_id: str) -> Chart | None:
    months = period.months()
    counts = [block.received_by_month.get(m, 0) for m in months]
    if not any(counts):
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(3.0, 0.5 * len(months) + 1.5), 2.4))
    labels = [f"{_MONTHS[m - 1]} {y}" for y, m in months]
    bars = ax.bar(labels, counts, color=_COLOURS["received"])
    ax.bar_label(bars, labels=[str(c) for c in counts])
    ax.set_ylabel("complaints received")
    ax.yaxis.get_major_locator().set_params(integer=True)
    if len(months) > 6:
        ax.tick_params(axis="x", labelrotation=45)
    title = f"Complaints received by month: {block.name}"
    alt = "Complaints received (stage 1): " + "; ".join(f"{label}: {c}" for label, c in zip(labels, counts)) + "."
    return Chart(title, _accessible(_svg(fig), chart_id, title, alt), alt)


def outcomes(block: CouncilFigures, chart_id: str) -> Chart | None:
    stages = [s for s in block.stages if sum(s.outcomes.values())]
    if not stages:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.6, 0.5 * len(stages) + 1.1))
    labels = [f"Stage {s.stage}" for s in stages][::-1]
    left = [0] * len(stages)
    for outcome in OUTCOMES:
        values = [s.outcomes[outcome] for s in stages][::-1]
        bars = ax.barh(labels, values, left=left, color=_COLOURS[outcome], label=outcome.replace("-", " "))
        ax.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center", color="white")
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlabel("decisions given in the period")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    title = f"Outcomes: {block.name}"
    alt = "; ".join(f"Stage {s.stage}: " + ", ".join(f"{s.outcomes[o]} {o.replace('-', ' ')}" for o in OUTCOMES)
                    for s in stages) + "."
    return Chart(title, _accessible(_svg(fig), chart_id, title, alt), alt)


def service_areas(block: CouncilFigures, chart_id: str) -> Chart | None:
    areas = block.stage(1).by_service_area
    rows = sorted(((a, f.received) for a, f in areas.items() if f.received), key=lambda x: (-x[1], x[0]))
    if not rows:
        return None
    shown = rows[:12]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.6, 0.4 * len(shown) + 0.9))
    bars = ax.barh([_plain(a) for a, _ in shown][::-1], [n for _, n in shown][::-1], color=_COLOURS["received"])
    ax.bar_label(bars)
    ax.set_xlabel("complaints received (stage 1)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    title = f"Complaints by service area: {block.name}"
    alt = ("Complaints received (stage 1) by service area: " + "; ".join(f"{a}: {n}" for a, n in shown)
           + (f"; and {len(rows) - len(shown)} more areas in the table." if len(rows) > len(shown) else "."))
    return Chart(title, _accessible(_svg(fig), chart_id, title, alt), alt)
