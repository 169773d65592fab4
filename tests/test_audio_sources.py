"""WAV and in-memory sources: format coverage, resampling quality, clear errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.wavgen import tone, write_wav

from assistant.audio.errors import AudioError, AudioFileError
from assistant.audio.resample import resample_poly
from assistant.audio.sources import AudioSource, PcmSource, WavSource, load_wav_16k, read_wav


def spectrum_db(x: np.ndarray, rate: int = 16000) -> tuple[np.ndarray, np.ndarray]:
    x = x.astype(np.float64)[2000:-2000]  # skip filter edges
    mag = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return np.fft.rfftfreq(x.size, 1 / rate), 20 * np.log10(mag / mag.max() + 1e-12)


def peak_hz(x: np.ndarray) -> float:
    f, db = spectrum_db(x)
    return float(f[np.argmax(db)])


def band_level(x: np.ndarray, hz: float) -> float:
    """Amplitude of a tone at ``hz`` relative to full scale sine, in dB."""
    x = x.astype(np.float64)[2000:-2000] / 32768
    t = np.arange(x.size) / 16000
    amp = 2 * abs(np.mean(x * np.exp(-2j * np.pi * hz * t)))
    return 20 * np.log10(amp + 1e-12)


@pytest.mark.parametrize(
    ("rate", "channels"),
    [(8000, 1), (22050, 1), (44100, 2), (48000, 1), (16000, 1)],
)
def test_1khz_tone_keeps_frequency_and_length(tmp_path: Path, rate: int, channels: int) -> None:
    x = tone(1000, rate, 1.5)
    if channels == 2:
        x = np.stack([x, x], axis=1)
    y = load_wav_16k(write_wav(tmp_path / "t.wav", x, rate))
    assert y.dtype == np.int16 and y.ndim == 1
    assert y.size == -(-int(rate * 1.5) * 16000 // rate)
    assert abs(peak_hz(y) - 1000) < 5
    assert abs(band_level(y, 1000) - 20 * np.log10(0.5)) < 0.2  # amplitude 0.5 kept


def test_stereo_is_mixed_down(tmp_path: Path) -> None:
    left, right = tone(500, 44100, 1.0, 0.4), tone(1500, 44100, 1.0, 0.2)
    y = load_wav_16k(write_wav(tmp_path / "s.wav", np.stack([left, right], axis=1), 44100))
    assert abs(band_level(y, 500) - 20 * np.log10(0.2)) < 0.3
    assert abs(band_level(y, 1500) - 20 * np.log10(0.1)) < 0.3


def test_in_band_7khz_passes_and_out_of_band_tones_do_not_alias(tmp_path: Path) -> None:
    # 7 kHz is below the 8 kHz Nyquist of 16 kHz audio: a correct resampler keeps it.
    y7 = load_wav_16k(write_wav(tmp_path / "7k.wav", tone(7000, 44100, 1.0), 44100))
    assert abs(peak_hz(y7) - 7000) < 5
    assert band_level(y7, 7000) > 20 * np.log10(0.5) - 1.5
    # 12 kHz cannot be represented; naive decimation would fold it to 4 kHz.
    y12 = load_wav_16k(write_wav(tmp_path / "12k.wav", tone(12000, 44100, 1.0), 44100))
    assert band_level(y12, 4000) < -70
    y10 = load_wav_16k(write_wav(tmp_path / "10k.wav", tone(10000, 48000, 1.0), 48000))
    assert band_level(y10, 6000) < -70
    assert np.sqrt(np.mean(y10[2000:-2000].astype(float) ** 2)) < 2  # silence, away from the onset click


def test_naive_decimation_would_have_aliased() -> None:
    """Guards the test above: the alias really is at 4 kHz when nothing filters it."""
    x = tone(12000, 48000, 1.0)
    naive = np.round(x[::3] * 32768).astype(np.int16)
    assert band_level(naive, 4000) > -10


@pytest.mark.parametrize(
    ("bits", "is_float", "extensible", "tol"),
    [(8, False, False, 2 / 128), (16, False, False, 1e-4), (24, False, False, 1e-4),
     (32, False, False, 1e-4), (32, True, False, 1e-4), (16, False, True, 1e-4), (64, True, True, 1e-4)],
)
def test_sample_formats(tmp_path: Path, bits: int, is_float: bool, extensible: bool, tol: float) -> None:
    x = tone(440, 16000, 0.5, 0.6)
    path = write_wav(tmp_path / "f.wav", x, 16000, bits, is_float=is_float, extensible=extensible)
    got, info = read_wav(path)
    assert (info.bits, info.is_float, info.channels, info.frames) == (bits, is_float, 1, x.size)
    assert np.max(np.abs(got[:, 0] - x)) < tol
    y = load_wav_16k(path)
    assert np.max(np.abs(y / 32768 - x)) < tol + 1 / 32768


def test_streamed_wav_with_oversized_data_length(tmp_path: Path) -> None:
    x = tone(300, 16000, 0.25)
    path = write_wav(tmp_path / "stream.wav", x, 16000, data_size=0xFFFFFFFF)
    assert load_wav_16k(path).size == x.size


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "missing.wav", "no such file"),
        (lambda p: p, "directory"),
        (lambda p: _write(p / "t.wav", b"hello, I am text"), "not a WAV"),
        (lambda p: write_wav(p / "mp3.wav", tone(1, 8000, 0.1), 8000, tag=0x55), "not PCM"),
        (lambda p: write_wav(p / "12bit.wav", tone(1, 8000, 0.1), 8000, bits=12), "12-bit"),
        (lambda p: _write(p / "e.wav", b"RIFF\x04\x00\x00\x00WAVE"), "no fmt"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(AudioFileError, match=words) as info:
        WavSource(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, AudioError)


def test_wav_source_blocks_rebuild_the_audio(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", tone(1000, 44100, 1.0), 44100)
    whole = load_wav_16k(path)
    with WavSource(path) as src:
        assert isinstance(src, AudioSource) and src.sample_rate == 16000
        blocks = []
        while (b := src.read(800)) is not None:
            blocks.append(b)
    assert all(len(b) == 1600 for b in blocks[:-1]) and 0 < len(blocks[-1]) <= 1600
    assert np.array_equal(np.frombuffer(b"".join(blocks), dtype="<i2"), whole)
    assert src.read(800) is None


def test_pcm_source_checks_its_input() -> None:
    with pytest.raises(ValueError, match="int16"):
        PcmSource(np.zeros(10))
    with pytest.raises(ValueError, match="mono"):
        PcmSource(np.zeros((10, 2), dtype=np.int16))
    src = PcmSource(np.arange(5, dtype=np.int16))
    assert src.read(3) == np.arange(3, dtype="<i2").tobytes()
    src.close()
    assert src.read(3) is None


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 3000), ratio=st.sampled_from([(2, 1), (1, 3), (160, 441), (320, 441), (3, 2)]))
def test_resample_length_and_dc_gain(n: int, ratio: tuple[int, int]) -> None:
    up, down = ratio
    y = resample_poly(np.full(n, 0.25), up, down)
    assert y.size == -(-n * up // down)
    mid = y[y.size // 2 - 5 : y.size // 2 + 5]
    if n > 400:  # far from the edges a constant stays that constant
        assert np.allclose(mid, 0.25, atol=1e-3)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_espeak_wav_duration(tmp_path: Path) -> None:
    path = tmp_path / "e.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "my lower back is sore"], check=True)
    src = WavSource(path)
    assert src.info.sample_rate == 22050
    assert abs(src.duration_s - src.info.duration_s) < 0.001
