"""Past check-ins on disk, so a follow-up can compare today with yesterday.

(The records and their helpers live in ``records.py``, the schema steps in ``migrations.py``;
everything is re-exported here.)

One SQLite file (WAL mode, private to the user: mode 0600). Expected faults
never surface as tracebacks: a damaged file is moved aside and a fresh one
started; an unwritable or full disk raises `HistoryUnavailable` with a message
that says what to do, so the caller can finish the check-in anyway; a file
that cannot be written is still read (a read-only copy), so it can be rescued.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .messages import text
from .migrations import SCHEMA_V1, SCHEMA_VERSION, migrate
from .readonly import read_only_copy
from .records import (
    _COLUMNS,
    FOLLOW_UP_DAYS,
    LEVELS,
    SAME_WORKOUT_H,
    BadCheckIn,
    HistoryError,
    HistoryUnavailable,
    StoredCheckIn,
    _aware,
    _iso,
    _row_to_checkin,
    default_history_path,
)

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

BUSY_TIMEOUT_S = 15.0
"""How long a writer waits for another check-in's write to finish before giving up."""

_SQLITE_READONLY = 8
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26


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
        self.told_unwritable = False
        """True once the person was told that the history can only be read (said once, not at every save)."""

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
                _rollback(conn)
                raise
        return new_id

    def all(self) -> list[StoredCheckIn]:
        """Every check-in, oldest first."""
        if not self.path.exists():
            return []  # reading never creates the file
        with self._connection(reading=True) as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM checkins ORDER BY at, id").fetchall()
        return [_row_to_checkin(row) for row in rows]

    def count(self) -> int:
        """How many check-ins are stored."""
        if not self.path.exists():
            return 0
        with self._connection(reading=True) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0])

    def latest(self, now: datetime, max_age_days: float = FOLLOW_UP_DAYS) -> StoredCheckIn | None:
        """The most recent check-in no older than max_age_days (for "same workout as last time?")."""
        now = _aware(now)
        if not self.path.exists():
            return None
        with self._connection(reading=True) as conn:
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
        with self._connection(reading=True) as conn:
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
                _rollback(conn)
                raise
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    # ---- connection and schema -------------------------------------------

    def _connection(self, reading: bool = False) -> _Connection:
        """``reading``: where the file cannot be opened for writing, read an in-memory copy instead."""
        return _Connection(self, reading)

    def _open_for_reading(self) -> sqlite3.Connection:
        """A connection for queries: the file itself, or, where it cannot be written, a read-only copy."""
        try:
            return self._open()
        except HistoryUnavailable as cannot_write:
            if not self.path.is_file():
                raise
            try:
                copy = read_only_copy(self.path)
            except sqlite3.Error:
                raise cannot_write from None
            if not self.told_unwritable:
                self.told_unwritable = True
                full = folder_problem(self.path.parent) == "full"
                self._notify(text("store.reading_disk_full" if full else "store.reading_read_only", path=self.path))
            return copy

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
        folder = folder_problem(self.path.parent)
        if (
            (code is not None and code & 0xFF == _SQLITE_FULL)
            or os_errno == errno.ENOSPC
            or "disk is full" in detail
            or folder == "full"  # SQLite reports a full disk as "disk I/O error" when it cannot grow the log
        ):
            return HistoryUnavailable(text("store.disk_full", path=self.path))
        if (
            (code is not None and code & 0xFF == _SQLITE_READONLY)
            or os_errno in (errno.EROFS, errno.EACCES, errno.EPERM)
            or "readonly" in detail
            or folder == "read-only"
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

    def __init__(self, store: HistoryStore, reading: bool = False) -> None:
        self._store = store
        self._reading = reading
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        self._conn = self._store._open_for_reading() if self._reading else self._store._open()
        return self._conn

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        assert self._conn is not None
        try:
            self._conn.close()
        finally:
            self._store._tighten_permissions()
        if isinstance(exc, sqlite3.Error):
            raise self._store._unavailable(exc) from None



def _rollback(conn: sqlite3.Connection) -> None:
    """Undo an open transaction; never replaces the error being handled ("cannot rollback" hid "disk is full")."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


#: below this much free space, a failed write is put down to a full disk (SQLite needs room for its log)
FULL_BELOW_BYTES = 256 * 1024


def folder_problem(folder: Path) -> str | None:
    """Why nothing can be written in ``folder``, as far as the system says: "read-only", "full" or None.

    Read-only: a read-only mount (an SD card the kernel remounted after errors) or no permission.
    """
    try:
        info = os.statvfs(folder)
        if info.f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
            return "read-only"
        if info.f_bavail * info.f_frsize < FULL_BELOW_BYTES:
            return "full"
    except OSError:
        pass
    return None


def _is_corruption(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    message = str(exc)
    return message.startswith("quick_check") or "not a database" in message or "malformed" in message
