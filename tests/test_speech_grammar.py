"""Grammar building: normalisation, vocabulary checks and JSGF text that pocketsphinx accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.speech.grammar import build_jsgf, check_phrases, load_cmudict, normalize_phrase, normalize_phrases


def test_normalize_lowercases_and_strips_punctuation() -> None:
    assert normalize_phrase("  I Don’t KNOW! ") == "i don't know"
    assert normalize_phrases(["Yes", "yes.", "", "No"]) == ["yes", "no"]


def test_check_phrases_drops_phrases_with_unknown_words() -> None:
    known = {"yes", "no", "go", "back"}.__contains__
    c = check_phrases(["yes", "go back", "go zorp", "Nope"], known)
    assert c.kept == ["yes", "go back"]
    assert c.dropped == ["go zorp", "nope"]
    assert c.missing_words == ["zorp", "nope"]


def test_cmudict_folds_variants() -> None:
    from pocketsphinx import get_model_path

    d = load_cmudict(Path(get_model_path()) / "en-us" / "cmudict-en-us.dict")
    assert "yes" in d and "don't" in d
    assert len(d["the"]) >= 2  # the, the(2)


def test_jsgf_with_garbage_compiles_in_pocketsphinx() -> None:
    from pocketsphinx import Decoder

    text = build_jsgf(["yes", "i don't know"], garbage=["cat", "dog"], garbage_weight=1e-12)
    assert "<garbage> = cat | dog;" in text and "/1e-12/ <garbage>" in text
    d = Decoder(lm=None, loglevel="FATAL")
    d.add_jsgf_string("t", text)  # raises on a syntax error
    d.activate_search("t")


def test_empty_grammar_is_an_error() -> None:
    with pytest.raises(ValueError):
        build_jsgf([])
