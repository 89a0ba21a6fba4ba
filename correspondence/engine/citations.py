"""Citations written for people.

A rules file cites its policy by the file the policy was read from (``004_3a0f6aa04b7b6ce2.txt
§6.9.5``), which means nothing to a complaints manager. Each rules file's ``policy`` table names
the policy (title, version, date); :func:`for_people` puts that name in place of the file name:
"Telford & Wrekin Council, Corporate Complaints policy (April 2024) §6.9.5".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

# The project's own contract documents, as a reader of a clone can find them.
DOCUMENTS = {
    "policy-matrix.md": "docs/rules.md",
    "letters.md": "docs/letters.md",
    "case-format.md": "docs/record-format.md",
    "cli.md": "docs/commands.md",
    "report.md": "docs/report.md",
}
_FILE = re.compile(r"(?<![\w/.-])[\w.-]+\.(?:txt|pdf|docx?|md)\b")


@dataclass(frozen=True)
class PolicySource:
    """The published policy a rules file encodes."""

    file: str = ""  # the file it was read from, as cited
    title: str = ""
    version: str = ""
    date: str = ""

    def cited_as(self, council: str) -> str:
        """"Telford & Wrekin Council, Corporate Complaints policy (April 2024)"."""
        when = self.date or (f"version {self.version}" if self.version else "")
        if council and self.title and self.title.split(",")[0].lower() not in council.lower():
            name = f"{council}, {self.title}"
        else:  # the rules file is named after the policy itself (the Codes): the fuller of the two names
            name = max(self.title, council, key=len)
        return f"{name} ({when})" if when else name


    def described(self, council: str) -> str:
        """With its version too: "Telford & Wrekin Council, Corporate Complaints policy (version 1.0, April 2024)"."""
        when = ", ".join(x for x in (f"version {self.version}" if self.version else "", self.date) if x)
        return self.cited_as(council).rsplit(" (", 1)[0] + (f" ({when})" if when else "") if (self.date or self.version) \
            else self.cited_as(council)


def policy_source(raw: Any, where: str, problems: list[str]) -> PolicySource:
    """A rules file's ``policy``: a table of file, title, version and date (or, as before, a file name)."""
    if isinstance(raw, str) and raw.strip():
        return PolicySource(file=raw.strip(), title=raw.strip())
    if not isinstance(raw, dict):
        problems.append(f"{where}: policy: expected a table like "
                        f"{{ file = \"...\", title = \"...\", version = \"...\", date = \"...\" }}.")
        return PolicySource()
    unknown = sorted(set(raw) - {"file", "title", "version", "date"})
    if unknown:
        problems.append(f"{where}: policy: unknown field {unknown[0]!r}; expected file, title, version and date.")
    for key in ("file", "title", "version", "date"):
        if not isinstance(raw.get(key, ""), str):
            problems.append(f"{where}: policy.{key}: expected text.")
    if not str(raw.get("title", "")).strip():
        problems.append(f"{where}: policy.title: expected the policy's title, as a reader would know it.")
    if not str(raw.get("date", "")).strip() and not str(raw.get("version", "")).strip():
        problems.append(f"{where}: policy: expected its date or its version (or both).")
    return PolicySource(*(str(raw.get(k, "")).strip() for k in ("file", "title", "version", "date")))


def for_people(cite: str, sources: Mapping[str, str]) -> str:
    """``cite`` with each policy file name replaced by the policy's name (``sources``: file -> name)."""
    def name(match: re.Match) -> str:
        found = match.group(0)
        return sources.get(found) or DOCUMENTS.get(found) or found

    return _FILE.sub(name, cite)
