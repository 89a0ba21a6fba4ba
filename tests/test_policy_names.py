"""Policies named for people: each rules file names its policy; citations print that name."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from conftest import RULES
from correspondence.citations import for_people
from correspondence.cli import cli
from correspondence.rules import load_rulebook

FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")

# From each policy's own front page or version table (title, version, date).
NAMES = {
    "telford-wrekin": "Telford & Wrekin Council, Corporate Complaints policy (April 2024)",
    "warwickshire": "Warwickshire County Council, Customer Complaints Policy (May 2020)",
    "solihull": "Solihull Council, Corporate Complaints and Customer Feedback Policy (version 2)",
    "hampshire": "Hampshire County Council, Customer Comments, Compliments and Complaints Procedure (August 2021)",
    "luton": "Luton Council, Complaints Process (1 April 2017)",
}


def show(*args: str):
    return CliRunner().invoke(cli, ["rules", "show", *args, "--rules", str(RULES)])


@pytest.mark.parametrize("council", sorted(NAMES))
def test_each_rules_file_names_its_policy(book, council):
    rf = book.files[council]
    assert rf.cited_as == NAMES[council]
    assert rf.policy.title and (rf.policy.date or rf.policy.version) and FILE_NAME.fullmatch(rf.policy.file)


def test_the_code_names_itself(book):
    assert book.files["code-2024"].cited_as.endswith("(February 2024)")


def test_rules_show_cites_the_policy_by_name_never_by_file(book):
    for council in book.councils:
        for procedure in book.procedures(council):
            result = show(council, "--procedure", procedure)
            assert result.exit_code == 0, result.output
            assert not FILE_NAME.search(result.output), (council, procedure)
            assert ".md" not in result.output.replace("docs/rules.md", "").replace("docs/letters.md", "")
    telford = show("telford-wrekin").output
    assert "Policy: Telford & Wrekin Council, Corporate Complaints policy (version 1.0, April 2024)." in telford


def test_citations_read_as_names():
    sources = {"004_3a0f6aa04b7b6ce2.txt": NAMES["telford-wrekin"]}
    assert for_people("004_3a0f6aa04b7b6ce2.txt §6.9.5", sources) == \
        "Telford & Wrekin Council, Corporate Complaints policy (April 2024) §6.9.5"
    assert for_people("004_3a0f6aa04b7b6ce2.txt §6.9.2; Code 2024 para 5.6", sources) == \
        "Telford & Wrekin Council, Corporate Complaints policy (April 2024) §6.9.2; Code 2024 para 5.6"
    assert for_people("Code 2024 stage 2 (policy-matrix.md)", sources) == "Code 2024 stage 2 (docs/rules.md)"
    assert for_people("letters.md, extension", sources) == "docs/letters.md, extension"


def test_required_content_cites_policies_by_name(book):
    """What goes into each manifest and each `letters check` failure."""
    cites = [rule["cite"] for rules in book.required_content.values() for rule in rules]
    assert cites and not any(FILE_NAME.search(c) for c in cites)
    assert not any(re.search(r"(?<!docs/)\b(letters|policy-matrix)\.md", c) for c in cites)
    assert "Telford & Wrekin Council, Corporate Complaints policy (April 2024) §6.9.2; Code 2024 para 5.6" in cites


def test_engine_entries_cite_by_name(book):
    policy = book.policy_for("telford-wrekin")
    assert policy.entries["stage1.response"].cite.startswith("Telford & Wrekin Council, Corporate Complaints policy (April 2024) §6.9.5")


@pytest.mark.parametrize("council", ["telford-wrekin", "luton", "warwickshire", "hampshire", "solihull", "code-2024"])
def test_rules_show_fits_a_terminal(council):
    for flags in ([], ["--housing-tenancy"], ["--cse"]):
        output = show(council, *flags).output
        too_wide = [line for line in output.splitlines() if len(line) > 100]
        assert not too_wide, too_wide[:3]


def test_a_policy_table_without_a_title_is_a_plain_sentence(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    path = rules / "luton.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^policy = \{.*\}$', 'policy = { file = "003_4c3c9bbf52830afc.txt", date = "1 April 2017" }', text,
                  flags=re.M)
    path.write_text(text, encoding="utf-8")
    _, problems = load_rulebook(rules, strict=False)
    assert f"{path}: policy.title: expected the policy's title, as a reader would know it." in problems


@pytest.mark.parametrize("council", ["telford-wrekin", "luton", "warwickshire", "hampshire", "solihull", "code-2024"])
def test_rules_compare_fits_a_terminal_and_cites_by_name(council):
    for flags in ([], ["--housing-tenancy"]) if (RULES / "hos-2024.toml").is_file() else ([],):
        result = CliRunner().invoke(cli, ["rules", "compare", council, *flags, "--rules", str(RULES)])
        assert result.exit_code == 0
        assert not [line for line in result.output.splitlines() if len(line) > 100]
        assert not FILE_NAME.search(result.output)
