"""Council rules: loading, validating and resolving the TOML files in ``rules/``.

Each council file holds one council's procedure (docs/rules.md). Every value is a small table with
a ``cite``; values the council's policy leaves unsaid are named in ``inherited`` and taken from
the file named by ``inherits`` (the Complaint Handling Code 2024). ``[when.<flag>...]`` tables
override values for cases with that flag set (``housing_tenancy``, ``cse``), and
``[procedures.<name>...]`` tables override values for another procedure of the same council.

The result for one case is a :class:`Policy`: plain data, no I/O.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from correspondence.common import filestamp
from correspondence.common.errors import CorrespondenceError
from correspondence.engine.citations import PolicySource, for_people, policy_source
from correspondence.engine.working_days import WorkingCalendar

OMBUDSMEN_FILE = "ombudsmen.toml"
REQUIRED_CONTENT_FILE = "required-content.toml"
# The statutory Housing Ombudsman Code: not a council, the floor under every housing complaint.
FLOOR_FILE = "hos-2024.toml"
FLOOR_ID = "hos-2024"
# The national Code as a policy on its own: it names no council, so a record under it says who
# writes the letters (its ``organisation``); every other rules file is a council's and must give
# the complaints team's postal address and telephone (letters.md, Every letterhead is reachable).
MODEL_ID = "code-2024"
REACHABLE_KEYS = {"council.address": "the complaints team's postal address (a list of lines)",
                  "council.phone": "the complaints team's telephone number"}
# Its clocks: for a housing complaint the earlier date (the time limit: the longer) applies.
FLOOR_CLOCKS = ("stage1.acknowledgement", "stage1.response", "stage1.extension_limit",
                "stage2.acknowledgement", "stage2.response", "stage2.extension_limit", "limits.time_limit",
                "limits.time_limit_words")
# Its fixed values: they replace the council's where they are stricter.
FLOOR_VALUES = ("ombudsman.body", "ombudsman.in_extension", "ombudsman.in_escalation_refusal",
                "ombudsman.in_not_accepted", "ombudsman.in_final_outcome")
_STRICTNESS = {"never": 0, "past-limit": 1, "always": 2, False: 0, True: 1}
CONDITIONS = ("housing_tenancy", "cse")
RELATIONSHIPS = ("councillor", "mp", "advocate", "relative", "friend", "solicitor", "advice-agency", "other")
DELIVERY_METHODS = ("email", "first-class", "second-class", "hand")
META_KEYS = {"id", "name", "policy", "inherits", "inherited", "when", "procedures"}
MAX_STAGES = 5
# A citation names where the value comes from: a policy file, the Code, or the spec.
_CITATION = re.compile(r"(\d{3}_[0-9a-f]{16}\.txt|Code 2024|[\w./-]*[\w-]\.md|LGSCO|Housing Ombudsman|[\w.-]+\.(txt|pdf|docx?)\b|§)")
# Which letters a manager signs off is the service's default or the council's own practice, which no
# published policy records: for this key only, "service default (sign-off)" or "council practice,
# <who decided>, <date>" is a citation (docs/sign-off.md).
_SIGN_OFF_CITATION = re.compile(r"^(service default \(sign-off\)|council practice, [^,]*\S[^,]*, "
                                r"(\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4}))$")
# The letter kinds (docs/letters.md); the letters layer's LETTER_KINDS lists the same names.
LETTER_NAMES = ("acknowledgement", "extension", "outcome", "escalation-refusal", "withdrawal-confirmation",
                "restriction-notice", "not-accepted", "holding", "consent-request", "discontinuation",
                "behaviour-warning", "restriction-review")


class RulesError(CorrespondenceError):
    """The rules files are not valid; ``problems`` holds one sentence each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# --------------------------------------------------------------------------- value kinds

@dataclass(frozen=True)
class Clock:
    """A deadline rule: ``kind`` is wd, days, months, none, same_as or wd_of."""

    kind: str
    amount: int = 0
    anchor: str = ""
    ref: str = ""

    def describe(self) -> str:
        anchor = _ANCHOR_WORDS.get(self.anchor, self.anchor)
        if self.kind == "none":
            return "none"
        if self.kind == "same_as":
            return f"the same date as the {self.ref.replace('_', ' ')} deadline"
        if self.kind == "wd_of":
            return f"as many working days as the {self.ref.replace('stage1.', 'stage 1 ').replace('_', ' ')}, after {anchor}"
        unit = {"wd": "working day", "days": "calendar day", "months": "month"}[self.kind]
        plural = "" if self.amount == 1 else "s"
        if self.kind == "days" and self.amount == 0:
            return f"the day it is {anchor.removeprefix('it is ')}"
        return f"{self.amount} {unit}{plural} after {anchor}"


