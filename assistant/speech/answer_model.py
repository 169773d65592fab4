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

from assistant.speech.answer_audio import Span, answer_window, search_excerpt, speech_span, word_span

MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODEL_DIR / "answers.npz"
NONE = "none"
#: The non-answer model's class for sounds that are no word at all (noise, silence, a clank).
NOISE = "noise"
_MLP_KEYS = ("mean", "scale", "w1", "b1", "w2", "b2")
RESTORE_HINT = ("restore it with `git checkout assistant/speech/models/answers.npz` (or reinstall backcheck), "
                "or retrain it with `backcheck train answers`")


@dataclass
class Mlp:
    """Weights of input -> ReLU hidden layer -> class logits, with the input standardisation.

    Each array may have a leading axis of ensemble members (see :meth:`stack`); the logits are
    then the members' mean. Why an ensemble: one perceptron's yes/no accuracy on held-out speakers
    ranged from 91 to 97 % with its random seed alone (simulated, seeds 1-4); a mean of five is
    steadier.
    """

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    @classmethod
    def stack(cls, members: Sequence[Mlp]) -> Mlp:
        """One ensemble of perceptrons that share their input and classes."""
        return cls(*(np.stack([getattr(m, k) for m in members]) for k in _MLP_KEYS))

    @property
    def members(self) -> int:
        return 1 if self.w1.ndim == 2 else self.w1.shape[0]

    def logits(self, x: np.ndarray) -> np.ndarray:
        arrays = [getattr(self, k) for k in _MLP_KEYS]
        per_member = [arrays] if self.w1.ndim == 2 else zip(*arrays)
        return sum(_forward(x, *weights) for weights in per_member) / self.members


def _forward(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
             b2: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, ((x - mean) / scale) @ w1 + b1) @ w2 + b2


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


@dataclass
class NonAnswerModel:
    """A second small classifier that names the words it knows answer nothing ("go", "up", "off").

    Why: the answer classifier lumps every other sound into "none", which is right for its own
    decision but cannot tell the grammar recogniser "that was 'go', not 'both'". Pocketsphinx takes
    such words for its nearest grammar phrase; naming them lets the fused engine drop that phrase.
    Folding these classes into the answer classifier itself cost accuracy and rejection of words
    never trained on (simulated fusion, held-out speakers: left/right 95.3 -> 92.9 %, never-seen
    words accepted 16.5 -> 21.4 %), so it is a model of its own.
    """

    mlp: Mlp
    labels: tuple[str, ...]
    temperature: float
    words: tuple[str, ...]
    """The labels that are real words answering nothing (the others: noise, near-misses, answers)."""

    def noise_probability(self, features: np.ndarray) -> np.ndarray:
        """For each row of ``features``, how likely it is no word at all (noise, silence, a clank)."""
        return softmax(self.mlp.logits(features), self.temperature)[..., self.labels.index(NOISE)]

    def heard(self, features: np.ndarray) -> tuple[str, float]:
        """The non-answer word most likely said and its probability, or ("", 0.0) if none leads."""
        p = softmax(self.mlp.logits(features), self.temperature)
        i = int(np.argmax(p))
        return (self.labels[i], float(p[i])) if self.labels[i] in self.words else ("", 0.0)


class AnswerModelError(Exception):
    """The classifier file is missing or damaged; the message names it and says how to restore it."""


def pooled(embeddings: np.ndarray) -> np.ndarray:
    """One feature vector per answer: mean and max of its embeddings over time."""
    return np.concatenate([embeddings.mean(axis=0), embeddings.max(axis=0)]).astype(np.float32)


def sliding_pooled(embeddings: np.ndarray, width: int) -> np.ndarray:
    """:func:`pooled` features of every run of ``width`` consecutive embeddings, one row each."""
    runs = np.lib.stride_tricks.sliding_window_view(embeddings, width, axis=0)  # (n, dim, width)
    return np.concatenate([runs.mean(axis=-1), runs.max(axis=-1)], axis=1).astype(np.float32)


@dataclass(frozen=True)
class Classified:
    """The classifier's view of one answer, already narrowed to the open question."""

    label: str
    """The most likely allowed word, or ``none``."""
    confidence: float
    """Probability of ``label`` among the allowed words and none (other words left out; see narrow)."""
    span: Span
    """The loudest stretch of speech; its length tells a single word from a phrase."""
    distractor: str = ""
    """When ``label`` is none: a word known to answer nothing that leads (e.g. "go"), else ""."""
    distractor_confidence: float = 0.0


