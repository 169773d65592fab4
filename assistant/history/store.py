"""Past check-ins on disk, so a follow-up can compare today with yesterday.

One SQLite file (WAL mode, private to the user: mode 0600). Expected faults
never surface as tracebacks: a damaged file is moved aside and a fresh one
started; an unwritable or full disk raises `HistoryUnavailable` with a message
that says what to do, so the caller can finish the check-in anyway.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .messages import text

__all__ = [
    "LEVELS",
    "SCHEMA_VERSION",
    "SCHEMA_V1",
    "SAME_WORKOUT_H",
    "FOLLOW_UP_DAYS",
    "BadCheckIn",
    "HistoryError",
    "HistoryStore",
    "HistoryUnavailable",
    "StoredCheckIn",
    "default_history_path",
]

log = logging.getLogger(__name__)

LEVELS: tuple[str, ...] = ("emergency", "urgent", "doctor", "normal")
"""Triage levels, most serious first (contract.md)."""

SAME_WORKOUT_H = 3.0
"""Two check-ins belong to the same workout when their workout times differ by at most this."""

FOLLOW_UP_DAYS = 7.0
"""A workout whose last check-in is older than this is not followed up any more."""

BUSY_TIMEOUT_S = 15.0
"""How long a writer waits for another check-in's write to finish before giving up."""

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

_SQLITE_READONLY = 8
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26


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


