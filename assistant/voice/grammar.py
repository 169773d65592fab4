"""What a recogniser may hear while a question is open: phrases built from intents/.

A small model on a Raspberry Pi is accurate when it only has to choose among the answers that
make sense right now (the per-question grammar). The lists come from intents/ (each question's
phrasings, the yes/no/unknown words, numbers and times, commands), and whatever they recognise
is then read by the same understanding as typed text.
"""
from __future__ import annotations

import re

from assistant.dialog.conversation import Expectation
from assistant.nlu.language import Language

_SPOKEN = re.compile(r"[^a-z' ]+")


def _spoken(phrase: str) -> str:
    """Phrases as a recogniser's dictionary spells them: lower case, words only, digits spelt out."""
    words = phrase.lower().replace("1 ", "one ").replace(" 1", " one")
    words = _SPOKEN.sub(" ", words)
    words = re.sub(r"\b(cant|dont|doesnt|didnt|isnt|wont|havent|hasnt|couldnt|im|its|thats)\b",
                   lambda m: _APOSTROPHE[m.group(1)], words)
    return " ".join(words.split())


_APOSTROPHE = {"cant": "can't", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't",
               "wont": "won't", "havent": "haven't", "hasnt": "hasn't", "couldnt": "couldn't", "im": "i'm",
               "its": "it's", "thats": "that's"}


def _numbers(lang: Language) -> list[str]:
    q = lang.questions["pain_score"]
    low, high = q.value_range or (0, 10)
    scores = list(lang.number_words[int(low):int(high) + 1])
    return scores + [f"{s} out of ten" for s in scores] + ["mild", "moderate", "severe"]


def _durations(lang: Language) -> list[str]:
    out: list[str] = list(lang.relative)
    for unit, counts in lang.grammar_counts.items():
        singular = unit[:-1] if unit.endswith("s") else unit
        out += [f"a {singular}", f"a {singular} ago"]
        for c in counts:
            out += [f"{c} {unit}", f"{c} {unit} ago"]
    out += ["an hour ago", "half an hour ago", "a day and a half", "two and a half days"]
    return out


def _always(lang: Language) -> list[str]:
    """Commands, "I don't know", and one wording of each question a person may ask."""
    # only the short spoken lists here: the long command phrasings ("can you repeat that") were
    # prefixes that wrong answers ended in (real words understood 55 % with them, 59 % without)
    return list(lang.spoken["commands"]) + list(lang.spoken["unknown"]) + [asks[0] for asks, _ in lang.faq.values()]


_CACHE: dict[tuple[int, str | None, bool], tuple[str, ...]] = {}


def _phrases(lang: Language, slot: str | None, confirming: bool) -> tuple[str, ...]:
    key = (id(lang), slot, confirming)
    if key not in _CACHE:
        _CACHE[key] = _build(lang, slot, confirming)
    return _CACHE[key]


def _build(lang: Language, slot: str | None, confirming: bool) -> tuple[str, ...]:
    phrases: list[str] = []
    if slot is not None:
        q = lang.questions[slot]
        if confirming or q.kind == "yesno":
            phrases += list(lang.spoken["yes"]) + list(lang.spoken["no"])
        if not confirming:
            # every descriptive phrasing too (measured with pocketsphinx, 200 espeak-ng phrasings
            # from intents/ and the shared real recordings: the short spoken list alone 29 % / real
            # 59 % / false accepts 6.2 %; with the phrasings 65 % / 55 % / 4.4 %; adding the long
            # generic yes/no lists as well 70 % / 54 % / 5.8 %, and "yes" got lost more often)
            phrases += list(q.spoken) + [p for ps in q.answers.values() for p in ps]
            if q.kind == "number":
                phrases += _numbers(lang)
            elif q.kind == "duration":
                phrases += _durations(lang)
    phrases += _always(lang)
    return tuple(dict.fromkeys(s for s in (_spoken(p) for p in phrases) if s))


def grammar_for(lang: Language, expecting: Expectation) -> list[str]:
    """The phrases a recogniser should listen for while `expecting` is open (a screening question:
    the answers of every slot it covers, so "it's numb down there" is heard at the first screen)."""
    slots = expecting.slots or (expecting.slot,)
    merged = [p for slot in slots for p in _phrases(lang, slot, expecting.confirming)]
    return list(dict.fromkeys(merged))


def grammar_for_slot(lang: Language, slot: str) -> list[str]:
    """The phrases for the question that fills `slot` (used by `backcheck listen`)."""
    return list(_phrases(lang, slot, False))