@dataclass
class AnswerModel:
    """The trained weights with their labels, calibration temperature and decision thresholds."""

    mlp: Mlp
    labels: tuple[str, ...]
    temperature: float
    thresholds: dict[str, float]
    non_answers: NonAnswerModel | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> "AnswerModel":
        """The weights in ``path`` (default: the shipped ``answers.npz``), checked for shape."""
        path = path or MODEL_FILE
        if not path.is_file():
            raise AnswerModelError(f"the answer recogniser's weights {path} are missing; {RESTORE_HINT}")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                mlp = Mlp(*(z[k] for k in _MLP_KEYS))
                na = meta.get("non_answers")
                non_answers = None if na is None else NonAnswerModel(
                    Mlp(*(z["na_" + k] for k in _MLP_KEYS)), tuple(na["labels"]), float(na["temperature"]),
                    tuple(na["words"]))
        except (OSError, ValueError, KeyError) as exc:
            raise AnswerModelError(f"the answer recogniser's weights {path} are damaged ({exc}); {RESTORE_HINT}") from exc
        shapes = [(mlp, meta["labels"])] + ([(non_answers.mlp, non_answers.labels)] if non_answers else [])
        if any(m.w2.shape[-1] != len(labels) or m.w1.ndim != m.mean.ndim + 1 for m, labels in shapes):
            raise AnswerModelError(f"the answer recogniser's weights {path} do not match their labels; {RESTORE_HINT}")
        return cls(mlp, tuple(meta["labels"]), float(meta["temperature"]), dict(meta["thresholds"]), non_answers)

    def save(self, path: Path, extra: dict | None = None) -> None:
        """Weights and metadata (labels, calibration, thresholds, figures) in one .npz file."""
        meta = {"labels": list(self.labels), "temperature": self.temperature, "thresholds": self.thresholds,
                **(extra or {})}
        arrays = {k: getattr(self.mlp, k) for k in _MLP_KEYS}
        na = self.non_answers
        if na is not None:
            meta["non_answers"] = {"labels": list(na.labels), "temperature": na.temperature, "words": list(na.words)}
            arrays.update({"na_" + k: getattr(na.mlp, k) for k in _MLP_KEYS})
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)

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
        return pooled(self._window_embeddings(samples, span))

    def _window_embeddings(self, samples: np.ndarray, span: Span | None) -> np.ndarray:
        return self.embedder.embed(answer_window(samples, span))  # type: ignore[attr-defined]

    def most_wordlike(self, samples: np.ndarray, span: Span, width: int) -> np.ndarray | None:
        """Features of the window in ``span`` that the non-answer model finds least like noise.

        Why: the window is centred on the loudest stretch, and in a gym that can be a clank or a
        beat of music beside the word. The non-answer model's "noise" class is then a learned voice
        detector: choosing where it hears a word (any word, answer or not), and deciding only
        there, finds the word without giving a word that answers nothing more chances to pass as
        an answer. ``width``: embeddings per answer window. None when the model has no noise class.
        """
        na = self.model.non_answers
        if na is None or NOISE not in na.labels:
            return None
        # the excerpt is at least one window long, so it has at least ``width`` embeddings
        embeddings = self.embedder.embed(search_excerpt(samples, span))  # type: ignore[attr-defined]
        windows = sliding_pooled(embeddings, width)
        return windows[int(np.argmin(na.noise_probability(windows)))]

    def classify(self, samples: np.ndarray, allowed: Sequence[str], search: bool = True) -> Classified:
        """Which of the ``allowed`` words ``samples`` is, or none; audio with no speech is none.

        A window the classifier is sure of stands; otherwise, with ``search``, it looks again where
        the word most likely is (:meth:`most_wordlike`; about twice the front end's work).
        """
        span = speech_span(samples)
        if span.end <= span.start:
            return Classified(NONE, 1.0, span)
        centred = self._window_embeddings(samples, span)
        features = pooled(centred)
        label, conf = self.model.narrowed(self.model.probabilities(features), allowed)
        if search and (label == NONE or conf < self.model.thresholds.get("alone", 1.0)):
            found = self.most_wordlike(samples, span, width=len(centred))
            if found is not None:
                features = found
                label, conf = self.model.narrowed(self.model.probabilities(features), allowed)
        other, other_conf = ("", 0.0)
        if label == NONE and self.model.non_answers is not None:
            other, other_conf = self.model.non_answers.heard(features)
        return Classified(label, conf, word_span(samples), other, other_conf)