class HistoryStore:
    """Check-ins in one SQLite file. Safe for several processes at once.

    Every call opens its own short-lived connection, so one store object can be
    shared by threads and two check-ins writing at once both get saved (they
    wait for each other up to BUSY_TIMEOUT_S).
    """

    def __init__(self, path: Path, on_message: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self._on_message = on_message
        self._ready = False

    # ---- public API -------------------------------------------------------

    def add(self, record: StoredCheckIn | Mapping[str, Any]) -> int:
        """Save a check-in and return its id; raises HistoryUnavailable when it cannot be saved."""
        checkin = record if isinstance(record, StoredCheckIn) else StoredCheckIn.from_dict(record)
        checkin = checkin.normalised()
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                workout_id = self._find_workout_id(conn, checkin)
                cur = conn.execute(
                    "INSERT INTO checkins (at, workout_at, hours, level, finished, slots, reasons, source, workout_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        _iso(checkin.at),
                        None if checkin.workout_at is None else _iso(checkin.workout_at),
                        checkin.hours_since_workout,
                        checkin.level,
                        int(checkin.finished),
                        json.dumps(checkin.slots, ensure_ascii=False, sort_keys=True),
                        json.dumps(checkin.reasons, ensure_ascii=False),
                        checkin.source,
                        workout_id,
                    ),
                )
                new_id = int(cur.lastrowid or 0)
                if workout_id is None:
                    conn.execute("UPDATE checkins SET workout_id = id WHERE id = ?", (new_id,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return new_id

    def all(self) -> list[StoredCheckIn]:
        """Every check-in, oldest first."""
        if not self.path.exists():
            return []  # reading never creates the file
        with self._connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM checkins ORDER BY at, id").fetchall()
        return [_row_to_checkin(row) for row in rows]

    def count(self) -> int:
        """How many check-ins are stored."""
        if not self.path.exists():
            return 0
        with self._connection() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0])

    def latest(self, now: datetime, max_age_days: float = FOLLOW_UP_DAYS) -> StoredCheckIn | None:
        """The most recent check-in no older than max_age_days (for "same workout as last time?")."""
        now = _aware(now)
        if not self.path.exists():
            return None
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM checkins WHERE at <= ? AND at >= ? ORDER BY at DESC, id DESC LIMIT 1",
                (_iso(now), _iso(now - timedelta(days=max_age_days))),
            ).fetchone()
        return None if row is None else _row_to_checkin(row)

    def recent_for_workout(
        self,
        now: datetime,
        workout_at: datetime,
        within_h: float = SAME_WORKOUT_H,
        max_age_days: float = FOLLOW_UP_DAYS,
    ) -> list[StoredCheckIn]:
        """Earlier check-ins of the same workout, oldest first.

        Same workout: workout time within ±within_h. Nothing is returned when
        the last of them is older than max_age_days (that workout is over).
        """
        now = _aware(now)
        workout_at = _aware(workout_at)
        span = timedelta(hours=within_h)
        if not self.path.exists():
            return []
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM checkins WHERE workout_at IS NOT NULL"
                " AND workout_at >= ? AND workout_at <= ? AND at <= ? ORDER BY at, id",
                (_iso(workout_at - span), _iso(workout_at + span), _iso(now)),
            ).fetchall()
        found = [_row_to_checkin(row) for row in rows]
        if not found or found[-1].at < now - timedelta(days=max_age_days):
            return []
        return found

    def forget(self) -> int:
        """Delete every check-in for good and return how many there were.

        DELETE alone leaves the old bytes in free pages and the write-ahead
        log; secure_delete + VACUUM + a truncating checkpoint removes them, and
        files moved aside after damage are deleted too.
        """
        count = 0
        if self.path.exists():
            count = self._delete_all()
        for stale in self.path.parent.glob(self.path.name + ".corrupt-*"):
            try:
                stale.unlink()
            except OSError as exc:
                raise self._unavailable(exc) from None
        return count

    def _delete_all(self) -> int:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                count = int(conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0])
                conn.execute("DELETE FROM checkins")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    # ---- connection and schema -------------------------------------------

    def _connection(self) -> _Connection:
        return _Connection(self)

    def _open(self) -> sqlite3.Connection:
        """A ready connection: file created private, damage handled, schema current."""
        for attempt in range(2):
            try:
                self._create_private_file()
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            except (OSError, sqlite3.Error) as exc:
                raise self._unavailable(exc) from None
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                conn.execute("PRAGMA secure_delete = ON")
                if not self._ready:
                    self._prepare(conn)
                    self._ready = True
                return conn
            except sqlite3.Error as exc:
                conn.close()
                if _is_corruption(exc) and attempt == 0:
                    self._move_aside()
                    continue
                raise self._unavailable(exc) from None
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _create_private_file(self) -> None:
        """Create the file as 0600 before SQLite touches it (SQLite would honour the umask)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        os.close(fd)

    def _prepare(self, conn: sqlite3.Connection) -> None:
        # Another process may be creating or migrating the same file right now; switching to WAL and
        # the first schema read can report "locked" without waiting for busy_timeout, so wait here.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._prepare_once(conn)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _prepare_once(self, conn: sqlite3.Connection) -> None:
        check = conn.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise sqlite3.DatabaseError("quick_check: " + "; ".join(str(r[0]) for r in check[:3]))
        conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn, self.path)
        self._tighten_permissions()

    def _tighten_permissions(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            side = Path(str(self.path) + suffix)
            try:
                if side.exists() and (side.stat().st_mode & 0o777) != 0o600:
                    os.chmod(side, 0o600)
            except OSError:
                pass

    def _move_aside(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            os.replace(self.path, target)
            wal = Path(str(self.path) + "-wal")
            if wal.exists():
                os.replace(wal, Path(str(target) + "-wal"))
            for suffix in ("-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        except OSError as exc:
            raise self._unavailable(exc) from None
        self._notify(text("store.corrupt_moved", path=self.path, moved=target.name))

    def _notify(self, message: str) -> None:
        if self._on_message is not None:
            self._on_message(message)
        else:
            log.warning("%s", message)

    def _unavailable(self, exc: BaseException) -> HistoryUnavailable:
        if isinstance(exc, HistoryUnavailable):
            return exc
        detail = str(exc) or type(exc).__name__
        code = getattr(exc, "sqlite_errorcode", None)
        os_errno = getattr(exc, "errno", None)
        if (code is not None and code & 0xFF == _SQLITE_FULL) or os_errno == errno.ENOSPC or "disk is full" in detail:
            return HistoryUnavailable(text("store.disk_full", path=self.path))
        if (
            (code is not None and code & 0xFF == _SQLITE_READONLY)
            or os_errno in (errno.EROFS, errno.EACCES, errno.EPERM)
            or "readonly" in detail
        ):
            return HistoryUnavailable(text("store.read_only", path=self.path))
        if isinstance(exc, OSError) and exc.strerror:
            detail = exc.strerror
        return HistoryUnavailable(text("store.unavailable", path=self.path, detail=detail))

    def _find_workout_id(self, conn: sqlite3.Connection, checkin: StoredCheckIn) -> int | None:
        if checkin.workout_at is None:
            return None
        span = timedelta(hours=SAME_WORKOUT_H)
        row = conn.execute(
            "SELECT workout_id FROM checkins WHERE workout_at IS NOT NULL AND workout_at >= ? AND workout_at <= ?"
            " AND at >= ? AND workout_id IS NOT NULL ORDER BY at DESC LIMIT 1",
            (
                _iso(checkin.workout_at - span),
                _iso(checkin.workout_at + span),
                _iso(checkin.at - timedelta(days=FOLLOW_UP_DAYS)),
            ),
        ).fetchone()
        return None if row is None else int(row[0])


class _Connection:
    """Context manager: open a ready connection, translate SQLite faults, always close."""

    def __init__(self, store: HistoryStore) -> None:
        self._store = store
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        self._conn = self._store._open()
        return self._conn

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        assert self._conn is not None
        try:
            self._conn.close()
        finally:
            self._store._tighten_permissions()
        if isinstance(exc, sqlite3.Error):
            raise self._store._unavailable(exc) from None


# ---- migrations -------------------------------------------------------------


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
        conn.execute("ROLLBACK")
        raise
    return found


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


def _is_corruption(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    message = str(exc)
    return message.startswith("quick_check") or "not a database" in message or "malformed" in message
