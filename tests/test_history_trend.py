"""Follow-up rules across the days after one workout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.history.store import HistoryStore, StoredCheckIn
from assistant.history.trend import (
    RED_FLAG_SLOTS,
    STABLE_SLOTS,
    follow_up_context,
    measured_trend,
    most_serious,
    trend_findings,
)

WORKOUT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def checkin(hours: float, pain: int | None, level: str = "normal", **slots: object) -> StoredCheckIn:
    return StoredCheckIn(
        at=WORKOUT + timedelta(hours=hours),
        workout_at=WORKOUT,
        hours_since_workout=hours,
        level=level,
        slots={"pain_score": pain, **slots},
        reasons=["earlier"],
    )


def test_measured_trend_compares_pain_scores() -> None:
    assert measured_trend(4, 5) == "worse"
    assert measured_trend(4, 3) == "better"
    assert measured_trend(4, 4) == "same"
    assert measured_trend(None, 4) is None
    assert measured_trend(4, None) is None


def test_multi_day_sequence_through_the_store(tmp_path: Path) -> None:
    """14 h pain 4 -> 30 h pain 5 -> 60 h pain 3 -> 80 h pain 3 (same): only the last needs a doctor."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    levels = []
    for hours, pain, stated in [(14, 4, None), (30, 5, "worse"), (60, 3, "better"), (80, 3, "same")]:
        now = WORKOUT + timedelta(hours=hours)
        previous = store.recent_for_workout(now, WORKOUT)
        findings = trend_findings(previous, hours, pain, stated)
        level = most_serious(findings) or "normal"
        levels.append((hours, level, [f.rule for f in findings]))
        store.add(checkin(hours, pain, level))
    assert levels == [
        (14, "normal", []),
        (30, "normal", ["rising_early"]),
        (60, "normal", ["easing"]),
        (80, "doctor", ["not_easing"]),
    ]


def test_rising_before_48_hours_is_ordinary() -> None:
    [finding] = trend_findings([checkin(14, 4)], 30, 5, None)
    assert finding.level == "normal"
    assert "4 to 5" in finding.reason and "30 hours" in finding.reason
    assert "24 to 48 hours" in finding.source


def test_worse_after_the_48_hour_peak_needs_a_doctor() -> None:
    [finding] = trend_findings([checkin(30, 4)], 50, 5, None)
    assert finding.level == "doctor" and finding.rule == "worse_after_peak"
    assert "4 to 5" in finding.reason and "50 hours" in finding.reason


def test_saying_worse_after_the_peak_counts_even_if_the_number_did_not_move() -> None:
    [finding] = trend_findings([checkin(30, 4)], 50, 4, "worse")
    assert finding.level == "doctor" and finding.rule == "said_worse_after_peak"
    [first_time] = trend_findings([], 50, 4, "worse")
    assert first_time.level == "doctor"


def test_still_there_and_not_easing_by_72_hours_needs_a_doctor() -> None:
    [finding] = trend_findings([checkin(60, 3)], 80, 3, "same")
    assert finding.level == "doctor" and "80 hours" in finding.reason
    assert "72 to 96 hours" in finding.source
    # The person says "better" but the score did not move: the more worrying answer counts.
    assert most_serious(trend_findings([checkin(60, 3)], 80, 3, "better")) == "doctor"
    # Nothing earlier and the person says "the same": still not easing.
    assert most_serious(trend_findings([], 90, 2, "same")) == "doctor"


def test_unknown_easing_late_on_is_not_taken_as_better() -> None:
    [finding] = trend_findings([], 80, 2, None)
    assert finding.level == "doctor" and finding.rule == "unknown_easing"


def test_easing_or_gone_late_on_is_fine() -> None:
    assert most_serious(trend_findings([checkin(60, 4)], 80, 2, "better")) == "normal"
    assert trend_findings([checkin(60, 0)], 80, 0, "same") == []


def test_same_pain_before_72_hours_is_no_finding() -> None:
    assert trend_findings([checkin(30, 4)], 50, 4, "same") == []


def test_unknown_hours_or_pain_give_no_timing_findings() -> None:
    assert trend_findings([checkin(30, 4)], None, 6, "worse") == []
    assert trend_findings([checkin(60, 4)], 80, None, None) == []


def test_compares_with_the_latest_check_in_that_has_a_pain_score() -> None:
    previous = [checkin(14, 2), checkin(40, 6), checkin(55, None)]
    [finding] = trend_findings(previous, 60, 4, None)
    assert finding.rule == "easing" and "6 to 4" in finding.reason


def test_follow_up_context_carries_stable_slots_only() -> None:
    earlier = checkin(14, 4, onset="gradual", quality=None, leg_weakness=False, night_pain=False)
    latest = checkin(30, 5, "normal", quality="dull", leg_weakness=False, spreading=False, localized=False)
    now = WORKOUT + timedelta(hours=60)
    ctx = follow_up_context([latest, earlier], now)
    assert ctx is not None
    assert ctx.at == latest.at and ctx.pain_score == 5 and ctx.level == "normal"
    assert ctx.hours_since_workout == 30 and ctx.hours_now == pytest.approx(60)
    assert ctx.hours_since_last == pytest.approx(30)
    assert ctx.skippable == {"onset": "gradual", "quality": "dull"}
    assert not set(ctx.skippable) & RED_FLAG_SLOTS
    assert not set(STABLE_SLOTS) & RED_FLAG_SLOTS


def test_follow_up_context_when_there_is_nothing_to_follow() -> None:
    assert follow_up_context([], WORKOUT) is None
    old = checkin(14, 4)
    assert follow_up_context([old], old.at + timedelta(days=8)) is None


def test_follow_up_context_survives_a_clock_change() -> None:
    later = checkin(30, 5)
    ctx = follow_up_context([later], later.at - timedelta(hours=3))
    assert ctx is not None and ctx.hours_since_last == 0.0 and ctx.hours_now == pytest.approx(27)
