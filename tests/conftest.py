"""What the tests share: the project's folders; records built by hand (``make``, ``ev``) or read from the
examples (``record``); the engine run with the real rules (``run``, ``rows``, ``deadline``, ``letter``,
``issued``); the ``letters`` command in process (``invoke``) and as a process (``letters``,
``start_watch``, ``stop``); an inbox and outbox (``dirs``); the ledger and files filed there; a Word
letter's parts; a record's field paths. Helpers are imported by name (``from conftest import ...``),
fixtures are asked for by name, and no test module imports another."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

from correspondence.engine.case import case_from_record
from correspondence.engine.due import Determination, Issued, determine
from correspondence.engine.rules import load_rulebook

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples" / "inbox"
EXPECTED = ROOT / "examples" / "expected"
TEMPLATES = ROOT / "templates"
# The councils: every rules file but the Housing Ombudsman Code (a floor, not a council), the Ombudsmen's
# details and the required content; a council added to rules/ is in every test that lists them.
NOT_COUNCILS = {"hos-2024", "ombudsmen", "required-content"}
COUNCILS = sorted(p.stem for p in RULES.glob("*.toml") if p.stem not in NOT_COUNCILS)

BASE = {
    "format": "complaint-case/1",
    "case_id": "T-1",
    "council": "telford-wrekin",
    "service_area": "Waste and Recycling",
    "complainant": {
        "title": "Ms", "given_name": "Aisha", "family_name": "Khan",
        "address": ["12 High Street", "Wellington", "Telford", "TF1 1AA"],
        "email": "aisha.khan@example.org", "phone": "07700 900123", "preferred_contact": "email",
    },
    "officer": {"name": "Sam Patel", "email": "sam.patel@example.org"},
    "complaint": {"received": "2026-11-02", "channel": "email", "summary": "Bins were missed."},
    "events": [],
}


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The suite keeps what it compiles in a cache folder of its own (never the user's), shared by
    the whole session and by the commands the tests run."""
    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get("CORRESPONDENCE_CACHE")
    os.environ["CORRESPONDENCE_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("CORRESPONDENCE_CACHE", None)
    else:
        os.environ["CORRESPONDENCE_CACHE"] = before


@pytest.fixture(scope="session")
def book():
    return load_rulebook(RULES)[0]


def make(council: str = "telford-wrekin", received: str = "2026-11-02", events=(), **fields) -> dict:
    """A valid record; ``fields`` replace top-level keys, ``complaint``/``complainant`` keys merge."""
    rec = copy.deepcopy(BASE)
    rec["council"] = council
    rec["complaint"]["received"] = received
    rec["events"] = [dict(e) for e in events]
    if council == "code-2024":
        rec["organisation"] = {"name": "Ashdown District Council", "team": "Complaints Team",
                               "address": ["Council Offices", "Market Square", "Ashdown", "AS1 1AA"],
                               "phone": "01234 567890", "email": "complaints@ashdown.example.org"}
    for key, value in fields.items():
        if key in ("complaint", "complainant") and isinstance(value, dict):
            rec[key].update(value)
        elif value is None:
            rec.pop(key, None)
        else:
            rec[key] = value
    return rec


def ev(id: str, type: str, day: str, **fields) -> dict:
    return {"id": id, "type": type, "date": day, **fields}


def run(book, rec: dict, as_of: str, issued=()) -> Determination:
    councils = {c: book.procedures(c) for c in book.councils}
    case = case_from_record(rec, "record.json", councils)
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    return determine(case, policy, issued, date.fromisoformat(as_of))


def one_error(book, rec: dict, as_of: str) -> str:
    """The one sentence the engine refuses the record with."""
    from correspondence.engine.case import CaseError
    with pytest.raises(CaseError) as err:
        run(book, rec, as_of)
    assert len(err.value.problems) == 1
    return err.value.problems[0]


def rows(result: Determination) -> list[tuple]:
    return [(x.letter, x.stage, x.trigger, x.due.isoformat(), x.status) for x in result.letters]


def deadline(result: Determination, kind: str, stage: int | None = None) -> str | None:
    found = [d.date.isoformat() for d in result.deadlines if d.kind == kind and d.stage == stage]
    assert len(found) <= 1, found
    return found[0] if found else None


def letter(result: Determination, name: str, stage: int | None = None):
    found = [x for x in result.letters if x.letter == name and (stage is None or x.stage == stage)]
    assert len(found) == 1, [x.letter for x in result.letters]
    return found[0]


def issued(letter: str, stage, day: str, trigger=None, delivery=None) -> Issued:
    return Issued(letter, stage, date.fromisoformat(day), trigger, delivery)


@pytest.fixture(scope="module")
def all_specimens(book):
    """A context for every (council, letter kind), from the example records, as of 20 November 2026."""
    from correspondence.letters.specimens import specimens
    return specimens(book, EXAMPLES, date(2026, 11, 20))


def context_for(all_specimens, council: str, kind: str) -> dict:
    """The template context of one specimen letter, as of 20 November 2026."""
    from correspondence.letters.context import build_context
    s = all_specimens[(council, kind)]
    return build_context(s.case, s.policy, s.result, s.letter, date(2026, 11, 20))


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache folder of the test's own (not yet made)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CORRESPONDENCE_CACHE", str(folder))
    return folder


@pytest.fixture(scope="module")
def renderer():
    """The renderer over the project's templates (compiled templates kept for the module)."""
    from correspondence.letters.render import Renderer
    return Renderer(ROOT / "templates")


# --------------------------------------------------------------------------- letters as pages

POSTAL = ["27 Longbridge Road", "Northfield", "Birmingham", "B31 2TU"]
LONG = ("We looked at the records of every visit made to the property between March and October, spoke to the "
        "officers who attended and read the notes of each telephone call you made to the contact centre.")


def postal(ctx: dict, large_print: bool) -> dict:
    """The letter as posted to its recipient, at normal or large print."""
    from correspondence.letters.context import WINDOW_LINES, keep_together, window_lines
    ctx = copy.deepcopy(ctx)
    ctx["large_print"] = large_print
    r = ctx["recipient"]
    r.update(channel="post", email="", address=POSTAL, first_line=POSTAL[0],
             window=keep_together(window_lines([r["name"], *POSTAL], WINDOW_LINES[large_print])))
    return ctx


def lengthen(ctx: dict) -> dict:
    """The same letter with very long content: long texts, four times as many of everything listed."""
    ctx = copy.deepcopy(ctx)

    def grow(value, key=""):
        if isinstance(value, str) and key not in ("by", "date", "method") and len(value) > 12 and " " in value:
            return f"{value} {LONG}"
        if isinstance(value, list):
            return [grow(v, key) for v in value] * 4
        if isinstance(value, dict):
            return {k: grow(v, k) for k, v in value.items()}
        return value

    ctx["complaint"]["summary"] = grow(ctx["complaint"]["summary"])
    for key in ("points", "outcomes_sought"):
        ctx["complaint"][key] = grow(ctx["complaint"][key]) or [LONG] * 4
    for section in ("acknowledgement", "extension", "outcome", "refusal", "withdrawal", "restriction", "not_accepted",
                    "holding", "consent", "discontinuation", "behaviour", "review"):
        if isinstance(ctx.get(section), dict):
            ctx[section] = {k: (grow(v, k) if isinstance(v, (list, str)) and k not in ("date", "decision") else v)
                            for k, v in ctx[section].items()}
    return ctx


# --------------------------------------------------------------------------- the letters command

def invoke(*args: str, outbox=None, templates=TEMPLATES, rules=RULES):
    """``letters ARGS`` run in this process (click's runner), with the project's rules and templates
    (or those given) and OUTBOX if given."""
    from click.testing import CliRunner

    from correspondence.cli import cli
    folders = ["--rules", str(rules), "--templates", str(templates)]
    if outbox is not None:
        folders += ["--outbox", str(outbox)]
    return CliRunner().invoke(cli, [*args, *folders])


LETTERS = [sys.executable, "-m", "correspondence.cli"]
FOLDER_ARGS = ["--rules", str(RULES), "--templates", str(TEMPLATES)]  # the project's rules and templates


def letters(*args, inbox, outbox, timeout=300, **kw):
    """``letters ARGS`` as a process of its own, over INBOX and OUTBOX."""
    return subprocess.run([*LETTERS, *args, *FOLDER_ARGS, "--inbox", str(inbox), "--outbox", str(outbox)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kw)


def start_watch(inbox, outbox, *extra):
    """``letters watch`` started over INBOX and OUTBOX, quick to settle, rescan and give up."""
    return subprocess.Popen([*LETTERS, "watch", *FOLDER_ARGS, "--inbox", str(inbox), "--outbox", str(outbox),
                             "--settle", "0.3", "--rescan", "2", "--give-up", "3", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc, sig=signal.SIGTERM):
    """Signal a started service and wait for it: (exit status, its stderr)."""
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err


def wait_for(condition, timeout=120):
    """True as soon as CONDITION() is, polling every 0.2 s; False after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


# --------------------------------------------------------------------------- inbox, outbox and ledger

def record(name="twc-2026-0201.json", case_id=None) -> dict:
    """An example record from examples/inbox/, under another case id if given."""
    data = json.loads((EXAMPLES / name).read_text())
    if case_id:
        data["case_id"] = case_id
    return data


def write(path: Path, data) -> Path:
    """DATA written to PATH: as JSON, or as it is if it is text."""
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def ledger(outbox):
    """The ledger's letters (case id, letter, stage, trigger), in order; none while it is not there."""
    if not (outbox / "ledger.sqlite3").exists():
        return []
    with sqlite3.connect(outbox / "ledger.sqlite3") as conn:
        try:
            return conn.execute("SELECT case_id, letter, stage, trigger FROM letters ORDER BY 1, 2, 3, 4").fetchall()
        except sqlite3.OperationalError:  # the service is creating the ledger this instant
            return []


def letter_files(outbox) -> list[Path]:
    """Every file filed in a case's folder of the outbox."""
    return sorted(p for p in outbox.glob("*/*") if p.is_file() and not p.parent.name.startswith("."))


COPY = ".copy."  # <stem>.copy.pdf and .docx: a complainant's large-print copy (docs/letters.md)


def without_copies(files: list[Path]) -> list[Path]:
    """The letters' own files, a complainant's large-print copies set aside, each of which is asserted
    to sit beside its own letter's manifest, as both its files (docs/letters.md, Copies to the
    complainant)."""
    copies = [p for p in files if COPY in p.name]
    for copied in copies:
        stem = copied.name.split(COPY)[0]
        assert copied.with_name(f"{stem}.json").is_file(), copied.name
        assert copied.with_name(f"{stem}.copy.pdf").is_file() and copied.with_name(f"{stem}.copy.docx").is_file()
    return [p for p in files if COPY not in p.name]


@pytest.fixture
def dirs(tmp_path):
    """An empty inbox and an outbox not yet made."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    return inbox, outbox


# --------------------------------------------------------------------------- Word letters

def members(data: bytes) -> dict[str, bytes]:
    """A .docx file's parts by name, each member's CRC checked."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None  # every member's CRC checks
        return {name: package.read(name) for name in package.namelist()}


def assert_same_letter(old: bytes, new: bytes) -> None:
    """Two .docx files with the same parts, in the same order, byte for byte."""
    a, b = members(old), members(new)
    assert list(a) == list(b)  # the same parts, in the same order
    for name in a:  # document.xml, styles.xml, numbering.xml, headers, footers, properties...
        assert a[name] == b[name], f"{name} differs"


def uncompiled_docx(renderer, council: str, kind: str, context: dict) -> bytes:
    """The letter as docxtpl makes it from the files, with no caching at all (the reference)."""
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    context = renderer.with_translations(context)  # the reader's language's line, from templates/translations.toml
    body = DocxTemplate(str(renderer.path("docx", council, kind)))
    body.render(context, env, autoescape=True)
    rendered_body = io.BytesIO()
    body.save(rendered_body)
    rendered_body.seek(0)
    base = DocxTemplate(str(renderer.path("docx", council, "_base")))
    base.render({**context, "body": base.new_subdoc(rendered_body)}, env, autoescape=True)
    out = io.BytesIO()
    base.save(out)
    return finished(out.getvalue(), context)


def finished(data: bytes, context: dict) -> bytes:
    """docxtpl's letter with the project's three finishing steps (word_render.py): Word's own
    non-breaking hyphens, addresses on one line in the body, the paragraph before "Yours
    sincerely" kept with it, created and modified set to the letter's date."""
    import re

    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from lxml import etree

    from correspondence.letters.word_render import finish_text, keep_with_closing, letter_datetime

    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    parts = members(data)
    document = etree.fromstring(finish_text(parts["word/document.xml"].decode("utf-8"), True).encode("utf-8"), parser)
    keep_with_closing(document.find(qn("w:body")))
    parts["word/document.xml"] = etree.tostring(document, encoding="UTF-8", standalone=True)
    rels = Document(io.BytesIO(data)).part.rels.values()
    for name in {rel.target_part.partname.membername for rel in rels if rel.reltype in (RT.HEADER, RT.FOOTER)}:
        part = etree.fromstring(finish_text(parts[name].decode("utf-8"), False).encode("utf-8"), parser)
        parts[name] = etree.tostring(part, encoding="UTF-8", standalone=True)
    written = letter_datetime(context)
    if written:
        stamp = written.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        parts["docProps/core.xml"] = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp,
                                            parts["docProps/core.xml"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, blob in parts.items():
            out.writestr(name, blob)
    return buffer.getvalue()


# --------------------------------------------------------------------------- a record's fields

def leaves(value, path=()):
    """Every field path of the record, objects and lists included, with the value there."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, path + (i,))


def replaced(record, path, value):
    """A copy of the record with the value at PATH replaced (the value itself for the empty path)."""
    rec = copy.deepcopy(record)
    if not path:
        return value
    target = rec
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return rec


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` made read-only for as long as the block runs, for root too: root ignores a
    folder's mode, so there the folder is bind-mounted onto itself read-only (as a read-only share
    or a remounted disk would be); anyone else gets mode 0500."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o500)
        try:
            yield folder
        finally:
            os.chmod(folder, 0o700)
        return
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def sign_off_all(outbox: Path, as_of: str, by: str = "Alex Manager") -> list:
    """A manager approves every draft awaiting sign-off in ``outbox``, dated ``as_of`` (sign-off.md):
    for tests whose subject is the letter as issued, not how it was held."""
    from correspondence.letters.render import Renderer
    from correspondence.service import signoff

    book = load_rulebook(RULES)[0]
    renderer = Renderer(ROOT / "templates")
    return [signoff.approve(book, renderer, outbox, d.case_id, d.stem, by, None, date.fromisoformat(as_of),
                            today=date.today())
            for d in signoff.list_drafts(outbox)]


def drafted(outbox):
    """The letters drafted and held for sign-off (docs/sign-off.md): (case, letter, stage, trigger) of each draft."""
    if not (outbox / "ledger.sqlite3").exists():
        return []
    with sqlite3.connect(outbox / "ledger.sqlite3") as conn:
        try:
            return conn.execute("SELECT case_id, letter, stage, trigger FROM signoff WHERE event = 'drafted' "
                                "ORDER BY 1, 2, 3, 4").fetchall()
        except sqlite3.OperationalError:
            return []


def rules_without_sign_off(folder: Path) -> Path:
    """A copy of the project's rules in which no letter kind is signed off (a council whose practice
    lets the service send its decisions): for tests about what one run issues, not about sign-off."""
    import shutil

    rules = Path(folder) / "rules"
    shutil.copytree(RULES, rules)
    path = rules / "code-2024.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[sign_off]\nletters = { value = [")
    end = text.index("]", start + len("[sign_off]\nletters = { value = ["))
    path.write_text(text[:start] + "[sign_off]\nletters = { value = [" + text[end:], encoding="utf-8")
    return rules


@pytest.fixture
def worked_out(monkeypatch):
    """The case ids the due index works out again (as opposed to reading them from its file)."""
    from correspondence.service import due_index

    seen = []
    real = due_index._work_out

    def counting(book, outbox, case_id, *args):
        seen.append(case_id)
        return real(book, outbox, case_id, *args)

    monkeypatch.setattr(due_index, "_work_out", counting)
    return seen
