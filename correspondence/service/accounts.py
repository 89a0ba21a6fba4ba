"""Accounts and API tokens for ``letters serve``: ``<outbox>/users.sqlite3``.

Each account has a name, a role (``caseworker``, ``manager`` or ``admin``) and a password kept
only as an Argon2id hash (argon2-cffi). Five failed sign-ins in a row lock the account for
fifteen minutes (a right password is refused too while it is locked). An API token is printed
once when it is made; only its SHA-256 is kept (a token is 256 random bits, so a slow hash adds
nothing). The file and its companions are created 0600 whatever the umask, like the ledger.

Reading (``role_of``, ``accounts_exist``) never creates the file: where there is no
``users.sqlite3`` there are no accounts, and ``letters approve --by`` takes any name.

The file also keeps the secret that signs the web pages' session cookies, so a restarted
server (or a second one on the same outbox) honours the sessions it gave, and removing the file
signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from correspondence.common.errors import CorrespondenceError
from correspondence.common.private_file import create_private

USERS_FILE = "users.sqlite3"
ROLES = ("caseworker", "manager", "admin")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
BUSY_TIMEOUT_S = 30
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")  # matched in full
TOKEN_PREFIX = "lt_"

# What each role may do; each role may do all the ones before it.
ACTIONS = {
    "read": "caseworker",
    "render": "caseworker",
    "mark-done": "caseworker",
    "sign-off": "manager",       # approve or return a draft
    "manage-accounts": "admin",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    changed_at    TEXT NOT NULL,           -- when the password was last set (sessions before it end)
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT                     -- UTC ISO time, or NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    name        TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    last_used   TEXT
);
CREATE TABLE IF NOT EXISTS ended_sessions (
    sid    TEXT PRIMARY KEY,               -- a signed-out session's id (its cookie is refused from then on)
    until  REAL NOT NULL                   -- when that session would have ended anyway (then forgotten)
);
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class AccountError(CorrespondenceError):
    """A request about accounts that cannot be done, in one plain sentence (``args[0]``)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str
    changed_at: str
    locked_until: str | None


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: ``user`` when it succeeded, else ``locked`` says whether the
    account is (now) locked. The page says the same for an unknown name and a wrong password."""
    user: User | None
    locked: bool = False


def users_path(outbox: Path) -> Path:
    return Path(outbox) / USERS_FILE


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _changed() -> str:
    """When a password was set, to the microsecond: a session keeps it, and one made before a
    later password (however soon after) no longer matches."""
    return _now().isoformat(timespec="microseconds")


def _connect(outbox: Path) -> sqlite3.Connection:
    """Open (creating if need be) the accounts file for writing."""
    path = users_path(outbox)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    create_private(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError):
            raise
        raise AccountError(f"{path}: the accounts file cannot be read ({exc}).") from None
    for companion in ("-wal", "-shm", "-journal"):
        try:
            os.chmod(f"{path}{companion}", 0o600)
        except OSError:
            pass
    return conn


def _read_only(outbox: Path) -> sqlite3.Connection | None:
    path = users_path(outbox)
    if not path.is_file():
        return None
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)


def _query(outbox: Path, sql: str, args: tuple = ()) -> list[tuple]:
    """Rows of a read-only query; none when there is no accounts file (or it has no such table yet)."""
    conn = _read_only(outbox)
    if conn is None:
        return []
    with closing(conn):
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
        except sqlite3.DatabaseError as exc:
            raise AccountError(f"{users_path(outbox)}: the accounts file cannot be read ({exc}).") from None


def _hasher():
    from argon2 import PasswordHasher  # imported only where a password is hashed or checked

    return PasswordHasher()  # Argon2id, argon2-cffi's RFC 9106 low-memory profile


# --------------------------------------------------------------------------- reading

def accounts_exist(outbox: Path) -> bool:
    """True when ``<outbox>/users.sqlite3`` holds at least one account."""
    return bool(_query(outbox, "SELECT 1 FROM users LIMIT 1"))


def role_of(outbox: Path, name: str) -> str | None:
    """The role of the account ``name``, or None if there is no such account."""
    rows = _query(outbox, "SELECT role FROM users WHERE name = ?", (name,))
    return rows[0][0] if rows else None


def get_user(outbox: Path, name: str) -> User | None:
    rows = _query(outbox, "SELECT name, role, created_at, changed_at, locked_until FROM users WHERE name = ?", (name,))
    return User(*rows[0]) if rows else None


def list_users(outbox: Path) -> list[User]:
    return [User(*row) for row in _query(
        outbox, "SELECT name, role, created_at, changed_at, locked_until FROM users ORDER BY name")]


def may(role: str | None, action: str) -> bool:
    """True if ``role`` may do ``action`` (one of ``ACTIONS``)."""
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(ACTIONS[action])


# --------------------------------------------------------------------------- changing

def check_name(name: str) -> None:
    if not NAME.fullmatch(name or ""):
        raise AccountError(f"account name {name!r}: expected 1 to 64 letters, digits, '.', '_', '@' or '-', "
                           "starting with a letter or digit.")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: expected at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: expected at most {MAX_PASSWORD} characters.")
    if not password.strip():
        raise AccountError("the password is only white space: expected at least "
                           f"{MIN_PASSWORD} characters that are not all spaces.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: expected one of {', '.join(ROLES)}.")


def add_user(outbox: Path, name: str, role: str, password: str) -> User:
    check_name(name)
    _check_role(role)
    check_password(password)
    hashed = _hasher().hash(password)
    now, changed = _iso(_now()), _changed()
    with closing(_connect(outbox)) as conn:
        try:
            conn.execute("INSERT INTO users (name, role, password_hash, created_at, changed_at) VALUES (?, ?, ?, ?, ?)",
                         (name, role, hashed, now, changed))
        except sqlite3.IntegrityError:
            raise AccountError(f"there is already an account named {name}.") from None
    return User(name, role, now, changed, None)


def remove_user(outbox: Path, name: str) -> None:
    if not users_path(outbox).is_file():
        raise AccountError(f"there is no account named {name}.")
    with closing(_connect(outbox)) as conn:
        if conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount != 1:
            raise AccountError(f"there is no account named {name}.")


def set_role(outbox: Path, name: str, role: str) -> None:
    _check_role(role)
    if not users_path(outbox).is_file():
        raise AccountError(f"there is no account named {name}.")
    with closing(_connect(outbox)) as conn:
        if conn.execute("UPDATE users SET role = ? WHERE name = ?", (role, name)).rowcount != 1:
            raise AccountError(f"there is no account named {name}.")


def set_password(outbox: Path, name: str, password: str) -> None:
    """Set a new password; it also clears a lockout, and ends the account's earlier sessions."""
    check_password(password)
    if not users_path(outbox).is_file():
        raise AccountError(f"there is no account named {name}.")
    hashed = _hasher().hash(password)
    with closing(_connect(outbox)) as conn:
        cur = conn.execute("UPDATE users SET password_hash = ?, changed_at = ?, failures = 0, locked_until = NULL"
                           " WHERE name = ?", (hashed, _changed(), name))
        if cur.rowcount != 1:
            raise AccountError(f"there is no account named {name}.")


