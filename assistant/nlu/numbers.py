"""Read pain scores and times since the workout out of normalised tokens.

Spoken numbers ("six", "twenty one") are already digits here: text.clauses() runs them through
text2num's alpha2digit, a maintained parser that handles compound numbers and decimals, so this
module only deals with what is specific to our two questions: "out of ten", ranges ("six or
seven" -> the higher, the safer reading), units, and day words ("last night").
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Callable, Collection, Mapping, Sequence

from assistant.nlu.clock import MomentReader
from assistant.nlu.matcher import PhraseIndex

_RANGE_WORDS = frozenset({"or", "to", "and", "maybe", "between"})
#: Words after which a number said again replaces the one before ("seven, no, make it six").
CORRECTIONS = frozenset({"no", "actually", "mean", "rather", "make", "say", "correction", "sorry"})


def after_correction(toks: Sequence[str]) -> list[str]:
    """The tokens after the last correction that follows a number and precedes another one.

    "7 no lets say 6" -> "lets say 6"; "6 or 7" and "no, about 6" are left whole.
    """
    last_num = None
    cut = 0
    for i, t in enumerate(toks):
        if _num(t) is not None:
            last_num = i
        elif t in CORRECTIONS and last_num is not None and any(_num(x) is not None for x in toks[i + 1:]):
            cut = i + 1
    return list(toks[cut:])


def _num(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


#: Between a score and its scale's top, besides "out of" ("7 on 10" in Indian and West African English;
#: "eight out ten": Whisper dropped the "of" of a clean "eight out of ten" said twice, read as 10).
_SCALE_AFTER = frozenset({"on", "over", "out"})


def numbers_in(toks: Sequence[str], units: Collection[str] = ()) -> list[float]:
    """Digit tokens, leaving out the '10' of 'out of 10' or '7 on 10' and counts of a unit ('10 minutes')."""
    found = []
    for i, t in enumerate(toks):
        n = _num(t)
        if n is None:
            continue
        if i >= 2 and toks[i - 2] == "out" and toks[i - 1] == "of":
            continue
        if i >= 2 and toks[i - 1] in _SCALE_AFTER and _num(toks[i - 2]) is not None:
            continue  # "7 on 10", "7 over 10": the scale, not a second number
        if i + 1 < len(toks) and toks[i + 1] in units:
            continue
        found.append(n)
    return found


#: "one of the worst": followed by these, "one" is a thing, not a score.
_ONE_OF = frozenset({"the", "those", "these", "them", "my", "your"})
#: An ordinal as the tokens write it ("first" -> "1st"): "the first one" is a thing, not a score.
_ORDINAL = re.compile(r"\d+(st|nd|rd|th)")


def without_thing_ones(toks: Sequence[str], thing_after: Collection[str],
                       thing_before: Collection[str] = ()) -> list[str]:
    """``toks`` without the "1"s that were the word "one" naming a thing ("a bad one", "the first one",
    "one of those") or counting one ("one number", "one moment": ``thing_before``).

    Why: a transcript of noise or of someone else ("not going to be a good one") otherwise gives a
    score of 1, and "it's a bad one" would read as the mildest pain there is.
    """
    out = []
    for i, t in enumerate(toks):
        after_word = i > 0 and (toks[i - 1] in thing_after or _ORDINAL.fullmatch(toks[i - 1]) is not None)
        of_which = i + 2 < len(toks) and toks[i + 1] == "of" and toks[i + 2] in _ONE_OF
        counted = i + 1 < len(toks) and toks[i + 1] in thing_before
        if t == "1" and (after_word or of_which or counted):
            continue
        out.append(t)
    return out


#: This many different numbers in one answer are counting, not a pain score.
COUNTING = 3


def parse_pain(toks: Sequence[str], words: PhraseIndex, low: float = 0, high: float = 10,
               units: Collection[str] = (), thing_after: Collection[str] = ()) -> int | None:
    """A 0-10 score: the highest number said ("six or seven" -> 7, "six and a half" -> 7), else a word
    like "moderate".

    Returns None when nothing usable was said; a number outside the scale is not guessed at, nor
    are three different numbers or more: that is counting ("one, two, three, four"), or other people
    talking behind a transcribed answer, not a score. A "one" after a word of ``thing_after`` ("a
    bad one") names a thing and is not read as a number.
    """
    toks = after_correction(without_thing_ones(toks, thing_after))
    nums = numbers_in(toks, units)
    if len(set(nums)) >= COUNTING:
        return None
    if nums:
        halves = [n + 0.5 for i, t in enumerate(toks) if (n := _num(t)) is not None
                  and toks[i + 1:i + 4] in (["and", "a", "half"], ["and", "half"], ["and", "half", "ish"])]
        top = max(nums + halves)
        if low <= top <= high + 0.5:  # "ten and a half" is the top of the scale
            # "six and a half" is 7, the higher, as "six or seven" is (round() gave 6)
            return min(math.ceil(top), int(high))
        return None
    matches = words.find(toks)
    if matches:
        return int(max(m.label for m in matches))  # type: ignore[arg-type]
    return None


#: Words that may stand between a count and its unit without changing it.
_INSIDE_COUNT = frozenset({"of", "ish", "odd", "plus", "or", "so"})
#: Counts that only estimate ("a few hours"): a number said beside them is the better reading.
_VAGUE = frozenset({"few", "couple", "several"})


class DurationParser:
    """Hours since the workout from phrases like "two and a half days" or "yesterday morning"."""

    def __init__(self, units: Mapping[str, float], counts: Mapping[str, float], relative: Mapping[str, float],
                 low: float = 0, high: float = 336, moments: MomentReader | None = None,
                 now: Callable[[], datetime] = datetime.now, counted: Collection[str] = ()):
        """`moments` reads "Sunday arvo, and it's Tuesday"; `now` is the clock for a "now" left unsaid;
        `counted`: things a number before them counts ("two sessions back to back" is no 2 hours)."""
        self.moments = moments
        self.counted = frozenset(counted)
        self.now = now
        self.units = dict(units)
        self.counts = dict(counts)
        self.relative = PhraseIndex((k, v) for k, v in relative.items())
        self.low, self.high = low, high

    def _count(self, token: str) -> float | None:
        n = _num(token)
        return n if n is not None else self.counts.get(token)

    def parse(self, toks: Sequence[str]) -> float | None:
        """Hours, clamped to the contract's range; None when no time was said.

        A count said as a number beats a vague one in the same unit ("a good few hours, four or
        five" -> 5 hours), and a correction replaces what came before it ("two days, no, three").
        """
        corrected = after_correction(toks)
        # "two days, no, three": the corrected count keeps the unit said before it
        earlier = [self.units[t] for t in toks[:len(toks) - len(corrected)] if t in self.units]
        toks = corrected
        with_unit: list[float] = []
        vague_unit: float | None = earlier[-1] if earlier else None
        bare: list[float] = []
        i, n = 0, len(toks)
        while i < n:
            count = self._count(toks[i])
            if count is None and toks[i] in self.units and toks[i + 1:i + 4] == ["and", "a", "half"]:
                with_unit.append(1.5 * self.units[toks[i]])  # "hour and a half"
                i += 4
                continue
            if count is None:
                i += 1
                continue
            j = i + 1
            # products like "half an hour", "a couple of days"; hedges inside a count ("7 ish hours", "20 odd")
            while j < n and (toks[j] in _INSIDE_COUNT or (self._count(toks[j]) is not None and _num(toks[j]) is None)):
                c = self._count(toks[j])
                if c is not None:
                    count *= c
                j += 1
            half = 0.0
            if j + 2 < n + 0 and toks[j:j + 3] == ["and", "a", "half"]:
                half, j = 0.5, j + 3
            # ranges: "2 or 3 days" -> the higher number with the unit that follows
            if j + 1 < n and toks[j] in _RANGE_WORDS and self._count(toks[j + 1]) is not None:
                i = j + 1
                continue
            if j < n and toks[j] in self.units:
                unit = self.units[toks[j]]
                total = (count + half) * unit
                if _num(toks[i]) is None and toks[i] in _VAGUE:
                    vague_unit = unit
                k = j + 1
                if toks[k:k + 3] == ["and", "a", "half"]:
                    total += 0.5 * unit
                    k += 3
                with_unit.append(total)
                if k + 1 < n and toks[k] in ("or", "to") and self._count(toks[k + 1]) is not None:
                    with_unit.append(self._count(toks[k + 1]) * unit)  # "a day or 2": the higher, same unit
                    k += 2
                i = k
                continue
            if _num(toks[i]) is not None and not (j < n and toks[j] in self.counted):
                bare.append(count + half)
            i = j
        if bare and vague_unit is not None and len(with_unit) <= 1:
            hours = max(bare) * vague_unit
        elif with_unit:
            hours = max(with_unit)
        elif self.moments is not None and (since := self.moments.hours_since(toks, self.now())) is not None:
            hours = since
        else:
            rel = self.relative.find(toks)
            if rel:
                hours = max(float(m.label) for m in rel)  # type: ignore[arg-type]
            elif bare:
                hours = max(bare)
            else:
                return None
        return max(self.low, min(self.high, round(hours, 2)))
