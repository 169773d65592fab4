"""Open the mouth a spoken check-in uses: the chosen voice, its prepared prompts, the speaker.

One place for `backcheck`, `backcheck serve` and `backcheck demo`, so all three sound the same and
all three start preparing the questions before the first one is needed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from assistant.config import Settings
from assistant.nlu.language import Language

def open_mouth(settings: Settings, lang: Language, *, echo: TextIO | None = None,
               notice: Callable[[str], None] | None = None, prepare: bool = True) -> Any:
    """The speaker for spoken check-ins (a PrintMouth when there is none), its prompts being prepared.

    ``prepare`` starts synthesising every prompt not yet on disk on a background thread (the first
    run after an install or a change of voice or prompts); questions asked before it reaches them
    are synthesised on the spot.
    """
    from assistant.speech.prompt_cache import PromptCache
    from assistant.speech.prompts import prompt_sentences
    from assistant.speech.tts import make_mouth
    from assistant.speech.voices import load_voice

    speech = load_voice(settings.voice, settings.tts_rate, settings.tts_voice, notice)
    cache = PromptCache(speech, settings.voice_cache)
    mouth = make_mouth(settings.tts_rate, settings.tts_voice, settings.output_device, echo=echo, notice=notice,
                       speech=speech, cache=cache)
    if prepare and getattr(mouth, "cache", None) is cache:
        cache.prepare_in_background(prompt_sentences(lang))
    return mouth
