"""`letters users` and `letters tokens`: the web pages' accounts and the API's tokens (docs/commands.md#letters-users-add)."""

from __future__ import annotations

import getpass
import sys

import click

from correspondence.cli.common import Paths, fail, folder_options
from correspondence.service import accounts


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without one)
        return "unknown"


def _recorded(paths: Paths, action: str, detail: str) -> None:
    from correspondence.service.audit import record_change
    record_change(paths.outbox, _who(), "command", None, action, detail)


def _password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        fail("No terminal to ask the password on: give it on standard input with --password-stdin.", 2)
    first = click.prompt("Password", hide_input=True, show_default=False, err=True)
    second = click.prompt("Password again", hide_input=True, show_default=False, err=True)
    if first != second:
        fail("The two passwords are not the same; nothing was changed.", 1)
    return first


@click.group("users")
def users() -> None:
    """Accounts for the web pages (in <outbox>/users.sqlite3)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True,
              help="caseworker: read, render, mark actions done; manager: also sign off drafts; admin: also accounts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line) instead of asking twice.")
@folder_options
def users_add(name: str, role: str, password_stdin: bool, paths: Paths) -> None:
    """Add an account; the password (at least 12 characters) is asked twice."""
    try:
        accounts.check_name(name)
        if accounts.get_user(paths.outbox, name) is not None:
            raise accounts.AccountError(f"there is already an account named {name}.")
        accounts.add_user(paths.outbox, name, role, _password(password_stdin))
    except accounts.AccountError as exc:
        fail(_cap(str(exc)), 1)
    _recorded(paths, "account-added", f"{name} ({role})")
    click.echo(f"added {name} ({role})")


@users.command("list")
@folder_options
def users_list(paths: Paths) -> None:
    """The accounts: name, role, when added, and a lockout if one is running."""
    for user in accounts.list_users(paths.outbox):
        locked = f"  locked until {user.locked_until}" if user.locked_until else ""
        click.echo(f"{user.name}\t{user.role}\tadded {user.created_at}{locked}")


@users.command("remove")
@click.argument("name")
@folder_options
def users_remove(name: str, paths: Paths) -> None:
    """Remove an account (its sessions end at their next request)."""
    try:
        accounts.remove_user(paths.outbox, name)
    except accounts.AccountError as exc:
        fail(_cap(str(exc)), 1)
    _recorded(paths, "account-removed", name)
    click.echo(f"removed {name}")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (one line).")
@folder_options
def users_passwd(name: str, password_stdin: bool, paths: Paths) -> None:
    """Set an account's password (it also unlocks it, and ends its sessions)."""
    try:
        if accounts.get_user(paths.outbox, name) is None:
            raise accounts.AccountError(f"there is no account named {name}.")
        accounts.set_password(paths.outbox, name, _password(password_stdin))
    except accounts.AccountError as exc:
        fail(_cap(str(exc)), 1)
    _recorded(paths, "password-set", name)
    click.echo(f"password set for {name}")


@click.group("tokens")
def tokens() -> None:
    """API tokens for case systems (only a hash is kept)."""


@tokens.command("add")
@click.argument("name")
@folder_options
def tokens_add(name: str, paths: Paths) -> None:
    """Make a token for the case system NAME and print it (once: it cannot be shown again)."""
    try:
        token = accounts.add_token(paths.outbox, name)
    except accounts.AccountError as exc:
        fail(_cap(str(exc)), 1)
    _recorded(paths, "token-added", name)
    click.echo(token)


@tokens.command("list")
@folder_options
def tokens_list(paths: Paths) -> None:
    """The tokens: name, when made, when last used."""
    for name, made, used in accounts.list_tokens(paths.outbox):
        click.echo(f"{name}\tmade {made}\tlast used {used or 'never'}")


@tokens.command("revoke")
@click.argument("name")
@folder_options
def tokens_revoke(name: str, paths: Paths) -> None:
    """Revoke a token: the API refuses it from the next request."""
    try:
        accounts.revoke_token(paths.outbox, name)
    except accounts.AccountError as exc:
        fail(_cap(str(exc)), 1)
    _recorded(paths, "token-revoked", name)
    click.echo(f"revoked {name}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
