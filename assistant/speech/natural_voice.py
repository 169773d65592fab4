"""The natural voice: hibari's default voice ("heart"), a neural voice that runs on a Pi 4's CPU.

Why hibari (``docs/design-notes.md``, figures in ``docs/benchmarks.md``): about a hundred times faster
than real time on one core here, 0.4 s to load, 8 MB of model, Apache-2.0, a pure-Python wheel on
numpy and onnxruntime (which BackCheck already needs on arm64). Piper's en_US-joe-medium sounded as
good but ran 7x real time here (about real time on a Pi), took 63 MB and brings a GPL-3.0 engine.

Everything comes from the ``hibari-tts`` wheel (pinned in pyproject.toml). Each file is checked
against the SHA-256 written below before the model loads, so a damaged or changed install falls back
to espeak-ng instead of speaking garbage. hibari can download its *other* voices on first use; we
never ask for one: the model path is always given, so its downloader is never reached.
"""
from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: the hibari-tts release these hashes belong to (source: PyPI hibari-tts 0.2.1,
#: https://github.com/MMWilliams/hibari, Apache-2.0; model distilled from Kokoro-82M af_heart, Apache-2.0)
HIBARI_VERSION = "0.2.1"
#: every asset the default voice reads, with its SHA-256 (from the wheel; checked at load)
HIBARI_FILES: dict[str, str] = {
    "hibari.onnx": "5f70741d4e900f4e85d0037498736cc1b3e1b9a63a13546a5da1e63abf4fccd8",
    "lexicon_us_gold.json.gz": "63ae94f8ef0e906d5b24fe9b59ffcbd1529aca5686a774610e43973cbaa86ad2",
    "lexicon_us_silver.json.gz": "c4c2546ebf1eb07010331e7ef785a431aa17ba8e7bfb6b4af8d654ee96a71fd3",
    "oov.onnx": "d3cfd8122c5f172a98c8de38268bf1213ee09f2c2ae4df6e055fc6532590fe76",
    "oov.json": "b462e6e5dbdf0e7346c732385d0dd844f612f1770871441c56932bff4ca75d8c",
    "tagger.json.gz": "d2da7502284bbbe45d49e0b7ce3ce67bdab82254150f4317f1b8559b4d38d0eb",
    "normalize.json": "d478ff05404bc43ac3e0468e306674e51085f1b1afc94cdef7c7ea4fb0d56bd8",
    "tokenizer_exceptions.json": "ddf3a3da07bdcf5144270ea4530191d8580fb4fd6f5ae93296e87916e795659a",
    "vocab.json": "70abefbe8a1c8865e43e0a43bbdc25b91a33e4aa053479d443ccf23e20a59e5d",
}
MODEL_FILE = "hibari.onnx"
SAMPLE_RATE = 24000
#: the ``tts_rate`` at which hibari runs at its own pace (speed 1.0): over every prompt in intents/, hibari
#: at 1.0 says 203 words a minute of speech and espeak-ng at 165 says 180, so 185 keeps the two alike
NATURAL_WPM = 185
#: hibari peaks around -8 dBFS; lift it to about -2 dBFS so it carries over gym music like espeak-ng
GAIN = 1.8
LEAD_S, TAIL_S = 0.03, 0.12  #: silence kept before and after each sentence (it makes ~0.3 s / ~0.45 s)
INSTALL_HINT = "reinstall it with 'script/setup' (pip install hibari-tts==" + HIBARI_VERSION + ")"


class VoiceUnavailable(Exception):
    """The natural voice cannot be used here; the message says why and what to do."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hibari_assets() -> Path:
    """The folder of hibari's packaged assets (without importing hibari's model code)."""
    import importlib.util

    spec = importlib.util.find_spec("hibari")
    if spec is None or not spec.submodule_search_locations:
        raise VoiceUnavailable(f"the natural voice (hibari-tts) is not installed; {INSTALL_HINT}")
    return Path(list(spec.submodule_search_locations)[0]) / "assets"


def check_assets(assets: Path) -> list[str]:
    """Problems with the packaged files (missing, or a SHA-256 that is not the one written here)."""
    problems = []
    for name, digest in HIBARI_FILES.items():
        path = assets / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif _sha256(path) != digest:
            problems.append(f"{name} is damaged or a different version (SHA-256 differs)")
    return problems


def speed_for_rate(words_per_minute: int) -> float:
    """hibari's speed factor for a speaking rate in words a minute (its own pace is :data:`NATURAL_WPM`)."""
    return float(min(2.0, max(0.5, words_per_minute / NATURAL_WPM)))


