"""web.md "How it looks and behaves", Security: sign-in everywhere, CSRF, lockout, cookies and their
expiry, the headers, paths that try to leave the outbox, the trusted header, the access log."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import sys

import pytest
from web_helpers import PASSWORD, Clock, cheap_hashing, csrf, served, sign_in, token_of  # noqa: F401 (a fixture)

from correspondence.service import accounts


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(tmp_path, clock):
    return served(tmp_path, clock)


@pytest.fixture
def client(app):
    return app.test_client()


# --------------------------------------------------------------------------- sign-in required

@pytest.mark.parametrize("path", ["/", "/cases/TWC-OLD", "/cases/TWC-OLD/letters/2026-11-20_x_complaint",
                                  "/cases/TWC-OLD/letters/2026-11-20_x_complaint.pdf", "/drafts", "/rejected",
                                  "/report?quarter=2026Q3", "/admin/users"])
def test_every_page_needs_a_signed_in_user(client, path):
    answer = client.get(path)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/login?next=/")


def test_login_health_and_static_need_no_sign_in(client):
    assert client.get("/login").status_code == 200
    assert client.get("/health").status_code == 200
    css = client.get("/static/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "GDS Transport" not in css.text  # Arial: no GOV.UK typeface
    assert client.get("/static/../users.sqlite3").status_code == 404


@pytest.mark.parametrize("path", ["/api/diary", "/api/cases/TWC-OLD/due"])
def test_the_api_answers_401_json_without_a_token(client, path):
    answer = client.get(path)
    assert answer.status_code == 401 and answer.is_json
    assert "Authorization: Bearer" in answer.json["error"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_api_takes_no_session_cookie_and_pages_take_no_token(app, client):
    sign_in(client, "ada")
    assert client.get("/api/diary").status_code == 401  # signed in, but no bearer token
    token = accounts.add_token(app.config["OUTBOX"], "casesys")
    fresh = app.test_client()
    assert fresh.get("/api/diary", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert fresh.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 303
    assert fresh.get("/api/diary", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    answer = fresh.get("/api/diary", headers={"Authorization": f"Bearer {token}"})
    assert "Set-Cookie" not in answer.headers


# --------------------------------------------------------------------------- CSRF

def test_a_post_without_a_valid_csrf_token_is_400_and_changes_nothing(app, client):
    sign_in(client, "casey")
    outbox = app.config["OUTBOX"]
    before = sorted(p.name for p in outbox.rglob("*"))
    for data in ({}, {"csrf_token": "forged"}):
        refused = client.post("/cases/TWC-NEW/render", data=data)
        assert refused.status_code == 400 and "did not come from this service" in refused.text
    assert sorted(p.name for p in outbox.rglob("*")) == before  # no letter, no ledger row
    admin = app.test_client()
    sign_in(admin, "ada")
    refused = admin.post("/admin/users/add", data={"new_name": "mallory", "new_role": "admin",
                                                    "new_password": "x" * 20, "new_password_again": "x" * 20})
    assert refused.status_code == 400 and accounts.role_of(outbox, "mallory") is None


def test_signing_in_needs_the_forms_token_and_gives_a_new_one(client):
    refused = client.post("/login", data={"username": "casey", "password": PASSWORD})
    assert refused.status_code == 400
    before = token_of(client, "/login")
    sign_in(client, "casey")
    assert token_of(client, "/") != before  # the session is new after signing in


def test_signing_out_needs_the_token(client):
    sign_in(client, "casey")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


# --------------------------------------------------------------------------- lockout

def test_five_failed_sign_ins_lock_the_account(app, client):
    for _ in range(4):
        assert "not right" in sign_in(client, "casey", "wrong password").text
    assert "This account is locked after 5 failed sign-ins" in sign_in(client, "casey", "wrong password").text
    locked = sign_in(client, "casey")  # the right password, while locked
    assert locked.status_code == 200 and "This account is locked after 5 failed sign-ins" in locked.text
    assert client.get("/").status_code == 303
    accounts.unlock(app.config["OUTBOX"], "casey")
    assert sign_in(client, "casey").status_code == 303


# --------------------------------------------------------------------------- cookies and expiry

def test_the_session_cookie_is_signed_httponly_lax_and_secure_over_https(app):
    plain = app.test_client()
    answer = sign_in(plain, "casey")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("letters_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    forged = app.test_client()
    forged.set_cookie("letters_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert forged.get("/").status_code == 303  # a cookie changed by hand is no session
    secure = app.test_client()
    token = csrf(secure.get("/login", base_url="https://letters.example"))
    answer = secure.post("/login", base_url="https://letters.example",
                         data={"csrf_token": token, "username": "casey", "password": PASSWORD, "next": "/"})
    assert "Secure" in answer.headers["Set-Cookie"]


def test_a_session_ends_after_30_minutes_unused(client, clock):
    sign_in(client, "casey")
    clock.now += 29 * 60
    assert client.get("/").status_code == 200
    clock.now += 29 * 60  # 29 minutes since the last use: still signed in
    assert client.get("/").status_code == 200
    clock.now += 31 * 60
    answer = client.get("/cases/TWC-OLD")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/login?next=/cases/TWC-OLD&reason=expired"
    assert "signed out because the page was not used for 30 minutes" in client.get(answer.headers["Location"]).text


def test_a_session_ends_8_hours_after_signing_in_however_used(client, clock):
    sign_in(client, "casey")
    for _ in range(16):  # every 29 minutes for 7 h 44 min
        clock.now += 29 * 60
        assert client.get("/").status_code == 200
    clock.now += 17 * 60  # 8 h 1 min after signing in
    assert client.get("/").status_code == 303


def test_a_new_password_or_a_removed_account_ends_its_sessions(app, client):
    sign_in(client, "casey")
    accounts.set_password(app.config["OUTBOX"], "casey", "another long password")
    assert client.get("/").status_code == 303
    other = app.test_client()
    sign_in(other, "mandy")
    accounts.remove_user(app.config["OUTBOX"], "mandy")
    assert other.get("/").status_code == 303


def test_a_role_change_applies_at_the_next_request(app, client):
    sign_in(client, "mandy")
    assert client.get("/admin/users").status_code == 403
    accounts.set_role(app.config["OUTBOX"], "mandy", "admin")
    assert client.get("/admin/users").status_code == 200


# --------------------------------------------------------------------------- headers

def test_every_page_sends_the_security_headers_and_the_csp_allows_only_the_snippet(client):
    pages = [client.get("/login")]
    sign_in(client, "casey")
    pages += [client.get(path) for path in ("/", "/cases/TWC-OLD", "/drafts", "/no-such-page")]
    for answer in pages:
        csp = answer.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert directives["frame-ancestors"] == "'self'" and directives["object-src"] == "'self'"
        assert directives["frame-src"] == "'self'"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"
        inline = re.findall(r"<script>(.*?)</script>", answer.text, re.S)
        allowed = directives["script-src"].split()
        assert allowed[0] == "'self'"
        for script in inline:  # each inline script is the one whose hash the policy names
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed
        assert len(allowed) == 1 + len(set(inline))
    assert "js-enabled" in client.get("/").text


def test_static_files_may_be_cached_and_pages_may_not(client):
    assert "no-store" not in client.get("/static/app.css").headers["Cache-Control"]
    sign_in(client, "casey")
    assert client.get("/cases/TWC-OLD").headers["Cache-Control"] == "no-store"


# --------------------------------------------------------------------------- paths that leave the outbox

@pytest.fixture
def opened():
    """The paths this process opens while ``recording`` is set (an audit hook, one per session)."""
    state = _AUDIT
    state["paths"] = []
    state["on"] = True
    yield state["paths"]
    state["on"] = False


_AUDIT: dict = {"on": False, "paths": []}


def _hook(event, args):
    if _AUDIT["on"] and event in ("open", "os.listdir", "os.scandir") and args and args[0] is not None:
        _AUDIT["paths"].append(str(args[0]))


sys.addaudithook(_hook)


@pytest.mark.parametrize("path", [
    "/cases/..%2F..%2Fsecret",
    "/cases/%2E%2E/letters/secret",
    "/cases/..%2Fsecret/letters/x",
    "/cases/TWC-OLD/letters/..%2F..%2F..%2Fsecret",
    "/cases/TWC-OLD/letters/..%2F..%2F..%2Fsecret.pdf",
    "/cases/TWC-OLD/letters/%2Ftmp%2Fsecret.pdf",
    "/cases/%2Ftmp%2Fsecret",
    "/cases/TWC-OLD/letters/2026-11-20_..%2F..%2Fsecret.docx",
    "/cases/.cases/letters/2026-11-20_x_TWC-OLD",
    "/cases/users.sqlite3",
    "/cases/TWC-OLD%00/letters/x",
])
def test_a_path_leaving_the_outbox_is_404_and_reads_nothing(app, client, opened, path):
    secret = app.config["OUTBOX"].parent / "secret"
    secret.write_text("not for the web")
    (app.config["OUTBOX"].parent / "secret.pdf").write_text("not for the web")
    sign_in(client, "casey")
    opened.clear()
    answer = client.get(path)
    assert answer.status_code == 404
    assert "not for the web" not in answer.text
    outside = [p for p in opened if "secret" in p or p.endswith(".json") or "/.cases" in p]
    assert outside == []


# --------------------------------------------------------------------------- single sign-on

def test_the_trusted_header_signs_in_only_from_the_trusted_proxy(tmp_path):
    app = served(tmp_path, trust_header="X-Remote-User", trusted_proxy="10.0.0.2")
    proxy = app.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    answer = proxy.get("/", headers={"X-Remote-User": "mandy"})
    assert answer.status_code == 200 and "Signed in as mandy (manager)" in answer.text
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert stranger.get("/", headers={"X-Remote-User": "mandy"}).status_code == 303
    unknown = proxy.get("/", headers={"X-Remote-User": "nobody"})
    assert unknown.status_code == 403 and "no account here" in unknown.text


def test_serve_refuses_a_trusted_header_without_a_proxy_address(tmp_path):
    from click.testing import CliRunner

    from correspondence.cli import cli
    result = CliRunner().invoke(cli, ["serve", "--trust-header", "X-Remote-User", "--outbox", str(tmp_path / "o"),
                                      "--inbox", str(tmp_path / "i")])
    assert result.exit_code == 2 and "--trust-header needs --trusted-proxy" in result.output


# --------------------------------------------------------------------------- the access log

def test_the_access_log_never_holds_a_query_string(client, caplog):
    sign_in(client, "casey")
    with caplog.at_level(logging.INFO, logger="correspondence.web.access"):
        caplog.clear()  # the sign-in's own lines, kept where another test left the logger at INFO
        client.get("/?q=Farouk&council=luton")
    lines = [r.getMessage() for r in caplog.records if r.name == "correspondence.web.access"]
    assert len(lines) == 1 and lines[0].startswith("GET / 200 ")
    assert "Farouk" not in caplog.text and "q=" not in caplog.text
