"""The one context builder: everything a letter template may use, from (case, policy, letter, date).

Pure: no I/O. Dates are already written the British way ("18 November 2026"). Every top-level
name in :data:`CONTEXT_NAMES` is always present, so a template that uses a name outside it is
an error (``letters templates check``), and one that uses a section its letter does not have
fails loudly under StrictUndefined instead of printing a blank.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from correspondence.common.wording import british, language_name
from correspondence.engine.case import Case
from correspondence.engine.due import Determination, Letter, Recipient
from correspondence.engine.facts import LetterFacts, PrematureRequest
from correspondence.engine.recipient import signing_officer
from correspondence.engine.rules import Policy

CONTEXT_NAMES = frozenset({
    "council", "case_ref", "letter", "recipient", "complainant", "officer", "complaint", "ombudsman",
    "large_print", "extra", "acknowledgement", "extension", "outcome", "refusal", "withdrawal",
    "restriction", "not_accepted", "holding", "consent", "discontinuation", "behaviour", "review",
    "reader", "enclosure", "translations",
})

OUTCOME_WORDS = {"upheld": "upheld", "partly-upheld": "partly upheld", "not-upheld": "not upheld"}
METHOD_WORDS = {"phone": "by telephone", "email": "by email", "letter": "by letter", "in-person": "in person"}
CHANNEL_WORDS = {"phone": "by telephone", "in-person": "in person", "email": "by email", "letter": "by letter",
                 "web-form": "through our website", "social-media": "through social media", "other": ""}
GROUND_WORDS = {"out-of-time": "it was made too long after the events complained about",
                "excluded": "it is about a matter our complaints procedure does not cover",
                "previously-considered": "we have already considered the same matter",
                "legal-proceedings": "it is the subject of legal proceedings",
                "other": "it cannot be considered under our complaints procedure"}
VERBAL_CHANNELS = {"phone", "in-person"}
RELATIONSHIP_WORDS = {"councillor": "your councillor", "mp": "your MP", "advocate": "an advocate",
                      "relative": "a relative", "friend": "a friend", "solicitor": "a solicitor",
                      "advice-agency": "an advice agency", "other": "someone"}
# Words in a restriction that leave the person only writing to the council ("Contact by letter
# only", "only in writing"): the letter then gives the postal address (letters.md).
_WRITING = re.compile(r"\b(letters?|writing|written|post|postal)\b", re.IGNORECASE)
# Words that make a decider's description a role ("Service Manager"), not a person's name.
_ROLE = re.compile(r"\b(manager|head|director|officer|chief|executive|lead|leader|panel|team|committee|board|"
                   r"supervisor|assistant|senior|service|services|governance|customer)\b", re.IGNORECASE)
_DETERMINERS = ("a ", "an ", "the ", "our ", "my ")


def writing_only(restrictions: list[str]) -> bool:
    """A restriction that limits contact to writing (letters.md: give the postal address)."""
    return any(_WRITING.search(r) for r in restrictions)


def decided_sentence(decided_by: str) -> str:
    """Who decided, as a sentence: "A Service Manager decided this.", "The Head of Customer Services
    decided this.", "Jane Smith decided this." (letters.md: sentences, never "Decided by:")."""
    text = " ".join(str(decided_by).split()).rstrip(".")
    if not text:
        return ""
    if text.lower().startswith(_DETERMINERS):
        who = text[0].upper() + text[1:]
    elif text.lower().startswith(("head of", "director of", "chief", "assistant director")):
        who = f"Our {text}"  # a post the council has one of
    elif _ROLE.search(text):
        who = f"{'An' if text[0].lower() in 'aeiou' else 'A'} {text}"
    else:
        who = text
    return f"{who} decided this."


NBSP = "\u00a0"
ZWSP = "\u200b"        # a line may break here (after "@", "." or "/" in an address), and nowhere else in it
NB_HYPHEN = "\u2011"   # a hyphen no line breaks at: drawn as "-" (HTML: a no-wrap span; Word: w:noBreakHyphen)
# Kept on one line wherever they appear (letters.md, Page breaks): UK postcodes, telephone
# numbers and dates, their spaces made non-breaking.
_KEEP = re.compile(
    r"\b[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}\b"                       # postcodes: PR2 0ET
    r"|(?<![\w])(?:\+44 ?|0)\d{2,4}(?: \d{3,6}){1,2}(?![\w])"           # phones: 0300 061 0614
    r"|\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b")
# Email and web addresses (letters.md, Layout: no break at a space or hyphen
# inside one; one longer than its line wraps only after "@", "." or "/").
_ADDRESS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"                                        # customer.relationship@telford.gov.uk
    r"|(?<![\w@.-])(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*"
    r"\.(?:uk|com|org|net|gov|info|eu)\b(?:/[\w./%?=&#~+-]*[\w/])?")        # www.telford.gov.uk/complaints


