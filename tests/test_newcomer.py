"""What a newcomer trips over: dates, case ids, event types, record files, notes, help, README examples."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT, invoke, make, run

from correspondence.cli import cli
from correspondence.common.wording import british_dates, language_name, parse_day
from correspondence.engine.walk import EVENT_ORDER

TWC = EXAMPLES / "twc-2026-0142.json"



# --------------------------------------------------------------------------- --as-of

@pytest.mark.parametrize("given, sentence", [
    ("2026-02-30", "2026-02-30 is not a real date: February 2026 has 28 days."),
    ("2028-02-30", "2028-02-30 is not a real date: February 2028 has 29 days."),  # a leap year
    ("2026-04-31", "2026-04-31 is not a real date: April 2026 has 30 days."),
    ("2026-13-01", "2026-13-01 is not a real date: there is no month 13; write the date as YYYY-MM-DD."),
    ("20/11/2026", "'20/11/2026' is not a date written YYYY-MM-DD, such as 2026-11-20."),
])
def test_as_of_that_is_not_a_date_gets_a_plain_sentence(tmp_path, given, sentence):
    result = invoke("due", "--case-file", str(TWC), "--as-of", given, outbox=tmp_path)
    assert result.exit_code == 2
    assert f"Error: Invalid value for '--as-of': {sentence}" in result.output
    assert "%Y" not in result.output and "does not match the format" not in result.output


def test_report_dates_that_are_not_dates_get_a_plain_sentence(tmp_path):
    result = invoke("report", "--from", "2026-02-30", "--to", "2026-03-31", outbox=tmp_path)
    assert result.exit_code == 2
    assert "Error: Invalid value for '--from': 2026-02-30 is not a real date: February 2026 has 28 days." in result.output


def test_as_of_that_is_a_date_works(tmp_path):
    result = invoke("due", "--case-file", str(TWC), "--as-of", "2026-11-20", "--json", outbox=tmp_path)
    assert result.exit_code == 0 and json.loads(result.output)["as_of"] == "2026-11-20"


def test_parse_day():
    assert str(parse_day("2028-02-29")) == "2028-02-29"
    with pytest.raises(ValueError, match="February 2027 has 28 days"):
        parse_day("2027-02-29")


# --------------------------------------------------------------------------- case ids

def test_a_case_id_in_the_wrong_case_names_the_stored_id(tmp_path):
    assert invoke("store", str(TWC), outbox=tmp_path).exit_code == 0
    due = invoke("due", "twc-2026-0142", "--as-of", "2026-11-20", outbox=tmp_path)
    assert due.exit_code == 2
    assert due.output == ("No stored case twc-2026-0142: case ids are case-sensitive, and the stored case is "
                          "TWC-2026-0142; try 'letters due TWC-2026-0142'.\n")
    render = invoke("render", "twc-2026-0142", "--dry-run", outbox=tmp_path)
    assert "the stored case is TWC-2026-0142; try 'letters render TWC-2026-0142'." in render.output
    unknown = invoke("due", "TWC-2026-9999", outbox=tmp_path)
    assert unknown.exit_code == 2 and "case-sensitive" not in unknown.output
    assert unknown.output.startswith("No stored case TWC-2026-9999 in ")


@pytest.mark.parametrize("args, hint", [
    (["rules", "show", "telford"], "No rules for 'telford' (did you mean telford-wrekin?): expected one of "),
    (["rules", "show", "Luton"], "No rules for 'Luton' (did you mean luton?): expected one of "),
    (["rules", "compare", "warwick"], "No rules for 'warwick' (did you mean warwickshire?): expected one of "),
    (["rules", "show", "atlantis"], "No rules for 'atlantis': expected one of code-2024, "),
])
def test_an_unknown_council_suggests_the_nearest(tmp_path, args, hint):
    result = invoke(*args, outbox=tmp_path)
    assert result.exit_code == 2 and result.output.startswith(hint)


def test_help_points_to_the_docs():
    assert "docs/commands.md" in CliRunner().invoke(cli, ["--help"]).output


# --------------------------------------------------------------------------- event types

def test_a_mistyped_event_type_is_reported_as_an_unknown_type(tmp_path):
    record = json.loads(TWC.read_text(encoding="utf-8"))
    record["events"][0]["type"] = "letter_isued"
    path = tmp_path / "x.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = invoke("due", "--case-file", str(path), outbox=tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f'{path}: field events[0].type: "letter_isued" is not an event type (did you mean letter_issued?); '
        f"expected one of {', '.join(sorted(EVENT_ORDER))}."]
    assert "delivery" not in result.output


# --------------------------------------------------------------------------- letters check on a record

def test_check_on_a_record_file_says_it_is_a_case_record(tmp_path):
    result = invoke("check", str(TWC), outbox=tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{TWC}: a case record, not a letter: letters check reads the letters filed in the outbox; to see this "
        f"case's letters, run 'letters due --case-file {TWC}'.")
    assert "manifest cannot be read" not in result.output


# --------------------------------------------------------------------------- notes

def test_notes_give_british_dates_and_languages_by_name(book):
    rec = make(complainant={"format_needs": ["language:pl", "language:pt-BR"]})
    notes = run(book, rec, "2026-11-01").notes
    # Received 2 November 2026, asked about on 1 November: nothing is due yet.
    assert notes == ("The complaint is received on 2 November 2026, after 1 November 2026: nothing is due yet.",)
    notes = run(book, rec, "2026-11-03").notes
    assert "A version of each letter in Polish is needed." in notes
    assert "A version of each letter in Portuguese (pt-BR) is needed." in notes
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", n) for n in notes)


def test_words():
    assert british_dates("on 2026-11-17, not 2026-02-30") == "on 17 November 2026, not 2026-02-30"
    assert language_name("pl") == "Polish" and language_name("cy") == "Welsh"
    assert language_name("xx") == "the language with code 'xx'"


# --------------------------------------------------------------------------- help and messages

SPEC_NAMES = re.compile(r"(?<!docs/)\b(cli|letters|policy-matrix|case-format|report)\.md\b")


def _all_help() -> str:
    out = []

    def visit(cmd: click.Command, path: list[str]) -> None:
        out.append(CliRunner().invoke(cli, [*path, "--help"]).output)
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(click.Context(cmd)):
                visit(cmd.get_command(click.Context(cmd), name), path + [name])

    visit(cli, [])
    return "\n".join(out)


def test_help_names_no_file_a_clone_does_not_have():
    text = _all_help()
    assert text.count("Usage: ") > 8
    assert not SPEC_NAMES.search(text), SPEC_NAMES.search(text).group(0)


def _message_strings(path: Path) -> list[str]:
    """String constants of a module that are not docstrings (messages, help, sentences)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_messages_name_no_file_a_clone_does_not_have():
    offenders = []
    for path in sorted((ROOT / "correspondence").rglob("*.py")):
        if path.name in ("citations.py", "docs_build.py"):
            continue  # they map those names to the docs
        offenders += [f"{path.name}: {s!r}" for s in _message_strings(path) if SPEC_NAMES.search(s)]
    assert not offenders


