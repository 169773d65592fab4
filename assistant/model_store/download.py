"""Downloading a known model: resumable from a ``.part`` file, size and SHA-256 checked before unpacking."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from .common import _CHUNK, _TIMEOUT_S, ModelError, ModelSpec, _mb, _offline_hint, sha256_file
from .install import _install_checked
from .verify import verify_model


class _Progress:
    """Plain-text progress on a stream: one redrawn line on a terminal, a line per 10% otherwise."""

    def __init__(self, total: int, stream: IO[str] | None = None, label: str = "") -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.start_bytes: int | None = None
        self.last_draw = 0.0
        self.last_decile = -1

    def update(self, done: int) -> None:
        if self.start_bytes is None:
            self.start_bytes = done
        now = time.monotonic()
        fraction = min(done / self.total, 1.0)
        finished = done >= self.total
        if self.tty:
            if not finished and now - self.last_draw < 0.1:
                return
            self.last_draw = now
            self.stream.write("\r" + self._line(done, fraction, now))
            if finished:
                self.stream.write("\n")
        else:
            decile = int(fraction * 10)
            if decile == self.last_decile:
                return
            self.last_decile = decile
            self.stream.write(self._line(done, fraction, now) + "\n")
        self.stream.flush()

    def _line(self, done: int, fraction: float, now: float) -> str:
        width = 30
        filled = int(fraction * width)
        elapsed = max(now - self.start, 1e-6)
        rate = (done - (self.start_bytes or 0)) / elapsed
        speed = f" {_mb(rate)}/s" if elapsed > 0.5 else ""
        return (
            f"{self.label}[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% "
            f"{_mb(done)} / {_mb(self.total)}{speed}"
        )

    def finish(self) -> None:
        if self.tty and self.last_draw:
            self.stream.write("\n")
            self.stream.flush()


# --- download ---------------------------------------------------------------


def _parse_content_range(value: str | None) -> tuple[int, int | None] | None:
    """``bytes START-END/TOTAL`` → (START, TOTAL or None)."""
    if not value:
        return None
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value)
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), total


def _fetch_to_part(
    url: str, part: Path, expected_size: int, spec: ModelSpec, progress: _Progress | None
) -> None:
    """Bring ``part`` up to ``expected_size`` bytes, resuming what is already there."""
    have = part.stat().st_size if part.exists() else 0
    if have > expected_size:
        part.unlink()  # not our file, or a different version: start again
        have = 0
    if have == expected_size:
        return
    request = urllib.request.Request(url, headers={"User-Agent": "backcheck-model-store/1"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=_TIMEOUT_S)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            # The server says our range is past its end: the part is stale. Start over next time.
            part.unlink(missing_ok=True)
            raise ModelError(
                f"the server refused to resume the download ({exc.code}); the partial file was "
                "removed, run the command again to start afresh."
            ) from None
        raise ModelError(f"the server answered {exc.code} {exc.reason} for {url}. {_offline_hint(spec)}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelError(f"could not reach {url} ({reason}). {_offline_hint(spec)}") from None

    with response:
        if have and response.status == 206:
            content_range = _parse_content_range(response.headers.get("Content-Range"))
            if content_range is None or content_range[0] != have:
                part.unlink(missing_ok=True)
                raise ModelError(
                    "the server resumed at the wrong place; the partial file was removed, "
                    "run the command again to download afresh."
                )
            mode = "ab"
        else:
            # 200: the server ignored Range (or there was nothing to resume) — start from zero.
            have = 0
            mode = "wb"
        done = have
        try:
            with part.open(mode) as out:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    if done > expected_size:
                        break
                    if progress:
                        progress.update(done)
        except (OSError, TimeoutError) as exc:
            if isinstance(exc, OSError) and exc.errno in (28,):  # ENOSPC
                raise ModelError(f"the disk is full while writing {part}; free some space and run the command again.") from None
            raise ModelError(
                f"the download stopped at {_mb(done)} of {_mb(expected_size)} ({exc}); "
                "run the same command again to resume."
            ) from None
    if done > expected_size:
        part.unlink(missing_ok=True)
        raise ModelError(
            f"the server sent more than the expected {expected_size} bytes, so this is not the known "
            f"{spec.name} archive; the partial file was removed. Check the URL."
        )
    if done < expected_size:
        raise ModelError(
            f"the download stopped at {_mb(done)} of {_mb(expected_size)}; "
            "run the same command again to resume."
        )


def download_model(
    spec: ModelSpec,
    dest_dir: Path,
    progress: bool | IO[str] = True,
    url: str | None = None,
    *,
    keep_archive: bool = False,
) -> Path:
    """Download, check and install ``spec`` into ``dest_dir``; return the model folder.

    A complete model already in place is returned as is. The archive is
    fetched into ``dest_dir/<name>.zip.part`` and resumed from there after an
    interruption; ``url`` overrides ``spec.url`` (a mirror, or a test server).
    ``progress`` is True for a bar on stderr, False for none, or a text stream.
    With ``keep_archive`` the checked zip is kept as ``<name>.zip`` so
    ``verify`` can check it later.
    """
    dest_dir = Path(dest_dir)
    target = dest_dir / spec.name
    if target.is_dir() and not verify_model(target):
        return target
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(
            f"cannot create {dest_dir} ({exc.strerror}); choose another folder with --dest "
            "or set BACKCHECK_MODELS_DIR."
        ) from None
    if not os.access(dest_dir, os.W_OK):
        raise ModelError(f"cannot write to {dest_dir}; choose another folder with --dest or set BACKCHECK_MODELS_DIR.")
    part = dest_dir / f"{spec.name}.zip.part"
    have = part.stat().st_size if part.exists() else 0
    free = shutil.disk_usage(dest_dir).free
    needed = (spec.size - have) + 2 * spec.size  # rest of the archive + room to unpack it
    if free < needed:
        raise ModelError(
            f"not enough free space in {dest_dir}: {_mb(free)} free, about {_mb(needed)} needed. "
            "Free some space or choose another folder with --dest."
        )

    bar: _Progress | None = None
    if progress:
        stream = None if progress is True else progress
        bar = _Progress(spec.size, stream, label=f"{spec.name} ")
    try:
        _fetch_to_part(url or spec.url, part, spec.size, spec, bar)
    finally:
        if bar:
            bar.finish()

    digest = sha256_file(part)
    if digest != spec.sha256:
        part.unlink(missing_ok=True)
        raise ModelError(
            f"the downloaded archive is damaged or not the expected file (SHA-256 {digest}, "
            f"expected {spec.sha256}); it was deleted. Run the command again, or download "
            f"{spec.url} by hand and use `backcheck models install FILE.zip`."
        )
    path = _install_checked(part, dest_dir, spec.name, digest, source=url or spec.url, spec=spec)
    if keep_archive:
        os.replace(part, dest_dir / f"{spec.name}.zip")
    else:
        part.unlink(missing_ok=True)
    return path

