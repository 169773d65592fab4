"""BackCheck's own answer classifier: pooled speech embeddings of one answer -> which word it was.

Why a classifier and not another grammar: on real voices of speakers it never heard it tells
"no" from "go" and "one" from "on" far better than pocketsphinx (see the model card beside the
weights). It only knows single words (yes, no, left, right, stop, zero to nine); each question
narrows it to the words that answer that question, and everything else is "none of these".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.speech.answer_audio import Span, answer_window, speech_span, word_span

MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODEL_DIR / "answers.npz"
NONE = "none"
RESTORE_HINT = ("restore it with `git checkout assistant/speech/models/answers.npz` (or reinstall backcheck), "
                "or retrain it with `backcheck train answers`")


@dataclass
class Mlp:
    """Weights of input -> ReLU hidden layer -> class logits, with the input standardisation."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        h = np.maximum(0.0, ((x - self.mean) / self.scale) @ self.w1 + self.b1)
        return h @ self.w2 + self.b2


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = z / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def narrow(labels: Sequence[str], probs: np.ndarray, allowed: Sequence[str]) -> tuple[str, float]:
    """The best allowed word against "none of these", renormalised over the two.

    Why the other answer words drop out: at the side question a real "right" is often scored
    partly as "nine", a word nobody answers there; counting that share as "none" rejected right
    answers (`backcheck bench --answers-only`, fused, clean: left/right 90.6 -> 95.3 %, yes/no
    92.2 -> 93.3 %) at little cost in false accepts (command words 4.6 -> 5.0 %).
    """
    idx = [labels.index(w) for w in allowed if w in labels]
    if not idx:
        return NONE, 1.0
    p = probs[idx]
    best = int(np.argmax(p))
    none = float(probs[labels.index(NONE)]) if NONE in labels else 0.0
    total = float(p.sum()) + none
    if none >= float(p[best]):  # also when everything is zero
        return NONE, none / total if total else 1.0
    return labels[idx[best]], float(p[best]) / total


class AnswerModelError(Exception):
    """The classifier file is missing or damaged; the message names it and says how to restore it."""


def pooled(embeddings: np.ndarray) -> np.ndarray:
    """One feature vector per answer: mean and max of its embeddings over time."""
    return np.concatenate([embeddings.mean(axis=0), embeddings.max(axis=0)]).astype(np.float32)


@dataclass(frozen=True)
class Classified:
    """The classifier's view of one answer, already narrowed to the open question."""

    label: str
    """The most likely allowed word, or ``none``."""
    confidence: float
    """Probability of ``label`` among the allowed words and none (other words left out; see narrow)."""
    span: Span
    """The loudest stretch of speech; its length tells a single word from a phrase."""


@dataclass
class AnswerModel:
    """The trained weights with their labels, calibration temperature and decision thresholds."""

    mlp: Mlp
    labels: tuple[str, ...]
    temperature: float
    thresholds: dict[str, float]

    @classmethod
    def load(cls, path: Path | None = None) -> "AnswerModel":
        """The weights in ``path`` (default: the shipped ``answers.npz``), checked for shape."""
        path = path or MODEL_FILE
        if not path.is_file():
            raise AnswerModelError(f"the answer recogniser's weights {path} are missing; {RESTORE_HINT}")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                mlp = Mlp(*(z[k] for k in ("mean", "scale", "w1", "b1", "w2", "b2")))
        except (OSError, ValueError, KeyError) as exc:
            raise AnswerModelError(f"the answer recogniser's weights {path} are damaged ({exc}); {RESTORE_HINT}") from exc
        if mlp.w2.shape[1] != len(meta["labels"]):
            raise AnswerModelError(f"the answer recogniser's weights {path} do not match their labels; {RESTORE_HINT}")
        return cls(mlp, tuple(meta["labels"]), float(meta["temperature"]), dict(meta["thresholds"]))

    def save(self, path: Path, extra: dict | None = None) -> None:
        """Weights and metadata (labels, calibration, thresholds, figures) in one .npz file."""
        meta = {"labels": list(self.labels), "temperature": self.temperature, "thresholds": self.thresholds,
                **(extra or {})}
        m = self.mlp
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), mean=m.mean, scale=m.scale,
                            w1=m.w1, b1=m.b1, w2=m.w2, b2=m.b2)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities for one feature vector (or a batch)."""
        return softmax(self.mlp.logits(features), self.temperature)

    def narrowed(self, probs: np.ndarray, allowed: Sequence[str]) -> tuple[str, float]:
        """The best allowed word and its probability (see :func:`narrow`)."""
        return narrow(self.labels, probs, allowed)

    def words(self) -> tuple[str, ...]:
        """The words it can hear (every label but none)."""
        return tuple(w for w in self.labels if w != NONE)


class AnswerClassifier:
    """Front end plus classifier: int16 16 kHz audio of one answer -> :class:`Classified`."""

    def __init__(self, model: AnswerModel | None = None, embedder: object | None = None):
        from assistant.speech.embedding import SpeechEmbedder

        self.model = model or AnswerModel.load()
        self.embedder = embedder or SpeechEmbedder()

    def features(self, samples: np.ndarray, span: Span | None = None) -> np.ndarray:
        """The pooled embedding of the answer window of ``samples``."""
        return pooled(self.embedder.embed(answer_window(samples, span)))  # type: ignore[attr-defined]

    def classify(self, samples: np.ndarray, allowed: Sequence[str]) -> Classified:
        """Which of the ``allowed`` words ``samples`` is, or none; audio with no speech is none."""
        span = speech_span(samples)
        if span.end <= span.start:
            return Classified(NONE, 1.0, span)
        probs = self.model.probabilities(self.features(samples, span))
        label, conf = self.model.narrowed(probs, allowed)
        return Classified(label, conf, word_span(samples))
