"""One interface over the speech engines (answer classifier + Whisper, Vosk, pocketsphinx).

Why: the conversation must not care which engine listens. Each engine
streams audio from an ``AudioSource``-like object (``read(frames, timeout)``
returning bytes, or None at end of stream), stops at the end of speech and
returns a :class:`Recognition`, rejecting audio that is none of the phrases.
This module imports no engine; ``assistant.speech.factory`` above them builds one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

SAMPLE_RATE = 16000
#: A grammar engine's raw hypothesis when it skipped its decode (see :func:`answer_decided`).
NOT_DECODED = "(not decoded: the answer was already sure)"

#: Where ``backcheck models download`` installs models inside a checkout.
REPO_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def user_models_dir() -> Path:
    """The per-user model directory (XDG data dir)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backcheck" / "models"


class SpeechError(Exception):
    """A speech fault a person can fix; the message says how."""


class ModelNotFoundError(SpeechError):
    """No usable speech model was found."""


class EngineUnavailableError(SpeechError):
    """The engine's Python package cannot be imported."""


@dataclass
class Recognition:
    """What was heard in one answer."""

    transcript: str
    """The recognised phrase, normalised; "" when nothing usable or rejected."""
    confidence: float
    """0..1: mean word confidence (Vosk) or posterior probability (pocketsphinx)."""
    words: list[tuple[str, float]] = field(default_factory=list)
    """Recognised words with their confidences (also filled when rejected, for diagnosis)."""
    rejected: bool = False
    """True when the audio was judged not to be any of the phrases (out of grammar, noise, silence)."""
    audio_s: float = 0.0
    """Seconds of audio consumed from the source."""
    compute_s: float = 0.0
    """Wall time spent in the engine (endpointing and decoding), not waiting for audio."""
    endpoint_s: float | None = None
    """Seconds from the end of speech to the result being ready: the endpointer's
    audio lag plus the decoding time after it; None when no speech ended."""
    raw: str = ""
    """The engine's raw hypothesis before rejection (for benchmarks and logs)."""
    heard_speech: bool = True
    """False when no speech started before the silence timeout (nobody answered)."""


@runtime_checkable
class AudioSourceLike(Protocol):
    """The part of ``assistant.audio.sources.AudioSource`` the recognisers use."""

    def read(self, frames: int, timeout: float | None = None) -> bytes | None: ...


def answer_decided(source: AudioSourceLike) -> bool:
    """Whether whoever feeds ``source`` has already decided the answer from the same audio.

    The fused engine's tap sets ``answer_decided`` when the classifier is so sure of one word that
    nothing the grammar engine could hear would change the answer; a grammar engine that decodes at
    the end of the stream (pocketsphinx) then skips that decode: on a Pi it is most of the wait.
    """
    return bool(getattr(source, "answer_decided", False))


@runtime_checkable
class Recognizer(Protocol):
    """A streaming recogniser with end-of-speech detection."""

    engine: str
    model: str

    def missing_words(self, phrases: Sequence[str]) -> list[str]:
        """Words of ``phrases`` that the engine's vocabulary lacks."""
        ...

    def recognize(
        self,
        source: AudioSourceLike,
        phrases: Sequence[str] | None,
        *,
        max_s: float = 15.0,
        silence_timeout_s: float = 8.0,
    ) -> Recognition:
        """Stream from ``source`` until the end of speech; ``phrases`` None = free-form."""
        ...

    def recognize_pcm(
        self, samples: np.ndarray, phrases: Sequence[str] | None, **kwargs: float
    ) -> Recognition:
        """Recognise int16 16 kHz mono samples (tests, benchmarks)."""
        ...


class PcmMixin:
    """Gives an engine ``recognize_pcm`` in terms of its ``recognize``."""

    def recognize_pcm(
        self, samples: np.ndarray, phrases: Sequence[str] | None, **kwargs: float
    ) -> Recognition:
        from assistant.audio.sources import PcmSource

        pcm = PcmSource(np.ascontiguousarray(samples, dtype=np.int16).reshape(-1))
        return self.recognize(pcm, phrases, **kwargs)  # type: ignore[attr-defined]


def check_rate(source: object) -> None:
    """Refuse sources at another rate instead of silently mis-recognising."""
    rate = getattr(source, "sample_rate", SAMPLE_RATE)
    if rate != SAMPLE_RATE:
        raise SpeechError(
            f"the audio source delivers {rate} Hz but the recognisers need {SAMPLE_RATE} Hz mono; "
            "resample it first (assistant.audio resamples WAV files)"
        )


def is_vosk_model(path: Path) -> bool:
    """A Vosk model directory has ``am/final.mdl`` or ``conf/model.conf``."""
    return (path / "am" / "final.mdl").is_file() or (path / "conf" / "model.conf").is_file()


def find_vosk_model(model_dir: Path | None = None) -> Path | None:
    """The given model dir, else the first model in <repo>/models/* or the XDG dir."""
    if model_dir is not None:
        model_dir = Path(model_dir).expanduser()
        if is_vosk_model(model_dir):
            return model_dir
        raise ModelNotFoundError(
            f"{model_dir} is not a Vosk model directory (no am/final.mdl or conf/model.conf). "
            "Run `backcheck models download` to install the English model, "
            "or pass the folder that holds am/ and conf/."
        )
    for parent in (REPO_MODELS_DIR, user_models_dir()):
        if parent.is_dir():
            for child in sorted(parent.iterdir()):
                if child.is_dir() and is_vosk_model(child):
                    return child
    return None