def _address(text: str) -> str:
    """An email or web address that breaks only after "@", "." or "/": a zero-width break
    opportunity after each (not at its end), its hyphens non-breaking."""
    text = text.replace("-", NB_HYPHEN)
    return re.sub(r"(?<=[@./])(?=[^@./])", ZWSP, text)


def _keep_text(text: str) -> str:
    if ZWSP not in text and NB_HYPHEN not in text:  # not kept already
        text = _ADDRESS.sub(lambda m: _address(m.group(0)), text)
    return _KEEP.sub(lambda m: m.group(0).replace(" ", NBSP), text)


def plain(text: str) -> str:
    """``text`` as a reader types it again: the layout characters of :func:`keep_together` undone."""
    return text.replace(ZWSP, "").replace(NB_HYPHEN, "-").replace(NBSP, " ")


def keep_together(value: Any) -> Any:
    """``value`` with the spaces inside postcodes, phone numbers and dates made non-breaking, and
    email and web addresses breakable only after "@", "." or "/"."""
    if isinstance(value, str):
        return _keep_text(value)
    if isinstance(value, list):
        return [keep_together(v) for v in value]
    if isinstance(value, dict):
        return {k: keep_together(v) for k, v in value.items()}
    return value


# Letters after a name that a salutation leaves out ("Dear Sarah Jones", never "Dear Sarah Jones MP").
POST_NOMINALS = frozenset({
    "MP", "MSP", "MS", "AM", "MLA", "MEP", "JP", "DL", "KC", "QC", "MBE", "OBE", "CBE", "KBE", "DBE",
    "CH", "KG", "PC", "BEM", "QPM", "FRS", "PHD", "BA", "BSC", "MA", "MSC", "LLB", "LLM", "ESQ", "ESQ.",
})
# Up to this many lines in the envelope window: the name, an organisation and the address
# (GOV.UK Notify: 3 to 7 lines in 95.4 x 26.8 mm): six at 10pt, four in large print (16pt).
WINDOW_LINES = {False: 6, True: 4}


def person_name(person: Mapping[str, Any]) -> str:
    """The name as written on the envelope: ``name`` if the record gives one, else title, given, family."""
    if person.get("name"):
        return str(person["name"])
    parts = [person.get("title"), person.get("given_name"), person.get("family_name")]
    return " ".join(p for p in parts if p)


def short_name(person: Mapping[str, Any]) -> str:
    """"Ms Khan" where the record gives a title and family name, else the name in full."""
    if person.get("title") and person.get("family_name"):
        return f"{_title_for_salutation(str(person['title']))} {person['family_name']}"
    return without_post_nominals(person_name(person))


def organisation_of(person: Mapping[str, Any]) -> str:
    """The organisation a representative writes from, or "" where it only repeats their name in
    another order ("Luton Citizens Advice" of "Citizens Advice Luton"), never printed twice."""
    organisation = str(person.get("organisation") or "")
    def words(text: str) -> set[str]:
        return {w.strip(".,()").casefold() for w in text.split()} - {"", "the", "of"}
    return "" if words(organisation) == words(str(person.get("name") or "")) else organisation


def without_post_nominals(name: str) -> str:
    words = name.replace(",", " ").split()
    while len(words) > 1 and words[-1].upper().strip(".") in {w.strip(".") for w in POST_NOMINALS}:
        words.pop()
    return " ".join(words)


# Titles written out in a salutation ("Cllr" is "Councillor"), and those that take the given name
# (Sir, Dame) rather than the family name (letters.md, Salutations).
TITLE_WORDS = {"cllr": "Councillor", "cllr.": "Councillor", "councillor": "Councillor"}
GIVEN_NAME_TITLES = frozenset({"sir", "dame"})


def _title_for_salutation(title: str) -> str:
    """The word a salutation uses from a title: the last of several ("The Reverend Canon Dr": "Dr"),
    "Cllr" written "Councillor"."""
    words = title.replace(",", " ").split()
    if not words:
        return ""
    last = words[-1]
    return TITLE_WORDS.get(last.lower(), last)


def salutation(person: Mapping[str, Any]) -> str:
    """"Dear Ms Khan": the record's own ``salutation`` wins; else the title and family name ("Dear
    Councillor Bloggs" for "Cllr"; "Dear Sir Michael", "Dear Dame Judi" with the given name; "Dear Dr
    Holt" for "The Reverend Canon Dr"); else a title read off the name as written ("Cllr Jo Bloggs":
    "Dear Councillor Bloggs"); else "Dear" and the name without post-nominals ("Dear Sarah Jones")."""
    if person.get("salutation"):
        text = str(person["salutation"]).strip()
        return text if text.lower().startswith("dear ") else f"Dear {text}"
    title = _title_for_salutation(str(person.get("title") or ""))
    given, family = person.get("given_name"), person.get("family_name")
    if title and title.lower() in GIVEN_NAME_TITLES and given:
        return f"Dear {title} {str(given).split()[0]}"
    if title and family:
        return f"Dear {title} {family}"
    name = without_post_nominals(person_name(person))
    words = name.split()
    if len(words) >= 2 and words[0].lower() in TITLE_WORDS:
        return f"Dear Councillor {words[-1]}"  # "Cllr Jo Bloggs" with no name parts
    if len(words) >= 3 and words[0].lower() in GIVEN_NAME_TITLES:
        return f"Dear {words[0].capitalize()} {words[1]}"  # "Sir Jeremy Holt KC MP"
    return f"Dear {name}"


