"""web.md "The pages": a letter's manifest (the .json beside it in outbox/<case>/) edited by hand,
half-copied or damaged, and a letter's file gone. Every page that reads it answers with one plain
sentence naming the file and what is wrong, never a 500 or a traceback; a letter that is not
there is a 404."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from conftest import ev, invoke, make
from web_helpers import AS_OF, ROOT, Clock, cheap_hashing, csrf, served, sign_in  # noqa: F401 (a fixture)

from correspondence.service import accounts
from correspondence.web.app import Settings, create_app

ISSUED = "2026-11-20_acknowledgement-s1_complaint"  # API-1's acknowledgement, written on Fri 20 Nov 2026
DRAFT = "2026-11-20_outcome-s1_e2"                   # SO-1's outcome, drafted that day


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A store with one issued letter (API-1) and one draft (SO-1), made by the service itself."""
    app = served(tmp_path_factory.mktemp("pristine"))
    token = accounts.add_token(app.config["OUTBOX"], "casesys")
    decided = make(case_id="SO-1", received="2026-11-02", events=[
        ev("e1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1),
        ev("e2", "decision", "2026-11-18", stage=1, outcome="upheld", remedies=["An apology"], outstanding_actions=[],
           findings=[{"point": "Bins were missed.", "finding": "The crew missed the street."}])])
    for rec, status in ((decided, "draft"), (make(case_id="API-1", received="2026-11-19"), "issued")):
        answer = app.test_client().post("/api/records", data=json.dumps(rec), content_type="application/json",
                                        headers={"Authorization": f"Bearer {token}"})
        assert [x["status"] for x in answer.json["letters"]] == [status], answer.json
    app.extensions["letters"].close()
    return app.config["OUTBOX"].parent, token


@pytest.fixture
def site(pristine, tmp_path):
    """A copy of the store, served: (app, a signed-in manager, the API token, the outbox)."""
    source, token = pristine
    for name in ("inbox", "outbox"):
        shutil.copytree(source / name, tmp_path / name, symlinks=True)
    app = create_app(Settings(ROOT / "rules", ROOT / "templates", tmp_path / "inbox", tmp_path / "outbox",
                              as_of=AS_OF, clock=Clock()))
    client = app.test_client()
    sign_in(client, "mandy")
    yield app, client, token, tmp_path / "outbox"
    app.extensions["letters"].close()


def manifest_of(outbox, path: str) -> dict:
    return json.loads((outbox / f"{path}.json").read_text())


def sentence(page: str, id_: str) -> str:
    found = re.search(rf'<(p|span|strong)\b[^>]*id="{id_}"[^>]*>(.*?)</\1>', page, re.S)
    assert found, f"no #{id_} in the page"
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split()))


def every_page_answers(client, token, case_id: str) -> None:
    """The pages and the API that read a case's letters: none is a 500."""
    for path in ("/", "/?status=draft", f"/?q={case_id}", f"/cases/{case_id}", "/drafts", "/rejected"):
        answer = client.get(path)
        assert answer.status_code == 200 and "Traceback" not in answer.text, path
    for path in ("/api/diary", f"/api/cases/{case_id}/due"):
        assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200, path


SHOWN = f"API-1/{ISSUED}.json"

