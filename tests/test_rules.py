"""The rules files: every value cited, inheritance declared, no out-of-date Ombudsman details."""

import shutil

import pytest
from conftest import COUNCILS, RULES

from correspondence.engine.rules import RulesError, load_rulebook


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def problems_after(rules_copy, name, old, new):
    path = rules_copy / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return load_rulebook(rules_copy, strict=False)[1]


def test_shipped_rules_are_valid():
    book, problems = load_rulebook(RULES, strict=False)
    assert problems == []
    assert book.councils == COUNCILS


def test_every_value_cites_a_source():
    book, _ = load_rulebook(RULES)
    for council in book.councils:
        for flags in ({}, {"housing_tenancy": True}, {"cse": True}):
            policy = book.policy_for(council, **flags)
            for entry in policy.entries.values():
                assert entry.cite.strip(), (council, entry.key)


def test_inherited_values_say_so():
    policy = load_rulebook(RULES)[0].policy_for("warwickshire")
    assert policy.entries["stage1.acknowledgement"].inherited
    assert policy.entries["stage1.acknowledgement"].source == "code-2024"
    assert not policy.entries["stage1.response"].inherited


def test_missing_citation(rules_copy):
    found = problems_after(rules_copy, "luton.toml",
                           'response = { wd = 15, from = "received", cite = "003_4c3c9bbf52830afc.txt Part 2 §10 (15 working days)" }',
                           'response = { wd = 15, from = "received" }')
    assert found == [f"{rules_copy / 'luton.toml'}: stage1.response: missing a citation (cite = \"policy file and section\")."]


def test_citation_that_names_no_source(rules_copy):
    found = problems_after(rules_copy, "luton.toml", 'cite = "003_4c3c9bbf52830afc.txt Part 2 §10 (15 working days)"',
                           'cite = "somewhere"')
    assert found == [f"{rules_copy / 'luton.toml'}: stage1.response: the citation \"somewhere\" names no policy file, "
                     f"Code paragraph or spec file."]


def test_unknown_key(rules_copy):
    found = problems_after(rules_copy, "solihull.toml", "[stage1]\n",
                           '[stage1]\nreponse = { wd = 5, from = "received", cite = "Code 2024" }\n')
    assert found == [f"{rules_copy / 'solihull.toml'}: stage1.reponse: unknown key."]


def test_stage_beyond_the_procedure(rules_copy):
    found = problems_after(rules_copy, "luton.toml", "[limits]\n",
                           '[stage3]\nresponse = { wd = 5, from = "request", cite = "Code 2024" }\n\n[limits]\n')
    assert found == [f"{rules_copy / 'luton.toml'}: stage3.response: unknown key (beyond the number of stages)."]


def test_missing_value_neither_set_nor_inherited(rules_copy):
    found = problems_after(rules_copy, "hampshire.toml", '    "stage1.escalation_window",\n', "")
    assert found == [f"{rules_copy / 'hampshire.toml'}: stage1.escalation_window: no value; set it with a citation, "
                     f"or list it under inherited."]


def test_inherited_and_set(rules_copy):
    found = problems_after(rules_copy, "hampshire.toml", '    "restrictions.notice",\n',
                           '    "restrictions.notice",\n    "stage1.response",\n')
    assert found == [f"{rules_copy / 'hampshire.toml'}: inherited: stage1.response is listed as inherited but the file also sets it."]


def test_bad_clock(rules_copy):
    found = problems_after(rules_copy, "luton.toml", 'response = { wd = 15, from = "received"',
                           'response = { wd = 15, from = "yesterday"')
    assert found == [f"{rules_copy / 'luton.toml'}: stage1.response: expected from to be one of received, acknowledgement, got 'yesterday'."]


def test_out_of_date_ombudsman_detail_in_a_rules_file(rules_copy):
    found = problems_after(rules_copy, "luton.toml", "# Luton Council: complaints rules.",
                           "# Luton Council: complaints rules. LGO telephone 0845 602 1983.")
    assert found == [f"{rules_copy / 'luton.toml'}: holds an out-of-date Ombudsman detail ('08456021983', listed under retired in ombudsmen.toml)."]


def test_out_of_date_ombudsman_detail_in_the_current_details(rules_copy):
    found = problems_after(rules_copy, "ombudsmen.toml", 'address = ["PO Box 1484", "Unit D", "Preston", "PR2 0ET"]',
                           'address = ["81 Aldwych", "London", "WC2B 4HN"]')
    assert f"{rules_copy / 'ombudsmen.toml'}: holds an out-of-date Ombudsman detail ('aldwych', listed under retired in ombudsmen.toml)." in found


