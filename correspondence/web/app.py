"""The Flask application: ``create_app(Settings(...))``."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from flask import Flask, g, jsonify, render_template, request, send_from_directory
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException

from correspondence.common import filestamp
from correspondence.common.wording import british
from correspondence.engine.rules import RuleBook, load_rulebook
from correspondence.reporting.tables import short_date
from correspondence.service import accounts
from correspondence.web import security

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
DEFAULT_TITLE = "Complaints letters"
access_log = logging.getLogger("correspondence.web.access")


@dataclass
class Settings:
    rules: Path
    templates: Path
    inbox: Path
    outbox: Path
    title: str | None = None
    as_of: date | None = None
    trust_header: str | None = None
    trusted_proxy: str | None = None
    workers: int = 1
    time_limit: float = 300.0
    clock: Callable[[], float] = time.time


class State:
    """What the application keeps between requests: the rules (read again when a file changes)
    and the inbox service the API and the Render button use."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._book_key: tuple | None = None
        self._book: RuleBook | None = None
        self._lock = threading.Lock()
        self._intake = None
        self.councils_seen: set[str] = set()

    def book(self) -> RuleBook:
        folder = self.settings.rules
        key = tuple(sorted((p.name, filestamp.stamp(p)) for p in folder.iterdir() if p.is_file()))
        with self._lock:
            if key != self._book_key or self._book is None:
                self._book = load_rulebook(folder)[0]
                self._book_key = key
            return self._book

    def as_of(self) -> date:
        return self.settings.as_of or date.today()

    def intake(self):
        from correspondence.web.records import Intake

        with self._lock:
            if self._intake is None:
                s = self.settings
                self._intake = Intake(self.book, s.rules, s.templates, s.inbox, s.outbox, workers=s.workers,
                                      time_limit=s.time_limit)
            return self._intake

    def close(self) -> None:
        with self._lock:
            intake, self._intake = self._intake, None
        if intake is not None:
            intake.close()

    def title(self) -> str:
        if self.settings.title:
            return self.settings.title
        if len(self.councils_seen) == 1:
            council = next(iter(self.councils_seen))
            try:
                return self.book().files[council].name
            except (KeyError, Exception):
                return DEFAULT_TITLE
        return DEFAULT_TITLE


def _jinja_loader() -> ChoiceLoader:
    return ChoiceLoader([
        PackageLoader("correspondence.web", "templates"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
    ])


def create_app(settings: Settings) -> Flask:
    for name in ("rules", "templates", "inbox", "outbox"):
        setattr(settings, name, Path(getattr(settings, name)).absolute())
    app = Flask("correspondence.web", static_folder=None, template_folder=None)
    app.jinja_loader = _jinja_loader()
    app.jinja_env.autoescape = True
    app.jinja_env.filters["isodate"] = lambda text: date.fromisoformat(str(text)[:10])
    app.jinja_env.globals.update(british=british, short_date=short_date, moment=moment,
                                 words=lambda value: str(value).replace("_", " ").replace("-", " "))
    settings.outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    app.secret_key = accounts.session_secret(settings.outbox)
    security.configure(app)
    app.config.update(
        OUTBOX=settings.outbox,
        TRUST_HEADER=settings.trust_header,
        TRUSTED_PROXY=settings.trusted_proxy,
        CLOCK=settings.clock,
        MAX_CONTENT_LENGTH=None,  # the API checks the inbox's own limit and answers 413 itself
        MAX_FORM_MEMORY_SIZE=100_000,
    )
    state = State(settings)
    app.extensions["letters"] = state
    _seen_councils(state)

    app.before_request(lambda: security.guard(app))
    app.after_request(security.headers)

    @app.context_processor
    def globals_():
        return {
            "csrf_token": security.csrf_token,
            "csrf_field": security.CSRF_FIELD,
            "service_title": state.title(),
            "user": g.get("user"),
            "may": lambda action: g.get("user") is not None and accounts.may(g.user.role, action),
            "error_list": lambda errors: [{"text": text, "href": f"#{field}"} for field, text in errors.items()],
        }

    @app.get("/static/<path:filename>")
    def static_file(filename: str):
        return send_from_directory(STATIC, filename, max_age=3600)

    @app.get("/health")
    def health():
        from correspondence.web.views import health as health_of
        return jsonify(health_of(settings.inbox))

    from correspondence.web import api, pages
    pages.register(app, state)
    api.register(app, state)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            response = jsonify({"error": exc.description if exc.code != 404 else "Not found."})
            response.status_code = exc.code or 500
            return response
        titles = {400: "The form could not be sent", 403: "You cannot do this", 404: "Page not found",
                  405: "Page not found", 413: "Too large"}
        text = exc.description if exc.code in (400, 403) else {
            404: "If you typed the web address, check it is correct. If you pasted it, check you copied the "
                 "entire address.", 405: "If you typed the web address, check it is correct."}.get(
            exc.code or 500, exc.description)
        return render_template("error.html", title=titles.get(exc.code or 500, "Sorry, there is a problem"),
                               text=text), exc.code or 500

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        from correspondence.service.inbox import service_problem

        if app.config.get("LETTERS_RAISE"):  # a developer's run: the traceback
            raise exc
        problem = service_problem(exc)
        logging.getLogger("correspondence.web").error("%s %s failed: %s", request.method, request.path,
                                                      problem or type(exc).__name__)
        if request.path.startswith("/api/"):
            response = jsonify({"error": problem or "The service stopped on an internal error."})
            response.status_code = 503 if problem else 500
            return response
        return render_template("error.html", title="Sorry, there is a problem with the service",
                               text=problem or "Try again later."), 503 if problem else 500

    app.wsgi_app = AccessLog(app.wsgi_app)
    return app


def moment(text: str, day_only: bool = False) -> str:
    """A time kept as ISO 8601, as the pages show it: "Thu 3 Dec 2026, 18:04 UTC" (or the day alone)."""
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return short_date(when.date()) if day_only else f"{short_date(when.date())}, {when:%H:%M} UTC"


def _seen_councils(state: State) -> None:
    """The councils of the stored cases, for the header's name (read from each snapshot's start)."""
    import json

    from correspondence.service import case_store

    seen = set()
    for path in case_store.stored_cases(state.settings.outbox):
        try:
            seen.add(json.loads(path.read_bytes()).get("council"))
        except (OSError, ValueError, AttributeError):
            continue
        if len(seen) > 1:
            break
    state.councils_seen = {c for c in seen if isinstance(c, str)}


class AccessLog:
    """One line per request: method, path (never the query string: a search holds names), status,
    bytes and milliseconds."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen: dict = {}

        def start(status, response_headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["length"] = next((v for k, v in response_headers if k.lower() == "content-length"), "-")
            return start_response(status, response_headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            path = environ.get("PATH_INFO", "")
            path = path.encode("latin-1", "backslashreplace").decode("utf-8", "backslashreplace")
            path = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in path)
            access_log.info("%s %s %s %s %.0fms", environ.get("REQUEST_METHOD", "-"), path,
                            seen.get("status", "-"), seen.get("length", "-"),
                            (time.perf_counter() - started) * 1000)
