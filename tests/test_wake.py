"""The wake word detector on real synthetic speech (nothing faked), `backcheck wake`, earcons, the lock,
the systemd unit. The serve loop through the virtual microphone is in test_serve.py."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO

wakeword = pytest.importorskip("pymicro_wakeword", reason="pymicro-wakeword is not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def _said(words: str, voice: str = "en-us", rate: int = 150) -> np.ndarray:
    from assistant.speech.synth import synthesize

    pad = np.zeros(16000, np.int16)
    return np.concatenate([pad, synthesize(words, voice=voice, rate=rate), pad])


def _write_wav(path: Path, x: np.ndarray, rate: int = 16000, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(x[:, None], channels, axis=1).astype("<i2").tobytes())
    return path


@needs_espeak
@pytest.mark.parametrize("model,phrase", [("hey_mycroft", "hey mycroft"), ("alexa", "alexa")])
def test_detector_hears_its_wake_word_and_not_another(model: str, phrase: str) -> None:
    from assistant.wake.detector import WakeDetector, detect_in_samples

    det = WakeDetector(model)
    x = _said(phrase)
    hits = detect_in_samples(x, detector=det)
    assert len(hits) == 1 and 1.0 < hits[0] < x.size / 16000 + 0.1
    det.reset()
    assert detect_in_samples(_said("hello there, how are you"), detector=det) == []


@needs_espeak
def test_wake_command_finds_each_wake_word_in_a_stereo_44k_wav(tmp_path: Path) -> None:
    from assistant.audio.resample import resample

    gap = np.zeros(3 * 16000, np.int16)
    x = np.concatenate([_said("hey mycroft", rate=165), gap, _said("hey mycroft", voice="en-gb", rate=165)])
    y = np.round(resample(x / 32768.0, 16000, 44100) * 32767).astype(np.int16)
    wav = _write_wav(tmp_path / "two.wav", y, rate=44100, channels=2)
    res = subprocess.run([sys.executable, "-m", "assistant", "wake", "--json", "--wake-word", "hey_mycroft", str(wav)],
                         capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr
    row = json.loads(res.stdout.strip().splitlines()[-1])
    assert row["file"] == str(wav) and row["wake_word"] == "hey_mycroft"  # as asked
    first_end = _said("hey mycroft", rate=165).size / 16000
    assert len(row["detections"]) == 2, row
    assert 1.0 < row["detections"][0] <= first_end + 0.2 < row["detections"][1]
    res = subprocess.run([sys.executable, "-m", "assistant", "wake", "--wake-word", "hey-jarvis", str(wav)],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0 and "not heard" in res.stdout


def test_ten_minutes_of_gym_audio_without_the_wake_word_wake_nothing() -> None:
    """Fed faster than real time: the same detector serve uses, on speech, music, clanks and fans."""
    pytest.importorskip("scipy", reason="the gym-noise generator needs scipy (pip install -e '.[test]')")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from assistant.bench.wake import false_activations

    from assistant.wake.detector import DEFAULT_WAKE_WORD

    res = false_activations(10 / 60, [DEFAULT_WAKE_WORD])
    assert res["hours"] == pytest.approx(10 / 60, abs=0.01)
    assert res["count"] == {DEFAULT_WAKE_WORD: 0}


def test_missing_damaged_or_unknown_models_say_what_to_do(tmp_path: Path) -> None:
    from assistant.wake.detector import WakeDetector, WakeWordError, builtin_models_dir

    with pytest.raises(WakeWordError, match="unknown wake word 'siri'; choose one of alexa"):
        WakeDetector("siri")
    with pytest.raises(WakeWordError, match="missing"):
        WakeDetector("alexa", models_dir=tmp_path)
    shutil.copy(builtin_models_dir() / "alexa.json", tmp_path)
    (tmp_path / "alexa.tflite").write_bytes(b"\0" * 5000)
    with pytest.raises(WakeWordError, match="damaged.*reinstall"):
        WakeDetector("alexa", models_dir=tmp_path)
    (tmp_path / "alexa.json").write_text("{not json")
    with pytest.raises(WakeWordError, match="damaged"):
        WakeDetector("alexa", models_dir=tmp_path)


def test_wake_word_setting_is_checked(tmp_path: Path) -> None:
    from assistant.config import ConfigError, load_settings

    assert load_settings(flags={"wake_word": "hey-jarvis"}, env={})[0].wake_word == "hey_jarvis"
    with pytest.raises(ConfigError, match="expected one of alexa"):
        load_settings(env={"BACKCHECK_WAKE_WORD": "siri"})
    with pytest.raises(ConfigError, match="expected one of all, wake, off"):
        load_settings(env={"BACKCHECK_EARCONS": "loud"})


def test_earcons_rise_then_fall_softly() -> None:
    from assistant.audio.earcons import RATE, earcon

    def pitch(x: np.ndarray) -> float:
        return float(np.count_nonzero(np.diff(np.signbit(x)))) / 2 / (x.size / RATE)

    for kind, rising in (("start", True), ("stop", False)):
        x = earcon(kind)  # type: ignore[arg-type]
        half = x.size // 2
        assert (pitch(x[:half]) < pitch(x[half:])) == rising
        assert 0.02 < np.abs(x).max() <= 0.1  # quiet: about -24 dBFS
        assert abs(x[0]) < 1e-3 and abs(x[-1]) < 1e-3  # no click at the edges
        assert 0.1 <= x.size / RATE <= 0.3


def test_a_second_serve_is_refused_while_one_runs(tmp_path: Path) -> None:
    from assistant.serve.state import AlreadyRunning, ServeLock, serve_running

    lock = ServeLock(tmp_path)
    assert serve_running(tmp_path)
    with pytest.raises(AlreadyRunning, match="already running"):
        ServeLock(tmp_path)
    res = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(tmp_path), "serve"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert res.returncode == 1 and "already running" in res.stderr and "Traceback" not in res.stderr
    lock.release()
    assert not serve_running(tmp_path)


def test_service_unit_prints_without_systemd_and_passes_systemd_analyze(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "assistant", "service", "install", "--print", "--wake-word", "alexa"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert res.returncode == 0, res.stderr
    unit = res.stdout
    assert "\nRestart=on-failure\n" in unit and "WantedBy=default.target" in unit
    assert f"ExecStart={sys.executable} -m assistant " in unit and " serve --wake-word alexa\n" in unit
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt install systemd)")
    path = tmp_path / "backcheck.service"
    path.write_text(unit)
    ok = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stderr.strip() == "", ok.stderr
    # the check can fail: a typo in the unit is reported
    path.write_text(unit.replace("Restart=on-failure", "Restart=sometimes"))
    bad = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert "sometimes" in bad.stderr


def test_service_status_without_a_serve(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(tmp_path), "service", "status"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert res.returncode == 3 and "serve:       not running" in res.stdout and "alexa" in res.stdout


@needs_espeak
def test_quick_wake_bench_prints_a_row_per_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("scipy", reason="the benchmark needs scipy (pip install -e '.[bench]')")
    from assistant.bench.command import bench_command
    from assistant.config import WAKE_WORDS, load_settings

    settings, _ = load_settings(flags={"data_dir": tmp_path}, env={})
    assert bench_command(["--quick", "--wake", "only", "--out", str(tmp_path / "out")], settings) == 0
    out = capsys.readouterr().out
    for model in WAKE_WORDS:
        row = next(line for line in out.splitlines() if line.startswith(f"| {model} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert all(c.endswith("%") for c in cells[1:4]) and float(cells[4]) >= 0
    assert "idle CPU" in out and "wake → chime" in out
