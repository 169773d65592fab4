"""Listening for the wake word inside a check-in: the wake word interrupts, "start again" restarts."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from assistant.dialog.conversation import Expectation, Heard
from assistant.nlu.language import Language
from assistant.wake.detector import WakeDetector


class RestartCheckIn(Exception):
    """The person said "start again" after waking BackCheck mid-check-in."""


class WakeTap:
    """An audio source that passes the microphone on and ends the stream when the wake word is heard."""

    def __init__(self, source: Any, detector: WakeDetector, on_wake: Callable[[], None] | None = None) -> None:
        self.source, self.detector, self.on_wake = source, detector, on_wake
        self.sample_rate = getattr(source, "sample_rate", 16000)
        self.woke = False

    def heard(self, block: bytes) -> bool:
        """Feed the detector; True (and woken) when the block ends a wake word."""
        if not self.woke and self.detector.feed(block):
            self.woke = True
            if self.on_wake is not None:
                self.on_wake()
        return self.woke

    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        if self.woke:
            return None
        data = self.source.read(frames, timeout)
        if data and self.heard(data):
            return None
        return data

    def close(self) -> None:
        self.source.close()


def start_again_phrases(lang: Language) -> list[str]:
    """The phrases that restart a check-in (from intents/en/dialog.yaml)."""
    return [p.strip() for p in lang.lines["serve_start_again_phrases"].split(",") if p.strip()]


class ServeEar:
    """A voice ear (reading from a :class:`WakeTap`) that handles being woken in the middle.

    On the wake word it stops listening and asks what the person wants; "start again" raises
    :class:`RestartCheckIn`, anything else (stop, a question, an answer) goes to the conversation.
    """

    def __init__(self, inner: Any, tap: WakeTap, mouth: Any, lang: Language) -> None:
        self.inner, self.tap, self.mouth, self.lang = inner, tap, mouth, lang
        self.restart = start_again_phrases(lang)

    def hear(self, expecting: Expectation) -> Heard | None:
        heard = None if self.tap.woke else self.inner.hear(expecting)
        while self.tap.woke:
            self.tap.woke = False
            self.inner.silences = 0
            self.mouth.say(f"{self.lang.lines['serve_what']} {expecting.prompt}")
            heard = self.inner.hear(expecting)
        if heard is not None and heard.text.strip().lower() in self.restart:
            raise RestartCheckIn(heard.text)
        return heard

    def hear_more(self, expecting: Expectation) -> Heard | None:
        """The rest of an answer that stopped at a pause (the voice ear's); nothing once woken (the
        next :meth:`hear` asks what the person wants)."""
        return None if self.tap.woke else self.inner.hear_more(expecting)


class WakeOverSpeech:
    """A speaker that keeps listening for the wake word while it talks, and stops talking when it hears it.

    The microphone is muted while BackCheck speaks (so it never answers itself); its muted blocks
    go only to the wake detector, on a thread of their own, and a detection stops the speech and
    marks the tap as woken, so the next answer starts with "what do you want?".
    """

    def __init__(self, speaker: Any, mic: Any, tap: WakeTap) -> None:
        self.speaker, self.mic, self.tap = speaker, mic, tap

    def __getattr__(self, name: str) -> Any:  # play, failed, device... are the speaker's
        return getattr(self.speaker, name)

    def say(self, text: str) -> None:
        if self.tap.woke or not hasattr(self.speaker, "interrupt"):
            if not self.tap.woke:
                self.speaker.say(text)
            return
        blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=200)
        watcher = threading.Thread(target=self._watch, args=(blocks,), daemon=True)
        watcher.start()
        self.mic.while_muted = lambda b: _put(blocks, b)
        try:
            self.speaker.say(text)
        finally:
            self.mic.while_muted = None
            blocks.put(None)
            watcher.join(timeout=2)

    def _watch(self, blocks: queue.Queue[bytes | None]) -> None:
        while (block := blocks.get()) is not None:
            if not self.tap.woke and self.tap.heard(block):
                self.speaker.interrupt()


def _put(blocks: queue.Queue[bytes | None], block: bytes) -> None:
    try:
        blocks.put_nowait(block)
    except queue.Full:  # the detector fell behind: drop audio rather than block the audio thread
        pass
