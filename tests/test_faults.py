"""Faults an always-on Pi meets, through the real audio path: a real `serve` process, the virtual PulseAudio
microphone and speaker, the real wake-word detector and recogniser, real signals. Nothing may be lost.

Slow (minutes): run with `--faults` (CI runs them as their own step, `.ci/run`).
"""
from __future__ import annotations

import random
import re
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.spoken import WAKE, Person, ServeProcess, history, quick_check, said

pytest.importorskip("pymicro_wakeword", reason="pymicro-wakeword is not installed")
pytestmark = [pytest.mark.faults, pytest.mark.speech, pytest.mark.audio,
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")]


def _start(virtual_audio, data_dir: Path, *extra: str, person: bool = True, **kw) -> ServeProcess:  # type: ignore[no-untyped-def]
    serve = ServeProcess(data_dir, *extra, person=Person(virtual_audio) if person else None, **kw)
    serve.wait_for("listening for the wake word", timeout=90)
    time.sleep(1.0)
    return serve


def _wake(virtual_audio, serve: ServeProcess, count: int = 1) -> float:  # type: ignore[no-untyped-def]
    """Say the wake word until serve hears it (espeak-ng's "alexa" is heard 9 times in 10, not always)."""
    for attempt in range(3):
        virtual_audio.play_into_mic(said(WAKE, voice=("en-gb", "en-us", "en")[attempt]))
        try:
            serve.wait_for("wake word heard \\(", count=count, timeout=8)
            return time.monotonic()
        except AssertionError:
            continue
    raise AssertionError(f"the wake word was not heard in three tries:\n{serve.log}")


def _decided_level(serve: ServeProcess) -> str | None:
    m = re.search(r"verdict decided: (\w+); saved", serve.log)
    return m.group(1) if m else None


def test_a_whole_spoken_check_in_is_saved_before_its_verdict_is_read_aloud(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    serve = _start(virtual_audio, tmp_path)
    try:
        _wake(virtual_audio, serve)
        serve.wait_for("verdict decided", timeout=180)
        saved_during_read_back = history(tmp_path)  # the verdict is being read aloud now
        read_back_still_going = serve.when("check-in finished") is None
        serve.wait_for("check-in finished", timeout=120)
    finally:
        rc = serve.stop()
    assert rc == 0 and "Traceback" not in serve.log, serve.log
    assert read_back_still_going, serve.log
    assert len(saved_during_read_back) == 1 and saved_during_read_back[0]["level"] == _decided_level(serve)
    assert len(serve.person.answered) >= 3, (serve.person.answered, serve.transcript)  # it really was a conversation
    assert history(tmp_path) == saved_during_read_back  # saved once, not again at the end


def test_kill_9_at_random_points_of_a_spoken_check_in_never_loses_a_decided_verdict(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # one check-in to learn how long the parts take on this machine
    serve = _start(virtual_audio, tmp_path)
    woke = _wake(virtual_audio, serve)
    serve.wait_for("verdict decided", timeout=180)
    decided_after = time.monotonic() - woke
    serve.wait_for("check-in finished", timeout=120)
    finished_after = time.monotonic() - woke
    assert serve.stop() == 0
    rng = random.Random(23)
    # random points over the whole check-in, and one certainly inside the read-back of the verdict: that one
    # is timed from the verdict itself, because a later run may hear an answer later than the first did
    points: list[tuple[float, bool]] = sorted((rng.uniform(0.5, finished_after), False) for _ in range(3))
    points.append(((finished_after - decided_after) / 2, True))
    db = tmp_path / "history.sqlite3"
    for at, after_verdict in points:
        before = history(tmp_path)
        serve = _start(virtual_audio, tmp_path)
        _wake(virtual_audio, serve)
        if after_verdict:
            serve.wait_for("verdict decided", timeout=180)
        time.sleep(at)
        level = _decided_level(serve)
        serve.proc.kill()  # SIGKILL: nothing can be saved at this moment, so what was saved must hold
        serve.stop()
        after = history(tmp_path)
        assert quick_check(db) == "ok"
        assert after[: len(before)] == before, f"kill at {at:.1f} s changed earlier check-ins"
        if level is not None:
            assert len(after) == len(before) + 1 and after[-1]["level"] == level, (at, serve.log)
        else:
            assert len(after) == len(before), (at, serve.log)
    assert len(history(tmp_path)) >= 2  # at least the first run and the kill in the read-back


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_mid_check_in_saves_it_once_and_exits_cleanly(virtual_audio, tmp_path: Path, sig: int) -> None:  # type: ignore[no-untyped-def]
    serve = _start(virtual_audio, tmp_path)
    try:
        _wake(virtual_audio, serve)
        time.sleep(4.0)  # in the first questions
    finally:
        rc = serve.stop(sig)
    assert rc == 0 and f"stopped ({signal.Signals(sig).name})" in serve.log and "Traceback" not in serve.log
    assert "partial check-in saved" in serve.log, serve.log
    saved = history(tmp_path)
    assert len(saved) == 1 and saved[0]["finished"] is False


def test_a_stop_signal_during_the_read_back_keeps_the_one_decided_check_in(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    serve = _start(virtual_audio, tmp_path)
    try:
        _wake(virtual_audio, serve)
        serve.wait_for("verdict decided", timeout=180)
        time.sleep(1.0)
    finally:
        rc = serve.stop(signal.SIGTERM)
    assert rc == 0 and "partial check-in saved" not in serve.log, serve.log
    saved = history(tmp_path)
    assert len(saved) == 1 and saved[0]["level"] == _decided_level(serve)


def _log_file_lines(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_a_closed_terminal_sighup_keeps_serve_listening_and_the_check_in_saved(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    serve = _start(virtual_audio, tmp_path)
    log_file = tmp_path / "serve.log"
    try:
        _wake(virtual_audio, serve)
        time.sleep(3.0)
        serve.send(signal.SIGHUP)
        end = time.monotonic() + 180
        while "check-in finished" not in _log_file_lines(log_file) and time.monotonic() < end:
            assert serve.proc.poll() is None, serve.log
            time.sleep(0.2)
        assert "terminal was closed (SIGHUP); still listening" in _log_file_lines(log_file)
        assert "check-in finished" in _log_file_lines(log_file), _log_file_lines(log_file)
        # and it still hears the wake word afterwards
        for voice in ("en-gb", "en-us", "en"):
            virtual_audio.play_into_mic(said(WAKE, voice=voice))
            end = time.monotonic() + 8
            while "wake word heard (" not in _log_file_lines(log_file) and time.monotonic() < end:
                time.sleep(0.2)
        assert "wake word heard (" in _log_file_lines(log_file)
    finally:
        rc = serve.stop()
    assert rc == 0
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert len(history(tmp_path)) >= 1


def test_the_sound_server_restarting_mid_check_in_loses_nothing_and_serve_hears_again(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    serve = _start(virtual_audio, tmp_path)
    try:
        _wake(virtual_audio, serve)
        time.sleep(4.0)
        virtual_audio.restart()
        serve.wait_for("reopening the sound devices", timeout=60)
        assert len(history(tmp_path)) == 1  # what was said before the crash is kept
        time.sleep(2.0)
        _wake(virtual_audio, serve, count=2)
        serve.wait_for("check-in finished", count=2, timeout=180)
    finally:
        rc = serve.stop()
    assert rc == 0 and "Traceback" not in serve.log, serve.log
    assert len(history(tmp_path)) == 2


def test_the_microphone_removed_mid_check_in_and_added_back(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    serve = _start(virtual_audio, tmp_path)
    try:
        _wake(virtual_audio, serve)
        time.sleep(4.0)
        mods = subprocess.run(["pactl", "list", "short", "modules"], capture_output=True, text=True).stdout
        remap = next(line.split()[0] for line in mods.splitlines() if "module-remap-source" in line)
        subprocess.run(["pactl", "unload-module", remap], check=True)
        serve.wait_for("microphone lost|reopening|check-in finished|partial check-in saved", timeout=60)
        time.sleep(3.0)
        subprocess.run(["pactl", "load-module", "module-remap-source", "master=vmic_feed.monitor", "source_name=vmic",
                        "format=s16le", "rate=16000", "channels=1"], check=True, capture_output=True)
        subprocess.run(["pactl", "set-default-source", "vmic"], check=True)
        time.sleep(3.0)
        _wake(virtual_audio, serve, count=2)
        serve.wait_for("check-in finished", count=2, timeout=180)
    finally:
        rc = serve.stop()
    assert rc == 0 and "Traceback" not in serve.log, serve.log
    assert len(history(tmp_path)) == 2, serve.log  # the interrupted check-in and the one after


def _garbage_vosk_model(models: Path) -> Path:
    model = models / "vosk-model-small-en-us-0.15"
    for rel, data in {"am/final.mdl": b"\x00garbage" * 4000, "conf/model.conf": b"--min-active=200\n",
                      "conf/mfcc.conf": b"--sample-frequency=16000\n", "graph/HCLr.fst": b"x" * 100,
                      "graph/Gr.fst": b"y" * 100}.items():
        (model / rel).parent.mkdir(parents=True, exist_ok=True)
        (model / rel).write_bytes(data)
    return model


def test_a_damaged_vosk_model_at_start_falls_back_and_serve_listens(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("vosk", reason="vosk is not installed")
    model = _garbage_vosk_model(tmp_path / "models")
    serve = _start(virtual_audio, tmp_path, engine="auto")
    try:
        assert serve.proc.poll() is None
        assert re.search(rf"the Vosk model in {re.escape(str(model))} cannot be used \(Vosk cannot use it: .*\); "
                         "listening with BackCheck's own recognisers instead", serve.log), serve.log
        assert "speech recognition: answers+whisper" in serve.log
        _wake(virtual_audio, serve)
        serve.wait_for("check-in finished", timeout=180)
    finally:
        rc = serve.stop()
    assert rc == 0 and len(history(tmp_path)) == 1


def test_one_serve_per_microphone_and_everything_it_writes_is_private(virtual_audio, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    second_dir.mkdir(mode=0o755)
    second_dir.chmod(0o755)
    first = _start(virtual_audio, first_dir, person=False)
    try:
        second = ServeProcess(second_dir)
        rc = second.stop(timeout=60) if second.proc.wait(timeout=90) is not None else None
        assert rc == 1, second.log
        assert "already listens to the sound server's default microphone" in second.log
        assert str(first_dir) in second.log  # says which one, so the person can stop it
        assert first.proc.poll() is None
        for path in (first_dir, second_dir):
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, oct(path.stat().st_mode)
        for name in ("serve.lock", "serve-state.json"):
            assert stat.S_IMODE((first_dir / name).stat().st_mode) == 0o600, name
    finally:
        assert first.stop() == 0
