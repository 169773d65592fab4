"""`backcheck history` end to end through history_command."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.history.command import history_command
from assistant.history.store import HistoryStore, StoredCheckIn

WORKOUT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    for hours, pain, level in [(14, 4, "normal"), (80, 3, "doctor")]:
        store.add(
            StoredCheckIn(
                at=WORKOUT + timedelta(hours=hours),
                hours_since_workout=hours,
                level=level,
                slots={"pain_score": pain},
                reasons=[f"reason {hours}"],
            )
        )
    return path


def run(argv: list[str], db: Path, answer: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = history_command(argv, db, stdin=io.StringIO(answer), stdout=out, stderr=err, tz=UTC)
    return code, out.getvalue(), err.getvalue()


def test_table(db: Path) -> None:
    code, out, err = run([], db)
    assert code == 0 and err == ""
    assert "Main reason" in out and "14 h" in out and "reason 80" in out and "doctor" in out


def test_empty_history_says_so(tmp_path: Path) -> None:
    code, out, _ = run([], tmp_path / "none.sqlite3")
    assert code == 0 and "No check-ins saved yet" in out
    code, _, err = run(["--plot", str(tmp_path / "x.png")], tmp_path / "none.sqlite3")
    assert code == 1 and "nothing to plot" in err
    assert not (tmp_path / "none.sqlite3").exists()


def test_json(db: Path) -> None:
    code, out, _ = run(["--json"], db)
    assert code == 0
    assert [json.loads(line)["pain_score"] for line in out.splitlines()] == [4, 3]


def test_plot_and_export(db: Path, tmp_path: Path) -> None:
    png, csv_path = tmp_path / "c.png", tmp_path / "c.csv"
    code, out, _ = run(["--plot", str(png), "--export", str(csv_path)], db)
    assert code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert csv_path.read_text().count("\n") == 3
    assert "Saved the chart of 2 check-in(s)" in out and "Saved 2 check-in(s)" in out


def test_export_to_unwritable_place_fails_cleanly(db: Path, tmp_path: Path) -> None:
    code, _, err = run(["--export", str(tmp_path / "missing" / "c.csv")], db)
    assert code == 1 and "Could not write" in err and "Traceback" not in err


def test_forget_asks_first(db: Path) -> None:
    code, out, _ = run(["--forget"], db, answer="n\n")
    assert code == 1 and "Delete all 2 check-ins?" in out and "Nothing was deleted" in out
    assert HistoryStore(db).count() == 2
    code, out, _ = run(["--forget"], db, answer="y\n")
    assert code == 0 and "Deleted all 2 check-ins" in out
    assert HistoryStore(db).count() == 0


def test_forget_yes_skips_the_question(db: Path) -> None:
    code, out, _ = run(["--forget", "--yes"], db)
    assert code == 0 and "?" not in out and HistoryStore(db).count() == 0
    code, out, _ = run(["--forget", "--yes"], db)
    assert code == 0 and "nothing to delete" in out


def test_usage_errors_exit_2(db: Path) -> None:
    code, _, err = run(["--bogus"], db)
    assert code == 2 and "unrecognized arguments" in err
    code, _, err = run(["--forget", "--json"], db)
    assert code == 2 and "on its own" in err


def test_unavailable_history_exits_1_with_a_message(tmp_path: Path) -> None:
    # A directory where the database file should be cannot be opened by anyone, root included.
    bad = tmp_path / "dir.sqlite3"
    bad.mkdir()
    code, _, err = run([], bad)
    assert code == 1 and "could not be opened" in err and "Traceback" not in err


def test_damaged_history_is_reported_on_stderr_and_replaced(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    db.write_bytes(b"this is not a database at all" * 200)
    code, out, err = run([], db)
    assert code == 0 and "No check-ins saved yet" in out
    assert "was damaged" in err and "moved aside" in err