def possessive(name: str) -> str:
    return f"{name}'s"


def window_lines(lines: list[str], limit: int) -> list[str]:
    """At most ``limit`` lines for the envelope window, the last (the postcode) kept alone:
    the shortest neighbouring pair of the other lines is joined with a comma until it fits."""
    lines = [line for line in lines if line]
    if len(lines) <= limit or len(lines) < 3:
        return lines
    head, last = lines[:-1], lines[-1]
    while len(head) + 1 > limit and len(head) > 1:
        # the name stays on a line of its own while the address lines can be joined
        pairs = range(2, len(head)) if len(head) > 2 else range(1, len(head))
        i = min(pairs, key=lambda k: len(head[k - 1]) + len(head[k]))
        head[i - 1:i + 1] = [f"{head[i - 1]}, {head[i]}"]
    return head + [last]


def _once(lines: list[str]) -> list[str]:
    """Each line of the address window once: a case system often repeats the organisation as the
    first address line ("House of Commons" twice)."""
    seen: set[str] = set()
    out = []
    for line in lines:
        key = " ".join(str(line).split()).casefold()
        if line and key not in seen:
            seen.add(key)
            out.append(line)
    return out


def _recipient(case: Case, letter: Letter, recipient: Recipient, large_print: bool) -> dict:
    # A consent request always goes to the complainant: it asks whether someone may act for them.
    if letter.letter == "consent-request" or recipient.role == "complainant":
        person, on_behalf = case.complainant, None
    else:
        person, on_behalf = case.representative, person_name(case.complainant)
    channel = recipient.channel  # decided by the engine (due.recipient_for)
    email = person.get("email", "")
    address = list(person.get("address", []))
    name = person_name(person)
    organisation = organisation_of(person)
    if channel == "post":
        window = window_lines(_once([name, organisation, *address]), WINDOW_LINES[large_print])
    else:
        window = [name, organisation, f"By email: {email}"]
    return {
        "name": name,
        "organisation": organisation,
        "address": address if channel == "post" else [],
        "email": email if channel == "email" else "",
        "first_line": address[0] if channel == "post" else email,
        "window": [line for line in window if line],
        "channel": channel,
        "salutation": salutation(person),
        "on_behalf_of": on_behalf or "",
        "copy_of": "",  # a complainant's large-print copy: the sentence saying whose letter it copies
    }


def _reader(case: Case, recipient: dict) -> dict:
    """How a letter speaks of the complaint: to the complainant, "your complaint"; to a
    representative, "Ms Khan's complaint" (letters.md, Writing to a representative)."""
    complainant = case.complainant
    if not recipient["on_behalf_of"]:
        return {"representative": False, "your_complaint": "your complaint", "complainant": "you",
                "complainant_full": "", "on_behalf": "", "or_directly": "", "first_knew": "you first knew"}
    short = short_name(complainant)
    # Who may act, each named once: "you can ask ... on Ms Khan's behalf, or Ms Khan can ask us directly".
    return {"representative": True, "your_complaint": f"{possessive(short)} complaint", "complainant": short,
            "complainant_full": person_name(complainant),
            "on_behalf": f" on {possessive(short)} behalf", "or_directly": f", or {short} can ask us directly",
            "first_knew": f"{short} first knew"}


def logo_for(policy: Policy) -> dict | None:
    """The letterhead's logo (rules ``council.logo``): its file, the SHA-256 of its bytes and the
    size it is drawn at in mm (common/image.py: within 110 x 23 mm, its aspect kept); None for none."""
    import hashlib

    from correspondence.common.image import ImageProblem, box_mm, read_logo
    from correspondence.engine.rules import logo_path

    name = policy.value("council.logo") or ""
    path = logo_path(policy.directory, name) if name and policy.directory else None
    if path is None:
        return None
    try:
        data, _, width, height = read_logo(path)
    except ImageProblem:
        return None  # refused by the rules' validation: never drawn
    w, h = box_mm(width, height)
    return {"path": str(path), "uri": path.as_uri(), "sha256": hashlib.sha256(data).hexdigest(),
            "width_mm": w, "height_mm": h}


