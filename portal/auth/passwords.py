"""Password rules: refuse what is common, easy to guess, or built from who the user is.

Three checks, each with its own reason:

- built from the user's phone number, staff number (or their last six digits) or name;
- on a list of common passwords: the 30,000 commonest of a large Chinese leak (shipped
  beside this file, see its README) and zxcvbn's 30,000 commonest English ones;
- zxcvbn's estimate (Dropbox's strength estimator: dictionaries, keyboard walks, dates,
  repeats and sequences, l33t) below a million guesses, i.e. zxcvbn score 0 or 1 (with
  login throttling, a million guesses are out of reach of an online attack for years),
  or keyboard walks from end to end ("1qaz@WSX3edc", which zxcvbn rates strong).

zxcvbn's own ``zxcvbn()`` keeps the user's inputs in a module-level dictionary (shared by
every thread), so we call its matcher and scorer with a dictionary set of our own.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from zxcvbn import matching, scoring
from zxcvbn.frequency_lists import FREQUENCY_LISTS

if TYPE_CHECKING:
    from zxcvbn.matching import _Match

MIN_GUESSES = 10**6
_ANALYSED_LENGTH = 72  # zxcvbn's own limit; longer passwords are out of guessing range
_PERSONAL_DIGITS = 6  # "the last six digits of my phone" is guessed as readily as the whole
_CHINESE_LIST = Path(__file__).with_name("common-passwords-zh.txt.gz")

PERSONAL = _l("Do not build your password from your phone number, staff number or name.")
DIGITS_ONLY = _l("Use letters as well as digits.")
TOO_COMMON = _l("This password is too common and easy to guess.")
KEYBOARD = _l("Keys next to each other on the keyboard are easy to guess.")
DATE = _l("A date such as a birthday is easy to guess.")
PATTERN = _l("Repeated or consecutive characters (such as aaaa or 1234) are easy to guess.")
GUESSABLE = _l("This password is easy to guess: make it longer or mix in other words.")

_REASONS = {
    "spatial": KEYBOARD,
    "date": DATE,
    "regex": DATE,  # zxcvbn's only regex is "recent year"
    "repeat": PATTERN,
    "sequence": PATTERN,
    "dictionary": TOO_COMMON,
}


@cache
def chinese_common_passwords() -> tuple[str, ...]:
    """Return the shipped Chinese list, most common first (read once per process)."""
    with gzip.open(_CHINESE_LIST, "rt", encoding="ascii") as lines:
        return tuple(line.strip() for line in lines if line.strip())


@cache
def _common() -> frozenset[str]:
    return frozenset(chinese_common_passwords()) | frozenset(FREQUENCY_LISTS["passwords"])


@cache
def _dictionaries() -> dict[str, dict[str, int]]:
    ours = {k: v for k, v in matching.RANKED_DICTIONARIES.items() if k != "user_inputs"}
    ours["chinese_passwords"] = matching.build_ranked_dict(chinese_common_passwords())
    return ours


def _identifiers(phone: str | None, staff_no: str | None, name: str | None) -> list[str]:
    """Return the lower-cased strings a password must not contain."""
    found: list[str] = []
    for value in (phone, staff_no):
        value = (value or "").strip().lower()
        if len(value) >= 4:
            found.append(value)
        digits = "".join(c for c in value if c.isdigit())
        if len(digits) >= _PERSONAL_DIGITS:
            found.append(digits[-_PERSONAL_DIGITS:])
    name = "".join((name or "").split()).lower()
    if len(name) >= 2:
        found.append(name)
    return found


def password_problem(
    password: str, *, phone: str | None, staff_no: str | None, name: str | None
) -> str | None:
    """Return why a new password is refused (a message), or None if it is fine."""
    lowered = password.lower()
    identifiers = _identifiers(phone, staff_no, name)
    if any(value in lowered for value in identifiers):
        return PERSONAL
    if password.isdigit():
        return DIGITS_ONLY
    if lowered in _common():
        return TOO_COMMON
    if len(password) > _ANALYSED_LENGTH:
        return None
    dictionaries = {**_dictionaries(), "user_inputs": matching.build_ranked_dict(identifiers)}
    matches = matching.omnimatch(password, dictionaries)
    if _all_keyboard_walks(password, matches):
        return KEYBOARD
    result = scoring.most_guessable_match_sequence(password, matches)
    if result["guesses"] >= MIN_GUESSES:
        return None
    return _reason(result["sequence"])


def _all_keyboard_walks(password: str, matches: list[_Match]) -> bool:
    """Return whether keyboard walks of 3+ keys make up the whole password.

    zxcvbn scores "1qaz@WSX3edc" (three column walks) as strong; it is a Chinese favourite.
    """
    covered: set[int] = set()
    for match in matches:
        if match["pattern"] == "spatial" and len(match["token"]) >= 3:
            covered.update(range(match["i"], match["j"] + 1))
    return len(covered) == len(password)


def _reason(sequence: list[_Match]) -> str:
    """Name the weakest part: the longest piece zxcvbn recognised."""
    # types-zxcvbn's pattern Literal leaves out "bruteforce", which the scorer adds for
    # the stretches it recognised nothing in.
    parts = [m for m in sequence if m["pattern"] != "bruteforce"]  # type: ignore[comparison-overlap]
    if not parts:
        return GUESSABLE
    biggest = max(parts, key=lambda m: len(m["token"]))
    if biggest.get("dictionary_name") == "user_inputs":
        return PERSONAL
    return _REASONS.get(biggest["pattern"], GUESSABLE)
