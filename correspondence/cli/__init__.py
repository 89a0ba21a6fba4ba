"""The ``letters`` command (docs/commands.md): the one click group, and each command group's module
registered on it. A new command goes in a module of its own here (``cli/<group>.py``, its shared options
and helpers from ``cli/common.py``) and is added below with one ``cli.add_command`` line.

Exit status: 0 on success, 1 when the work found problems (a bad record, a failed check), 2 for a usage
error, 3 when the service itself cannot work (disk full, read-only outbox, a ledger that cannot be read).
Errors are one plain sentence on stderr, never a traceback.
"""

from __future__ import annotations

import click

from correspondence.cli import actions, due, quality, render, report, rules, serve, service, signoff, users
from correspondence.cli.common import fail
from correspondence.common.errors import SERVICE, CorrespondenceError


class LettersGroup(click.Group):
    """The ``letters`` group: a :class:`CorrespondenceError` any command raises ends it with its
    sentences on standard error and its own exit code; a failure of the service itself (a full
    disk, an unreadable ledger: ``service_problem``) with one sentence, begun with a capital, and
    exit 3. Anything else is a bug, and stays a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CorrespondenceError as exc:
            sentences, code = exc.sentences, exc.exit_code
        except click.exceptions.ClickException:
            raise
        except Exception as exc:
            from correspondence.service.inbox import service_problem
            problem = service_problem(exc)
            if problem is None:
                raise
            sentences, code = [problem], SERVICE
        if code == SERVICE and sentences and sentences[0][:1].islower():
            sentences[0] = sentences[0][0].upper() + sentences[0][1:]
        for sentence in sentences:
            click.echo(sentence, err=True)
        ctx.exit(code)


@click.group(cls=LettersGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="Documentation: the docs/ folder of the project (docs/commands.md: every command).")
@click.version_option(package_name="correspondence")
def cli() -> None:
    """Write the letters of a council's complaints procedure, to the day, from case records."""


cli.add_command(due.due)
cli.add_command(render.render)
cli.add_command(service.process)
cli.add_command(service.watch)
cli.add_command(service.store_cmd)
cli.add_command(service.ledger_group)
cli.add_command(actions.actions)
cli.add_command(quality.check)
cli.add_command(quality.templates)
cli.add_command(rules.rules)
cli.add_command(report.report)
cli.add_command(serve.serve)
cli.add_command(users.users)
cli.add_command(users.tokens)
cli.add_command(signoff.drafts)
cli.add_command(signoff.approve)
cli.add_command(signoff.return_cmd)


def main() -> None:
    """The command; a failure of the service itself (an unreadable ledger, a full disk) in any
    command is one plain sentence and exit 3, never a traceback."""
    try:
        cli(prog_name="letters")
    except Exception as exc:
        from correspondence.service.inbox import service_problem
        problem = service_problem(exc)
        if problem is None:
            raise
        fail(problem[0].upper() + problem[1:] if problem[0].islower() else problem, 3)


if __name__ == "__main__":
    main()
