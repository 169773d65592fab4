"""Cross-validation folds: a clip is only ever judged by a model that never trained on its speaker."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.speech.answer_model import Mlp
from assistant.training.corpus import Clip
from assistant.training.crossval import FOLDS, out_of_fold, speaker_fold, unheard_one_at_a_time


def _clips() -> list[Clip]:
    words = ["yes", "no", "go", "up", "left"]
    return [Clip(Path(f"{i}.wav"), words[i % 5], words[i % 5] if words[i % 5] in ("yes", "no", "left") else "none",
                 f"spk{i // 3}", "speech-commands") for i in range(60)]


def _mlp(n_in: int, n_out: int, bias: np.ndarray) -> Mlp:
    return Mlp(np.zeros(n_in, np.float32), np.ones(n_in, np.float32), np.zeros((n_in, 1), np.float32),
               np.zeros(1, np.float32), np.zeros((1, n_out), np.float32), bias.astype(np.float32))


def test_a_speaker_keeps_its_fold_and_folds_differ() -> None:
    clips = _clips()
    folds = {c.speaker: speaker_fold(c) for c in clips}
    assert all(speaker_fold(c) == folds[c.speaker] for c in clips)
    assert len(set(folds.values())) > 1 and set(folds.values()) <= set(range(FOLDS))


def test_out_of_fold_never_judges_a_clip_with_its_own_speakers_model() -> None:
    clips = _clips()
    x = np.zeros((len(clips), 4), np.float32)
    trained_on: list[np.ndarray] = []

    def fit(rows: np.ndarray) -> Mlp:
        trained_on.append(rows.copy())
        return _mlp(4, 2, np.array([len(trained_on), 0.0]))  # each model leaves its own mark

    probs = out_of_fold(x, clips, np.ones(len(clips), bool), fit, 1.0)
    assert len(trained_on) == FOLDS
    for i, c in enumerate(clips):
        k = speaker_fold(c)
        assert not trained_on[k][i]  # the model that judged clip i never trained on it
        expect = np.exp(k + 1) / (np.exp(k + 1) + 1)
        assert np.isclose(probs[i, 0], expect)


def test_each_distractor_word_is_left_out_of_its_own_training() -> None:
    clips = _clips()
    x = np.zeros((len(clips), 4), np.float32)
    labels = ("yes", "no", "left", "none")
    words = np.array([c.word for c in clips])

    def fit(rows: np.ndarray) -> Mlp:
        assert not rows[np.isin(words, ["go", "up"])].all()
        left_out = {w for w in ("go", "up") if not rows[words == w].any()}
        assert len(left_out) == 1
        # a model that answers "no" to everything: every unheard word is a false accept at yes/no
        return _mlp(4, 4, np.array([0.0, 5.0, 0.0, 0.0]))

    got = unheard_one_at_a_time(x, clips, np.ones(len(clips), bool), fit, 1.0, labels,
                                {"yes/no": ("yes", "no"), "left/right": ("left",)})
    assert set(got) == {"go", "up"}
    assert got["go"]["yes/no"] == {"accepted": 12, "of": 12}
    assert got["go"]["left/right"]["accepted"] == 0
