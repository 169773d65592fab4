"""serve's locks and its data folder: one serve per microphone, everything private, clear messages."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.datadir import DataDirError, check_data_dir, make_private
from assistant.serve.state import AlreadyRunning, MicrophoneLock, ServeState, microphone_key
from tests.conftest import REPO


@pytest.fixture()
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    return tmp_path / "run"


def test_the_sound_servers_names_for_the_default_microphone_are_one_microphone() -> None:
    assert microphone_key("default") == microphone_key("pulse") == microphone_key("PipeWire")
    assert microphone_key("USB PnP Sound Device: Audio (hw:1,0)") == microphone_key("USB PnP Sound Device: Audio (hw:2,0)")
    assert microphone_key("USB PnP Sound Device: Audio (hw:1,0)") != microphone_key("default")


def test_a_second_serve_on_the_same_microphone_is_told_which_one_has_it(runtime: Path, tmp_path: Path) -> None:
    held = MicrophoneLock("default", tmp_path / "first")
    with pytest.raises(AlreadyRunning, match=rf"process {os.getpid()}, data folder {tmp_path / 'first'}.*--device"):
        MicrophoneLock("pulse", tmp_path / "second")  # another data folder, the same microphone
    other = MicrophoneLock("USB PnP Sound Device: Audio (hw:1,0)", tmp_path / "second")  # another microphone
    assert stat.S_IMODE(held.path.stat().st_mode) == 0o600 and stat.S_IMODE(runtime.stat().st_mode) == 0o700
    held.release()
    MicrophoneLock("default", tmp_path / "second").release()  # free again once the first let go
    other.release()


def test_the_state_file_is_private_even_after_an_old_world_readable_one(tmp_path: Path) -> None:
    (tmp_path / "serve-state.json").write_text("{}")
    (tmp_path / "serve-state.json").chmod(0o644)
    state = ServeState(tmp_path, wake_word="alexa")
    state.woke()
    assert stat.S_IMODE((tmp_path / "serve-state.json").stat().st_mode) == 0o600
    assert json.loads((tmp_path / "serve-state.json").read_text())["last_wake"]


def test_the_data_folder_is_made_private_only_when_it_is_backchecks_own(tmp_path: Path) -> None:
    fresh = tmp_path / "a" / "backcheck"
    assert make_private(fresh) is None and stat.S_IMODE(fresh.stat().st_mode) == 0o700
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "history.sqlite3").write_bytes(b"")
    ours.chmod(0o755)
    assert make_private(ours) is None and stat.S_IMODE(ours.stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "holiday.jpg").write_bytes(b"")
    shared.chmod(0o755)
    note = make_private(shared)
    assert note is not None and f"chmod 700 {shared}" in note and stat.S_IMODE(shared.stat().st_mode) == 0o755


def test_a_file_where_the_data_folder_should_be_is_named(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(DataDirError, match="is a file, not a folder"):
        check_data_dir(tmp_path / "f" / "deeper")
    check_data_dir(tmp_path / "missing" / "deeper")  # missing is fine: it is created


def test_serve_refuses_a_data_folder_that_is_a_file_before_touching_anything(tmp_path: Path) -> None:
    afile = tmp_path / "data"
    afile.write_text("keep me")
    res = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(afile), "serve"], capture_output=True,
                         text=True, cwd=REPO, timeout=60)
    assert res.returncode == 2 and "is a file, not a folder" in res.stderr and afile.read_text() == "keep me"
