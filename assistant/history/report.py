"""Past check-ins as a table, JSON lines or a CSV file for a clinician."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path

from ..output import printable
from .messages import text
from .store import HistoryError, StoredCheckIn

__all__ = ["format_table", "to_json_lines", "export_csv", "CONTRACT_SLOTS"]

CONTRACT_SLOTS: tuple[str, ...] = (
    "hours_since_workout",
    "onset",
    "pain_score",
    "quality",
    "localized",
    "spreading",
    "leg_symptoms",
    "leg_weakness",
    "one_leg_weight",
    "night_pain",
    "movement",
    "trend",
    "bladder_bowel",
    "saddle_numbness",
    "side",
)
"""Slot columns in the CSV, in contract order (any extra slots follow, sorted)."""

_REASON_WIDTH = 60


def format_table(checkins: Sequence[StoredCheckIn], tz: tzinfo | None = None, reason_width: int = _REASON_WIDTH) -> str:
    """A plain-text table, one check-in a line: when, hours since workout, pain, level, main reason.

    Times are shown in `tz` (the computer's local time when None).
    """
    if not checkins:
        return text("report.empty")
    unknown = text("report.unknown")
    header = [
        text("report.col_when"),
        text("report.col_hours"),
        text("report.col_pain"),
        text("report.col_level"),
        text("report.col_reason"),
    ]
    rows: list[list[str]] = []
    for c in sorted(checkins, key=lambda c: c.at):
        reason = c.main_reason
        if not c.finished:
            reason = f"{text('report.stopped')} {reason}".strip()
        rows.append(
            [
                c.at.astimezone(tz).strftime("%a %Y-%m-%d %H:%M"),
                unknown if c.hours_since_workout is None else f"{c.hours_since_workout:.0f} h",
                unknown if c.pain_score is None else f"{c.pain_score}/10",
                c.level,
                _shorten(printable(reason), reason_width),
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {1, 2}

    def line(cells: list[str]) -> str:
        out = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(cells)]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def to_json_lines(checkins: Sequence[StoredCheckIn]) -> str:
    """One JSON object per check-in per line (oldest first), newline-terminated; empty string when none."""
    lines = [json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) for c in sorted(checkins, key=lambda c: c.at)]
    return "".join(line + "\n" for line in lines)


def export_csv(checkins: Sequence[StoredCheckIn], path: Path) -> int:
    """Write the check-ins to a CSV file (private, mode 0600) and return how many rows were written.

    The file is written next to the target and renamed into place, so a
    failure never leaves half a file. Raises HistoryError when it cannot be written.
    """
    path = Path(path)
    extra = sorted({k for c in checkins for k in c.slots} - set(CONTRACT_SLOTS))
    slot_columns = [s for s in CONTRACT_SLOTS if s != "hours_since_workout"] + extra
    fields = [
        "id",
        "at",
        "workout_id",
        "workout_at",
        "hours_since_workout",
        "level",
        "finished",
        "source",
        "main_reason",
        "reasons",
        *slot_columns,
    ]
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise HistoryError(text("command.write_failed", path=path, detail=exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for c in sorted(checkins, key=lambda c: c.at):
                row = {
                    "id": c.id,
                    "at": c.at.isoformat(),
                    "workout_id": c.workout_id,
                    "workout_at": "" if c.workout_at is None else c.workout_at.isoformat(),
                    "hours_since_workout": "" if c.hours_since_workout is None else f"{c.hours_since_workout:g}",
                    "level": c.level,
                    "finished": "yes" if c.finished else "no",
                    "source": c.source,
                    "main_reason": c.main_reason,
                    "reasons": "; ".join(c.reasons),
                }
                for slot in slot_columns:
                    row[slot] = _csv_value(c.slots.get(slot))
                writer.writerow(row)
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise HistoryError(text("command.write_failed", path=path, detail=exc.strerror or exc)) from None
    return len(checkins)


def _csv_value(value: object) -> str:
    """Yes/no as yes/no, unknown as empty, so spreadsheets read it naturally."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _shorten(value: str, width: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1].rstrip() + "…"
