"""One check-in as the history keeps it, the faults the history can report, and the time and row helpers."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .messages import text

LEVELS: tuple[str, ...] = ("emergency", "urgent", "doctor", "normal")
"""Triage levels, most serious first (contract.md)."""

SAME_WORKOUT_H = 3.0
"""Two check-ins belong to the same workout when their workout times differ by at most this."""

FOLLOW_UP_DAYS = 7.0
"""A workout whose last check-in is older than this is not followed up any more."""

class HistoryError(Exception):
    """Any expected history fault; the message is meant for the person."""


class HistoryUnavailable(HistoryError):
    """The history file cannot be opened or written (read-only, full disk, bad path)."""


class BadCheckIn(HistoryError, ValueError):
    """A record that cannot be stored as it is (unknown level, missing time)."""


@dataclass
class StoredCheckIn:
    """One finished or stopped check-in, as kept in the history."""

    at: datetime
    """When the check-in happened (timezone-aware)."""
    level: str
    """Triage level: emergency, urgent, doctor or normal."""
    slots: dict[str, Any] = field(default_factory=dict)
    """Contract slots; None means the person could not answer."""
    reasons: list[str] = field(default_factory=list)
    """Why the level was chosen, most important first."""
    hours_since_workout: float | None = None
    """Hours between the workout and the check-in, never negative; None when unknown."""
    workout_at: datetime | None = None
    """When the workout was (at - hours_since_workout); None when unknown."""
    finished: bool = True
    """False when the person stopped the check-in early."""
    source: str = "text"
    """voice, text or audit ("unknown" for check-ins saved before schema v2)."""
    id: int | None = None
    """Row id once stored."""
    workout_id: int | None = None
    """Check-ins of the same workout share this (the id of the workout's first check-in)."""

    @property
    def pain_score(self) -> int | None:
        """The pain score slot as an int, or None when unknown."""
        value = self.slots.get("pain_score")
        if isinstance(value, bool) or value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    @property
    def main_reason(self) -> str:
        """The first reason, or an empty string."""
        return self.reasons[0] if self.reasons else ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredCheckIn:
        """Build from the lead's JSON-like record (times as ISO 8601 strings or datetimes)."""
        try:
            at = _parse_time(data["at"])
        except KeyError:
            raise BadCheckIn(text("store.bad_record", detail="it has no time ('at')")) from None
        hours = data.get("hours_since_workout")
        workout_at = data.get("workout_at")
        return cls(
            at=at,
            level=str(data.get("level", "")),
            slots=dict(data.get("slots") or {}),
            reasons=[str(r) for r in data.get("reasons") or []],
            hours_since_workout=None if hours is None else float(hours),
            workout_at=None if workout_at is None else _parse_time(workout_at),
            finished=bool(data.get("finished", True)),
            source=str(data.get("source") or "text"),
            id=data.get("id"),
            workout_id=data.get("workout_id"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (times as ISO 8601 strings)."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "workout_at": None if self.workout_at is None else self.workout_at.isoformat(),
            "workout_id": self.workout_id,
            "hours_since_workout": self.hours_since_workout,
            "pain_score": self.pain_score,
            "slots": dict(self.slots),
            "level": self.level,
            "reasons": list(self.reasons),
            "finished": self.finished,
            "source": self.source,
        }

    def normalised(self) -> StoredCheckIn:
        """A copy with both workout fields filled in where one is known, hours never negative.

        A clock change can put `at` before the workout; then hours are clamped
        to 0 and the workout time is kept so the check-in still groups with
        its workout.
        """
        if self.level not in LEVELS:
            raise BadCheckIn(
                text("store.bad_record", detail=f"its level {self.level!r} is not one of {', '.join(LEVELS)}")
            )
        at = _aware(self.at)
        workout_at = None if self.workout_at is None else _aware(self.workout_at)
        hours = self.hours_since_workout
        if hours is not None:
            hours = max(0.0, float(hours))
            if workout_at is None:
                workout_at = at - timedelta(hours=hours)
        elif workout_at is not None:
            hours = max(0.0, (at - workout_at).total_seconds() / 3600.0)
        if workout_at is not None and workout_at > at:
            hours = 0.0
        return StoredCheckIn(
            at=at,
            level=self.level,
            slots=dict(self.slots),
            reasons=list(self.reasons),
            hours_since_workout=hours,
            workout_at=workout_at,
            finished=self.finished,
            source=self.source,
            id=self.id,
            workout_id=self.workout_id,
        )


def default_history_path(environ: Mapping[str, str] | None = None) -> Path:
    """$BACKCHECK_HISTORY_DB, else $XDG_DATA_HOME/backcheck/history.sqlite3 (~/.local/share by default)."""
    env = os.environ if environ is None else environ
    explicit = env.get("BACKCHECK_HISTORY_DB")
    if explicit:
        return Path(explicit).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "backcheck" / "history.sqlite3"



# ---- row helpers ------------------------------------------------------------

_COLUMNS = "id, at, workout_at, hours, level, finished, slots, reasons, source, workout_id"


def _row_to_checkin(row: tuple[Any, ...]) -> StoredCheckIn:
    row_id, at, workout_at, hours, level, finished, slots, reasons, source, workout_id = row
    return StoredCheckIn(
        id=int(row_id),
        at=_parse_time(at),
        workout_at=None if workout_at is None else _parse_time(workout_at),
        hours_since_workout=None if hours is None else float(hours),
        level=str(level),
        finished=bool(finished),
        slots=_json_or(slots, {}),
        reasons=_json_or(reasons, []),
        source=str(source),
        workout_id=None if workout_id is None else int(workout_id),
    )


def _json_or(raw: str, default: Any) -> Any:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def _aware(moment: datetime) -> datetime:
    """Naive times are taken as local time, so comparisons never mix the two kinds."""
    return moment if moment.tzinfo is not None else moment.astimezone()


def _iso(moment: datetime) -> str:
    """UTC, fixed width, so SQL string comparison orders times correctly."""
    return _aware(moment).astimezone(UTC).isoformat(timespec="microseconds")


def _parse_time(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return _aware(value)
    try:
        return _aware(datetime.fromisoformat(str(value)))
    except ValueError:
        raise BadCheckIn(text("store.bad_record", detail=f"{value!r} is not an ISO 8601 time")) from None

