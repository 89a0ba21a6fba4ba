"""What the pages show, read from the case store, the ledger, the outbox and the inbox (no Flask here).

Every path is built from a case id that ``safe_case_id`` accepts and a stem that ``STEM`` matches,
and checked to stay in its folder, before anything is read: a name that tries to leave the
outbox is "not found" without a file being opened.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

from correspondence.common import safe_json
from correspondence.common.errors import USAGE, CorrespondenceError
from correspondence.engine.case import Case, CaseError, safe_case_id
from correspondence.engine.due import Determination, Letter, determine
from correspondence.engine.rules import RuleBook
from correspondence.letters.context import person_name
from correspondence.service import case_store, ledger
from correspondence.service.outbox import undated_stem

STEM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}_[A-Za-z0-9][A-Za-z0-9._~-]{0,150}")  # matched in full
DRAFTS = "drafts"
STATUSES = ("overdue", "due", "draft", "returned")


def safe_stem(stem: str) -> bool:
    return bool(STEM.fullmatch(stem)) and ".." not in stem


# --------------------------------------------------------------------------- the diary

@dataclass(frozen=True)
class Summary:
    """What the diary shows of a case beside its letters."""
    case_id: str
    council: str
    service_area: str
    name: str          # the complainant's name ("Anonymous" when there is none)
    representative: str


def summary_of(case: Case) -> Summary:
    rep = case.representative
    return Summary(case.case_id, case.council, str(case.raw.get("service_area") or ""),
                   "Anonymous" if case.anonymous else person_name(case.complainant),
                   person_name(rep) if rep else "")


@dataclass
class Diary:
    as_of: date
    rows: list[tuple[Determination, Letter]]
    summaries: dict[str, Summary]
    problems: list[str]
    cases: int
    signed: dict = None  # (case id, letter, stage, trigger) -> what sign-off adds (status, holds, who returned it)

    @cached_property
    def councils(self) -> list[str]:
        return sorted({r.council for r, _ in self.rows} | {s.council for s in self.summaries.values()})

    @cached_property
    def service_areas(self) -> list[str]:
        return sorted({s.service_area for s in self.summaries.values() if s.service_area})


def diary(book: RuleBook, outbox: Path, as_of: date, templates: Path | None = None) -> Diary:
    """Every stored case's letters not yet issued, overdue first (``letters due --all``), from the
    due index (``service/due_index.py``): nothing is worked out again unless it changed."""
    from correspondence.service.due_index import diary_entries

    found = diary_entries(book, outbox, as_of, templates)
    last = _LAST_DIARY
    if last and last[0] is found:  # nothing changed since: the same diary, its summaries and lists
        return last[1]
    summaries = {e.case_id: Summary(e.case_id, e.council, e.about.get("service_area", ""), e.about.get("name", ""),
                                    e.about.get("representative", ""))
                 for e in found.entries if e.determination is not None}
    from correspondence.service.signoff import diary_signoff

    # Drafted and returned letters (the ledger's sign-off rows, which move the index too); their
    # status changes, so their order may too.
    results, signed = diary_signoff(outbox, found.results, {c: book.procedures(c) for c in book.councils})
    rows = found.rows
    if signed:
        from correspondence.engine.diary import pending_rows
        rows = pending_rows(results)
    d = Diary(as_of, rows, summaries, found.problems, len(found.results), signed)
    _LAST_DIARY[:] = [found, d]
    return d


_LAST_DIARY: list = []  # [the due index's diary, the Diary made from it] (the same while nothing changed)


def is_overdue(letter: Letter, as_of: date) -> bool:
    """Not yet issued and past its due date (a draft or a returned letter too)."""
    return letter.status != "issued" and letter.due < as_of


def filter_rows(d: Diary, council: str = "", service_area: str = "", status: str = "", q: str = "") -> list:
    needle = q.strip().casefold()
    out = []
    for result, letter in d.rows:
        s = d.summaries.get(result.case_id)
        if council and result.council != council:
            continue
        if service_area and (s is None or s.service_area != service_area):
            continue
        if status == "overdue" and not is_overdue(letter, d.as_of):
            continue
        if status in ("due", "draft", "returned") and letter.status != status:
            continue
        if needle and not (needle in result.case_id.casefold() or
                           (s is not None and (needle in s.name.casefold() or needle in s.representative.casefold()))):
            continue
        out.append((result, letter))
    return out


def counts(book: RuleBook, d: Diary, inbox: Path, outbox: Path) -> dict[str, int]:
    """The diary's counts, of letters: overdue, due within the next five working days, drafts
    awaiting sign-off (in the case folders' ``drafts/``); and the rejected records in the inbox."""
    overdue = week = 0
    ends: dict[str, date] = {}
    for result, letter in d.rows:
        if is_overdue(letter, d.as_of):
            overdue += 1
        else:
            end = ends.get(result.council)
            if end is None:
                end = ends[result.council] = book.policy_for(result.council).calendar.add_working_days(d.as_of, 5)
            if letter.due <= end:
                week += 1
    return {"overdue": overdue, "week": week, "drafts": len(drafts(outbox, as_of=d.as_of)),
            "rejected": len(rejected_reports(inbox))}


def diary_json(d: Diary, outbox: Path) -> dict:
    """``letters due --all --json``."""
    from correspondence.service.format_needs import open_actions
    from correspondence.service.outbox import failed_reports

    failed = failed_reports(outbox)
    letters = []
    for r, x in d.rows:
        entry = {"case_id": r.case_id, "council": r.council, **x.to_json(),
                 **(d.signed or {}).get((r.case_id, x.letter, x.stage, x.trigger), {})}
        report = failed.get((r.case_id, undated_stem(x.letter, x.stage, x.trigger)))
        if report:
            entry["failed_checks"] = str(report)
        letters.append(entry)
    return {"as_of": d.as_of.isoformat(), "cases": d.cases, "letters": letters,
            "actions_needed": [a.to_json() for a in open_actions(outbox)],
            "rejected_updates": case_store.rejected_updates(outbox)}


# --------------------------------------------------------------------------- one case

class NotFound(CorrespondenceError):
    """No such case or letter in the store (or a name that would leave the outbox)."""

    exit_code = USAGE


def load_case(book: RuleBook, outbox: Path, case_id: str) -> Case:
    if not safe_case_id(case_id):
        raise NotFound(case_id)
    path = case_store.stored_path(outbox, case_id)
    if path.is_symlink() or path.parent.is_symlink() or not path.is_file():
        raise NotFound(case_id)  # a stored snapshot that is a link is never read
    try:
        return case_store.load_stored(path, {c: book.procedures(c) for c in book.councils})
    except CaseError:
        raise NotFound(case_id) from None


def determine_case(book: RuleBook, outbox: Path, case: Case, as_of: date) -> Determination:
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    return determine(case, policy, ledger.issued_for(outbox, case.case_id), as_of)


def stage_of(case: Case, result: Determination) -> int:
    """The stage the case has reached: the highest stage any of its letters or deadlines is at."""
    stages = [x.stage for x in result.letters if x.stage] + [d.stage for d in result.deadlines if d.stage]
    stages += [e.data.get("stage") for e in case.events if isinstance(e.data.get("stage"), int)]
    return max(stages, default=1)


@dataclass(frozen=True)
class Filed:
    """A letter filed in the outbox (issued) or held in drafts/."""
    case_id: str
    stem: str
    manifest: dict
    draft: bool
    problem: str | None = None  # what is wrong with its manifest, in a sentence (the manifest is then {})

    @property
    def letter(self) -> str:
        return str(self.manifest.get("letter", ""))

    @property
    def stage(self) -> int | None:
        return self.manifest.get("stage")

    @property
    def letter_date(self) -> str:
        return str(self.manifest.get("letter_date", ""))

    @property
    def holds(self) -> list[dict]:
        holds = self.manifest.get("holds") or []
        return [h for h in holds if isinstance(h, dict)]

    def file(self, fmt: str) -> str | None:
        files = self.manifest.get("files") or {}
        name = files.get(fmt) if isinstance(files, dict) else None
        return name if isinstance(name, str) and name == f"{self.stem}.{fmt}" else None

    @property
    def copies(self) -> list[Copy]:
        """The copies filed with the letter (the manifest's ``copies``: the complainant's large-print
        copy), each with only the files it names under the letter's own name, ``<stem>.copy.<fmt>``."""
        out = []
        for entry in self.manifest.get("copies") or []:
            if not isinstance(entry, dict):
                continue
            files = entry.get("files") if isinstance(entry.get("files"), dict) else {}
            named = {fmt: name for fmt in ("pdf", "docx")
                     if isinstance(name := files.get(fmt), str) and name == f"{self.stem}.{COPY}.{fmt}"}
            out.append(Copy(str(entry.get("to") or "complainant"), str(entry.get("delivery") or ""),
                            entry.get("large_print") is True, named,
                            [i for i in entry.get("required_content") or [] if isinstance(i, dict)]))
        return out

    def copy_file(self, fmt: str) -> str | None:
        """The name of a copy's file in ``fmt`` as the manifest names it (``<stem>.copy.<fmt>``), else None."""
        return next((c.files[fmt] for c in self.copies if fmt in c.files), None)

    def named_files(self) -> list[str]:
        """Every file the manifest names beside it: the letter's and its copies'."""
        return [n for n in (*(self.file(f) for f in ("pdf", "docx")), *(self.copy_file(f) for f in ("pdf", "docx"))) if n]


COPY = "copy"  # a copy's files: <stem>.copy.pdf and <stem>.copy.docx, beside the letter's


@dataclass(frozen=True)
class Copy:
    """A copy filed with a letter: who it goes to (a role, never a name), how, and its files."""
    to: str
    delivery: str
    large_print: bool
    files: dict[str, str]  # format -> file name beside the letter
    required_content: list[dict]


def open_plain(path: Path):
    """The regular file at ``path``, opened for reading without following a symbolic link (a link
    in the outbox pointing outside it is never opened); None when it is not one."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
    except OSError:
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


class Unreadable(CorrespondenceError):
    """A letter's manifest that is there but cannot be read as one: the message says, in a sentence,
    what is wrong with which file."""

    exit_code = USAGE

    def __init__(self, problem: str, draft: bool):
        super().__init__(problem)
        self.draft = draft


def _read_manifest(path: Path, case_id: str, shown: str) -> tuple[dict | None, str | None]:
    """The manifest at ``path`` (never through a symbolic link) and None, or None and what is wrong
    with it; (None, None) when there is no such file."""
    from correspondence.letters.manifest import read

    manifest, problem = read(path, follow=False, shown=shown)
    if manifest is not None and manifest["case_id"] != case_id:
        return None, (f"{shown}: 'case_id' is {manifest['case_id'][:64]!r}, not {case_id}; expected the case whose "
                      f"folder holds it.")
    return manifest, problem


def _shown(case_id: str, draft: bool, stem: str) -> str:
    """A manifest as the pages name it: its place in the outbox (never the server's own folders)."""
    return f"{case_id}/{DRAFTS + '/' if draft else ''}{stem}.json"


def filed_letters(outbox: Path, case_id: str) -> list[Filed]:
    """The case's issued letters and its drafts, newest first; a manifest that cannot be read is
    listed with its ``problem`` (and an empty manifest)."""
    if not safe_case_id(case_id):
        return []
    folder = Path(outbox) / case_id
    out: list[Filed] = []
    if folder.is_symlink():
        return out
    for where, draft in ((folder, False), (folder / DRAFTS, True)):
        if not where.is_dir() or where.is_symlink():
            continue
        for path in where.glob("*.json"):
            if not safe_stem(path.stem) or path.is_symlink():
                continue
            manifest, problem = _read_manifest(path, case_id, _shown(case_id, draft, path.stem))
            if manifest is None and problem is None:
                continue
            if manifest is None:
                out.append(Filed(case_id, path.stem, {}, draft, problem))
                continue
            out.append(Filed(case_id, path.stem, manifest, draft or manifest.get("status") == "draft"))
    out.sort(key=lambda f: (f.letter_date, f.stem), reverse=True)
    return out


def filed_letter(outbox: Path, case_id: str, stem: str) -> tuple[Filed, Path]:
    """One issued letter or draft and its folder; NotFound for a name that is not one, Unreadable
    for a manifest that is there but cannot be read as one."""
    if not safe_case_id(case_id) or not safe_stem(stem):
        raise NotFound(stem)
    folder = Path(outbox) / case_id
    if folder.is_symlink():  # a case folder that is a link leads out of the outbox
        raise NotFound(stem)
    for where, draft in ((folder, False), (folder / DRAFTS, True)):
        path = where / f"{stem}.json"
        if path.parent != where or where.is_symlink() or path.is_symlink() or not os.path.lexists(path):
            continue
        manifest, problem = _read_manifest(path, case_id, _shown(case_id, draft, stem))
        if problem is not None:
            raise Unreadable(problem, draft)
        if manifest is not None:
            filed = Filed(case_id, stem, manifest, draft or manifest.get("status") == "draft")
            if any((where / name).is_symlink() for name in filed.named_files()):
                raise NotFound(stem)  # a letter's file (or its copy's) that is a link is never opened nor checked
            return filed, where
    raise NotFound(stem)


def present(folder: Path, name: str | None) -> bool:
    """Whether ``name`` is a regular file in ``folder`` (a link is not one)."""
    import stat

    if not name:
        return False
    try:
        return stat.S_ISREG(os.lstat(folder / name).st_mode)
    except OSError:
        return False


@dataclass
class ContentResult:
    item: str
    text: str
    cite: str
    found: dict[str, bool]  # format -> found in it


_CHECKS: dict[tuple, tuple[list[ContentResult], list[str], list[list[ContentResult]]]] = {}


def content_results(book: RuleBook, filed: Filed, folder: Path) -> tuple[list[ContentResult], list[str],
                                                                         list[list[ContentResult]]]:
    """Each required item with whether ``letters check`` finds it in each format, the check's other
    problems (sentences), and the same items for each copy filed with the letter (in the order of
    ``filed.copies``). Kept for as long as the files are unchanged."""
    from correspondence.common import filestamp
    from correspondence.letters.content_check import check_manifest

    manifest_path = folder / f"{filed.stem}.json"
    key = (str(manifest_path), *(filestamp.stamp(folder / n) for n in sorted(
        [*filed.named_files(), f"{filed.stem}.json"]) if (folder / n).exists()))
    if key in _CHECKS:
        return _CHECKS[key]
    failures = check_manifest(manifest_path, book.retired)
    missing = {(f.file, f.item.split(":", 1)[0]) for f in failures if f.item.startswith("missing ")}

    def found_in(files: dict[str, str], items: list) -> list[ContentResult]:
        names = {fmt: str(folder / name) for fmt, name in files.items() if name and present(folder, name)}
        out = []
        for item in items:
            if not isinstance(item, dict):
                continue
            found = {fmt: (name, f"missing {item.get('item')}") not in missing for fmt, name in names.items()}
            out.append(ContentResult(str(item.get("item")), str(item.get("text")), str(item.get("cite")), found))
        return out

    results = found_in({fmt: filed.file(fmt) for fmt in ("pdf", "docx")}, filed.manifest.get("required_content") or [])
    copies = [found_in(c.files, c.required_content) for c in filed.copies]
    others = [f"{Path(f.file).name}: {f.item}" for f in failures
              if not f.item.startswith("missing ") and f.item != "the file is missing"]  # the page says which
    if len(_CHECKS) > 256:
        _CHECKS.clear()
    _CHECKS[key] = (results, others, copies)
    return results, others, copies


def failed_report(path: Path) -> list[str]:
    """What a letter's failed checks found (``failed/<stem>.report.txt``), one line each, without
    the report's heading; nothing when it cannot be read (a link is never followed)."""
    handle = open_plain(path)
    if handle is None:
        return []
    try:
        with handle:
            text = handle.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        return []
    body = text.split("\n\n", 1)[1] if "\n\n" in text else text
    return [line.strip() for line in body.splitlines() if line.strip()][:20]


# --------------------------------------------------------------------------- the timeline

@dataclass(frozen=True)
class Moment:
    when: str        # ISO date or time, for ordering
    day: date | None
    title: str
    text: str = ""
    by: str = ""
    link: str = ""


def _words(value: str) -> str:
    return value.replace("_", " ").replace("-", " ")


EVENT_TITLES = {"letter_issued": "Letter sent by the case system"}


def timeline(case: Case, filed: Iterable[Filed], changes: Iterable[dict], signoff: Iterable[dict] = ()) -> list[Moment]:
    """The record's events, the letters issued and drafted, and the changes made through the pages
    and the API, newest first."""
    out = [Moment(case.received.isoformat(), case.received, "Complaint received",
                  f"by {_words(str(case.raw['complaint'].get('channel', '')))}".strip() if
                  case.raw["complaint"].get("channel") else "")]
    for event in case.events:
        detail = []
        if event.data.get("stage"):
            detail.append(f"stage {event.data['stage']}")
        if event.type == "letter_issued" and event.data.get("letter"):
            detail.insert(0, _words(str(event.data["letter"])))
        if event.type == "decision" and event.data.get("outcome"):
            detail.append(f"outcome: {_words(str(event.data['outcome']))}")
        title = EVENT_TITLES.get(event.type, _words(event.type).capitalize())
        out.append(Moment(event.date.isoformat(), event.date, title, ", ".join(detail)))
    for f in filed:
        day = _day(f.letter_date)
        stage = f" stage {f.stage}" if f.stage else ""
        title = f"Letter drafted: {_words(f.letter)}{stage}" if f.draft else f"Letter issued: {_words(f.letter)}{stage}"
        out.append(Moment(f.letter_date, day, title, _sent_to(f), str(f.manifest.get("signed_off_by") or ""),
                          f"/cases/{f.case_id}/letters/{f.stem}"))
    for c in changes:
        out.append(Moment(str(c["at"]), _day(str(c["at"])[:10]), CHANGE_TITLES.get(c["action"], _words(c["action"])),
                          str(c.get("detail") or ""), str(c["by"])))
    for s in signoff:
        if s.get("event") in SIGNOFF_TITLES:
            stage = f" stage {s['stage']}" if s.get("stage") else ""
            text = str(s.get("note") or "") if s.get("event") == "returned" else ""
            out.append(Moment(str(s.get("at")), _day(str(s.get("at"))[:10]),
                              f"{SIGNOFF_TITLES[s['event']]}: {_words(str(s.get('letter')))}{stage}", text,
                              str(s.get("by") or "")))
    out.sort(key=lambda m: m.when, reverse=True)
    return out


def _sent_to(f: Filed) -> str:
    """Whom a letter is to and how it goes ("to Miss Chloe Evans, by first class"); a draft awaits sign-off."""
    recipient = f.manifest.get("recipient")
    name = recipient.get("name") if isinstance(recipient, dict) else None
    how = f.manifest.get("delivery")
    text = (f"to {name}" if isinstance(name, str) and name else "") + \
        (f", by {_words(how)}" if isinstance(how, str) and how and name else "")
    for copy in f.copies:  # by role, never a name nor a file
        how = f", by {_words(copy.delivery)}" if copy.delivery else ""
        text += f"{'; ' if text else ''}{'a large-print copy' if copy.large_print else 'a copy'} to the {_words(copy.to)}{how}"
    if f.draft:
        return f"awaiting sign-off, {text}" if text else "awaiting sign-off"
    return text


SIGNOFF_TITLES = {"approved": "Draft approved", "returned": "Draft returned", "replaced": "Draft replaced by a newer record"}
CHANGE_TITLES = {
    "record-accepted": "Record received through the API",
    "letters-rendered": "Letters rendered",
    "action-done": "Action marked done",
}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


# --------------------------------------------------------------------------- rejected records

@dataclass(frozen=True)
class Rejected:
    name: str           # the record's file name in inbox/.rejected/
    when: datetime
    report: str         # the report's sentences (without its first line)
    case_id: str | None  # only from a readable, well-formed case_id


def rejected_reports(inbox: Path) -> list[Rejected]:
    """The rejected records and their reports, newest first."""
    from correspondence.service.inbox import REJECTED

    folder = Path(inbox) / REJECTED
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    out = []
    for entry in entries:
        if not entry.name.endswith(".error.txt") or entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        record = entry.name.removesuffix(".error.txt")
        try:
            text = Path(entry.path).read_text(encoding="utf-8", errors="replace")
            when = datetime.fromtimestamp(entry.stat(follow_symlinks=False).st_mtime, timezone.utc)
        except OSError:
            continue
        body = text.split("\n\n", 1)[1].strip() if "\n\n" in text else text.strip()
        out.append(Rejected(record, when, body, _case_id_of(folder / record)))
    out.sort(key=lambda r: (r.when, r.name), reverse=True)
    return out


def _case_id_of(path: Path) -> str | None:
    """The record's case id when it is readable JSON with a well-formed ``case_id``; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        import stat
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(5 * 1024 * 1024 + 1)
    finally:
        os.close(fd)
    try:
        record: Any = safe_json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, safe_json.Unreadable, RecursionError, ValueError):
        return None
    case_id = record.get("case_id") if isinstance(record, dict) else None
    return case_id if isinstance(case_id, str) and safe_case_id(case_id) else None


def rejected_update(inbox: Path, outbox: Path, case_id: str) -> Rejected | None:
    """The case's latest record if it was rejected and no accepted one has followed it (the case
    store's note, ``case_store.rejected_update``), with its report from ``inbox/.rejected/``."""
    from correspondence.service.inbox import REJECTED

    note = case_store.rejected_update(outbox, case_id)
    if note is None:
        return None
    try:
        when = datetime.fromisoformat(note["arrived"])
    except ValueError:
        when = datetime.now(timezone.utc)
    report = note["report"]
    name = note["file"]
    folder = Path(inbox) / REJECTED
    path = folder / f"{name}.error.txt"
    if "/" not in name and "\\" not in name and name not in ("", ".", "..") and path.parent == folder \
            and not path.is_symlink():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
            report = text.split("\n\n", 1)[1].strip() if "\n\n" in text else text.strip()
        except OSError:
            pass
    return Rejected(name, when, report, case_id)


# --------------------------------------------------------------------------- drafts

def drafts(outbox: Path, case_id: str | None = None, as_of: date | None = None):
    """The drafts awaiting sign-off, oldest due first (``letters drafts``)."""
    from correspondence.service.signoff import list_drafts

    return list_drafts(outbox, case_id, as_of)


def with_signoff(outbox: Path, case: Case, result: Determination) -> tuple[Determination, dict]:
    """The case's letters with their sign-off status (draft, returned), and what each adds."""
    from correspondence.service.signoff import record_sha256, states
    from correspondence.service.signoff import with_signoff as mark

    return mark(result, states(outbox, case.case_id), record_sha256(case))


def signoff_events(outbox: Path, case_id: str) -> list[dict]:
    from correspondence.service.signoff import ledger_history

    return ledger_history(outbox, case_id)["signoff"]


# --------------------------------------------------------------------------- health

def health(inbox: Path) -> dict:
    from correspondence.service.inbox import DONE, pending

    last = None
    try:
        with os.scandir(Path(inbox) / DONE) as entries:
            newest = max((e.stat(follow_symlinks=False).st_mtime for e in entries if not e.name.startswith(".")),
                         default=None)
        if newest is not None:
            last = datetime.fromtimestamp(newest, timezone.utc).isoformat(timespec="seconds")
    except OSError:
        pass
    return {"status": "ok", "inbox_waiting": len(pending(inbox)), "last_processed": last}
