"""The letters command: the contract JSON for every example, tables, the diary, exit codes."""

import json
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import COUNCILS, EXAMPLES, EXPECTED, ROOT, RULES, invoke

from correspondence.cli import cli


@pytest.mark.parametrize("record", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_due_json_for_every_example(tmp_path, record):
    result = invoke("due", "--case-file", str(EXAMPLES / record), "--as-of", "2026-11-20", "--json", outbox=tmp_path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads((EXPECTED / record).read_text())


def test_every_letter_kind_appears_in_the_examples():
    kinds = {x["letter"] for p in EXPECTED.glob("*.json") for x in json.loads(p.read_text())["letters"]}
    assert kinds == {"acknowledgement", "extension", "outcome", "escalation-refusal", "withdrawal-confirmation",
                     "restriction-notice", "not-accepted", "holding", "consent-request", "discontinuation",
                     "behaviour-warning", "restriction-review"}
    councils = {json.loads(p.read_text())["council"] for p in EXPECTED.glob("*.json")}
    assert councils <= set(COUNCILS)


def test_due_json_shape_is_the_contract(tmp_path):
    result = invoke("due", "--case-file", str(EXAMPLES / "twc-2026-0142.json"), "--as-of", "2026-11-20", "--json",
                    outbox=tmp_path)
    data = json.loads(result.output)
    assert list(data) == ["case_id", "council", "as_of", "letters", "deadlines", "notes"]
    assert data["letters"][1] == {"letter": "outcome", "stage": 1, "trigger": "e7", "due": "2026-11-18", "status": "overdue"}
    assert list(data["deadlines"][0]) == ["kind", "stage", "date"]


def test_due_table(tmp_path):
    result = invoke("due", "--case-file", str(EXAMPLES / "twc-2026-0142.json"), "--as-of", "2026-11-20", outbox=tmp_path)
    assert result.exit_code == 0
    assert "TWC-2026-0142: Telford & Wrekin Council, as of Fri 20 Nov 2026" in result.output
    assert "outcome          1      e7         Wed 18 Nov 2026  OVERDUE" in result.output
    assert "escalation-window  1      Thu 17 Dec 2026" in result.output


def test_store_then_due_by_case_id_and_the_diary(tmp_path):
    records = [str(p) for p in sorted(EXAMPLES.glob("*.json"))]
    stored = invoke("store", *records, outbox=tmp_path)
    assert stored.exit_code == 0, stored.output
    assert (tmp_path / ".cases" / "TWC-2026-0142.json").is_file()
    one = invoke("due", "TWC-2026-0142", "--as-of", "2026-11-20", "--json", outbox=tmp_path)
    assert json.loads(one.output) == json.loads((EXPECTED / "twc-2026-0142.json").read_text())

    diary = invoke("due", "--all", "--as-of", "2026-11-20", "--json", outbox=tmp_path)
    assert diary.exit_code == 0
    data = json.loads(diary.output)
    assert data["cases"] == len(records)
    statuses = [x["status"] for x in data["letters"]]
    assert statuses == sorted(statuses, key=lambda s: s != "overdue"), "overdue first"
    overdue = [x["due"] for x in data["letters"] if x["status"] == "overdue"]
    assert overdue == sorted(overdue)
    assert all(x["status"] != "issued" for x in data["letters"])
    assert {"case_id": "TWC-2026-0142", "council": "telford-wrekin", "letter": "outcome", "stage": 1, "trigger": "e7",
            "due": "2026-11-18", "status": "overdue"} in data["letters"]

    table = invoke("due", "--all", "--as-of", "2026-11-20", outbox=tmp_path)
    lines = table.output.splitlines()
    assert lines[0] == f"Letters not yet issued across {len(records)} cases, as of Fri 20 Nov 2026"
    assert lines[4].split()[0] == "OVERDUE"


def test_a_later_record_replaces_the_snapshot(tmp_path):
    record = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    first = tmp_path / "a.json"
    first.write_text(json.dumps(record))
    invoke("store", str(first), outbox=tmp_path)
    record["events"].append({"id": "e9", "type": "withdrawn", "date": "2026-11-19", "method": "email"})
    first.write_text(json.dumps(record))
    invoke("store", str(first), outbox=tmp_path)
    out = json.loads(invoke("due", "TWC-2026-0142", "--as-of", "2026-11-20", "--json", outbox=tmp_path).output)
    assert [x["letter"] for x in out["letters"]] == ["acknowledgement", "withdrawal-confirmation"]


def test_bad_record_is_one_sentence_and_exit_1(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**json.loads((EXAMPLES / "twc-2026-0142.json").read_text()), "council": "kent"}))
    result = invoke("due", "--case-file", str(bad), outbox=tmp_path)
    assert result.exit_code == 1
    assert result.output.strip() == (f"{bad}: field council: expected one of {', '.join(COUNCILS)}; "
                                     f"got text (not quoted: it may be personal).")


