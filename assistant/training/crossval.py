"""Figures beyond the one held-out split: every speaker held out once, each distractor word unheard once.

Why: the held-out split has 90 yes/no clips, so one clip moves its accuracy by 1.1 points, and
its never-seen words are mostly one word ("down", 271 of 315 clips). Five speaker folds judge
every speaker's answers with a model that never heard that speaker; training without each
distractor word in turn shows which kinds of unheard words get through (those that sound like an
answer: "go" like "no", "on" like "one") and which do not. Only the classifier alone: the fused
engine is judged by ``backcheck bench`` on the held-out model.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Sequence

import numpy as np

from assistant.speech.answer_model import NONE, Mlp, narrow, softmax
from assistant.training.corpus import DISTRACTOR_WORDS, Clip

FOLDS = 5
#: (rows to train on) -> the fitted classifier; the caller's training recipe.
Fit = Callable[[np.ndarray], Mlp]


def speaker_fold(clip: Clip, folds: int = FOLDS) -> int:
    """The fold a clip's speaker belongs to, the same on every machine (a hash of the speaker id)."""
    return hashlib.sha256(f"fold:{clip.speaker}".encode()).digest()[0] % folds


def out_of_fold(features: np.ndarray, clips: Sequence[Clip], trainable: np.ndarray, fit: Fit,
                temperature: float) -> np.ndarray:
    """Each clip's class probabilities from the model trained on the other folds' speakers."""
    folds = np.array([speaker_fold(c) for c in clips])
    per_fold = [softmax(fit(trainable & (folds != k)).logits(features), temperature) for k in range(FOLDS)]
    return np.stack(per_fold)[folds, np.arange(len(clips))]


def unheard_one_at_a_time(features: np.ndarray, clips: Sequence[Clip], trainable: np.ndarray, fit: Fit,
                          temperature: float, labels: Sequence[str],
                          questions: dict[str, tuple[str, ...]]) -> dict[str, dict[str, dict[str, int]]]:
    """For each distractor word the ``trainable`` rows hold: trained without it, how often it is an answer.

    Every recording of the word counts (no model here heard it); each is asked at every question.
    """
    words = np.array([c.word for c in clips])
    out: dict[str, dict[str, dict[str, int]]] = {}
    for word in DISTRACTOR_WORDS:
        if not (trainable & (words == word)).any():
            continue  # already never heard (a held-out word): the main figures cover it
        mine = words == word
        probs = softmax(fit(trainable & ~mine).logits(features[mine]), temperature)
        out[word] = {q: {"accepted": int(sum(narrow(labels, p, allowed)[0] != NONE for p in probs)),
                         "of": int(mine.sum())} for q, allowed in questions.items()}
    return out
