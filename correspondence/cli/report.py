"""`letters report`: the complaints performance report for a period."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from correspondence.cli.common import Day, Paths, as_of_option, folder_options, load_rules


@click.command()
@click.option("--from", "start", type=Day(), help="First day of the period, YYYY-MM-DD.")
@click.option("--to", "end", type=Day(), help="Last day of the period, YYYY-MM-DD.")
@click.option("--quarter", help="A calendar quarter such as 2026Q3, in place of --from and --to.")
@click.option("--council", "councils", multiple=True, help="Only this council (repeatable; default: every council in the case store).")
@click.option("--format", "formats", default="html,pdf", show_default=True, help="Comma-separated: html, pdf, csv, json.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for the report (default: <outbox>/reports/).")
@click.option("--public", is_flag=True, help="For publication: no case ids at all (no late-letters appendix).")
@as_of_option
@folder_options
def report(start, end, quarter: str | None, councils: tuple[str, ...], formats: str, out: Path | None, public: bool,
           as_of, paths: Paths) -> None:
    """The complaints performance report for a period, from the case store and the ledger."""
    from correspondence.reporting.outputs import ReportUsageError, run_report

    try:
        written, problems = run_report(load_rules(paths), paths.outbox, paths.templates, start=start, end=end, quarter=quarter,
                                       councils=councils, formats=formats, out=out, public=public,
                                       today=as_of.date() if as_of else None)
    except ReportUsageError as exc:
        raise click.UsageError(str(exc))
    for problem in problems:
        click.echo(problem, err=True)
    for path in written:
        click.echo(str(path))
    sys.exit(1 if problems else 0)
