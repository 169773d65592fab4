"""Where an answer starts and ends in a live stream: pocketsphinx's voice-activity endpointer.

Why its own module: the grammar recogniser (pocketsphinx) and the transcribing engine both need to
read a source until the person stops speaking, the same way, while only the first decodes with a
grammar. pocketsphinx's Endpointer (WebRTC-style VAD with a 0.3 s window) ships in the wheel that
is a dependency anyway.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from assistant.speech.recognizer import SAMPLE_RATE, AudioSourceLike, EngineUnavailableError


def import_pocketsphinx():  # type: ignore[no-untyped-def]
    try:
        import pocketsphinx
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise EngineUnavailableError(
            "pocketsphinx is not installed; run `pip install pocketsphinx` "
            "(or reinstall backcheck), or use `--engine vosk`"
        ) from e
    return pocketsphinx


@dataclass
class Utterance:
    """The audio read for one answer and where speech was found in it."""

    pcm: bytes
    """Every byte read (int16 mono), from the start of listening."""
    audio_s: float
    """Seconds of audio consumed from the source."""
    started: bool
    """Speech started before the silence timeout."""
    ended: bool
    """Speech ended (the endpointer saw enough silence), not the stream or max_s."""
    speech_start: float | None
    """Seconds from the start of listening to the start of speech."""
    speech_end: float | None
    """Seconds to the end of speech (when it ended)."""
    compute_s: float
    """Time spent in the endpointer itself."""

    @property
    def end_lag_s(self) -> float | None:
        """Audio read after the end of speech before the endpointer said so (None: speech did not end)."""
        if not self.ended or self.speech_end is None:
            return None
        return max(0.0, self.audio_s - self.speech_end)


def listen(source: AudioSourceLike, *, max_s: float = 15.0, silence_timeout_s: float = 8.0,
           vad_mode: int = 2) -> Utterance:
    """Read ``source`` until speech has ended, ``max_s`` passed, nobody spoke for ``silence_timeout_s``,
    or the source ended (then the endpointer is flushed)."""
    ps = import_pocketsphinx()
    ep = ps.Endpointer(vad_mode=vad_mode, sample_rate=SAMPLE_RATE)
    frame_samples = ep.frame_bytes // 2
    consumed = 0
    compute = 0.0
    started = ended = False
    frames: list[bytes] = []
    speech_start: float | None = None
    buf = b""
    while True:
        chunk = source.read(frame_samples)
        if chunk is None:
            break
        buf += chunk
        if len(buf) < ep.frame_bytes:
            continue
        frame, buf = buf[: ep.frame_bytes], buf[ep.frame_bytes:]
        consumed += frame_samples
        frames.append(frame)
        t = time.perf_counter()
        speech = ep.process(frame)
        if speech is not None:
            if not started:
                speech_start = ep.speech_start
            started = True
            if not ep.in_speech:
                ended = True
        compute += time.perf_counter() - t
        audio_s = consumed / SAMPLE_RATE
        if ended or audio_s >= max_s or (not started and audio_s >= silence_timeout_s):
            break
    if not ended and buf and len(buf) < ep.frame_bytes:
        # end of stream: let the endpointer flush what it still holds
        consumed += len(buf) // 2
        frames.append(buf)
        tail = ep.end_stream(buf)
        if tail is not None and not started:
            started = True
            speech_start = ep.speech_start
    speech_end = ep.speech_end if ended else None
    return Utterance(b"".join(frames), consumed / SAMPLE_RATE, started, ended, speech_start, speech_end, compute)
