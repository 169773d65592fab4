"""One serve per data folder and per microphone, and what it is doing: lock files and a small state file.

The locks (``flock``) are released by the kernel when the process dies, so a crash never leaves a
stale lock behind; the state file is what ``backcheck service status`` reads. Everything here is
private to the user (0600 files in a 0700 folder): the state file names the devices and when the
wake word was last heard.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

LOCK_NAME = "serve.lock"
STATE_NAME = "serve-state.json"


class AlreadyRunning(Exception):
    """Another `backcheck serve` holds the lock; the message names its process."""


def _take(path: Path, note: str) -> int | None:
    """An open, exclusively locked, private lock file holding ``note``; None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.fchmod(fd, 0o600)  # a lock file left by an older version may be 0644
    os.ftruncate(fd, 0)
    os.write(fd, note.encode())
    return fd


def _holder(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip() or "?"
    except OSError:
        return "?"


class ServeLock:
    """Held for the life of one serve process; a second one gets :class:`AlreadyRunning`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        fd = _take(self.path, f"{os.getpid()}\n")
        if fd is None:
            raise AlreadyRunning(f"backcheck serve is already running (process {_holder(self.path).split()[0]}); "
                                 "stop it first ('backcheck service status' says how it was started)")
        self._fd = fd

    def release(self) -> None:
        os.close(self._fd)


#: device names that mean "whatever the sound server records from": two of them are one microphone
_SERVER_ROUTES = ("default", "pulse", "pipewire", "sysdefault")


def microphone_key(device_name: str) -> str:
    """Which physical microphone a PortAudio device name stands for, as far as can be told."""
    name = device_name.strip().lower()
    if name in _SERVER_ROUTES:
        return "the sound server's default microphone"
    return re.sub(r"\s*\((hw|plughw):[^)]*\)\s*$", "", name)  # the ALSA card number may change on replug


def lock_dir() -> Path:
    """Where the per-microphone locks live: the user's runtime folder, shared by every data folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "backcheck" if runtime else Path(f"/tmp/backcheck-{os.getuid()}")
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    if base.stat().st_uid != os.getuid():
        raise OSError(f"{base} belongs to another user")
    return base


class MicrophoneLock:
    """One serve per microphone: two serves on one microphone would both answer every wake word."""

    def __init__(self, device_name: str, data_dir: Path) -> None:
        self.key = microphone_key(device_name)
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:16]
        self.path = lock_dir() / f"mic-{digest}.lock"
        fd = _take(self.path, f"{os.getpid()} {data_dir}\n")
        if fd is None:
            pid, _, folder = _holder(self.path).partition(" ")
            raise AlreadyRunning(f"another backcheck serve (process {pid}, data folder {folder or '?'}) already "
                                 f"listens to {self.key}; one serve per microphone: stop that one, or give this "
                                 "one another microphone with --device")
        self._fd = fd

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
        """Write atomically and privately; a full or read-only disk must not stop the assistant."""
        tmp = self.path.with_suffix(".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                os.fchmod(fd, 0o600)
                out.write(json.dumps(self.fields) + "\n")
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
