"""Turn any utterance (typed, recognised, or from an audit file) into comparable tokens.

Phrases in intents/ and what people say go through the same function, so "can't", "Can't" and
"cant", or "one spot" and "1 spot", meet in the middle.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from text_to_num import alpha2digit

#: Longest utterance we read. A spoken answer is a sentence or two; a 10,000-character paste is
#: cut here rather than slowing every turn (the start of an answer carries the answer).
MAX_CHARS = 600

_CLAUSE_SPLIT = re.compile(r"[,;.!?]+|\s(?:but|although|though|however)\s")
_NOT_WORD = re.compile(r"[^a-z0-9.\s]")
_SPACES = re.compile(r"\s+")
_CONTRACTION = re.compile(r"(\w)[’'`](\w)")
_NUMBER_WORD = (r"(\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                r"thirty|forty|fifty|sixty)")
#: "sixish", "six-ish", "6ish" -> "six ish": the number stands on its own, the hedge beside it.
_ISH = re.compile(_NUMBER_WORD + r"-?ish\b")
_HYPHEN = re.compile(r"(?<=[a-z0-9])-(?=[a-z0-9])")
#: "out of ten" as said or misheard ("4 outta 10", "four, out and ten").
_OUT_OF = re.compile(r"\bout(?:ta| o| a| and| in)\b(?= (?:10|ten)\b)")
#: "can not" is "cannot" (a transcriber writes it apart): "I can not stand on it" was read as able to.
_CAN_NOT = re.compile(r"\bcan not\b")


def _ascii(text: str) -> str:
    """Fold accents and drop emoji and other symbols that carry no answer."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=4096)
def _words_to_digits(text: str) -> str:
    try:
        return alpha2digit(text, "en", threshold=0)
    except Exception:  # the number parser must never end a check-in
        return text


def clauses(text: str) -> list[list[str]]:
    """Split an utterance into clauses of normalised tokens (numbers as digits).

    Clauses matter for negation: in "no, it's all across my back" the "no" does not negate
    "all across".
    """
    text = _ascii(text[:MAX_CHARS]).lower()
    text = _CONTRACTION.sub(r"\1\2", text)
    text = _CAN_NOT.sub("cannot", _OUT_OF.sub("out of", _ISH.sub(r"\1 ish", text)))
    text = _HYPHEN.sub(" ", text)  # "twenty-odd", "four-five": the number parser reads words apart
    text = re.sub(r"(\d)\s*/\s*10\b", r"\1 out of 10", text)
    out: list[list[str]] = []
    for part in _CLAUSE_SPLIT.split(text):
        part = _words_to_digits(part.strip())
        part = _NOT_WORD.sub(" ", part)
        toks = [t.strip(".") for t in _SPACES.split(part) if t.strip(".")]
        if toks:
            out.append(toks)
    return out


def tokens(text: str) -> list[str]:
    """All normalised tokens of a phrase or utterance, ignoring clause boundaries."""
    return [t for c in clauses(text) for t in c]


def normalize(text: str) -> str:
    """One normalised string, for exact comparisons and caches."""
    return " ".join(tokens(text))
