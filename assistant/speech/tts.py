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

import queue
import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, TextIO, runtime_checkable

import numpy as np

from assistant.audio.devices import find_device, import_sounddevice
from assistant.audio.errors import AudioError
from assistant.audio.resample import resample
from assistant.audio.sources import to_int16
from assistant.speech.say_text import sentences
from assistant.speech.synth import DEFAULT_RATE, Engine, TtsUnavailable, synthesize_native
from assistant.speech.voices import ClassicVoice, Voice

if TYPE_CHECKING:
    from assistant.speech.prompt_cache import PromptCache

_NOTHING_YET = object()



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


# -- playing -----------------------------------------------------------------


class SpeakerMouth:
    """Says each utterance on an output device, sentence by sentence, blocking until it has been heard.

    ``speech`` is the voice (``voices.py``: the natural voice, or espeak-ng / pyttsx3); without one,
    ``engine`` ("espeak-ng" or "pyttsx3"), ``voice`` (an engine voice id, ``espeak-ng --voices``) and
    ``rate`` (words per minute) make a classic one. ``cache`` holds the prepared prompts: a sentence
    found there plays at once, the others are synthesised on a second thread while the sentence before
    them plays (a verdict's reasons while its headline is heard). ``echo``: also print each text.
    If the natural voice fails, the mouth says so once through ``notice`` and goes on with espeak-ng;
    if playback fails it reports once and prints from then on (``fallback``), so the check-in goes on.
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
        speech: Voice | None = None,
        cache: PromptCache | None = None,
    ) -> None:
        self.rate = rate
        self.voice = voice
        self.engine = engine
        self.speech: Voice = speech if speech is not None else ClassicVoice(engine, voice, rate)
        self.cache = cache if cache is not None and cache.voice is self.speech else None
        self.device = find_device(output_device, "output")
        self.echo = echo
        self.fallback: Mouth = fallback if fallback is not None else PrintMouth()
        self.notice = notice if notice is not None else _stderr_notice
        self.failed: str | None = None
        """why speaking stopped working (then ``fallback`` is used), else ``None``"""
        self.last_duration_s = 0.0
        """length of the audio of the last utterance"""
        self.last_first_audio_s = 0.0
        """seconds from the last ``say()`` to its first sound being handed to the speaker"""
        self._interrupted = threading.Event()
        self._speaking = False

    def say(self, text: str) -> None:
        if self.echo is not None:
            print(text, file=self.echo, flush=True)
        if self.failed is None:
            try:
                self._say_sentences(sentences(text))
                return
            except AudioError as exc:
                self.failed = str(exc)
                self.notice(f"speech output stopped ({exc}); questions will be printed instead")
        if self.echo is None:
            self.fallback.say(text)

    # -- sentence by sentence --------------------------------------------------
    def audio_for(self, sentence: str) -> tuple[np.ndarray, int]:
        """One sentence's samples and rate: prepared, or synthesised now; a failing natural voice is replaced."""
        try:
            if self.cache is not None:
                return self.cache.say_sentence(sentence), self.speech.sample_rate
            x = self.speech.synthesize(sentence)
            return x, self.speech.sample_rate
        except AudioError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken natural voice must never silence the device
            if isinstance(self.speech, ClassicVoice):
                raise TtsUnavailable(f"{self.speech.engine} could not speak: {exc}") from None
            self.notice(f"the voice {self.speech.label} failed ({type(exc).__name__}: {exc}); "
                        "speaking with espeak-ng from now on")
            self.speech, self.cache = ClassicVoice("auto", self.voice, self.rate), None
            x = self.speech.synthesize(sentence)
            return x, self.speech.sample_rate

    def _say_sentences(self, parts: list[str]) -> None:
        """Play ``parts`` in order; the next ones are made on a helper thread while one plays."""
        started = time.monotonic()
        self.last_first_audio_s = 0.0
        if not parts:
            self.last_duration_s = 0.0
            return
        ready: queue.Queue[tuple[np.ndarray, int] | BaseException | None] = queue.Queue()
        stop = threading.Event()
        # the prepared sentences at the start (a question, a verdict's headline) go out at once, as one stream
        first: list[tuple[np.ndarray, int]] = []
        for sentence in parts if self.cache is not None else ():
            x = self.cache.get(sentence)
            if x is None:
                break
            first.append((x, self.speech.sample_rate))
        rest = parts[len(first):]

        def make() -> None:
            try:
                for sentence in rest:
                    if stop.is_set():
                        break
                    ready.put(self.audio_for(sentence))
            except BaseException as exc:  # noqa: BLE001 - handed to the playing thread, which raises it
                ready.put(exc)
            ready.put(None)

        maker = threading.Thread(target=make, name="synthesise", daemon=True)
        maker.start()
        self._interrupted.clear()
        self._speaking = True
        pause_s = float(getattr(self.speech, "pause_s", 0.0))
        total = 0.0
        held: tuple[np.ndarray, int] | None = None  # made at another rate (the voice was replaced): next batch
        try:
            while not self._interrupted.is_set():
                batch = first or ([held] if held is not None else [])
                first, held = [], None
                finished = False
                while True:  # take everything already made: prepared sentences play as one stream, no gap
                    item = self._next(ready, wait=not batch)
                    if item is _NOTHING_YET:
                        break
                    if item is None:
                        finished = True
                        break
                    if isinstance(item, BaseException):
                        raise item
                    if batch and item[1] != batch[0][1]:
                        held = item
                        break
                    batch.append(item)
                if batch and not self._interrupted.is_set():
                    sr = batch[0][1]
                    gap = np.zeros(int(pause_s * sr), dtype=np.float32)
                    x = np.concatenate([p for a, _ in batch for p in (a.astype(np.float32), gap)][:-1])
                    if total == 0.0:
                        self.last_first_audio_s = time.monotonic() - started
                    self.play(x, sr)
                    total += self.last_duration_s
                if finished and held is None:
                    break
        finally:
            stop.set()
            self._speaking = False
            self.last_duration_s = total

    def _next(self, ready: queue.Queue[tuple[np.ndarray, int] | BaseException | None],
              wait: bool) -> tuple[np.ndarray, int] | BaseException | None | object:
        """The next made sentence; ``_NOTHING_YET`` if none is ready (``wait`` False) or on an interrupt."""
        while True:
            try:
                return ready.get(timeout=0.02) if wait else ready.get_nowait()
            except queue.Empty:
                if not wait or self._interrupted.is_set():
                    return _NOTHING_YET

    def play(self, x: np.ndarray, sample_rate: int) -> None:
        """Play float mono samples; return once they have been played (or :meth:`interrupt` was called).

        A new play forgets an earlier interrupt, except inside one utterance (an interrupt ends all of it).
        """
        sd = import_sounddevice()
        self.last_duration_s = x.size / sample_rate
        if not self._speaking:
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
    speech: Voice | None = None,
    cache: PromptCache | None = None,
) -> Mouth:
    """A :class:`SpeakerMouth` if speech out works here, else a :class:`PrintMouth`.

    ``speech`` is a loaded voice (``voices.load_voice``: the natural one is checked when it loads and
    replaced by espeak-ng if it ever fails, so it is not tried again here) and ``cache`` its prepared
    prompts. Without ``speech``, a classic engine is chosen by a short synthesis (so a bad voice or a
    missing engine shows now, not at the first question). Then the output device is opened. On
    failure it reports one clear message through ``notice`` (default: stderr) and returns a
    ``PrintMouth`` on ``echo`` (default stdout), so the check-in goes on.
    """
    say_notice = notice if notice is not None else _stderr_notice
    # espeak-ng (the program) first: deterministic, and a crash stays in its own
    # process; pyttsx3 2.99 in-process gives slightly different audio each time
    # and keeps global state; it remains the choice where espeak-ng is absent.
    # (Tried pyttsx3 first: at 450 words/min its save_to_file finished after
    # runAndWait returned, the file was gone, and the speaker fell back to print.)
    if isinstance(speech, ClassicVoice):
        engine = speech.engine  # type: ignore[assignment]
    engines: list[Literal["pyttsx3", "espeak-ng"]] = ["espeak-ng", "pyttsx3"] if engine == "auto" else [engine]
    problems: list[str] = []
    chosen: Literal["pyttsx3", "espeak-ng"] | None = None
    if speech is not None and not isinstance(speech, ClassicVoice):  # the natural voice; this is its fallback
        chosen = "espeak-ng" if shutil.which("espeak-ng") else "pyttsx3"
    for name in engines if chosen is None else []:
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
        if isinstance(speech, ClassicVoice) and speech.engine != chosen:
            speech, cache = None, None
        try:
            return SpeakerMouth(rate, voice, output_device, chosen, echo=echo, fallback=PrintMouth(echo),
                                notice=notice, speech=speech, cache=cache)
        except AudioError as exc:
            reason = f"no speaker: {exc}"
    say_notice(f"{reason}; questions will be printed instead")
    return PrintMouth(echo)
