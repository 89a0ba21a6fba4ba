"""A fast diary: snapshots are validated when stored and trusted when read only while their stamp
matches their bytes and this validator; one ledger query serves every case; `letters due`
imports neither the schema validator (for stored cases) nor any Word or PDF library."""

import json
import shutil
import subprocess
import sys

import pytest
from conftest import EXAMPLES, RULES, invoke

from correspondence.engine import case as case_module
from correspondence.service import case_store, ledger


@pytest.fixture
def stored(tmp_path):
    outbox = tmp_path / "outbox"
    records = sorted(EXAMPLES.glob("*.json"))
    assert invoke("store", *map(str, records), outbox=outbox).exit_code == 0
    return outbox


@pytest.fixture
def schema_runs(monkeypatch):
    runs = []
    real = case_module.schema_problems

    def counting(source, record):
        runs.append(source)
        return real(source, record)

    monkeypatch.setattr(case_module, "schema_problems", counting)
    return runs


def diary_json(outbox):
    result = invoke("due", "--all", "--json", "--as-of", "2026-11-20", outbox=outbox)
    return result.exit_code, json.loads(result.output) if result.output.startswith("{") else None, result


def test_stored_snapshots_are_not_validated_again_and_the_diary_is_unchanged(stored, schema_runs, tmp_path):
    code, trusted, _ = diary_json(stored)
    assert code == 0 and trusted["cases"] == len(list(EXAMPLES.glob("*.json")))
    assert schema_runs == []
    # The same diary with every stamp removed (each snapshot validated in full, as before).
    for stamp in (stored / ".cases").glob("*.valid"):
        stamp.unlink()
    code, full, _ = diary_json(stored)
    assert code == 0 and full == trusted
    assert len(schema_runs) == trusted["cases"]


def test_a_snapshot_edited_by_hand_is_validated_in_full(stored, schema_runs):
    path = stored / ".cases" / "WCC-2026-0402.json"
    record = json.loads(path.read_text())
    record["complaint"]["received"] = "20 October 2026"
    path.write_text(json.dumps(record))  # its stamp no longer matches its bytes
    code, _, result = diary_json(stored)
    assert code == 1
    assert f"{path}: field complaint.received: expected a date written YYYY-MM-DD" in result.stderr
    assert schema_runs == [str(path)]


def test_a_stamp_from_another_validator_is_void(stored, schema_runs, monkeypatch):
    monkeypatch.setattr(case_store, "validator_fingerprint", lambda: "0" * 32)  # an upgrade: new schema or code
    code, _, _ = diary_json(stored)
    assert code == 0 and len(schema_runs) == len(list(EXAMPLES.glob("*.json")))


def test_one_query_gives_each_case_what_the_per_case_query_gives(tmp_path):
    from datetime import date
    outbox = tmp_path / "outbox"
    conn = ledger.connect(outbox)
    rows = [("A-1", "acknowledgement", 1, "complaint", date(2026, 11, 3)), ("A-1", "outcome", 1, "e2", date(2026, 11, 20)),
            ("A-1", "extension", 1, "e1", date(2026, 11, 20)), ("B-2", "not-accepted", None, "complaint", date(2026, 10, 1)),
            ("C-3", "holding", 2, "e4", date(2026, 9, 9))]
    for case_id, letter, stage, trigger, day in rows:
        ledger.record(conn, case_id, letter, stage, trigger, day, "email", "stem")
    conn.close()
    every = ledger.issued_by_case(outbox)
    assert sorted(every) == ["A-1", "B-2", "C-3"] and sum(map(len, every.values())) == len(rows)
    assert [x.letter for x in every["A-1"]] == ["acknowledgement", "extension", "outcome"]  # by date, then name
    for case_id, letters in every.items():
        assert ledger.issued_for(outbox, case_id) == letters
    assert ledger.issued_by_case(tmp_path / "nothing") == {}


def test_due_imports_no_validator_for_stored_cases_and_no_rendering_library(stored):
    code = ("import sys; from correspondence.cli import main; sys.argv = ['letters', 'due', '--all', '--as-of', "
            f"'2026-11-20', '--rules', {str(RULES)!r}, '--outbox', {str(stored)!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
            "heavy = ('jsonschema', 'docx', 'docxtpl', 'weasyprint', 'pypdf', 'pdfminer', 'holidays.countries', 'lxml')\n"
            "print(sorted({m.split('.')[0] if not m.startswith('holidays') else m for m in sys.modules "
            "if m.startswith(heavy)}), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_a_record_stored_by_copying_the_folder_keeps_its_stamp(stored, tmp_path, schema_runs):
    copy = tmp_path / "copied"
    shutil.copytree(stored, copy)
    code, _, _ = diary_json(copy)
    assert code == 0 and schema_runs == []
