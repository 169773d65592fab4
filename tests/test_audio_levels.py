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


def _word_in_room(noise_kind: str, snr_db: float) -> np.ndarray:
    """A spoken word padded as a live answer (room before and after it), in background noise."""
    import shutil

    import pytest

    from assistant.bench.noise import make_noise, mix_at_snr
    from assistant.speech.synth import synthesize

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (needed to make the spoken word)")
    pad = np.zeros(8000, np.int16)
    speech = np.concatenate([pad, synthesize("seven", voice="en-us", rate=150), pad])
    return mix_at_snr(speech, make_noise(noise_kind, speech.size, seed=3), snr_db)


def test_music_or_a_fan_drowning_the_voice_is_a_noisy_room() -> None:
    from assistant.audio.levels import noisy_room

    assert noisy_room(_word_in_room("music", 6.0))
    assert noisy_room(_word_in_room("fan", 12.0))


def test_a_voice_well_above_the_room_is_not_a_noisy_room() -> None:
    from assistant.audio.levels import noisy_room, voice_above_room_db

    assert not noisy_room(_word_in_room("pink", 30.0))
    room = np.random.default_rng(0).normal(0, 20, 16000).astype(np.int16)  # a quiet room's hiss
    x = _word_in_room("pink", 30.0)
    assert voice_above_room_db(x) > voice_above_room_db(_word_in_room("pink", 10.0))
    assert not noisy_room(np.concatenate([room, x]))