_ANCHOR_WORDS = {
    "received": "the complaint is received",
    "request": "the escalation request",
    "acknowledgement": "the acknowledgement",
    "response": "the response is received",
    "first_aware": "the complainant first knew of the matter",
    "decision": "the decision",
    "event": "the event",
    "sent": "it is sent",
    "panel": "the review panel meets",
}


def _clock_kinds(*anchors: str, allow_none: bool = False, allow_same_as: bool = False,
                 allow_wd_of: bool = False, units: tuple[str, ...] = ("wd",)) -> dict:
    return {"type": "clock", "anchors": anchors, "none": allow_none, "same_as": allow_same_as,
            "wd_of": allow_wd_of, "units": units}


def _key_specs(stages: int) -> dict[str, dict]:
    """Every key a council's resolved rules may hold, for a procedure with ``stages`` stages."""
    specs: dict[str, dict] = {
        "council.team": {"type": "text"},
        "council.address": {"type": "lines"},
        "council.phone": {"type": "text"},
        "council.email": {"type": "text"},
        "council.web": {"type": "text"},
        "council.interpreting_phone": {"type": "text"},
        # The council's policy on unreasonable behaviour, for the letters that enclose it: a file
        # in the rules folder (copied beside the letter in the outbox), or a web address the letter
        # gives instead; "" where the council gives neither (letters.md, Enclosures are real).
        "council.behaviour_policy": {"type": "text", "optional": True, "default": ""},
        # The council's logo, drawn in the letterhead's logo area on page 1 (both formats): a PNG or
        # JPEG file in the rules folder or a folder under it ("logos/luton.png"), at most 2 MB;
        # "" (the default) for none.
        "council.logo": {"type": "text", "optional": True, "default": ""},
        "calendar.closure_days": {"type": "dates"},
        "procedure.stages": {"type": "int", "min": 1, "max": MAX_STAGES},
        "limits.time_limit": _clock_kinds("first_aware", allow_none=True, units=("months",)),
        # The limit in the policy's own words, for the not-accepted letter ("within 12 months of the
        # disputed occurrence"); optional: without it the letter says it in months.
        "limits.time_limit_words": {"type": "text", "optional": True, "default": ""},
        "ombudsman.body": {"type": "choice", "choices": ("lgsco", "hos")},
        "ombudsman.in_extension": {"type": "choice", "choices": ("always", "past-limit", "never")},
        "ombudsman.in_stage_outcome": {"type": "bool"},
        "ombudsman.in_final_outcome": {"type": "bool"},
        "ombudsman.in_escalation_refusal": {"type": "bool"},
        "ombudsman.in_not_accepted": {"type": "bool"},
        "ombudsman.in_restriction_notice": {"type": "bool"},
        "representatives.consent_exempt": {"type": "choices", "choices": RELATIONSHIPS},
        "restrictions.notice": _clock_kinds("decision"),
        "restrictions.review": _clock_kinds("decision", units=("months",)),
        "restrictions.challenge": {"type": "text", "nonempty": True},
        # Who an appeal against a restriction goes to, where the council has its own appeal (Luton's
        # Head of Policy and Performance); "" where the council offers none.
        "restrictions.appeal_to": {"type": "text", "optional": True, "default": ""},
        # The letters that must send the behaviour policy with them (Luton App. A §13, §18; Solihull App. A).
        "restrictions.policy_enclosed_with": {"type": "choices", "choices": ("behaviour-warning", "restriction-notice"),
                                              "optional": True, "default": []},
        "notices.consent_request": _clock_kinds("received", allow_same_as=True),
        "notices.not_accepted": _clock_kinds("event", allow_wd_of=True),
        "notices.withdrawal_confirmation": _clock_kinds("event", allow_wd_of=True),
        "notices.holding": _clock_kinds("event", allow_wd_of=True),
        "notices.discontinuation": _clock_kinds("event", allow_wd_of=True),
        "notices.behaviour_warning": _clock_kinds("event", allow_wd_of=True),
        "notices.restriction_review": _clock_kinds("event", allow_wd_of=True),
        # sign-off.md: the letters a manager signs before they go (held as drafts until then)
        "sign_off.letters": {"type": "choices", "choices": LETTER_NAMES, "cites": _SIGN_OFF_CITATION},
    }
    for method in DELIVERY_METHODS:
        specs[f"deemed_receipt.{method}"] = _clock_kinds("sent", units=("days", "wd"))
    for n in range(1, stages + 1):
        start = "received" if n == 1 else "request"
        specs[f"stage{n}.acknowledgement"] = _clock_kinds(start)
        specs[f"stage{n}.response"] = _clock_kinds(start, "acknowledgement")
        specs[f"stage{n}.extension_limit"] = _clock_kinds(start, "acknowledgement", allow_none=True)
        if n < stages:
            specs[f"stage{n}.escalation_window"] = _clock_kinds("response", allow_none=True)
        if n > 1:
            specs[f"stage{n}.escalation_refusal"] = _clock_kinds("request", allow_same_as=True)
        # Optional: a stage whose response runs from a review panel once it has met (Warwickshire's
        # children's stage 3), and a stage whose timescales cannot be extended (set by statute).
        specs[f"stage{n}.response_after_panel"] = {**_clock_kinds("panel", allow_none=True),
                                                   "optional": True, "default": Clock("none")}
        specs[f"stage{n}.extensions"] = {"type": "bool", "optional": True, "default": True}
    return specs


