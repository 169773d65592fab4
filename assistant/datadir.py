"""The data folder (history, serve's lock and state): usable, and private to the person.

Checked once, up front, so a wrong ``--data-dir`` gets one sentence saying what is wrong instead of
"(File exists)" from deep inside, or an empty history that hides the real one.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

#: names BackCheck keeps in its data folder; a folder holding only these may be made private
OWN_NAMES = ("history.sqlite3", "serve.lock", "serve-state.json", "serve-state.tmp", "serve.log", "serve.log.1",
             "models")


class DataDirError(Exception):
    """The data folder cannot be used; the message says what to do."""


def check_data_dir(path: Path) -> None:
    """Raise :class:`DataDirError` when ``path`` (or a folder above it) is a file; a missing folder is fine."""
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                what = f"the data folder {path}" if folder == path else f"{folder}, above the data folder {path},"
                raise DataDirError(f"{what} is a file, not a folder; choose a folder with --data-dir "
                                   "(or BACKCHECK_DATA_DIR); it is created if it does not exist")
            return


def _only_ours(path: Path) -> bool:
    try:
        return all(child.name.startswith(OWN_NAMES) for child in path.iterdir())
    except OSError:
        return False


def make_private(path: Path) -> str | None:
    """Create the data folder 0700, or make an existing one private; a note when it stays readable by others.

    An existing folder is only tightened when it is the user's own and holds nothing but BackCheck's
    files: ``--data-dir /tmp`` must never make /tmp private.
    """
    check_data_dir(path)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as exc:
        raise DataDirError(f"cannot create the data folder {path} ({exc.strerror or exc}); choose another with "
                           "--data-dir") from None
    loose = stat.S_IMODE(info.st_mode) & 0o077
    if not loose:
        return None
    if info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX and _only_ours(path):
        try:
            os.chmod(path, 0o700)
            return None
        except OSError:
            pass
    return (f"the data folder {path} can be read by other users (mode {stat.S_IMODE(info.st_mode):o}); "
            f"make it private with: chmod 700 {path}")
