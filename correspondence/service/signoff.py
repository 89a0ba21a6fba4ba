"""Sign-off: letters a person decides (sign-off.md).

A letter with a hold is drafted in ``outbox/<case_id>/drafts/`` (a ``.docx``, a ``.pdf`` and a
manifest with ``"status": "draft"`` and its ``holds``), never where a print room reads
(``outbox/<case_id>/`` itself). A manager approves it (:func:`approve`: the letter is made again
from the case's current snapshot, dated the approval day, checked and filed with its ledger row in
one transaction) or returns it (:func:`return_draft`: discarded, not drafted again until a newer
record). Every draft, approval, return and replacement is a row of the ledger's ``signoff`` table
(hold codes and point numbers only; the sentences stay in the draft's manifest).

The functions take what the command line has (the rules book, a renderer of the templates
folder, the outbox), so the web pages call them as they are.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from correspondence.common.errors import PROBLEMS_FOUND, USAGE, CorrespondenceError
from correspondence.engine.case import Case, CaseError, safe_case_id
from correspondence.engine.due import Letter
from correspondence.engine.holds import CLEARED_BY_APPROVAL, Hold
from correspondence.service import case_store as store
from correspondence.service import ledger
from correspondence.service.outbox import case_folder, inside, make_folder, stem_for

DRAFTS = "drafts"
RETURNED = "returned"  # drafts/returned/<stem>.json: what a returned draft held, for the diary
SIGNERS = ("manager", "admin")


class SignOffRefused(CorrespondenceError):
    """Approval or return refused (exit 1); the message is one plain sentence."""

    exit_code = PROBLEMS_FOUND


class SignOffUsage(CorrespondenceError):
    """A usage error (exit 2), such as an --as-of outside the days allowed."""

    exit_code = USAGE


# --------------------------------------------------------------------------- what a draft is made from

def record_sha256(case: Case) -> str:
    """The record the letter is made from (a newer record with other content has another)."""
    return hashlib.sha256(json.dumps(case.raw, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8")).hexdigest()


def made_with(book, renderer, council: str, kind: str) -> dict:
    """The rules and templates a letter of ``kind`` would be made with now (their SHA-256)."""
    from correspondence.service.issuing import rules_sources
    return {**rules_sources(book, council), **renderer.sources(council, kind)}


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATES = re.compile(rf"\b(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?\d{{1,2}}"
                    rf"(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{4}}\b")
_PAGES = re.compile(r"\bPage\s+\d+\s+of\s+\d+\b")


def comparable_text(text: str) -> str:
    """A letter's words with every date and page number masked (what approval may move)."""
    return " ".join(_PAGES.sub("Page", _DATES.sub("DATE", text)).split())