ALL_KEYS = _key_specs(MAX_STAGES)


# --------------------------------------------------------------------------- entries

@dataclass(frozen=True)
class Entry:
    """One value of a rules file with its citation and where it came from."""

    key: str
    value: Any
    cite: str
    source: str  # the rules id the value was read from
    inherited: bool = False
    condition: str = ""  # "housing_tenancy", "procedure:childrens", ... when an override applied


_LEAF_FIELDS = {"cite", "value", "wd", "days", "months", "none", "same_as", "wd_of"}


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, dict]:
    """Leaves are the tables that carry a ``cite``: {"stage1.response": {...}}."""
    leaves: dict[str, dict] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and (set(value) & _LEAF_FIELDS):
            leaves[key] = value
        elif isinstance(value, dict):
            leaves.update(_flatten(value, key + "."))
        else:
            leaves[key] = {"__bare__": value}
    return leaves


def _parse_value(where: str, key: str, raw: dict, spec: dict, problems: list[str]) -> Any:
    """Turn one leaf table into a Python value, adding a sentence to ``problems`` if it is wrong."""
    if "__bare__" in raw:
        problems.append(f"{where}: {key}: expected a table with a value and a cite, like {{ value = ..., cite = \"...\" }}.")
        return None
    cite = raw.get("cite")
    if not isinstance(cite, str) or not cite.strip():
        problems.append(f"{where}: {key}: missing a citation (cite = \"policy file and section\").")
    elif spec.get("cites") is not None and spec["cites"].match(cite.strip()):
        pass
    elif not _CITATION.search(cite):
        extra = (" or, for this key, \"service default (sign-off)\" or \"council practice, <who decided>, "
                 "<date>\"") if spec.get("cites") is not None else ""
        problems.append(f"{where}: {key}: the citation \"{cite}\" names no policy file, Code paragraph or "
                        f"spec file{extra}.")
    kind = spec["type"]
    if kind == "clock":
        return _parse_clock(where, key, raw, spec, problems)
    extra = set(raw) - {"value", "cite"}
    if extra:
        problems.append(f"{where}: {key}: unknown field {sorted(extra)[0]!r}; expected value and cite.")
    if "value" not in raw:
        problems.append(f"{where}: {key}: missing value.")
        return None
    value = raw["value"]
    ok = {
        "text": lambda v: isinstance(v, str) and (v.strip() or not spec.get("nonempty")),
        "lines": lambda v: isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v),
        "dates": lambda v: isinstance(v, list) and all(isinstance(x, date) for x in v),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and spec["min"] <= v <= spec["max"],
        "bool": lambda v: isinstance(v, bool),
        "choice": lambda v: v in spec.get("choices", ()),
        "choices": lambda v: isinstance(v, list) and all(x in spec["choices"] for x in v),
    }[kind](value)
    if not ok:
        expected = {
            "text": "a non-empty string" if spec.get("nonempty") else "a string",
            "lines": "a list of address lines",
            "dates": "a list of dates (YYYY-MM-DD, unquoted)",
            "int": f"a whole number from {spec.get('min')} to {spec.get('max')}",
            "bool": "true or false",
            "choice": "one of " + ", ".join(spec.get("choices", ())),
            "choices": "a list drawn from " + ", ".join(spec.get("choices", ())),
        }[kind]
        problems.append(f"{where}: {key}: expected {expected}, got {value!r}.")
        return None
    return value