def _council(policy: Policy, organisation: Mapping[str, Any], officer: Mapping[str, str]) -> dict:
    """Who writes: the rules file's ``[council]``, each value overridden by the record's ``organisation``."""
    v = policy.value

    def pick(key: str, rules_key: str) -> Any:
        return organisation[key] if organisation.get(key) else v(rules_key)

    council = {"name": organisation.get("name") or policy.name, "team": pick("team", "council.team"),
               "address": list(pick("address", "council.address") or []), "phone": pick("phone", "council.phone"),
               "email": pick("email", "council.email"), "web": pick("web", "council.web"),
               "interpreting_phone": v("council.interpreting_phone"), "logo": logo_for(policy)}
    team = council["team"] or "our complaints team"
    # Somewhere a reader can actually write to: the team's email or address, else the officer's.
    if council["email"]:
        write_to = f"the {team} at {council['email']}" if council["team"] else council["email"]
    elif council["address"]:
        postal = ", ".join([council["name"], *council["address"]])  # an address to post to names the council
        write_to = f"the {team}, {postal}" if council["team"] else postal
    elif officer.get("email"):
        write_to = f"{officer['name']} at {officer['email']}"
    else:
        write_to = f"{officer['name']} on {officer.get('phone', '')}"
    council["write_to"] = write_to
    # Where a letter must give a postal address (contact restricted to writing; an appeal in writing).
    council["postal"] = ", ".join([x for x in (council["team"], council["name"]) if x] + council["address"]) \
        if council["address"] else ""
    council["postal_address"] = ", ".join([council["name"], *council["address"]]) if council["address"] else ""
    council["contact"] = (council["phone"] or council["email"] or (council["address"][-1] if council["address"] else "")
                          or officer.get("email") or officer.get("phone", ""))
    return council


def time_limit_for(text: str, reader: Mapping[str, Any]) -> str:
    """The Ombudsman's time limit as said to the reader: to a representative it is the
    complainant's knowledge that counts ("when Ms Khan first knew"), not "you"."""
    if not reader.get("representative"):
        return text
    return (text.replace("expects you to complain", "expects a complaint")
                .replace("expects you to refer your complaint", "expects the complaint to be referred")
                .replace("you first knew", reader["first_knew"]))


def _findings(findings: list[Mapping[str, Any]], points: list[str]) -> list[dict]:
    """Each finding with the heading it is printed under: "Point 2: what we found" where it answers
    the complaint's point 2 (by its text or its number), otherwise its own words; each point is
    printed once, numbered, under "The complaint" (review F4)."""
    numbers = {" ".join(text.split()).casefold(): n for n, text in enumerate(points, start=1)}
    out = []
    for item in findings:
        key = " ".join(str(item.get("point", "")).split()).casefold()
        n = numbers.get(key) or (int(key) if key.isdigit() and 1 <= int(key) <= len(points) else None)
        out.append({**item, "heading": f"Point {n}: what we found" if n else str(item.get("point", ""))})
    return out


_ENDS_SENTENCE = (".", "!", "?", ".\u201d", "?\u201d", "!\u201d", '."', '?"', '!"', ".)")


def sentence(text: str | None) -> str:
    """Record text printed as a sentence of its own: ended with a full stop where the case system
    left it off ("No reply to three attempts" reads "No reply to three attempts.")."""
    text = " ".join(str(text or "").split())
    return text if not text or text.endswith(_ENDS_SENTENCE) else f"{text}."


def in_sentence(text: str | None) -> str:
    """Record text placed inside a sentence of the letter's, which ends it: its own full stop left
    off, so the letter never prints two ("claim..").
    """
    text = " ".join(str(text or "").split())
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def date_passed(done: str) -> str:
    """The one sentence every letter gives after a date it had promised that is now past (a
    response date, a restriction's review date), such as "That date has passed, and I am sorry
    that we have not yet responded."
    """
    return f"That date has passed, and I am sorry that we have not yet {done}."


def _later_review(case: Case, after: Any, letter_date: date) -> date | None:
    """The date of the first restriction review recorded after ``after`` (a restriction or an
    earlier review) and on or before ``letter_date``, before any later restriction; else None."""
    if after is None:
        return None
    for e in sorted(case.events, key=lambda e: (e.date, e.index)):
        if (e.date, e.index) <= (after.date, after.index):
            continue
        if e.date > letter_date or e.type == "restriction":
            return None
        if e.type == "restriction_review":
            return e.date
    return None


def restriction_period(ends: date | None, review: date | None, letter_date: date,
                       reviewed_on: date | None) -> dict:
    """How long restrictions last, as a letter dated ``letter_date`` can truthfully put it: a review
    already past is never promised (it says so, apologises and reviews them as soon as possible), a
    review already held is named (its outcome goes in its own letter), an end date already past says
    they no longer apply; a review on or after the end date is no review: they lapse then."""
    before_end = review is not None and ends is not None and review < ends
    ended = reviewed_on is None and ends is not None and ends < letter_date
    review_before_end = before_end and not ended
    return {"ends": british(ends), "review_before_end": review_before_end,
            "review": british(review) if review_before_end else "",
            "review_passed": review_before_end and reviewed_on is None and review < letter_date,
            "reviewed_on": british(reviewed_on), "ended": ended,
            "lapses": not before_end and not ended and reviewed_on is None,
            "passed": date_passed("done so")}


