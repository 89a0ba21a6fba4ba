"""Needs a file cannot meet (letters.md, Formats): listed in the manifest, shown by letters process,
letters due --all and letters actions until a caseworker marks them met."""

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES, ROOT, RULES, TEMPLATES, invoke

from correspondence.service.format_needs import actions_needed, need_words


@pytest.mark.parametrize("need,words", [
    ("language:pl", "Send a Polish translation"), ("language:ar", "Send an Arabic translation"),
    ("language:ur", "Send an Urdu translation"), ("easy-read", "Send an easy-read version"),
    ("braille", "Send a Braille version"), ("audio", "Send an audio version"), ("large-print", None),
    ("language:xx", "Send a translation into the language with code 'xx'"),
])
def test_each_need_in_plain_words(need, words):
    assert need_words(need) == words


def test_large_print_is_met_by_the_file_itself():
    assert actions_needed({"format_needs": ["large-print", "language:pl", "braille"]}) == [
        "Send a Polish translation", "Send a Braille version"]


@pytest.fixture
def outbox(tmp_path):
    # LBC-2026-0481: Ms Kowalczyk reads Polish; an acknowledgement and a consent request are due.
    out = tmp_path / "outbox"
    result = invoke("render", "--case-file", str(EXAMPLES / "lbc-2026-0481.json"), "--as-of", "2026-11-20", outbox=out)
    assert result.exit_code == 0, result.output
    invoke("store", str(EXAMPLES / "lbc-2026-0481.json"), outbox=out)
    return out


def test_the_letter_is_written_and_its_manifest_lists_the_need(outbox):
    manifest = json.loads((outbox / "LBC-2026-0481" / "2026-11-20_acknowledgement-s1_complaint.json").read_text())
    assert manifest["actions_needed"] == ["Send a Polish translation"]
    assert (outbox / "LBC-2026-0481" / "2026-11-20_acknowledgement-s1_complaint.pdf").is_file()


def test_needs_stay_open_until_marked_met(outbox):
    listed = invoke("actions", outbox=outbox)
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "LBC-2026-0481: Send a Polish translation (letter 2026-11-20_acknowledgement-s1_complaint; when done: "
        "letters actions done LBC-2026-0481 2026-11-20_acknowledgement-s1_complaint 1)",
        "LBC-2026-0481: Send a Polish translation (letter 2026-11-20_consent-request_complaint; when done: "
        "letters actions done LBC-2026-0481 2026-11-20_consent-request_complaint 1)",
        "2 actions still needed."]
    diary = invoke("due", "--all", "--as-of", "2026-11-20", outbox=outbox)
    assert "LBC-2026-0481: action needed: Send a Polish translation (letter 2026-11-20_consent-request_complaint;" in diary.output
    done = invoke("actions", "done", "LBC-2026-0481", "2026-11-20_consent-request_complaint", "1", outbox=outbox)
    assert done.exit_code == 0
    assert done.output == "LBC-2026-0481: marked met: Send a Polish translation (letter 2026-11-20_consent-request_complaint).\n"
    left = json.loads(invoke("actions", "LBC-2026-0481", "--json", outbox=outbox).output)["actions_needed"]
    assert left == [{"case_id": "LBC-2026-0481", "stem": "2026-11-20_acknowledgement-s1_complaint", "number": 1,
                     "action": "Send a Polish translation"}]
    diary = json.loads(invoke("due", "--all", "--as-of", "2026-11-20", "--json", outbox=outbox).output)
    assert diary["actions_needed"] == left
    # marking it again changes nothing; the letters are untouched and not issued again
    assert invoke("actions", "done", "LBC-2026-0481", "2026-11-20_consent-request_complaint", "1", outbox=outbox).exit_code == 0
    assert invoke("render", "LBC-2026-0481", "--as-of", "2026-11-20", outbox=outbox).output.startswith("LBC-2026-0481: no letter")


@pytest.mark.parametrize("args,sentence", [
    (("LBC-2026-0481", "2026-11-20_outcome-s1_d1", "1"), "LBC-2026-0481 has no letter '2026-11-20_outcome-s1_d1' in the outbox"),
    (("LBC-2026-0481", "2026-11-20_consent-request_complaint", "2"), "has 1 action(s) needed; there is no number 2."),
    (("LBC-2026-0481", "../../etc", "1"), "LBC-2026-0481 has no letter '../../etc' in the outbox"),
])
def test_marking_a_need_that_is_not_there_is_a_plain_sentence(outbox, args, sentence):
    result = invoke("actions", "done", *args, outbox=outbox)
    assert result.exit_code == 1 and sentence in result.output and "Traceback" not in result.output


def test_the_service_logs_each_open_need_by_case_id_and_need_only(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "a.json").write_text((EXAMPLES / "lbc-2026-0481.json").read_text())
    log_file = tmp_path / "letters.log"
    result = subprocess.run([sys.executable, "-m", "correspondence.cli", "process", "--as-of", "2026-11-20",
                             "--log-file", str(log_file), "--rules", str(RULES), "--templates", str(TEMPLATES),
                             "--inbox", str(inbox), "--outbox", str(outbox)],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    logged = result.stderr + log_file.read_text()
    assert "case LBC-2026-0481: action needed: Send a Polish translation" in logged
    for private in ("Kowalczyk", "Agnieszka", "Bury Park", "Citizens Advice"):
        assert private not in logged
