"""Accounts and tokens for the web pages: ``<outbox>/users.sqlite3``, Argon2id, lockout."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta, timezone

import pytest

from correspondence.engine.case import safe_case_id
from correspondence.service import accounts
from correspondence.service.accounts import AccountError

PASSWORD = "correct horse battery"


def test_reading_never_creates_the_file(tmp_path):
    assert accounts.accounts_exist(tmp_path) is False
    assert accounts.role_of(tmp_path, "ann") is None
    assert not (tmp_path / "users.sqlite3").exists()


def test_add_keeps_only_an_argon2id_hash_in_a_private_file(tmp_path):
    accounts.add_user(tmp_path, "ann", "manager", PASSWORD)
    path = tmp_path / "users.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSWORD.encode() not in path.read_bytes()
    with sqlite3.connect(path) as conn:
        (hashed,) = conn.execute("SELECT password_hash FROM users WHERE name = 'ann'").fetchone()
    assert hashed.startswith("$argon2id$")
    assert accounts.accounts_exist(tmp_path) is True
    assert accounts.role_of(tmp_path, "ann") == "manager"
    assert accounts.role_of(tmp_path, "bob") is None


def test_refusals_are_one_sentence(tmp_path):
    with pytest.raises(AccountError, match="at least 12 characters"):
        accounts.add_user(tmp_path, "ann", "manager", "short")
    with pytest.raises(AccountError, match="expected one of caseworker, manager, admin"):
        accounts.add_user(tmp_path, "ann", "boss", PASSWORD)
    with pytest.raises(AccountError, match="account name '../x'"):
        accounts.add_user(tmp_path, "../x", "manager", PASSWORD)
    accounts.add_user(tmp_path, "ann", "manager", PASSWORD)
    with pytest.raises(AccountError, match="already an account named ann"):
        accounts.add_user(tmp_path, "ann", "admin", PASSWORD)
    with pytest.raises(AccountError, match="no account named bob"):
        accounts.remove_user(tmp_path, "bob")


def test_sign_in_and_lockout_after_five_failures_for_fifteen_minutes(tmp_path):
    accounts.add_user(tmp_path, "ann", "caseworker", PASSWORD)
    t0 = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
    assert accounts.authenticate(tmp_path, "ann", PASSWORD, now=t0).user.role == "caseworker"
    for i in range(4):
        result = accounts.authenticate(tmp_path, "ann", "wrong password!", now=t0)
        assert result.user is None and not result.locked
    assert accounts.authenticate(tmp_path, "ann", "wrong password!", now=t0).locked  # the fifth
    # locked: the right password is refused too, until 15 minutes have passed
    assert accounts.authenticate(tmp_path, "ann", PASSWORD, now=t0 + timedelta(minutes=14, seconds=59)).user is None
    assert accounts.authenticate(tmp_path, "ann", PASSWORD, now=t0 + timedelta(minutes=15, seconds=1)).user is not None


def test_a_success_clears_the_count(tmp_path):
    accounts.add_user(tmp_path, "ann", "caseworker", PASSWORD)
    for _ in range(4):
        accounts.authenticate(tmp_path, "ann", "wrong password!")
    assert accounts.authenticate(tmp_path, "ann", PASSWORD).user is not None
    for _ in range(4):
        assert not accounts.authenticate(tmp_path, "ann", "wrong password!").locked


def test_unknown_name_is_refused_like_a_wrong_password(tmp_path):
    accounts.add_user(tmp_path, "ann", "caseworker", PASSWORD)
    assert accounts.authenticate(tmp_path, "nobody", PASSWORD) == accounts.SignIn(None, False)


def test_passwd_changes_the_password_and_clears_a_lockout(tmp_path):
    accounts.add_user(tmp_path, "ann", "caseworker", PASSWORD)
    for _ in range(5):
        accounts.authenticate(tmp_path, "ann", "wrong password!")
    accounts.set_password(tmp_path, "ann", "a new long password")
    assert accounts.authenticate(tmp_path, "ann", PASSWORD).user is None
    assert accounts.authenticate(tmp_path, "ann", "a new long password").user is not None


def test_tokens_are_shown_once_and_kept_as_a_hash(tmp_path):
    token = accounts.add_token(tmp_path, "casesys")
    assert token.startswith("lt_") and len(token) > 40
    assert token.encode() not in (tmp_path / "users.sqlite3").read_bytes()
    assert accounts.token_name(tmp_path, token) == "casesys"
    assert accounts.token_name(tmp_path, token + "x") is None
    assert [t[0] for t in accounts.list_tokens(tmp_path)] == ["casesys"]
    accounts.revoke_token(tmp_path, "casesys")
    assert accounts.token_name(tmp_path, token) is None


def test_roles_each_may_do_the_ones_below():
    assert accounts.may("caseworker", "render") and not accounts.may("caseworker", "sign-off")
    assert accounts.may("manager", "sign-off") and not accounts.may("manager", "manage-accounts")
    assert accounts.may("admin", "manage-accounts")
    assert not accounts.may(None, "read")


def test_no_case_id_may_take_the_accounts_file_name():
    assert not safe_case_id("users.sqlite3")
    assert not safe_case_id("users.sqlite3-wal")
    assert safe_case_id("users")