def reply_period(policy: Policy, key: str) -> str:
    """The policy's own period for answering what a reader sends back ("5 working days"), from the
    clock ``key`` (a ``same_as`` or ``wd_of`` followed to the clock it names); "" where the policy
    gives none, so a letter never promises a period the policy does not set (review F8)."""
    section = key.rsplit(".", 1)[0]
    for _ in range(3):
        if not policy.has(key):
            return ""
        clock = policy.clock(key)
        kind = getattr(clock, "kind", "none")
        if kind in ("same_as", "wd_of"):
            key = clock.ref if "." in clock.ref else f"{section}.{clock.ref}"
            continue
        unit = {"wd": "working day", "days": "day"}.get(kind)
        amount = getattr(clock, "amount", 0)
        return f"{amount} {unit}{'' if amount == 1 else 's'}" if unit and amount > 0 else ""
    return ""


def reply_sentence(period: str, what: str) -> str:
    """What happens when a reader sends a reason back: "We will write to you within 5 working days
    of hearing from you, either ...", or with no period where the policy gives none."""
    return (f"We will write to you within {period} of hearing from you, {what}." if period
            else f"We will then write to you, {what}.")


def translations_for(complainant: Mapping[str, Any], to_complainant: bool) -> list[dict]:
    """The reader's languages (``language:pl`` needs) for the line that says a translation is on its
    way (review F11): the English sentence here; the line in the reader's language is the council's
    wording, filled in by the renderer from ``templates/translations.toml`` (none: English only)."""
    if not to_complainant:
        return []  # the complainant's need: a representative reads the letter as it is
    out = []
    for need in complainant.get("format_needs") or []:
        if not str(need).startswith("language:"):
            continue
        code = str(need).split(":", 1)[1]
        name = language_name(code)
        language = "the language you asked for" if name.startswith("the language") else name
        out.append({"code": code, "english": f"We will send you this letter in {language}.",
                    "line": "", "rtl": False})
    return out


def window_words(clock: Any, stage: int) -> str:
    """The escalation window's rule in words: "within 20 working days of receiving our stage 1 response"."""
    kind, amount = getattr(clock, "kind", "none"), getattr(clock, "amount", 0)
    unit = {"wd": "working day", "days": "day", "months": "month"}.get(kind)
    if not unit:
        return ""
    return f"within {amount} {unit}{'' if amount == 1 else 's'} of receiving our stage {stage} response"


def _dates(items: list[Mapping[str, Any]], key: str) -> list[dict]:
    return [{**item, key: british(date.fromisoformat(item[key]) if isinstance(item[key], str) else item[key])}
            for item in items]


def _premature_words(facts: PrematureRequest | None) -> dict | None:
    if not facts:
        return None
    return {"request_date": british(facts.request_date), "taken_as": british(facts.taken_as),
            "ack_date": british(facts.ack_due)}


