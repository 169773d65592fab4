"""How an answer is scored, and the naive keyword skill it is compared with.

Scoring follows the Picovoice speech-to-intent benchmark: an utterance counts only when the
intent and every slot are exactly right. The expected result of a spoken phrase is what the
understanding gives for the same phrase typed, so the benchmark measures what speech loses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.nlu.language import Language
from assistant.nlu.understand import ANSWER, Understander, Understanding


@dataclass(frozen=True)
class Outcome:
    """The part of an understanding that is scored: intent, slots, and which FAQ was asked."""

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    faq: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"intent": self.intent, "slots": dict(self.slots)}
        if self.faq:
            out["faq"] = self.faq
        return out


def outcome(u: Understanding) -> Outcome:
    """The scored part of an :class:`Understanding`."""
    return Outcome(u.intent, dict(u.slots), u.faq)


def is_correct(expected: Outcome, got: Outcome) -> bool:
    """Right only if the intent, every slot value, and the FAQ (if any) are exactly right."""
    return expected.intent == got.intent and expected.slots == got.slots and expected.faq == got.faq


def fills_slot(got: Outcome) -> bool:
    """A false accept: the utterance set some slot to a value (an answer where none was given)."""
    return got.intent == ANSWER and any(v is not None for v in got.slots.values())


def acts(got: Outcome) -> bool:
    """The utterance made the conversation do something other than re-ask (answer, command, FAQ)."""
    return got.intent not in ("unclear", "unknown") or fills_slot(got)


def expected_for(nlu: Understander, text: str, slot: str) -> Outcome:
    """What the understanding makes of the typed phrase: the reference for the spoken one."""
    return outcome(nlu.understand(text, slot))


# -- the naive skill --------------------------------------------------------------------------

_WORD = re.compile(r"[a-z']+")


class KeywordSkill:
    """A naive voice skill: free-form transcript, then exact keyword spotting.

    The transcript must contain a keyword verbatim: "yes"/"no" for yes/no questions, the value
    names for choices ("left", "sharp", "better"...), a number word for the pain score, a number
    word followed by "hour(s)"/"day(s)" for the time since the workout; a command or "i don't
    know" only when it is the whole transcript. Anything else is unclear.
    """

    def __init__(self, lang: Language):
        self.lang = lang
        self.numbers = {w: i for i, w in enumerate(lang.number_words[:21])}
        self.numbers.update({w: 10 * (i + 2) for i, w in enumerate(lang.number_words[20:])})
        self.commands = {" ".join(_WORD.findall(p.lower())): name for name, ps in lang.commands.items() for p in ps}

    def understand(self, transcript: str, slot: str) -> Outcome:
        words = _WORD.findall((transcript or "").lower())
        whole = " ".join(words)
        if not words:
            return Outcome("unclear")
        if whole in self.commands:
            return Outcome(self.commands[whole])
        if whole in ("i don't know", "i dont know", "don't know", "not sure", "i'm not sure"):
            return Outcome("unknown", {slot: None})
        q = self.lang.questions[slot]
        found: set[Any] = set()
        if q.kind == "yesno":
            found = {w == "yes" for w in words if w in ("yes", "no")}
        elif q.kind == "choice":
            found = {w for w in words if w in q.answers}
        elif q.kind == "number":
            lo, hi = q.value_range or (0, 10)
            found = {self.numbers[w] for w in words if w in self.numbers and lo <= self.numbers[w] <= hi}
        else:
            for a, b in zip(words, words[1:]):
                if a in self.numbers and b.rstrip("s") in ("hour", "day"):
                    found.add(float(self.numbers[a] * (24 if b.startswith("day") else 1)))
        if len(found) == 1:
            return Outcome(ANSWER, {slot: next(iter(found))})
        return Outcome("unclear")

