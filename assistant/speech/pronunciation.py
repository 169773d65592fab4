"""hibari's pronunciation tables kept on disk (one SQLite file) instead of in memory.

Why: hibari holds its two lexicons and its part-of-speech tagger as Python dicts, about 105 MB of
a check-in process that peaked at 415 MB (``docs/benchmarks.md``). They are only ever looked up a
word (or a feature) at a time, so the same tables in one SQLite file answer the same lookups for a
few MB. The file is built once, from the packaged files, by a child process (so this process never
holds the dicts), written to a temporary name and renamed, and checked when opened; a damaged one
is rebuilt. Where it cannot be built or read (a read-only or full disk), hibari's own in-memory
tables are used: more memory, the same speech.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

#: bump when the file's layout changes (old files are then ignored and rebuilt)
FORMAT = 1
#: the tables, and the packaged file (and the part of it) each comes from
SOURCES = {"gold": ("lexicon_us_gold.json.gz", None), "silver": ("lexicon_us_silver.json.gz", None),
           "tagdict": ("tagger.json.gz", "tagdict"), "weights": ("tagger.json.gz", "weights"),
           "vocab": ("tagger.json.gz", "vocab")}
BUILD_TIMEOUT_S = 300.0  #: a Pi 4 builds it in well under a minute


class TableMap:
    """The read side of one table: ``get`` and ``in``, as hibari uses its dicts."""

    def __init__(self, con: sqlite3.Connection, table: str, lock: threading.Lock) -> None:
        self._con, self._lock = con, lock
        self._sql = f"SELECT v FROM {table} WHERE k = ?"  # table names are ours (SOURCES), never input

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._con.execute(self._sql, (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


def table_path(cache_dir: Path, fingerprint: str) -> Path:
    """Where the tables for these packaged files live (``fingerprint``: their SHA-256s, shortened)."""
    return cache_dir / f"hibari-pronunciation-v{FORMAT}-{fingerprint[:16]}.sqlite3"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/backcheck`` (``~/.cache/backcheck``): rebuilt if deleted, never needed for safety."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "backcheck"


def build(assets: Path, out: Path) -> None:
    """Write the tables from hibari's packaged files to ``out`` (atomic: a temporary file, then a rename).

    Run in a child process (``python -m assistant.speech.pronunciation ASSETS OUT``): loading the
    JSON files costs the ~105 MB this module exists to save.
    """
    import gzip

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    loaded: dict[str, Any] = {}
    con = sqlite3.connect(tmp)
    try:
        for table, (name, part) in SOURCES.items():
            if name not in loaded:
                with gzip.open(assets / name, "rt", encoding="utf-8") as f:
                    loaded[name] = json.load(f)
            data = loaded[name] if part is None else loaded[name][part]
            rows = ((k, "1") for k in data) if isinstance(data, list) else \
                ((k, json.dumps(v, ensure_ascii=False)) for k, v in data.items())
            con.execute(f"CREATE TABLE {table} (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID")
            con.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)
        tagger = loaded["tagger.json.gz"]
        con.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
        con.executemany("INSERT INTO meta VALUES (?, ?)", [("tags", json.dumps(tagger["tags"])),
                                                           ("format", str(FORMAT)), ("complete", "1")])
        con.commit()
    finally:
        con.close()
    os.replace(tmp, out)


def open_tables(path: Path) -> tuple[sqlite3.Connection, list[str]] | None:
    """The open file and the tagger's tag list, or None when it is missing, partial or damaged."""
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        meta = dict(con.execute("SELECT k, v FROM meta").fetchall())
        if meta.get("complete") != "1" or meta.get("format") != str(FORMAT) or \
                con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            con.close()
            return None
        for table in SOURCES:
            con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchall()
        return con, json.loads(meta["tags"])
    except (sqlite3.Error, ValueError, KeyError):
        return None


def _build_in_child(assets: Path, out: Path) -> str | None:
    """Build the file in a child process; None when it worked, else why not (one line)."""
    try:
        res = subprocess.run([sys.executable, "-m", "assistant.speech.pronunciation", str(assets), str(out)],
                             capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{type(exc).__name__}: {exc}"
    if res.returncode != 0:
        lines = (res.stderr or "").strip().splitlines()
        return lines[-1] if lines else f"exit code {res.returncode}"
    return None


def disk_g2p(assets: Path, fingerprint: str, cache_dir: Path | None = None) -> tuple[Any, str | None]:
    """hibari's G2P reading its tables from disk, and None; or hibari's own G2P and why not.

    The second value is one line for the log when the on-disk tables could not be used.
    """
    from hibari.g2p import G2P, Lexicon, Tagger, Tokenizer, _load_json

    path = table_path(cache_dir or default_cache_dir(), fingerprint)
    opened = open_tables(path)
    why = None
    if opened is None:
        try:
            path.unlink(missing_ok=True)  # a damaged or partial file: build it again
        except OSError:
            pass
        why = _build_in_child(assets, path)
        opened = open_tables(path) if why is None else None
        if opened is None and why is None:
            why = "the file built cannot be read back"
    if opened is None:
        return G2P(), (f"the natural voice's pronunciation tables could not be kept on disk at {path} "
                       f"({why}); they stay in memory (about 100 MB more)")
    con, tags = opened
    lock = threading.Lock()
    g2p = G2P.__new__(G2P)  # G2P.__init__ would load the dicts this replaces; set what it sets
    g2p.lexicon = Lexicon(TableMap(con, "gold", lock), TableMap(con, "silver", lock), False)
    g2p.tokenizer = Tokenizer(_load_json("tokenizer_exceptions.json"))
    tagger = Tagger.__new__(Tagger)
    tagger.tagdict, tagger.tags = TableMap(con, "tagdict", lock), tags
    tagger.vocab, tagger.weights = TableMap(con, "vocab", lock), TableMap(con, "weights", lock)
    g2p.tagger = tagger
    g2p._oov, g2p.unk, g2p.british = None, "", False
    return g2p, None


def main(argv: list[str]) -> int:
    """``python -m assistant.speech.pronunciation ASSETS OUT``: build the file (what the child runs)."""
    if len(argv) != 2:
        print("usage: python -m assistant.speech.pronunciation HIBARI_ASSETS_DIR OUT.sqlite3", file=sys.stderr)
        return 2
    try:
        build(Path(argv[0]), Path(argv[1]))
    except (OSError, sqlite3.Error, ValueError, KeyError) as exc:
        print(f"could not build the pronunciation tables: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
