"""Reading the history where it cannot be written: an SD card remounted read-only, a read-only folder.

SQLite cannot open a WAL-mode file there the usual way (it needs to create the ``-shm`` index beside
it), and an older file could not be migrated in place. So the file is opened read-only, copied into
memory with SQLite's backup API (which also takes in check-ins still in the ``-wal`` log, when SQLite
can read it), and the copy is migrated and queried; not one byte is written to the folder. This is
what lets `backcheck history --export` rescue the data from a card that is failing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .migrations import migrate


def read_only_copy(path: Path) -> sqlite3.Connection:
    """An in-memory copy of the history at ``path``, at the current schema; raises sqlite3.Error if unreadable.

    ``mode=ro`` reads the write-ahead log too; where even that is impossible (no ``-shm`` and no way to
    make one), ``immutable=1`` reads the main file alone, which holds every check-in up to the last
    checkpoint.
    """
    uri = Path(path).resolve().as_uri()
    last: sqlite3.Error | None = None
    for query in ("mode=ro", "immutable=1"):
        try:
            source = sqlite3.connect(f"{uri}?{query}", uri=True)
            try:
                copy = sqlite3.connect(":memory:", isolation_level=None)
                source.backup(copy)
            finally:
                source.close()
            check = copy.execute("PRAGMA quick_check").fetchall()
            if check != [("ok",)]:
                raise sqlite3.DatabaseError("quick_check: " + "; ".join(str(r[0]) for r in check[:3]))
            migrate(copy, path)
            return copy
        except sqlite3.Error as exc:
            last = exc
    assert last is not None
    raise last
