"""Text to samples: espeak-ng, pyttsx3 (the fallback voices) and hibari for tests and benchmarks.

Why apart from the mouths (tts.py): the voices (voices.py) and the test-speech makers need
synthesis without playback, and playback needs the voices; one module each keeps imports one way.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.audio.errors import AudioUnavailable
from assistant.audio.sources import read_wav, to_16k_mono

Engine = Literal["auto", "pyttsx3", "espeak-ng"]
DEFAULT_RATE = 165
"""words per minute (the config default)"""
ESPEAK_HINT = "install espeak-ng with 'sudo apt install espeak-ng'"


class TtsUnavailable(AudioUnavailable):
    """No working text-to-speech engine (or voice)."""


def _espeak_ng_wav(text: str, voice: str | None, rate: int, out: Path) -> None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise TtsUnavailable(f"no text-to-speech: {ESPEAK_HINT}")
    cmd = [exe, "-s", str(int(rate)), "-w", str(out)]
    if voice:
        cmd += ["-v", voice]
    r = subprocess.run(cmd + ["--", text], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or not out.exists():
        msg = (r.stderr or r.stdout).strip() or f"exit status {r.returncode}"
        hint = "; list voices with 'espeak-ng --voices'" if voice else ""
        raise TtsUnavailable(f"espeak-ng could not speak{f' with voice {voice!r}' if voice else ''}: {msg}{hint}")


def _pyttsx3_wav(text: str, voice: str | None, rate: int, out: Path) -> None:
    try:
        from pyttsx3.engine import Engine as _Pyttsx3Engine
    except ImportError:
        raise TtsUnavailable("no text-to-speech: pip install pyttsx3, or " + ESPEAK_HINT) from None
    # a fresh engine per utterance: an engine that once saved to a file keeps
    # saving there; pyttsx3's espeak driver prints "Audio saved to ..."
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            engine = _Pyttsx3Engine()
            engine.setProperty("rate", int(rate))
            if voice:
                engine.setProperty("voice", voice)
            engine.save_to_file(text, str(out))
            engine.runAndWait()
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            raise TtsUnavailable(f"pyttsx3 could not speak: {exc}; or {ESPEAK_HINT}") from None
        _wait_for_wav(out)
    if not out.exists() or out.stat().st_size <= 44:
        raise TtsUnavailable(f"pyttsx3 produced no audio{f' with voice {voice!r}' if voice else ''}")


def _wait_for_wav(path: Path, timeout_s: float = 20.0) -> None:
    """Wait until ``path`` holds the whole WAV its header announces.

    pyttsx3's espeak driver writes the file from espeak's callback thread, so
    ``runAndWait`` can return before the file exists or is complete (seen under
    arm64 emulation, where synthesis is slow).  Gives up silently after
    ``timeout_s``; the caller reports a missing or empty file.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with wave.open(str(path), "rb") as w:
                if 44 + w.getnframes() * w.getsampwidth() * w.getnchannels() <= path.stat().st_size:
                    return
        except (OSError, EOFError, wave.Error):
            pass
        time.sleep(0.05)


_SYNTHS: dict[str, Callable[[str, str | None, int, Path], None]] = {
    "pyttsx3": _pyttsx3_wav,
    "espeak-ng": _espeak_ng_wav,
}


def synthesize_native(
    text: str, voice: str | None = None, rate: int = DEFAULT_RATE, engine: Engine = "espeak-ng"
) -> tuple[np.ndarray, int]:
    """Speech for ``text`` as ``(float samples in [-1, 1), sample rate)`` at the engine's own rate."""
    if engine == "auto":
        engine = "espeak-ng" if shutil.which("espeak-ng") else "pyttsx3"
    with tempfile.TemporaryDirectory(prefix="backcheck-tts-") as tmp:
        out = Path(tmp) / "say.wav"
        _SYNTHS[engine](text, voice, rate, out)
        x, info = read_wav(out)
    return x.mean(axis=1), info.sample_rate


def synthesize(text: str, voice: str | None = "en-us", rate: int = DEFAULT_RATE) -> np.ndarray:
    """Speech for ``text`` as 16 kHz mono int16, made by espeak-ng (tests, demos, benchmarks).

    A voice named ``hibari:NAME`` is hibari-tts's neural voice instead (its bundled "heart"; the
    package is a bench and test extra): more like a person than espeak-ng, for the phrase benchmark
    and the demo. ``rate`` then scales its pace (175 words a minute = its own).
    """
    if voice and voice.startswith("hibari:"):
        return synthesize_hibari(text, voice.split(":", 1)[1], rate / DEFAULT_RATE)
    x, sr = synthesize_native(text, voice, rate, engine="espeak-ng")
    return to_16k_mono(x, sr)


_HIBARI: dict[str, object] = {}


def synthesize_hibari(text: str, voice: str = "heart", speed: float = 1.0) -> np.ndarray:
    """hibari-tts speech (24 kHz) for ``text`` as 16 kHz mono int16; the same audio every time (seed 0)."""
    try:
        from hibari import Hibari
    except ImportError as exc:
        raise TtsUnavailable("the hibari voice needs the package hibari-tts (`pip install hibari-tts`, "
                       "or script/setup --test)") from exc
    if voice not in _HIBARI:
        _HIBARI[voice] = Hibari(voice)
    wav = _HIBARI[voice](text, speed=speed, seed=0)  # type: ignore[operator]
    return to_16k_mono(np.asarray(wav, dtype=np.float64), 24000)
