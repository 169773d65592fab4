"""One serve per user, and what it is doing: a lock file and a small state file in the data folder.

The lock (``flock``) is released by the kernel when the process dies, so a crash never leaves a
stale lock behind; the state file is what ``backcheck service status`` reads.
"""
from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

LOCK_NAME = "serve.lock"
STATE_NAME = "serve-state.json"


class AlreadyRunning(Exception):
    """Another `backcheck serve` holds the lock; the message names its process."""


class ServeLock:
    """Held for the life of one serve process; a second one gets :class:`AlreadyRunning`."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / LOCK_NAME
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(self._fd, 32).decode(errors="replace").strip() or "?"
            os.close(self._fd)
            raise AlreadyRunning(f"backcheck serve is already running (process {other}); "
                                 "stop it first ('backcheck service status' says how it was started)") from None
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        os.close(self._fd)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ServeState:
    """The state file: pid, wake word, devices, when it started and when it last heard the wake word."""

    def __init__(self, data_dir: Path, **fields: Any) -> None:
        self.path = data_dir / STATE_NAME
        self.fields: dict[str, Any] = {"pid": os.getpid(), "started": _now(), "last_wake": None, **fields}
        self.write()

    def update(self, **fields: Any) -> None:
        self.fields.update(fields)
        self.write()

    def woke(self) -> None:
        self.update(last_wake=_now())

    def write(self) -> None:
        """Write atomically; a full disk must not stop the assistant, so failures are ignored."""
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(self.fields) + "\n")
            tmp.replace(self.path)
        except OSError:
            pass


def read_state(data_dir: Path) -> dict[str, Any] | None:
    """The last state a serve wrote, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((data_dir / STATE_NAME).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def serve_running(data_dir: Path) -> bool:
    """True while some process holds the serve lock."""
    path = data_dir / LOCK_NAME
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
