"""Dates and languages as people write them: "17 November 2026", "Polish" (pure)."""

from __future__ import annotations

import re
from datetime import date, timedelta

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

# Languages by ISO 639 code: the languages English councils are most often asked for, and the
# other major ones. A code not listed is named by its code.
LANGUAGES = {
    "am": "Amharic", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "bs": "Bosnian", "ckb": "Sorani Kurdish",
    "cmn": "Mandarin Chinese", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian (Farsi)", "fi": "Finnish", "fr": "French",
    "ga": "Irish", "gd": "Scottish Gaelic", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
    "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ka": "Georgian",
    "kmr": "Kurmanji Kurdish", "ko": "Korean", "ku": "Kurdish", "kw": "Cornish", "lt": "Lithuanian", "lv": "Latvian",
    "mk": "Macedonian", "ml": "Malayalam", "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "ne": "Nepali",
    "nl": "Dutch", "no": "Norwegian", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "so": "Somali", "sq": "Albanian",
    "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai",
    "ti": "Tigrinya", "tl": "Tagalog", "tr": "Turkish", "tw": "Twi", "uk": "Ukrainian", "ur": "Urdu",
    "vi": "Vietnamese", "yo": "Yoruba", "yue": "Cantonese", "zh": "Chinese", "zu": "Zulu",
}


def british(day: date | None) -> str:
    """"18 November 2026"."""
    return f"{day.day} {day:%B %Y}" if day else ""


def british_dates(text: str) -> str:
    """``text`` with each YYYY-MM-DD date written the British way."""
    def one(match: re.Match) -> str:
        try:
            return british(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            return match.group(0)

    return _ISO_DATE.sub(one, text)


def language_name(code: str) -> str:
    """"Polish" for ``pl``; a code with a region or script is named by its language ("pt-BR": Portuguese (pt-BR))."""
    base = code.split("-", 1)[0].lower()
    name = LANGUAGES.get(base)
    if name is None:
        return f"the language with code {code!r}"
    return name if base == code else f"{name} ({code})"


_DATE_SHAPE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date; ValueError with a plain sentence for anything else."""
    found = _DATE_SHAPE.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD, such as 2026-11-20.")
    year, month, day = (int(x) for x in found.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{text} is not a real date: there is no month {month}; write the date as YYYY-MM-DD.")
    try:
        return date(year, month, day)
    except ValueError:
        first = date(year, month, 1)
        last = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        raise ValueError(f"{text} is not a real date: {first:%B %Y} has {last} days.") from None


TRANSLATIONS_FILE = "translations.toml"
_SCRIPT_SUBTAG = re.compile(r"^[A-Za-z]{4}$")  # "Hant" in zh-Hant: a script, not a region


def translation_lines(text: str, source: str) -> dict[str, str]:
    """Each language's line from ``templates/translations.toml`` (its text ``text``, named ``source``
    in errors): ``{"pl": "Wyślemy Państwu ten list w języku polskim."}``. ValueError with one plain
    sentence naming the file, the language and what was expected."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: is not valid TOML ({exc}); expected one table per language code.") from None
    lines = {}
    for code, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("line"), str) or not entry["line"].strip():
            raise ValueError(f"{source}: [{code}] needs a line, the sentence in that language as text.")
        if any(mark in entry["line"] for mark in ("{{", "{%", "<", ">")):
            raise ValueError(f"{source}: [{code}] line holds template or HTML syntax; expected plain text.")
        lines[code.lower()] = " ".join(entry["line"].split())
    return lines


def translation_line(lines: dict[str, str], code: str) -> str:
    """The line for a reader's language ``code``: its own, else its language's where the code only
    adds a region ("pl-PL"), never where it names a script ("zh-Hant"); "" where there is none."""
    code = code.lower()
    if code in lines:
        return lines[code]
    base, _, rest = code.partition("-")
    if rest and not any(_SCRIPT_SUBTAG.match(part) for part in rest.split("-")):
        return lines.get(base, "")
    return ""


def right_to_left(text: str) -> bool:
    """Whether ``text`` is written right to left (its first letter with a strong direction is)."""
    import unicodedata

    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False
