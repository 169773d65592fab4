"""What an answer means when no listed phrase matches it: a small learned model over word meanings.

Why: people describe ("both legs went all rubbery", "like ants down my shin") far more often than
they name, and no phrase list can hold every description. Each word piece has a vector distilled
from a sentence encoder (``assistant/training/meaning_table.py``); an answer is the mean of its
pieces' vectors, and one small linear model per question (a "head", trained on the examples in
``intents/<lang>/meanings.yaml`` by ``backcheck train meaning``) gives the probability of each
answer value. A lookup and a 192 x 4 product: microseconds, no runtime beyond NumPy.

The model only ever proposes; ``Understander`` decides, and it takes a proposal only where the
listed phrases found nothing, with stricter bars for milder readings (see ``MeaningPolicy``).
A missing or damaged model file is reported once and understanding carries on with phrases alone.
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.nlu.wordpiece import WordPiece

MODEL_DIR = Path(__file__).parent / "models"
TABLE_PATH = MODEL_DIR / "meaning-table.npz"
HEADS_PATH = MODEL_DIR / "meaning-heads.npz"
#: Label for "the person cannot tell yet".
UNKNOWN = "unknown"
#: The head that says which question an answer is about, and its label for "none of them".
TOPIC = "topic"
OTHER = "other"


class MeaningModelError(Exception):
    """The meaning model cannot be used; the message says why and what to do."""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class WordVectors:
    """One vector per word piece; an answer's vector is the mean of its pieces' (punctuation left out)."""

    def __init__(self, path: Path = TABLE_PATH):
        try:
            with np.load(path, allow_pickle=False) as z:
                table, scale = z["table"], z["scale"]
                vocab = str(z["vocab"]).split("\n")
        except (OSError, ValueError, KeyError) as exc:
            raise MeaningModelError(f"{path}: cannot be read ({exc}); reinstall BackCheck "
                                    "(pip install --force-reinstall -e .) to restore it") from None
        if table.shape[0] != len(vocab) or scale.shape[0] != len(vocab):
            raise MeaningModelError(f"{path}: the table and its vocabulary disagree; reinstall BackCheck")
        self.table = table.astype(np.float32) * scale[:, None].astype(np.float32)
        self.pieces = WordPiece(vocab)
        self._skip = frozenset(i for i, tok in enumerate(vocab) if len(tok) == 1 and not tok.isalnum())
        self.dims = self.table.shape[1]

    def vector(self, text: str) -> np.ndarray:
        """The unit-length meaning of `text` (zeros when it has no words)."""
        ids = [i for i in self.pieces.ids(text) if i not in self._skip]
        if not ids:
            return np.zeros(self.dims, np.float32)
        v = self.table[ids].mean(0)
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else v


@dataclass(frozen=True)
class Head:
    """A linear softmax model for one question (a slot, or a screen covering several)."""

    labels: tuple[str, ...]
    weights: np.ndarray  #: (labels, dims)
    bias: np.ndarray  #: (labels,)

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        z = self.weights @ vector + self.bias
        z = np.exp(z - z.max())
        p = z / z.sum()
        return {label: float(x) for label, x in zip(self.labels, p)}


class MeaningModel:
    """The word vectors and every question's head, as trained from the examples in intents/."""

    def __init__(self, vectors: WordVectors, heads: dict[str, Head], examples_sha256: str = ""):
        self.vectors = vectors
        self.heads = heads
        self.examples_sha256 = examples_sha256

    def probabilities(self, text: str, head: str) -> dict[str, float] | None:
        """Each label's probability for `text` as an answer to `head`'s question (None: no such head)."""
        h = self.heads.get(head)
        if h is None:
            return None
        return h.probabilities(self.vectors.vector(text))

    @classmethod
    def load(cls, table: Path = TABLE_PATH, heads: Path = HEADS_PATH) -> MeaningModel:
        vectors = WordVectors(table)
        try:
            with np.load(heads, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                out = {name: Head(tuple(labels), z[f"{name}.weights"].astype(np.float32),
                                  z[f"{name}.bias"].astype(np.float32))
                       for name, labels in meta["heads"].items()}
        except (OSError, ValueError, KeyError) as exc:
            raise MeaningModelError(f"{heads}: cannot be read ({exc}); run: backcheck train meaning") from None
        if meta.get("table_sha256") != file_sha256(table):
            raise MeaningModelError(f"{heads} was trained on another word table; run: backcheck train meaning")
        for name, head in out.items():
            if head.weights.shape != (len(head.labels), vectors.dims):
                raise MeaningModelError(f"{heads}: head '{name}' does not fit the word table; "
                                        "run: backcheck train meaning")
        return cls(vectors, out, str(meta.get("examples_sha256", "")))


_LOADED: dict[tuple[Path, Path], MeaningModel | None] = {}


def shipped_model(table: Path = TABLE_PATH, heads: Path = HEADS_PATH) -> MeaningModel | None:
    """The packaged model, loaded once per process; None (said once on stderr) when it cannot be used."""
    key = (table, heads)
    if key not in _LOADED:
        try:
            _LOADED[key] = MeaningModel.load(table, heads)
        except MeaningModelError as exc:
            print(f"backcheck: understanding described answers is off: {exc}", file=sys.stderr)
            _LOADED[key] = None
    return _LOADED[key]


def heads_wanted(lang: Any) -> dict[str, tuple[str, ...]]:
    """The heads a language's questions need and their labels (slots with examples, and screens)."""
    out: dict[str, tuple[str, ...]] = {}
    for slot, values in lang.examples.items():
        out[slot] = tuple(sorted(values, key=str))
    for name, screen in lang.screens.items():
        if all(s in lang.examples for s in screen.slots):
            out[name] = (*screen.slots, "no", UNKNOWN)
    if out:
        out[TOPIC] = (*sorted(lang.examples), OTHER)
    return out