def _parse_clock(where: str, key: str, raw: dict, spec: dict, problems: list[str]) -> Clock | None:
    fields = set(raw) - {"cite"}
    if raw.get("none") is True and fields == {"none"}:
        if spec["none"]:
            return Clock("none")
        problems.append(f"{where}: {key}: this clock cannot be none.")
        return None
    if "same_as" in raw and fields == {"same_as"}:
        if spec["same_as"] and isinstance(raw["same_as"], str):
            return Clock("same_as", ref=raw["same_as"])
        problems.append(f"{where}: {key}: same_as is not allowed here.")
        return None
    if "wd_of" in raw and fields == {"wd_of", "from"}:
        if spec["wd_of"] and raw["wd_of"] in ALL_KEYS and raw["from"] in spec["anchors"]:
            return Clock("wd_of", anchor=raw["from"], ref=raw["wd_of"])
        problems.append(f"{where}: {key}: wd_of must name a clock key and from one of {', '.join(spec['anchors'])}.")
        return None
    units = [u for u in ("wd", "days", "months") if u in raw]
    if len(units) != 1 or fields != {units[0], "from"}:
        allowed = " or ".join(f"{{ {u} = N, from = \"...\" }}" for u in spec["units"])
        problems.append(f"{where}: {key}: expected a clock like {allowed}; got fields {sorted(fields)}.")
        return None
    unit = units[0]
    amount = raw[unit]
    if unit not in spec["units"]:
        problems.append(f"{where}: {key}: expected a count in {' or '.join(spec['units'])}, not {unit}.")
        return None
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        problems.append(f"{where}: {key}: expected a whole number of {unit}, got {amount!r}.")
        return None
    if raw["from"] not in spec["anchors"]:
        problems.append(f"{where}: {key}: expected from to be one of {', '.join(spec['anchors'])}, got {raw['from']!r}.")
        return None
    return Clock(unit, amount, raw["from"])


# --------------------------------------------------------------------------- files

@dataclass
class RulesFile:
    id: str
    path: Path
    name: str
    policy: PolicySource
    inherits: str | None
    inherited: tuple[str, ...]
    leaves: dict[str, dict]  # own values
    overrides: dict[str, dict[str, dict]]  # "housing_tenancy" / "procedure:childrens" -> leaves
    text: str

    @property
    def cited_as(self) -> str:
        """The policy as people know it: "Telford & Wrekin Council, Corporate Complaints policy (April 2024)"."""
        return self.policy.cited_as(self.name)

    def cite(self, cite: str) -> str:
        """A citation of this file, for people (the policy's name in place of its file name)."""
        return for_people(cite, {self.policy.file: self.cited_as} if self.policy.file else {})


@dataclass(frozen=True)
class Ombudsman:
    key: str
    name: str
    address: tuple[str, ...]
    phone: str
    web: str
    email: str
    time_limit_months: int
    time_limit: str


def logo_path(directory: Path, name: str) -> Path | None:
    """The logo file ``name`` names inside the rules folder ``directory``, or None where it would
    lie outside it (an absolute path, a "..", a link that leads out)."""
    if not name or "\\" in name or Path(name).is_absolute() or ".." in Path(name).parts:
        return None
    folder = Path(directory).resolve()
    path = (folder / name).resolve()
    return path if path.is_relative_to(folder) else None


def logo_problem(directory: Path, name: str) -> str:
    """Why the rules' ``council.logo`` value ``name`` is no usable logo ("" if it is one)."""
    from correspondence.common.image import SUFFIXES, ImageProblem, read_logo

    path = logo_path(directory, name)
    if path is None:
        return (f"expected a PNG or JPEG file inside {directory} (a relative path, no '..', no link "
                f"leading out); got {name!r}")
    if path.suffix.lower() not in SUFFIXES:
        return f"expected a .png, .jpg or .jpeg file; got {name!r}"
    try:
        read_logo(path)
    except ImageProblem as exc:
        return f"the file {name!r} {exc}; expected a PNG or JPEG image of at most 2 MB"
    return ""


@dataclass(frozen=True)
class Policy:
    """One council's rules resolved for one case: every value, cited, ready for the engine."""

    id: str
    name: str
    procedure: str
    entries: Mapping[str, Entry]
    ombudsman: Ombudsman
    calendar: WorkingCalendar
    # For a housing complaint: the Housing Ombudsman Code's clocks (the engine takes the earlier
    # date, the longer time limit) and the council's values that the Code's replaced.
    floor: Mapping[str, Entry] = field(default_factory=lambda: MappingProxyType({}))
    floor_replaced: Mapping[str, Entry] = field(default_factory=lambda: MappingProxyType({}))
    # Restriction notices keep the council's own Ombudsman (Luton App. A §18: the LGO for tenants too).
    restriction_ombudsman: Ombudsman | None = None
    # The rules folder, which files the rules name (``council.logo``) are inside.
    directory: Path | None = None

    def value(self, key: str) -> Any:
        entry = self.entries.get(key)
        if entry is None and ALL_KEYS.get(key, {}).get("optional"):
            return ALL_KEYS[key]["default"]  # an optional key the rules leave unset
        if entry is None:
            raise KeyError(key)
        return entry.value

    def clock(self, key: str) -> Clock:
        return self.value(key)

    def cite(self, key: str) -> str:
        entry = self.entries.get(key)
        return entry.cite if entry else ""

    @property
    def stages(self) -> int:
        return self.value("procedure.stages")

    def has(self, key: str) -> bool:
        return key in self.entries


