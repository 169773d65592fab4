"""Hours since the workout from a moment rather than a duration: "Sunday arvo, and today's Tuesday",
"half nine this morning, it's coming up to lunch now", "I trained at 7 and it's 10 now".

Why: people often name when they trained, not how long ago, and leave "now" implicit or say it
loosely. The workout moment and the "now" moment are read from the words (weekdays, parts of the
day, meals, clock times); whatever the answer does not say about now comes from the real clock.
The words themselves live in intents/<lang>/durations.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

from assistant.nlu.matcher import PhraseIndex

#: Tokens that make a number a clock time rather than a count.
_CLOCK_BEFORE = frozenset({"at", "since", "from", "half", "past", "after", "till", "til", "by"})
#: These too, but only where the answer also says what time it is now ("about 2, it's 9 now") or a
#: word after the number makes it a time ("around 6 last night"): asked how long ago, "about two"
#: alone is two hours (it had been read as 2 o'clock: 7 hours at 9 pm).
_LOOSE_CLOCK_BEFORE = frozenset({"around", "about"})
_CLOCK_AFTER = frozenset({"oclock", "am", "pm", "ish", "this", "last", "in", "yesterday", "on"})


@dataclass
class Moment:
    """What a stretch of words says about a point in time (any part may be missing)."""

    weekday: int | None = None  #: 0 Monday ... 6 Sunday
    day_offset: int | None = None  #: 0 today, -1 yesterday...
    hour: float | None = None  #: 0-24
    part_hour: float | None = None  #: the typical hour of a part of the day or a meal ("arvo" 15)
    pm: bool | None = None  #: the part of the day says morning (False) or afternoon/evening (True)

    def empty(self) -> bool:
        return self.weekday is None and self.day_offset is None and self.hour is None and self.part_hour is None


class MomentReader:
    """Reads workout and "now" moments; built once from the language data."""

    def __init__(self, weekdays: Mapping[str, int], parts_of_day: Mapping[str, float],
                 day_offsets: Mapping[str, int], now_words: Sequence[str]):
        self.weekdays = dict(weekdays)
        self.parts = PhraseIndex((k, v) for k, v in parts_of_day.items())
        self.offsets = PhraseIndex((k, v) for k, v in day_offsets.items())
        self.now_words = frozenset(now_words)

    def read(self, toks: Sequence[str], now: bool = False, loose: bool = False) -> Moment:
        """The moment in `toks`; with `now` (words about the present) a bare number is a clock time ("it's 10");
        with `loose` (the answer says what time it is now), so is one after "about" or "around"."""
        m = Moment()
        for t in toks:
            if t in self.weekdays and m.weekday is None:
                m.weekday = self.weekdays[t]
        offsets = self.offsets.find(list(toks))
        if offsets:
            m.day_offset = int(min(x.label for x in offsets))  # type: ignore[call-overload]
        parts = self.parts.find(list(toks))
        if parts:
            m.part_hour = float(parts[0].label)  # type: ignore[arg-type]
            m.pm = m.part_hour >= 12
        m.hour = self._clock(toks, m.pm, now, loose)
        return m

    def _clock(self, toks: Sequence[str], pm: bool | None, bare: bool = False, loose: bool = False) -> float | None:
        cues = (_CLOCK_BEFORE | _LOOSE_CLOCK_BEFORE) if loose else _CLOCK_BEFORE
        for i, t in enumerate(toks):
            text = t[:-2] if t.endswith(("am", "pm")) and t[:-2].isdigit() else t
            if not text.isdigit() or not 1 <= int(text) <= 12:
                continue
            before = toks[i - 1] if i else ""
            after = toks[i + 1] if i + 1 < len(toks) else ""
            if not (bare or text != t or before in cues or after in _CLOCK_AFTER or pm is not None):
                continue
            hour = float(text)
            if before == "half":
                hour += 0.5
            elif after.isdigit() and len(after) == 2 and int(after) < 60:
                hour += int(after) / 60  # "9 30"
            is_pm = t.endswith("pm") or after == "pm" or (pm is True and not t.endswith("am"))
            if is_pm and hour < 12:
                hour += 12
            return hour
        return None

    def hours_since(self, toks: Sequence[str], now: datetime) -> float | None:
        """Hours from the workout moment to now; None when the words name no moment."""
        cut = next((i for i, t in enumerate(toks) if i > 0 and t in self.now_words), len(toks))
        work, anchor = self.read(toks[:cut], loose=cut < len(toks)), self.read(toks[cut:], now=True)
        if work.weekday is None and work.hour is None and (anchor.empty() or work.empty()):
            return None  # "last night" alone is a relative phrase: the duration table reads it
        now_hour = anchor.hour if anchor.hour is not None else anchor.part_hour
        if now_hour is None:
            now_hour = now.hour + now.minute / 60
        now_weekday = anchor.weekday if anchor.weekday is not None else now.weekday()
        work_hour = work.hour if work.hour is not None else work.part_hour
        if anchor.hour is not None and anchor.pm is None and now_hour < 12 and work_hour is not None \
                and now_hour < work_hour and work.day_offset in (None, 0) and work.weekday is None:
            now_hour += 12  # "this morning at 6, it's 2 now": 2 in the afternoon, not before the workout
        if work_hour is None:
            work_hour = 12.0
        elif work.hour is not None and work.pm is None and work.hour < 12 and work.hour + 12 <= now_hour \
                and work.day_offset in (None, 0) and work.weekday is None:
            work_hour += 12  # "at 7" said in the evening: 7 pm
        if work.weekday is not None and work.day_offset is None:  # "the day before yesterday, Thursday":
            days = -((now_weekday - work.weekday) % 7)              # the day said from today counts
            if days == 0 and work_hour > now_hour:
                days = -7
        else:
            days = work.day_offset or 0
            if work.day_offset is None and work.pm is not None and anchor.weekday is None and now_hour <= work_hour:
                days = -1  # "around 7 in the evening, now it's 9 in the morning": that was yesterday
        hours = now_hour - (days * 24 + work_hour)
        return hours if hours > 0 else None
