"""Policies named for people: each rules file names its policy; citations print that name."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from conftest import COUNCILS, RULES, invoke

from correspondence.cli import cli
from correspondence.engine.citations import for_people
from correspondence.engine.rules import load_rulebook

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
    return invoke("rules", "show", *args)


@pytest.mark.parametrize("council", sorted(NAMES))
def test_each_rules_file_names_its_policy(book, council):
    rf = book.files[council]
    assert rf.cited_as == NAMES[council]
    assert rf.policy.title and (rf.policy.date or rf.policy.version) and FILE_NAME.fullmatch(rf.policy.file)


def test_the_code_names_itself(book):
    assert book.files["code-2024"].cited_as == \
        "Complaint Handling Code, Local Government and Social Care Ombudsman (February 2024)"


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


@pytest.mark.parametrize("council", COUNCILS)
def test_rules_show_fits_a_terminal(book, council):
    procedures = [["--procedure", p] for p in book.procedures(council) if p != "corporate"]
    for flags in ([], ["--housing-tenancy"], ["--cse"], *procedures):
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


@pytest.mark.parametrize("council", COUNCILS)
def test_rules_compare_fits_a_terminal_and_cites_by_name(council):
    for flags in ([], ["--housing-tenancy"]) if (RULES / "hos-2024.toml").is_file() else ([],):
        result = CliRunner().invoke(cli, ["rules", "compare", council, *flags, "--rules", str(RULES)])
        assert result.exit_code == 0
        assert not [line for line in result.output.splitlines() if len(line) > 100]
        assert not FILE_NAME.search(result.output)


def test_a_council_adds_its_own_file_as_docs_rules_md_says(tmp_path):
    """Copy the nearest council's file, rename it, name the policy, cite your own policy file."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    text = (rules / "luton.toml").read_text(encoding="utf-8")
    text = text.replace('id = "luton"', 'id = "borsetshire"').replace('name = "Luton Council"', 'name = "Borsetshire Council"')
    text = re.sub(r"^policy = \{.*\}$", 'policy = { file = "complaints-policy.pdf", title = "Complaints Policy", '
                  'version = "3", date = "January 2026" }', text, flags=re.M)
    text = text.replace("003_4c3c9bbf52830afc.txt", "complaints-policy.pdf")
    (rules / "borsetshire.toml").write_text(text, encoding="utf-8")
    runner = CliRunner()
    validate = runner.invoke(cli, ["rules", "validate", "--rules", str(rules)])
    assert validate.exit_code == 0, validate.output
    shown = runner.invoke(cli, ["rules", "show", "borsetshire", "--rules", str(rules)]).output
    assert "Policy: Borsetshire Council, Complaints Policy (version 3, January 2026)." in shown
    assert "complaints-policy.pdf" not in shown  # every citation names the policy instead
    assert shown.count("Borsetshire Council, Complaints Policy") > 10
    record = json.loads((RULES.parent / "examples" / "inbox" / "lbc-2026-0456.json").read_text(encoding="utf-8"))
    record["council"] = "borsetshire"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    due = runner.invoke(cli, ["due", "--case-file", str(path), "--as-of", "2026-11-20", "--json", "--rules", str(rules),
                              "--outbox", str(tmp_path / "outbox")])
    assert due.exit_code == 0, due.output
    luton = runner.invoke(cli, ["due", "--case-file", str(RULES.parent / "examples" / "inbox" / "lbc-2026-0456.json"),
                                "--as-of", "2026-11-20", "--json", "--rules", str(RULES), "--outbox", str(tmp_path / "o2")])
    assert json.loads(due.output)["letters"] == json.loads(luton.output)["letters"]  # the same rules, the same letters
