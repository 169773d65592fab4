"""Cutting one spoken answer out of the audio a recogniser heard, the same way in training and in use.

Why one fixed window: the classifier sees pooled embeddings of a 1.5 s window centred on the
speech, so a one-second training clip and a live answer with a long silence before it look alike.
Where the audio is shorter than the window, it is padded with noise at the recording's own floor
level, not digital silence (a live microphone never delivers exact zeros).

Why the search excerpt lies on the centred window's 80 ms grid (the front end's hop) and pads the
same way: the centred window's embeddings are then exactly some of the excerpt's, and the front end
(its cache, ``SpeechEmbedder``) does not compute them twice when it looks for the word.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.speech.embedding import HOP_FRAMES

SAMPLE_RATE = 16000
WINDOW_S = 1.5
WINDOW = int(WINDOW_S * SAMPLE_RATE)
_FRAME = SAMPLE_RATE // 100  # 10 ms
#: The front end's hop between embeddings (80 ms): the search excerpt starts whole hops before the centred window.
GRID = HOP_FRAMES * _FRAME
#: Below this peak level (int16 RMS of the loudest 10 ms) nothing was said: about -60 dBFS.
MIN_PEAK_RMS = 30.0


@dataclass(frozen=True)
class Span:
    """Where the speech is in a recording, in samples, and how loud it is above its floor."""

    start: int
    end: int
    peak_rms: float
    floor_rms: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start) / SAMPLE_RATE


def _frame_rms(x: np.ndarray) -> np.ndarray:
    n = len(x) // _FRAME
    if n == 0:
        return np.array([float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) + 1e-3]) if len(x) else np.full(1, 1e-3)
    f = x[: n * _FRAME].astype(np.float64).reshape(n, _FRAME)
    f = f - f.mean(axis=1, keepdims=True)  # a DC offset is not speech
    return np.sqrt(np.mean(f ** 2, axis=1)) + 1e-3


def speech_span(samples: np.ndarray) -> Span:
    """Where the answer's window goes: from the first to the last frame well above the floor."""
    rms = _frame_rms(np.asarray(samples))
    peak, floor = float(np.percentile(rms, 99)), float(np.percentile(rms, 10))
    db = 20 * np.log10(rms)
    thr = max(20 * np.log10(floor) + 0.35 * (20 * np.log10(peak) - 20 * np.log10(floor)),
              20 * np.log10(peak) - 30.0)
    loud = np.flatnonzero(db >= thr)
    if len(loud) == 0 or peak < MIN_PEAK_RMS:
        return Span(0, 0, peak, floor)
    return Span(int(loud[0] * _FRAME), int((loud[-1] + 1) * _FRAME), peak, floor)


def word_span(samples: np.ndarray) -> Span:
    """The loudest stretch of ``samples``: smoothed frames within 15 dB of the peak, around it.

    Used to tell a single word from a phrase (its length), not to place the window.

    Why relative to the peak: in gym noise at 6 dB SNR a threshold above the noise floor marks the
    whole recording as speech; the word itself still stands out from its surroundings at its peak.
    Gaps under 0.2 s inside a word (a stop consonant) are bridged.
    """
    rms = _frame_rms(np.asarray(samples))
    peak_raw, floor = float(np.max(rms)), float(np.percentile(rms, 10))
    if peak_raw < MIN_PEAK_RMS:
        return Span(0, 0, peak_raw, floor)
    smooth = np.convolve(rms ** 2, np.ones(5) / 5, mode="same")
    db = 10 * np.log10(smooth + 1e-9)
    top = int(np.argmax(db))
    thr = max(db[top] - 15.0, 10 * np.log10(floor ** 2 + 1e-9) + 6.0)
    loud = db >= thr
    gap = 20  # frames (0.2 s)
    start = end = top
    quiet = 0
    i = top
    while i + 1 < len(loud) and quiet <= gap:
        i += 1
        quiet = 0 if loud[i] else quiet + 1
        if loud[i]:
            end = i
    quiet, i = 0, top
    while i > 0 and quiet <= gap:
        i -= 1
        quiet = 0 if loud[i] else quiet + 1
        if loud[i]:
            start = i
    return Span(int(start * _FRAME), int((end + 1) * _FRAME), peak_raw, floor)


