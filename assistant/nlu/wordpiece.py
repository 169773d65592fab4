"""BERT's uncased WordPiece tokenizer, in plain Python: the meaning model's vocabulary.

Why our own: the meaning model is a table of one vector per WordPiece token, so turning an answer
into token ids is all it needs; the ``tokenizers`` package would be a compiled dependency for
forty lines of work. Same rules as BERT's BasicTokenizer + WordpieceTokenizer (lower case, accents
stripped, punctuation split off, greedy longest match with "##" continuations).
"""
from __future__ import annotations

import unicodedata
from typing import Sequence

UNKNOWN = "[UNK]"
#: Words longer than this are one unknown token (as BERT does).
MAX_WORD_CHARS = 100


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_words(text: str) -> list[str]:
    """Lower-cased, accent-free words with each punctuation mark a word of its own."""
    text = unicodedata.normalize("NFD", text.lower())
    out: list[str] = []
    word: list[str] = []
    for ch in text:
        if unicodedata.category(ch) == "Mn":
            continue
        if ch.isspace() or unicodedata.category(ch).startswith("C"):
            if word:
                out.append("".join(word))
                word = []
        elif _is_punctuation(ch):
            if word:
                out.append("".join(word))
                word = []
            out.append(ch)
        else:
            word.append(ch)
    if word:
        out.append("".join(word))
    return out


class WordPiece:
    """Token ids for text, from a vocabulary list (index = id)."""

    def __init__(self, vocab: Sequence[str]):
        self.vocab = {tok: i for i, tok in enumerate(vocab)}
        self.unknown = self.vocab.get(UNKNOWN, 0)
        self._cache: dict[str, tuple[int, ...]] = {}

    def word_ids(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first pieces of one word; the unknown token when it cannot be split."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        if len(word) > MAX_WORD_CHARS:
            return (self.unknown,)
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                ids = [self.unknown]
                break
            ids.append(found)
            start = end
        result = tuple(ids)
        if len(self._cache) < 50_000:
            self._cache[word] = result
        return result

    def ids(self, text: str) -> list[int]:
        return [i for w in basic_words(text) for i in self.word_ids(w)]
