"""The web pages and who may do what: one test per page and role, through HTTP (Flask's test client)."""

from __future__ import annotations

import json
import re

import pytest
from web_helpers import cheap_hashing, csrf, served, sign_in, token_of  # noqa: F401 (a fixture)

from correspondence.service import accounts, audit


@pytest.fixture
def app(tmp_path):
    return served(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


def outbox_of(app):
    return app.config["OUTBOX"]


# --------------------------------------------------------------------------- /login, /logout

def test_sign_in_goes_where_it_was_asked_and_sign_out_ends_the_session(client):
    first = client.get("/cases/TWC-OLD")
    assert first.status_code == 303 and first.headers["Location"] == "/login?next=/cases/TWC-OLD"
    page = client.get("/login?next=/cases/TWC-OLD")
    assert page.status_code == 200
    assert 'for="username"' in page.text and 'for="password"' in page.text
    signed = sign_in(client, "casey", next_="/cases/TWC-OLD")
    assert signed.status_code == 303 and signed.headers["Location"] == "/cases/TWC-OLD"
    assert client.get("/cases/TWC-OLD").status_code == 200
    out = client.post("/logout", data={"csrf_token": token_of(client, "/")})
    assert out.status_code == 303 and out.headers["Location"] == "/login"
    assert client.get("/").status_code == 303


def test_a_wrong_password_is_one_error_that_names_no_account(client):
    page = sign_in(client, "casey", "not the password")
    assert page.status_code == 200
    assert "There is a problem" in page.text and "The user name or password is not right" in page.text
    assert "Error: Sign in" in page.text  # the page title says there is an error
    unknown = sign_in(client, "nobody", "not the password")
    assert "The user name or password is not right" in unknown.text


def test_next_never_leaves_the_service(client):
    signed = sign_in(client, "casey", next_="//evil.example/x")
    assert signed.headers["Location"] == "/"


# --------------------------------------------------------------------------- / (the diary)

def test_the_diary_lists_letters_overdue_first_with_counts(client):
    sign_in(client, "casey")
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    # TWC-OLD due Wed 4 Nov, LBC-1 due Thu 5 Nov (both overdue on Fri 20 Nov), TWC-NEW due Mon 23 Nov.
    assert text.index("TWC-OLD") < text.index("LBC-1") < text.index("TWC-NEW")
    assert "Wed 4 Nov 2026" in text and "Thu 5 Nov 2026" in text and "Mon 23 Nov 2026" in text
    assert 'id="count-overdue"><span class="app-counts__number">2</span> overdue' in text
    assert '<span class="app-counts__number" id="count-week">1</span> due in the next 5 working days' in text
    assert 'id="count-drafts"><span class="app-counts__number">0</span> drafts awaiting sign-off' in text
    assert 'id="count-rejected"><span class="app-counts__number">0</span> rejected records' in text


def test_the_diary_filters_by_council_service_area_and_status(client):
    sign_in(client, "casey")
    luton = client.get("/?council=luton").text
    assert "LBC-1" in luton and "TWC-OLD" not in luton and "TWC-NEW" not in luton
    parking = client.get("/?service_area=Parking").text
    assert "TWC-NEW" in parking and "TWC-OLD" not in parking and "LBC-1" not in parking
    overdue = client.get("/?status=overdue").text
    assert "TWC-OLD" in overdue and "LBC-1" in overdue and "TWC-NEW" not in overdue
    due = client.get("/?status=due").text
    assert "TWC-NEW" in due and "TWC-OLD" not in due
    assert "No letter matches the filters." in client.get("/?status=draft").text


def test_the_diary_searches_by_case_id_or_name(client):
    sign_in(client, "casey")
    by_name = client.get("/?q=farouk").text
    assert "LBC-1" in by_name and "TWC-OLD" not in by_name
    by_id = client.get("/?q=twc-new").text
    assert "TWC-NEW" in by_id and "LBC-1" not in by_id and "TWC-OLD" not in by_id


# --------------------------------------------------------------------------- /cases/<id>

def test_the_case_page_shows_the_person_stage_deadlines_letters_due_and_timeline(client):
    sign_in(client, "casey")
    page = client.get("/cases/TWC-NEW")
    assert page.status_code == 200
    text = page.text
    assert "Case TWC-NEW" in text and "Dr Bryony Tate" in text and "Stage 1" in text
    assert "Telford &amp; Wrekin Council" in text and "Parking" in text
    # the acknowledgement, due Mon 23 Nov 2026 (2 working days after Thu 19 Nov), and the deadlines
    assert "Acknowledgement" in text and "Mon 23 Nov 2026" in text
    assert 'id="deadlines"' in text and "Response" in text
    assert 'id="render"' in text  # a caseworker may render
    assert "Complaint received" in text and "19 November 2026" in text
    assert page.headers["Cache-Control"] == "no-store"


def test_an_unknown_case_is_a_404_page(client):
    sign_in(client, "casey")
    page = client.get("/cases/NO-SUCH-CASE")
    assert page.status_code == 404 and "Page not found" in page.text


def test_a_rejected_update_shows_on_its_case_and_in_the_diary(app, client):
    from correspondence.service import case_store
    rejected = app.config["OUTBOX"].parent / "inbox" / ".rejected"
    rejected.mkdir(parents=True)
    (rejected / "update.json").write_text(json.dumps({"case_id": "TWC-OLD", "council": "telford-wrekin"}))
    (rejected / "update.json.error.txt").write_text(
        "This record was not processed and no letter was written from it.\n\n"
        "update.json: field service_area is missing; it is required.\n")
    case_store.note_rejected(app.config["OUTBOX"], "TWC-OLD", "update.json", "2026-11-19T10:30:00+00:00",
                             "update.json: field service_area is missing; it is required.")
    sign_in(client, "casey")
    page = client.get("/cases/TWC-OLD").text
    assert 'id="rejected-update"' in page and "A later record for this case was rejected on 19 November 2026" in page
    assert "update.json: field service_area is missing; it is required." in page
    assert 'id="rejected-update"' not in client.get("/cases/TWC-NEW").text
    diary = client.get("/").text
    assert 'id="rejected-updates"' in diary and '<a class="govuk-link" href="/cases/TWC-OLD">' in diary


def test_mark_done_records_who_and_the_action_leaves_the_list(app, client):
    outbox = outbox_of(app)
    folder = outbox / "TWC-OLD"
    folder.mkdir()
    stem = "2026-11-03_acknowledgement-s1_complaint"
    (folder / f"{stem}.json").write_text(json.dumps({
        "case_id": "TWC-OLD", "letter": "acknowledgement", "stage": 1, "trigger": "complaint",
        "letter_date": "2026-11-03", "actions_needed": ["Send a large-print copy."], "files": {}}))
    sign_in(client, "casey")
    page = client.get("/cases/TWC-OLD")
    assert "Send a large-print copy." in page.text and f'id="done-{stem}-1"' in page.text
    done = client.post(f"/cases/TWC-OLD/actions/{stem}/1/done", data={"csrf_token": csrf(page)})
    assert done.status_code == 303
    after = client.get("/cases/TWC-OLD").text
    assert "Marked done: Send a large-print copy." in after and f'id="done-{stem}-1"' not in after
    assert [(c["by"], c["action"], c["detail"]) for c in audit.changes(outbox, "TWC-OLD")] == \
        [("casey", "action-done", f"{stem} 1")]


# /drafts: tests/test_web_signoff.py (drafts made by the service itself, approved and returned)


# --------------------------------------------------------------------------- /rejected

def test_rejected_lists_the_reports_newest_first_with_their_case(app, client):
    import os
    rejected = app.config["OUTBOX"].parent / "inbox" / ".rejected"
    rejected.mkdir(parents=True)
    for name, body, when in (("old.json", '{"case_id": "TWC-OLD"}', 1_700_000_000),
                             ("new.json", "not json", 1_800_000_000)):
        (rejected / name).write_text(body)
        report = rejected / f"{name}.error.txt"
        report.write_text(f"This record was not processed and no letter was written from it.\n\n{name}: bad.\n")
        os.utime(report, (when, when))
    sign_in(client, "casey")
    page = client.get("/rejected").text
    assert page.index("new.json: bad.") < page.index("old.json: bad.")
    assert '<a class="govuk-link" href="/cases/TWC-OLD">TWC-OLD</a>' in page
    assert "Not readable from the record" in page


# --------------------------------------------------------------------------- /report

def test_report_shows_the_period_and_its_document(client):
    sign_in(client, "casey")
    page = client.get("/report?quarter=2026Q4")
    assert page.status_code == 200 and 'src="/report/document?quarter=2026Q4"' in page.text
    document = client.get("/report/document?quarter=2026Q4")
    assert document.status_code == 200 and document.mimetype == "text/html"
    assert "1 October 2026" in document.text and "31 December 2026" in document.text
    assert "script" not in document.headers["Content-Security-Policy"]
    wrong = client.get("/report?quarter=2026Q5")
    assert "Enter a quarter like 2026Q3" in wrong.text and "src=\"/report/document" not in wrong.text


# --------------------------------------------------------------------------- /health

def test_health_needs_no_sign_in(app, client):
    inbox = app.config["OUTBOX"].parent / "inbox"
    (inbox / "waiting.json").write_text("{}")
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "inbox_waiting": 1, "last_processed": None}


