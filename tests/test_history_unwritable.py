"""A history on an SD card that went read-only, or on a full disk: it can still be read and exported, and
the check-in says in one sentence why it could not be saved. Real mounts, in a private mount namespace."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

ANSWERS = "no\nno\nyesterday\nit crept up\nthree\ndull\nno\nno\nno\n"


def _in_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """Run a shell script as root of a private user and mount namespace (mounts vanish with it)."""
    return subprocess.run(["unshare", "-rm", "sh", "-ec", script], capture_output=True, text=True, cwd=REPO,
                          timeout=180)


def _usable() -> str | None:
    if shutil.which("unshare") is None:
        return "unshare is not installed (util-linux)"
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"no private mount namespaces here ({probe.stderr.strip()})"


pytestmark = pytest.mark.skipif(_usable() is not None, reason=str(_usable()))
BC = f"{sys.executable} -m assistant"
TYPED = "printf '" + ANSWERS.replace("\n", "\\n") + "'"  #: the typed answers, as a shell command


def _checkin(data: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(data), "--text"], input=ANSWERS,
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr


def test_a_read_only_history_can_be_read_and_exported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _checkin(data)
    _checkin(data)
    out = tmp_path / "rescued.csv"
    res = _in_namespace(f"""
        mount --bind {data} {data}; mount -o remount,bind,ro {data}
        {BC} --data-dir {data} history --json > {tmp_path}/rows.json
        {BC} --data-dir {data} history --export {out}
        {TYPED} | {BC} --data-dir {data} --text
    """)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in (tmp_path / "rows.json").read_text().splitlines()]
    assert len(rows) == 2 and all(r["level"] for r in rows)
    assert len(out.read_text().splitlines()) == 3  # header and both check-ins
    # the check-in says why at the start (history shows it on stderr), and at the end only refers back
    said = " ".join(res.stdout.split())  # the terminal wraps lines
    assert said.count("cannot be written (the folder or the SD card is read-only)") == 1
    assert "As I said at the start, this check-in could not be saved." in said
    assert "disk I/O" not in said and "unable to open" not in said
    assert len(list(data.iterdir())) == 1  # nothing was written there: no -wal, no -shm


def test_a_full_disk_is_called_a_full_disk_once(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    res = _in_namespace(f"""
        mount -t tmpfs -o size=256k tmpfs {disk}
        {TYPED} | {BC} --data-dir {disk}/data --text > /dev/null
        dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null || true
        {TYPED} | {BC} --data-dir {disk}/data --text
        {BC} --data-dir {disk}/data history --json
    """)
    assert res.returncode == 0, res.stderr
    said = " ".join(res.stdout.split())  # the terminal wraps lines
    assert "disk I/O error" not in said and "cannot rollback" not in said
    assert said.count("the disk is full") == 1, said  # at the start; the end only refers back to it
    assert "As I said at the start, this check-in could not be saved." in said
    assert res.stdout.strip().splitlines()[-1].startswith("{")  # the first check-in is still there to read
