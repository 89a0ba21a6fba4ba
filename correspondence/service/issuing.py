"""Issuing a case's due letters: determine, build the context, render, file, record.

After each letter is filed the case is determined again, so the next clocks use the letter's
real date (a stage 1 outcome issued today opens the escalation window today).

A letter with a hold (``engine.holds``: its kind is signed off, a late request, an unanswered
point, a date already past, or a postal letter that does not fit the window) is not filed: it is
drafted in ``outbox/<case_id>/drafts/`` and waits for a manager (``service.signoff``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from correspondence.common.wording import british
from correspondence.engine.case import Case
from correspondence.engine.due import Determination, Letter, determine
from correspondence.engine.due import Issued as IssuedLetter
from correspondence.engine.holds import Hold, holds_for, layout_hold
from correspondence.engine.recipient import copy_for
from correspondence.engine.required_content import required_items
from correspondence.engine.rules import OMBUDSMEN_FILE, REQUIRED_CONTENT_FILE, Policy, RuleBook
from correspondence.letters.content_check import check_texts, copy_view, docx_xml_text, from_record
from correspondence.letters.context import build_context
from correspondence.letters.render import Renderer, sha256_file
from correspondence.service import ledger
from correspondence.service.format_needs import actions_needed
from correspondence.service.outbox import Filing, file_failed, file_letter, stem_for


@dataclass
class Filed:
    letter: Letter
    stem: str
    paths: list[Path]


@dataclass
class IssueReport:
    case_id: str
    issued: list[Filed] = field(default_factory=list)
    planned: list[tuple[Letter, str]] = field(default_factory=list)  # --dry-run
    skipped: list[str] = field(default_factory=list)  # sentences: why a due letter was not written
    failed: list[tuple[Letter, list[Path], list[str]]] = field(default_factory=list)  # failed its checks
    drafted: list[Filed] = field(default_factory=list)   # drafted now, held for sign-off
    awaiting: list[tuple[Letter, str, list[str]]] = field(default_factory=list)  # every draft left waiting: stem, hold tags
    returned: list[tuple[Letter, str]] = field(default_factory=list)  # returned by a manager, not drafted again
    withdrawn: list[str] = field(default_factory=list)  # drafts of an older record the case no longer needs


@dataclass
class Made:
    """One letter made and checked, not yet filed."""
    letter: Letter
    stem: str
    files: dict[str, bytes]
    manifest: dict
    filing: Filing
    failures: list
    holds: list[Hold]
    text_sha256: str


def policy_for(book: RuleBook, case: Case) -> Policy:
    return book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)


def rules_sources(book: RuleBook, council: str) -> dict[str, str]:
    rf = book.files[council]
    paths = [rf.path] + ([book.files[rf.inherits].path] if rf.inherits else []) + [
        book.directory / OMBUDSMEN_FILE, book.directory / REQUIRED_CONTENT_FILE]
    # The bytes the book was read from (a file saved since does not change what the letter used).
    return {f"rules/{p.name}": book.digests.get(p.name) or sha256_file(p) for p in paths}


def delivery_for(result: Determination) -> str:
    """How the letter travels (it decides deemed receipt): email, else first-class post."""
    return "email" if result.recipient and result.recipient.channel == "email" else "first-class"


def manifest_for(case: Case, letter: Letter, letter_date: date, stem: str, context: dict, result: Determination,
                 book: RuleBook, template_sources: dict[str, str], formats: tuple[str, ...]) -> dict:
    recipient = context["recipient"]
    return {
        "case_id": case.case_id,
        "council": case.council,
        "letter": letter.letter,
        "stage": letter.stage,
        "trigger": letter.trigger,
        "letter_date": letter_date.isoformat(),
        "due": letter.due.isoformat(),
        "recipient": {"role": "complainant" if letter.letter == "consent-request" else result.recipient.role,
                      "name": recipient["name"], "channel": recipient["channel"],
                      "on_behalf_of": recipient["on_behalf_of"] or None},
        "delivery": delivery_for(result),
        "ombudsman_required": letter.ombudsman_required,
        "large_print": context["large_print"],
        # what a file cannot meet (letters actions), and an enclosure the post room must add by hand
        "actions_needed": actions_needed(case.complainant) + (
            [ENCLOSE_BY_HAND] if context["enclosure"]["needs_enclosing"] else []),
        "enclosures": enclosures_for(context, stem),
        # what the caseworker should look at before sending (points.py: unanswered complaint points)
        "warnings": ([letter.facts.unanswered] if letter.facts.unanswered else []) + stage_officer_warning(
            case, letter, context),
        "files": {ext: f"{stem}.{ext}" for ext in formats},
        "required_content": required_items(context, book.required_content),
        "rules": rules_sources(book, case.council),
        "templates": template_sources,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


COPY = "copy"  # a copy's files: <stem>.copy.docx and <stem>.copy.pdf, beside the letter's


def copy_entry(copy, context: dict, stem: str, book: RuleBook, formats: tuple[str, ...]) -> dict:
    """The manifest's entry for the complainant's large-print copy (its ``copies``): who it goes
    to (a role, never a name), how, its files, and what it must carry, as the letter's own."""
    return {"to": copy.role, "channel": copy.channel,
            "delivery": "email" if copy.channel == "email" else "first-class",
            "large_print": context["large_print"],
            "files": {ext: f"{stem}.{COPY}.{ext}" for ext in formats},
            "enclosures": enclosures_for(context, stem),
            "required_content": required_items(context, book.required_content)}