@dataclass
class RuleBook:
    """Every rules file of a ``rules/`` folder plus the Ombudsmen's details."""

    directory: Path
    files: dict[str, RulesFile]
    ombudsmen: dict[str, Ombudsman]
    verified_on: date
    retired: tuple[str, ...]
    ombudsmen_text: str = ""
    required_content: dict[str, list[dict]] = field(default_factory=dict)
    floor: dict[str, Entry] = field(default_factory=dict)  # hos-2024.toml, for housing complaints
    digests: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256 of the bytes read
    _policies: dict[tuple, "Policy"] = field(default_factory=dict, repr=False, compare=False)

    @property
    def councils(self) -> list[str]:
        return sorted(self.files)

    def procedures(self, council: str) -> list[str]:
        rf = self.files[council]
        return ["corporate"] + sorted(k.split(":", 1)[1] for k in rf.overrides if k.startswith("procedure:"))

    def policy_for(self, council: str, procedure: str = "corporate", *, housing_tenancy: bool = False,
                   cse: bool = False) -> Policy:
        """Resolve a council's rules for one case. ``council`` and ``procedure`` must be known.

        For a housing complaint the Housing Ombudsman Code is the floor: its clocks go in
        ``floor`` (the engine takes the earlier date), its stricter fixed values replace the
        council's (kept in ``floor_replaced``). A Policy is immutable: each is worked out once."""
        key = (council, procedure, bool(housing_tenancy), bool(cse))
        policy = self._policies.get(key)
        if policy is None:
            policy = self._policies[key] = self._policy_for(council, procedure, housing_tenancy, cse)
        return policy

    def _policy_for(self, council: str, procedure: str, housing_tenancy: bool, cse: bool) -> Policy:
        entries = dict(_resolve_base(self, council))
        rf = self.files[council]
        if procedure != "corporate":
            for key, raw in rf.overrides[f"procedure:{procedure}"].items():
                entries[key] = _entry(rf, key, raw, condition=f"procedure:{procedure}")
        for flag, on in (("housing_tenancy", housing_tenancy), ("cse", cse)):
            if on and flag in rf.overrides:
                for key, raw in rf.overrides[flag].items():
                    entries[key] = _entry(rf, key, raw, condition=flag)
        floored: dict[str, Entry] = {}
        replaced: dict[str, Entry] = {}
        if housing_tenancy and self.floor:
            stages = entries["procedure.stages"].value
            for key in FLOOR_CLOCKS:
                if key in self.floor and (not key.startswith("stage") or int(key[5]) <= stages):
                    floored[key] = self.floor[key]
            for key in FLOOR_VALUES:
                code, mine = self.floor.get(key), entries.get(key)
                if code is None or mine is None or code.value == mine.value:
                    continue
                if key == "ombudsman.body" or _STRICTNESS[code.value] > _STRICTNESS[mine.value]:
                    replaced[key] = mine
                    entries[key] = code
        body = entries["ombudsman.body"].value
        corporate_body = _resolve_base(self, council)["ombudsman.body"].value
        closure = frozenset(entries["calendar.closure_days"].value)
        return Policy(
            id=council,
            name=rf.name,
            procedure=procedure,
            entries=MappingProxyType(entries),
            ombudsman=self.ombudsmen[body],
            calendar=WorkingCalendar(closure),
            floor=MappingProxyType(floored),
            floor_replaced=MappingProxyType(replaced),
            restriction_ombudsman=self.ombudsmen[corporate_body],
            directory=self.directory,
        )


def _entry(rf: RulesFile, key: str, raw: dict, *, inherited: bool = False, condition: str = "") -> Entry:
    spec = ALL_KEYS[key]
    scratch: list[str] = []
    value = _parse_value(str(rf.path), key, raw, spec, scratch)
    return Entry(key, value, rf.cite(raw.get("cite", "")), rf.id, inherited, condition)


def _resolve_base(book: RuleBook, council: str) -> dict[str, Entry]:
    rf = book.files[council]
    entries: dict[str, Entry] = {}
    if rf.inherits:
        parent = book.files[rf.inherits]
        for key in rf.inherited:
            if key in parent.leaves:
                entries[key] = _entry(parent, key, parent.leaves[key], inherited=True)
    for key, raw in rf.leaves.items():
        entries[key] = _entry(rf, key, raw)
    return entries


