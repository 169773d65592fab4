"""A last look before asking again: Whisper asked which of the question's words the answer starts with.

Why: in a noisy room the two ears often fail apart. Whisper writes the room ("Thank you.", other
people's words) or the word while the classifier names another one ("four" against "zero"), and the
answer is asked again. Scored on the question's one-word answers only, from one decoder step, Whisper
still ranks the word said first far more often than its free transcript writes it: on every held-out
real one-word clip whose answer was going to be asked again (docs/benchmarks.md), a first word at
least :data:`MIN_LOGPROB` likely and :data:`MARGIN` ahead of the next was right every time.

What it may never do (each rule measured on the probes that must answer nothing):
- take "no" at a yes/no question: a wrong "no" hides a warning sign, so a "no" must be heard plainly;
- overrule the classifier's sure "that was another word" ("on", "tree": Whisper writes "one, one"
  and "three, three" for them as surely as for the real words), or a command ("stop");
- decide where the classifier and the transcript heard opposite yes/no answers (asked again);
- read a phrase: only an answer the classifier measured as one word is chosen for.
A word chosen here keeps a transcript's confidence, so a warning sign is read back before it counts.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

from assistant.speech.answer_model import NOISE, NONE, Classified
from assistant.speech.early_end import MAX_WORD_S
from assistant.speech.transcriber import number_words

#: The first word must be at least this likely (natural log, over Whisper's whole vocabulary) ...
MIN_LOGPROB = -1.5
#: ... and this far ahead of the next answer word (natural log: 2.5 is about twelve times as likely).
MARGIN = 2.5
#: Never chosen here, whatever Whisper ranks first (see the module's docstring).
NEVER_CHOSEN = ("no", "stop")
#: Ways Whisper writes an answer word as one token ("Yeah", "6") beside the word itself.
OTHER_SPELLINGS: dict[str, tuple[str, ...]] = {"yes": ("yeah", "yep"), "no": ("nope", "nah")}
_NUMBERS = [number_words(n) for n in range(11)]


def spellings(words: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each one-word answer with the ways it is written: as said, capitalised, as a digit."""
    out: dict[str, tuple[str, ...]] = {}
    for w in words:
        ways = [w, *OTHER_SPELLINGS.get(w, ())]
        ways += [x.capitalize() for x in ways]
        if w in _NUMBERS:
            ways.append(str(_NUMBERS.index(w)))
        out[w] = tuple(ways)
    return out


def worth_a_look(word: Classified | None, thresholds: Mapping[str, float], polarity: str | None,
                 yes_no: bool, undecided: bool) -> bool:
    """Whether an answer may be chosen for. ``undecided``: it was about to be asked again, or to be
    passed on as a transcript that holds no answer to the question (the room's words) or answer words
    one by one ("one, two, three": other people counting)."""
    if not undecided or word is None or word.span.seconds > MAX_WORD_S or word.label in NEVER_CHOSEN:
        return False  # decided, a phrase, a question the classifier has no words for, or a command
    if word.label == NONE and word.distractor not in ("", NOISE) and (
            word.confidence >= thresholds["none_veto"] or word.distractor_confidence >= thresholds["distractor"]):
        return False  # the classifier is sure it was a word that answers nothing
    if yes_no and (polarity == "no" or (word.label in ("yes", "no") and polarity not in (None, word.label))):
        return False
    return True


def chosen(scores: Mapping[str, float], allowed: Sequence[str]) -> tuple[str, float] | None:
    """The word ranked clearly first among ``scores`` (every one-word answer to the question) and
    its confidence, if it is one the classifier knows (``allowed``) and may be chosen; else None."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if len(ranked) < 2:
        return None
    (best, logp), (_, second) = ranked[0], ranked[1]
    if logp < MIN_LOGPROB or logp - second < MARGIN or best not in allowed or best in NEVER_CHOSEN:
        return None
    return best, math.exp(logp)
