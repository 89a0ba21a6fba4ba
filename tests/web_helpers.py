"""Shared by the web tests: a served outbox with stored cases and accounts, signing in, a clock."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FOLDER_ARGS, LETTERS, RULES, make

from correspondence.cli import cli
from correspondence.service import accounts, case_store
from correspondence.web.app import Settings, create_app

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"
AS_OF = date(2026, 11, 20)  # a Friday


@pytest.fixture(scope="module", autouse=True)
def cheap_hashing():
    """Argon2id with small costs for the web tests' many sign-ins (test_accounts.py checks the real ones)."""
    from argon2 import PasswordHasher

    kept = accounts._hasher
    accounts._hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._DUMMY.clear()
    yield
    accounts._hasher = kept
    accounts._DUMMY.clear()


class Clock:
    """The sessions' clock, moved by hand."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def records() -> list[dict]:
    return [
        # Telford, stage 1 acknowledgement within 2 working days of receipt:
        # received Mon 2 Nov 2026 -> due Wed 4 Nov (Tue 3 = 1, Wed 4 = 2): overdue on 20 Nov.
        make(case_id="TWC-OLD", received="2026-11-02"),
        # received Thu 19 Nov 2026 -> due Mon 23 Nov (Fri 20 = 1, Mon 23 = 2): due within the next
        # five working days of Fri 20 Nov (Mon 23 .. Fri 27).
        make(case_id="TWC-NEW", received="2026-11-19", service_area="Parking",
             complainant={"given_name": "Bryony", "family_name": "Tate", "title": "Dr",
                          "email": "b.tate@example.org"}),
        # Luton, stage 1 acknowledgement within 3 working days: received Mon 2 Nov -> due Thu 5 Nov: overdue.
        make(council="luton", case_id="LBC-1", received="2026-11-02", service_area="Council Tax",
             complainant={"given_name": "Omar", "family_name": "Farouk", "title": "Mr",
                          "email": "omar.farouk@example.org"}),
    ]


def served(tmp_path: Path, clock: Clock | None = None, templates: Path | None = None, **settings):
    """An app over a fresh outbox holding the three cases and an account of each role."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir(parents=True)
    outbox.mkdir(parents=True)
    for rec in records():
        case_store.save(outbox, rec["case_id"], json.dumps(rec).encode())
    for name, role in (("casey", "caseworker"), ("mandy", "manager"), ("ada", "admin")):
        accounts.add_user(outbox, name, role, PASSWORD)
    app = create_app(Settings(RULES, templates or ROOT / "templates", inbox, outbox, as_of=AS_OF, clock=clock or Clock(),
                              **settings))
    return app


def csrf(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client, name: str, password: str = PASSWORD, next_: str = "/"):
    token = csrf(client.get("/login"))
    return client.post("/login", data={"csrf_token": token, "username": name, "password": password, "next": next_})


def token_of(client, path: str = "/") -> str:
    return csrf(client.get(path))


def due_json(app, *args) -> dict:
    result = CliRunner().invoke(cli, ["due", *args, "--json", "--as-of", AS_OF.isoformat(),
                                      "--rules", str(ROOT / "rules"), "--outbox", str(app.config["OUTBOX"]),
                                      "--inbox", str(app.config["OUTBOX"].parent / "inbox")])
    return json.loads(result.output)


def start_serve(tmp_path, *extra):
    """`letters serve` as a process over tmp_path's inbox and outbox, on any free port: (process,
    its address, the lines of its log so far and to come)."""
    proc = subprocess.Popen([*LETTERS, "serve", "--port", "0", *FOLDER_ARGS, "--inbox", str(tmp_path / "inbox"),
                             "--outbox", str(tmp_path / "outbox"), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    found = threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if "serving on http://" in line:
                found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(60), "letters serve did not start"
    address = next((line.split("serving on ")[1].split()[0] for line in lines if "serving on" in line), None)
    assert address, "".join(lines)
    return proc, address, lines