def _sections(case: Case, policy: Policy, letter: Letter, letter_date: date) -> dict:
    """The letter kind's own section; the others stay None."""
    f = letter.facts
    event = next((e for e in case.events if e.id == letter.trigger), None)
    kind = letter.letter
    s: dict[str, Any] = {}
    if kind == "acknowledgement":
        request_or_reopen = event if event and event.type in ("escalation_request", "reopened") else None
        # docs/rules.md#letters-never-contradict-one-another: sent after its response date, it says so and apologises, and gives
        # the later date where there is one, otherwise "as soon as possible"; never a date past.
        due, first = f.response_due, f.first_response_due or f.response_due
        late = first is not None and letter_date > first
        s["acknowledgement"] = {
            "received_date": british(request_or_reopen.date if request_or_reopen else case.received),
            "response_date": (british(due) if not late or due >= letter_date else "as soon as possible"),
            "late": late, "first_response_date": british(first) if late else "", "passed": date_passed("responded"),
            "later_date": late and due >= letter_date,
            "request_date": british(event.date) if event and letter.stage > 1 and event.type == "escalation_request" else "",
            "request_reasons": list(f.request_reasons),
            "reopened": bool(event and event.type == "reopened"),
            "reopened_date": british(event.date) if event and event.type == "reopened" else "",
            "made_by": "",  # set in build_context when a representative made it and the letter goes to the complainant
        }
    elif kind == "extension":
        # sent after its own new date (a late letter), it never promises that date: it says it has
        # passed, apologises and gives "as soon as possible" (as the acknowledgement does)
        s["extension"] = {"previous_date": british(f.previous_due), "new_date": british(f.new_due),
                          "reason": sentence(f.reason), "past_limit": f.past_limit,
                          "new_date_passed": f.new_due is not None and f.new_due < letter_date,
                          "passed": date_passed("responded")}
    elif kind == "outcome":
        d = event.data
        s["outcome"] = {
            "final": f.final, "decision": d["outcome"], "decision_words": OUTCOME_WORDS[d["outcome"]],
            "findings": _findings(d["findings"], case.raw["complaint"].get("points", []) or []),
            "numbered_points": [f"Point {n}: {text}" for n, text in
                                enumerate(case.raw["complaint"].get("points", []) or [], start=1)],
            "remedies": list(d["remedies"]),
            "actions": _dates([dict(x) for x in d["outstanding_actions"]], "by"),
            "learning": ([d["learning"]] if isinstance(d.get("learning"), str) else list(d.get("learning") or [])),
            "next_stage": letter.stage + 1,
            # a response later than its due date says so and apologises (review F6; Code 2024 5.5)
            "late": letter_date > letter.due,
            # the children's statutory procedure: a child can have an advocate at stage 2 (review F14)
            "advocacy": case.procedure == "childrens" and not f.final,
            # a request already made: no window to invite one by (the premature paragraph instead)
            "window_closes": "" if f.premature_request else british(f.window_closes),
            # docs/rules.md#early-escalation: after a premature request, the outcome does not invite it again
            "premature": _premature_words(f.premature_request),
            # Solihull and Hampshire give the Ombudsman's details with a stage 1 response: the
            # reader must know the Ombudsman normally expects the procedure to be finished first.
            "ombudsman_before_end": (not f.final) and letter.ombudsman_required,
            # The statutory Housing Ombudsman Code (6.11-6.13): a resident need not say why they escalate.
            "reasons_optional": case.housing_tenancy,
        }
    elif kind == "escalation-refusal":
        previous = letter.stage - 1
        key = f"stage{previous}.escalation_window"
        out_of_window = f.out_of_window
        # The council's reasons: its own for a refusal; the rule and the dates when out of window.
        # What the complainant said in asking is theirs, never presented as the council's.
        s["refusal"] = {"request_date": british(f.request_date), "out_of_window": out_of_window,
                        "window_closes": british(f.window_closes),
                        "reasons": [] if out_of_window else list(f.reasons),
                        "their_reasons": list(f.reasons) if out_of_window else [],
                        "rule_words": window_words(policy.clock(key), previous) if policy.has(key) else "",
                        "previous_stage": previous,
                        # a reason sent back is a request again: answered within the policy's time for
                        # answering a request (its refusal clock, else the stage's acknowledgement)
                        "reply": reply_sentence(
                            reply_period(policy, f"stage{letter.stage}.escalation_refusal")
                            or reply_period(policy, f"stage{letter.stage}.acknowledgement"),
                            f"either to take the complaint to stage {letter.stage} or to explain why we cannot")}
    elif kind == "withdrawal-confirmation":
        s["withdrawal"] = {"date": british(f.withdrawn_on), "method_words": METHOD_WORDS[f.method]}
    elif kind == "restriction-notice":
        # a notice written late never promises a review or an end already past (restriction_period)
        s["restriction"] = {"date": british(event.date), "behaviours": list(f.behaviours),
                            "restrictions": list(f.restrictions),
                            **restriction_period(f.ends, f.review, letter_date,
                                                 _later_review(case, event, letter_date)),
                            "challenge": f.challenge,
                            "decided_by": f.decided_by, "decided": decided_sentence(f.decided_by),
                            "appeal_to": policy.value("restrictions.appeal_to"),
                            "writing_only": writing_only(f.restrictions)}
    elif kind == "not-accepted":
        out_of_time = f.ground == "out-of-time" and f.time_limit_ends is not None
        s["not_accepted"] = {"out_of_time": out_of_time, "ground_words": GROUND_WORDS[f.ground or "other"],
                             "reasons": list(f.reasons), "alternative_route": sentence(f.alternative_route),
                             "first_aware": british(f.first_aware), "time_limit_ends": british(f.time_limit_ends),
                             "months": f.months,
                             # a reason sent back is answered as the complaint was: within the time
                             # the policy gives for the not-accepted letter (its acknowledgement days)
                             "reply": reply_sentence(reply_period(policy, "notices.not_accepted"),
                                                     "either to accept the complaint and tell you when to expect "
                                                     "our response, or to explain why we cannot"),
                             # the policy's own words for its limit (rules: limits.time_limit_words)
                             "rule": f.time_limit_words or (
                                 f"within {f.months} months of when the person complaining first knew "
                                 f"about the matter")}
    elif kind == "holding":
        s["holding"] = {"reason": sentence(f.reason), "other_procedure": in_sentence(f.other_procedure),
                        "expected_resume": british(f.expected_resume), "stage": f.stage}
    elif kind == "consent-request":
        rep = case.representative
        exempt = rep["relationship"] in (policy.value("representatives.consent_exempt") or ()) and not case.cse
        s["consent"] = {"representative": rep["name"], "organisation": organisation_of(rep),
                        "relationship": rep["relationship"],
                        "representative_short": short_name(rep) if rep.get("family_name") else without_post_nominals(rep["name"]),
                        "relationship_words": RELATIONSHIP_WORDS.get(rep["relationship"], "someone"),
                        # Luton Part 1 §15: a constituent's councillor or MP may be sent letters about the
                        # complaint meanwhile; sharing anything more needs the complainant's consent.
                        "letters_shared": exempt}
    elif kind == "discontinuation":
        s["discontinuation"] = {"attempts": [{"date": british(a.date), "method": METHOD_WORDS[a.method]}
                                             for a in f.attempts], "reason": sentence(f.reason)}
    elif kind == "behaviour-warning":
        s["behaviour"] = {"behaviours": list(f.behaviours)}
    elif kind == "restriction-review":
        lifted = f.outcome == "lifted"
        period = restriction_period(f.ends, f.next_review, letter_date, _later_review(case, event, letter_date))
        period["next_review"] = period.pop("review")
        s["review"] = {"outcome": f.outcome, "lifted": lifted,
                       "decision_word": {"lifted": "lift", "maintained": "keep", "modified": "change"}[f.outcome],
                       "restrictions": list(f.restrictions),
                       # the day of the review, which the letter names: a letter written later never says "today"
                       "date": british(event.date), "today": event.date == letter_date,
                       **period,
                       "challenge": (f.challenge or ""),
                       "appeal_to": "" if lifted else policy.value("restrictions.appeal_to"),
                       "writing_only": (not lifted) and writing_only(f.restrictions)}
    return s