def test_a_record_dated_year_0000_is_one_sentence_not_a_traceback(tmp_path):
    record = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    record["complaint"]["received"] = "0000-01-01"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(record))
    for command in (["due", "--case-file", str(bad)], ["store", str(bad)]):
        result = invoke(*command, outbox=tmp_path)
        assert result.exit_code == 1, result.output
        assert result.output.strip() == (
            f'{bad}: field complaint.received: expected a real calendar date (YYYY-MM-DD); got "0000-01-01".')


def test_store_refuses_bad_records_and_keeps_good_ones(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = invoke("store", str(bad), str(EXAMPLES / "smbc-2026-0090.json"), outbox=tmp_path)
    assert result.exit_code == 1
    assert (tmp_path / ".cases" / "SMBC-2026-0090.json").exists()
    assert not (tmp_path / ".cases" / "bad.json").exists()


@pytest.mark.parametrize("args, message", [
    (["due"], "give exactly one of CASE-ID, --case-file PATH or --all."),
    (["due", "X-1", "--all"], "give exactly one of CASE-ID, --case-file PATH or --all."),
    (["due", "../etc"], "CASE-ID '../etc' is not a valid case id"),
    (["due", "NOPE-1"], "No stored case NOPE-1"),
    (["due", "--all", "--as-of", "2026-02-30"], "2026-02-30 is not a real date: February 2026 has 28 days."),
    (["rules", "show", "kent"], "No rules for 'kent'"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    result = invoke(*args, outbox=tmp_path)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_rules_validate_and_show(tmp_path):
    ok = invoke("rules", "validate", outbox=tmp_path)
    assert ok.exit_code == 0
    assert ok.output.startswith(f"{len(COUNCILS)} rules files valid ({', '.join(COUNCILS)})")
    shown = invoke("rules", "show", "telford-wrekin", outbox=tmp_path)
    assert shown.exit_code == 0
    assert "Telford & Wrekin Council (telford-wrekin), corporate procedure" in shown.output
    assert re.search(r"^  response +10 working days after the", shown.output, re.M)
    assert "Policy: Telford & Wrekin Council, Corporate Complaints policy (version 1.0, April 2024)." in shown.output
    assert "Complaints policy (April 2024) §6.9.5" in shown.output  # the source column, wrapped
    housing = invoke("rules", "show", "luton", "--housing-tenancy", outbox=tmp_path)
    assert "Housing Ombudsman Service" in housing.output and "6 months after" in housing.output


def test_rules_validate_fails_on_a_broken_file(tmp_path):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "luton.toml").write_text((rules / "luton.toml").read_text().replace("PO Box", "").replace(
        "# Luton Council", "# Telephone 0845 602 1983. Luton Council"))
    result = CliRunner().invoke(cli, ["rules", "validate", "--rules", str(rules)])
    assert result.exit_code == 1
    assert "holds an out-of-date Ombudsman detail ('08456021983'" in result.output


@pytest.mark.parametrize("what", ["fifo", "latin-1"])
def test_a_rules_file_that_is_a_fifo_or_not_utf8_is_one_sentence(tmp_path, what):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    path = rules / "luton.toml"
    if what == "fifo":  # reading it would wait for a writer for ever
        path.unlink()
        os.mkfifo(path)
        expected = f"{path}: is not a file; expected a rules file (TOML)."
    else:
        path.write_bytes(("# \u00a9 Luton Council\n" + path.read_text(encoding="utf-8")).encode("latin-1"))
        expected = f"{path}: is not UTF-8 text (byte 3 cannot be read); expected a rules file saved as UTF-8."
    done = subprocess.run([sys.executable, "-m", "correspondence.cli", "rules", "validate", "--rules", str(rules)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and expected in done.stdout + done.stderr, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_due_does_not_import_pdf_or_word_libraries(tmp_path):
    code = ("import sys; from correspondence.cli import main; sys.argv=['letters','due','--case-file',"
            f"{str(EXAMPLES / 'twc-2026-0142.json')!r},'--rules',{str(RULES)!r},'--outbox',{str(tmp_path)!r},'--json'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('weasyprint','docx','docxtpl','watchdog','pydyf'))\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip().endswith("HEAVY []")


def test_console_script_runs(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "letters")
    if not os.path.exists(exe):
        pytest.skip("the letters console script is not installed in this environment")
    out = subprocess.run([exe, "due", "--case-file", str(EXAMPLES / "hcc-2026-1120.json"), "--as-of", "2026-11-20",
                          "--rules", str(RULES), "--outbox", str(tmp_path), "--json"], capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)["letters"][0]["letter"] == "not-accepted"
