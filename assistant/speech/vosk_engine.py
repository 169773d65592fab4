"""Vosk engine: per-question grammar, Kaldi endpointing, word confidences.

Why: Vosk's small models are accurate on a Raspberry Pi and, in grammar
mode, listen only for the open question's phrases. The Model takes seconds
to load, so it is loaded once per directory and cached. The code never
assumes a language: the vocabulary comes from the model's files.
"""

from __future__ import annotations

import json
import struct
import threading
import time
from pathlib import Path
from typing import Sequence

from assistant.speech import rejection
from assistant.speech.grammar import check_phrases, usable_phrases
from assistant.speech.recognizer import (
    SAMPLE_RATE,
    AudioSourceLike,
    EngineUnavailableError,
    ModelNotFoundError,
    PcmMixin,
    Recognition,
    check_rate,
    is_vosk_model,
)

_CHUNK = 1600  # 0.1 s per AcceptWaveform call
_UNK = "[unk]"
_models: dict[Path, object] = {}
_vocab: dict[Path, frozenset[str] | None] = {}
_lock = threading.Lock()


def _import_vosk():  # type: ignore[no-untyped-def]
    try:
        import vosk
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise EngineUnavailableError(
            "vosk is not installed; run `pip install vosk` (or reinstall backcheck), "
            "or use `--engine sphinx`"
        ) from e
    vosk.SetLogLevel(-1)
    return vosk


def load_model(path: Path):  # type: ignore[no-untyped-def]
    """The Vosk Model for ``path``, loaded once per process."""
    path = Path(path).resolve()
    with _lock:
        if path not in _models:
            if not is_vosk_model(path):
                raise ModelNotFoundError(
                    f"{path} is not a Vosk model directory; run `backcheck models download`"
                )
            vosk = _import_vosk()
            try:
                _models[path] = vosk.Model(str(path))
            except Exception as e:  # vosk raises a bare Exception on a bad model
                raise ModelNotFoundError(
                    f"could not load the Vosk model in {path} ({e}); "
                    "reinstall it with `backcheck models download`"
                ) from e
        return _models[path]


def _fst_input_symbols(path: Path) -> list[str]:
    """Words of the input symbol table embedded in an OpenFst binary (Gr.fst).

    Lookahead models (the small ones) ship no words.txt; their Gr.fst carries it.
    """
    with open(path, "rb") as f:

        def i32() -> int:
            return struct.unpack("<i", f.read(4))[0]

        def i64() -> int:
            return struct.unpack("<q", f.read(8))[0]

        def string() -> bytes:
            return f.read(i32())

        if i32() != 2125659606:
            raise ValueError("not an OpenFst file")
        string(), string()  # fst type, arc type
        i32()  # version
        flags = i32()
        i64(), i64(), i64(), i64()  # properties, start, states, arcs
        if not flags & 1:
            raise ValueError("no input symbol table")
        if i32() != 2125658996:
            raise ValueError("bad symbol table")
        string()  # name
        i64()  # available key
        size = i64()
        words = []
        for _ in range(size):
            words.append(string().decode("utf-8", "replace"))
            f.read(8)
        return words


def model_vocabulary(path: Path) -> frozenset[str] | None:
    """The model's word list (words.txt, graph/words.txt, or Gr.fst's symbols); None if unknown."""
    path = Path(path).resolve()
    with _lock:
        if path not in _vocab:
            words: list[str] | None = None
            for name in ("words.txt", "graph/words.txt"):
                f = path / name
                if f.is_file():
                    with open(f, encoding="utf-8", errors="replace") as fh:
                        words = [line.split()[0] for line in fh if line.strip()]
                    break
            else:
                gr = path / "graph" / "Gr.fst"
                if gr.is_file():
                    try:
                        words = _fst_input_symbols(gr)
                    except (ValueError, struct.error, OSError):
                        words = None
            _vocab[path] = frozenset(words) if words is not None else None
        return _vocab[path]