# --------------------------------------------------------------------------- roles

def test_a_caseworker_cannot_manage_accounts_and_nothing_changes(app, client):
    sign_in(client, "casey")
    assert client.get("/admin/users").status_code == 403
    token = token_of(client)
    refused = client.post("/admin/users/add", data={"csrf_token": token, "new_name": "mallory", "new_role": "admin",
                                                    "new_password": "x" * 20, "new_password_again": "x" * 20})
    assert refused.status_code == 403
    assert accounts.role_of(outbox_of(app), "mallory") is None
    assert client.post("/admin/tokens/add", data={"csrf_token": token, "token_name": "sys"}).status_code == 403
    assert accounts.list_tokens(outbox_of(app)) == []
    assert "/admin/users" not in client.get("/").text  # and the link is not shown


def test_a_manager_cannot_manage_accounts(app, client):
    sign_in(client, "mandy")
    assert client.get("/admin/users").status_code == 403
    refused = client.post("/admin/users/ada/remove", data={"csrf_token": token_of(client)})
    assert refused.status_code == 403 and accounts.role_of(outbox_of(app), "ada") == "admin"


def test_an_admin_adds_an_account_and_a_token_recorded_with_their_name(app, client):
    sign_in(client, "ada")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "casey" in page.text
    mismatch = client.post("/admin/users/add", data={"csrf_token": csrf(page), "new_name": "bea", "new_role": "manager",
                                                     "new_password": "first long password",
                                                     "new_password_again": "other long password"})
    assert "The two passwords are not the same" in mismatch.text and accounts.role_of(outbox_of(app), "bea") is None
    added = client.post("/admin/users/add", data={"csrf_token": csrf(page), "new_name": "bea", "new_role": "manager",
                                                  "new_password": "first long password",
                                                  "new_password_again": "first long password"})
    assert added.status_code == 303 and accounts.role_of(outbox_of(app), "bea") == "manager"
    made = client.post("/admin/tokens/add", data={"csrf_token": csrf(page), "token_name": "casesys"})
    shown = made.text.split('<code id="token-value">')[1].split("</code>")[0]
    assert accounts.token_name(outbox_of(app), shown) == "casesys"
    assert [(c["by"], c["action"], c["detail"]) for c in audit.changes(outbox_of(app))] == \
        [("ada", "account-added", "bea (manager)"), ("ada", "token-added", "casesys")]