ENCLOSE_BY_HAND = "Enclose a copy of the policy"


def enclosure_name(context: dict, stem: str) -> str:
    """The outbox file beside the letter that holds its enclosure ("<stem>.enclosure.pdf"), or ""."""
    source = context["enclosure"]["source"]
    return f"{stem}.enclosure{Path(source).suffix.lower()}" if source else ""


def enclosures_for(context: dict, stem: str) -> list[dict]:
    """The manifest's ``enclosures``: what the letter says is enclosed, and the file that is it
    (None where a caseworker must enclose it: ``actions_needed`` then says so)."""
    enclosure = context["enclosure"]
    if not enclosure["enclosed"]:
        return []
    return [{"title": f"A copy of {enclosure['title']}", "file": enclosure_name(context, stem) or None,
             "source": f"rules/{enclosure['source']}" if enclosure["source"] else None}]


def enclosure_files(book: RuleBook, context: dict, stem: str) -> dict[str, bytes]:
    """The enclosure's bytes, to be filed beside the letter (keyed as the letter's other files are,
    by what follows the stem)."""
    name = enclosure_name(context, stem)
    if not name:
        return {}
    return {name[len(stem) + 1:]: (book.directory / context["enclosure"]["source"]).read_bytes()}


def stage_officer_warning(case: Case, letter: Letter, context: dict) -> list[str]:
    """A stage 2 or later letter signed by the record's own officer, the one who handled stage 1
    (named so on the stage's event): the manager should know the stage is not independent."""
    if (letter.stage or 0) >= 2 and not context["officer"]["team"] \
            and context["officer"]["name"] == case.raw["officer"]["name"]:
        return [f"The stage {letter.stage} letter is signed by the officer who handled stage 1 (the record's "
                f"officer, named again on the stage's event): stage {letter.stage} should be handled by someone "
                f"independent of stage 1."]
    return []


