"""Times said as moments ("Sunday arvo, and today's Tuesday"), through the public Understander."""
from __future__ import annotations

from datetime import datetime

import pytest

from assistant.nlu.language import Language
from assistant.nlu.understand import Understander

WEDNESDAY_6PM = datetime(2026, 12, 2, 18, 0)


@pytest.fixture(scope="module")
def at_six(lang: Language) -> Understander:
    return Understander(lang, meaning=False, now=lambda: WEDNESDAY_6PM)


@pytest.mark.parametrize("text, low, high", [
    ("I trained Monday and it's Wednesday", 48, 60),           # now from the clock: Wednesday 6 pm
    ("Sunday arvo, and today's Tuesday", 46, 56),              # now's day from the words
    ("half nine this morning, and it's coming up to lunch now", 2, 4),
    ("since 7 o'clock this morning, now it is evening", 11, 13),
    ("at 7 and it's 10 now", 2.5, 3.5),
    ("last night around eight, and I've just had my brekkie", 11, 13),
    ("yesterday at 6pm", 23, 25),
    ("at the gym at 5", 0.5, 1.5),                             # 5 said at 6 pm: 5 pm
    ("last night", 12, 12),                                    # no clock time: the duration table
    ("two days ago", 48, 48),                                  # a duration beats any moment
    ("this morning at 6, it's now 2", 8, 8),                   # now before the workout: 2 pm
    ("at 7 in the evening, now it's 9 in the morning", 14, 14),  # now before the workout: a day later
    ("last evening around 7, now it is 9", 14, 14),
    ("the day before yesterday I think, yeah, Sunday", 54, 54),  # the day said from today wins over a weekday
    ("around 6 last night", 24, 24),                           # "around" with a day word: a clock time
    ("about 2, it's 6 now", 4, 4),
])
def test_moments_become_hours(at_six: Understander, text: str, low: float, high: float) -> None:
    hours = at_six.understand(text, "hours_since_workout").slots["hours_since_workout"]
    assert low <= hours <= high, hours


def test_a_moment_after_now_is_not_a_negative_time(at_six: Understander) -> None:
    u = at_six.understand("tonight at 9", "hours_since_workout")
    assert u.slots.get("hours_since_workout") is None or u.slots["hours_since_workout"] >= 0


@pytest.mark.parametrize("text, hours", [
    ("sevenish hours", 7), ("twenty-odd minutes", 0.33), ("a day or two", 48), ("four-five hours", 5),
    ("a quarter of an hour ago", 0.25), ("an hour and a half", 1.5), ("two days, no, three", 72),
    ("a good few hours, four or five maybe", 5),
    ("about two", 2), ("around 3 I reckon", 3),  # asked how long ago: hours, not 2 or 3 o'clock
])
def test_loose_durations(at_six: Understander, text: str, hours: float) -> None:
    assert at_six.understand(text, "hours_since_workout").slots["hours_since_workout"] == pytest.approx(hours, abs=0.01)


def test_a_count_of_sessions_is_no_time(at_six: Understander) -> None:
    u = at_six.understand("I did two sessions back to back, couldn't tell you when", "hours_since_workout")
    assert u.slots.get("hours_since_workout") != 2


def test_not_remembering_is_not_a_guess(at_six: Understander) -> None:
    u = at_six.understand("can't remember honestly, the last few days are a blur", "hours_since_workout")
    assert u.slots == {"hours_since_workout": None}


@pytest.mark.parametrize("text", ["um, can't remember, the last few days are a blur",
                                  "honestly can't remember if it was yesterday or the day before"])
def test_an_opening_dont_know_is_not_a_guess_after_a_filler(at_six: Understander, text: str) -> None:
    assert at_six.understand(text, "hours_since_workout").slots == {"hours_since_workout": None}


def test_not_knowing_exactly_still_answers(at_six: Understander) -> None:
    u = at_six.understand("can't remember exactly, yesterday evening", "hours_since_workout")
    assert u.slots["hours_since_workout"] == pytest.approx(18, abs=0.01)  # the duration table's "yesterday evening"