class VoskRecognizer(PcmMixin):
    """Vosk (Kaldi) with a grammar per question."""

    engine = "vosk"

    def __init__(self, model_dir: Path, min_confidence: float = rejection.VOSK_MIN_CONFIDENCE) -> None:
        self._vosk = _import_vosk()
        self.model_dir = Path(model_dir)
        self.model = str(self.model_dir)
        t = time.perf_counter()
        self._model = load_model(self.model_dir)
        self.load_s = time.perf_counter() - t
        self._min_conf = min_confidence
        vocab = model_vocabulary(self.model_dir)
        self._vocab = vocab
        self.has_unk = vocab is not None and _UNK in vocab
        self._reported: set[str] = set()
        self.warnings: list[str] = []

    def _known(self, word: str) -> bool:
        return self._vocab is None or word in self._vocab

    def missing_words(self, phrases: Sequence[str]) -> list[str]:
        """Words not in the model's vocabulary (Vosk would drop them silently)."""
        return check_phrases(phrases, self._known).missing_words

    def _grammar(self, phrases: Sequence[str]) -> list[str]:
        return usable_phrases(phrases, self._known, self._reported, self.warnings,
                              "the Vosk model's vocabulary", "is this the right language model?")

    def recognize(
        self,
        source: AudioSourceLike,
        phrases: Sequence[str] | None,
        *,
        max_s: float = 15.0,
        silence_timeout_s: float = 8.0,
    ) -> Recognition:
        """Stream ``source`` until Kaldi's endpointer fires after some speech."""
        check_rate(source)
        allowed = self._grammar(phrases) if phrases is not None else None
        compute = 0.0
        t = time.perf_counter()
        if allowed is None:
            rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        else:
            grammar = allowed + ([_UNK] if self.has_unk else [])
            rec = self._vosk.KaldiRecognizer(
                self._model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False)
            )
        rec.SetWords(True)
        compute += time.perf_counter() - t
        consumed = 0
        heard = False
        result: dict | None = None
        endpoint_at: float | None = None
        buf = b""
        while True:
            chunk = source.read(_CHUNK)
            if chunk is None:
                break
            buf += chunk
            if len(buf) < 2 * _CHUNK:
                continue
            data, buf = buf, b""
            consumed += len(data) // 2
            t = time.perf_counter()
            final = rec.AcceptWaveform(data)
            if final:
                r = json.loads(rec.Result())
                if r.get("result"):
                    result = r
                    endpoint_at = time.perf_counter()
            elif not heard:
                heard = bool(json.loads(rec.PartialResult()).get("partial"))
            compute += time.perf_counter() - t
            audio_s = consumed / SAMPLE_RATE
            if result is not None:
                break
            if audio_s >= max_s or (not heard and audio_s >= silence_timeout_s):
                break
        if result is None:
            t = time.perf_counter()
            if buf:
                consumed += len(buf) // 2
                rec.AcceptWaveform(buf)
            r = json.loads(rec.FinalResult())
            compute += time.perf_counter() - t
            if r.get("result"):
                result = r
        audio_s = consumed / SAMPLE_RATE
        if result is None:
            return Recognition("", 0.0, [], True, audio_s, compute, None, heard_speech=False)
        words = [(w["word"], float(w.get("conf", 1.0))) for w in result["result"]]
        endpoint_s = None
        if endpoint_at is not None:
            speech_end = float(result["result"][-1].get("end", audio_s))
            endpoint_s = max(0.0, audio_s - speech_end) + (time.perf_counter() - endpoint_at)
        real = [(w, c) for w, c in words if w != _UNK]
        text = " ".join(w for w, _ in real)
        conf = sum(c for _, c in real) / len(real) if real else 0.0
        if allowed is None:
            rejected = not text
        else:
            rejected = len(real) != len(words) or text not in allowed or conf < self._min_conf
        return Recognition(
            transcript="" if rejected else text,
            confidence=conf,
            words=words,
            rejected=rejected,
            audio_s=audio_s,
            compute_s=compute,
            endpoint_s=endpoint_s,
            raw=" ".join(w for w, _ in words),
        )

