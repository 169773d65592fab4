"""`backcheck train answers` reproduces the committed classifier's figures (model card).

Slow (about three and a half minutes on two cores): it extracts features of every shared recording
and its variants, one process per core, and trains two ensembles and two non-answer models.
Skipped where ../shared/speech is absent.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.speech.answer_model import MODEL_DIR, AnswerModel
from assistant.training.answers import ENSEMBLE, HELDOUT_FILE, train
from assistant.bench.corpus import shared_speech_dir

SPEECH = shared_speech_dir()
#: Percentage points a retrained figure may differ from the model card's (numeric noise across
#: machines and library versions; the same machine reproduces them exactly).
TOLERANCE = 3.0

pytestmark = [pytest.mark.speech,
              pytest.mark.skipif(SPEECH is None, reason="../shared/speech (real recordings) is not here")]


def _rates(figures: dict) -> dict[str, float]:
    out = {f"accuracy {q}": 100 * c["right"] / c["of"] for q, c in figures["accuracy"].items()}
    for kind, per_q in figures["false_accepts"].items():
        out.update({f"false accepts {kind} {q}": 100 * c["accepted"] / c["of"] for q, c in per_q.items()})
    out.update({f"named as non-answers: {kind}": 100 * c["named"] / c["of"]
                for kind, c in figures["non_answers_named"].items()})
    cv = figures.get("cross_validated", {"accuracy": {}, "false_accepts": {}})
    out.update({f"speaker folds: accuracy {q}": 100 * c["right"] / c["of"] for q, c in cv["accuracy"].items()})
    for kind, per_q in [*cv["false_accepts"].items(), *figures.get("unheard_one_at_a_time", {}).items()]:
        out.update({f"folds/unheard: false accepts {kind} {q}": 100 * c["accepted"] / c["of"]
                    for q, c in per_q.items()})
    return out


@pytest.mark.slow  # retrains the answer recogniser from the recordings: ~9 minutes
def test_retraining_reproduces_the_model_card(tmp_path: Path) -> None:
    card = json.loads(str(np.load(MODEL_DIR / HELDOUT_FILE)["meta"]))["figures"]
    figures = train(SPEECH, tmp_path, say=lambda _m: None)  # type: ignore[arg-type]
    want, got = _rates(card), _rates(figures)
    off = {k: (round(want[k], 1), round(got[k], 1)) for k in want if abs(want[k] - got[k]) > TOLERANCE}
    assert not off, off
    # what it wrote loads and is what a check-in would use
    model = AnswerModel.load(tmp_path / "answers.npz")
    assert model.words()[:4] == ("yes", "no", "left", "right")
    assert model.mlp.members == ENSEMBLE
    assert model.non_answers is not None and "go" in model.non_answers.words
    assert (tmp_path / "answers.md").read_text().startswith("# Answer recogniser: model card")
