"""Table, JSON lines and CSV export of past check-ins."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.history.report import export_csv, format_table, to_json_lines
from assistant.history.store import HistoryError, HistoryStore, StoredCheckIn

WORKOUT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


@pytest.fixture
def checkins(tmp_path: Path) -> list[StoredCheckIn]:
    store = HistoryStore(tmp_path / "h.sqlite3")
    for hours, pain, level, reason, finished in [
        (14, 4, "normal", "Looks like ordinary soreness.", True),
        (80, 3, "doctor", "Still at 3 out of 10 at 80 hours and not easing; please book a doctor.", True),
        (90, None, "urgent", "Sudden weakness in a leg.", False),
    ]:
        store.add(
            StoredCheckIn(
                at=WORKOUT + timedelta(hours=hours),
                hours_since_workout=hours,
                level=level,
                slots={"pain_score": pain, "leg_weakness": level == "urgent", "quality": "dull", "extra_note": "x"},
                reasons=[reason, "second reason"],
                finished=finished,
                source="voice",
            )
        )
    return store.all()


def test_table_shows_time_hours_pain_level_and_reason(checkins: list[StoredCheckIn]) -> None:
    table = format_table(checkins, tz=UTC)
    lines = table.splitlines()
    assert lines[0].split() == ["When", "Hours", "Pain", "Level", "Main", "reason"]
    assert len(lines) == 2 + 3
    assert "Wed 2026-11-25 08:00" in lines[2] and "14 h" in lines[2] and "4/10" in lines[2]
    assert "normal" in lines[2] and "ordinary soreness" in lines[2]
    assert "doctor" in lines[3] and lines[3].endswith("…")  # long reason shortened
    assert "?" in lines[4] and "(stopped early)" in lines[4] and "urgent" in lines[4]
    assert "second reason" not in table


def test_empty_table_says_so() -> None:
    assert format_table([]) == "No check-ins saved yet."


def test_json_lines_one_object_per_check_in(checkins: list[StoredCheckIn]) -> None:
    lines = to_json_lines(checkins).splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["hours_since_workout"] for o in objects] == [14.0, 80.0, 90.0]
    assert [o["pain_score"] for o in objects] == [4, 3, None]
    assert [o["level"] for o in objects] == ["normal", "doctor", "urgent"]
    assert objects[0]["at"] == "2026-11-25T08:00:00+00:00"
    assert to_json_lines([]) == ""


def test_csv_export_round_trips(checkins: list[StoredCheckIn], tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert export_csv(checkins, path) == 3
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["pain_score"] for r in rows] == ["4", "3", ""]
    assert [r["level"] for r in rows] == ["normal", "doctor", "urgent"]
    assert rows[2]["leg_weakness"] == "yes" and rows[0]["leg_weakness"] == "no"
    assert rows[0]["onset"] == ""  # unknown stays empty, never "no"
    assert rows[0]["extra_note"] == "x"
    assert rows[2]["finished"] == "no"
    assert rows[1]["reasons"].endswith("; second reason")
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.glob(".out.csv.*")) == []


def test_csv_export_to_a_missing_folder_says_what_to_do(checkins: list[StoredCheckIn], tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="Choose a folder you can write to"):
        export_csv(checkins, tmp_path / "missing" / "out.csv")
