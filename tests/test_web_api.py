"""web.md "The API": records posted through the inbox's own checks, and the due and diary answers;
and the pages that show a letter the service wrote (the letter page, its PDF and Word files, Render)."""

from __future__ import annotations

import errno
import html
import json

import pytest
from conftest import make
from web_helpers import ROOT, cheap_hashing, csrf, due_json, served, sign_in  # noqa: F401 (a fixture)

from correspondence.service import accounts, audit, case_store


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = served(tmp_path_factory.mktemp("api"))
    yield app
    app.extensions["letters"].close()


@pytest.fixture(scope="module")
def token(app):
    return accounts.add_token(app.config["OUTBOX"], "casesys")


def post(app, token, body: bytes):
    return app.test_client().post("/api/records", data=body, content_type="application/json",
                                  headers={"Authorization": f"Bearer {token}"})


# --------------------------------------------------------------------------- POST /api/records

def test_a_good_record_is_stored_and_its_letters_written_as_process_would(app, token):
    rec = make(case_id="API-1", received="2026-11-18")  # Telford: acknowledgement due Fri 20 Nov (Thu 19 = 1, Fri 20 = 2)
    answer = post(app, token, json.dumps(rec).encode())
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["case_id"] == "API-1" and body["accepted"] is True
    assert [(x["letter"], x["stage"], x["status"]) for x in body["letters"]] == [("acknowledgement", 1, "issued")]
    stem = body["letters"][0]["stem"]
    assert stem == "2026-11-20_acknowledgement-s1_complaint"
    outbox = app.config["OUTBOX"]
    assert case_store.stored_path(outbox, "API-1").read_bytes() == json.dumps(rec).encode()  # byte for byte
    assert sorted(p.name for p in (outbox / "API-1").iterdir()) == [f"{stem}.{ext}" for ext in ("docx", "json", "pdf")]
    assert [(c["by"], c["via"], c["action"]) for c in audit.changes(outbox, "API-1")] == \
        [("casesys", "api", "record-accepted")]
    done = list((outbox.parent / "inbox" / ".done").iterdir())
    assert len(done) == 1 and done[0].name.startswith("api-")  # kept as a dropped record is


def test_posting_the_same_record_again_writes_no_letter_twice(app, token):
    rec = make(case_id="API-1", received="2026-11-18")
    answer = post(app, token, json.dumps(rec).encode())
    assert answer.status_code == 200 and answer.json["letters"] == []


def test_a_bad_record_is_422_with_the_reports_sentence_and_nothing_stored(app, token):
    rec = make(case_id="API-BAD")
    del rec["service_area"]
    answer = post(app, token, json.dumps(rec).encode())
    assert answer.status_code == 422
    sentence = answer.json["error"]
    assert sentence.endswith("field service_area is missing; it is required.")
    outbox = app.config["OUTBOX"]
    assert not case_store.stored_path(outbox, "API-BAD").exists() and not (outbox / "API-BAD").exists()
    rejected = outbox.parent / "inbox" / ".rejected"
    reports = [p for p in rejected.glob("api-*.error.txt")]
    assert len(reports) == 1 and sentence in reports[0].read_text()
    assert reports[0].name.removesuffix(".error.txt") in sentence  # the report names the record's file


def test_unparseable_json_is_422_and_changes_nothing(app, token):
    before = sorted(p.name for p in case_store.store_dir(app.config["OUTBOX"]).iterdir())
    answer = post(app, token, b'{"format": "complaint-case/1", "case_id": ')
    assert answer.status_code == 422 and "expected" in answer.json["error"]
    assert sorted(p.name for p in case_store.store_dir(app.config["OUTBOX"]).iterdir()) == before


def test_a_body_over_5_mb_is_413(app, token):
    answer = post(app, token, b" " * (5 * 1024 * 1024 + 1))
    assert answer.status_code == 413 and "larger than 5 MB" in answer.json["error"]


