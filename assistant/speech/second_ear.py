"""A second listen in a noisy room: the steady sound under the answer taken out, then transcribed again.

Why: with other people talking 12 dB under the answer, Whisper writes their words ("thank you",
"it'll be great") instead of the answer's "six". The person answering is the loudest voice, so a
spectral gate that removes, in each frequency band, whatever is not well above the room's own
sound (measured in the quietest stretch of the recording, before or after the answer) leaves mostly
their voice. Whisper alone on every third held-out real one-word clip, transcribed again through the
gate only where the first transcript held no answer (docs/benchmarks.md): babble at 12 dB 67 -> 114
of 242 understood, at 6 dB 35 -> 60; music, clanks, pink noise and fan 1-15 more each; clean
unchanged. Gated always, the other noises lost 6-50 each: hence only as a second listen.
"""
from __future__ import annotations

import numpy as np

from assistant.audio.levels import voice_above_room_db
from assistant.speech.recognizer import SAMPLE_RATE

#: The room's sound is measured over the quietest stretch of this length.
PROFILE_S = 0.3
#: Over-subtraction: a band keeps its level only where it stands this many times above the room's.
OVER = 32.0
#: What is left of a band that does not (-40 dB): zero would ring ("musical noise").
FLOOR = 0.01
N_FFT, HOP = 512, 128
#: Listen again only where the voice stands less than this far above the room (dB; see
#: :func:`assistant.audio.levels.voice_above_room_db`): babble 12 dB under real answers gives 21-32
#: dB, a quiet room 40 and more. At 25 dB (the "too loud" line's) a third of babble went unheard.
ROOM_HEARD_DB = 35.0


def room_heard(samples: np.ndarray) -> bool:
    """The room has a sound of its own under the answer (music, a fan, other people talking)."""
    return voice_above_room_db(samples) < ROOM_HEARD_DB


def _frames(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    window = np.sqrt(np.hanning(N_FFT + 1)[:-1])  # periodic; analysis and synthesis: Hann in total
    n = 1 + max(0, (len(x) - N_FFT + HOP - 1) // HOP)
    padded = np.zeros((n - 1) * HOP + N_FFT)
    padded[: len(x)] = x
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    return padded[idx] * window, window


def quietest_stretch(samples: np.ndarray, seconds: float = PROFILE_S) -> np.ndarray:
    """The stretch of ``samples`` with the least energy: the room without the answer."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    width, step = int(seconds * SAMPLE_RATE), int(0.05 * SAMPLE_RATE)
    if x.size <= width:
        return x
    power = np.convolve(x * x, np.ones(width), mode="valid")[::step]
    start = int(np.argmin(power)) * step
    return x[start: start + width]


def gated(samples: np.ndarray, room: np.ndarray) -> np.ndarray:
    """``samples`` with each band cut down where it is not well above ``room``'s level there."""
    raw = np.asarray(samples, dtype=np.float64).reshape(-1)
    if raw.size < N_FFT or np.asarray(room).size < N_FFT:
        return np.asarray(samples, dtype=np.int16)
    x = np.concatenate([np.zeros(N_FFT), raw, np.zeros(N_FFT)])  # every sample under full windows
    spec_frames, window = _frames(x)
    spec = np.fft.rfft(spec_frames, axis=1)
    room_frames, _ = _frames(np.asarray(room, dtype=np.float64).reshape(-1))
    room_power = np.mean(np.abs(np.fft.rfft(room_frames, axis=1)) ** 2, axis=0)
    gain = np.maximum(FLOOR, 1.0 - OVER * room_power / (np.abs(spec) ** 2 + 1e-9))
    out_frames = np.fft.irfft(spec * gain, n=N_FFT, axis=1) * window
    n = out_frames.shape[0]
    out = np.zeros((n - 1) * HOP + N_FFT)
    norm = np.zeros_like(out)
    for i in range(n):
        out[i * HOP: i * HOP + N_FFT] += out_frames[i]
        norm[i * HOP: i * HOP + N_FFT] += window * window
    out = (out[: x.size] / np.maximum(norm[: x.size], 1e-6))[N_FFT: N_FFT + raw.size]
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)
