"""The postal-address rules GOV.UK Notify applies to a precompiled letter's address window.

Notify reads the lines in the window and posts the letter only if they make a UK postal address
(``notifications-utils``, ``recipient_validation/postal_address.py``, ``PostalAddress.valid``):

- 3 to 7 lines, once a last line naming the United Kingdom ("UK", "United Kingdom", "England",
  "Scotland", "Wales", "Northern Ireland", "Great Britain") is set aside;
- the last line a real UK postcode: one of Royal Mail's postcode areas, a district, then a sector
  and a unit whose letters Royal Mail uses (never C, I, K, M, O or V);
- no line starting with any of ``@ ( ) = [ ] " \\ / , < > ~``;
- a letter, or a digit, in each of the first two lines;
- no "NFA" line and no "no fixed abode" or "no fixed address".

This module applies those rules itself (the project depends on nothing of Notify's): ``problems``
gives one sentence for each rule that an address breaks, so that ``fit_to_post`` holds a letter
Notify would refuse.
"""

from __future__ import annotations

import re

MIN_LINES, MAX_LINES = 3, 7
INVALID_FIRST_CHARACTERS = '@()=[]"\\/,<>~'
# Royal Mail's postcode areas, as notifications-utils lists them (countries/_data/uk-postcode-zones.txt),
# with GIR (Girobank's GIR 0AA).
POSTCODE_AREAS = frozenset("""
AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY
E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L GIR LA LD LE LL
LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO
SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
""".split())
_AREAS = "|".join(sorted(POSTCODE_AREAS, key=len, reverse=True))
REAL_POSTCODE = re.compile(rf"({_AREAS})[0-9][0-9A-Z]?[0-9][A-BD-HJLNP-UW-Z]{{2}}")
# Compared without spaces: a PDF's text may come back without them.
UK_NAMES = frozenset({"uk", "unitedkingdom", "england", "scotland", "wales", "northernireland",
                      "greatbritain", "gb"})


def normalise_lines(lines: list[str]) -> list[str]:
    """The lines as Notify reads them: whitespace collapsed, blank lines dropped, and a last line
    naming the United Kingdom set aside."""
    out = [" ".join(line.replace("\u00a0", " ").split()) for line in lines]
    out = [line.rstrip(" ,") for line in out if line.rstrip(" ,")]
    while out and out[-1].lower().rstrip(".").replace(" ", "") in UK_NAMES:
        out.pop()
    return out


def is_real_postcode(text: str) -> bool:
    """Whether ``text`` is a UK postcode in one of Royal Mail's postcode areas ("CV34 4RL": yes;
    "AN1 1AA": no, there is no AN area)."""
    normalised = re.sub(r"\s+", "", text).upper()
    return normalised == "GIR0AA" or bool(REAL_POSTCODE.fullmatch(normalised))


def problems(lines: list[str]) -> list[str]:
    """One sentence for each of Notify's postal-address rules the address in ``lines`` breaks."""
    lines = normalise_lines(lines)
    found = []
    if len(lines) < MIN_LINES:
        found.append(f"the address window holds {len(lines)} lines; a postal address needs {MIN_LINES} to "
                     f"{MAX_LINES}.")
    elif len(lines) > MAX_LINES:
        found.append(f"the address window holds {len(lines)} lines; a postal address needs {MIN_LINES} to "
                     f"{MAX_LINES}.")
    if lines and not is_real_postcode(lines[-1]):
        found.append("the last line in the address window is not a real UK postcode (one of Royal Mail's "
                     "postcode areas, such as CV34 4RL).")
    starts = [n for n, line in enumerate(lines, 1) if line[0] in INVALID_FIRST_CHARACTERS]
    if starts:
        found.append(f"line {starts[0]} of the address starts with '{lines[starts[0] - 1][0]}', which Notify "
                     f"does not accept at the start of an address line.")
    if any(not re.search(r"[A-Za-z0-9]", line) for line in lines[:2]):
        found.append("the first two lines of the address need a letter or a digit each.")
    if any(line.lower() == "nfa" for line in lines) or re.search(
            r"no\s*fixed\s*(abode|address)", "\n".join(lines), re.I):
        found.append("the address says no fixed abode; Notify posts no letter to one.")
    return found
