"""The letter page's copies (docs/letters.md, Copies to the complainant; web.md "The pages"): a
letter to a representative for a complainant who needs large print shows the complainant's
large-print copy beside it, serves its two files through the same checks as the letter's, and
its Approve form says that the copy goes too."""

from __future__ import annotations

import json
import os

import pytest
from conftest import EXAMPLES
from web_helpers import cheap_hashing, csrf, served, sign_in  # noqa: F401 (a fixture)

from correspondence.service import accounts

CASE = "TWC-2026-0142"  # Ms Khan, through Cllr Bloggs; large print
STEM = "2026-11-20_outcome-s1_e7"  # drafted on the day the server works as of, Fri 20 Nov 2026
PAGE = f"/cases/{CASE}/letters/{STEM}"


@pytest.fixture
def app(tmp_path):
    app = served(tmp_path)
    token = accounts.add_token(app.config["OUTBOX"], "casesys")
    record = (EXAMPLES / f"{CASE.lower()}.json").read_bytes()
    answer = app.test_client().post("/api/records", data=record, content_type="application/json",
                                    headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.json
    assert (app.config["OUTBOX"] / CASE / "drafts" / f"{STEM}.copy.pdf").is_file()
    yield app
    app.extensions["letters"].close()


def manager(app):
    client = app.test_client()
    sign_in(client, "mandy")
    return client


def test_the_draft_shows_the_copy_and_approving_says_it_sends_it_too(app):
    page = manager(app).get(PAGE).text
    assert 'id="copy-heading">Copy to the complainant (large print)</h2>' in page
    assert "Approving the letter sends a large-print copy of it to the complainant too, by first class." in page
    assert (f'<iframe class="app-letter-frame" src="/cases/{CASE}/letters/{STEM}.copy.pdf" '
            "title=\"The complainant's large-print copy of the Outcome (stage 1) letter as a PDF\" id=\"copy-pdf\">") in page
    assert f'href="/cases/{CASE}/letters/{STEM}.copy.docx" id="copy-docx-link" download' in page
    assert ('id="approve-about">Approving makes the letter and the complainant\'s large-print copy again from the '
            "case's current record, dated today, checks them and files them for sending, signed off by you: read "
            "the copy above before you approve.") in page
    assert page.index('id="letter-pdf"') < page.index('id="copy-pdf"') < page.index('id="approve-form"')
    assert 'id="copy-required-content"' in page  # what the copy must say, checked in its own files
    assert 'id="copy-docx-link"' in page and 'id="copy-pdf-link"' in page


def test_the_copy_files_are_served_as_the_letter_s_are(app):
    client = manager(app)
    for suffix, kind in ((".copy.pdf", "application/pdf"),
                         (".copy.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")):
        answer = client.get(f"{PAGE}{suffix}")
        assert answer.status_code == 200 and answer.headers["Content-Type"] == kind
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.data == (app.config["OUTBOX"] / CASE / "drafts" / f"{STEM}{suffix}").read_bytes()
    assert client.get(f"{PAGE}.copy.txt").status_code == 404
    assert client.get(f"{PAGE}.copy.json").status_code == 404


def test_a_letter_with_no_copy_has_no_copy_file_and_no_copy_section(app):
    client = manager(app)
    rendered = client.post("/cases/TWC-OLD/render", data={"csrf_token": csrf(client.get("/cases/TWC-OLD"))})
    assert rendered.status_code == 303
    filed = sorted(p.stem for p in (app.config["OUTBOX"] / "TWC-OLD").glob("*.json"))
    assert filed, "the acknowledgement was not filed"
    stem = filed[0]
    page = client.get(f"/cases/TWC-OLD/letters/{stem}").text
    assert 'id="copy-heading"' not in page and "large-print copy" not in page
    assert client.get(f"/cases/TWC-OLD/letters/{stem}.copy.pdf").status_code == 404
    # A file of that name put beside the letter is not the manifest's, so it is never served.
    (app.config["OUTBOX"] / "TWC-OLD" / f"{stem}.copy.pdf").write_bytes(b"%PDF-1.7 not ours")
    assert client.get(f"/cases/TWC-OLD/letters/{stem}.copy.pdf").status_code == 404


def test_a_copy_that_is_a_link_is_never_followed_and_the_letter_is_not_shown(app, tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.7 private")
    copy = app.config["OUTBOX"] / CASE / "drafts" / f"{STEM}.copy.pdf"
    copy.unlink()
    os.symlink(secret, copy)
    client = manager(app)
    for path in (PAGE, f"{PAGE}.copy.pdf", f"{PAGE}.pdf"):
        answer = client.get(path)
        assert answer.status_code == 404 and b"private" not in answer.data, path


def test_a_missing_copy_file_is_a_warning_and_its_link_goes(app):
    (app.config["OUTBOX"] / CASE / "drafts" / f"{STEM}.copy.docx").unlink()
    client = manager(app)
    page = client.get(PAGE).text
    assert (f"The Word file of the complainant's copy, {CASE}/drafts/{STEM}.copy.docx, is missing from the "
            "case's folder: ask whoever looks after the service to put it back from a backup.") in page
    assert 'id="copy-docx-link"' not in page and 'id="copy-pdf-link"' in page
    assert client.get(f"{PAGE}.copy.docx").status_code == 404


def test_approving_files_the_copy_with_the_letter_and_the_page_says_so(app):
    client = manager(app)
    page = client.get(PAGE)
    done = client.post(f"{PAGE}/approve", data={"csrf_token": csrf(page), "note": "Read both."})
    assert done.status_code == 303 and done.headers["Location"] == PAGE
    folder = app.config["OUTBOX"] / CASE
    assert sorted(p.name for p in folder.iterdir() if p.is_file() and p.name.startswith(STEM)) == [
        f"{STEM}.copy.docx", f"{STEM}.copy.pdf", f"{STEM}.docx", f"{STEM}.json", f"{STEM}.pdf"]
    manifest = json.loads((folder / f"{STEM}.json").read_text())
    assert manifest["signed_off_by"] == "mandy" and manifest["copies"][0]["files"]["pdf"] == f"{STEM}.copy.pdf"
    issued = client.get(PAGE).text
    assert "A large-print copy of the letter was filed with it for the complainant, by first class." in issued
    assert client.get(f"{PAGE}.copy.pdf").data == (folder / f"{STEM}.copy.pdf").read_bytes()
    drafts = client.get("/drafts").text
    assert STEM not in drafts
