"""Signing in and guarding every request.

- Sessions live in a signed cookie (HttpOnly, SameSite=Lax, Secure when the request came over
  HTTPS) that ends 30 minutes after its last use (the cookie's own signed time, and the session's
  ``seen`` time) and 8 hours after sign-in (``iat``) whatever the use. A password change or a
  removed account ends its sessions at the next request; signing out ends the session on the
  server too (its id is kept as ended), so a copy of the cookie is refused after it.
- Every POST but the API's carries the session's CSRF token; one without it is refused (400)
  before anything is read or changed.
- The API takes a bearer token only: a session cookie is never read on ``/api/``.
- With ``--trust-header`` the user name comes from that header, only on a request from the
  ``--trusted-proxy`` address, and the name must be an account (for its role).
- Every response carries the Content-Security-Policy below (scripts from the service itself and
  GOV.UK Frontend's one-line snippet by its hash), ``nosniff``, ``frame-ancestors 'self'``, and
  ``Cache-Control: no-store`` on everything but the static files.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import quote

from flask import abort, g, jsonify, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from correspondence.service import accounts

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=8)
COOKIE = "letters_session"
CSRF_FIELD = "csrf_token"

# GOV.UK Frontend's template adds this one line inline (the page's classes for its JavaScript);
# the CSP allows it by its hash, and no other inline script.
SNIPPET = ("document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? "
           "' govuk-frontend-supported' : '');")
SNIPPET_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SNIPPET.encode()).digest()).decode()
CSP = ("default-src 'self'; "
       f"script-src 'self' '{SNIPPET_HASH}'; "
       "style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; "
       "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; "
       "base-uri 'none'; form-action 'self'")
# A letter's PDF or Word file, shown in the page's frame: no script, framed only here. Chrome's PDF
# viewer draws the file through an <embed> of the same address, governed by object-src, and styles
# its wrapper page inline: so object-src is 'self' and no default-src is set (crbug.com/271452).
FILE_CSP = "script-src 'none'; object-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
# The performance report's own HTML (its stylesheet is inline), shown in a frame.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


class Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure whenever the request itself is over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def open_session(self, app, request):
        if request.path.startswith(("/api/", "/static/")) or request.path == "/health":
            return self.session_class()  # never read there, and never sent back
        return super().open_session(app, request)


def configure(app) -> None:
    app.session_interface = Sessions()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=IDLE,
        SESSION_REFRESH_EACH_REQUEST=True,
    )


def clock(app) -> float:
    return app.config["CLOCK"]()


# --------------------------------------------------------------------------- CSRF

def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    sent = request.form.get(CSRF_FIELD, "") if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else ""
    kept = session.get("csrf", "")
    if not sent or not kept or not hmac.compare_digest(str(sent), str(kept)):
        abort(400, description="The form has expired or did not come from this service. Go back, reload the page "
                               "and try again.")


# --------------------------------------------------------------------------- who is asking

def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this service only."""
    if not target or not target.startswith("/") or target.startswith("//") or target.startswith("/\\") \
            or any(c in target for c in "\r\n\t"):
        return "/"
    return target


def sign_in(user: accounts.User, now: float) -> None:
    session.clear()
    session.permanent = True
    session["user"] = user.name
    session["pw"] = user.changed_at
    session["iat"] = now
    session["seen"] = now
    session["csrf"] = secrets.token_urlsafe(32)
    session["sid"] = secrets.token_urlsafe(16)


def sign_out(app) -> None:
    """End this session for good: its cookie, even a copy kept elsewhere, is refused from now on."""
    sid = session.get("sid")
    if isinstance(sid, str) and sid:
        try:
            iat = float(session.get("iat", 0))
        except (TypeError, ValueError):
            iat = 0.0
        now = clock(app)
        accounts.end_session(app.config["OUTBOX"], sid, max(iat, now) + ABSOLUTE.total_seconds(), now)
    session.clear()


def session_user(app) -> accounts.User | None:
    name = session.get("user")
    if not name:
        return None
    now = clock(app)
    try:
        iat, seen = float(session.get("iat", 0)), float(session.get("seen", 0))
    except (TypeError, ValueError):
        iat = seen = 0.0
    if now - iat > ABSOLUTE.total_seconds() or now - seen > IDLE.total_seconds() or now < iat - 60:
        session.clear()
        g.expired = True
        return None
    sid = session.get("sid")
    if not isinstance(sid, str) or not sid or accounts.session_ended(app.config["OUTBOX"], sid):
        session.clear()  # signed out (a copy of the cookie kept after signing out is no session)
        return None
    user = accounts.get_user(app.config["OUTBOX"], name)
    if user is None or user.changed_at != session.get("pw"):
        session.clear()
        return None
    session["seen"] = now
    return user


def header_user(app) -> accounts.User | None | bool:
    """The user the trusted proxy names; None when this request carries no trusted header; False
    when it names no account."""
    header = app.config.get("TRUST_HEADER")
    if not header or request.remote_addr != app.config.get("TRUSTED_PROXY"):
        return None
    name = request.headers.get(header, "").strip()
    if not name:
        return None
    user = accounts.get_user(app.config["OUTBOX"], name) if accounts.NAME.fullmatch(name) else None
    return user if user is not None else False


def bearer_client(app) -> str | None:
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return accounts.token_name(app.config["OUTBOX"], token.strip())


PUBLIC = ("/login", "/health")
PAGE_BODY_LIMIT = 1024 * 1024  # bytes of a page's form (the API's own limit is the inbox's 5 MB)


def guard(app):
    """The before-request hook: who is asking, and may they ask this."""
    path = request.path
    g.user, g.client, g.expired = None, None, False
    if path.startswith("/static/") or path == "/health":
        return None
    if path.startswith("/api/"):
        g.client = bearer_client(app)
        if g.client is None:
            response = jsonify({"error": "An API token is needed: send 'Authorization: Bearer <token>' "
                                         "(tokens are made with 'letters tokens add NAME')."})
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="letters"'
            return response
        return None
    # A page's form is a few fields: a larger body is refused (413) before it is read or spooled,
    # so nobody, signed in or not, can fill the server's memory or disk through a form.
    request.max_content_length = PAGE_BODY_LIMIT
    if request.method == "POST":
        check_csrf()
    trusted = header_user(app)
    if trusted is False:
        abort(403, description="Your single sign-on name has no account here. Ask an administrator to add you "
                               "with 'letters users add'.")
    g.user = trusted or session_user(app)
    if g.user is None and path not in PUBLIC:
        target = request.full_path if request.query_string else path
        if request.method != "GET":
            target = "/"
        expired = "&reason=expired" if g.expired else ""
        return redirect(f"/login?next={quote(target, safe='/')}{expired}", code=303)
    return None


def requires(action: str):
    """A view only a role that may do ``action`` may call (403 otherwise, nothing done)."""
    def wrap(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if g.user is None or not accounts.may(g.user.role, action):
                abort(403, description="Your role does not allow this. Ask a manager or an administrator.")
            return view(*args, **kwargs)
        return inner
    return wrap


def headers(response):
    """The after-request hook: the security headers on every response."""
    h = response.headers
    if "Content-Security-Policy" not in h:
        h["Content-Security-Policy"] = CSP
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "same-origin"
    h["X-Frame-Options"] = "SAMEORIGIN"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.path.startswith("/static/") and response.status_code in (200, 304):
        h.setdefault("Cache-Control", "public, max-age=3600")  # a missing file's page is not kept
    else:
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    if request.is_secure:
        h["Strict-Transport-Security"] = "max-age=31536000"
    return response


def now_seconds() -> float:
    return time.time()
