"""The history's schema and the steps that bring an older file up to date (each in one transaction)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from .messages import text
from .records import FOLLOW_UP_DAYS, SAME_WORKOUT_H, HistoryUnavailable, _parse_time

SCHEMA_VERSION = 2

SCHEMA_V1: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS checkins (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        workout_at TEXT,
        hours REAL,
        level TEXT NOT NULL CHECK (level IN ('emergency', 'urgent', 'doctor', 'normal')),
        finished INTEGER NOT NULL,
        slots TEXT NOT NULL,
        reasons TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS checkins_at ON checkins(at)",
)
"""The first shipped schema (user_version 1). Kept verbatim so migrations can be tested."""


def _to_v1(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA_V1:
        conn.execute(statement)


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Add `source` and `workout_id`, grouping existing check-ins by workout."""
    conn.execute("ALTER TABLE checkins ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown'")
    conn.execute("ALTER TABLE checkins ADD COLUMN workout_id INTEGER")
    conn.execute("CREATE INDEX IF NOT EXISTS checkins_workout_at ON checkins(workout_at)")
    conn.execute("CREATE INDEX IF NOT EXISTS checkins_workout_id ON checkins(workout_id)")
    groups: list[tuple[datetime, datetime, int]] = []  # (workout_at, last at, workout_id)
    rows = conn.execute("SELECT id, at, workout_at FROM checkins ORDER BY at, id").fetchall()
    for row_id, at_s, workout_s in rows:
        at = _parse_time(at_s)
        workout_id = row_id
        if workout_s is not None:
            workout_at = _parse_time(workout_s)
            for i in range(len(groups) - 1, -1, -1):
                g_workout, g_last, g_id = groups[i]
                if abs((g_workout - workout_at).total_seconds()) <= SAME_WORKOUT_H * 3600 and at - g_last <= timedelta(
                    days=FOLLOW_UP_DAYS
                ):
                    workout_id = g_id
                    groups[i] = (g_workout, at, g_id)
                    break
            else:
                groups.append((workout_at, at, row_id))
        conn.execute("UPDATE checkins SET workout_id = ? WHERE id = ?", (workout_id, row_id))


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_v1, _v1_to_v2)
"""MIGRATIONS[n] takes a database from user_version n to n + 1."""
assert len(MIGRATIONS) == SCHEMA_VERSION


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the schema up to SCHEMA_VERSION in one transaction; return the version found."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if found > SCHEMA_VERSION:
            raise HistoryUnavailable(text("store.too_new", path=path, found=found, known=SCHEMA_VERSION))
        for version in range(found, SCHEMA_VERSION):
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a failed BEGIN leaves none, and ROLLBACK would hide why it failed
            conn.execute("ROLLBACK")
        raise
    return found

