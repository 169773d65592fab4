"""Which recogniser to build: the one place that knows every engine (issue #25).

Why its own module: the engines implement the interface in ``recognizer.py`` and import it; the
choice between them sits above both, so no engine imports another's factory and nothing cycles.
"""
from __future__ import annotations

from pathlib import Path

from assistant.speech.recognizer import REPO_MODELS_DIR, ModelNotFoundError, Recognizer, SpeechError, \
    find_vosk_model, user_models_dir

#: auto (default): answer classifier + Whisper, falling back to the fused grammar engine;
#: whisper: that engine or an error; answers: the classifier fused with pocketsphinx (the engine
#: before issue 22, for comparison); vosk / sphinx: a grammar recogniser alone.
ENGINES = ("auto", "whisper", "answers", "vosk", "sphinx")


def make_grammar_recognizer(engine: str | None = None, model_dir: Path | None = None,
                            fused: bool = False) -> Recognizer:
    """A grammar recogniser: Vosk when a Vosk model is given or installed, else pocketsphinx.

    ``engine`` "vosk" or "sphinx" forces one; a missing model raises
    :class:`ModelNotFoundError` saying how to get one. ``fused``: pocketsphinx for the fused
    engine, which rejects more out-of-grammar speech (see assistant/speech/rejection.py).
    """
    if engine == "sphinx" or (engine is None and model_dir is None and find_vosk_model() is None):
        from assistant.speech import rejection
        from assistant.speech.sphinx_engine import SphinxRecognizer

        if fused:
            return SphinxRecognizer(garbage_weight=rejection.FUSED_GARBAGE_WEIGHT)
        return SphinxRecognizer()
    path = find_vosk_model(model_dir)
    if path is None:
        raise ModelNotFoundError(
            "no Vosk model is installed (looked in "
            f"{REPO_MODELS_DIR} and {user_models_dir()}). "
            "Run `backcheck models download` to install one, or use `--engine sphinx`."
        )
    from assistant.speech.vosk_engine import VoskRecognizer

    return VoskRecognizer(path)


def make_transcribing_recognizer() -> Recognizer:
    """BackCheck's answer classifier with the Whisper transcriber (raises SpeechError saying what is wrong)."""
    from assistant.speech.answer_model import AnswerModelError
    from assistant.speech.embedding import FrontEndError
    from assistant.speech.transcriber import TranscriberError
    from assistant.speech.transcribing_engine import TranscribingRecognizer

    try:
        return TranscribingRecognizer()
    except (AnswerModelError, FrontEndError, TranscriberError) as exc:
        raise SpeechError(str(exc)) from exc


def make_recognizer(engine: str | None = None, model_dir: Path | None = None,
                    notices: list[str] | None = None) -> Recognizer:
    """Build a recogniser (see :data:`ENGINES`).

    Where the default's transcriber cannot load (a missing or damaged model file), it says so once
    in ``notices`` and fuses the answer classifier with the grammar recogniser (Vosk when a model is
    given or installed, else pocketsphinx); where the classifier cannot load either, the grammar
    recogniser alone.
    """
    if engine not in (None, *ENGINES):
        raise SpeechError(f"unknown speech engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine in ("vosk", "sphinx"):
        return make_grammar_recognizer(engine, model_dir)
    if engine in (None, "auto", "whisper"):
        try:
            return make_transcribing_recognizer()
        except SpeechError as exc:
            if engine == "whisper":
                raise
            if notices is not None:
                notices.append(f"{exc}. Whole phrases are understood less well until it is fixed")
    grammar = make_grammar_recognizer("sphinx" if engine == "answers" else None, model_dir, fused=True)
    from assistant.speech.answer_model import AnswerModelError
    from assistant.speech.embedding import FrontEndError
    from assistant.speech.fused_engine import FusedRecognizer

    try:
        return FusedRecognizer(grammar)
    except (AnswerModelError, FrontEndError) as exc:
        if notices is not None:
            notices.append(f"{exc}. Using {grammar.engine} alone for now: it mishears more.")
        return grammar
