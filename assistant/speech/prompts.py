"""Everything BackCheck says that is known before anyone answers, read from ``intents/`` (never written here).

Used twice: the prompt cache prepares these sentences at start-up, and a test says every one of them
with the chosen voice. Placeholders (``{pain}``, ``{hours}``) are filled with example values for the
test; the cache takes only texts without them (a filled-in line is synthesised when it is said).
"""
from __future__ import annotations

import string
from collections.abc import Iterator

from assistant.nlu.language import Language
from assistant.speech.say_text import sentences

#: example values for the placeholders of dialog.yaml and triage.yaml, as the conversation fills them
EXAMPLES = {
    "pain": "6", "hours": "48", "since": "about 20 hours ago", "last": "Your last check-in was yesterday.",
    "topics": "numbness around your groin, buttocks or inner thighs", "topic": "sudden weakness in one leg",
    "n": "3", "why": "the disk is full", "value": "last night", "items": "about 20 hours ago, pain 6, normal",
    "when": "20 hours after the workout", "level": "normal", "quotes": '"last night", "slowly", "tight"',
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def spoken_texts(lang: Language) -> Iterator[tuple[str, str]]:
    """(where, text) for every fixed thing BackCheck may say, placeholders left in; the greeting first."""
    yield "line greeting", lang.lines["greeting"]
    for name, screen in lang.screens.items():
        yield f"screen {name} prompt", screen.prompt
        yield f"screen {name} reask", screen.reask
        yield f"screen {name} help", screen.help
    for slot, q in lang.questions.items():
        yield f"{slot} prompt", q.prompt
        yield f"{slot} reask", q.reask
        yield f"{slot} help", q.help
        if q.confirm:
            yield f"{slot} confirm", q.confirm
    for faq_id, (_, answer) in lang.faq.items():
        yield f"faq {faq_id}", answer
    for level, info in lang.levels.items():
        yield f"verdict {level} headline", info["headline"]
        yield f"verdict {level} action", info["action"]
        for i, advice in enumerate(lang.advice.get(level, ())):
            yield f"verdict {level} advice {i + 1}", advice
    yield "verdict disclaimer", lang.disclaimer
    for rule in lang.rules:
        yield f"reason {rule.id}", rule.reason[0].upper() + rule.reason[1:] + "."
    yield "reason unknown", str(lang.unknown_rule.get("reason", ""))
    yield "reason incomplete", str(lang.incomplete_rule.get("reason", ""))
    yield "reason normal", lang.normal_reason
    for key, line in lang.lines.items():
        if key not in ("greeting", "type_instead", "serve_start_again_phrases", "you_said", "and", "unknown_answer"):
            yield f"line {key}", line


def filled(text: str) -> str:
    """``text`` with its placeholders replaced by :data:`EXAMPLES` (as a check-in would fill them)."""
    return text.format(**{k: EXAMPLES.get(k, "two") for k in _fields(text)}) if _fields(text) else text


def prompt_sentences(lang: Language) -> list[str]:
    """The sentences to prepare: every fixed text without placeholders, cut as the mouth cuts it."""
    from assistant.voice.io import speakable

    out: list[str] = []
    for _, text in spoken_texts(lang):
        if not text or _fields(text):
            continue
        out += sentences(text) + sentences(speakable(text))
    return list(dict.fromkeys(out))
