"""The natural voice's pronunciation tables on disk read exactly as hibari's in-memory ones (issue 22: memory)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

pytest.importorskip("hibari")

from assistant.speech.natural_voice import hibari_assets  # noqa: E402
from assistant.speech.pronunciation import disk_g2p, table_path  # noqa: E402

SENTENCES = ["Has your leg felt weak or given way since the workout?",
             "Last time you rated the pain six out of ten; you said it read 6/10 on Wednesday.",
             "You said: my leg just gave out under me on the step, and I've used the stairs since."]
FP = hashlib.sha256(b"test tables").hexdigest()


def test_tables_on_disk_read_like_hibaris_own(tmp_path: Path) -> None:
    from hibari.g2p import G2P

    g2p, why = disk_g2p(hibari_assets(), FP, tmp_path)
    assert why is None and table_path(tmp_path, FP).is_file()
    own = G2P()
    assert [g2p(s) for s in SENTENCES] == [own(s) for s in SENTENCES]


def test_a_damaged_file_is_built_again(tmp_path: Path) -> None:
    path = table_path(tmp_path, FP)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    g2p, why = disk_g2p(hibari_assets(), FP, tmp_path)
    assert why is None and g2p(SENTENCES[0])
    assert path.stat().st_size > 100_000


def test_a_cache_that_is_a_file_keeps_the_tables_in_memory(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("not a folder")
    g2p, why = disk_g2p(hibari_assets(), FP, tmp_path / "cache")
    assert why is not None and "stay in memory" in why and g2p(SENTENCES[0])