def test_a_full_disk_is_503_and_nothing_is_half_stored(app, token, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(case_store, "save_all", full)
    monkeypatch.setattr(case_store, "save", full)
    rec = make(case_id="API-FULL", received="2026-11-18")
    answer = post(app, token, json.dumps(rec).encode())
    assert answer.status_code == 503 and "No space left on device" in answer.json["error"]
    assert answer.headers["Retry-After"]
    outbox, inbox = app.config["OUTBOX"], app.config["OUTBOX"].parent / "inbox"
    assert not case_store.stored_path(outbox, "API-FULL").exists() and not (outbox / "API-FULL").exists()
    left = [p.name for p in inbox.rglob("api-*") if ".done" not in p.parts and ".rejected" not in p.parts]
    assert left == []  # the case system's retry is the only copy
    monkeypatch.undo()
    assert post(app, token, json.dumps(rec).encode()).status_code == 200  # and the retry is stored


# --------------------------------------------------------------------------- GET

def test_case_due_is_letters_due_case_json(app, token):
    answer = app.test_client().get("/api/cases/TWC-OLD/due", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json == due_json(app, "TWC-OLD")
    missing = app.test_client().get("/api/cases/NOPE/due", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404 and missing.is_json


def test_the_diary_is_letters_due_all_json(app, token):
    answer = app.test_client().get("/api/diary", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json == due_json(app, "--all")


# --------------------------------------------------------------------------- the letter pages

def test_the_letter_page_shows_the_pdf_the_word_file_and_the_required_content(app, token):
    client = app.test_client()
    sign_in(client, "casey")
    stem = "2026-11-20_acknowledgement-s1_complaint"
    page = client.get(f"/cases/API-1/letters/{stem}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'<iframe class="app-letter-frame" src="/cases/API-1/letters/{stem}.pdf"' in page.text
    assert f'href="/cases/API-1/letters/{stem}.docx"' in page.text
    assert "Case reference" in page.text and "API-1" in page.text
    assert "Missing" not in page.text and page.text.count("govuk-tag--green\">Found") >= 10
    pdf = client.get(f"/cases/API-1/letters/{stem}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "inline" in pdf.headers.get("Content-Disposition", "inline")
    csp = pdf.headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert "object-src 'self'" in csp and "default-src" not in csp  # Chrome's PDF viewer is an <embed>, styled inline
    docx = client.get(f"/cases/API-1/letters/{stem}.docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")
    assert docx.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/cases/API-1/letters/{stem}.txt").status_code == 404
    assert client.get("/cases/API-1/letters/2026-11-20_outcome-s1_complaint").status_code == 404


def test_render_writes_the_due_letters_and_records_who(app):
    client = app.test_client()
    sign_in(client, "casey")
    page = client.get("/cases/TWC-NEW")
    assert "Render the letters due" in page.text
    done = client.post("/cases/TWC-NEW/render", data={"csrf_token": csrf(page)})
    assert done.status_code == 303 and done.headers["Location"] == "/cases/TWC-NEW"
    after = client.get("/cases/TWC-NEW").text
    assert "1 letter written." in after
    outbox = app.config["OUTBOX"]
    # written as of Fri 20 Nov 2026, the day the server works as of
    assert (outbox / "TWC-NEW" / "2026-11-20_acknowledgement-s1_complaint.pdf").is_file()
    assert [(c["by"], c["action"]) for c in audit.changes(outbox, "TWC-NEW")] == [("casey", "letters-rendered")]
    assert "Letter issued: acknowledgement stage 1" in after and "by casey" in after


def test_render_of_a_case_not_stored_is_404(app):
    client = app.test_client()
    sign_in(client, "casey")
    assert client.post("/cases/TWC-X/render", data={"csrf_token": csrf(client.get("/"))}).status_code == 404


def test_the_ledger_written_on_one_thread_is_read_on_another(tmp_path):
    """The web server approves on its intake thread and reads on its request threads."""
    import threading
    from datetime import date

    from correspondence.service import ledger

    def write():
        conn = ledger.shared(tmp_path)
        ledger.record(conn, "T-1", "acknowledgement", 1, "complaint", date(2026, 11, 20))

    writer = threading.Thread(target=write)
    writer.start()
    writer.join()
    assert [(x.letter, x.stage) for x in ledger.issued_for(tmp_path, "T-1")] == [("acknowledgement", 1)]


def test_a_letter_that_fails_its_checks_is_listed_in_failed_checks_and_not_issued(tmp_path):
    """web.md "The API": `failed_checks` lists letters that failed their checks and wait in failed/;
    the case page and its Render button say so too."""
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    page = templates / "html" / "acknowledgement.html"  # leaves template syntax in the letter: its check fails
    page.write_text(page.read_text().replace("{% endblock %}", "<p>{{ '{{' }} broken</p>\n{% endblock %}", 1))
    app = served(tmp_path / "site", templates=templates)
    try:
        token = accounts.add_token(app.config["OUTBOX"], "casesys")
        # Telford: received Wed 18 Nov 2026, acknowledgement due Fri 20 Nov (Thu 19 = 1, Fri 20 = 2).
        answer = post(app, token, json.dumps(make(case_id="API-F", received="2026-11-18")).encode())
        assert answer.status_code == 200, answer.json
        stem = "2026-11-20_acknowledgement-s1_complaint"
        assert answer.json["letters"] == []
        assert answer.json["failed_checks"] == [f"API-F/failed/{stem}.report.txt"]
        outbox = app.config["OUTBOX"]
        assert not (outbox / "API-F" / f"{stem}.pdf").exists() and (outbox / "API-F" / "failed" / f"{stem}.pdf").is_file()
        client = app.test_client()
        sign_in(client, "casey")
        case = client.get("/cases/API-F")
        shown = html.unescape(case.text)
        assert "Failed its checks and was not issued; it is made again once the templates or rules are fixed:" in shown
        assert f"<li>{stem}.pdf: acknowledgement stage 1 (complaint): leftover template syntax '{{{{'</li>" in shown
        again = client.post("/cases/API-F/render", data={"csrf_token": csrf(case)})
        assert again.status_code == 303
        assert "1 letter failed its checks and was not issued." in client.get("/cases/API-F").text
    finally:
        app.extensions["letters"].close()
