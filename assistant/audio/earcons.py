"""Earcons: a short rising tone for "I'm listening", a falling one for "I've stopped".

Made in code (no sound files in the repository): a soft sine glide with smooth edges, about 24 dB
below full scale so it does not startle anyone lying on a mat next to the speaker.
"""
from __future__ import annotations

from typing import Any, Literal

import numpy as np

Kind = Literal["start", "stop"]
RATE = 16000
DURATION_S = 0.15
LEVEL = 0.06  #: peak amplitude (about -24 dBFS): audible in a quiet room, gentle over music
_GLIDE: dict[str, tuple[float, float]] = {"start": (660.0, 990.0), "stop": (990.0, 660.0)}


def earcon(kind: Kind, rate: int = RATE) -> np.ndarray:
    """The tone as float samples in [-1, 1) at ``rate``: rising for "start", falling for "stop"."""
    f0, f1 = _GLIDE[kind]
    n = int(DURATION_S * rate)
    t = np.arange(n) / rate
    freq = f0 + (f1 - f0) * t / DURATION_S
    phase = 2 * np.pi * np.cumsum(freq) / rate
    edge = int(0.02 * rate)  # 20 ms raised-cosine edges: no click
    env = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, edge))
    env[:edge], env[-edge:] = ramp, ramp[::-1]
    return LEVEL * env * np.sin(phase)


def play_earcon(speaker: Any, mic: Any | None, kind: Kind) -> None:
    """Play the tone on a speaker that can play samples, with the microphone muted like speech.

    A mouth that only prints (no speaker) plays nothing; a speaker that fails is left to report
    the failure the next time it speaks.
    """
    play = getattr(speaker, "play", None)
    if play is None or getattr(speaker, "failed", None):
        return
    from assistant.audio.errors import AudioError

    try:
        if mic is not None:
            with mic.muted_while():
                play(earcon(kind), RATE)
        else:
            play(earcon(kind), RATE)
    except AudioError:
        pass
