"""Find known phrases inside an utterance, tolerating typos and recognition slips.

Matching is token-exact through a first-word index (fast: the check-in must understand thousands
of utterances a second in the benchmark and feel instant on a Raspberry Pi); only words that are
not in the vocabulary are snapped to the nearest known word with rapidfuzz, so "tinglng" still
reads as "tingling" without letting "stab" turn into "stop".
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Hashable, Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from assistant.nlu.text import tokens

#: A misspelt word is snapped to a vocabulary word at or above this similarity (0-100).
TYPO_CUTOFF = 86
#: Words shorter than this are never corrected: too many short words look alike.
TYPO_MIN_LEN = 5


#: A loose (any-order) match may spread over its content words plus this many other words.
LOOSE_SLACK = 4
#: Loose matches are a little less sure than phrases said word for word.
LOOSE_SCORE = 0.95


def stem(token: str) -> str:
    """Fold a plural or third-person 's' ("legs", "feels") so fewer phrasings need listing."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def light_stem(token: str) -> str:
    """Fold -s, -ing, -ed and a final e ("stabs", "stabbing", "stabbed" -> "stab"; "ache", "aching" -> "ach").

    Deliberately crude and symmetric (phrases and answers go through it alike), so it only has to
    make forms of one word meet, never produce a real lemma. Irregular forms ("woke") come from data.
    """
    if len(token) <= 3 or token.isdigit():
        return token
    t = stem(token)
    for suffix in ("ing", "ed"):
        if t.endswith(suffix) and len(t) - len(suffix) >= 3:
            t = t[:-len(suffix)]
            if t[-1] == t[-2] and t[-1] not in "lsfz":  # "stabb" -> "stab"
                t = t[:-1]
            break
    if t.endswith("e") and len(t) > 3:
        t = t[:-1]
    return t


class WordFolder:
    """One form per word for matching: irregular forms and synonyms (data) first, then light_stem."""

    def __init__(self, forms: Mapping[str, str] | None = None):
        self.forms = dict(forms or {})
        self._fold = lru_cache(maxsize=16384)(self._fold_uncached)

    def _fold_uncached(self, token: str) -> str:
        return light_stem(self.forms.get(token, token))

    def __call__(self, token: str) -> str:
        return self._fold(token)


@dataclass(frozen=True)
class Match:
    """One phrase found in a clause."""

    label: Hashable  #: what the phrase stands for (a slot value, "yes", a command...)
    start: int
    end: int  #: exclusive
    negated: bool  #: a negator stands right before it ("not sharp")
    score: float  #: 1.0 for exact words, lower when a word was corrected or the order differed
    phrase: tuple[str, ...]
    exact: bool = True  #: the phrase's words in its own order, side by side (not a loose match)
    negator: str = ""  #: the word that negated it, when `negated`


