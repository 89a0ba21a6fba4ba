"""`letters serve` as a process (waitress, --watch, a clean stop on SIGTERM and SIGINT) and the
`letters users` and `letters tokens` commands."""

from __future__ import annotations

import json
import signal
import time
import urllib.request

from conftest import LETTERS, ROOT, invoke, make
from web_helpers import start_serve

from correspondence.service import accounts, audit


def get(url: str, **headers):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
        return answer.status, answer.read()


def test_serve_answers_watches_the_inbox_and_stops_cleanly_on_sigterm(tmp_path):
    (tmp_path / "inbox").mkdir()
    proc, address, lines = start_serve(tmp_path, "--watch")
    try:
        status, body = get(f"{address}/health?who=Farouk")
        assert status == 200 and json.loads(body)["status"] == "ok"
        rec = make(case_id="SERVE-1", received="2026-11-18")
        (tmp_path / "inbox" / "serve-1.json").write_text(json.dumps(rec))
        snapshot = tmp_path / "outbox" / ".cases" / "SERVE-1.json"
        deadline = time.monotonic() + 120
        while not snapshot.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert snapshot.exists(), "the inbox service in the same process did not take the record"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    log = "".join(lines)
    assert "received SIGTERM: stopping" in log and log.rstrip().endswith("stopped")
    assert "GET /health 200" in log and "Farouk" not in log and "who=" not in log


def test_serve_stops_cleanly_on_sigint(tmp_path):
    proc, address, lines = start_serve(tmp_path)
    assert get(f"{address}/health")[0] == 200
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode == 0 and "received SIGINT: stopping" in "".join(lines)


# --------------------------------------------------------------------------- letters users / tokens

def run(*args, stdin: str = ""):
    from click.testing import CliRunner

    from correspondence.cli import cli
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_users_add_list_passwd_remove(tmp_path):
    outbox = ["--outbox", str(tmp_path / "outbox")]
    added = run("users", "add", "ann", "--role", "manager", "--password-stdin", *outbox, stdin="twelve chars ok\n")
    assert added.exit_code == 0 and added.output == "added ann (manager)\n"
    assert accounts.authenticate(tmp_path / "outbox", "ann", "twelve chars ok").user.role == "manager"
    short = run("users", "add", "bob", "--role", "caseworker", "--password-stdin", *outbox, stdin="short\n")
    assert short.exit_code == 1 and "The password is too short: expected at least 12 characters." in short.output
    again = run("users", "add", "ann", "--role", "admin", "--password-stdin", *outbox, stdin="twelve chars ok\n")
    assert again.exit_code == 1 and "There is already an account named ann." in again.output
    listed = run("users", "list", *outbox)
    assert listed.exit_code == 0 and listed.output.startswith("ann\tmanager\tadded ")
    changed = run("users", "passwd", "ann", "--password-stdin", *outbox, stdin="another long one\n")
    assert changed.exit_code == 0
    assert accounts.authenticate(tmp_path / "outbox", "ann", "another long one").user is not None
    removed = run("users", "remove", "ann", *outbox)
    assert removed.exit_code == 0 and accounts.role_of(tmp_path / "outbox", "ann") is None
    assert run("users", "remove", "ann", *outbox).exit_code == 1
    assert [c["action"] for c in audit.changes(tmp_path / "outbox")] == ["account-added", "password-set", "account-removed"]


def test_users_add_without_a_terminal_asks_for_password_stdin(tmp_path):
    result = run("users", "add", "ann", "--role", "manager", "--outbox", str(tmp_path / "outbox"))
    assert result.exit_code == 2 and "--password-stdin" in result.output
    assert accounts.role_of(tmp_path / "outbox", "ann") is None


def _on_a_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run ``letters ARGS`` on a pseudo-terminal of its own, typing each answer at each prompt."""
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, its terminal the pty
        os.chdir(ROOT)
        os.execv(LETTERS[0], [*LETTERS, *args])
    seen, pending = b"", list(answers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if pending and seen.rstrip().endswith(b":"):
            time.sleep(0.5)  # getpass flushes the terminal's input as it turns echo off: type after that
            os.write(fd, pending.pop(0).encode() + b"\n")
            seen += b"\n"
    if time.monotonic() >= deadline:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_the_password_is_asked_twice_on_a_terminal(tmp_path):
    outbox = str(tmp_path / "outbox")
    code, shown = _on_a_terminal(["users", "add", "ann", "--role", "manager", "--outbox", outbox],
                                 ["first long password", "second long password"])
    assert code == 1 and "The two passwords are not the same; nothing was changed." in shown
    assert "first long password" not in shown  # never echoed
    assert accounts.role_of(tmp_path / "outbox", "ann") is None
    code, shown = _on_a_terminal(["users", "add", "ann", "--role", "manager", "--outbox", outbox],
                                 ["first long password", "first long password"])
    assert code == 0 and "added ann (manager)" in shown
    assert accounts.authenticate(tmp_path / "outbox", "ann", "first long password").user is not None


def test_tokens_add_prints_it_once_list_and_revoke(tmp_path):
    outbox = ["--outbox", str(tmp_path / "outbox")]
    made = run("tokens", "add", "casesys", *outbox)
    assert made.exit_code == 0
    token = made.output.strip()
    assert accounts.token_name(tmp_path / "outbox", token) == "casesys"
    listed = run("tokens", "list", *outbox).output
    assert listed.startswith("casesys\tmade ") and token not in listed
    assert run("tokens", "revoke", "casesys", *outbox).exit_code == 0
    assert accounts.token_name(tmp_path / "outbox", token) is None
    assert run("tokens", "revoke", "casesys", *outbox).exit_code == 1


def test_commands_without_accounts_leave_no_accounts_file(tmp_path):
    result = invoke("users", "list", outbox=tmp_path / "outbox")
    assert result.exit_code == 0 and result.output == ""
    assert not (tmp_path / "outbox" / "users.sqlite3").exists()
