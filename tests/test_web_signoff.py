"""web.md "The pages": /drafts and the letter page's Approve and Return (sign-off.md "Reading and deciding"), through HTTP."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import ev, make
from web_helpers import cheap_hashing, csrf, due_json, served, sign_in  # noqa: F401 (a fixture)

from correspondence.common.wording import british
from correspondence.service import accounts


def decided(case_id: str, received: str, acknowledged: str, decision: str) -> dict:
    return make(case_id=case_id, received=received, events=[
        ev("e1", "letter_issued", acknowledged, letter="acknowledgement", stage=1),
        ev("e2", "decision", decision, stage=1, outcome="upheld", remedies=["An apology"], outstanding_actions=[],
           findings=[{"point": "Bins were missed.", "finding": "The crew missed the street."}])])


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = served(tmp_path_factory.mktemp("signoff"))
    token = accounts.add_token(app.config["OUTBOX"], "casesys")
    # Telford: the stage 1 response is due 10 working days after the acknowledgement.
    # SO-1 acknowledged Tue 3 Nov 2026: due Tue 17 Nov (4, 5, 6, 9, 10, 11, 12, 13, 16, 17 Nov).
    # SO-2 acknowledged Tue 10 Nov 2026: due Tue 24 Nov (11, 12, 13, 16, 17, 18, 19, 20, 23, 24 Nov).
    for rec in (decided("SO-2", "2026-11-09", "2026-11-10", "2026-11-19"),
                decided("SO-1", "2026-11-02", "2026-11-03", "2026-11-18")):
        answer = app.test_client().post("/api/records", data=json.dumps(rec), content_type="application/json",
                                        headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and [x["status"] for x in answer.json["letters"]] == ["draft"], answer.json
    yield app
    app.extensions["letters"].close()


STEM = "2026-11-20_outcome-s1_e2"  # drafted on the day the server works as of, Fri 20 Nov 2026


def drafts_of(app, case_id):
    folder = app.config["OUTBOX"] / case_id / "drafts"
    return sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []


def test_drafts_lists_them_oldest_due_first_and_the_diary_counts_them(app):
    client = app.test_client()
    sign_in(client, "casey")
    page = client.get("/drafts").text
    assert page.index("SO-1") < page.index("SO-2")
    assert "Tue 17 Nov 2026" in page and "Tue 24 Nov 2026" in page and "kind" in page
    assert f'id="draft-SO-1-{STEM}"' in page
    diary = client.get("/").text
    assert 'id="count-drafts"><span class="app-counts__number">2</span> drafts awaiting sign-off' in diary
    only = client.get("/?status=draft").text
    assert "SO-1" in only and "SO-2" in only and "TWC-OLD" not in only


def test_the_api_gives_a_drafted_letter_as_letters_due_does(app):
    token = accounts.add_token(app.config["OUTBOX"], "reader")
    answer = app.test_client().get("/api/cases/SO-1/due", headers={"Authorization": f"Bearer {token}"})
    assert answer.json == due_json(app, "SO-1")
    outcome = [x for x in answer.json["letters"] if x["letter"] == "outcome"]
    assert outcome[0]["status"] == "draft" and outcome[0]["draft"] == STEM
    assert [h["code"] for h in outcome[0]["holds"]] == ["kind"]
    diary = app.test_client().get("/api/diary", headers={"Authorization": f"Bearer {token}"})
    assert diary.json == due_json(app, "--all")


DRAFT_TAG = '<strong class="govuk-tag govuk-tag--yellow">Draft</strong>'
OVERDUE_TAG = '<strong class="govuk-tag govuk-tag--red">Overdue</strong>'


def test_a_draft_past_its_due_date_is_tagged_overdue_in_red_and_read_before_it_is_signed(app):
    client = app.test_client()
    sign_in(client, "mandy")
    diary = client.get("/").text
    # SO-1's outcome was due Tue 17 Nov 2026, before Fri 20 Nov: a draft, and overdue; SO-2's is due Tue 24 Nov.
    row_1 = diary[diary.index('href="/cases/SO-1"'):].split("</tr>")[0]
    row_2 = diary[diary.index('href="/cases/SO-2"'):].split("</tr>")[0]
    assert f"{DRAFT_TAG} {OVERDUE_TAG}" in row_1 and DRAFT_TAG in row_2 and OVERDUE_TAG not in row_2
    case = client.get("/cases/SO-1").text
    assert f"{DRAFT_TAG} {OVERDUE_TAG}" in case
    assert 'id="render"' not in case  # the one letter due is drafted: nothing to render
    assert "Letter drafted: outcome stage 1" in case and "awaiting sign-off, to Ms Aisha Khan, by email" in case
    late = client.get(f"/cases/SO-1/letters/{STEM}").text
    summary = late[late.index('id="letter-summary"'):].split("</dl>")[0]
    assert "Draft awaiting sign-off" in summary and OVERDUE_TAG in summary
    assert OVERDUE_TAG not in client.get(f"/cases/SO-2/letters/{STEM}").text.split("</dl>")[0]
    # the letter first, then the decision, then what the check found
    assert late.index('id="letter-pdf"') < late.index('id="approve-form"') < late.index('id="return-form"') \
        < late.index('id="required-content"')
    missing = client.post(f"/cases/SO-1/letters/{STEM}/return", data={"csrf_token": csrf(client.get("/")), "reason": ""})
    assert missing.text.index("govuk-error-summary") < missing.text.index("<h1")  # the error at the top of the page
    assert drafts_of(app, "SO-1") == [f"{STEM}.json"]


def test_a_caseworker_sees_the_draft_but_cannot_approve_or_return_it(app):
    client = app.test_client()
    sign_in(client, "casey")
    page = client.get(f"/cases/SO-1/letters/{STEM}")
    assert page.status_code == 200 and "Draft awaiting sign-off" in page.text
    assert "Telford &amp; Wrekin Council signs off every outcome letter before it goes" in page.text  # the hold
    assert 'id="approve-form"' not in page.text and 'id="return-form"' not in page.text
    token = csrf(page)
    assert client.post(f"/cases/SO-1/letters/{STEM}/approve", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/cases/SO-1/letters/{STEM}/return",
                       data={"csrf_token": token, "reason": "No."}).status_code == 403
    assert drafts_of(app, "SO-1") == [f"{STEM}.json"]
    assert not (app.config["OUTBOX"] / "SO-1" / f"{STEM}.pdf").exists()


def test_approving_without_the_forms_token_is_400_and_changes_nothing(app):
    client = app.test_client()
    sign_in(client, "mandy")
    assert client.post(f"/cases/SO-1/letters/{STEM}/approve", data={}).status_code == 400
    assert drafts_of(app, "SO-1") == [f"{STEM}.json"]


def test_a_manager_approves_a_draft_and_it_is_filed_signed_off(app):
    client = app.test_client()
    sign_in(client, "mandy")
    page = client.get(f"/cases/SO-1/letters/{STEM}")
    assert 'id="approve-form"' in page.text and 'id="return-form"' in page.text
    done = client.post(f"/cases/SO-1/letters/{STEM}/approve", data={"csrf_token": csrf(page), "note": "Read, fine."})
    assert done.status_code == 303 and done.headers["Location"] == f"/cases/SO-1/letters/{STEM}"
    folder = app.config["OUTBOX"] / "SO-1"
    manifest = json.loads((folder / f"{STEM}.json").read_text())
    assert manifest["signed_off_by"] == "mandy" and (folder / f"{STEM}.pdf").is_file()
    assert drafts_of(app, "SO-1") == []
    issued = client.get(done.headers["Location"]).text
    assert f"Approved and filed as {STEM}, signed off by mandy." in issued and "Issued" in issued
    case = client.get("/cases/SO-1").text
    assert "Draft approved: outcome stage 1" in case and "by mandy" in case
    again = client.post(f"/cases/SO-1/letters/{STEM}/approve", data={"csrf_token": csrf(page)})
    assert again.status_code == 404  # no draft of that name any more


def test_returning_needs_a_reason_then_the_letter_shows_as_returned(app):
    client = app.test_client()
    sign_in(client, "mandy")
    page = client.get(f"/cases/SO-2/letters/{STEM}")
    missing = client.post(f"/cases/SO-2/letters/{STEM}/return", data={"csrf_token": csrf(page), "reason": "  "})
    assert missing.status_code == 200 and "Enter why the draft is returned" in missing.text
    assert 'href="#reason"' in missing.text and drafts_of(app, "SO-2") == [f"{STEM}.json"]
    done = client.post(f"/cases/SO-2/letters/{STEM}/return",
                       data={"csrf_token": csrf(page), "reason": "The finding must name the street."})
    assert done.status_code == 303 and done.headers["Location"] == "/cases/SO-2"
    assert drafts_of(app, "SO-2") == []
    case = client.get("/cases/SO-2").text
    assert f"Returned by mandy on {british(date.today())}" in case
    assert "The finding must name the street." in case
    assert "SO-2" in client.get("/?status=returned").text