def window_start(samples: np.ndarray, span: Span | None = None) -> int:
    """Where the answer window begins: half a window before the middle of the speech (may be negative)."""
    x = np.asarray(samples).reshape(-1)
    span = span or speech_span(x)
    # centre on the loudness-weighted middle of the speech (long answers: their loudest part)
    if span.end > span.start:
        seg = x[span.start:span.end].astype(np.float64)
        n = len(seg) // _FRAME
        if n > 0:
            e = np.mean(seg[: n * _FRAME].reshape(n, _FRAME) ** 2, axis=1)
            centre = span.start + int((np.sum(e * (np.arange(n) + 0.5)) / max(np.sum(e), 1e-9)) * _FRAME)
        else:
            centre = (span.start + span.end) // 2
        if span.end - span.start <= WINDOW:
            centre = (span.start + span.end) // 2
    else:
        centre = len(x) // 2
    return centre - WINDOW // 2


def answer_window(samples: np.ndarray, span: Span | None = None, seed: int = 0) -> np.ndarray:
    """A WINDOW-sample int16 excerpt centred on the speech, padded with floor-level noise."""
    x = np.asarray(samples, dtype=np.int16).reshape(-1)
    span = span or speech_span(x)
    start = window_start(x, span)
    return _excerpt(x, start, WINDOW, span.floor_rms, seed, anchor=start)


def search_start(samples: np.ndarray, span: Span) -> int:
    """Where :func:`search_excerpt` begins: on the centred window's 80 ms grid, half a window before the speech."""
    return _grid_start(window_start(samples, span), span)


def _grid_start(anchor: int, span: Span) -> int:
    return anchor - int(np.ceil((anchor - (span.start - WINDOW // 2)) / GRID)) * GRID


def search_excerpt(samples: np.ndarray, span: Span, seed: int = 0) -> np.ndarray:
    """The speech span with half a window of context each side, padded like :func:`answer_window`.

    Every answer window whose centre lies in the span is a stretch of this excerpt, so one pass of
    the front end gives them all (see ``AnswerClassifier``: where the word is when a clank or
    music makes the loudest stretch something else). It starts on the centred window's grid and
    pads alike, so the centred window's embeddings are among its own (the front end's cache).
    """
    x = np.asarray(samples, dtype=np.int16).reshape(-1)
    anchor = window_start(x, span)
    lo = _grid_start(anchor, span)
    return _excerpt(x, lo, span.end + WINDOW // 2 - lo, span.floor_rms, seed, anchor=anchor)


def _excerpt(x: np.ndarray, lo: int, length: int, floor_rms: float, seed: int, anchor: int) -> np.ndarray:
    """``x[lo:lo + length]``, with floor-level noise where that reaches beyond the recording.

    The noise at a position depends only on where it lies relative to ``anchor`` (the centred
    window's start), so every excerpt around one answer window pads the same way; from the anchor
    on it is the noise the classifier was trained with.
    """
    level = max(floor_rms, 2.0)
    out = np.empty(length)
    a, b = max(lo, 0), min(lo + length, len(x))
    if b > a:
        out[a - lo:b - lo] = x[a:b]
    outside = np.ones(length, bool)
    outside[max(a - lo, 0):max(b - lo, 0)] = False
    pos = np.arange(lo, lo + length)
    after = outside & (pos >= anchor)
    if after.any():
        out[after] = np.random.default_rng(seed).normal(0.0, level, lo + length - anchor)[pos[after] - anchor]
    before = outside & (pos < anchor)
    if before.any():  # counted back from the anchor, in a stream of its own
        out[before] = np.random.default_rng([seed, 1]).normal(0.0, level, anchor - lo)[anchor - 1 - pos[before]]
    return np.clip(out, -32768, 32767).astype(np.int16)
