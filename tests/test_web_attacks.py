"""web.md Security, as an attacker tries it: a cookie kept after signing out, a lockout used to
learn which names are accounts, links inside the outbox that point outside it, a form body
too large to read."""

from __future__ import annotations

import json
import re
import sys
import time

import pytest
from conftest import make
from web_helpers import PASSWORD, Clock, cheap_hashing, csrf, served, sign_in, start_serve, token_of  # noqa: F401 (a fixture)

from correspondence.service import accounts


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(tmp_path, clock):
    getattr(accounts, "_UNKNOWN", {}).clear()  # the names that are no account, counted in memory
    return served(tmp_path, clock)


@pytest.fixture
def client(app):
    return app.test_client()


# --------------------------------------------------------------------------- signing out

def test_a_cookie_kept_after_signing_out_is_no_session(app, client):
    sign_in(client, "mandy")
    stolen = client.get_cookie("letters_session").value
    assert client.post("/logout", data={"csrf_token": token_of(client)}).status_code == 303
    assert client.get("/").status_code == 303
    thief = app.test_client()
    thief.set_cookie("letters_session", stolen)
    answer = thief.get("/cases/TWC-OLD")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/login?next=")
    refused = thief.post("/cases/TWC-NEW/render", data={"csrf_token": csrf(client.get("/login"))})
    assert refused.status_code in (303, 400)
    assert not (app.config["OUTBOX"] / "TWC-NEW").exists()  # nothing rendered with the old cookie
    other = app.test_client()  # signing out ends that session only
    sign_in(other, "mandy")
    assert other.get("/").status_code == 200