def letter_title(kind: str, stage: int | None, facts: LetterFacts, reader: Mapping[str, Any]) -> str:
    """The letter's heading, also its document title in both formats."""
    yours = reader["your_complaint"]
    if kind == "acknowledgement":
        return f"We have received {yours}" if (stage or 1) == 1 else f"Request for a stage {stage} review of {yours}"
    if kind == "outcome":
        return f"Our final response to {yours}" if facts.final else f"Our stage {stage} response to {yours}"
    return {
        "extension": f"We need more time to respond to {yours}",
        "escalation-refusal": f"Request for a stage {stage} review of {yours}",
        "withdrawal-confirmation": f"Withdrawal of {yours}",
        "restriction-notice": "Restrictions on your contact with the council",
        "not-accepted": "A complaint we cannot consider under our complaints procedure",
        "holding": f"{yours[0].upper()}{yours[1:]} is on hold",
        "consent-request": "A complaint made on your behalf",
        "discontinuation": f"We have closed {yours}",
        "behaviour-warning": "Your contact with the council",
        "restriction-review": "Review of the restrictions on your contact with the council",
    }.get(kind, kind.replace("-", " ").capitalize())


def _officer(person: Mapping[str, Any] | None, council: Mapping[str, Any]) -> dict:
    """The signatory's name and contact; the complaints team's when no officer signs."""
    if person is not None:
        officer = {k: str(person.get(k, "")) for k in ("name", "job_title", "email", "phone")}
        officer.update(team=False, subject=officer["name"], ask=officer["name"])
        officer["reach"] = (f"{officer['name']} at {officer['email']}" if officer["email"]
                            else f"{officer['name']} on {officer['phone']}")
    else:
        team = council["team"] or "Complaints Team"
        officer = {"name": team, "job_title": "", "email": council["email"], "phone": council["phone"],
                   "team": True, "subject": f"Our {team}", "ask": f"our {team}"}
        officer["reach"] = (f"the {team} at {council['email']}" if council["email"]
                            else f"the {team} on {council['phone']}" if council["phone"]
                            else council["write_to"])
    officer["contact"] = officer["email"] or officer["phone"]
    return officer


POLICY_TITLE = "our policy on unreasonable behaviour"


def enclosure_for(policy: Policy, kind: str) -> dict:
    """The behaviour policy a letter refers to (letters.md, Enclosures are real): enclosed as the
    file the rules name, or given as a web address, or (where the policy requires it and the
    council gives neither) promised as enclosed with a caseworker asked to enclose it."""
    from correspondence.engine.rules import is_web_address

    if kind not in ("restriction-notice", "behaviour-warning"):
        return {"mentioned": False, "enclosed": False, "web": "", "source": "", "needs_enclosing": False,
                "title": POLICY_TITLE}
    source = policy.value("council.behaviour_policy") or ""
    required = kind in (policy.value("restrictions.policy_enclosed_with") or ())
    web = source if is_web_address(source) else ""
    file = source if source and not web else ""
    enclosed = bool(file) or (required and not web)
    # source: the file in the rules folder the service copies beside the letter
    return {"mentioned": True, "enclosed": enclosed, "web": web, "source": file,
            "needs_enclosing": enclosed and not file, "title": POLICY_TITLE}


def consent_reply(result: Determination, letter_date: date) -> dict:
    """When the complainant's consent is wanted by (review F10): the stage 1 response date the
    engine worked out, after which the response goes out without it (to the complainant, or to
    the councillor or MP where the policy lets letters go to them); none once that response is sent."""
    due = next((d.date for d in result.deadlines if d.kind == "response" and d.stage == 1), None)
    sent = any(x.letter == "outcome" and x.stage == 1 and x.status == "issued" for x in result.letters)
    if due is None or sent:
        return {"reply_by": "", "response_passed": False, "passed": ""}
    return {"reply_by": british(due), "response_passed": due < letter_date, "passed": date_passed("responded")}


