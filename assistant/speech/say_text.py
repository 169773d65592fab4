"""Text as the voice should read it: numbers and units as words, cut into sentences.

Why here and not in ``intents/``: the printed transcript keeps "6 out of 10" and "48 hours" (quick to
read), while the voice must not guess. espeak-ng and the neural voice read digits and unit
abbreviations differently ("6/10" came out as "six ten", "3 hrs" depends on the engine), so both
get the same words from here. Sentences are the unit of the prompt cache and of streaming: the same
cut is used when prompts are prepared and when they are said, so a prepared sentence is found again.
"""
from __future__ import annotations

import re

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

#: unit abbreviations after a number -> (singular, plural)
_UNITS: dict[str, tuple[str, str]] = {
    "h": ("hour", "hours"), "hr": ("hour", "hours"), "hrs": ("hour", "hours"),
    "min": ("minute", "minutes"), "mins": ("minute", "minutes"),
    "s": ("second", "seconds"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "d": ("day", "days"), "wk": ("week", "weeks"), "wks": ("week", "weeks"),
    "kg": ("kilogram", "kilograms"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "km": ("kilometre", "kilometres"), "m": ("metre", "metres"), "%": ("percent", "percent"),
    "x": ("time", "times"),
}
_NUMBER = r"(\d+(?:[.,]\d+)*)"
_SCORE = re.compile(_NUMBER + r"\s*/\s*10\b")
_RANGE = re.compile(_NUMBER + r"\s*(?:-|–|to)\s*" + _NUMBER + r"(?=\s*[a-z%])", re.I)
_WITH_UNIT = re.compile(_NUMBER + r"\s?(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) +
                        r")(?![a-z])", re.I)
_BARE = re.compile(_NUMBER)
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.I)
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}
#: a sentence ends at . ! ? (or a colon) before a capital: "Back to the check-in: How long ago ..."
_SENTENCE_END = re.compile(r"(?:(?<=[.!?:])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])")


def number_words(n: int) -> str:
    """An integer in words ("forty-eight"), up to the billions."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            head, rest = divmod(n, size)
            tail = "" if not rest else (" and " if rest < 100 else " ") + number_words(rest)
            return f"{number_words(head)} {name}{tail}"
    raise AssertionError(n)  # pragma: no cover


def _number_text(digits: str) -> str:
    """"48" -> "forty-eight", "1,250" -> "one thousand two hundred and fifty", "2.5" -> "two point five"."""
    if re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
        digits = digits.replace(",", "")
    whole, _, frac = digits.partition(".")
    if "," in whole:  # "1,2" is not a number we write; read the digits
        return " ".join(_number_text(p) for p in whole.split(","))
    words = number_words(int(whole))
    if frac:
        words += " point " + " ".join(_ONES[int(d)] for d in frac)
    return words


def _ordinal(match: re.Match[str]) -> str:
    words = number_words(int(match.group(1)))
    head, sep, last = words.rpartition("-") if "-" in words else words.rpartition(" ")
    last = _ORDINAL_WORDS.get(last, last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return head + sep + last


def _unit(match: re.Match[str]) -> str:
    number, unit = match.group(1), match.group(2).lower()
    single, plural = _UNITS[unit]
    return f"{_number_text(number)} {single if number == '1' else plural}"


def normalize_for_speech(text: str) -> str:
    """``text`` with every number and unit abbreviation written as words, the rest unchanged.

    "6/10" -> "six out of ten", "48h" / "48 hrs" -> "forty-eight hours", "2-3 days" -> "two to three
    days", "3rd" -> "third", "20%" -> "twenty percent".
    """
    text = _SCORE.sub(lambda m: f"{_number_text(m.group(1))} out of ten", text)
    text = _RANGE.sub(lambda m: f"{m.group(1)} to {m.group(2)}", text)
    text = _ORDINAL.sub(_ordinal, text)
    text = _WITH_UNIT.sub(_unit, text)
    return _BARE.sub(lambda m: _number_text(m.group(1)), text)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (and lines), normalised, each ready to synthesise on its own."""
    out: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        out += [normalize_for_speech(s.strip()) for s in _SENTENCE_END.split(line) if s.strip()]
    return out
