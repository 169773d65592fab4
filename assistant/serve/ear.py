"""Listening for the wake word inside a check-in: the wake word interrupts, "start again" restarts."""
from __future__ import annotations

from typing import Any

from assistant.dialog.conversation import Expectation, Heard
from assistant.nlu.language import Language
from assistant.wake.detector import WakeDetector


class RestartCheckIn(Exception):
    """The person said "start again" after waking BackCheck mid-check-in."""


class WakeTap:
    """An audio source that passes the microphone on and ends the stream when the wake word is heard."""

    def __init__(self, source: Any, detector: WakeDetector) -> None:
        self.source, self.detector = source, detector
        self.sample_rate = getattr(source, "sample_rate", 16000)
        self.woke = False

    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        if self.woke:
            return None
        data = self.source.read(frames, timeout)
        if data and self.detector.feed(data):
            self.woke = True
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

    def __init__(self, inner: Any, tap: WakeTap, mouth: Any, lang: Language,
                 on_wake: Any = None) -> None:
        self.inner, self.tap, self.mouth, self.lang = inner, tap, mouth, lang
        self.on_wake = on_wake
        self.restart = start_again_phrases(lang)

    def hear(self, expecting: Expectation) -> Heard | None:
        heard = self.inner.hear(expecting)
        while self.tap.woke:
            self.tap.woke = False
            if self.on_wake is not None:
                self.on_wake()
            self.inner.silences = 0
            self.mouth.say(f"{self.lang.lines['serve_what']} {expecting.prompt}")
            heard = self.inner.hear(expecting)
        if heard is not None and heard.text.strip().lower() in self.restart:
            raise RestartCheckIn(heard.text)
        return heard
