"""The examples the meaning model learns from, as (answer, label) pairs, gathered from intents/.

Why apart from training: the assistant reads them too. A description is taken as an answer only
when it lies nearer to its question's examples than to the things that answer no question
(``described.py``), and that comparison must use exactly the examples the heads were trained on.
"""
from __future__ import annotations

from assistant.nlu.language import Language
from assistant.nlu.meaning import OTHER, UNKNOWN


def slot_examples(lang: Language, slot: str) -> list[tuple[str, str]]:
    """(answer, label) pairs teaching one slot's head."""
    q = lang.questions[slot]
    pairs = [(text, value) for value, texts in lang.examples.get(slot, {}).items() for text in texts]
    for value, phrases in q.answers.items():
        label = ("yes" if value else "no") if q.kind == "yesno" else str(value)
        pairs += [(p, label) for p in phrases]
    if q.kind == "yesno":
        pairs += [(p, "yes") for p in lang.yes] + [(p, "no") for p in lang.no]
    pairs += [(p, UNKNOWN) for p in (*lang.unknown, *lang.not_yet)]
    return pairs


def topic_examples(lang: Language) -> list[tuple[str, str]]:
    """Which question an answer is about: each slot's examples and phrasings, and things that answer none.

    Why: a linear head always picks one of its own labels, so "purple", or "it woke me last night"
    said to the bladder question, would be read as some answer to it; the topic head tells them apart.
    """
    pairs = [(t, slot) for slot in lang.examples for t, label in slot_examples(lang, slot)
             if t not in lang.yes and t not in lang.no and t not in lang.unknown and t not in lang.not_yet]
    off = [*lang.off_topic, *(p for ps in lang.commands.values() for p in ps),
           *(p for asks, _ in lang.faq.values() for p in asks)]
    return pairs + [(t, OTHER) for t in off]
