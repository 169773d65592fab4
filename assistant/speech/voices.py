"""Which voice speaks: the natural voice (hibari) by default, espeak-ng or pyttsx3 by choice or as the fallback.

A *voice* turns one sentence into samples; the mouth (``tts.py``) plays them and the prompt cache
(``prompt_cache.py``) keeps them. ``voice = "hibari" | "espeak-ng" | "pyttsx3"`` in the config picks
one; a natural voice that cannot load costs one log line and speech goes on with espeak-ng.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Literal, Protocol, runtime_checkable

import numpy as np

#: the choices of the ``voice`` setting; the first is the default
VOICE_CHOICES = ("hibari", "espeak-ng", "pyttsx3")
Classic = Literal["pyttsx3", "espeak-ng"]


@runtime_checkable
class Voice(Protocol):
    """Turns text into speech samples; ``id`` names the exact sound (engine, version, voice, pace)."""

    name: str
    id: str
    label: str
    sample_rate: int

    def synthesize(self, text: str) -> np.ndarray:
        """Float samples in [-1, 1) at :attr:`sample_rate` (raises ``AudioError`` when it cannot)."""
        ...


class ClassicVoice:
    """espeak-ng (the program) or pyttsx3 over libespeak-ng: the robotic but always-there voice."""

    def __init__(self, engine: Classic | Literal["auto"] = "auto", voice: str | None = None, rate: int = 165) -> None:
        if engine == "auto":
            engine = "espeak-ng" if shutil.which("espeak-ng") else "pyttsx3"
        self.name = self.engine = engine
        self.voice, self.rate = voice, int(rate)
        self.id = f"{engine}-{voice or 'default'}-{self.rate}wpm"
        self.label = f"{engine}{f' ({voice})' if voice else ''}, {self.rate} words a minute"
        self.sample_rate = 22050  # espeak-ng's; the real rate comes with each synthesis

    def synthesize(self, text: str) -> np.ndarray:
        from assistant.speech.synth import synthesize_native

        x, sr = synthesize_native(text, self.voice, self.rate, self.engine)
        self.sample_rate = sr
        return x.astype(np.float32)


_LOADED: dict[str, Voice] = {}


def load_voice(choice: str = "hibari", rate: int = 165, engine_voice: str | None = None,
               notice: Callable[[str], None] | None = None) -> Voice:
    """The voice ``choice`` names; for an unusable natural voice, one ``notice`` line and espeak-ng.

    A natural voice is loaded once per process (``serve`` reopens the speaker after a sound-server
    restart; it must not reload the model each time). ``engine_voice`` is an espeak-ng voice id
    (``tts_voice``), used only by the classic voices.
    """
    say = notice if notice is not None else _stderr
    if choice in ("espeak-ng", "pyttsx3"):
        return ClassicVoice(choice, engine_voice, rate)  # type: ignore[arg-type]
    if choice != "hibari":
        raise ValueError(f"unknown voice {choice!r}; choose one of {', '.join(VOICE_CHOICES)}")
    from assistant.speech.natural_voice import HibariVoice, VoiceUnavailable, speed_for_rate

    key = f"hibari@{rate}"
    if key in _LOADED:
        return _LOADED[key]
    try:
        voice: Voice = HibariVoice(speed_for_rate(rate), notice=say)
    except VoiceUnavailable as exc:
        fallback = ClassicVoice("auto", engine_voice, rate)
        say(f"{exc}; speaking with {fallback.engine} instead")
        return fallback
    _LOADED[key] = voice
    return voice


def _stderr(message: str) -> None:
    import sys

    print(f"backcheck: {message}", file=sys.stderr, flush=True)
