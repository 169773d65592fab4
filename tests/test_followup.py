"""Follow-up check-ins: an earlier check-in of the same workout shapes today's conversation and verdict."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from assistant.config import load_settings
from assistant.dialog.conversation import Heard
from assistant.dialog.saving import finish_checkin, start_conversation
from assistant.nlu.language import Language

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
NOS = ["no"] * 2  # the two red-flag screens
FIRST = NOS + ["14 hours", "slowly", "4", "tight", "no, it's spread out", "no"]


def _checkin(lang: Language, tmp_path: Path, now: datetime, answers: list[str]):  # type: ignore[no-untyped-def]
    settings, _ = load_settings(flags={"data_dir": tmp_path})
    conv, store = start_conversation(lang, settings, use_history=True, source="text", now=now)
    opening = conv.opening()
    asked = []
    for a in answers:
        if conv.finished:
            break
        asked.append(conv.expecting().slot)
        conv.hear(Heard(a))
    while not conv.finished:  # anything further: plain "no"
        asked.append(conv.expecting().slot)
        conv.hear(Heard("no"))
    assert conv.result is not None
    record, note = finish_checkin(lang, store, conv.result, source="text", now=now)
    assert note is None
    return opening, asked, record, conv.result


def test_second_check_in_skips_what_is_known_and_asks_the_trend(lang: Language, tmp_path: Path) -> None:
    _, _, first, _ = _checkin(lang, tmp_path, T0, FIRST)
    assert first["level"] == "normal"
    later = T0 + timedelta(hours=16)  # 30 h after the workout
    opening, asked, record, result = _checkin(lang, tmp_path, later, NOS + ["5", "no, spread out", "no",
                                                                            "a bit worse"])
    assert "Welcome back" in opening and "4 out of 10" in opening and "about 16 hours ago," in opening
    assert "onset" not in asked and "quality" not in asked and "hours_since_workout" not in asked
    assert "trend" in asked  # asked on a follow-up even before 48 h
    assert abs(record["hours_since_workout"] - 30) < 0.1
    assert result.verdict.level == "normal"  # rising before the 48 h peak is ordinary


def test_not_easing_after_three_days_is_doctor(lang: Language, tmp_path: Path) -> None:
    _checkin(lang, tmp_path, T0, FIRST)
    later = T0 + timedelta(hours=66)  # 80 h after the workout
    _, _, record, result = _checkin(lang, tmp_path, later, NOS + ["4", "no, spread out", "no", "better"])
    assert result.verdict.level == "doctor"  # says better, but the score has not moved: the more worrying counts
    assert any("4 out of 10" in r for r in record["reasons"])


def test_progress_question_answers_from_history(lang: Language, tmp_path: Path) -> None:
    _checkin(lang, tmp_path, T0, FIRST)
    settings, _ = load_settings(flags={"data_dir": tmp_path})
    conv, _ = start_conversation(lang, settings, use_history=True, source="voice", now=T0 + timedelta(hours=10))
    conv.opening()
    reply = conv.hear(Heard("how has it been going?"))
    assert "14 hours after the workout, pain 4" in reply


def test_unwritable_history_still_finishes(lang: Language, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings, _ = load_settings(flags={"data_dir": blocker / "sub"})
    conv, store = start_conversation(lang, settings, use_history=True, source="text", now=T0)
    conv.opening()
    conv.hear(Heard("yes, I can't control my bladder"))
    assert conv.finished and conv.result is not None
    record, note = finish_checkin(lang, store, conv.result, source="text", now=T0)
    assert record["level"] == "emergency"
    assert note is not None and "couldn't save" in note


def test_a_follow_up_minutes_later_says_a_moment_ago(lang: Language, tmp_path: Path) -> None:
    _checkin(lang, tmp_path, T0, FIRST)
    opening, _, _, _ = _checkin(lang, tmp_path, T0 + timedelta(minutes=10), NOS + ["4"])
    assert "a moment ago, you rated the pain 4 out of 10." in opening
    assert "0 hours" not in opening and ",you" not in opening