# A hash to check a password against when the name is unknown, so that an unknown name takes as
# long to refuse as a wrong password (made once, on first use).
_DUMMY: list[str] = []


def authenticate(outbox: Path, name: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a sign-in. Counts a failure against a known account; the fifth in a row locks it
    for 15 minutes; a success clears the count."""
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or _now()
    hasher = _hasher()
    if not users_path(outbox).is_file() or not NAME.fullmatch(name or "") or len(password) > MAX_PASSWORD:
        _waste(hasher, password)
        return SignIn(None, locked=_unknown_failure(name, now))
    with closing(_connect(outbox)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT role, password_hash, created_at, changed_at, failures, locked_until"
                               " FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                conn.execute("COMMIT")
                _waste(hasher, password)
                return SignIn(None, locked=_unknown_failure(name, now))
            role, hashed, created_at, changed_at, failures, locked_until = row
            if locked_until and datetime.fromisoformat(locked_until) > now:
                conn.execute("COMMIT")
                _waste(hasher, password)  # as long as any other refusal: a lockout shows no account
                return SignIn(None, locked=True)
            try:
                hasher.verify(hashed, password)
                good = True
            except (VerificationError, InvalidHashError):
                good = False
            if good:
                if hasher.check_needs_rehash(hashed):
                    hashed = hasher.hash(password)
                conn.execute("UPDATE users SET failures = 0, locked_until = NULL, password_hash = ? WHERE name = ?",
                             (hashed, name))
                conn.execute("COMMIT")
                return SignIn(User(name, role, created_at, changed_at, None))
            failures = (0 if locked_until else failures) + 1  # a lockout that has run out starts a new count
            locked = failures >= MAX_FAILURES
            conn.execute("UPDATE users SET failures = ?, locked_until = ? WHERE name = ?",
                         (0 if locked else failures, _iso(now + LOCKOUT) if locked else None, name))
            conn.execute("COMMIT")
            return SignIn(None, locked=locked)
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")


# Failed sign-ins under names that are no account, counted as an account's are (in memory, by a
# hash of the name: nothing is kept of what was typed), so that the fifth locks the name for 15
# minutes too and a lockout cannot be used to learn which names are accounts.
_UNKNOWN: dict[str, tuple[int, datetime | None]] = {}
_UNKNOWN_LOCK = threading.Lock()
_UNKNOWN_MAX = 10_000


def _unknown_failure(name: str, now: datetime) -> bool:
    """Count a failed sign-in under a name that is no account; True when the name is (now) locked."""
    key = hashlib.sha256((name or "").encode("utf-8", "surrogatepass")).hexdigest()
    with _UNKNOWN_LOCK:
        if len(_UNKNOWN) >= _UNKNOWN_MAX:  # forget the names whose count or lockout has run out first
            for k in [k for k, (_, until) in _UNKNOWN.items() if until is None or until <= now]:
                del _UNKNOWN[k]
            if len(_UNKNOWN) >= _UNKNOWN_MAX:
                _UNKNOWN.clear()
        failures, until = _UNKNOWN.get(key, (0, None))
        if until is not None and until > now:
            return True
        failures = (0 if until is not None else failures) + 1
        locked = failures >= MAX_FAILURES
        _UNKNOWN[key] = (0, now + LOCKOUT) if locked else (failures, None)
        return locked


def _waste(hasher, password: str) -> None:
    from argon2.exceptions import VerificationError

    if not _DUMMY:
        _DUMMY.append(hasher.hash(secrets.token_urlsafe(16)))
    try:
        hasher.verify(_DUMMY[0], password[:MAX_PASSWORD])
    except VerificationError:
        pass


def unlock(outbox: Path, name: str) -> None:
    if not users_path(outbox).is_file():
        raise AccountError(f"there is no account named {name}.")
    with closing(_connect(outbox)) as conn:
        if conn.execute("UPDATE users SET failures = 0, locked_until = NULL WHERE name = ?", (name,)).rowcount != 1:
            raise AccountError(f"there is no account named {name}.")


# --------------------------------------------------------------------------- API tokens

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(outbox: Path, name: str) -> str:
    """Make a token named ``name`` (the case system that uses it; the ledger records changes made
    with it under this name) and return it: it is shown once and never kept."""
    check_name(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with closing(_connect(outbox)) as conn:
        try:
            conn.execute("INSERT INTO tokens (name, token_hash, created_at) VALUES (?, ?, ?)",
                         (name, _token_hash(token), _iso(_now())))
        except sqlite3.IntegrityError:
            raise AccountError(f"there is already a token named {name}; revoke it first.") from None
    return token


def list_tokens(outbox: Path) -> list[tuple[str, str, str | None]]:
    """(name, created_at, last_used) of each token, by name."""
    return _query(outbox, "SELECT name, created_at, last_used FROM tokens ORDER BY name")


def revoke_token(outbox: Path, name: str) -> None:
    if not users_path(outbox).is_file():
        raise AccountError(f"there is no token named {name}.")
    with closing(_connect(outbox)) as conn:
        if conn.execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount != 1:
            raise AccountError(f"there is no token named {name}.")


def token_name(outbox: Path, token: str) -> str | None:
    """The name of the token ``token``, or None if it is not one (revoked, mistyped)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = _token_hash(token)
    rows = _query(outbox, "SELECT name, token_hash FROM tokens WHERE token_hash = ?", (digest,))
    if not rows or not hmac.compare_digest(rows[0][1], digest):
        return None
    try:
        with closing(_connect(outbox)) as conn:
            conn.execute("UPDATE tokens SET last_used = ? WHERE name = ?", (_iso(_now()), rows[0][0]))
    except sqlite3.OperationalError:
        pass  # a busy or read-only file: the token is still good
    return rows[0][0]


# --------------------------------------------------------------------------- signed-out sessions

def end_session(outbox: Path, sid: str, until: float, now: float) -> None:
    """Refuse the session ``sid`` from now on (signing out), until it would have ended anyway
    (``until``, seconds since the epoch); sessions already past that are forgotten."""
    with closing(_connect(outbox)) as conn:
        conn.execute("DELETE FROM ended_sessions WHERE until < ?", (now,))
        conn.execute("INSERT OR REPLACE INTO ended_sessions (sid, until) VALUES (?, ?)", (sid, until))


def session_ended(outbox: Path, sid: str) -> bool:
    """True if the session ``sid`` was signed out."""
    return bool(_query(outbox, "SELECT 1 FROM ended_sessions WHERE sid = ?", (sid,)))


# --------------------------------------------------------------------------- the session secret

def session_secret(outbox: Path) -> str:
    """The secret that signs session cookies, made on first use and kept in the accounts file."""
    rows = _query(outbox, "SELECT value FROM settings WHERE key = 'session_secret'")
    if rows:
        return rows[0][0]
    with closing(_connect(outbox)) as conn:
        conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('session_secret', ?)",
                     (secrets.token_hex(32),))
        return conn.execute("SELECT value FROM settings WHERE key = 'session_secret'").fetchone()[0]
