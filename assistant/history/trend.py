"""Follow-up rules: what an earlier check-in of the same workout tells us now.

Pure functions (no disk, no clock) so the rules can be tested day by day.
The time course comes from the clinical source: ordinary soreness (DOMS)
starts 6-8 h after the workout, peaks at 24-48 h and is gone by about 72 h;
pain that does not ease by 72-96 h is a reason to see a doctor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .messages import text
from .store import FOLLOW_UP_DAYS, LEVELS, StoredCheckIn

__all__ = [
    "PEAK_END_H",
    "EASED_BY_H",
    "STABLE_SLOTS",
    "RED_FLAG_SLOTS",
    "FollowUp",
    "Finding",
    "follow_up_context",
    "measured_trend",
    "most_serious",
    "trend_findings",
]

PEAK_END_H = 48.0
"""Soreness may still be building up to here; rising pain before it is ordinary."""

EASED_BY_H = 72.0
"""Ordinary soreness is gone by about now; pain that is not easing from here on needs a doctor."""

STABLE_SLOTS: tuple[str, ...] = ("onset", "quality")
"""Answers that describe how the pain began and what it is like: they do not change between days."""

RED_FLAG_SLOTS: frozenset[str] = frozenset(
    {
        "leg_weakness",
        "one_leg_weight",
        "bladder_bowel",
        "saddle_numbness",
        "leg_symptoms",
        "spreading",
        "night_pain",
        "movement",
        "localized",
    }
)
"""Warning signs that can appear on any day: always asked again, never carried over."""

_NEVER_SKIPPED = RED_FLAG_SLOTS | {"pain_score", "trend", "hours_since_workout"}
assert not set(STABLE_SLOTS) & _NEVER_SKIPPED, "a red-flag slot must never be skipped"

_TREND_RANK = {"better": 0, "same": 1, "worse": 2}


@dataclass(frozen=True)
class FollowUp:
    """The most recent earlier check-in of the same workout, for a follow-up conversation."""

    at: datetime
    """When the earlier check-in happened."""
    hours_since_workout: float | None
    """Hours after the workout at that earlier check-in."""
    pain_score: int | None
    """The pain score given then (None if unknown)."""
    level: str
    """The triage level given then."""
    workout_at: datetime | None
    """When the workout was, as worked out at that check-in."""
    hours_now: float | None
    """Hours from the workout to now (never negative), so the hours question can be confirmed, not asked."""
    hours_since_last: float
    """Hours since the earlier check-in (never negative, even after a clock change)."""
    skippable: dict[str, Any] = field(default_factory=dict)
    """Stable slots already answered for this workout (slot -> value); red-flag slots never appear here."""


@dataclass(frozen=True)
class Finding:
    """One conclusion from comparing check-ins across days."""

    level: str
    """emergency, urgent, doctor or normal."""
    reason: str
    """What we noticed, in plain words, for the person."""
    source: str
    """Where the rule comes from."""
    rule: str
    """A stable id for the rule (for tests and audits)."""


def follow_up_context(
    previous: Sequence[StoredCheckIn], now: datetime, max_age_days: float = FOLLOW_UP_DAYS
) -> FollowUp | None:
    """What to carry into today's check-in from earlier ones of the same workout.

    `previous` are the earlier check-ins of this workout (HistoryStore.recent_for_workout).
    Returns None when there are none or the latest is older than max_age_days.
    """
    if not previous:
        return None
    ordered = sorted(previous, key=lambda c: c.at)
    last = ordered[-1]
    since_last = (now - last.at).total_seconds() / 3600.0
    if since_last > max_age_days * 24:
        return None
    skippable: dict[str, Any] = {}
    for slot in STABLE_SLOTS:
        for checkin in reversed(ordered):
            value = checkin.slots.get(slot)
            if value is not None:
                skippable[slot] = value
                break
    hours_now = None
    if last.workout_at is not None:
        hours_now = max(0.0, (now - last.workout_at).total_seconds() / 3600.0)
    return FollowUp(
        at=last.at,
        hours_since_workout=last.hours_since_workout,
        pain_score=last.pain_score,
        level=last.level,
        workout_at=last.workout_at,
        hours_now=hours_now,
        hours_since_last=max(0.0, since_last),
        skippable=skippable,
    )


def measured_trend(previous_pain: int | None, current_pain: int | None) -> str | None:
    """better / same / worse from two pain scores (a rise of 1 point or more is worse), None if unknown."""
    if previous_pain is None or current_pain is None:
        return None
    if current_pain >= previous_pain + 1:
        return "worse"
    if current_pain < previous_pain:
        return "better"
    return "same"


def trend_findings(
    previous: Sequence[StoredCheckIn],
    current_hours: float | None,
    current_pain: int | None,
    stated_trend: str | None,
) -> list[Finding]:
    """Findings from how the pain has changed since the last check-in of this workout.

    The pain scores are compared here; where they and what the person said
    disagree, the more worrying of the two counts (a person who says "worse"
    is believed even if the number did not move).
    """
    reference = _last_with_pain(previous)
    previous_pain = None if reference is None else reference.pain_score
    measured = measured_trend(previous_pain, current_pain)
    stated = stated_trend if stated_trend in _TREND_RANK else None
    known = [t for t in (measured, stated) if t is not None]
    effective = max(known, key=_TREND_RANK.__getitem__) if known else None

    values = {
        "pain": current_pain,
        "previous_pain": previous_pain,
        "hours": _hours_text(current_hours),
    }
    findings: list[Finding] = []
    if current_hours is None:
        return findings
    hours = max(0.0, current_hours)

    if effective == "worse":
        if hours < PEAK_END_H:
            if measured == "worse":
                findings.append(_finding("normal", "rising_early", "doms_window", values))
        else:
            key = "worse_after_peak" if measured == "worse" else "said_worse_after_peak"
            findings.append(_finding("doctor", key, "doms_window", values))
    elif hours >= EASED_BY_H and current_pain is not None and current_pain >= 1:
        if effective == "same":
            key = "not_easing" if measured == "same" else "said_not_easing"
            findings.append(_finding("doctor", key, "not_easing", values))
        elif effective is None:
            findings.append(_finding("doctor", "unknown_easing", "not_easing", values))
    if effective == "better" and measured == "better":
        findings.append(_finding("normal", "easing", "doms_window", values))
    return findings


def most_serious(findings: Sequence[Finding]) -> str | None:
    """The most serious level among the findings, or None when there are none."""
    if not findings:
        return None
    return min((f.level for f in findings), key=LEVELS.index)


def _last_with_pain(previous: Sequence[StoredCheckIn]) -> StoredCheckIn | None:
    with_pain = [c for c in previous if c.pain_score is not None]
    return max(with_pain, key=lambda c: c.at) if with_pain else None


def _finding(level: str, key: str, source: str, values: dict[str, Any]) -> Finding:
    return Finding(
        level=level,
        reason=text(f"trend.{key}", **values),
        source=text(f"source.{source}"),
        rule=key,
    )


def _hours_text(hours: float | None) -> str:
    if hours is None:
        return "?"
    hours = max(0.0, hours)
    return f"{hours:.0f}" if abs(hours - round(hours)) < 0.05 else f"{hours:.1f}"
