"""The answer's end by loudness, where the voice-activity endpointer hears noise as endless speech."""
from __future__ import annotations

import numpy as np

from assistant.speech.level_end import FLOOR_LEAST_S, QUIET_AFTER_CLICK_S, QUIET_FOR_S, SMOOTH_S, LevelEnd

RATE = 16000
FRAME_S = 0.03


def _ends(samples: np.ndarray) -> list[float]:
    """Seconds at which LevelEnd says a loud stretch ended."""
    level, n, out = LevelEnd(FRAME_S), int(FRAME_S * RATE), []
    for i in range(0, samples.size - n + 1, n):
        if level.step(samples[i:i + n]):
            out.append((i + n) / RATE)
    return out


def _noise(seconds: float, rms: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * rms


def _voice(seconds: float, rms: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.sin(2 * np.pi * 180 * t) * rms * np.sqrt(2) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))


def _pcm(x: np.ndarray) -> np.ndarray:
    return np.clip(x, -32768, 32767).astype(np.int16)


def test_an_answer_over_a_steady_hum_ends_when_the_room_is_back_to_its_level() -> None:
    hum = _noise(6.0, 300)
    x = hum.copy()
    x[int(1.0 * RATE):int(1.6 * RATE)] += _voice(0.6, 1500)  # ~14 dB over the hum
    ends = _ends(_pcm(x))
    assert len(ends) == 1
    assert 1.6 + QUIET_FOR_S <= ends[0] <= 1.6 + QUIET_FOR_S + SMOOTH_S + 0.1


def test_the_hum_alone_never_ends_anything() -> None:
    assert _ends(_pcm(_noise(10.0, 300, seed=3))) == []


def test_a_voice_no_louder_than_the_room_starts_nothing() -> None:
    x = _noise(6.0, 600)
    x[int(1.0 * RATE):int(1.6 * RATE)] += _voice(0.6, 700)
    assert _ends(_pcm(x)) == []


def test_a_short_word_in_digital_silence_ends_after_the_pause() -> None:
    x = np.zeros(5 * RATE)
    x[int(0.5 * RATE):int(0.7 * RATE)] = _voice(0.2, 1000)
    ends = _ends(_pcm(x))
    assert len(ends) == 1 and ends[0] < 0.7 + QUIET_FOR_S + SMOOTH_S + 0.1


def test_speech_from_the_first_frame_leaves_the_end_to_the_endpointer() -> None:
    x = _noise(4.0, 300)
    x[: int(0.6 * RATE)] += _voice(0.6, 3000)  # answering before any room was heard: no level to judge by
    assert FLOOR_LEAST_S < 0.6 and _ends(_pcm(x)) == []


def test_a_click_before_the_word_does_not_end_the_answer_before_the_word() -> None:
    x = _noise(5.0, 30)
    x[int(0.5 * RATE):int(0.53 * RATE)] += 8000.0  # a 30 ms click, as a real recording opens with
    x[int(1.4 * RATE):int(1.7 * RATE)] += _voice(0.3, 1500)  # the word, 0.9 s later
    ends = _ends(_pcm(x))
    assert len(ends) == 1 and ends[0] > 1.7 + QUIET_FOR_S


def test_a_click_alone_ends_only_after_a_longer_quiet() -> None:
    x = _noise(5.0, 30)
    x[int(0.5 * RATE):int(0.53 * RATE)] += 8000.0
    ends = _ends(_pcm(x))
    assert len(ends) == 1 and ends[0] >= 0.53 + QUIET_AFTER_CLICK_S


def test_in_noise_a_stretch_that_short_still_ends_after_the_usual_pause() -> None:
    """Over a room's noise a real word is often that short above it; waiting would let the room in."""
    x = _noise(5.0, 300)
    x[int(1.0 * RATE):int(1.06 * RATE)] += _voice(0.06, 3000)
    ends = _ends(_pcm(x))
    assert len(ends) == 1 and ends[0] < 1.06 + QUIET_FOR_S + SMOOTH_S + 0.1
