"""The microphone, through real (virtual) PulseAudio devices: vmic <- vmic_feed."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest
from tests import vaudio

from assistant.audio.errors import AudioDeviceLost, AudioUnavailable
from assistant.audio.microphone import MicrophoneSource, level_report
from assistant.audio.sources import AudioSource

pytestmark = pytest.mark.audio


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    from assistant.speech.synth import synthesize

    return synthesize("it hurts when I bend down", rate=190)


def _find(recorded: np.ndarray, played: np.ndarray) -> tuple[int, float]:
    """Best alignment of ``played`` inside ``recorded`` and its normalised correlation."""
    r, p = recorded.astype(np.float64), played.astype(np.float64)
    if r.size < p.size:
        return 0, 0.0
    n = 1 << int(np.ceil(np.log2(r.size + p.size)))
    c = np.fft.irfft(np.fft.rfft(r, n) * np.conj(np.fft.rfft(p, n)), n)[: r.size - p.size + 1]
    k = int(np.argmax(c))
    seg = r[k : k + p.size]
    return k, float(c[k] / (np.linalg.norm(seg) * np.linalg.norm(p) + 1e-9))


def _read_seconds(mic: MicrophoneSource, seconds: float) -> np.ndarray:
    data = mic.read(int(16000 * seconds), timeout=seconds + 5)
    assert data, "no audio within the time"
    return np.frombuffer(data, dtype="<i2")


def test_recorded_speech_matches_what_was_played(virtual_audio: vaudio.VirtualAudio, speech: np.ndarray) -> None:
    with MicrophoneSource() as mic:
        assert isinstance(mic, AudioSource) and mic.sample_rate == 16000
        virtual_audio.play_into_mic(speech, wait=False)
        got = _read_seconds(mic, speech.size / 16000 + 1.0)
    k, corr = _find(got, speech)
    assert corr > 0.99
    assert np.array_equal(got[k : k + speech.size], speech)  # the virtual mic is bit exact
    assert level_report(got) is None
    assert mic.overflows == 0


def test_blocks_arrive_in_requested_sizes(virtual_audio: vaudio.VirtualAudio) -> None:
    with MicrophoneSource(block_ms=20) as mic:
        sizes = [len(mic.read(1234, timeout=3) or b"") for _ in range(5)]
    assert sizes == [2468] * 5
    assert mic.read(10) is None  # closed


def test_muted_microphone_hears_nothing(virtual_audio: vaudio.VirtualAudio, speech: np.ndarray) -> None:
    with MicrophoneSource() as mic:
        with mic.muted_while():
            assert mic.muted
            virtual_audio.play_into_mic(speech)  # returns once played
            assert mic.read(1600, timeout=0.3) == b""  # nothing captured while muted
        assert not mic.muted
        after = _read_seconds(mic, 0.5)
        assert np.abs(after).max() < 50  # the spoken words were dropped, not queued
        virtual_audio.play_into_mic(speech, wait=False)
        heard = _read_seconds(mic, speech.size / 16000 + 0.8)
    assert _find(heard, speech)[1] > 0.99


def test_slow_reader_loses_oldest_audio_not_the_stream(virtual_audio: vaudio.VirtualAudio, speech: np.ndarray) -> None:
    with MicrophoneSource(block_ms=50, max_queue_s=0.25) as mic:
        time.sleep(1.0)  # nobody reads: about 20 blocks for a 5-block queue
        assert mic.overflows >= 10
        mic.flush()
        virtual_audio.play_into_mic(speech, wait=False)
        heard = _read_seconds(mic, 0.2)  # reading keeps up again
    assert heard.size == 3200


def test_choose_device_by_name_and_index(virtual_audio: vaudio.VirtualAudio) -> None:
    with MicrophoneSource("DEFAULT") as mic:
        index = mic.device.index
        assert mic.read(160, timeout=3)
    with MicrophoneSource(index) as mic:
        assert mic.device.name == "default"
    with pytest.raises(AudioUnavailable, match="no input device matches 'no such mic'"):
        MicrophoneSource("no such mic")


def test_lost_device_raises_clear_error(virtual_audio: vaudio.VirtualAudio) -> None:
    mic = MicrophoneSource()
    try:
        assert mic.read(800, timeout=3)
        virtual_audio.kill_daemon()  # the sound server vanishes like an unplugged USB mic
        with pytest.raises(AudioDeviceLost, match="backcheck --text"):
            for _ in range(100):
                mic.read(800, timeout=0.2)
    finally:
        mic.close()
        virtual_audio.restart()
    with MicrophoneSource() as mic:  # and the restarted one works again
        assert mic.read(800, timeout=3)
