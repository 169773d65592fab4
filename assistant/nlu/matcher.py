"""Find known phrases inside an utterance, tolerating typos and recognition slips.

Matching is token-exact through a first-word index (fast: the check-in must understand thousands
of utterances a second in the benchmark and feel instant on a Raspberry Pi); only words that are
not in the vocabulary are snapped to the nearest known word with rapidfuzz, so "tinglng" still
reads as "tingling" without letting "stab" turn into "stop".
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Hashable, Iterable, Sequence

from rapidfuzz import fuzz, process

from assistant.nlu.text import tokens

#: A misspelt word is snapped to a vocabulary word at or above this similarity (0-100).
TYPO_CUTOFF = 86
#: Words shorter than this are never corrected: too many short words look alike.
TYPO_MIN_LEN = 5


def stem(token: str) -> str:
    """Fold a plural or third-person 's' ("legs", "feels") so fewer phrasings need listing."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@dataclass(frozen=True)
class Match:
    """One phrase found in a clause."""

    label: Hashable  #: what the phrase stands for (a slot value, "yes", a command...)
    start: int
    end: int  #: exclusive
    negated: bool  #: a negator stands right before it ("not sharp")
    score: float  #: 1.0 for exact words, lower when a word was corrected
    phrase: tuple[str, ...]


class PhraseIndex:
    """A set of labelled phrases that can be found inside token lists."""

    def __init__(self, entries: Iterable[tuple[str, Hashable]]):
        by_first: dict[str, list[tuple[tuple[str, ...], Hashable]]] = {}
        vocab: set[str] = set()
        for text, label in entries:
            toks = tuple(stem(t) for t in tokens(text))
            if not toks:
                continue
            by_first.setdefault(toks[0], []).append((toks, label))
            vocab.update(toks)
        for cands in by_first.values():
            cands.sort(key=lambda c: -len(c[0]))
        self._by_first = by_first
        self.vocab = frozenset(vocab)
        self._vocab_list = sorted(vocab)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)

    def _correct_uncached(self, token: str) -> tuple[str, float]:
        if token in self.vocab or len(token) < TYPO_MIN_LEN or token.isdigit():
            return token, 1.0
        best = process.extractOne(token, self._vocab_list, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        if best is None:
            return token, 1.0
        return best[0], best[1] / 100.0

    def find(self, clause: Sequence[str], negators: frozenset[str] = frozenset()) -> list[Match]:
        """All non-overlapping phrases in one clause, longest first."""
        toks: list[str] = []
        scores: list[float] = []
        for t in clause:
            word, score = self._correct(stem(t))
            toks.append(word)
            scores.append(score)
        cands: list[tuple[int, int, tuple[str, ...], Hashable]] = []
        n = len(toks)
        for i, t in enumerate(toks):
            for phrase, label in self._by_first.get(t, ()):
                k = len(phrase)
                if i + k <= n and tuple(toks[i:i + k]) == phrase:
                    cands.append((i, k, phrase, label))
        cands.sort(key=lambda c: (-c[1], c[0]))
        used = [False] * n
        out: list[Match] = []
        for i, k, phrase, label in cands:
            if any(used[i:i + k]):
                continue
            for j in range(i, i + k):
                used[j] = True
            out.append(Match(label, i, i + k, False, min(scores[i:i + k]), phrase))
        if negators:
            out = [_with_negation(m, toks, used, negators) for m in out]
        out.sort(key=lambda m: m.start)
        return out


def _with_negation(m: Match, toks: list[str], used: list[bool], negators: frozenset[str]) -> Match:
    """A negator directly before a phrase flips it; "not"-like words reach up to three words back.

    "no" only counts right before the phrase, so "no it's all across" keeps "all across".
    """
    for back in range(1, 4):
        j = m.start - back
        if j < 0:
            break
        word = toks[j]
        if used[j]:
            break
        if word in negators and (word != "no" or back == 1):
            return Match(m.label, m.start, m.end, True, m.score, m.phrase)
    return m


def best_whole(text: str, choices: dict[str, Any], cutoff: float) -> tuple[Any, float] | None:
    """The entry whose phrase is most like the whole utterance, when similar enough (commands, questions)."""
    if not text:
        return None
    hit = process.extractOne(text, list(choices), scorer=fuzz.ratio, score_cutoff=cutoff)
    if hit is None:
        return None
    return choices[hit[0]], hit[1] / 100.0
