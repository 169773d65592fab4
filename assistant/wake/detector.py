"""The wake word: microWakeWord models (through pymicro-wakeword) over 16 kHz mono int16 audio.

One :class:`WakeDetector` per audio stream; feed it blocks of any length and it answers with the
times (seconds since the stream began) where the wake word ended. After a detection it stays deaf
for :data:`REFRACTORY_S`, so one spoken wake word counts once.

Quiet audio is not run through the model: `serve` waits for the wake word all day, mostly in a quiet
room, and the model is most of its idle CPU. A block quieter than :data:`QUIET_DBFS`, coming more
than :data:`HANGOVER_S` after the last sound, is only kept (the model decides a wake word from the
quiet just after it, so that is always run); when sound comes, the last :data:`PREROLL_S` of kept
audio is run first, so the model hears what came just before the sound exactly as if it had listened
all along (its features and window reach back less than that).
"""
from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import WAKE_WORDS as _OFFERED
from assistant.config import Settings

#: The models offered, with the phrase a person says (the default first).
WAKE_WORDS: dict[str, str] = {name: name.replace("_", " ") for name in _OFFERED}
DEFAULT_WAKE_WORD = Settings.wake_word
#: Detection thresholds chosen from the benchmark where the model's own is stricter than needed.
#: alexa: the model ships 0.9; espeak-ng wake words peaked 0.58-0.9 in gym noise, an hour of
#: speech, music and gym noise with no wake word never above 0.45 (bench/wake.py), so 0.7.
CUTOFFS: dict[str, float] = {"alexa": 0.7}
#: seconds after a detection during which the same utterance cannot fire again
REFRACTORY_S = 2.0
_SAMPLE_RATE = 16000
#: samples per block serve reads while waiting: 100 ms (30 ms blocks cut the detection lag by only
#: 20 ms, 245 -> 225 ms, and more than doubled the idle CPU, 0.6 -> 1.4 % of a core)
BLOCK = 1600
#: blocks below this RMS level skip the model: 10 dB under the quietest speech worth recognising
#: (assistant/audio/levels.py QUIET_DBFS = -50 dB for the loudest 30 ms of an answer, which puts
#: any 100 ms block holding such a frame above -55 dBFS)
QUIET_DBFS = -60.0
_QUIET_POWER = (10 ** (QUIET_DBFS / 20) * 32768) ** 2  # mean square of int16 samples at QUIET_DBFS
#: quiet audio kept and run through the model before the first loud block after it
PREROLL_S = 2.0
#: after a sound, quiet audio still goes through the model this long (detection comes ~0.25 s after the word)
HANGOVER_S = 1.5
INSTALL_HINT = "install it with 'pip install pymicro-wakeword' (needs 64-bit Raspberry Pi OS Bookworm or newer)"


class WakeWordError(Exception):
    """The wake-word model cannot be loaded; the message says what to do."""


@dataclass(frozen=True)
class WakeModel:
    """Where one wake-word model lives."""

    name: str
    """model id, e.g. ``hey_mycroft``"""
    phrase: str
    """what the person says"""
    config: Path
    """the model's JSON description (next to its .tflite file)"""


def builtin_models_dir() -> Path:
    """The folder of models shipped inside the pymicro-wakeword wheel."""
    try:
        import pymicro_wakeword
    except (ImportError, OSError) as exc:
        raise WakeWordError(f"no wake-word detector: {exc}; {INSTALL_HINT}") from None
    return Path(pymicro_wakeword.__file__).parent / "models"