def record_texts(value) -> list[str]:
    """Every piece of text in a record (it reaches the letter only as data)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in record_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in record_texts(v)]
    return []


def check_rendered(manifest: dict, rendered, retired, record: tuple[str, ...] = ()) -> list:
    """The letter's own checks, on the letter about to be filed (docs/letters.md, docs/rules.md),
    read from what the renderer holds: the Word XML it filled and the PDF's laid-out text.
    Template marks the record's own text put there are noted in the manifest (``from_record``),
    so record text never fails a letter, here or in ``letters check``."""
    texts, names = {}, {}
    if rendered.docx is not None:
        texts["docx"], names["docx"] = docx_xml_text(rendered.docx_parts), manifest["files"]["docx"]
    if rendered.pdf is not None:
        texts["pdf"], names["pdf"] = "\n".join(rendered.pdf_lines), manifest["files"]["pdf"]
    marks = {fmt: found for fmt, text in texts.items() if (found := from_record(text, record))}
    if marks:
        manifest["from_record"] = marks
    return check_texts(manifest, texts, names, retired,
                       pdf_sizes=rendered.pdf_sizes if rendered.pdf is not None else None)


def as_issued(case: Case, policy: Policy, issued: list[IssuedLetter], letter: Letter, letter_date: date,
              delivery: str) -> Letter:
    """The letter as it stands once sent on ``letter_date``: the dates it quotes (the response
    date after an acknowledgement, the escalation window after an outcome) run from that day."""
    sent = IssuedLetter(letter.letter, letter.stage, letter_date, letter.trigger, delivery)
    after = determine(case, policy, [*issued, sent], letter_date)
    return next(x for x in after.letters
                if (x.letter, x.stage, x.trigger) == (letter.letter, letter.stage, letter.trigger))


# docs/rules.md#letters-never-contradict-one-another: an outcome going out in this run
# supersedes its stage's acknowledgement and extension not yet issued, so it goes first.
SUPERSEDED_BY_OUTCOME = ("acknowledgement", "extension")


def next_letter(pending: list[Letter]) -> Letter:
    """The letter to issue next: an outcome before the letters of its stage it makes untrue
    (once it is filed, the case is determined again and those are superseded), else the
    earliest due."""
    for x in pending:
        if x.letter == "outcome" and any(y.stage == x.stage and y.letter in SUPERSEDED_BY_OUTCOME for y in pending):
            return x
    return pending[0]


def _not_before(letter: Letter) -> date:
    """The first day a letter may go: a later stage's acknowledgement after a premature request
    never goes in the same post as the outcome (docs/rules.md#early-escalation)."""
    return letter.facts.not_before or date.min


def is_postal(manifest: dict) -> bool:
    return manifest.get("delivery") != "email"


def make_letter(book: RuleBook, renderer: Renderer, case: Case, policy: Policy, issued: list[IssuedLetter],
                result: Determination, letter: Letter, letter_date: date, stem: str,
                formats: tuple[str, ...] = ("docx", "pdf")) -> Made:
    """Make ``letter`` as it would be sent on ``letter_date``: render it, check it, find its holds."""
    from correspondence.service.signoff import letter_text_sha256

    letter = as_issued(case, policy, issued, letter, letter_date, delivery_for(result))
    context = build_context(case, policy, result, letter, letter_date)
    rendered = renderer.render(case.council, letter.letter, context, formats)
    files = {ext: getattr(rendered, ext) for ext in formats}
    files.update(enclosure_files(book, context, stem))
    manifest = manifest_for(case, letter, letter_date, stem, context, result, book, rendered.sources, formats)
    filing = Filing(case.case_id, letter.letter, letter.stage, letter.trigger, letter_date, delivery_for(result), stem)
    record = tuple(record_texts(case.raw))
    failures = check_rendered(manifest, rendered, book.retired, record)
    holds = holds_for(case, policy, letter, letter_date)
    layouts = [("", rendered.pdf)] if rendered.pdf is not None and is_postal(manifest) else []
    copy = copy_for(case, result.recipient, letter.letter)
    if copy is not None:  # docs/letters.md, Copies to the complainant: made, checked and filed with the letter
        copy_context = build_context(case, policy, result, letter, letter_date, copy)
        copied = renderer.render(case.council, letter.letter, copy_context, formats)
        files.update({f"{COPY}.{ext}": getattr(copied, ext) for ext in formats})
        entry = copy_entry(copy, copy_context, stem, book, formats)
        view = copy_view(manifest, entry)
        failures += check_rendered(view, copied, book.retired, record)
        if view.get("from_record"):
            entry["from_record"] = view["from_record"]
        manifest["copies"] = [entry]
        if copied.pdf is not None and copy.channel == "post":
            layouts.append(("in the complainant's large-print copy, ", copied.pdf))
    if layouts:  # docs/letters.md: Fit to post, Page breaks, as it is made
        from correspondence.letters.fit_to_post import post_problems
        hold = layout_hold([prefix + p for prefix, pdf in layouts for p in post_problems(pdf, True)])
        if hold is not None:
            holds.append(hold)
    return Made(letter, stem, files, manifest, filing, failures, holds, letter_text_sha256(rendered))


def issue_due_letters(book: RuleBook, renderer: Renderer, case: Case, outbox: Path, letter_date: date, *,
                      only: str | None = None, dry_run: bool = False,
                      formats: tuple[str, ...] = ("docx", "pdf")) -> IssueReport:
    """Write every letter of ``case`` that is due and not yet issued, dated ``letter_date``; draft
    those with a hold (never twice for the same record, and not again once returned)."""
    from correspondence.service import signoff

    policy = policy_for(book, case)
    report = IssueReport(case.case_id)
    tried: set[tuple] = set()
    planned: list[IssuedLetter] = []  # --dry-run: the letters it would have issued so far
    record_sha = signoff.record_sha256(case)
    while True:
        issued = ledger.issued_for(outbox, case.case_id) + planned
        result = determine(case, policy, issued, letter_date)
        pending = [x for x in result.pending if (only is None or x.letter == only)
                   and (x.letter, x.stage, x.trigger) not in tried]
        for waiting in [x for x in pending if _not_before(x) > letter_date]:
            pending.remove(waiting)
            tried.add((waiting.letter, waiting.stage, waiting.trigger))
            report.skipped.append(f"{case.case_id}: the stage {waiting.stage} {waiting.letter} waits until "
                                  f"{british(_not_before(waiting))}, so that it does not go in the same post as "
                                  f"the stage {waiting.stage - 1} outcome.")
        if not pending:
            break
        letter = next_letter(pending)
        tried.add((letter.letter, letter.stage, letter.trigger))
        stem = stem_for(letter.letter, letter.stage, letter.trigger, letter_date)
        state = signoff.letter_state(outbox, case.case_id, letter)
        if state is not None and state.status == "returned" and state.record == record_sha:
            report.returned.append((letter, state.stem))
            continue  # returned by a manager: not drafted again before a newer record
        current = state if state is not None and state.status == "draft" else None
        if current is not None and current.record == record_sha and current.made_with == signoff.made_with(
                book, renderer, case.council, letter.letter):
            report.awaiting.append((letter, current.stem, current.tags))
            continue  # drafted already from this record, rules and templates
        if dry_run:
            report.planned.append((letter, stem))
            planned.append(IssuedLetter(letter.letter, letter.stage, letter_date, letter.trigger, delivery_for(result)))
            continue
        made = make_letter(book, renderer, case, policy, issued, result, letter, letter_date, stem, formats)
        letter, manifest, filing, files = made.letter, made.manifest, made.filing, made.files
        if made.failures:
            sentences = [f.sentence() for f in made.failures]
            report.failed.append((letter, file_failed(outbox, filing, files, manifest, sentences), sentences))
            continue
        if made.holds:
            filed = signoff.file_draft(outbox, made, record_sha, current)
            if filed is None:  # the same letter with the same holds is drafted already
                report.awaiting.append((letter, current.stem, current.tags))
            else:
                report.drafted.append(Filed(letter, filed[0], filed[1]))
                report.awaiting.append((letter, filed[0], [h.tag for h in made.holds]))
            continue
        also = signoff.replaced_by_issue(current, stem) if current is not None else None
        paths = file_letter(outbox, filing, files, manifest, also=also)
        if paths is None:
            report.skipped.append(f"{case.case_id}: the {letter.letter} letter ({letter.trigger}) is already in the ledger.")
        else:
            report.issued.append(Filed(letter, stem, paths))
            if current is not None:
                signoff.remove_draft_files(outbox, case.case_id, current.stem)
    if only is None and not dry_run:
        report.withdrawn = signoff.withdraw_undue_drafts(
            outbox, case.case_id, {(x.letter, x.stage, x.trigger) for x in result.pending}, record_sha)
    if not result.letters and result.recipient is None:
        report.skipped.extend(f"{case.case_id}: {note}" for note in result.notes if "no letter can be sent" in note)
    return report
