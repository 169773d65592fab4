"""The early end of a one-word answer: a voice-activity tap that asks the classifier at each pause.

Why its own module: both engines that put BackCheck's answer classifier in front (fused with a
grammar recogniser, or with the transcriber) end a sure one-word answer the same way, ~0.15 s after
the word instead of waiting out an endpointer.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

from assistant.speech.answer_model import Classified
from assistant.speech.level_end import LevelEnd
from assistant.speech.recognizer import SAMPLE_RATE, AudioSourceLike

#: Longest speech (s) that counts as one word: a longer answer is a phrase.
MAX_WORD_S = 1.6
#: Pause (s) after speech that makes the tap ask the classifier whether the answer is complete.
EARLY_PAUSE_S = 0.15
#: Pause (s) after which the engine may start the work that check needs (a transcription), so that
#: it is ready, or nearly, when the pause has lasted long enough to end the answer.
PREPARE_PAUSE_S = 0.06
_VAD_FRAME_S = 0.03
#: Audio kept after the point where the sound fell back to the room's level (s).
KEEP_AFTER_FALL_S = 0.25


def single_words(phrases: Sequence[str]) -> set[str]:
    """The open question's one-word answers (its grammar's single-word phrases)."""
    return {p.strip().lower() for p in phrases if len(p.split()) == 1}


def allowed_words(known: Sequence[str], phrases: Sequence[str]) -> list[str]:
    """The classifier's words that answer the open question."""
    singles = single_words(phrases)
    return [w for w in known if w in singles]


class EarlyEndTap:
    """Passes audio to the grammar engine, keeps it, and ends the stream once a word is certain."""

    def __init__(self, source: AudioSourceLike, check: Any, decided_at: float = 1.0,
                 heard_out: Callable[[np.ndarray], bool] | None = None,
                 prepare: Callable[[np.ndarray], None] | None = None):
        """``decided_at``: a word heard this surely makes the grammar's own words irrelevant;
        ``heard_out``: asked where a loud stretch fell back to the room's level and the endpointer
        had not ended (noise it takes for speech, or a word too short for it): True ends the stream;
        ``prepare``: told the audio so far where a pause begins (:data:`PREPARE_PAUSE_S`)."""
        from pocketsphinx import Vad

        self.source = source
        self.decided_at = decided_at
        self.sample_rate = getattr(source, "sample_rate", SAMPLE_RATE)
        self.check = check
        self.vad = Vad(2, SAMPLE_RATE, _VAD_FRAME_S)
        self.frame_bytes = self.vad.frame_bytes
        self.audio = bytearray()
        self._pending = b""
        self.in_speech = False
        self.speech_frames = 0
        self.silent_frames = 0
        self.ended_early: Classified | None = None
        self.checked_at = 0.0
        self.heard_out = heard_out
        self.prepare = prepare
        self.level_end = LevelEnd(_VAD_FRAME_S) if heard_out is not None else None  # only where it is asked
        self.ended_by_level = False

    @property
    def answer_decided(self) -> bool:
        """The grammar engine may skip its decode (``recognizer.answer_decided``)."""
        return self.ended_early is not None and self.ended_early.confidence >= self.decided_at

    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        if self.ended_early is not None or self.ended_by_level:
            return None
        data = self.source.read(frames, timeout)
        if not data:
            return data
        self.audio += data
        self._pending += data
        while len(self._pending) >= self.frame_bytes:
            frame, self._pending = self._pending[: self.frame_bytes], self._pending[self.frame_bytes:]
            self._step(frame)
        return data

    @property
    def fell_at_s(self) -> float | None:
        """Where the sound last fell back to the room's level (s from the start), if it has."""
        return self.level_end.fell_at_s if self.level_end is not None else None

    def heard_audio(self) -> np.ndarray:
        """The audio so far; where the level fell, only up to a little after that (the quiet after an
        answer in noise is where the transcriber makes up words)."""
        audio = np.frombuffer(bytes(self.audio), dtype=np.int16)
        fell = self.fell_at_s
        return audio if fell is None else audio[: int((fell + KEEP_AFTER_FALL_S) * SAMPLE_RATE)]

    def _step(self, frame: bytes) -> None:
        if self.level_end is not None and self.heard_out and self.level_end.step(np.frombuffer(frame, np.int16)):
            started, audio = time.perf_counter(), self.heard_audio()
            heard = self.check(audio)  # a sure word keeps its fast path
            if heard is not None:
                self.ended_early, self.checked_at = heard, started
                return
            self.ended_by_level = bool(self.heard_out(audio))
            if self.ended_by_level:
                return
        if self.vad.is_speech(frame):
            self.speech_frames += 1
            self.silent_frames = 0
            if self.speech_frames >= 3:
                self.in_speech = True
            return
        self.silent_frames += 1
        if self.in_speech and self.prepare is not None and self.silent_frames == round(PREPARE_PAUSE_S / _VAD_FRAME_S):
            self.prepare(np.frombuffer(bytes(self.audio), dtype=np.int16))
        if self.in_speech and self.silent_frames * _VAD_FRAME_S >= EARLY_PAUSE_S:
            self.in_speech = False
            self.speech_frames = 0
            started = time.perf_counter()
            heard = self.check(np.frombuffer(bytes(self.audio), dtype=np.int16))
            if heard is not None:
                self.ended_early, self.checked_at = heard, started
        elif not self.in_speech and self.silent_frames > 1:
            self.speech_frames = 0
