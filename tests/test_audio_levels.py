"""The microphone level check: clipping, too quiet, silent, fine."""

from __future__ import annotations

import numpy as np

from assistant.audio.levels import level_report, rms_dbfs, speech_dbfs


def _speechlike(amp: float, seconds: float = 2.0) -> np.ndarray:
    """Bursts of tone separated by silence, like words with pauses."""
    t = np.arange(int(16000 * seconds)) / 16000
    gate = (np.sin(2 * np.pi * 1.5 * t) > 0.3).astype(float)
    return np.round(amp * 32767 * np.sin(2 * np.pi * 300 * t) * gate).astype(np.int16)


def test_normal_speech_is_fine() -> None:
    assert level_report(_speechlike(0.3)) is None


def test_clipping_is_reported() -> None:
    x = np.clip(_speechlike(1.0).astype(np.int32) * 3, -32768, 32767).astype(np.int16)
    msg = level_report(x)
    assert msg is not None and "clipping" in msg and "gain down" in msg


def test_a_few_full_scale_samples_are_not_clipping() -> None:
    x = _speechlike(0.3)
    x[:5] = 32767
    assert level_report(x) is None


def test_quiet_speech_is_reported_even_with_long_pauses() -> None:
    quiet = _speechlike(0.002)  # about -57 dBFS while speaking
    msg = level_report(quiet)
    assert msg is not None and "quiet" in msg and "gain up" in msg
    # the same speech at -45 dBFS with lots of silence around it is acceptable:
    padded = np.concatenate([np.zeros(16000 * 5, np.int16), _speechlike(0.008), np.zeros(16000 * 5, np.int16)])
    assert rms_dbfs(padded) < -50 < speech_dbfs(padded)
    assert level_report(padded) is None


def test_silence_and_nothing() -> None:
    assert "silence" in (level_report(np.zeros(16000, np.int16)) or "")
    assert "no audio" in (level_report(np.zeros(0, np.int16)) or "")
