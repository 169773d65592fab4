"""The voice ends of the conversation: a mouth that speaks without being heard, an ear that listens.

The microphone is muted while BackCheck speaks (and the echo tail dropped), so the assistant never
answers its own questions; the ear narrows recognition to the open question's grammar.
"""
from __future__ import annotations

import io
import sys
from typing import Any, Callable, Sequence, TextIO

from assistant.audio.errors import AudioDeviceLost
from assistant.dialog.conversation import Expectation, Heard
from assistant.dialog.text_mode import TerminalMouth
from assistant.nlu.language import Language
from assistant.speech.recognizer import SpeechError
from assistant.voice.grammar import grammar_for

#: Consecutive answers with no speech at all before the check-in ends politely.
SILENCES_BEFORE_ENDING = 2
#: Quiet (s) waited for the rest of an answer that stopped at a pause before answering anything.
GO_ON_WAIT_S = 1.5


def speakable(text: str) -> str:
    """Printed lines (headings, "  - " bullets) as flowing sentences for text-to-speech."""
    out = []
    for line in text.splitlines():
        line = line.strip().removeprefix("- ").strip()
        if not line or line.endswith(":"):
            continue
        out.append(line if line.endswith((".", "!", "?")) else line + ".")
    return " ".join(out)


class VoiceMouth:
    """Prints each line (the live transcript) and speaks it with the microphone muted."""

    def __init__(self, speaker: Any, mic: Any | None, out: TextIO = sys.stdout, speaks: bool = True):
        self.speaker, self.mic, self.speaks = speaker, mic, speaks
        self.terminal = TerminalMouth(out)

    def say(self, text: str) -> None:
        self.terminal.say(text)
        if not self.speaks:
            return
        if self.mic is not None:
            with self.mic.muted_while():
                self.speaker.say(speakable(text))
        else:
            self.speaker.say(speakable(text))


def quiet_speaker_echo() -> TextIO:
    """An echo stream that swallows the speaker's own printing (VoiceMouth prints already)."""
    return io.StringIO()


class _Tap:
    """Passes audio through unchanged and keeps the latest answer's samples for a level check."""

    def __init__(self, source: Any, keep_s: float = 10.0):
        self.source = source
        self.sample_rate = getattr(source, "sample_rate", 16000)
        self.keep = int(keep_s * self.sample_rate) * 2
        self.buf = bytearray()

    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        data = self.source.read(frames, timeout)
        if data:
            self.buf += data
            if len(self.buf) > self.keep:
                del self.buf[: len(self.buf) - self.keep]
        return data

    def close(self) -> None:
        self.source.close()


class VoiceEar:
    """Hears one answer from an audio source through a recogniser and the open question's grammar."""

    def __init__(self, lang: Language, recognizer: Any, source: Any, *, max_s: float, silence_timeout_s: float,
                 out: TextIO = sys.stdout, on_audio_lost: Callable[[str], None] | None = None,
                 extra_phrases: Sequence[str] = (), before_listening: Callable[[], None] | None = None):
        self.lang, self.recognizer, self.source = lang, recognizer, source
        self.extra_phrases = list(extra_phrases)  #: more phrases to listen for (serve's "start again")
        self.before_listening = before_listening  #: called just before each answer (serve's earcon)
        self.max_s, self.silence_timeout_s = max_s, silence_timeout_s
        self.out = out
        self.on_audio_lost = on_audio_lost
        self.silences = 0
        self.last: Any = None
        self.level_warned = False
        self._tap = _Tap(source)

    def _check_level(self) -> None:
        """Say once if the microphone clips or is barely audible: recognition fails quietly otherwise."""
        if self.level_warned or not self._tap.buf:
            return
        import numpy as np

        from assistant.audio.levels import level_report

        report = level_report(np.frombuffer(bytes(self._tap.buf), dtype=np.int16))
        if report:
            self.level_warned = True
            self.out.write(f"  (microphone: {report})\n")

    def hear(self, expecting: Expectation) -> Heard | None:
        self._tap.buf.clear()
        if self.before_listening is not None:
            self.before_listening()
        r = self._recognize(expecting, self.silence_timeout_s)
        if r is None:  # the source ended, or the sound device was lost
            return None
        if not r.heard_speech:
            self.silences += 1
            self.out.write("  (silence)\n")
            if self.silences >= SILENCES_BEFORE_ENDING:
                return None
            return Heard("", 0.0)
        self.silences = 0
        self._check_level()
        if r.audio_s >= self.max_s - 0.01:
            self.out.write(f"  (the answer went on for {self.max_s:g} s, the longest BackCheck listens to; "
                           "only that much was heard)\n")
        shown = r.transcript if r.transcript else "(not understood)"
        noisy = not r.transcript and self._drowned()
        self.out.write(f"  you: {shown}   [{r.confidence:.2f}]" + ("   (loud background)" if noisy else "") + "\n")
        self.out.flush()
        return Heard(r.transcript, r.confidence, noisy=noisy)

    def hear_more(self, expecting: Expectation, wait_s: float = GO_ON_WAIT_S) -> Heard | None:
        """The rest of an answer that stopped at a pause: speech that starts within ``wait_s``, or
        None (no earcon first: the question has not been asked again)."""
        r = self._recognize(expecting, wait_s)
        if r is None or not r.heard_speech or not r.transcript:
            return None
        self.out.write(f"  you, going on: {r.transcript}   [{r.confidence:.2f}]\n")
        self.out.flush()
        return Heard(r.transcript, r.confidence)

    def _recognize(self, expecting: Expectation, silence_timeout_s: float) -> Any:
        """One answer from the recogniser; None where the source ended or the sound device was lost
        (said, or passed to ``on_audio_lost``)."""
        try:
            self.last = self.recognizer.recognize(self._tap, grammar_for(self.lang, expecting) + self.extra_phrases,
                                                  max_s=self.max_s, silence_timeout_s=silence_timeout_s)
        except (AudioDeviceLost, SpeechError) as exc:
            if self.on_audio_lost:
                self.on_audio_lost(str(exc))
            else:
                self.out.write(f"  ({exc})\n")
            return None
        return self.last

    def _drowned(self) -> bool:
        """Was the answer's audio loud background with the voice barely above it?"""
        import numpy as np

        from assistant.audio.levels import noisy_room

        return noisy_room(np.frombuffer(bytes(self._tap.buf), dtype=np.int16))
