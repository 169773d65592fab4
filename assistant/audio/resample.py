"""Anti-aliased rational resampling in pure numpy.

Why not scipy: the Raspberry Pi install should need nothing beyond numpy, and
only a handful of fixed ratios are needed (8k/22.05k/44.1k/48k -> 16k).  This
is a polyphase FIR resampler (like ``scipy.signal.resample_poly``) with a
Kaiser-windowed sinc whose stop band starts at the lower Nyquist frequency, so
nothing above it folds back into the speech band.
"""

from __future__ import annotations

from functools import lru_cache
from math import gcd

import numpy as np

#: zero crossings of the sinc on each side of the centre (filter length)
ZERO_CROSSINGS = 32
#: Kaiser beta: about 80 dB stop-band attenuation
KAISER_BETA = 8.0
#: pass-band edge as a fraction of the lower Nyquist frequency; the transition
#: band lies between this and ~1.0 so that the stop band begins at Nyquist
ROLLOFF = 0.94


@lru_cache(maxsize=16)
def _polyphase_filter(up: int, down: int) -> tuple[np.ndarray, int]:
    """Filter taps arranged as ``[tap_index, phase]`` plus the filter half length."""
    max_rate = max(up, down)
    half_len = ZERO_CROSSINGS * max_rate
    n = np.arange(-half_len, half_len + 1, dtype=np.float64)
    cutoff = ROLLOFF / max_rate  # in units of the up-sampled Nyquist frequency
    h = cutoff * np.sinc(cutoff * n) * np.kaiser(2 * half_len + 1, KAISER_BETA)
    h *= up / h.sum()  # unity gain after zero stuffing
    taps = -(-h.size // up)
    padded = np.zeros(taps * up)
    padded[: h.size] = h
    # padded[p + i*up] -> table[i, p]
    table = np.ascontiguousarray(padded.reshape(taps, up))
    return table, half_len


def resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """Resample float ``x`` (1-D) by ``up/down``; output length ``ceil(len*up/down)``."""
    if up <= 0 or down <= 0:
        raise ValueError("up and down must be positive")
    g = gcd(up, down)
    up, down = up // g, down // g
    x = np.asarray(x, dtype=np.float64)
    if up == down:
        return x.copy()
    n_out = -(-x.size * up // down)
    if x.size == 0:
        return np.zeros(0)
    table, half_len = _polyphase_filter(up, down)
    taps = table.shape[0]
    t = np.arange(n_out, dtype=np.int64) * down + half_len
    base = t // up
    phase = t % up
    right_pad = int(base[-1]) - x.size + 1 + taps
    xp = np.concatenate([np.zeros(taps), x, np.zeros(max(right_pad, 0))])
    y = np.zeros(n_out)
    idx = base + taps
    for i in range(taps):
        y += table[i][phase] * xp[idx - i]
    return y


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample float samples from ``rate_in`` Hz to ``rate_out`` Hz."""
    return resample_poly(x, rate_out, rate_in)