DAMAGE = {
    "invalid JSON": (lambda m: b'{"case_id": "API-1", ',
                     f"{SHOWN} is not valid JSON (line 1, column 22); expected the letter's manifest, a JSON object."),
    "empty": (lambda m: b"",
              f"{SHOWN} is empty; expected the letter's manifest, a JSON object."),
    "not a dict": (lambda m: json.dumps([m]).encode(),
                   f"{SHOWN}: it holds a list, not a letter's manifest; expected a JSON object."),
    "a key missing": (lambda m: json.dumps({k: v for k, v in m.items() if k != "due"}).encode(),
                      f"{SHOWN}: 'due' is missing; expected the day the letter was due as YYYY-MM-DD."),
    "a date that is no date": (lambda m: json.dumps({**m, "letter_date": "20/11/2026"}).encode(),
                               f"{SHOWN}: 'letter_date' is a text ('20/11/2026'); expected the letter's date as "
                               f"YYYY-MM-DD."),
    "required content not a list of items": (
        lambda m: json.dumps({**m, "required_content": ["council name"]}).encode(),
        f"{SHOWN}: 'required_content' item 1 is a text; expected an object with 'item' and 'text'."),
    "a file outside the folder": (
        lambda m: json.dumps({**m, "files": {"pdf": "../../users.sqlite3"}}).encode(),
        f"{SHOWN}: 'files' gives a text ('../../users.sqlite3') for 'pdf'; expected the name of a file beside the "
        f"manifest, such as \"<stem>.pdf\"."),
    "another case's manifest": (lambda m: json.dumps({**m, "case_id": "SO-1"}).encode(),
                                f"{SHOWN}: 'case_id' is 'SO-1', not API-1; expected the case whose folder holds it."),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_manifest_is_one_sentence_on_every_page_never_a_500(site, damage):
    app, client, token, outbox = site
    change, said = DAMAGE[damage]
    (outbox / f"API-1/{ISSUED}.json").write_bytes(change(manifest_of(outbox, f"API-1/{ISSUED}")))
    page = client.get(f"/cases/API-1/letters/{ISSUED}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "This letter cannot be shown" in page.text
    assert sentence(page.text, "letter-problem") == said
    assert "users.sqlite3" not in page.text or damage == "a file outside the folder"
    for suffix in (".pdf", ".docx"):  # the files are not served from a manifest that cannot be read
        answer = client.get(f"/cases/API-1/letters/{ISSUED}{suffix}")
        assert answer.status_code == 200 and answer.mimetype == "text/html"
        assert sentence(answer.text, "letter-problem") == said
    case = client.get("/cases/API-1").text
    assert "A letter of this case cannot be shown" in case and said in html.unescape(case)
    every_page_answers(client, token, "API-1")


def test_a_letter_that_is_not_there_is_a_404(site):
    app, client, token, outbox = site
    for suffix in ("json", "pdf", "docx"):
        (outbox / f"API-1/{ISSUED}.{suffix}").unlink()
    for path in (f"/cases/API-1/letters/{ISSUED}", f"/cases/API-1/letters/{ISSUED}.pdf"):
        assert client.get(path).status_code == 404
    every_page_answers(client, token, "API-1")


def test_a_letters_pdf_gone_is_said_on_its_page_and_its_content_not_called_found(site):
    app, client, token, outbox = site
    (outbox / f"API-1/{ISSUED}.pdf").unlink()
    page = client.get(f"/cases/API-1/letters/{ISSUED}")
    assert page.status_code == 200
    assert sentence(page.text, "missing-pdf").startswith(
        f"Warning The PDF of this letter, API-1/{ISSUED}.pdf, is missing from the case's folder")
    assert 'id="letter-pdf"' not in page.text and 'id="pdf-link"' not in page.text
    assert 'id="docx-link"' in page.text  # the Word file is still there
    assert page.text.count("File missing") == page.text.count("govuk-tag--green\">Found") >= 10  # each item: PDF, Word
    assert client.get(f"/cases/API-1/letters/{ISSUED}.pdf").status_code == 404
    every_page_answers(client, token, "API-1")


DRAFT_SHOWN = f"SO-1/drafts/{DRAFT}.json"


@pytest.mark.parametrize("change, said", [
    (lambda m: b"\xff\xfe not text", f"{DRAFT_SHOWN} is not UTF-8 text; expected the letter's manifest, a JSON object."),
    (lambda m: json.dumps({**m, "holds": "kind"}).encode(),
     f"{DRAFT_SHOWN}: 'holds' is a text ('kind'); expected a list of why the draft is held."),
    (lambda m: json.dumps({k: v for k, v in m.items() if k != "trigger"}).encode(),
     f"{DRAFT_SHOWN}: 'trigger' is missing; expected the event the letter answers, as a text."),
], ids=["not text", "holds not a list", "a key missing"])
def test_a_damaged_draft_is_listed_with_its_sentence_cannot_be_approved_and_can_be_returned(site, change, said):
    app, client, token, outbox = site
    (outbox / f"{DRAFT_SHOWN}").write_bytes(change(manifest_of(outbox, f"SO-1/drafts/{DRAFT}")))
    drafts = client.get("/drafts")
    assert drafts.status_code == 200 and sentence(drafts.text, f"problem-SO-1-{DRAFT}") == said
    diary = client.get("/").text  # still a draft awaiting sign-off, as the ledger records it
    assert 'id="count-drafts"><span class="app-counts__number">1</span> draft awaiting sign-off' in diary
    page = client.get(f"/cases/SO-1/letters/{DRAFT}")
    assert page.status_code == 200 and "This draft cannot be shown" in page.text
    assert sentence(page.text, "letter-problem") == said
    every_page_answers(client, token, "SO-1")

    approve = client.post(f"/cases/SO-1/letters/{DRAFT}/approve", data={"csrf_token": csrf(page)})
    assert approve.status_code == 303 and approve.headers["Location"] == f"/cases/SO-1/letters/{DRAFT}"
    refused = client.get(approve.headers["Location"]).text
    assert f"SO-1: draft {DRAFT} cannot be approved: {said} Return it instead" in html.unescape(refused)
    assert not list((outbox / "SO-1").glob("*outcome*"))  # nothing issued
    assert (outbox / DRAFT_SHOWN).exists()

    nothing = client.post(f"/cases/SO-1/letters/{DRAFT}/return", data={"csrf_token": csrf(page), "reason": ""})
    assert nothing.status_code == 200 and "Enter why the draft is returned" in nothing.text
    returned = client.post(f"/cases/SO-1/letters/{DRAFT}/return",
                           data={"csrf_token": csrf(page), "reason": "The file was damaged."})
    assert returned.status_code == 303 and returned.headers["Location"] == "/cases/SO-1"
    assert not (outbox / DRAFT_SHOWN).exists()
    assert "No draft is awaiting sign-off." in client.get("/drafts").text
    assert "Returned by mandy" in client.get("/cases/SO-1").text


def test_the_commands_say_the_same_of_a_damaged_manifest(site):
    app, client, token, outbox = site
    (outbox / f"API-1/{ISSUED}.json").write_text(json.dumps({**manifest_of(outbox, f"API-1/{ISSUED}"), "due": None}))
    (outbox / DRAFT_SHOWN).write_text("[]")
    checked = invoke("check", str(outbox / "API-1"), outbox=outbox)
    assert checked.exit_code == 1 and "Traceback" not in checked.output
    assert f"API-1/{ISSUED}.json: unknown letter: the manifest cannot be read: 'due' is null; expected the day " \
           f"the letter was due as YYYY-MM-DD" in checked.output
    drafts = invoke("drafts", outbox=outbox)
    assert drafts.exit_code == 0, drafts.output
    assert "SO-1  outcome stage 1 (e2)  due unknown  drafted " in drafts.output
    assert f"    cannot be read: {DRAFT_SHOWN}: it holds a list, not a letter's manifest; expected a JSON object." \
        in drafts.output
