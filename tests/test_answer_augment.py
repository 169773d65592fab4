"""The training variants that stand in for other voices and rooms (assistant/training/augment.py)."""
from __future__ import annotations

import numpy as np
import pytest

from tests import speechgen as sg

from assistant.training import augment


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


@pytest.mark.parametrize("factor", [0.85, 1.15])
def test_a_speed_change_changes_length_and_pitch(factor: float) -> None:
    t = np.arange(16000) / 16000
    tone = (np.sin(2 * np.pi * 200 * t) * 8000).astype(np.int16)
    y = augment.speed_changed(tone, factor)
    assert abs(len(y) - 16000 / factor) <= 1
    spectrum = np.abs(np.fft.rfft(y))
    peak_hz = np.argmax(spectrum) * 16000 / len(y)
    assert abs(peak_hz - 200 * factor) < 3


def test_speeding_up_drops_what_would_alias_instead_of_folding_it_back() -> None:
    t = np.arange(16000) / 16000
    high = np.sin(2 * np.pi * 7500 * t) * 8000  # 8625 Hz after a 1.15 speed-up: above Nyquist
    assert _rms(augment.speed_changed(high, 1.15)) < 1.0


def test_reverberation_keeps_length_and_loudness_and_smears_in_time() -> None:
    click = np.zeros(16000, np.int16)
    click[1000:1040] = 20000
    y = augment.reverberated(click, np.random.default_rng(1))
    assert len(y) == len(click)
    assert abs(_rms(y) - _rms(click)) / _rms(click) < 0.01
    tail = np.abs(y[1000 + int(0.1 * 16000):])  # 100 ms after the click, the room still rings
    assert tail.max() > 0.01 * np.abs(y).max()


def test_room_variants_are_int16_clips_of_each_kind_and_repeatable() -> None:
    x = sg.white_noise(1.0, -20)
    noises = augment.training_noises(1)
    a = augment.room_variants(x, noises, seed=7)
    b = augment.room_variants(x, noises, seed=7)
    assert len(a) == len(augment.ROOM_KINDS)
    assert all(v.dtype == np.int16 for v in a)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert len(a[augment.ROOM_KINDS.index("room")]) == len(x)