def copy_sentence(case: Case) -> str:
    """The line that opens a complainant's large-print copy of a letter sent to their representative."""
    return f"This is a large-print copy of the letter we have sent to {person_name(case.representative)}, " \
           f"who is acting on your behalf."


def build_context(case: Case, policy: Policy, result: Determination, letter: Letter, letter_date: date,
                  copy: Recipient | None = None) -> dict:
    """Everything a template may use for ``letter`` dated ``letter_date``; with ``copy`` (the
    complainant, ``engine.recipient.copy_for``), for the complainant's large-print copy of it."""
    if result.recipient is None:
        raise ValueError(f"case {case.case_id} has no recipient for letters")
    complainant = case.complainant
    complaint = case.raw["complaint"]
    event = next((e for e in case.events if e.id == letter.trigger), None)
    # A restriction notice keeps the council's own Ombudsman, a housing complaint's too (Luton App. A §18).
    ombudsman = (policy.restriction_ombudsman or policy.ombudsman) if letter.letter == "restriction-notice" else policy.ombudsman
    context: dict[str, Any] = {name: None for name in CONTEXT_NAMES}
    # Large print is the complainant's own need: a letter to their representative is in standard
    # print, and the complainant has a large-print copy of it (letters.md, Copies to the complainant).
    to_complainant = copy is not None or letter.letter == "consent-request" or result.recipient.role == "complainant"
    large_print = to_complainant and "large-print" in (complainant.get("format_needs") or [])
    signer = signing_officer(case, letter)
    council = _council(policy, case.raw.get("organisation") or {}, signer or case.raw["officer"])
    officer = _officer(signer, council)
    recipient = _recipient(case, letter, copy or result.recipient, large_print)
    if copy is not None:
        recipient["copy_of"] = copy_sentence(case)
    reader = _reader(case, recipient)
    context.update({
        "council": council,
        "case_ref": case.case_id,
        "letter": {"kind": letter.letter, "stage": letter.stage, "date": british(letter_date),
                   "iso_date": letter_date.isoformat(),
                   "due": british(letter.due), "title": "",
                   # a letter sent after its due date apologises (review F6); the acknowledgement and
                   # the outcome say so in their own words
                   "late_apology": letter_date > letter.due and letter.letter not in ("acknowledgement", "outcome")},
        "recipient": recipient,
        "reader": reader,
        "complainant": {"name": person_name(complainant), "short": short_name(complainant)},
        "officer": officer,
        "complaint": {
            "received": british(case.received), "service_area": case.raw["service_area"],
            "summary": complaint["summary"], "points": list(complaint.get("points", [])),
            "outcomes_sought": list(complaint.get("outcomes_sought", [])),
            "verbal": complaint["channel"] in VERBAL_CHANNELS,
            "channel_words": CHANNEL_WORDS.get(complaint["channel"], ""),
        },
        "ombudsman": {"required": letter.ombudsman_required, "name": ombudsman.name, "key": ombudsman.key,
                      "address": list(ombudsman.address), "phone": ombudsman.phone, "web": ombudsman.web,
                      "email": ombudsman.email, "time_limit": time_limit_for(ombudsman.time_limit, reader),
                      "postcode": ombudsman.address[-1] if ombudsman.address else ""},
        "enclosure": enclosure_for(policy, letter.letter),
        "large_print": large_print,
        "extra": dict(event.get("extra", {})) if event else {},
    })
    context.update(_sections(case, policy, letter, letter_date))
    context["translations"] = translations_for(complainant, to_complainant)
    if context["consent"]:
        context["consent"].update(consent_reply(result, letter_date))
    rep = case.representative
    if context["acknowledgement"] and rep and not reader["representative"] and letter.stage == 1:
        # "thank you for your complaint" only to the person who made it (letters.md)
        person = rep.get("title") or rep.get("given_name") or rep.get("family_name")
        context["acknowledgement"]["made_by"] = (
            rep["name"] if not organisation_of(rep)
            else f"{rep['name']} of {rep['organisation']}" if person else f"{rep['name']} ({rep['organisation']})")
    if context["acknowledgement"] and letter_date > letter.due and not context["acknowledgement"]["late"]:
        # an acknowledgement sent after its own due date apologises, as every other letter of the
        # same post does (a consent request beside it); past the response date it says so in its own words
        context["letter"]["late_apology"] = True
    if context["extension"] and context["extension"]["new_date_passed"]:
        # past its own new date, the extension apologises once, in the sentence that says so
        context["letter"]["late_apology"] = False
    context["letter"]["title"] = letter_title(letter.letter, letter.stage, letter.facts, context["reader"])
    return keep_together(context)
