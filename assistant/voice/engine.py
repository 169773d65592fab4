"""Choose and open the recogniser once, and say which one is in use (a person should know)."""
from __future__ import annotations

import sys
from typing import Any

from assistant.config import Settings
from assistant.nlu.language import CONTRACT_SLOTS, Language
from assistant.voice.grammar import grammar_for_slot


def open_recognizer(settings: Settings, lang: Language, *, announce: bool = True) -> Any | None:
    """The recogniser the settings ask for, or None after printing what to do."""
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
        from assistant.model_store import verify_model

        problems = verify_model(model_dir, check_hashes=False)
        if problems:
            print(f"backcheck: the Vosk model in {model_dir} is damaged or incomplete: {problems[0]}. "
                  "Reinstall it with `backcheck models download`, or use `--engine sphinx`.", file=sys.stderr)
            return None
    notices: list[str] = []
    try:
        # automatic choice: the classifier with Whisper; should that fail, fused with Vosk where the
        # settings find a model, else with pocketsphinx
        choice = engine if engine is not None else "auto"
        recognizer = make_recognizer(choice, model_dir if uses_vosk else None, notices)
    except SpeechError as exc:
        print(f"backcheck: {exc}", file=sys.stderr)
        return None
    for notice in notices:
        print(f"backcheck: {notice}", file=sys.stderr)
    if announce:
        print(f"backcheck: speech recognition: {recognizer.engine} ({recognizer.model})", file=sys.stderr)
        phrases = sorted({p for s in CONTRACT_SLOTS for p in grammar_for_slot(lang, s)})
        missing = recognizer.missing_words(phrases)
        if missing:
            shown = sorted(missing)
            more = f" and {len(shown) - 12} more" if len(shown) > 12 else ""
            print(f"backcheck: the {recognizer.engine} model does not know {len(shown)} words of the answers "
                  f"(phrases with them are left out): {', '.join(shown[:12])}{more}", file=sys.stderr)
    return recognizer
