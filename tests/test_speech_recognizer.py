"""Engine choice, model discovery and the in-memory source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.audio.sources import PcmSource
from assistant.speech import recognizer as api
from assistant.speech.recognizer import (
    ModelNotFoundError,
    Recognizer,
    SpeechError,
    find_vosk_model,
)
from assistant.speech.factory import make_recognizer


@pytest.fixture()
def no_installed_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(api, "REPO_MODELS_DIR", tmp_path / "repo-models")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


def test_auto_choice_is_the_classifier_with_whisper(no_installed_models: Path) -> None:
    rec = make_recognizer()
    assert rec.engine == "answers+whisper" and isinstance(rec, Recognizer)
    assert make_recognizer("answers").engine == "answers+sphinx"
    assert make_recognizer("sphinx").engine == "sphinx"


def test_forced_vosk_without_model_says_how_to_get_one(no_installed_models: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="backcheck models download"):
        make_recognizer("vosk")


def test_bad_model_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="backcheck models download"):
        make_recognizer("vosk", tmp_path)


def test_unknown_engine() -> None:
    with pytest.raises(SpeechError, match="vosk"):
        make_recognizer("kaldi")


def test_finds_model_in_xdg_dir(no_installed_models: Path) -> None:
    model = no_installed_models / "xdg" / "backcheck" / "models" / "vosk-small"
    (model / "conf").mkdir(parents=True)
    (model / "conf" / "model.conf").write_text("--beam=10\n")
    assert find_vosk_model() == model


def test_wrong_rate_source_is_refused() -> None:
    class Src(PcmSource):
        sample_rate = 8000

    rec = make_recognizer("sphinx")
    with pytest.raises(SpeechError, match="16000"):
        rec.recognize(Src(np.zeros(8000, np.int16)), ["yes"])