class PhraseIndex:
    """A set of labelled phrases that can be found inside token lists."""

    def __init__(self, entries: Iterable[tuple[str, Hashable]], fold: Callable[[str], str] = stem,
                 minor: Iterable[str] = (), loose: bool = False):
        """`fold` maps each word to its matching form; with `loose`, phrases with two or more words
        outside `minor` (little words like "my", "is") also match in any order, a few words apart."""
        self._fold = fold
        minor_set = frozenset(fold(w) for w in minor)
        by_first: dict[str, list[tuple[tuple[str, ...], Hashable]]] = {}
        by_word: dict[str, list[tuple[frozenset[str], tuple[str, ...], Hashable]]] = {}
        vocab: set[str] = set()
        spelt: set[str] = set()
        for text, label in entries:
            raw = tokens(text)
            toks = tuple(fold(t) for t in raw)
            if not toks:
                continue
            by_first.setdefault(toks[0], []).append((toks, label))
            vocab.update(toks)
            spelt.update(raw)
            content = frozenset(t for t in toks if t not in minor_set)
            if loose and len(content) >= 2:
                by_word.setdefault(min(content), []).append((content, toks, label))
        for cands in by_first.values():
            cands.sort(key=lambda c: -len(c[0]))
        self._by_first = by_first
        self._by_word = by_word
        self.vocab = frozenset(vocab)
        self._spelt_list = sorted(spelt)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)

    def _correct_uncached(self, token: str) -> tuple[str, float]:
        """The matching form of a said word, snapping a misspelling to a word the phrases use."""
        folded = self._fold(token)
        if folded in self.vocab or len(token) < TYPO_MIN_LEN or token.isdigit():
            return folded, 1.0
        best = process.extractOne(token, self._spelt_list, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        if best is None:
            return folded, 1.0
        return self._fold(best[0]), best[1] / 100.0

    def find(self, clause: Sequence[str], negators: frozenset[str] = frozenset()) -> list[Match]:
        """All non-overlapping phrases in one clause, longest first."""
        toks: list[str] = []
        scores: list[float] = []
        for t in clause:
            word, score = self._correct(t)
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
        if self._by_word:
            out += self._loose(toks, scores, used)
        if negators:
            out = [_with_negation(m, toks, used, negators) for m in out]
        out.sort(key=lambda m: m.start)
        return out

    def _loose(self, toks: list[str], scores: list[float], used: list[bool]) -> list[Match]:
        """Phrases whose content words all stand close together, in any order ("weak feeling in my leg")."""
        free: dict[str, list[int]] = {}
        for i, t in enumerate(toks):
            if not used[i]:
                free.setdefault(t, []).append(i)
        found: list[Match] = []
        for word in sorted(free):
            for content, phrase, label in self._by_word.get(word, ()):
                if not all(w in free for w in content):
                    continue
                span = _tightest(content, free)
                if span is None or span[1] - span[0] > len(content) + LOOSE_SLACK:
                    continue
                at = [i for w in content for i in free[w] if span[0] <= i < span[1]]
                if any(used[i] for i in at):
                    continue
                for i in at:
                    used[i] = True
                score = LOOSE_SCORE * min(scores[i] for i in at)
                found.append(Match(label, span[0], span[1], False, score, phrase, exact=False))
        return found


def _tightest(content: frozenset[str], free: dict[str, list[int]]) -> tuple[int, int] | None:
    """The shortest stretch [start, end) of the clause holding every content word at least once."""
    best: tuple[int, int] | None = None
    for anchor in sorted({i for w in content for i in free[w]}):
        end = anchor
        for w in content:
            later = [i for i in free[w] if i >= anchor]
            if not later:
                break
            end = max(end, later[0])
        else:
            if best is None or end + 1 - anchor < best[1] - best[0]:
                best = (anchor, end + 1)
    return best


def _with_negation(m: Match, toks: list[str], used: list[bool], negators: frozenset[str]) -> Match:
    """A negator directly before a phrase flips it; "not"-like words reach up to three words back.

    "no" only counts right before the phrase, so "no it's all across" keeps "all across". A loose
    match is also negated by a "not"-like word inside its stretch ("my leg is not weak").
    """
    if not m.exact and any(toks[j] in negators and toks[j] != "no" and toks[j] not in m.phrase
                           for j in range(m.start, m.end)):
        word = next(toks[j] for j in range(m.start, m.end) if toks[j] in negators and toks[j] != "no")
        return Match(m.label, m.start, m.end, True, m.score, m.phrase, False, word)
    for back in range(1, 4):
        j = m.start - back
        if j < 0:
            break
        word = toks[j]
        if used[j]:
            break
        listed = word == "no" and any(toks[k] in _LIST_WORDS for k in range(j + 1, m.start))
        if word in negators and (word != "no" or back == 1 or listed):  # "no numbness or tingling"
            return Match(m.label, m.start, m.end, True, m.score, m.phrase, m.exact, word)
    return m


#: Words that carry a "no" across a list: "no numbness or tingling", "no pain nor weakness".
_LIST_WORDS = frozenset({"or", "nor"})


def best_whole(text: str, choices: dict[str, Any], cutoff: float) -> tuple[Any, float] | None:
    """The entry whose phrase is most like the whole utterance, when similar enough (commands, questions)."""
    if not text:
        return None
    hit = process.extractOne(text, list(choices), scorer=fuzz.ratio, score_cutoff=cutoff)
    if hit is None:
        return None
    return choices[hit[0]], hit[1] / 100.0
