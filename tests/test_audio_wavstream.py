"""WAV files read as streams: the same samples as reading them whole, in memory that does not grow with length."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import REPO
from tests.wavgen import tone, write_wav

from assistant.audio.errors import AudioFileError
from assistant.audio.resample import StreamResampler, resample
from assistant.audio.sources import AudioSource, load_wav_16k
from assistant.audio.wavstream import WavStream


def _read_all(path: Path, frames: int = 1600) -> np.ndarray:
    with WavStream(path) as src:
        assert isinstance(src, AudioSource)
        blocks = []
        while (b := src.read(frames)) is not None:
            blocks.append(b)
    return np.frombuffer(b"".join(blocks), dtype="<i2")


@pytest.mark.parametrize(("rate", "channels", "bits", "is_float"),
                         [(16000, 1, 16, False), (44100, 2, 16, False), (8000, 1, 8, False), (48000, 1, 24, False),
                          (22050, 2, 32, True), (16000, 2, 32, False)])
def test_the_stream_gives_exactly_what_reading_the_file_whole_gives(tmp_path: Path, rate: int, channels: int,
                                                                    bits: int, is_float: bool) -> None:
    x = tone(440, rate, 1.3, 0.5)
    if channels == 2:
        x = np.stack([x, tone(1000, rate, 1.3, 0.3)], axis=1)
    path = write_wav(tmp_path / "f.wav", x, rate, bits, is_float=is_float)
    assert np.array_equal(_read_all(path, 777), load_wav_16k(path))


@settings(max_examples=40, deadline=None)
@given(rate=st.sampled_from([8000, 11025, 22050, 44100, 48000]), n=st.integers(0, 20000),
       cuts=st.lists(st.integers(1, 3000), min_size=1, max_size=30))
def test_the_stream_resampler_equals_the_whole_file_resampler(rate: int, n: int, cuts: list[int]) -> None:
    x = np.random.default_rng(n).standard_normal(n)
    r = StreamResampler(rate, 16000)
    parts, i, k = [], 0, 0
    while i < n:
        step = cuts[k % len(cuts)]
        parts.append(r.process(x[i:i + step]))
        i, k = i + step, k + 1
    parts.append(r.flush())
    assert np.array_equal(np.concatenate(parts), resample(x, rate, 16000))


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: Path("/dev/zero"), "not a regular file"),
    (lambda p: write_wav(p / "empty.wav", np.zeros(0), 16000), "empty"),
])
def test_endless_and_empty_files_are_refused_with_what_to_do(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(AudioFileError, match=words) as info:
        WavStream(path)
    assert str(path) in str(info.value)


def _peak_rss_mb(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run `backcheck ARGS` in a fresh helper process; its child's peak resident memory in MB."""
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.stderr.write(r.stderr)")
    res = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "assistant", *args], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    return int(res.stdout.split()[-1]) / 1024, res


def _noisy_speech(path: Path, seconds: float) -> Path:
    """Continuous loud noise: an endpointer never hears the answer end, so everything is read."""
    rng = np.random.default_rng(0)
    x = np.clip(rng.standard_normal(int(seconds * 44100)) * 0.2, -1, 1)
    return write_wav(path, x, 44100)


def test_wake_memory_does_not_grow_with_the_length_of_the_recording(tmp_path: Path) -> None:
    pytest.importorskip("pymicro_wakeword", reason="pymicro-wakeword is not installed")
    short, _ = _peak_rss_mb(["wake", str(_noisy_speech(tmp_path / "short.wav", 5))])
    long, res = _peak_rss_mb(["wake", str(_noisy_speech(tmp_path / "long.wav", 180))])
    assert "not heard" in res.stderr or res.returncode == 0
    assert long - short < 15, (short, long)  # reading it whole: +40 MB for 3 minutes at 44.1 kHz


def _counting(path: Path, seconds: float) -> Path:
    """Someone counting without a pause over a fan: speech all the way, so the whole file is one answer."""
    from assistant.speech.synth import synthesize

    voice = synthesize("one two three four five six seven eight nine ten eleven twelve", voice="en", rate=200)
    n = int(seconds * 16000)
    x = np.resize(voice, n) / 32768 + np.random.default_rng(0).standard_normal(n) * 0.06
    return write_wav(path, np.clip(x, -1, 1), 16000)


@pytest.mark.speech
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_listen_cuts_a_long_answer_with_a_message_and_bounded_memory(tmp_path: Path) -> None:
    short, _ = _peak_rss_mb(["listen", "--slot", "pain_score", str(_counting(tmp_path / "short.wav", 15))])
    long, res = _peak_rss_mb(["listen", "--slot", "pain_score", str(_counting(tmp_path / "long.wav", 90))])
    assert "90.0 s of audio; an answer is heard for at most 15 s" in res.stderr, res.stderr
    assert long - short < 40, (short, long)  # before: about 0.55 GB more per minute of speech
    _, res = _peak_rss_mb(["listen", "--slot", "pain_score", "/dev/zero"])
    assert "/dev/zero: not a regular file" in res.stderr and res.stderr.count("/dev/zero") == 1