# --------------------------------------------------------------------------- the README's examples

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_due_json_is_the_real_output(tmp_path):
    intro = ("After the quick start, `letters due TWC-2026-0142 --outbox demo/outbox --as-of 2026-11-20 --json` "
             "prints exactly:")
    assert intro in README
    block = README.split(intro, 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    # The quick start's process: the outcome drafted and held for sign-off
    assert invoke("render", "--case-file", str(TWC), "--as-of", "2026-11-20", outbox=tmp_path).exit_code == 0
    result = invoke("due", "TWC-2026-0142", "--as-of", "2026-11-20", "--json", outbox=tmp_path)
    assert result.exit_code == 0
    assert result.output == block


def test_readme_diary_json_keys_are_the_real_ones(tmp_path):
    found = re.search(r'The diary\'s `--json` is\n`\{"as_of", "cases", "letters": \[\{([^}]*)\}\]\}`', README)
    assert found
    assert invoke("store", str(TWC), outbox=tmp_path).exit_code == 0
    diary = json.loads(invoke("due", "--all", "--as-of", "2026-11-20", "--json", outbox=tmp_path).output)
    assert list(diary)[:3] == ["as_of", "cases", "letters"]
    assert set(re.findall(r'"(\w+)"', found.group(1))) <= set(diary["letters"][0])


def _readme_error_lines() -> list[str]:
    return [line for line in README.splitlines() if line.startswith("examples/inbox/x.json: ")]


def _mutations() -> list[dict]:
    twc = json.loads(TWC.read_text(encoding="utf-8"))
    misspelt = json.loads(json.dumps(twc))
    misspelt["complainant"]["adress"] = misspelt["complainant"].pop("address")
    impossible = json.loads(json.dumps(twc))
    impossible["complaint"]["received"] = "2026-02-30"
    mistyped = json.loads(json.dumps(twc))
    mistyped["events"][1]["type"] = "leter_issued"
    hampshire = json.loads((EXAMPLES / "hcc-2026-1104.json").read_text(encoding="utf-8"))
    hampshire["events"] = hampshire["events"][:1] + [
        {"id": "e2", "type": "extension", "date": hampshire["events"][0]["date"], "stage": 1,
         "reason": "We are waiting for the contractor's records."}]
    return [misspelt, impossible, mistyped, hampshire]


def test_readme_error_examples_are_real_sentences(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples" / "inbox").mkdir(parents=True)
    real = []
    for record in _mutations():
        Path("examples/inbox/x.json").write_text(json.dumps(record), encoding="utf-8")
        result = invoke("due", "--case-file", "examples/inbox/x.json", "--as-of", "2026-11-20", outbox=tmp_path / "out")
        assert result.exit_code == 1
        real += result.output.splitlines()
    assert _readme_error_lines() == real


def test_readme_try_one_case_commands_work_and_manifests_cite_policies_by_name(tmp_path, monkeypatch):
    block = README.split("Then try one case, and write its letters:", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].split() for line in block.splitlines() if line.startswith(".venv/bin/letters ")]
    assert len(commands) >= 4
    monkeypatch.chdir(ROOT)  # the README's paths are relative to the project
    assert invoke("store", str(TWC), outbox=tmp_path).exit_code == 0
    for command in commands:
        result = invoke(*command[1:], outbox=tmp_path)
        assert result.exit_code == 0, (command, result.output)
    # the outcome is held for sign-off: its manifest is the draft's
    manifests = [*(tmp_path / "TWC-2026-0142").glob("*.json"), *(tmp_path / "TWC-2026-0142" / "drafts").glob("*.json")]
    assert manifests
    cites = [item["cite"] for m in manifests for item in json.loads(m.read_text(encoding="utf-8"))["required_content"]]
    assert any(c.startswith("Telford & Wrekin Council, Corporate Complaints policy (April 2024) §6.10.8") for c in cites)
    assert not any(re.search(r"\d{3}_[0-9a-f]{16}\.txt", c) for c in cites)


def test_readme_counts_the_example_records():
    words = {17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty", 21: "twenty-one", 22: "twenty-two",
             23: "twenty-three", 24: "twenty-four", 25: "twenty-five"}
    count = len(list(EXAMPLES.glob("*.json")))
    assert f"across the {words[count]} example cases" in README
    assert f"`examples/inbox/` holds {words[count]} realistic records" in README
