"""The one base of the program's own exceptions: a problem it can state in plain sentences, carrying
the exit status a command ends with (as click's ``ClickException`` carries its own).

``letters`` prints :attr:`CorrespondenceError.sentences` on standard error, one a line, and exits
with :attr:`~CorrespondenceError.exit_code`, never with a traceback (``cli/__init__.py``). The
codes are those of docs/commands.md: 1 when the work found problems (a bad record, a rules file
that is not valid, a template that cannot render), 2 for a usage error (something asked for that
is not there), 3 when the service itself cannot work (a full disk, an unreadable ledger).
"""

from __future__ import annotations

PROBLEMS_FOUND = 1
USAGE = 2
SERVICE = 3


class CorrespondenceError(Exception):
    """A problem stated in plain sentences; ``exit_code`` is the status of the command it ends."""

    exit_code: int = PROBLEMS_FOUND

    @property
    def sentences(self) -> list[str]:
        """What to tell the user, one sentence each: the ``problems`` a subclass holds, or the message."""
        problems = getattr(self, "problems", None)
        return list(problems) if problems else [str(self)]
