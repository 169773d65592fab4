"""HistoryStore: round trips, schema migration, privacy, concurrency and faults."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import HUNG_S

from assistant.history import store as store_module
from assistant.history.store import (
    SCHEMA_V1,
    SCHEMA_VERSION,
    BadCheckIn,
    HistoryStore,
    HistoryUnavailable,
    StoredCheckIn,
    default_history_path,
)

REPO = Path(__file__).resolve().parents[1]
WORKOUT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def record(hours: float, pain: int = 3, level: str = "normal", **extra: object) -> dict:
    at = WORKOUT + timedelta(hours=hours)
    data = {
        "at": at.isoformat(),
        "workout_at": WORKOUT.isoformat(),
        "hours_since_workout": hours,
        "slots": {"pain_score": pain, "quality": "dull", "trend": "same", "leg_weakness": False, "onset": None},
        "level": level,
        "reasons": [f"reason at {hours} h"],
        "finished": True,
        "source": "voice",
    }
    data.update(extra)
    return data


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


def test_round_trip_keeps_every_field(db: Path) -> None:
    store = HistoryStore(db)
    new_id = store.add(record(14.0, pain=4, finished=False, source="text"))
    [got] = store.all()
    assert got.id == new_id
    assert got.at == WORKOUT + timedelta(hours=14)
    assert got.workout_at == WORKOUT
    assert got.hours_since_workout == 14.0
    assert got.slots == {"pain_score": 4, "quality": "dull", "trend": "same", "leg_weakness": False, "onset": None}
    assert got.pain_score == 4
    assert got.level == "normal"
    assert got.reasons == ["reason at 14.0 h"]
    assert got.finished is False
    assert got.source == "text"
    assert got.workout_id == new_id
    assert StoredCheckIn.from_dict(got.to_dict()) == got


def test_workout_time_and_hours_fill_each_other(db: Path) -> None:
    store = HistoryStore(db)
    at = WORKOUT + timedelta(hours=20)
    store.add({"at": at.isoformat(), "hours_since_workout": 20.0, "level": "normal"})
    store.add({"at": at.isoformat(), "workout_at": WORKOUT.isoformat(), "level": "doctor"})
    first, second = store.all()
    assert first.workout_at == WORKOUT
    assert second.hours_since_workout == pytest.approx(20.0)


def test_clock_change_never_gives_negative_hours(db: Path) -> None:
    store = HistoryStore(db)
    # The clock jumped back: the check-in seems to come before its workout.
    store.add({"at": (WORKOUT - timedelta(hours=2)).isoformat(), "workout_at": WORKOUT.isoformat(), "level": "normal"})
    store.add({"at": WORKOUT.isoformat(), "hours_since_workout": -5.0, "level": "normal"})
    assert [c.hours_since_workout for c in store.all()] == [0.0, 0.0]


def test_bad_level_is_refused_with_a_message(db: Path) -> None:
    with pytest.raises(BadCheckIn, match="not one of emergency"):
        HistoryStore(db).add(record(10, level="fine"))


def test_check_ins_of_one_workout_share_a_workout_id(db: Path) -> None:
    store = HistoryStore(db)
    a = store.add(record(14))
    b = store.add(record(30, workout_at=(WORKOUT + timedelta(hours=2)).isoformat()))
    c = store.add(record(40, workout_at=(WORKOUT + timedelta(hours=6)).isoformat()))
    ids = {x.id: x.workout_id for x in store.all()}
    assert ids[a] == ids[b] == a
    assert ids[c] == c


def test_recent_for_workout_finds_only_the_same_recent_workout(db: Path) -> None:
    store = HistoryStore(db)
    store.add(record(14, pain=4))
    store.add(record(30, pain=5))
    other = WORKOUT + timedelta(hours=10)
    store.add(record(5, workout_at=other.isoformat(), at=(other + timedelta(hours=5)).isoformat()))
    now = WORKOUT + timedelta(hours=60)
    found = store.recent_for_workout(now, WORKOUT + timedelta(hours=1.5))
    assert [c.pain_score for c in found] == [4, 5]
    # Check-ins after "now" are not earlier check-ins.
    assert [c.pain_score for c in store.recent_for_workout(WORKOUT + timedelta(hours=20), WORKOUT)] == [4]
    # Eight days after the last check-in that workout is over.
    assert store.recent_for_workout(WORKOUT + timedelta(hours=30, days=8), WORKOUT) == []
    assert store.latest(now).pain_score == 5
    assert store.latest(now + timedelta(days=10)) is None


def test_file_is_private_and_in_wal_mode(db: Path) -> None:
    old_umask = os.umask(0)  # prove the 0600 comes from the store, not the umask
    try:
        store = HistoryStore(db)
        store.add(record(14))
        # Hold a reader open so the -wal and -shm files stay while we write.
        reader = sqlite3.connect(db)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM checkins").fetchone()
        store.add(record(30))
        for suffix in ("", "-wal", "-shm"):
            side = Path(str(db) + suffix)
            assert side.exists(), suffix
            assert side.stat().st_mode & 0o777 == 0o600, suffix
        reader.rollback()
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        reader.close()
    finally:
        os.umask(old_umask)


def test_migrates_a_version_1_database(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    for statement in SCHEMA_V1:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    rows = [
        ("2026-11-25T08:00:00.000000+00:00", "2026-11-24T18:00:00.000000+00:00", 14.0, 4),
        ("2026-11-26T00:00:00.000000+00:00", "2026-11-24T19:00:00.000000+00:00", 29.0, 5),
        ("2026-12-10T08:00:00.000000+00:00", "2026-12-09T18:00:00.000000+00:00", 14.0, 2),
    ]
    for at, workout_at, hours, pain in rows:
        conn.execute(
            "INSERT INTO checkins (at, workout_at, hours, level, finished, slots, reasons)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, workout_at, hours, "normal", 1, f'{{"pain_score": {pain}}}', '["old"]'),
        )
    conn.commit()
    conn.close()

    store = HistoryStore(db)
    got = store.all()
    assert [c.pain_score for c in got] == [4, 5, 2]
    assert [c.source for c in got] == ["unknown"] * 3
    assert got[0].workout_id == got[1].workout_id == got[0].id
    assert got[2].workout_id == got[2].id
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    columns = {row[1] for row in check.execute("PRAGMA table_info(checkins)")}
    check.close()
    assert {"source", "workout_id"} <= columns
    # New check-ins join the migrated workout.
    new_id = store.add(record(50))
    assert store.all()[2].id == new_id and store.all()[2].workout_id == got[0].id


def test_database_from_a_newer_version_is_not_touched(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(HistoryUnavailable, match="newer version"):
        HistoryStore(db).add(record(10))


def test_corrupt_file_is_moved_aside_and_a_new_one_started(db: Path) -> None:
    db.parent.mkdir(parents=True)
    junk = os.urandom(4096)
    db.write_bytes(junk)
    messages: list[str] = []
    store = HistoryStore(db, on_message=messages.append)
    store.add(record(14))
    assert len(store.all()) == 1
    [moved] = list(db.parent.glob("history.sqlite3.corrupt-*"))
    assert moved.read_bytes() == junk
    assert len(messages) == 1 and moved.name in messages[0] and "new, empty history" in messages[0]


def test_damaged_pages_are_also_detected(db: Path) -> None:
    store = HistoryStore(db)
    for h in range(200):
        store.add(record(h, reasons=["x" * 500]))
    data = bytearray(db.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = os.urandom(4096)  # wreck page 2 but keep the header
    db.write_bytes(bytes(data))
    messages: list[str] = []
    fresh = HistoryStore(db, on_message=messages.append)
    assert fresh.all() == []
    assert messages and "damaged" in messages[0]


def test_path_under_a_file_raises_history_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    store = HistoryStore(blocker / "history.sqlite3")
    with pytest.raises(HistoryUnavailable) as caught:
        store.add(record(14))
    message = str(caught.value)
    assert "could not be opened" in message and "BACKCHECK_HISTORY_DB" in message
    assert "Traceback" not in message


def test_full_disk_raises_history_unavailable(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk is full")

    monkeypatch.setattr(store_module.sqlite3, "connect", full)
    with pytest.raises(HistoryUnavailable, match="disk is\\s+full. Free some space"):
        HistoryStore(db).add(record(14))


def test_forget_really_removes_the_bytes(db: Path) -> None:
    secret = "ZEBRA-CROSSING-7731"
    store = HistoryStore(db)
    for h in (14, 30, 60):
        store.add(record(h, reasons=[f"{secret} at {h}"]))
    (db.parent / "history.sqlite3.corrupt-20260101T000000Z").write_text(secret)

    def files_bytes() -> bytes:
        return b"".join(
            Path(str(db) + suffix).read_bytes()
            for suffix in ("", "-wal", "-journal")
            if Path(str(db) + suffix).exists()
        )

    assert secret.encode() in files_bytes()
    assert store.forget() == 3
    assert secret.encode() not in files_bytes()
    assert list(db.parent.glob("*.corrupt-*")) == []
    assert store.all() == []
    store.add(record(80))  # still usable afterwards
    assert store.count() == 1


def test_reading_does_not_create_the_file(db: Path) -> None:
    store = HistoryStore(db)
    assert store.all() == [] and store.count() == 0 and store.forget() == 0
    assert not db.exists()


def test_two_threads_writing_at_once_lose_nothing(db: Path) -> None:
    store = HistoryStore(db)
    store.add(record(1))
    errors: list[BaseException] = []

    def write(start: int) -> None:
        try:
            for i in range(25):
                HistoryStore(db).add(record(start + i))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n * 100,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 51


_WRITER = """
import os, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from assistant.history.store import HistoryStore, StoredCheckIn
db, go, tag = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
store = HistoryStore(db)
while not go.exists():
    time.sleep(0.005)
w = datetime(2026, 11, 24, 18, tzinfo=UTC)
for i in range(30):
    store.add(StoredCheckIn(at=w + timedelta(hours=i), hours_since_workout=i, level="normal",
                            reasons=[tag], slots={"pain_score": i % 11}))
"""


def test_two_processes_writing_at_once_lose_nothing(db: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(go), tag], env=env, stderr=subprocess.PIPE)
        for tag in ("first", "second")
    ]
    time.sleep(0.8)  # let both import and wait at the start line
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=HUNG_S)
        assert proc.returncode == 0, err.decode()
    got = HistoryStore(db).all()
    assert len(got) == 60
    assert sorted(c.reasons[0] for c in got).count("first") == 30


def test_default_path_follows_the_environment(tmp_path: Path) -> None:
    assert default_history_path({"BACKCHECK_HISTORY_DB": str(tmp_path / "h.db")}) == tmp_path / "h.db"
    assert default_history_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "backcheck" / "history.sqlite3"
    assert default_history_path({}).parts[-3:] == ("share", "backcheck", "history.sqlite3")
