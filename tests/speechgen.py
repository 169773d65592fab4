"""Test audio from espeak-ng: real synthetic speech, never committed WAVs.

Why: recognition tests must feed real audio through the real engines, and
espeak-ng can make it on the fly in several voices, speeds and noise levels.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 16000

#: English voices that ship with espeak-ng and sound different enough.
EN_VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-x-rp", "en+m3")


def resample(samples: np.ndarray, src_rate: int, dst_rate: int = RATE) -> np.ndarray:
    """Polyphase resampling to ``dst_rate`` (int16 in, int16 out), with the project's own resampler."""
    if src_rate == dst_rate:
        return samples.astype(np.int16, copy=False)
    from assistant.audio.resample import resample as project_resample

    out = project_resample(samples.astype(np.float64), src_rate, dst_rate)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def read_wav(path: Path | str, rate: int = RATE) -> np.ndarray:
    """Read a 16-bit PCM WAV (any rate, mono or stereo) as mono int16 at ``rate``."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM is supported")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels()).mean(axis=1).astype(np.int16)
        return resample(data, w.getframerate(), rate)


def add_noise(samples: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Add white noise at ``snr_db`` relative to the speech power (speech frames only)."""
    x = samples.astype(np.float64)
    voiced = x[np.abs(x) > 0.05 * max(1.0, np.abs(x).max())]
    power = float(np.mean(voiced**2)) if voiced.size else 1.0
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, math.sqrt(power / 10 ** (snr_db / 10)), x.shape)
    return np.clip(np.round(x + noise), -32768, 32767).astype(np.int16)


def speak(
    text: str,
    voice: str = "en-us",
    speed: int = 160,
    noise_db: float | None = None,
    seed: int = 0,
    lead_s: float = 0.3,
    tail_s: float = 0.8,
    floor_db: float = -65.0,
) -> np.ndarray:
    """Synthesize ``text`` with espeak-ng as int16 mono 16 kHz samples.

    ``noise_db`` is a signal-to-noise ratio in dB (None: clean). Silence of
    ``lead_s``/``tail_s`` seconds is padded around the speech so endpointers
    see a natural start and end; clean speech gets a ``floor_db`` dBFS noise floor.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text],
            check=True,
            capture_output=True,
        )
        pcm = read_wav(out)
    pcm = np.concatenate(
        [np.zeros(int(lead_s * RATE), np.int16), pcm, np.zeros(int(tail_s * RATE), np.int16)]
    )
    if noise_db is not None:
        pcm = add_noise(pcm, noise_db, seed)
    else:
        # a quiet room, not digital zeros: exact zeros are unlike any microphone
        # and upset cepstral mean normalisation
        floor = _noise(len(pcm), floor_db, seed)
        pcm = np.clip(pcm + floor, -32768, 32767).astype(np.int16)
    return pcm


def silence(seconds: float, floor_db: float | None = -65.0, seed: int = 1) -> np.ndarray:
    """A quiet room (``floor_db`` dBFS noise floor), or digital zeros when None."""
    if floor_db is None:
        return np.zeros(int(seconds * RATE), np.int16)
    return white_noise(seconds, floor_db, seed)


def white_noise(seconds: float, level_db: float = -30.0, seed: int = 0) -> np.ndarray:
    """White noise at ``level_db`` dBFS RMS."""
    return np.clip(np.round(_noise(int(seconds * RATE), level_db, seed)), -32768, 32767).astype(np.int16)


def _noise(n: int, level_db: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0, 32767 * 10 ** (level_db / 20), n)
