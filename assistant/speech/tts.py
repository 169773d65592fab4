"""The mouth: how the assistant says things.

Why not ``pyttsx3.say()`` + ``runAndWait()``: on Linux pyttsx3 2.99 hands the
audio to ``aplay`` and returns after ~0.01 s while the sound plays on for
seconds, so the microphone could not be muted for the right time; and after
one ``save_to_file`` every later ``say`` goes to that file.  Instead each
utterance is synthesised to a WAV (by the ``espeak-ng`` program, or a fresh
pyttsx3 engine) and played with ``sounddevice``, blocking, on the chosen
output device: when :meth:`SpeakerMouth.say` returns, the sound has played.

Muting is the caller's job, so the mouth knows nothing about microphones::

    with mic.muted_while():
        mouth.say(question)
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol, TextIO, runtime_checkable

import numpy as np

from assistant.audio.devices import find_device, import_sounddevice
from assistant.audio.errors import AudioError, AudioUnavailable
from assistant.audio.resample import resample
from assistant.audio.sources import read_wav, to_16k_mono, to_int16

Engine = Literal["auto", "pyttsx3", "espeak-ng"]
DEFAULT_RATE = 165
"""words per minute (the config default)"""
ESPEAK_HINT = "install espeak-ng with 'sudo apt install espeak-ng'"


class TtsUnavailable(AudioUnavailable):
    """No working text-to-speech engine (or voice)."""


@runtime_checkable
class Mouth(Protocol):
    """Says one utterance; returns only when it has been fully said."""

    def say(self, text: str) -> None: ...


class PrintMouth:
    """Prints what would be said: text mode, and the fallback when there is no audio out."""

    def __init__(self, stream: TextIO | None = None, prefix: str = "") -> None:
        self._stream = stream
        self.prefix = prefix

    def say(self, text: str) -> None:
        out = self._stream if self._stream is not None else sys.stdout
        print(f"{self.prefix}{text}", file=out, flush=True)


class SilentMouth:
    """Says nothing (audits, benchmarks); keeps what it was asked to say in ``said``."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)


# -- synthesis -----------------------------------------------------------------


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


# -- playing -----------------------------------------------------------------


class SpeakerMouth:
    """Synthesises each utterance and plays it on an output device, blocking.

    ``engine``: "espeak-ng" (the program) or "pyttsx3" (libespeak-ng on
    Linux, the OS voice elsewhere).  ``rate`` is words per minute, ``voice`` an
    engine voice id (``espeak-ng --voices``).  ``echo``: also print each text.
    If playback fails mid-conversation, the mouth reports it once through
    ``notice`` and prints from then on (``fallback``), so the check-in goes on.
    """

    def __init__(
        self,
        rate: int = DEFAULT_RATE,
        voice: str | None = None,
        output_device: str | int | None = None,
        engine: Literal["pyttsx3", "espeak-ng"] = "espeak-ng",
        *,
        echo: TextIO | None = None,
        fallback: Mouth | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.rate = rate
        self.voice = voice
        self.engine = engine
        self.device = find_device(output_device, "output")
        self.echo = echo
        self.fallback: Mouth = fallback if fallback is not None else PrintMouth()
        self.notice = notice if notice is not None else _stderr_notice
        self.failed: str | None = None
        """why speaking stopped working (then ``fallback`` is used), else ``None``"""
        self.last_duration_s = 0.0
        """length of the audio of the last utterance"""
        self._interrupted = threading.Event()

    def say(self, text: str) -> None:
        if self.echo is not None:
            print(text, file=self.echo, flush=True)
        if self.failed is None:
            try:
                x, sr = synthesize_native(text, self.voice, self.rate, self.engine)
                self.play(x, sr)
                return
            except AudioError as exc:
                self.failed = str(exc)
                self.notice(f"speech output stopped ({exc}); questions will be printed instead")
        if self.echo is None:
            self.fallback.say(text)

    def play(self, x: np.ndarray, sample_rate: int) -> None:
        """Play float mono samples; return once they have been played."""
        sd = import_sounddevice()
        self.last_duration_s = x.size / sample_rate
        self._interrupted.clear()
        started = time.monotonic()
        try:
            try:
                sd.check_output_settings(device=self.device.index, channels=1, samplerate=sample_rate)
            except (sd.PortAudioError, ValueError):
                # the device cannot take this rate (raw hw device): convert to its own rate
                target = int(self.device.default_samplerate)
                x = resample(x, sample_rate, target)
                sample_rate = target
            sd.play(to_int16(x), sample_rate, device=self.device.index)
            # wait here rather than blocking=True: interrupt() must stop the stream from this thread
            # (stopping it from another one deadlocks PortAudio's ALSA-pulse path in close())
            stream = sd.get_stream()
            while stream.active:
                if self._interrupted.wait(0.02):
                    sd.stop()
                    return
            sd.wait()
        except sd.PortAudioError as exc:
            raise AudioError(f"cannot play on {self.device.name}: {exc}") from None
        # never report "done" before the audio can have finished
        left = self.last_duration_s - (time.monotonic() - started)
        if left > 0:
            self._interrupted.wait(left)

    def interrupt(self) -> None:
        """Stop the utterance playing now (safe from another thread): the wake word was heard over it."""
        self._interrupted.set()


def _stderr_notice(message: str) -> None:
    print(f"backcheck: {message}", file=sys.stderr, flush=True)


def make_mouth(
    rate: int = DEFAULT_RATE,
    voice: str | None = None,
    output_device: str | int | None = None,
    engine: Engine = "auto",
    *,
    echo: TextIO | None = None,
    notice: Callable[[str], None] | None = None,
) -> Mouth:
    """A :class:`SpeakerMouth` if speech out works here, else a :class:`PrintMouth`.

    Tries a short synthesis (so a bad voice or missing engine shows now, not at
    the first question) and opens the output device.  On failure it reports
    one clear message through ``notice`` (default: stderr) and returns a
    ``PrintMouth`` on ``echo`` (default stdout), so the check-in goes on.
    """
    say_notice = notice if notice is not None else _stderr_notice
    # espeak-ng (the program) first: deterministic, and a crash stays in its own
    # process; pyttsx3 2.99 in-process gives slightly different audio each time
    # and keeps global state; it remains the choice where espeak-ng is absent.
    # (Tried pyttsx3 first: at 450 words/min its save_to_file finished after
    # runAndWait returned, the file was gone, and the speaker fell back to print.)
    engines: list[Literal["pyttsx3", "espeak-ng"]] = ["espeak-ng", "pyttsx3"] if engine == "auto" else [engine]
    problems: list[str] = []
    chosen: Literal["pyttsx3", "espeak-ng"] | None = None
    for name in engines:
        try:
            synthesize_native("ok", voice, rate, name)
        except AudioError as exc:
            problems.append(str(exc))
            continue
        chosen = name
        break
    reason: str | None = None
    if chosen is None:
        reason = problems[-1] if problems else "no text-to-speech engine"
    else:
        try:
            return SpeakerMouth(rate, voice, output_device, chosen, echo=echo, fallback=PrintMouth(echo), notice=notice)
        except AudioError as exc:
            reason = f"no speaker: {exc}"
    say_notice(f"{reason}; questions will be printed instead")
    return PrintMouth(echo)
