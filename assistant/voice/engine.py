"""Choose and open the recogniser once, and say which one is in use (a person should know)."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.nlu.language import CONTRACT_SLOTS, Language
from assistant.voice.grammar import grammar_for_slot

REINSTALL = "reinstall it with `backcheck models download`"


def _say(message: str) -> None:
    print(f"backcheck: {message}", file=sys.stderr, flush=True)


def _vosk_problem(model_dir: Path, prove_loads: bool) -> str | None:
    """Why the Vosk model cannot be used, or None: its files, then (``prove_loads``) a load in a child process."""
    from assistant.model_store import verify_model

    problems = verify_model(model_dir, check_hashes=False, check_loads=prove_loads)
    return problems[0] if problems else None


def open_recognizer(settings: Settings, lang: Language, *, announce: bool = True, fallback: bool = False,
                    prove_loads: bool = False, slots: Sequence[str] = CONTRACT_SLOTS) -> Any | None:
    """The recogniser the settings ask for, or None after printing what to do.

    ``fallback``: when the Vosk model is damaged, missing or does not load, say why and use the engines
    that work (the answer classifier with the Whisper transcriber) instead of giving up; an always-on
    `serve` must not go deaf over a bad model. ``prove_loads``: load the model in a child process first,
    so a model that crashes Kaldi cannot take this process with it. ``slots``: the questions whose words
    the model is checked for (a warning names the words it lacks).
    """
    from assistant.speech.factory import make_recognizer
    from assistant.speech.recognizer import SpeechError

    engine = None if settings.engine == "auto" else settings.engine
    model_dir = settings.model_dir
    uses_vosk = engine in (None, "vosk")
    if model_dir is None and uses_vosk:
        from assistant.model_store import find_model

        model_dir = find_model(settings.model_search_dirs)
        if model_dir is None and engine is None:
            uses_vosk = False  # automatic choice: no Vosk model where the settings say to look
    if model_dir is not None and uses_vosk:
        problem = _vosk_problem(Path(model_dir), prove_loads)
        if problem is not None:
            if not fallback:
                _say(f"the Vosk model in {model_dir} is damaged or incomplete: {problem}. "
                     f"{REINSTALL[0].upper()}{REINSTALL[1:]}, or use `--engine sphinx`.")
                return None
            _say(f"the Vosk model in {model_dir} cannot be used ({problem}); listening with BackCheck's own "
                 f"recognisers instead. To use Vosk again, {REINSTALL}.")
            engine, uses_vosk = None, False
    notices: list[str] = []
    try:
        # automatic choice: the answer classifier with the Whisper transcriber (Vosk only where asked for)
        choice = engine if engine is not None else "auto"
        try:
            recognizer = make_recognizer(choice, model_dir if uses_vosk else None, notices)
        except SpeechError as exc:
            if not (fallback and uses_vosk):
                raise
            _say(f"{exc}; listening with BackCheck's own recognisers instead. To use Vosk again, {REINSTALL}.")
            recognizer = make_recognizer("auto", None, notices)
    except SpeechError as exc:
        _say(str(exc))
        return None
    for notice in notices:
        _say(notice)
    if announce:
        _say(f"speech recognition: {recognizer.engine} ({recognizer.model})")
        phrases = sorted({p for s in slots for p in grammar_for_slot(lang, s)})
        missing = recognizer.missing_words(phrases)
        if missing:
            shown = sorted(missing)
            more = f" and {len(shown) - 12} more" if len(shown) > 12 else ""
            words = "word" if len(shown) == 1 else "words"
            _say(f"the {recognizer.engine} model does not know {len(shown)} {words} of the answers "
                 f"(phrases with them are left out): {', '.join(shown[:12])}{more}")
    return recognizer
