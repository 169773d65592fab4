"""The pain chart is written as a real, readable PNG."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.history.plot import plot_history
from assistant.history.store import HistoryError, HistoryStore, StoredCheckIn

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WORKOUT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def sequence(tmp_path: Path) -> list[StoredCheckIn]:
    store = HistoryStore(tmp_path / "h.sqlite3")
    for hours, pain, level in [(14, 4, "normal"), (30, 5, "normal"), (60, 3, "normal"), (80, 3, "doctor")]:
        store.add(
            StoredCheckIn(
                at=WORKOUT + timedelta(hours=hours), hours_since_workout=hours, level=level, slots={"pain_score": pain}
            )
        )
    second = WORKOUT + timedelta(days=6)
    store.add(StoredCheckIn(at=second + timedelta(hours=3), workout_at=second, level="urgent", slots={"pain_score": 7}))
    store.add(StoredCheckIn(at=second + timedelta(hours=5), level="normal"))  # no hours, no pain: not drawn
    return store.all()


def test_plot_writes_a_sizeable_png(tmp_path: Path) -> None:
    out = plot_history(sequence(tmp_path), tmp_path / "chart.png", tz=UTC)
    assert out == tmp_path / "chart.png"
    width, height = png_size(out)
    assert width >= 800 and height >= 500
    assert out.stat().st_size > 10_000
    assert out.stat().st_mode & 0o777 == 0o600


def test_plot_with_no_check_ins_still_draws_the_window(tmp_path: Path) -> None:
    out = plot_history([], tmp_path / "empty.png")
    assert png_size(out)[0] >= 800


def test_plot_to_a_missing_folder_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="Could not write"):
        plot_history([], tmp_path / "missing" / "chart.png")