def test_a_form_token_from_an_expired_session_changes_nothing(app, client, clock):
    sign_in(client, "casey")
    token = token_of(client, "/cases/TWC-NEW")
    clock.now += 31 * 60
    answer = client.post("/cases/TWC-NEW/render", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/login?next=/")
    assert not (app.config["OUTBOX"] / "TWC-NEW").exists()


# --------------------------------------------------------------------------- the lockout shows no account

def _refusals(client, name: str, times: int) -> list[str]:
    out = []
    for _ in range(times):
        text = sign_in(client, name, "wrong password").text
        out.append("locked" if "This account is locked" in text else "not right" if "is not right" in text else text)
    return out


def test_a_name_that_is_no_account_locks_as_an_account_does(client):
    known = _refusals(client, "casey", 7)
    assert known == ["not right"] * 4 + ["locked"] * 3
    for name in ("nobody", "CASEY", "Casey", "no such name!"):
        assert _refusals(client, name, 7) == known, name
    assert "This account is locked" in sign_in(client, "casey").text  # the case of the name changes nothing
    assert "This account is locked" in sign_in(client, "CASEY", PASSWORD).text


def test_a_locked_account_takes_as_long_to_refuse_as_any_other_name(client):
    from argon2 import PasswordHasher
    accounts._hasher = lambda: PasswordHasher(time_cost=3, memory_cost=32768, parallelism=1)  # slow enough to time
    accounts._DUMMY.clear()
    _refusals(client, "casey", 5)

    def took(name: str) -> float:
        started = time.perf_counter()
        sign_in(client, name, "wrong password")
        return time.perf_counter() - started

    locked = min(took("casey") for _ in range(3))
    unknown = min(took("nobody-at-all") for _ in range(3))
    assert locked > unknown / 3, (locked, unknown)  # a hash is checked either way (no quick answer)


# --------------------------------------------------------------------------- links out of the outbox

@pytest.fixture
def opened():
    """The paths this process opens while on (an audit hook)."""
    _AUDIT["paths"] = []
    _AUDIT["on"] = True
    yield _AUDIT["paths"]
    _AUDIT["on"] = False


_AUDIT: dict = {"on": False, "paths": []}


def _hook(event, args):
    if _AUDIT["on"] and event == "open" and args and args[0] is not None:
        _AUDIT["paths"].append(str(args[0]))


sys.addaudithook(_hook)

MANIFEST = ('{"case_id": "%s", "letter": "acknowledgement", "stage": 1, "letter_date": "2026-11-20", '
            '"files": {"pdf": "2026-11-20_acknowledgement_s1.pdf", "docx": "2026-11-20_acknowledgement_s1.docx"}}')


def _links(app):
    """Files outside the outbox, and links to them inside it: a letter's files, a manifest, a case
    folder, a drafts folder and a stored snapshot."""
    outbox = app.config["OUTBOX"]
    outside = outbox.parent / "outside"
    (outside / "drafts").mkdir(parents=True)
    for where, case_id in ((outside, "TWC-OLD"), (outside / "drafts", "TWC-NEW")):
        (where / "2026-11-20_acknowledgement_s1.json").write_text(MANIFEST % case_id)
        (where / "2026-11-20_acknowledgement_s1.pdf").write_bytes(b"%PDF-1.4 secret outside the outbox")
        (where / "2026-11-20_acknowledgement_s1.docx").write_bytes(b"secret outside the outbox")
    (outside / "snapshot.json").write_text('{"case_id": "TWC-LINK"}')
    case = outbox / "TWC-OLD"
    case.mkdir()
    for suffix in ("json", "pdf", "docx"):
        (case / f"2026-11-20_acknowledgement_s1.{suffix}").symlink_to(outside / f"2026-11-20_acknowledgement_s1.{suffix}")
    (outbox / "TWC-NEW").mkdir()
    (outbox / "TWC-NEW" / "drafts").symlink_to(outside / "drafts")
    (outbox / "TWC-GONE").symlink_to(outside)
    (outbox / ".cases" / "TWC-LINK.json").symlink_to(outside / "snapshot.json")
    return outside


@pytest.mark.parametrize("path", [
    "/cases/TWC-OLD/letters/2026-11-20_acknowledgement_s1",
    "/cases/TWC-OLD/letters/2026-11-20_acknowledgement_s1.pdf",
    "/cases/TWC-OLD/letters/2026-11-20_acknowledgement_s1.docx",
    "/cases/TWC-NEW/letters/2026-11-20_acknowledgement_s1.pdf",
    "/cases/TWC-GONE/letters/2026-11-20_acknowledgement_s1",
    "/cases/TWC-GONE/letters/2026-11-20_acknowledgement_s1.pdf",
    "/cases/TWC-LINK",
])
def test_a_link_inside_the_outbox_to_a_file_outside_is_404_and_opens_nothing(app, client, opened, path):
    outside = _links(app)
    sign_in(client, "casey")
    opened.clear()
    answer = client.get(path)
    assert answer.status_code == 404
    assert b"secret outside" not in answer.data
    outbox = str(app.config["OUTBOX"])
    followed = [p for p in opened if p.startswith(str(outside)) or
                (p.startswith(outbox) and ("acknowledgement_s1" in p or "TWC-LINK" in p or "TWC-GONE" in p))]
    assert followed == []


def test_the_case_pages_list_no_letter_a_link_leads_to(app, client):
    _links(app)
    sign_in(client, "casey")
    for case_id in ("TWC-OLD", "TWC-NEW"):
        page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200 and "2026-11-20_acknowledgement_s1" not in page.text
    assert "2026-11-20_acknowledgement_s1" not in client.get("/drafts").text


# --------------------------------------------------------------------------- bodies too large to read

def test_a_form_body_over_a_megabyte_is_refused_before_it_is_read(app, client):
    token = csrf(client.get("/login"))  # no account needed to try this
    big = b"a" * (2 * 1024 * 1024)
    answer = client.post("/login", data={"csrf_token": token, "username": "casey", "password": PASSWORD,
                                          "f": (__import__("io").BytesIO(big), "a.bin")})
    assert answer.status_code == 413
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and "frame-ancestors" in \
        answer.headers["Content-Security-Policy"]
    answer = client.post("/login", data=b"csrf_token=" + token.encode() + b"&username=" + big,
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413
    assert client.get("/").status_code == 303  # not signed in


# --------------------------------------------------------------------------- the server's own limit

def test_the_server_refuses_a_body_far_over_the_limit_before_keeping_it(tmp_path):
    """A chunked body of 64 MB to the API (signed in or not, it is never all kept): 413 from the
    server once it passes 6 MB, the connection closed, nothing left in the inbox."""
    import socket
    from urllib.parse import urlsplit

    (tmp_path / "inbox").mkdir()
    proc, address, _ = start_serve(tmp_path)
    try:
        where = urlsplit(address)
        with socket.create_connection((where.hostname, where.port), timeout=30) as s:
            s.sendall(b"POST /api/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer lt_x\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n" % (1024 * 1024) + b"a" * (1024 * 1024) + b"\r\n"
            answer = b""
            try:
                for _ in range(64):  # bounded: at most 64 MB
                    s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                while len(answer) < 100_000 and (part := s.recv(65536)):
                    answer += part
            except ConnectionResetError:
                pass
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert [p.name for p in (tmp_path / "inbox").rglob("*") if p.is_file()] == []
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_a_missing_static_file_is_a_404_that_is_not_cached(client):
    answer = client.get("/static/no-such-file.css")
    assert answer.status_code == 404 and answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in answer.headers["Content-Security-Policy"]
    assert "no-store" not in client.get("/static/app.css").headers["Cache-Control"]


# --------------------------------------------------------------------------- against a running letters serve

class Browser:
    """A client of a running server over plain HTTP, paths sent exactly as written (no
    normalising), with a cookie jar."""

    def __init__(self, address: str, source: str | None = None):
        from urllib.parse import urlsplit
        where = urlsplit(address)
        self.host, self.port = where.hostname, where.port
        self.source = (source, 0) if source else None  # the address the requests come from
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, form: dict | None = None, body: bytes | None = None,
                headers: dict | None = None):
        import http.client
        from http.cookies import SimpleCookie
        from urllib.parse import urlencode

        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=self.source)
        try:
            conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            for k, v in sent.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            answer = conn.getresponse()
            answer.data = answer.read()
        finally:
            conn.close()
        answer.text = answer.data.decode("utf-8", "replace")
        for value in answer.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(value)
            for name, morsel in SimpleCookie(value).items():
                if morsel.value and "1970" not in (morsel["expires"] or ""):
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return answer

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def token(self, path: str = "/login") -> str:
        return csrf_of(self.get(path).text)

    def post(self, path: str, form: dict | None = None, token: str | None = "page"):
        form = dict(form or {})
        if token == "page":
            token = self.token("/")
        if token is not None:
            form["csrf_token"] = token
        return self.request("POST", path, form=form)

    def sign_in(self, name: str, password: str = PASSWORD):
        answer = self.request("POST", "/login", form={"csrf_token": self.token("/login"), "username": name,
                                                      "password": password, "next": "/"})
        assert answer.status == 303 and answer.getheader("Location") == "/", answer.text[:300]
        return self


def csrf_of(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found, "no CSRF field in the page"
    return found.group(1)


LETTER = "2026-11-20_acknowledgement-s1_complaint"  # TWC-NEW's acknowledgement, rendered on Fri 20 Nov 2026


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`letters serve` as a process over the web tests' store, a letter rendered, an API token, a
    secret beside the outbox; a request must arrive in full within 2 seconds."""
    root = tmp_path_factory.mktemp("live")
    served(root)  # the store and the accounts (made with the cheap hashing the server reads as it is)
    outbox = root / "outbox"
    token = accounts.add_token(outbox, "casesys")
    accounts.add_token(outbox, "spare")
    accounts.add_user(outbox, "carl", "caseworker", PASSWORD)
    (root / "secret").write_text("not for the web")
    (root / "secret.pdf").write_text("not for the web")
    proc, address, log = start_serve(root, "--as-of", "2026-11-20", "--request-timeout", "2",
                                     "--trusted-proxy", "127.0.0.2", "--log-file", str(root / "serve.log"))
    casey = Browser(address).sign_in("casey")
    assert casey.post("/cases/TWC-NEW/render").status == 303
    assert (outbox / "TWC-NEW" / f"{LETTER}.pdf").is_file()
    yield {"address": address, "outbox": outbox, "token": token, "log": log, "proc": proc, "log_file": root / "serve.log"}
    proc.terminate()
    proc.wait(timeout=60)


def unchanged_store(outbox):
    """What a refused request must leave as it was: accounts, tokens, the changes kept, the drafts."""
    from correspondence.service import audit
    return (sorted((u.name, u.role, u.changed_at) for u in accounts.list_users(outbox)),
            sorted(t[0] for t in accounts.list_tokens(outbox)),
            [(c["action"], c["detail"]) for c in audit.changes(outbox, "TWC-NEW")] +
            [(c["action"], c["detail"]) for c in audit.changes(outbox, None)],
            sorted(str(p.relative_to(outbox)) for p in outbox.rglob("*") if p.is_file() and p.suffix in (".pdf", ".docx")))


TRAVERSALS = ["..", "%2e%2e", ".%2E", "..%2f..%2fsecret", "..%2F..%2F..%2Fsecret.pdf", "%2e%2e%2f%2e%2e%2fsecret",
              "%252e%252e%252fsecret", "..%5c..%5csecret", "%2ftmp%2fsecret", "%00", "TWC-NEW%00", "%c0%ae%c0%ae",
              ".cases", "users.sqlite3", "ledger.sqlite3", "TWC-NEW%2f..%2f..%2fsecret", f"TWC-NEW%2F{LETTER}",
              "..;", "%ef%bc%8e%ef%bc%8e"]
GET_ROUTES = ["/cases/{p}", f"/cases/{{p}}/letters/{LETTER}", "/cases/TWC-NEW/letters/{p}",
              "/cases/TWC-NEW/letters/{p}.pdf", "/cases/TWC-NEW/letters/{p}.docx", "/cases/TWC-NEW/letters/2026-11-20_{p}.pdf",
              f"/cases/TWC-NEW/letters/{LETTER}{{p}}", "/static/{p}", "/static/govuk/{p}", "/report/document?quarter={p}",
              "/cases/TWC-NEW/letters/{p}.copy.pdf", f"/cases/TWC-NEW/letters/{LETTER}{{p}}.copy.docx",
              "/admin/users/{p}/remove", "/admin/tokens/{p}/revoke"]
POST_ROUTES = ["/cases/{p}/render", "/cases/TWC-NEW/actions/{p}/1/done", f"/cases/{{p}}/actions/{LETTER}/1/done",
               "/cases/TWC-NEW/letters/{p}/approve", "/cases/TWC-NEW/letters/{p}/return", "/admin/users/{p}/remove",
               "/admin/users/{p}/unlock", "/admin/tokens/{p}/revoke"]


@pytest.mark.parametrize("route", GET_ROUTES + POST_ROUTES)
def test_dot_dot_and_encoded_traversal_in_every_url_parameter_is_404_and_shows_nothing(live, route):
    ada = Browser(live["address"]).sign_in("ada")  # an admin: every route is open to her
    before = unchanged_store(live["outbox"])
    for p in TRAVERSALS:
        path = route.format(p=p)
        answer = ada.post(path, {"reason": "x"}) if route in POST_ROUTES else ada.get(path)
        assert answer.status in (404, 308), (path, answer.status)  # 308: /static's own tidying of a path, then 404
        assert "not for the web" not in answer.text and "SQLite format" not in answer.text
        assert answer.getheader("X-Content-Type-Options") == "nosniff", path
    assert unchanged_store(live["outbox"]) == before
    api = Browser(live["address"])
    for p in TRAVERSALS:
        answer = api.get(f"/api/cases/{p}/due", headers={"Authorization": f"Bearer {live['token']}"})
        assert answer.status == 404 and answer.getheader("Content-Type") == "application/json", p


FORMS = {
    "/login": {"username": "ada", "password": PASSWORD},
    "/logout": {},
    "/cases/TWC-NEW/render": {},
    f"/cases/TWC-NEW/actions/{LETTER}/1/done": {},
    "/cases/TWC-NEW/letters/2026-11-20_outcome-s1_e2/approve": {"note": "x"},
    "/cases/TWC-NEW/letters/2026-11-20_outcome-s1_e2/return": {"reason": "x"},
    "/admin/users/add": {"new_name": "eve", "new_role": "admin", "new_password": PASSWORD,
                         "new_password_again": PASSWORD},
    "/admin/users/casey/remove": {},
    "/admin/users/casey/unlock": {},
    "/admin/tokens/add": {"token_name": "evil"},
    "/admin/tokens/casesys/revoke": {},
}


@pytest.mark.parametrize("path", list(FORMS))
def test_every_form_refuses_a_missing_forged_or_borrowed_csrf_token_and_changes_nothing(live, path):
    ada = Browser(live["address"]).sign_in("ada")
    borrowed = Browser(live["address"]).sign_in("mandy").token("/")
    good = ada.token("/")
    before = unchanged_store(live["outbox"])
    for token in (None, "", "A" * 43, borrowed, good[:-1]):
        answer = ada.post(path, FORMS[path], token=token)
        assert answer.status == 400 and "The form has expired or did not come from this service" in answer.text
    as_json = ada.request("POST", path, body=json.dumps({**FORMS[path], "csrf_token": good}).encode(),
                          headers={"Content-Type": "application/json"})
    in_query = ada.request("POST", f"{path}?csrf_token={good}", form=FORMS[path])
    assert as_json.status == in_query.status == 400
    assert unchanged_store(live["outbox"]) == before
    assert ada.get("/").status == 200  # still signed in: the refusals ended nothing


def test_a_caseworker_or_a_manager_posting_beyond_their_role_is_403_and_changes_nothing(live):
    before = unchanged_store(live["outbox"])
    beyond = {"casey": [*FORMS][4:], "mandy": [*FORMS][6:]}  # sign-off and accounts; accounts
    for name, paths in beyond.items():
        user = Browser(live["address"]).sign_in(name)
        for path in paths:
            assert user.post(path, FORMS[path]).status == 403, (name, path)
        assert user.get("/admin/users").status == 403
    assert unchanged_store(live["outbox"]) == before


def test_a_password_changed_with_letters_users_passwd_ends_every_session_of_that_account(live):
    from conftest import letters

    outbox = live["outbox"]
    phone, desk = Browser(live["address"]).sign_in("carl"), Browser(live["address"]).sign_in("carl")
    stolen, token = dict(desk.cookies), desk.token("/cases/TWC-OLD")
    other = Browser(live["address"]).sign_in("mandy")
    done = letters("users", "passwd", "carl", "--password-stdin", input="carl's new long password\n",
                   inbox=outbox.parent / "inbox", outbox=outbox)
    assert done.returncode == 0, done.stderr
    for session in (phone, desk):
        answer = session.get("/cases/TWC-OLD")
        assert answer.status == 303 and answer.getheader("Location") == "/login?next=/cases/TWC-OLD"
    thief = Browser(live["address"])
    thief.cookies = stolen
    assert thief.get("/").status == 303
    thief.cookies = stolen
    assert thief.post("/cases/TWC-OLD/render", token=token).status in (303, 400)
    assert not (outbox / "TWC-OLD").exists()  # nothing rendered with the old cookie
    assert other.get("/").status == 200  # another account's session goes on
    Browser(live["address"]).sign_in("carl", "carl's new long password")


def test_a_cookie_kept_after_signing_out_of_the_running_server_is_refused(live):
    user = Browser(live["address"]).sign_in("casey")
    kept = dict(user.cookies)
    assert user.post("/logout").status == 303
    thief = Browser(live["address"])
    thief.cookies = kept
    assert thief.get("/cases/TWC-NEW").status == 303


def test_a_revoked_token_is_refused_by_the_api(live):
    from conftest import letters

    api = Browser(live["address"])
    spare = accounts.add_token(live["outbox"], "spare-2")
    assert api.get("/api/diary", headers={"Authorization": f"Bearer {spare}"}).status == 200
    done = letters("tokens", "revoke", "spare-2", inbox=live["outbox"].parent / "inbox", outbox=live["outbox"])
    assert done.returncode == 0, done.stderr
    for method, path in (("GET", "/api/diary"), ("GET", "/api/cases/TWC-NEW/due"), ("POST", "/api/records")):
        answer = api.request(method, path, body=b"{}" if method == "POST" else None,
                             headers={"Authorization": f"Bearer {spare}", "Content-Type": "application/json"})
        assert answer.status == 401 and answer.getheader("WWW-Authenticate") == 'Bearer realm="letters"'
    assert not list((live["outbox"].parent / "inbox").glob("*.json"))


def test_every_answer_with_personal_data_is_never_kept_by_a_cache(live):
    ada = Browser(live["address"]).sign_in("ada")
    pages = ["/", "/?q=Tate", "/cases/TWC-NEW", f"/cases/TWC-NEW/letters/{LETTER}", f"/cases/TWC-NEW/letters/{LETTER}.pdf",
             f"/cases/TWC-NEW/letters/{LETTER}.docx", "/drafts", "/rejected", "/report?quarter=2026Q4",
             "/report/document?quarter=2026Q4", "/admin/users", "/cases/NO-SUCH-CASE"]
    for path in pages:
        answer = ada.get(path)
        assert answer.status in (200, 404), path
        assert answer.getheader("Cache-Control") == "no-store" and answer.getheader("Pragma") == "no-cache", path
    assert "Tate" in ada.get("/?q=Tate").text  # the search holds a name
    api = Browser(live["address"])
    for path in ("/api/diary", "/api/cases/TWC-NEW/due"):
        answer = api.get(path, headers={"Authorization": f"Bearer {live['token']}"})
        assert answer.status == 200 and answer.getheader("Cache-Control") == "no-store", path
    assert "no-store" not in Browser(live["address"]).get("/static/app.css").getheader("Cache-Control")


def test_forwarded_https_is_believed_from_the_trusted_proxy_only(live):
    """web.md "Behind a council's single sign-on": the same --trusted-proxy is believed for
    X-Forwarded-Proto, so the session cookie is Secure behind a proxy that ends TLS."""
    https = {"X-Forwarded-Proto": "https"}
    anyone = Browser(live["address"])
    anyone.request("POST", "/login", form={"csrf_token": anyone.token("/login"), "username": "casey",
                                           "password": PASSWORD}, headers=https)
    assert anyone.set_cookies and not any("Secure" in c for c in anyone.set_cookies)
    proxy = Browser(live["address"], source="127.0.0.2")
    answer = proxy.request("GET", "/login", headers=https)
    assert answer.getheader("Strict-Transport-Security") == "max-age=31536000"
    signed = proxy.request("POST", "/login", form={"csrf_token": csrf_of(answer.text), "username": "casey",
                                                   "password": PASSWORD, "next": "/"}, headers=https)
    assert signed.status == 303 and all("; Secure" in c for c in proxy.set_cookies)


def test_the_log_file_holds_a_line_per_request_and_never_a_search_or_a_records_contents(live):
    """web.md "Running it": one line per request, method, path, status, bytes and milliseconds,
    never the query string and never a record's contents."""
    ada = Browser(live["address"]).sign_in("ada")
    assert "Tate" in ada.get("/?q=Bryony+Tate&council=telford-wrekin").text
    record = make(case_id="LOG-1", received="2026-11-19", complainant={"given_name": "Zebedee", "family_name":
                                                                       "Quartermaine", "title": "Mr",
                                                                       "email": "zq@example.org"})
    posted = Browser(live["address"]).request("POST", "/api/records", body=json.dumps(record).encode(),
                                              headers={"Authorization": f"Bearer {live['token']}",
                                                       "Content-Type": "application/json"})
    assert posted.status == 200
    text = live["log_file"].read_text()
    assert re.search(r"INFO GET / 200 \d+ \d+ms$", text, re.M)
    assert re.search(r"INFO POST /api/records 200 \d+ \d+ms$", text, re.M)
    for secret in ("Bryony", "Tate", "q=", "Zebedee", "Quartermaine", "zq@example.org", live["token"]):
        assert secret not in text, secret


# --------------------------------------------------------------------------- waitress's own answers

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "X-Frame-Options": "DENY",
                    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; "
                                               "frame-ancestors 'none'"}


def raw_exchange(address: str, data: bytes) -> bytes:
    """Send ``data`` on a connection of its own and read the answer until the server closes it."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(address)
    with socket.create_connection((where.hostname, where.port), timeout=30) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while len(answer) < 1_000_000 and (part := s.recv(65536)):
                answer += part
        except ConnectionResetError:
            pass
    return answer


def head_of(answer: bytes) -> tuple[str, dict[str, str]]:
    lines = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    return lines[0], dict(line.split(": ", 1) for line in lines[1:])


@pytest.mark.parametrize("request_bytes, status", [
    (b"NOT A REQUEST LINE\r\n\r\n", "400 Bad Request"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n", "400 Bad Request"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", "431 Request Header Fields Too Large"),
    (b"POST /api/records HTTP/1.1\r\nHost: x\r\nContent-Length: 7000000\r\n\r\n", "413 Request Entity Too Large"),
    (b"POST /api/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400 Bad Request"),
], ids=["request line", "header", "headers over 64 KB", "body over 6 MB", "chunk"])
def test_the_servers_own_error_answers_carry_the_security_headers(live, request_bytes, status):
    line, headers = head_of(raw_exchange(live["address"], request_bytes))
    assert line.endswith(status), line
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_a_request_that_never_finishes_is_answered_408_and_stalls_no_one(live):
    """Slow clients (a byte at a time, or a body that stops halfway) hold no worker: the service
    answers others meanwhile, and each slow one is answered 408 once its 2 seconds are up."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(live["address"])
    inbox = live["outbox"].parent / "inbox"
    kept = sorted(inbox.rglob("*"))
    slow = []
    for n in range(6):
        s = socket.create_connection((where.hostname, where.port), timeout=30)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" if n % 2 else
                  b"POST /api/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"case_id\": ")
        slow.append(s)
    others = Browser(live["address"]).sign_in("mandy")
    answered = []
    for _ in range(12):  # bounded: a header line every quarter second on each slow connection, ~3 s
        for s in slow[1::2]:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass
        answered.append(others.get("/health").status)
        time.sleep(0.25)
    assert answered == [200] * 12
    assert others.get("/cases/TWC-OLD").status == 200
    for s in slow:
        with s:
            answer = b""
            try:
                while part := s.recv(65536):
                    answer += part
            except ConnectionResetError:
                pass
        line, headers = head_of(answer)
        assert line.endswith("408 Request Timeout"), answer[:200]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Cache-Control"] == "no-store"
        assert b"The request did not arrive in full within 2 seconds." in answer
    assert sorted(inbox.rglob("*")) == kept  # the half-sent record is kept nowhere