def letter_text_sha256(rendered) -> str:
    if rendered.docx is not None and rendered.docx_parts:
        from correspondence.letters.content_check import docx_xml_text
        text = docx_xml_text(rendered.docx_parts)
    else:
        text = "\n".join(rendered.pdf_lines)
    return hashlib.sha256(comparable_text(text).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- state

Key = tuple[str, str, int | None, str]  # case id, letter, stage, trigger


@dataclass
class LetterState:
    """Where a letter stands in sign-off: ``draft`` (awaiting) or ``returned``."""
    status: str
    case_id: str
    letter: str
    stage: int | None
    trigger: str
    stem: str
    at: str
    tags: list[str]
    record: str | None
    holds: list[Hold] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    path: Path | None = None
    returned_by: str | None = None
    reason: str | None = None
    problem: str | None = None  # what is wrong with a draft's manifest, in a sentence (it cannot be approved)

    @property
    def made_with(self) -> dict:
        return self.manifest.get("made_with", {})

    def to_json(self) -> dict:
        out = {"status": self.status, "holds": [h.to_json() for h in self.holds]}
        if self.status == "draft":
            out["draft"] = self.stem
        else:
            out.update(returned_by=self.returned_by, returned_at=self.at, reason=self.reason)
        return out


def drafts_folder(outbox: Path, case_id: str) -> Path:
    return inside(Path(outbox) / case_id, Path(outbox) / case_id / DRAFTS)


def _read_manifest(path: Path) -> dict | None:
    return read_manifest(path)[0]


def read_manifest(path: Path) -> tuple[dict | None, str | None]:
    """A draft's manifest, or one sentence saying what is wrong with the file (a symbolic link is
    never followed: it reads as no file)."""
    from correspondence.letters.manifest import read

    try:
        shown = str(Path(path).relative_to(Path(path).parents[2]))  # <case>/drafts/<stem>.json
    except (ValueError, IndexError):
        shown = str(path)
    return read(path, follow=False, shown=shown)


def _read_returned(path: Path) -> dict:
    """What a returned draft held (drafts/returned/<stem>.json), or nothing when it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _holds(manifest: dict) -> list[Hold]:
    out = []
    holds = manifest.get("holds")
    for item in holds if isinstance(holds, list) else []:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            points = item.get("points")
            out.append(Hold(item["code"], str(item.get("sentence", "")),
                            tuple(p for p in points if isinstance(p, int)) if isinstance(points, list) else ()))
    return out


def _state(outbox: Path, row: dict, issued: set) -> LetterState | None:
    key = (row["case_id"], row["letter"], row["stage"] or 0, row["trigger"])
    if key in issued or row["event"] not in ("drafted", "returned"):
        return None
    folder = Path(outbox) / row["case_id"] / DRAFTS
    if row["event"] == "drafted":
        path = folder / f"{row['stem']}.json"
        manifest, problem = read_manifest(path)
        if manifest is None and problem is None:
            return None  # the draft's files are gone
        if manifest is not None and manifest["case_id"] != row["case_id"]:
            manifest, problem = None, (f"{row['case_id']}/{DRAFTS}/{row['stem']}.json: 'case_id' is "
                                       f"{manifest['case_id'][:64]!r}, not {row['case_id']}; expected the case "
                                       f"whose folder holds it.")
        # A damaged manifest is still the draft the ledger records: it shows as a draft, with what is
        # wrong with its file, and cannot be approved until it is made again (it can be returned).
        return LetterState("draft", row["case_id"], row["letter"], row["stage"], row["trigger"], row["stem"],
                           row["at"], row["holds"], row["record"], _holds(manifest or {}), manifest or {}, path,
                           problem=problem)
    manifest = _read_returned(folder / RETURNED / f"{row['stem']}.json")
    return LetterState("returned", row["case_id"], row["letter"], row["stage"], row["trigger"], row["stem"],
                       row["at"], row["holds"], row["record"], _holds(manifest), manifest, None,
                       row["by"], row["note"])


def _issued_keys(outbox: Path, case_id: str | None) -> set:
    return {(case_id_, x.letter, x.stage or 0, x.trigger) for case_id_, letters in (
        {case_id: ledger.issued_for(outbox, case_id)} if case_id else ledger.issued_by_case(outbox)).items()
        for x in letters}


def states(outbox: Path, case_id: str | None = None) -> dict[Key, LetterState]:
    """Every letter awaiting sign-off or returned, by (case id, letter, stage, trigger)."""
    latest: dict[tuple, dict] = {}
    for row in ledger.signoff_rows(outbox, case_id):
        latest[(row["case_id"], row["letter"], row["stage"], row["trigger"])] = row
    if not latest:
        return {}
    issued = _issued_keys(outbox, case_id)
    out = {}
    for key, row in latest.items():
        state = _state(outbox, row, issued)
        if state is not None:
            out[key] = state
    return out


def letter_state(outbox: Path, case_id: str, letter: Letter) -> LetterState | None:
    return states(outbox, case_id).get((case_id, letter.letter, letter.stage, letter.trigger))


# --------------------------------------------------------------------------- drafting

def _draft_stem(conn, case_id: str, stem: str) -> str:
    """The letter's name for the day, with ``~d2``, ``~d3``... for a second draft of it that day."""
    used = {r[0] for r in conn.execute("SELECT stem FROM signoff WHERE case_id = ? AND event = 'drafted' "
                                       "AND (stem = ? OR stem LIKE ?)", (case_id, stem, f"{stem}~d%"))}
    if stem not in used:
        return stem
    n = 2
    while f"{stem}~d{n}" in used:
        n += 1
    return f"{stem}~d{n}"


def _draft_paths(folder: Path, stem: str, exts) -> list[Path]:
    return [inside(folder, folder / f"{stem}.{ext}") for ext in [*exts, "json"]]


def _of_draft(name: str, stem: str) -> bool:
    """A file of draft ``stem``: ``<stem>.docx``, ``<stem>.pdf``, ``<stem>.json``, ``<stem>.enclosure.pdf``."""
    return name.startswith(f"{stem}.")


def remove_draft_files(outbox: Path, case_id: str, stem: str) -> list[Path]:
    folder = Path(outbox) / case_id / DRAFTS
    removed = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and not path.is_symlink() and _of_draft(path.name, stem):
            try:
                os.unlink(inside(folder, path))
                removed.append(path)
            except FileNotFoundError:
                pass
    return removed


def file_draft(outbox: Path, made, record_sha: str, current: LetterState | None) -> tuple[str, list[Path]] | None:
    """Draft ``made`` (a letter with holds) in ``drafts/`` and record it; a draft it replaces is
    recorded as replaced and removed. None if ``current`` already is this letter with these holds."""
    from correspondence.service.case_store import atomic_write_all

    tags = [h.tag for h in made.holds]
    if current is not None and current.manifest.get("text_sha256") == made.text_sha256 and current.tags == tags \
            and current.record == record_sha:
        return None
    filing = made.filing
    conn = ledger.shared(outbox)
    ledger.ensure_signoff(conn)
    written: list[Path] = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        latest = ledger.signoff_rows(outbox, filing.case_id, conn)
        mine = [r for r in latest if (r["letter"], r["stage"], r["trigger"]) == (filing.letter, filing.stage, filing.trigger)]
        if mine and mine[-1]["event"] == "drafted" and mine[-1]["record"] == record_sha and \
                (current is None or mine[-1]["stem"] != current.stem):
            conn.execute("ROLLBACK")  # another process drafted it from this record meanwhile
            return None
        if ledger.has(conn, filing.case_id, filing.letter, filing.stage, filing.trigger):
            conn.execute("ROLLBACK")
            return None
        stem = _draft_stem(conn, filing.case_id, made.stem)
        folder = make_folder(case_folder(outbox, filing.case_id) / DRAFTS)
        now = ledger.now()
        manifest = {**made.manifest, "status": "draft", "holds": [{**h.to_json(), **({"points": list(h.points)}
                                                                    if h.points else {})} for h in made.holds],
                    "drafted_at": now, "record_sha256": record_sha, "text_sha256": made.text_sha256,
                    "files": {ext: f"{stem}.{ext}" for ext in made.files}}
        if manifest.get("copies"):  # the complainant's copy is drafted beside the letter, under the draft's name
            manifest["copies"] = [{**c, "files": {ext: f"{stem}.{name[len(made.stem) + 1:]}" for ext, name in
                                                  c["files"].items()}} for c in manifest["copies"]]
        manifest["made_with"] = {**manifest.get("rules", {}), **manifest.get("templates", {})}
        paths = _draft_paths(folder, stem, made.files)
        data = [*made.files.values(), (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")]
        atomic_write_all(list(zip(paths, data)), written)
        if current is not None:
            ledger.signoff_event(conn, filing.case_id, filing.letter, filing.stage, filing.trigger, "replaced",
                                 current.stem, holds=current.tags, note=f"replaced by draft {stem}", at=now)
        ledger.signoff_event(conn, filing.case_id, filing.letter, filing.stage, filing.trigger, "drafted", stem,
                             holds=tags, record_sha=record_sha, at=now)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
            for path in written:
                path.unlink(missing_ok=True)
        raise
    if current is not None:
        remove_draft_files(outbox, filing.case_id, current.stem)
    return stem, written


NO_LONGER_DUE = "no longer due under the case's newer record"


def withdraw_undue_drafts(outbox: Path, case_id: str, due: set[tuple], record_sha: str) -> list[str]:
    """Drafts of ``case_id`` made from an older record whose letter the current record no longer
    needs (``due``: the (letter, stage, trigger) of every letter still due): each is recorded as
    replaced, "no longer due", and its files removed, so no manager is asked to sign a letter the
    case no longer needs. Returns their stems."""
    stale = [s for s in states(outbox, case_id).values()
             if s.status == "draft" and s.record != record_sha and (s.letter, s.stage, s.trigger) not in due]
    if not stale:
        return []
    conn = ledger.shared(outbox)
    ledger.ensure_signoff(conn)
    done = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        latest: dict[tuple, dict] = {}
        for row in ledger.signoff_rows(outbox, case_id, conn):
            latest[(row["letter"], row["stage"] or None, row["trigger"])] = row
        now = ledger.now()
        for state in stale:
            row = latest.get((state.letter, state.stage or None, state.trigger))
            if row is None or row["event"] != "drafted" or row["stem"] != state.stem:
                continue  # approved, returned or drafted again meanwhile
            ledger.signoff_event(conn, case_id, state.letter, state.stage, state.trigger, "replaced", state.stem,
                                 holds=state.tags, note=NO_LONGER_DUE, at=now)
            done.append(state.stem)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    for stem in done:
        remove_draft_files(outbox, case_id, stem)
    return done


def replaced_by_issue(current: LetterState, issued_stem: str):
    """The ledger row, written with the letter's own, for a draft a letter now issued replaces
    (its holds gone: a layout fixed, the rules no longer signing that kind off)."""
    def write(conn) -> None:
        ledger.signoff_event(conn, current.case_id, current.letter, current.stage, current.trigger, "replaced",
                             current.stem, holds=current.tags, issued_stem=issued_stem,
                             note=f"issued without sign-off as {issued_stem}")
    return write


def tidy_drafts(outbox: Path, conn) -> list[Path]:
    """Under the ledger's write lock (drafts are written under it too, so nothing here is being
    written): remove the files of drafts the ledger does not hold as awaiting (a crash after the
    files, before the row; or after a return, approval or replacement, before the files went),
    and temporary files left in ``drafts/``."""
    removed: list[Path] = []
    rows = ledger.signoff_rows(outbox, None, conn)
    latest: dict[tuple, dict] = {}
    for row in rows:
        latest[(row["case_id"], row["letter"], row["stage"], row["trigger"])] = row
    awaiting = {(r["case_id"], r["stem"]) for r in latest.values() if r["event"] == "drafted"}
    for folder in sorted(Path(outbox).glob(f"*/{DRAFTS}")):
        case_id = folder.parent.name
        if folder.is_symlink() or not folder.is_dir() or not safe_case_id(case_id):
            continue
        for path in folder.iterdir():
            if not path.is_file() or path.is_symlink():
                continue
            mine = any(c == case_id and _of_draft(path.name, stem) for c, stem in awaiting)
            if path.name.startswith(".tmp-") or not mine:
                try:
                    os.unlink(path)
                    removed.append(path)
                except FileNotFoundError:
                    pass
    return removed


# --------------------------------------------------------------------------- listing

@dataclass
class Draft:
    case_id: str
    stem: str
    letter: str
    stage: int | None
    trigger: str
    due: date | None  # None only for a draft whose manifest cannot be read (``problem``)
    drafted_at: str
    holds: list[Hold]
    manifest: Path
    pdf: Path | None
    docx: Path | None
    overdue: bool
    problem: str | None = None

    def to_json(self) -> dict:
        return {"case_id": self.case_id, "stem": self.stem, "letter": self.letter, "stage": self.stage,
                "trigger": self.trigger, "due": self.due.isoformat() if self.due else None,
                "drafted_at": self.drafted_at, **({"problem": self.problem} if self.problem else {}),
                "overdue": self.overdue, "holds": [h.to_json() for h in self.holds],
                "manifest": str(self.manifest), "pdf": str(self.pdf) if self.pdf else None,
                "docx": str(self.docx) if self.docx else None}


def list_drafts(outbox: Path, case_id: str | None = None, as_of: date | None = None) -> list[Draft]:
    """The drafts awaiting sign-off, oldest due first."""
    as_of = as_of or date.today()
    out = []
    for state in states(outbox, case_id).values():
        if state.status != "draft":
            continue
        m, folder = state.manifest, state.path.parent
        if state.problem:  # listed first, with what is wrong with its file
            out.append(Draft(state.case_id, state.stem, state.letter, state.stage, state.trigger, None, state.at,
                             [], state.path, None, None, False, state.problem))
            continue
        files = m["files"]
        due = date.fromisoformat(m["due"])
        out.append(Draft(state.case_id, state.stem, state.letter, state.stage, state.trigger, due,
                         m.get("drafted_at", state.at), state.holds, state.path,
                         folder / files["pdf"] if "pdf" in files else None,
                         folder / files["docx"] if "docx" in files else None, as_of > due))
    return sorted(out, key=lambda d: (d.due or date.min, d.drafted_at, d.case_id, d.stem))


def ledger_history(outbox: Path, case_id: str) -> dict:
    """Every letter issued and every sign-off event of ``case_id`` (``letters ledger show``)."""
    return {"case_id": case_id, "letters": ledger.letter_rows(outbox, case_id),
            "signoff": [{k: v for k, v in row.items() if k != "record"} for row in ledger.signoff_rows(outbox, case_id)]}


# --------------------------------------------------------------------------- approving and returning

@dataclass
class Approved:
    case_id: str
    draft: str
    stem: str
    paths: list[Path]
    by: str
    at: str
    holds_cleared: list[str]
    note: str | None


def _draft_for(outbox: Path, case_id: str, stem: str) -> LetterState:
    if not safe_case_id(case_id):
        raise SignOffUsage(f"CASE-ID {case_id!r} is not a valid case id: expected 1 to 64 letters, digits, '.', '_' "
                           f"or '-', starting with a letter or digit.")
    if "/" in stem or "\0" in stem or stem in ("", ".", ".."):
        raise SignOffUsage(f"STEM {stem!r} is not a draft's name: expected one 'letters drafts' lists.")
    for state in states(outbox, case_id).values():
        if state.stem == stem and state.status == "draft":
            return state
    replaced = [r for r in ledger.signoff_rows(outbox, case_id) if r["stem"] == stem and r["event"] != "drafted"]
    why = {"approved": "it was approved", "returned": "it was returned",
           "replaced": "a newer record replaced it"}.get(replaced[-1]["event"]) if replaced else None
    if replaced and replaced[-1]["event"] == "replaced" and replaced[-1]["note"] == NO_LONGER_DUE:
        why = "the case's newer record no longer needs it"
    raise SignOffRefused(f"{case_id}: no draft {stem} awaits sign-off" + (f" ({why})" if why else "")
                         + f"; 'letters drafts {case_id}' lists the drafts that do.")


def _signer(outbox: Path, by: str) -> str:
    by = (by or "").strip()
    if not by:
        raise SignOffUsage("--by: expected the name of who signs it off.")
    from correspondence.service import accounts
    if accounts.accounts_exist(outbox):
        role = accounts.role_of(outbox, by)
        if role not in SIGNERS:
            raise SignOffRefused(f"{by} may not sign off letters: {accounts.users_path(outbox)} "
                                 + (f"gives them the role {role}" if role else "has no account of that name")
                                 + "; a manager or admin signs letters off.")
    return by


def _check_case(outbox: Path, case_id: str, book) -> Case:
    rejected = store.rejected_update(outbox, case_id)
    if rejected is not None:
        raise SignOffRefused(f"{case_id}: the latest record for this case ({rejected.get('file')}) was rejected and "
                             f"no accepted record has followed it; send a corrected record before signing off.")
    path = store.stored_path(outbox, case_id)
    if not path.is_file():
        raise SignOffRefused(f"{case_id}: the case is not in the case store ({path}), so its letter cannot be made again.")
    try:
        return store.load_stored(path, {c: book.procedures(c) for c in book.councils})
    except CaseError as exc:
        raise SignOffRefused(exc.problems[0] if exc.problems else f"{path}: the stored record cannot be read.") from None


def approve(book, renderer, outbox: Path, case_id: str, stem: str, by: str, note: str | None = None,
            as_of: date | None = None, *, today: date | None = None) -> Approved:
    """Sign off draft ``stem`` of ``case_id``: make the letter again from the current snapshot, dated
    ``as_of`` (default today), check it, and file it with its ledger row, atomically and once."""
    from correspondence.engine.due import determine
    from correspondence.service.issuing import make_letter, policy_for
    from correspondence.service.outbox import file_letter

    outbox = Path(outbox)
    today = today or date.today()
    as_of = as_of or today
    state = _draft_for(outbox, case_id, stem)
    if state.problem:
        raise SignOffRefused(f"{case_id}: draft {stem} cannot be approved: {state.problem} Return it instead; it "
                             f"is drafted again when a newer record for the case arrives.")
    drafted_on = date.fromisoformat(state.manifest["letter_date"])
    if as_of < drafted_on or as_of > today:
        raise SignOffUsage(f"--as-of {as_of.isoformat()}: expected a day from {drafted_on.isoformat()}, when the draft "
                           f"was made, to today, {today.isoformat()}.")
    by = _signer(outbox, by)
    case = _check_case(outbox, case_id, book)
    policy = policy_for(book, case)
    issued = ledger.issued_for(outbox, case_id)
    result = determine(case, policy, issued, as_of)
    key = (state.letter, state.stage, state.trigger)
    letter = next((x for x in result.letters if (x.letter, x.stage, x.trigger) == key), None)
    what = f"the {state.letter}{f' stage {state.stage}' if state.stage else ''} letter ({state.trigger})"
    if letter is None or letter.status == "issued":
        raise SignOffRefused(f"{case_id}: {what} is no longer due on {as_of.isoformat()}"
                             + (" (it is already issued)" if letter is not None else " (the record no longer calls for it)")
                             + "; the draft is left as it was.")
    made = make_letter(book, renderer, case, policy, issued, result, letter, as_of,
                       stem_for(letter.letter, letter.stage, letter.trigger, as_of))
    if made.failures:
        raise SignOffRefused(f"{case_id}: {what} fails its checks when made again ({made.failures[0].sentence()}); "
                             f"the draft is left as it was.")
    stuck = [h for h in made.holds if h.code not in CLEARED_BY_APPROVAL]
    if stuck:
        raise SignOffRefused(f"{case_id}: approval cannot clear the {stuck[0].code} hold of {what}: "
                             f"{stuck[0].sentence}")
    if made.text_sha256 != state.manifest.get("text_sha256"):
        again = file_draft(outbox, made, record_sha256(case), state)
        redrafted = f"; it is drafted again as {again[0]}: read that one, then approve it" if again else ""
        raise SignOffRefused(f"{case_id}: {what} made again from the current record would differ from draft {stem} in "
                             f"more than its dates, and a manager signs what they read{redrafted}.")
    at = ledger.now()
    cleared = sorted(set(state.tags) | {h.tag for h in made.holds}, key=str)
    manifest = {**made.manifest, "signed_off_by": by, "signed_off_at": at, "holds_cleared": cleared,
                "drafted_as": stem, **({"sign_off_note": note} if note else {})}

    def also(conn) -> None:
        ledger.signoff_event(conn, case_id, state.letter, state.stage, state.trigger, "approved", stem, by=by,
                             holds=cleared, note=note, issued_stem=made.filing.stem, at=at)

    paths = file_letter(outbox, made.filing, made.files, manifest, also=also)
    if paths is None:
        raise SignOffRefused(f"{case_id}: {what} is already issued (another approval filed it first); "
                             f"'letters ledger show {case_id}' shows who signed it off.")
    remove_draft_files(outbox, case_id, stem)
    _refresh(outbox, case_id)
    return Approved(case_id, stem, made.filing.stem, paths, by, at, cleared, note)


def return_draft(outbox: Path, case_id: str, stem: str, by: str, reason: str, when: datetime | None = None) -> LetterState:
    """Discard draft ``stem`` and record who returned it, when and why; it is not drafted again
    until a newer record for the case arrives."""
    from correspondence.service.case_store import atomic_write

    outbox = Path(outbox)
    reason = " ".join((reason or "").split())
    if not reason:
        raise SignOffUsage("--reason: expected why the draft is returned, in a sentence.")
    state = _draft_for(outbox, case_id, stem)
    by = _signer(outbox, by)
    at = (when or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    conn = ledger.shared(outbox)
    kept = inside(drafts_folder(outbox, case_id) / RETURNED,
                  drafts_folder(outbox, case_id) / RETURNED / f"{stem}.json")
    try:
        conn.execute("BEGIN IMMEDIATE")
        rows = ledger.signoff_rows(outbox, case_id, conn)
        mine = [r for r in rows if (r["letter"], r["stage"], r["trigger"]) == (state.letter, state.stage, state.trigger)]
        if not mine or mine[-1]["event"] != "drafted" or mine[-1]["stem"] != stem:
            conn.execute("ROLLBACK")
            raise SignOffRefused(f"{case_id}: draft {stem} was approved, returned or replaced meanwhile; "
                                 f"'letters ledger show {case_id}' shows what happened.")
        make_folder(kept.parent)
        entry = {"case_id": case_id, "letter": state.letter, "stage": state.stage, "trigger": state.trigger,
                 "stem": stem, "holds": state.manifest.get("holds", []), "returned_by": by, "returned_at": at,
                 "reason": reason}
        atomic_write(kept, (json.dumps(entry, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        ledger.signoff_event(conn, case_id, state.letter, state.stage, state.trigger, "returned", stem, by=by,
                             holds=state.tags, note=reason, record_sha=state.record, at=at)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    remove_draft_files(outbox, case_id, stem)
    _refresh(outbox, case_id)
    return LetterState("returned", case_id, state.letter, state.stage, state.trigger, stem, at, state.tags,
                       state.record, state.holds, entry, None, by, reason)


def _refresh(outbox: Path, case_id: str) -> None:
    """Tell the diary's due index the case changed (a letter approved or returned)."""
    from correspondence.service import due_index
    due_index.refresh(outbox, case_id)


# --------------------------------------------------------------------------- in the diary

def with_signoff(result, found: dict[Key, LetterState], record_sha: str | None = None):
    """``result`` (a Determination) with each letter awaiting sign-off as ``draft`` and each
    returned one as ``returned`` (while no newer record has come: ``record_sha`` is the current
    record's), and the JSON each such letter adds (holds, who returned it...)."""
    from dataclasses import replace

    letters, extra = [], {}
    for x in result.letters:
        state = found.get((result.case_id, x.letter, x.stage, x.trigger))
        if state is not None and x.status != "issued" and (
                state.status == "draft" or record_sha is None or state.record == record_sha):
            key = (x.letter, x.stage, x.trigger)
            extra[key] = {**state.to_json(), **({"overdue": True} if result.as_of > x.due else {})}
            x = replace(x, status=state.status)
        letters.append(x)
    return replace(result, letters=tuple(letters)), extra


def diary_signoff(outbox: Path, results, councils=None):
    """``with_signoff`` for every case of the diary (one read of the ledger)."""
    found = states(outbox)
    if not found:
        return results, {}
    returned = {k[0] for k, s in found.items() if s.status == "returned"}
    shas: dict[str, str | None] = {}
    for case_id in returned:
        try:
            shas[case_id] = record_sha256(store.load_stored(store.stored_path(outbox, case_id), councils))
        except (CaseError, OSError, ValueError):
            shas[case_id] = None
    out, extras = [], {}
    for result in results:
        if not any(k[0] == result.case_id for k in found):
            out.append(result)
            continue
        result, extra = with_signoff(result, found, shas.get(result.case_id))
        out.append(result)
        extras.update({(result.case_id, *k): v for k, v in extra.items()})
    return out, extras


def redraft_case(book, renderer, outbox: Path, case: Case, as_of: date | None = None) -> list[str]:
    """After an accepted change to a stored record that renders nothing (``letters store``): each
    draft of the case the new record changes is drafted again, the old one recorded as replaced.
    A draft whose holds the record clears is left for the next render, which issues it. Returns
    the new drafts' stems."""
    from correspondence.engine.due import determine
    from correspondence.service.issuing import make_letter, policy_for

    current = [s for s in states(outbox, case.case_id).values() if s.status == "draft"]
    sha = record_sha256(case)
    current = [s for s in current if s.record != sha]
    if not current:
        return []
    as_of = as_of or date.today()
    policy = policy_for(book, case)
    issued = ledger.issued_for(outbox, case.case_id)
    result = determine(case, policy, issued, as_of)
    made_again = []
    for state in current:
        letter = next((x for x in result.pending if (x.letter, x.stage, x.trigger) ==
                       (state.letter, state.stage, state.trigger)), None)
        if letter is None:
            continue  # no longer due: withdrawn below
        made = make_letter(book, renderer, case, policy, issued, result, letter, as_of,
                           stem_for(letter.letter, letter.stage, letter.trigger, as_of))
        if made.failures or not made.holds:
            continue
        filed = file_draft(outbox, made, sha, state)
        if filed is not None:
            made_again.append(filed[0])
    withdraw_undue_drafts(outbox, case.case_id, {(x.letter, x.stage, x.trigger) for x in result.pending}, sha)
    return made_again