def test_an_admin_unlocks_removes_and_revokes_in_the_browser_each_recorded_with_their_name(app, client):
    outbox = outbox_of(app)
    locked = app.test_client()
    for _ in range(5):
        sign_in(locked, "casey", "wrong password")
    assert "This account is locked" in sign_in(locked, "casey").text
    accounts.add_token(outbox, "oldsys")
    sign_in(client, "ada")
    page = client.get("/admin/users")
    assert 'id="unlock-casey"' in page.text and 'id="unlock-mandy"' not in page.text  # only a locked account's
    # times as people write them, in UTC (15 minutes from the fifth failure), never ISO 8601
    assert re.search(r"Locked until (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d UTC", page.text)
    assert not re.search(r"\d{4}-\d\d-\d\dT", page.text)
    assert "<td class=\"govuk-table__cell\">Never</td>" in page.text  # the token not used yet
    unlocked = client.post("/admin/users/casey/unlock", data={"csrf_token": csrf(page)})
    assert unlocked.status_code == 303 and "Account casey unlocked." in client.get("/admin/users").text
    assert sign_in(locked, "casey").headers["Location"] == "/"  # the right password works again at once

    mandy = app.test_client()
    sign_in(mandy, "mandy")
    removed = client.post("/admin/users/mandy/remove", data={"csrf_token": csrf(page)})
    assert removed.status_code == 303 and accounts.role_of(outbox, "mandy") is None
    assert mandy.get("/").status_code == 303  # her session ends at its next request
    assert client.post("/admin/users/nobody/remove", data={"csrf_token": csrf(page)}).status_code == 404
    own = client.post("/admin/users/ada/remove", data={"csrf_token": csrf(page)})
    assert own.status_code == 303 and "You cannot remove your own account." in client.get("/admin/users").text
    assert accounts.role_of(outbox, "ada") == "admin"

    revoked = client.post("/admin/tokens/oldsys/revoke", data={"csrf_token": csrf(page)})
    assert revoked.status_code == 303 and "Token oldsys revoked." in client.get("/admin/users").text
    assert accounts.list_tokens(outbox) == []
    assert [(c["by"], c["action"], c["detail"]) for c in audit.changes(outbox)] == \
        [("ada", "account-unlocked", "casey"), ("ada", "account-removed", "mandy"), ("ada", "token-revoked", "oldsys")]


