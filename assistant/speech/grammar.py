"""Per-question grammars: phrase normalisation, vocabulary checks, JSGF text.

Why: while a question is open the recogniser listens only for the phrases
that can answer it. Those phrases come from intents/ data, so they must be
normalised the way the engines spell words, and words an engine cannot
pronounce must be dropped (and reported) rather than crash the decoder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

_KEEP = re.compile(r"[^\w' ]+", re.UNICODE)


def normalize_phrase(phrase: str) -> str:
    """Lowercase, drop punctuation except apostrophes, collapse spaces."""
    text = _KEEP.sub(" ", phrase.lower().replace("’", "'"))
    return " ".join(text.split())


def normalize_phrases(phrases: Iterable[str]) -> list[str]:
    """Normalised, de-duplicated, order kept, empties dropped."""
    seen: dict[str, None] = {}
    for p in phrases:
        n = normalize_phrase(p)
        if n:
            seen.setdefault(n, None)
    return list(seen)


@dataclass
class GrammarCheck:
    """Phrases split by whether the engine knows every word."""

    kept: list[str]
    dropped: list[str]
    missing_words: list[str]


def check_phrases(phrases: Sequence[str], known: Callable[[str], bool]) -> GrammarCheck:
    """Keep phrases whose words are all ``known``; report the rest."""
    kept: list[str] = []
    dropped: list[str] = []
    missing: dict[str, None] = {}
    for phrase in normalize_phrases(phrases):
        bad = [w for w in phrase.split() if not known(w)]
        if bad:
            dropped.append(phrase)
            for w in bad:
                missing.setdefault(w, None)
        else:
            kept.append(phrase)
    return GrammarCheck(kept, dropped, list(missing))


@lru_cache(maxsize=4)
def load_cmudict(path: Path) -> dict[str, tuple[str, ...]]:
    """Word -> pronunciations from a CMU-style dictionary (``word(2)`` variants folded)."""
    prons: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = re.sub(r"\(\d+\)$", "", parts[0]).lower()
            prons.setdefault(word, []).append(" ".join(parts[1:]))
    return {w: tuple(p) for w, p in prons.items()}


def jsgf_token(word: str) -> str:
    """Quote words JSGF would otherwise misread (apostrophes are fine unquoted in sphinx)."""
    return f'"{word}"' if re.search(r"[^\w']", word) else word


def build_jsgf(
    phrases: Sequence[str],
    garbage: Sequence[str] = (),
    garbage_weight: float = 1e-12,
    name: str = "answers",
) -> str:
    """JSGF text: one public rule with the phrases, plus an optional ``<garbage>``
    alternative of filler words at ``garbage_weight`` that stands for "something else"."""
    if not phrases:
        raise ValueError("a grammar needs at least one phrase")
    answers = " | ".join(" ".join(jsgf_token(w) for w in p.split()) for p in phrases)
    lines = ["#JSGF V1.0;", f"grammar {name};"]
    if garbage:
        lines.append(f"public <utterance> = /1/ <answer> | /{garbage_weight:g}/ <garbage>;")
        lines.append(f"<answer> = {answers};")
        lines.append("<garbage> = " + " | ".join(jsgf_token(w) for w in garbage) + ";")
    else:
        lines.append(f"public <utterance> = {answers};")
    return "\n".join(lines) + "\n"


def usable_phrases(phrases: Sequence[str], known: Callable[[str], bool], reported: set[str],
                   warnings: list[str], vocabulary: str, hint: str) -> list[str]:
    """The phrases an engine can recognise; a missing word is reported once, none usable is an error.

    `vocabulary` names where the words were looked up ("the pocketsphinx dictionary"); `hint` says
    what to check when nothing is left.
    """
    from assistant.speech.recognizer import SpeechError

    check = check_phrases(phrases, known)
    new = [w for w in check.missing_words if w not in reported]
    if new:
        reported.update(new)
        warnings.append(f"not in {vocabulary}, phrases dropped: " + ", ".join(check.dropped))
    if not check.kept:
        raise SpeechError(f"none of the phrases are in {vocabulary} (unknown words: "
                          + ", ".join(check.missing_words) + f"); {hint}")
    return check.kept
