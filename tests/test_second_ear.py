"""The second listen's gate: the room's steady sound out, the louder voice kept."""
from __future__ import annotations

import numpy as np

from assistant.speech.second_ear import gated, quietest_stretch

RATE = 16000


def _tone(seconds: float, hz: float, amp: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return amp * np.sin(2 * np.pi * hz * t)


def test_a_silent_room_changes_nothing() -> None:
    x = np.random.default_rng(0).normal(0, 1000, RATE).astype(np.int16)
    assert np.array_equal(gated(x, np.zeros(RATE // 2)), x)


def test_the_quietest_stretch_is_the_room_not_the_answer() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 100, RATE), rng.normal(0, 3000, RATE), rng.normal(0, 100, RATE)])
    assert quietest_stretch(x).std() < 150


def test_the_room_goes_and_the_louder_voice_stays() -> None:
    """A hum under a louder tone at another pitch: the hum loses more than 20 dB, the tone under 1 dB."""
    rng = np.random.default_rng(2)
    room = _tone(2.0, 300, 300) + rng.normal(0, 30, 2 * RATE)
    voice = np.concatenate([np.zeros(RATE // 2), _tone(1.0, 1000, 3000), np.zeros(RATE // 2)])
    out = gated((room + voice).astype(np.int16), quietest_stretch(room + voice)).astype(np.float64)

    def band(x: np.ndarray, hz: float) -> float:
        spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
        f = np.fft.rfftfreq(x.size, 1 / RATE)
        return float(spectrum[np.abs(f - hz) < 20].max())

    mix = room + voice
    assert 20 * np.log10(band(mix, 300) / band(out, 300)) > 20
    assert abs(20 * np.log10(band(mix, 1000) / band(out, 1000))) < 1