def test_remove_and_revoke_ask_first_on_a_page_of_their_own_that_needs_no_javascript(app, client):
    outbox = outbox_of(app)
    accounts.add_token(outbox, "oldsys")
    sign_in(client, "ada")
    admin = client.get("/admin/users").text
    # The buttons are links to a page that asks: following one changes nothing.
    assert re.search(r'<a href="/admin/users/mandy/remove" role="button"[^>]*id="remove-mandy">', admin)
    assert re.search(r'<a href="/admin/tokens/oldsys/revoke" role="button"[^>]*id="revoke-oldsys">', admin)
    assert 'id="remove-ada"' not in admin  # never one's own

    asked = client.get("/admin/users/mandy/remove")
    assert asked.status_code == 200 and accounts.role_of(outbox, "mandy") == "manager"
    assert '<h1 class="govuk-heading-l" id="confirm-heading">Remove the account mandy?</h1>' in asked.text
    assert ("mandy (manager) will be signed out at once and will no longer be able to sign in. The letters they "
            "signed off and the changes they made keep their name.") in asked.text
    assert '<form method="post" action="/admin/users/mandy/remove" id="confirm-form" novalidate>' in asked.text
    assert 'href="/admin/users" id="cancel">Cancel' in asked.text
    assert "<script" not in asked.text.split('id="confirm-heading"')[1].split("</main>")[0]  # the form alone
    assert asked.headers["Cache-Control"].startswith("no-store")
    done = client.post("/admin/users/mandy/remove", data={"csrf_token": csrf(asked)})
    assert done.status_code == 303 and accounts.role_of(outbox, "mandy") is None
    assert "Account mandy removed." in client.get("/admin/users").text

    asked = client.get("/admin/tokens/oldsys/revoke")
    assert asked.status_code == 200 and [t[0] for t in accounts.list_tokens(outbox)] == ["oldsys"]
    assert "Revoke the API token oldsys?" in asked.text
    assert ("The case system that uses the token oldsys will be refused from its next request, until it is given a "
            "new token.") in asked.text
    done = client.post("/admin/tokens/oldsys/revoke", data={"csrf_token": csrf(asked)})
    assert done.status_code == 303 and accounts.list_tokens(outbox) == []

    assert client.get("/admin/users/nobody/remove").status_code == 404
    assert client.get("/admin/tokens/oldsys/revoke").status_code == 404  # revoked already
    own = client.get("/admin/users/ada/remove")
    assert own.status_code == 303 and "You cannot remove your own account." in client.get("/admin/users").text
    assert [(c["action"], c["detail"]) for c in audit.changes(outbox)] == \
        [("account-removed", "mandy"), ("token-revoked", "oldsys")]  # asking recorded nothing


def test_only_an_admin_is_asked_to_remove_or_revoke(app, client):
    accounts.add_token(outbox_of(app), "oldsys")
    for name in ("casey", "mandy"):
        someone = app.test_client()
        sign_in(someone, name)
        assert someone.get("/admin/users/ada/remove").status_code == 403
        assert someone.get("/admin/tokens/oldsys/revoke").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/admin/users/casey/remove").status_code == 303  # to sign in


def test_letters_users_passwd_clears_a_lockout_for_the_sign_in_page(app, client):
    from click.testing import CliRunner

    from correspondence.cli import cli
    for _ in range(5):
        sign_in(client, "casey", "wrong password")
    assert "This account is locked" in sign_in(client, "casey").text
    result = CliRunner().invoke(cli, ["users", "passwd", "casey", "--password-stdin", "--outbox", str(outbox_of(app))],
                                input="casey's new long password\n")
    assert result.exit_code == 0, result.output
    assert sign_in(client, "casey", "casey's new long password").headers["Location"] == "/"


def test_the_header_names_the_one_council_of_the_store_or_the_title_given(tmp_path):
    app = served(tmp_path)
    client = app.test_client()
    sign_in(client, "casey")
    header = 'class="govuk-generic-header__homepage-link">\n        {}\n      </a>'
    assert header.format("Complaints letters") in client.get("/drafts").text  # two councils
    (app.config["OUTBOX"] / ".cases" / "LBC-1.json").unlink()
    client.get("/")  # the diary sees the store of one council
    assert header.format("Telford &amp; Wrekin Council") in client.get("/drafts").text
    titled = served(tmp_path / "titled", title="Borough complaints").test_client()
    sign_in(titled, "casey")
    assert header.format("Borough complaints") in titled.get("/").text
