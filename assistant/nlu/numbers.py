"""Read pain scores and times since the workout out of normalised tokens.

Spoken numbers ("six", "twenty one") are already digits here: text.clauses() runs them through
text2num's alpha2digit, a maintained parser that handles compound numbers and decimals, so this
module only deals with what is specific to our two questions: "out of ten", ranges ("six or
seven" -> the higher, the safer reading), units, and day words ("last night").
"""
from __future__ import annotations

from typing import Mapping, Sequence

from assistant.nlu.matcher import PhraseIndex

_RANGE_WORDS = frozenset({"or", "to", "and", "maybe", "between"})


def _num(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def numbers_in(toks: Sequence[str]) -> list[float]:
    """Digit tokens, leaving out the '10' of 'out of 10'."""
    found = []
    for i, t in enumerate(toks):
        n = _num(t)
        if n is None:
            continue
        if i >= 2 and toks[i - 2] == "out" and toks[i - 1] == "of":
            continue
        found.append(n)
    return found


def parse_pain(toks: Sequence[str], words: PhraseIndex, low: float = 0, high: float = 10) -> int | None:
    """A 0-10 score: the highest number said ("six or seven" -> 7), else a word like "moderate".

    Returns None when nothing usable was said; a number outside the scale is not guessed at.
    """
    nums = numbers_in(toks)
    if nums:
        top = max(nums)
        if low <= top <= high:
            return int(round(top))
        return None
    matches = words.find(toks)
    if matches:
        return int(max(m.label for m in matches))  # type: ignore[arg-type]
    return None


class DurationParser:
    """Hours since the workout from phrases like "two and a half days" or "yesterday morning"."""

    def __init__(self, units: Mapping[str, float], counts: Mapping[str, float], relative: Mapping[str, float],
                 low: float = 0, high: float = 336):
        self.units = dict(units)
        self.counts = dict(counts)
        self.relative = PhraseIndex((k, v) for k, v in relative.items())
        self.low, self.high = low, high

    def _count(self, token: str) -> float | None:
        n = _num(token)
        return n if n is not None else self.counts.get(token)

    def parse(self, toks: Sequence[str]) -> float | None:
        """Hours, clamped to the contract's range; None when no time was said."""
        with_unit: list[float] = []
        bare: list[float] = []
        i, n = 0, len(toks)
        while i < n:
            count = self._count(toks[i])
            if count is None:
                i += 1
                continue
            j = i + 1
            # products like "half an hour", "a couple of days"
            while j < n and (toks[j] == "of" or (self._count(toks[j]) is not None and _num(toks[j]) is None)):
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
                k = j + 1
                if toks[k:k + 3] == ["and", "a", "half"]:
                    total += 0.5 * unit
                    k += 3
                with_unit.append(total)
                i = k
                continue
            if _num(toks[i]) is not None:
                bare.append(count + half)
            i = j
        if with_unit:
            hours = max(with_unit)
        else:
            rel = self.relative.find(toks)
            if rel:
                hours = max(float(m.label) for m in rel)  # type: ignore[arg-type]
            elif bare:
                hours = max(bare)
            else:
                return None
        return max(self.low, min(self.high, round(hours, 2)))