def trim(x: np.ndarray, sample_rate: int, lead_s: float = LEAD_S, tail_s: float = TAIL_S,
         floor: float = 0.004) -> np.ndarray:
    """Cut the model's silence at both ends down to ``lead_s`` / ``tail_s``.

    Why: hibari starts every sentence with ~0.3 s of silence; a question that "starts" 0.3 s late is
    exactly the pause the prompt cache is there to remove. Sentences are joined with a pause of our own.
    """
    loud = np.nonzero(np.abs(x) > floor)[0]
    if loud.size == 0:
        return x[:0]
    start = max(0, int(loud[0] - lead_s * sample_rate))
    end = min(x.size, int(loud[-1] + tail_s * sample_rate))
    return x[start:end]


class _Pronunciation:
    """hibari's G2P, made on the first sentence, its tables on disk where they can be (pronunciation.py)."""

    def __init__(self, assets: Path, notice: Callable[[str], None]) -> None:
        self._assets, self._notice = assets, notice
        self._g2p: Any = None

    def __call__(self, text: str) -> Any:
        if self._g2p is None:
            from assistant.speech.pronunciation import disk_g2p

            tables = "".join(HIBARI_FILES[n] for n in ("lexicon_us_gold.json.gz", "lexicon_us_silver.json.gz",
                                                       "tagger.json.gz"))
            self._g2p, why = disk_g2p(self._assets, hashlib.sha256(tables.encode()).hexdigest())
            if why:
                self._notice(why)
        return self._g2p(text)


def _stderr(message: str) -> None:
    print(f"backcheck: {message}", file=sys.stderr, flush=True)


class HibariVoice:
    """hibari's bundled voice, loaded once, checked, and safe to call from two threads.

    ``speed`` is hibari's pace factor (1.0 is its own, about :data:`NATURAL_WPM` words a minute).
    The G2P loads on the first sentence (:meth:`warm_up` does it early), its lexicons and tagger
    read from a file on disk rather than held in memory (105 MB less; ``pronunciation.py``).
    """

    name = "hibari"
    sample_rate = SAMPLE_RATE
    pause_s = 0.25  #: silence between two sentences (after the trimmed tail)

    def __init__(self, speed: float = 1.0, *, check: bool = True,
                 notice: Callable[[str], None] = _stderr) -> None:
        assets = hibari_assets()
        if check:
            problems = check_assets(assets)
            if problems:
                raise VoiceUnavailable(f"the natural voice's files are not right ({'; '.join(problems)}); "
                                       f"{INSTALL_HINT}")
        try:
            from hibari import Hibari
            from importlib.metadata import version

            installed = version("hibari-tts")
            # model= is always given: hibari's own voice lookup (which may download) is never used
            self._tts = Hibari(model=str(assets / MODEL_FILE), threads=1, g2p=_Pronunciation(assets, notice))
        except Exception as exc:  # noqa: BLE001 - onnxruntime and imports fail in many ways; all mean "not here"
            raise VoiceUnavailable(f"the natural voice could not load ({type(exc).__name__}: {exc}); "
                                   f"{INSTALL_HINT}") from None
        self.speed = float(speed)
        self.id = f"hibari-{installed}-heart-{HIBARI_FILES[MODEL_FILE][:12]}-speed{self.speed:.2f}"
        self.label = f"hibari {installed}, voice heart (natural)"
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> np.ndarray:
        """One sentence (or a few) as float32 samples at 24 kHz in [-1, 1], edges trimmed.

        The noise seed is fixed, so the same text always gives the same audio (a cache can hold it).
        """
        with self._lock:
            x = self._tts(text, speed=self.speed, seed=0)
        x = trim(np.asarray(x, dtype=np.float32), SAMPLE_RATE) * GAIN
        peak = float(np.abs(x).max()) if x.size else 0.0
        return x / peak * 0.95 if peak > 0.95 else x

    def warm_up(self) -> None:
        """Load the G2P and run the model once, so the first real sentence pays nothing extra."""
        self.synthesize("Okay.")