def fold(text: str) -> str:
    """Lower-case with all white space removed: how retired details are compared."""
    return re.sub(r"\s+", "", text).lower()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _read_toml(path: Path, problems: list[str], digests: dict[str, str] | None = None) -> tuple[dict | None, str]:
    """The file's tables and text (None and a sentence in ``problems`` if it cannot be read);
    ``digests`` gets the SHA-256 of the bytes read, under the file's name (for manifests)."""
    import hashlib

    try:
        data = filestamp.read(path)[1]
        text = data.decode("utf-8")
    except filestamp.NotAFile:  # a folder or a FIFO (which would wait for a writer for ever)
        problems.append(f"{path}: is not a file; expected a rules file (TOML).")
        return None, ""
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror}).")
        return None, ""
    except UnicodeDecodeError as exc:
        problems.append(f"{path}: {filestamp.not_utf8(exc, 'a rules file')}.")
        return None, ""
    if digests is not None:
        digests[path.name] = hashlib.sha256(data).hexdigest()
    try:
        return _parsed(text), text
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: is not valid TOML ({exc}).")
        return None, text


TOML_KIND = "toml"


def _parsed(text: str) -> dict:
    """``tomllib.loads(text)``, kept in the cache (``cache.py``) under the text itself, so a later
    process reads the parsed tables back instead of parsing the files again. Only text that
    parses is kept; the key is the whole text, so any edit is parsed afresh."""
    import pickle
    import sys

    from correspondence.common import cache

    key = f"{TOML_KIND}/1/{sys.version_info[:2]}/{text}"
    kept = cache.read(TOML_KIND, key)
    if kept is not None:
        try:
            data = pickle.loads(kept)
            if isinstance(data, dict):
                return data
        except Exception:  # damaged or from another version: parse again
            pass
    data = tomllib.loads(text)
    cache.write(TOML_KIND, key, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return data


def _load_ombudsmen(path: Path, problems: list[str], digests: dict[str, str] | None = None
                    ) -> tuple[dict[str, Ombudsman], date, tuple[str, ...], str]:
    data, text = _read_toml(path, problems, digests)
    if data is None:
        return {}, date.min, (), text
    bodies: dict[str, Ombudsman] = {}
    verified = data.get("verified_on")
    if not isinstance(verified, date):
        problems.append(f"{path}: verified_on: expected the date the details were last checked (YYYY-MM-DD).")
        verified = date.min
    if not data.get("cite"):
        problems.append(f"{path}: cite: expected the source of the Ombudsmen's details.")
    for key in ("lgsco", "hos"):
        body = data.get(key)
        if not isinstance(body, dict):
            problems.append(f"{path}: {key}: expected a table of contact details.")
            continue
        for fname in ("name", "phone", "web"):
            if not isinstance(body.get(fname), str) or not body[fname].strip():
                problems.append(f"{path}: {key}.{fname}: expected a non-empty string.")
        address = body.get("address")
        if not isinstance(address, list) or not address or not all(isinstance(x, str) for x in address):
            problems.append(f"{path}: {key}.address: expected a list of address lines.")
            address = []
        months = body.get("time_limit_months")
        if not isinstance(months, int) or months <= 0:
            problems.append(f"{path}: {key}.time_limit_months: expected a whole number of months.")
            months = 12
        if not isinstance(body.get("time_limit"), str) or not body["time_limit"].strip():
            problems.append(f"{path}: {key}.time_limit: expected the sentence on the Ombudsman's time limit.")
        bodies[key] = Ombudsman(key, str(body.get("name", "")), tuple(address), str(body.get("phone", "")),
                                str(body.get("web", "")), str(body.get("email", "")), months,
                                str(body.get("time_limit", "")))
    retired = data.get("retired")
    if not isinstance(retired, list) or not all(isinstance(x, str) and x for x in retired):
        problems.append(f"{path}: retired: expected the list of out-of-date details, folded (lower case, no spaces).")
        retired = []
    retired_t = tuple(fold(x) for x in retired)
    current = fold(" ".join(s for k, v in data.items() if k != "retired" for s in _strings(v)))
    for stale in retired_t:
        if stale in current:
            problems.append(f"{path}: holds an out-of-date Ombudsman detail ({stale!r}, listed under retired in ombudsmen.toml).")
    return bodies, verified, retired_t, text


def _load_rules_file(path: Path, problems: list[str], digests: dict[str, str] | None = None) -> RulesFile | None:
    data, text = _read_toml(path, problems, digests)
    if data is None:
        return None
    where = str(path)
    rid = path.stem
    if data.get("id") != rid:
        problems.append(f"{where}: id: expected {rid!r} (the file's name), got {data.get('id')!r}.")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append(f"{where}: name: expected a non-empty string.")
    policy = policy_source(data.get("policy"), where, problems)
    inherits = data.get("inherits")
    if inherits is not None and not isinstance(inherits, str):
        problems.append(f"{where}: inherits: expected the id of another rules file.")
        inherits = None
    inherited = data.get("inherited", [])
    if not isinstance(inherited, list) or not all(isinstance(k, str) for k in inherited):
        problems.append(f"{where}: inherited: expected a list of keys such as \"stage1.acknowledgement\".")
        inherited = []
    if inherited and not inherits:
        problems.append(f"{where}: inherited: lists keys but the file inherits from nothing (set inherits).")
    body = {k: v for k, v in data.items() if k not in META_KEYS}
    leaves = _flatten(body)
    overrides: dict[str, dict[str, dict]] = {}
    when = data.get("when", {})
    if not isinstance(when, dict):
        problems.append(f"{where}: when: expected tables such as [when.housing_tenancy.ombudsman].")
        when = {}
    for flag, table in when.items():
        if flag not in CONDITIONS:
            problems.append(f"{where}: when.{flag}: unknown condition; expected one of {', '.join(CONDITIONS)}.")
            continue
        overrides[flag] = _flatten(table) if isinstance(table, dict) else {}
    procedures = data.get("procedures", {})
    for name, table in (procedures.items() if isinstance(procedures, dict) else []):
        overrides[f"procedure:{name}"] = _flatten(table) if isinstance(table, dict) else {}
    return RulesFile(rid, path, str(data.get("name", rid)), policy, inherits,
                     tuple(inherited), leaves, overrides, text)


def is_web_address(text: str) -> bool:
    """A behaviour policy given as a web address ("www.luton.gov.uk/...", "https://...")."""
    return text.lower().startswith(("http://", "https://", "www."))


def _check_file(book: RuleBook, rf: RulesFile, problems: list[str]) -> None:
    where = str(rf.path)
    for key in rf.inherited:
        if key not in ALL_KEYS:
            problems.append(f"{where}: inherited: unknown key {key!r}.")
        elif key in rf.leaves:
            problems.append(f"{where}: inherited: {key} is listed as inherited but the file also sets it.")
    if rf.inherits and rf.inherits not in book.files:
        problems.append(f"{where}: inherits: no rules file {rf.inherits!r} in {book.directory}.")
    parent = book.files.get(rf.inherits) if rf.inherits else None
    if parent is not None:
        for key in rf.inherited:
            if key in ALL_KEYS and key not in parent.leaves:
                problems.append(f"{where}: inherited: {key} is not set in {rf.inherits}.toml, so it cannot be inherited.")

    variants = [("", {})] + [(cond, table) for cond, table in rf.overrides.items()]
    for condition, table in variants:
        label = f"{where} ({condition.replace('procedure:', 'procedure ')})" if condition else where
        leaves = dict(rf.leaves)
        inherited = {k: parent.leaves[k] for k in rf.inherited if parent and k in parent.leaves}
        merged = {**inherited, **leaves, **table}
        stages_raw = merged.get("procedure.stages", {})
        stages = stages_raw.get("value") if isinstance(stages_raw, dict) else None
        if not isinstance(stages, int) or isinstance(stages, bool) or not 1 <= stages <= MAX_STAGES:
            stages = 2 if stages is None else stages
            if not isinstance(stages, int) or not 1 <= stages <= MAX_STAGES:
                stages = 2
        specs = _key_specs(stages)
        own = table if condition else leaves
        for key, raw in own.items():
            if key not in specs:
                hint = " (beyond the number of stages)" if key in ALL_KEYS else ""
                problems.append(f"{label}: {key}: unknown key{hint}.")
                continue
            _parse_value(label, key, raw, specs[key], problems)
        missing = [k for k in specs if k not in merged and not specs[k].get("optional")]
        for key in missing:
            problems.append(f"{label}: {key}: no value; set it with a citation, or list it under inherited.")
        policy_file = merged.get("council.behaviour_policy", {})
        policy_file = policy_file.get("value") if isinstance(policy_file, dict) else None
        if isinstance(policy_file, str) and policy_file and not is_web_address(policy_file) \
                and (not condition or "council.behaviour_policy" in table):
            path = book.directory / policy_file
            if "/" in policy_file or "\\" in policy_file or path.suffix.lower() in (".json", ".toml") \
                    or not path.is_file():
                problems.append(f"{label}: council.behaviour_policy: expected a web address or the name of a file "
                                f"in {book.directory} (not a .json or .toml file), to enclose with the letters; "
                                f"got {policy_file!r}.")
        logo = merged.get("council.logo", {})
        logo = logo.get("value") if isinstance(logo, dict) else None
        if isinstance(logo, str) and logo and (not condition or "council.logo" in table):
            problem = logo_problem(book.directory, logo)
            if problem:
                problems.append(f"{label}: council.logo: {problem}.")
        if rf.id != MODEL_ID and not condition:
            for key, words in REACHABLE_KEYS.items():
                raw = merged.get(key)
                if key in merged and not (isinstance(raw, dict) and raw.get("value")):
                    problems.append(f"{label}: {key}: expected {words}, so that every letter's letterhead can be "
                                    f"written to and called; where the policy prints none, cite the council's "
                                    f"published contact details.")
        for key, raw in merged.items():
            spec = specs.get(key)
            if spec and spec["type"] == "clock" and isinstance(raw, dict):
                ref = raw.get("same_as") or raw.get("wd_of")
                if isinstance(ref, str):
                    target = ref if "." in ref else f"{key.split('.')[0]}.{ref}"
                    if target not in specs:
                        problems.append(f"{label}: {key}: refers to {ref!r}, which is not a clock of this policy.")
    text = fold(rf.text)
    for stale in book.retired:
        if stale in text:
            problems.append(f"{where}: holds an out-of-date Ombudsman detail ({stale!r}, listed under retired in ombudsmen.toml).")


def _load_floor(path: Path, problems: list[str], digests: dict[str, str] | None = None) -> dict[str, Entry]:
    """The Housing Ombudsman Code's values (``hos-2024.toml``); an absent file means no floor."""
    if not path.exists():
        return {}
    data, text = _read_toml(path, problems, digests)
    if data is None:
        return {}
    where = str(path)
    if data.get("id") != FLOOR_ID:
        problems.append(f"{where}: id: expected {FLOOR_ID!r} (the file's name), got {data.get('id')!r}.")
    leaves = _flatten({k: v for k, v in data.items() if k not in META_KEYS})
    specs = _key_specs(2)
    floor: dict[str, Entry] = {}
    for key, raw in leaves.items():
        if key not in FLOOR_CLOCKS + FLOOR_VALUES:
            problems.append(f"{where}: {key}: not a value the Housing Ombudsman Code sets here; expected one of "
                            f"{', '.join(FLOOR_CLOCKS + FLOOR_VALUES)}.")
            continue
        found: list[str] = []
        value = _parse_value(where, key, raw, specs[key], found)
        problems.extend(found)
        if not found:
            floor[key] = Entry(key, value, raw.get("cite", ""), FLOOR_ID, False, FLOOR_ID)
    for key in FLOOR_CLOCKS + FLOOR_VALUES:
        if key not in leaves:
            problems.append(f"{where}: {key}: no value; set it with the Code's paragraph as its cite.")
    return floor


def load_rulebook(directory: Path | str, *, strict: bool = True) -> tuple[RuleBook, list[str]]:
    """Read and check every rules file of ``directory``.

    Returns the book and the list of problems (one sentence each). With ``strict`` a non-empty
    list raises :class:`RulesError` instead.
    """
    directory = Path(directory)
    problems: list[str] = []
    if not directory.is_dir():
        raise RulesError([f"{directory}: the rules folder does not exist."])
    digests: dict[str, str] = {}  # file name -> SHA-256 of the bytes read
    bodies, verified, retired, otext = _load_ombudsmen(directory / OMBUDSMEN_FILE, problems, digests)
    files: dict[str, RulesFile] = {}
    floor = _load_floor(directory / FLOOR_FILE, problems, digests)
    for path in sorted(directory.glob("*.toml")):
        if path.name in (OMBUDSMEN_FILE, REQUIRED_CONTENT_FILE, FLOOR_FILE):
            continue
        rf = _load_rules_file(path, problems, digests)
        if rf is not None:
            files[rf.id] = rf
    from correspondence.engine.required_content import spec_problems

    required, _ = _read_toml(directory / REQUIRED_CONTENT_FILE, problems, digests)
    if required is not None:
        problems.extend(spec_problems(str(directory / REQUIRED_CONTENT_FILE), required))
    if required is not None and not any(p.startswith(str(directory / REQUIRED_CONTENT_FILE)) for p in problems):
        sources = {rf.policy.file: rf.cited_as for rf in files.values() if rf.policy.file}
        required = {section: [dict(rule, cite=for_people(rule["cite"], sources)) for rule in rules]
                    for section, rules in required.items()}
    book = RuleBook(directory, files, bodies, verified, retired, otext, required or {}, floor, digests)
    if not files:
        problems.append(f"{directory}: holds no council rules files (*.toml).")
    for rf in files.values():
        _check_file(book, rf, problems)
    if strict and problems:
        raise RulesError(problems)
    return book, problems


def verification_warning(book: RuleBook, today: date) -> str | None:
    """A sentence if the Ombudsmen's details were last verified more than a year ago."""
    age = (today - book.verified_on).days
    if age > 365:
        return (f"{book.directory / OMBUDSMEN_FILE}: verified_on is {book.verified_on.isoformat()}, "
                f"over a year ago; check the Ombudsmen's details and update it.")
    return None
