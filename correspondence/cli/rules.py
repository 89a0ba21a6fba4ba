"""`letters rules validate|show|compare`: check the rules files, show a council's timescales,
compare a policy against the Complaint Handling Code."""

from __future__ import annotations

import json
import shutil
from datetime import date

import click

from correspondence.cli.common import Paths, fail, folder_options, load_rules, unknown_council
from correspondence.engine.rules import RulesError, load_rulebook, verification_warning
from correspondence.reporting.tables import rules_table


@click.group()
def rules() -> None:
    """Check the rules files, or show a council's timescales."""


@rules.command("validate")
@folder_options
def rules_validate(paths: Paths) -> None:
    """Check every rules file: known keys, a citation for every value, no out-of-date Ombudsman detail."""
    try:
        book, problems = load_rulebook(paths.rules, strict=False)
    except RulesError as exc:
        book, problems = None, exc.problems
    for problem in problems:
        click.echo(problem, err=True)
    if book is not None:
        warning = verification_warning(book, date.today())
        if warning:
            click.echo(f"warning: {warning}", err=True)
    if problems:
        fail(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {paths.rules}.")
    floor = ", with the Housing Ombudsman Code's floor (hos-2024)" if book.floor else ""
    click.echo(f"{len(book.files)} rules files valid ({', '.join(book.councils)}){floor}; "
               f"Ombudsman details verified on {book.verified_on.isoformat()}.")


@rules.command("show")
@click.argument("council")
@click.option("--procedure", default="corporate", show_default=True, help="Another procedure of the council.")
@click.option("--housing-tenancy", is_flag=True, help="As for a complaint about the council as landlord.")
@click.option("--cse", is_flag=True, help="As for a Telford & Wrekin CSE complaint.")
@folder_options
def rules_show(council: str, procedure: str, housing_tenancy: bool, cse: bool, paths: Paths) -> None:
    """Print a council's timescales and rules as a table, each with its source."""
    book = load_rules(paths)
    if council not in book.files:
        fail(unknown_council(council, book.councils), 2)
    if procedure not in book.procedures(council):
        fail(f"{council} has no {procedure!r} procedure: expected {' or '.join(book.procedures(council))}.", 2)
    policy = book.policy_for(council, procedure, housing_tenancy=housing_tenancy, cse=cse)
    rf = book.files[council]
    width = max(60, min(100, shutil.get_terminal_size((100, 24)).columns))
    click.echo(rules_table(policy, rf.policy.described(rf.name), width))


@rules.command("compare")
@click.argument("council")
@click.option("--housing-tenancy", is_flag=True, help="Housing complaints, against the statutory Housing Ombudsman Code.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@folder_options
def rules_compare(council: str, housing_tenancy: bool, as_json: bool, paths: Paths) -> None:
    """A council's policy against the Complaint Handling Code: meets, stricter or falls short, with both citations."""
    from correspondence.reporting.compare import CompareError, compare, comparison_table

    book = load_rules(paths)
    if council not in book.files:
        fail(unknown_council(council, book.councils), 2)
    try:
        result = compare(book, council, housing_tenancy=housing_tenancy)
    except CompareError as exc:
        fail(str(exc), 3)
    click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False) if as_json else comparison_table(result))