def wake_model(name: str, models_dir: Path | None = None) -> WakeModel:
    """The model called ``name``; raises :class:`WakeWordError` naming the choices."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in WAKE_WORDS:
        raise WakeWordError(f"unknown wake word {name!r}; choose one of {', '.join(WAKE_WORDS)}")
    folder = builtin_models_dir() if models_dir is None else models_dir
    return WakeModel(key, WAKE_WORDS[key], folder / f"{key}.json")


class WakeDetector:
    """Streams audio through one microWakeWord model and reports when the wake word was said."""

    def __init__(self, name: str = DEFAULT_WAKE_WORD, *, models_dir: Path | None = None,
                 refractory_s: float = REFRACTORY_S) -> None:
        self.model = wake_model(name, models_dir)
        self.refractory_s = refractory_s
        self._mww = _load(self.model)
        self._mww.probability_cutoff = CUTOFFS.get(self.model.name, self._mww.probability_cutoff)
        from pymicro_wakeword import MicroWakeWordFeatures

        self._features = MicroWakeWordFeatures()
        self._samples = 0  # audio fed so far
        self._deaf_until = 0.0
        self._sound_until = 0  # until this sample, quiet audio still goes through the model
        self._quiet: deque[bytes] = deque()  # quiet blocks not yet run through the model, newest last
        self._quiet_bytes = 0
        self.skipped_s = 0.0
        """seconds of audio that never needed the model (quiet, and no sound followed within PREROLL_S)"""

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def seconds(self) -> float:
        """Audio fed since the start (or the last :meth:`reset`), in seconds."""
        return self._samples / _SAMPLE_RATE

    def feed(self, block: bytes) -> list[float]:
        """Feed 16 kHz mono int16 bytes; return the times (s) where the wake word was heard in them."""
        self._samples += len(block) // 2
        if not _quiet(block):
            self._sound_until = self._samples + int(HANGOVER_S * _SAMPLE_RATE)
        elif self._samples > self._sound_until:
            self._keep_quiet(block)
            return []
        hits: list[float] = []
        if self._quiet:  # the sound's lead-in: what came just before it, exactly as it was
            lead_in = b"".join(self._quiet)
            self._quiet.clear()
            self._quiet_bytes = 0
            hits += self._run(lead_in)
        return hits + self._run(block)

    def _keep_quiet(self, block: bytes) -> None:
        self._quiet.append(block)
        self._quiet_bytes += len(block)
        limit = int(PREROLL_S * _SAMPLE_RATE) * 2
        while self._quiet_bytes - len(self._quiet[0]) >= limit:
            dropped = self._quiet.popleft()
            self._quiet_bytes -= len(dropped)
            self.skipped_s += len(dropped) / 2 / _SAMPLE_RATE

    def _run(self, audio: bytes) -> list[float]:
        hits: list[float] = []
        for features in self._features.process_streaming(audio):
            if self._mww.process_streaming(features) and self.seconds >= self._deaf_until:
                hits.append(round(self.seconds, 2))
                self._deaf_until = self.seconds + self.refractory_s
        return hits

    def reset(self) -> None:
        """Forget the audio heard so far and count time from zero again (a new file, or after a check-in)."""
        self._mww.reset()
        self._features.reset()
        self._samples = 0
        self._deaf_until = 0.0
        self._quiet.clear()
        self._quiet_bytes = 0
        self._sound_until = 0
        self.skipped_s = 0.0

    def close(self) -> None:
        self._mww.close()


def _quiet(block: bytes) -> bool:
    """Is this block below :data:`QUIET_DBFS` (too quiet to hold any part of a wake word worth hearing)?"""
    x = np.frombuffer(block[: len(block) // 2 * 2], dtype="<i2").astype(np.float32)
    return x.size > 0 and float(np.dot(x, x)) / x.size < _QUIET_POWER


def _load(model: WakeModel):  # type: ignore[no-untyped-def]
    """The pymicro-wakeword model, with every way it can be missing or broken as a WakeWordError."""
    try:
        from pymicro_wakeword import MicroWakeWord
    except (ImportError, OSError) as exc:
        raise WakeWordError(f"no wake-word detector: {exc}; {INSTALL_HINT}") from None
    fix = "reinstall it with 'pip install --force-reinstall pymicro-wakeword'"
    if not model.config.is_file():
        raise WakeWordError(f"the wake-word model {model.name} is missing ({model.config}); {fix}")
    try:
        config = json.loads(model.config.read_text(encoding="utf-8"))
        tflite = model.config.parent / config["model"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WakeWordError(f"the wake-word model {model.name} is damaged ({model.config}: {exc}); {fix}") from None
    if not tflite.is_file() or tflite.stat().st_size < 1000 or tflite.read_bytes()[4:8] != b"TFL3":
        raise WakeWordError(f"the wake-word model {model.name} is missing or damaged ({tflite}); {fix}")
    try:
        mww = MicroWakeWord.from_config(model.config)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WakeWordError(f"the wake-word model {model.name} could not be loaded ({exc}); {fix}") from None
    if not mww.interpreter or not mww.model:
        raise WakeWordError(f"the wake-word model {model.name} could not be loaded ({tflite}); {fix}")
    return mww


def detect_in_samples(samples: np.ndarray, name: str = DEFAULT_WAKE_WORD, *,
                      models_dir: Path | None = None, detector: WakeDetector | None = None) -> list[float]:
    """Every wake-word time (s) in 16 kHz mono int16 ``samples``, as fast as the CPU allows."""
    det = detector if detector is not None else WakeDetector(name, models_dir=models_dir)
    data = np.asarray(samples, dtype="<i2").tobytes()
    hits: list[float] = []
    step = 2 * BLOCK  # the blocks serve reads from the microphone
    for i in range(0, len(data), step):
        hits += det.feed(data[i:i + step])
    return hits