def test_ombudsmen_file_needs_verified_on(rules_copy):
    found = problems_after(rules_copy, "ombudsmen.toml", "verified_on = 2026-11-22\n", "")
    assert found == [f"{rules_copy / 'ombudsmen.toml'}: verified_on: expected the date the details were last checked (YYYY-MM-DD)."]


def test_strict_loading_raises(rules_copy):
    (rules_copy / "luton.toml").write_text("not = [toml")
    with pytest.raises(RulesError) as err:
        load_rulebook(rules_copy)
    assert err.value.problems[0].startswith(f"{rules_copy / 'luton.toml'}: is not valid TOML")


def test_conditions_override_only_for_their_cases():
    book = load_rulebook(RULES)[0]
    assert book.policy_for("luton").clock("limits.time_limit").amount == 12
    assert book.policy_for("luton", housing_tenancy=True).clock("limits.time_limit").amount == 6
    assert book.policy_for("telford-wrekin", cse=True).clock("limits.time_limit").kind == "none"
    # Warwickshire's policy names no Housing Ombudsman route, but a complaint to a council as
    # landlord has the statutory Housing Ombudsman Code as its floor (docs/rules.md#housing-complaints).
    assert book.policy_for("warwickshire").ombudsman.key == "lgsco"
    assert book.policy_for("warwickshire", housing_tenancy=True).ombudsman.key == "hos"
    # ... whose values are not the council's own: Luton's 6 months stay its rule, the engine
    # takes the longer of it and the Code's 12 months.
    assert book.policy_for("luton", housing_tenancy=True).floor["limits.time_limit"].value.amount == 12


def test_required_content_file_is_validated(rules_copy):
    found = problems_after(rules_copy, "required-content.toml", 'item = "new response date"\ntext = "{extension.new_date}"\ncite = "letters.md, extension"',
                           'item = "new response date"\ntext = "{extension.new_date}"\nwhy = "x"')
    path = rules_copy / "required-content.toml"
    assert found == [f"{path}: [[extension]] item 1: unknown field 'why'; expected cite, each, item, text, when.",
                     f"{path}: [[extension]] item 1: cite: expected non-empty text."]


def test_required_content_names_every_letter_kind():
    book = load_rulebook(RULES)[0]
    from correspondence.letters.specimens import LETTER_KINDS
    assert set(LETTER_KINDS) <= set(book.required_content)
    assert all(rule["cite"] for rules in book.required_content.values() for rule in rules)


def test_every_council_gives_its_teams_postal_address_and_telephone():
    # letters.md, Every letterhead is reachable. Luton and Solihull print none in their policies:
    # the council's published contact details are cited instead.
    book = load_rulebook(RULES)[0]
    assert book.policy_for("luton").value("council.address") == ["Town Hall", "George Street", "Luton", "LU1 2BQ"]
    assert book.policy_for("luton").value("council.phone") == "01582 546000"
    assert book.policy_for("solihull").value("council.address") == ["Council House", "Manor Square", "Solihull", "B91 3QB"]
    assert book.policy_for("solihull").value("council.phone") == "0121 704 6000"
    assert "published contact details" in book.policy_for("luton").cite("council.address")
    for council in book.councils:
        if council != "code-2024":  # names no council: the record's organisation gives them
            policy = book.policy_for(council)
            assert policy.value("council.address") and policy.value("council.phone"), council


def test_a_council_file_without_a_postal_address_or_telephone_is_refused(rules_copy):
    path = rules_copy / "luton.toml"
    text = path.read_text()
    start = text.index("address = { value = [\"Town Hall\"")
    end = text.index("\n", text.index("phone = { value = \"01582 546000\"")) + 1
    text = text[:start] + text[end:]
    path.write_text(text.replace('inherited = [\n', 'inherited = [\n    "council.address",\n    "council.phone",\n', 1))
    found = load_rulebook(rules_copy, strict=False)[1]
    assert found == [
        f"{path}: council.address: expected the complaints team's postal address (a list of lines), so that every "
        f"letter's letterhead can be written to and called; where the policy prints none, cite the council's "
        f"published contact details.",
        f"{path}: council.phone: expected the complaints team's telephone number, so that every letter's letterhead "
        f"can be written to and called; where the policy prints none, cite the council's published contact details."]


def test_every_council_gives_the_ombudsmans_details_in_every_extension():
    # Code 2024 para 6.5: the complainant can go to the Ombudsman if unhappy with an extension.
    book = load_rulebook(RULES)[0]
    for council in book.councils:
        assert book.policy_for(council).value("ombudsman.in_extension") == "always", council
        assert "6.5" in book.policy_for(council).cite("ombudsman.in_extension"), council
