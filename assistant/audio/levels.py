"""Is the microphone level usable?  Clipping and near-silence both ruin recognition."""

from __future__ import annotations

import numpy as np

CLIP_FRACTION = 0.001
"""more than this share of samples at full scale counts as clipping"""
QUIET_DBFS = -50.0
"""speech quieter than this (RMS of the loudest parts) is too quiet to recognise"""
_FRAME = 480  # 30 ms at 16 kHz


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level of int16 samples in dB relative to full scale (-inf for silence)."""
    x = np.asarray(samples, dtype=np.float64) / 32768.0
    if x.size == 0:
        return float("-inf")
    r = float(np.sqrt(np.mean(x * x)))
    return 20.0 * np.log10(r) if r > 0 else float("-inf")


def speech_dbfs(samples: np.ndarray) -> float:
    """Level of the loudest 10% of 30 ms frames: the speech, not the pauses around it."""
    x = np.asarray(samples, dtype=np.float64)
    n = x.size // _FRAME
    if n == 0:
        return rms_dbfs(x)
    frames = x[: n * _FRAME].reshape(n, _FRAME) / 32768.0
    power = np.sort(np.mean(frames * frames, axis=1))[::-1]
    top = power[: max(1, n // 10)]
    p = float(np.mean(top))
    return 10.0 * np.log10(p) if p > 0 else float("-inf")


def level_report(samples: np.ndarray) -> str | None:
    """A warning about the input level with what to do, or ``None`` when it is fine."""
    x = np.asarray(samples)
    if x.size == 0:
        return "no audio was captured: check the microphone is connected ('backcheck devices')"
    clipped = int(np.count_nonzero((x >= 32767) | (x <= -32768)))
    if clipped >= 10 and clipped > CLIP_FRACTION * x.size:
        return (
            f"the microphone is clipping ({clipped} of {x.size} samples at full scale): "
            "turn the input gain down (alsamixer) or speak further from the microphone"
        )
    level = speech_dbfs(x)
    if level == float("-inf"):
        return "the microphone delivers pure silence: is it muted or the wrong device? ('backcheck devices')"
    if level < QUIET_DBFS:
        return (
            f"the microphone is very quiet (speech at {level:.0f} dBFS): turn the input gain up "
            "(alsamixer) or speak closer to the microphone"
        )
    return None
