"""The mouth: printed fallback, espeak-ng synthesis, and real playback on the virtual speaker."""

from __future__ import annotations

import io
import shutil
import time

import numpy as np
import pytest
from tests import vaudio

from assistant.audio.devices import DeviceInfo
from assistant.audio.sources import to_16k_mono
from assistant.speech.tts import (
    Mouth,
    PrintMouth,
    SilentMouth,
    SpeakerMouth,
    make_mouth,
)
from assistant.speech.synth import synthesize, synthesize_native

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def _envelope(x: np.ndarray) -> np.ndarray:
    n = x.size // 160
    return np.sqrt(np.mean(x[: n * 160].astype(float).reshape(n, 160) ** 2, axis=1))


def _best_correlation(long: np.ndarray, short: np.ndarray) -> float:
    n = 1 << int(np.ceil(np.log2(long.size + short.size)))
    c = np.fft.irfft(np.fft.rfft(long, n) * np.conj(np.fft.rfft(short, n)), n)[: long.size - short.size + 1]
    k = int(np.argmax(c))
    return float(c[k] / (np.linalg.norm(long[k : k + short.size]) * np.linalg.norm(short) + 1e-9))


def test_print_and_silent_mouths() -> None:
    out = io.StringIO()
    mouth = PrintMouth(out, prefix="> ")
    mouth.say("How bad is the pain?")
    assert out.getvalue() == "> How bad is the pain?\n"
    silent = SilentMouth()
    silent.say("hello")
    assert silent.said == ["hello"]
    assert isinstance(mouth, Mouth) and isinstance(silent, Mouth)


@needs_espeak
def test_synthesize_makes_16k_speech() -> None:
    x = synthesize("one two three four five")
    assert x.dtype == np.int16 and x.ndim == 1
    assert 1.0 < x.size / 16000 < 4.0
    assert np.sqrt(np.mean(x.astype(float) ** 2)) > 500
    slow = synthesize("one two three four five", rate=90)
    assert slow.size > 1.5 * x.size  # rate is words per minute


def test_make_mouth_falls_back_with_one_message() -> None:
    notices: list[str] = []
    out = io.StringIO()
    mouth = make_mouth(output_device="no such speaker", echo=out, notice=notices.append)
    assert isinstance(mouth, PrintMouth)
    mouth.say("Is the pain sharp or dull?")
    assert out.getvalue() == "Is the pain sharp or dull?\n"
    assert len(notices) == 1 and "printed" in notices[0]
    assert "no such speaker" in notices[0] or "PortAudio" in notices[0]


@needs_espeak
def test_unknown_voice_falls_back(virtual_audio: vaudio.VirtualAudio) -> None:
    notices: list[str] = []
    mouth = make_mouth(voice="xx-no-such-voice", engine="espeak-ng", echo=io.StringIO(), notice=notices.append)
    assert isinstance(mouth, PrintMouth)
    assert len(notices) == 1 and "xx-no-such-voice" in notices[0] and "espeak-ng --voices" in notices[0]


@needs_espeak
@pytest.mark.audio
@pytest.mark.parametrize("engine", ["pyttsx3", "espeak-ng"])
def test_say_plays_on_the_speaker_and_returns_after_it(virtual_audio: vaudio.VirtualAudio, engine: str) -> None:
    notices: list[str] = []
    mouth = make_mouth(rate=200, voice="en-us", engine=engine, notice=notices.append)  # type: ignore[arg-type]
    assert isinstance(mouth, SpeakerMouth) and mouth.engine == engine, notices
    text = "is it sharp or dull"
    rec = virtual_audio.record_speaker()  # capturing since at most ~50 ms before t0
    t0 = time.monotonic()
    mouth.say(text)
    took = time.monotonic() - t0
    returned_at = time.monotonic()
    time.sleep(0.3)
    heard = rec.stop()
    assert took >= mouth.last_duration_s
    # what the speaker played is the speech this engine makes
    ref = to_16k_mono(*synthesize_native(text, "en-us", 200, engine))  # type: ignore[arg-type]
    # (pyttsx3's in-process espeak varies slightly between runs: compare loudness envelopes)
    corr = _best_correlation(_envelope(heard), _envelope(ref))
    assert corr > 0.9  # a different sentence: ~0.65 (the envelope varies a little with capture timing)
    if engine == "espeak-ng":  # deterministic: the very waveform came out of the speaker
        assert _best_correlation(heard.astype(float), ref.astype(float)) > 0.9
    # and nothing was still playing when say() returned
    loud = np.nonzero(np.abs(heard) > 200)[0]
    assert loud.size
    end_of_speech = loud[-1] / 16000  # seconds after the recording started
    assert end_of_speech <= (returned_at - t0) + 0.05 + 0.1
    assert not notices


@needs_espeak
@pytest.mark.audio
def test_broken_output_switches_to_printing_once(virtual_audio: vaudio.VirtualAudio) -> None:
    notices: list[str] = []
    out = io.StringIO()
    mouth = SpeakerMouth(engine="espeak-ng", fallback=PrintMouth(out), notice=notices.append)
    mouth.device = DeviceInfo(99, "gone", "ALSA", 0, 2, 16000.0)  # as if unplugged since opening
    mouth.say("first question")
    mouth.say("second question")
    assert out.getvalue() == "first question\nsecond question\n"
    assert len(notices) == 1 and "printed" in notices[0] and mouth.failed
