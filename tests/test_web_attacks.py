"""web.md Security, as an attacker tries it: a cookie kept after signing out, a lockout used to
learn which names are accounts, links inside the outbox that point outside it, a form body
too large to read."""

from __future__ import annotations

import sys
import time

import pytest
from web_helpers import PASSWORD, Clock, cheap_hashing, csrf, served, sign_in, token_of  # noqa: F401 (a fixture)

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

    from test_web_serve import start_serve

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
