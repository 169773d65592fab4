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


class StreamResampler:
    """:func:`resample` block by block, in bounded memory, with exactly the same output.

    Why: a recording may be hours long (or endless, like a device file), and converting it whole
    grows memory with its length. Each output sample needs only the last ``taps`` input samples, so
    only those are kept between blocks; the sums are formed in the same order as :func:`resample_poly`,
    so the concatenated output equals it bit for bit.
    """

    def __init__(self, rate_in: int, rate_out: int) -> None:
        g = gcd(rate_in, rate_out)
        self.up, self.down = rate_out // g, rate_in // g
        self._table, self._half_len = _polyphase_filter(self.up, self.down)
        self._taps = self._table.shape[0]
        self._kept = np.zeros(0)  #: input samples still needed, starting at global index ``_kept_at``
        self._kept_at = 0
        self._seen = 0  #: input samples fed so far
        self._next = 0  #: index of the next output sample

    def process(self, x: np.ndarray) -> np.ndarray:
        """Feed the next input samples; return every output sample they complete."""
        x = np.asarray(x, dtype=np.float64)
        if self.up == self.down:
            return x.copy()
        self._kept = np.concatenate([self._kept, x])
        self._seen += x.size
        ready = -(-(self._seen * self.up - self._half_len) // self.down)  # outputs whose inputs are all here
        return self._emit(max(ready, self._next))

    def flush(self) -> np.ndarray:
        """The last output samples (the input ended; beyond it counts as silence)."""
        if self.up == self.down:
            return np.zeros(0)
        return self._emit(-(-self._seen * self.up // self.down))

    def _emit(self, end: int) -> np.ndarray:
        if end <= self._next:
            return np.zeros(0)
        t = np.arange(self._next, end, dtype=np.int64) * self.down + self._half_len
        base, phase = t // self.up, t % self.up
        lo = int(base[0]) - self._taps + 1
        hi = int(base[-1]) + 1
        seg = np.zeros(hi - lo)  # input samples lo..hi-1; outside what was fed, zeros
        a, b = max(lo, self._kept_at), min(hi, self._kept_at + self._kept.size)
        if b > a:
            seg[a - lo:b - lo] = self._kept[a - self._kept_at:b - self._kept_at]
        y = np.zeros(end - self._next)
        idx = base - lo
        for i in range(self._taps):
            y += self._table[i][phase] * seg[idx - i]
        self._next = end
        keep_from = (end * self.down + self._half_len) // self.up - self._taps + 1
        if keep_from > self._kept_at:
            drop = min(keep_from - self._kept_at, self._kept.size)
            self._kept = self._kept[drop:]
            self._kept_at += drop
        return y
