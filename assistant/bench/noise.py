"""Gym-like background noise made locally (numpy, fixed seeds) and mixing at a chosen SNR.

Why synthetic noise: the benchmark must run offline and give the same numbers on every run, so
each noise is a small deterministic generator of what a gym sounds like: other people talking
(babble), music with a beat, clanking weights, a fan or treadmill hum, and pink noise.
Everything is float64 at 16 kHz in about [-1, 1]; :func:`mix_at_snr` returns int16.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.signal import butter, sosfilt

RATE = 16000
#: Names of the noise kinds, in the order the benchmark rotates through them.
NOISE_KINDS: tuple[str, ...] = ("babble", "music", "clanks", "fan", "pink")
#: Frames (20 ms) quieter than this many dB below the loudest frame are not speech.
ACTIVE_RANGE_DB = 35.0
_FRAME = RATE // 50


def pink(n: int, seed: int) -> np.ndarray:
    """Pink (1/f) noise: white noise shaped in the frequency domain."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    f[0] = f[1] if n > 1 else 1.0
    out = np.fft.irfft(spec / np.sqrt(f), n)
    return _unit(out)


def fan(n: int, seed: int) -> np.ndarray:
    """Fan or treadmill motor: low-passed noise plus mains hum (50 or 60 Hz and harmonics)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    mains = 50.0 if rng.random() < 0.5 else 60.0
    sos = butter(4, 400.0, "lowpass", fs=RATE, output="sos")
    out = 2.0 * _unit(sosfilt(sos, rng.standard_normal(n)))
    wobble = 1.0 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.2, 1.0) * t)  # blade beat
    for k in range(1, 8):
        out += wobble * (0.8 / k) * np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 2 * np.pi))
    return _unit(out)


def music(n: int, seed: int) -> np.ndarray:
    """Music-like: chords of harmonic tones that change on the bar, a kick drum and hi-hats."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    bpm = rng.uniform(110, 140)
    beat = int(RATE * 60 / bpm)
    out = np.zeros(n)
    roots = [220.0 * 2 ** (s / 12) for s in (0, 5, 7, 3, 10, 8)]
    bar = 4 * beat
    for start in range(0, n, bar):
        root = roots[int(rng.integers(len(roots)))]
        seg = slice(start, min(n, start + bar))
        for ratio in (1.0, 1.26, 1.5, 2.0):  # major-ish chord plus octave
            f = root * ratio
            for h in (1, 2, 3):
                out[seg] += (0.3 / h) * np.sin(2 * np.pi * f * h * t[seg])
    kick_len = int(0.15 * RATE)
    kt = np.arange(kick_len) / RATE
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-kt * 30)) * kt) * np.exp(-kt * 20) * 2.0
    hat = rng.standard_normal(int(0.04 * RATE)) * np.exp(-np.arange(int(0.04 * RATE)) / (0.008 * RATE)) * 0.6
    for start in range(0, n, beat):
        _add(out, kick, start)
        _add(out, hat, start + beat // 2)
    return _unit(out)


def clanks(n: int, seed: int, per_second: float = 1.5) -> np.ndarray:
    """Weights clanking: decaying inharmonic partials (a struck metal bar) at random moments."""
    rng = np.random.default_rng(seed)
    out = 0.02 * rng.standard_normal(n)  # room tone between clanks
    count = max(1, int(round(per_second * n / RATE)))
    length = int(0.6 * RATE)
    tt = np.arange(length) / RATE
    for _ in range(count):
        f0 = rng.uniform(250, 1500)
        hit = np.zeros(length)
        for ratio, amp in ((1.0, 1.0), (2.76, 0.6), (5.40, 0.4), (8.93, 0.25)):  # free-bar modes
            hit += amp * np.sin(2 * np.pi * f0 * ratio * tt + rng.uniform(0, 2 * np.pi)) \
                * np.exp(-tt * rng.uniform(6, 15) * ratio ** 0.5)
        hit[: int(0.003 * RATE)] += rng.standard_normal(int(0.003 * RATE))  # the strike
        _add(out, hit * rng.uniform(0.4, 1.0), int(rng.integers(0, max(1, n - length // 3))))
    return _unit(out)


def babble(n: int, seed: int, talkers: Sequence[np.ndarray]) -> np.ndarray:
    """Other people talking: several speech recordings overlapped at random offsets and gains."""
    if not talkers:
        return pink(n, seed)
    rng = np.random.default_rng(seed)
    out = np.zeros(n)
    for k in range(max(4, len(talkers))):
        src = talkers[k % len(talkers)].astype(np.float64)
        src = src / (np.sqrt(np.mean(src**2)) + 1e-9)
        start = int(rng.integers(0, max(1, src.size)))
        loop = np.resize(np.roll(src, -start), n)  # wrap around so the talker never falls silent
        out += rng.uniform(0.5, 1.0) * loop
    return _unit(out)


def make_noise(kind: str, n: int, seed: int, talkers: Sequence[np.ndarray] = ()) -> np.ndarray:
    """`n` samples of noise of `kind` (one of :data:`NOISE_KINDS`), reproducible from `seed`."""
    gens: dict[str, Callable[[int, int], np.ndarray]] = {
        "pink": pink, "fan": fan, "music": music, "clanks": clanks,
        "babble": lambda m, s: babble(m, s, talkers),
    }
    if kind not in gens:
        raise ValueError(f"unknown noise kind {kind!r}; use one of {', '.join(NOISE_KINDS)}")
    return gens[kind](n, seed)


def bursts(kind: str, seed: int, duration_s: float = 1.6) -> np.ndarray:
    """A cough or a breath: a filtered noise burst with a fast attack, padded with silence."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * RATE)
    out = np.zeros(n)
    if kind == "cough":
        length = int(rng.uniform(0.15, 0.35) * RATE)
        lo, hi = rng.uniform(300, 600), rng.uniform(2500, 4500)
        env = np.exp(-np.arange(length) / (rng.uniform(0.05, 0.1) * RATE))
        env[: int(0.01 * RATE)] *= np.linspace(0, 1, int(0.01 * RATE))
    else:  # breath
        length = int(rng.uniform(0.5, 0.9) * RATE)
        lo, hi = rng.uniform(500, 900), rng.uniform(3000, 6000)
        env = np.sin(np.linspace(0, np.pi, length)) ** 2
    sos = butter(2, (lo, hi), "bandpass", fs=RATE, output="sos")
    burst = sosfilt(sos, rng.standard_normal(length)) * env
    reps = 2 if kind == "cough" and rng.random() < 0.5 else 1
    for r in range(reps):
        _add(out, burst, int(0.3 * RATE) + r * int(length * 1.3))
    return (0.5 * _unit(out) * 32767).astype(np.int16)


def active_power(x: np.ndarray) -> float:
    """Mean power over the frames that carry sound (within ACTIVE_RANGE_DB of the loudest frame).

    Why: speech padded with silence would look quieter than it is, so the SNR is measured, as
    in ITU-T P.56 in spirit, on the active part only.
    """
    x = np.asarray(x, np.float64)
    frames = x[: x.size // _FRAME * _FRAME].reshape(-1, _FRAME) if x.size >= _FRAME else x.reshape(1, -1)
    power = np.mean(frames**2, axis=1)
    if power.size == 0 or power.max() <= 0:
        return 0.0
    return float(np.mean(power[power >= power.max() * 10 ** (-ACTIVE_RANGE_DB / 10)]))


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float | None) -> np.ndarray:
    """Speech plus noise scaled so that active speech power / noise power = `snr_db` (None: clean).

    If the sum would clip, the whole mixture is scaled down (which keeps the SNR).
    """
    s = np.asarray(speech, np.float64)
    if snr_db is None:
        return np.asarray(speech).astype(np.int16)
    nz = np.resize(np.asarray(noise, np.float64), s.size)
    ps, pn = active_power(s), float(np.mean(nz**2))
    if ps <= 0 or pn <= 0:
        return np.clip(np.round(s), -32768, 32767).astype(np.int16)
    mixed = s + nz * np.sqrt(ps / (pn * 10 ** (snr_db / 10)))
    peak = np.abs(mixed).max()
    if peak > 32000:
        mixed *= 32000 / peak
    return np.round(mixed).astype(np.int16)


def measured_snr(speech: np.ndarray, noise: np.ndarray, mixture: np.ndarray) -> float:
    """The SNR of `mixture`, made from clean `speech` and `noise` (each at an unknown gain).

    The two gains are found by least squares, so any anti-clipping scale is undone exactly even
    when the noise resembles the speech (babble).
    """
    s = np.asarray(speech, np.float64)
    n = np.resize(np.asarray(noise, np.float64), s.size)
    m = np.asarray(mixture, np.float64)
    (g, h), *_ = np.linalg.lstsq(np.stack([s, n], axis=1), m, rcond=None)
    return 10 * np.log10(active_power(g * s) / max(float(np.mean((h * n) ** 2)), 1e-12))


def _unit(x: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
    return x / rms * 0.1 if rms > 0 else x


def _add(out: np.ndarray, piece: np.ndarray, start: int) -> None:
    if start >= out.size:
        return
    end = min(out.size, start + piece.size)
    out[start:end] += piece[: end - start]
