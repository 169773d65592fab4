"""How one answer is cut into the classifier's windows, and why the front end embeds each part once.

The search for the word looks at an excerpt on the centred window's 80 ms grid, padded the same
way, so the centred window's embeddings are some of the excerpt's and the cache reuses them.
These run the real front end on synthetic audio; no recordings needed.
"""
from __future__ import annotations

import numpy as np
import pytest

from assistant.speech.answer_audio import (GRID, WINDOW, answer_window, search_excerpt, search_start, speech_span,
                                           window_start)
from assistant.speech.embedding import SpeechEmbedder


def _word(seconds_before: float, seconds_after: float, seed: int = 1) -> np.ndarray:
    """A 0.5 s voiced burst (a stand-in for a word) with quiet room noise around it."""
    rng = np.random.default_rng(seed)
    n_before, n_word, n_after = int(seconds_before * 16000), 8000, int(seconds_after * 16000)
    t = np.arange(n_word) / 16000
    word = 6000 * np.sin(2 * np.pi * 180 * t) * np.hanning(n_word) + rng.normal(0, 800, n_word)
    room = rng.normal(0, 40, n_before + n_word + n_after)
    room[n_before:n_before + n_word] += word
    return np.clip(room, -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def embedder() -> SpeechEmbedder:
    return SpeechEmbedder(cache_size=0)


@pytest.mark.parametrize("before", [0.05, 0.3, 1.2])
def test_the_search_excerpt_covers_the_word_and_the_centred_window_on_its_grid(before: float) -> None:
    x = _word(before, 0.4)
    span = speech_span(x)
    start, lo = window_start(x, span), search_start(x, span)
    assert abs(start + WINDOW // 2 - (span.start + span.end) // 2) <= 1  # centred on the word
    assert (start - lo) % GRID == 0 and 0 <= start - lo
    assert lo <= span.start - WINDOW // 2 < lo + GRID
    assert len(search_excerpt(x, span)) == span.end + WINDOW // 2 - lo >= start + WINDOW - lo


def test_the_excerpt_pads_like_the_centred_window() -> None:
    x = _word(0.05, 0.1)  # shorter than a window: padded both sides
    span = speech_span(x)
    window = answer_window(x, span)
    start, lo = window_start(x, span), search_start(x, span)
    assert start < 0 and start + WINDOW > len(x)
    assert np.array_equal(search_excerpt(x, span)[start - lo:start - lo + WINDOW], window)
    assert not np.array_equal(answer_window(x, span, seed=1), window)  # training variants get other noise


@pytest.mark.parametrize("before", [0.05, 0.8])
def test_the_search_excerpt_holds_the_centred_windows_embeddings(embedder: SpeechEmbedder, before: float) -> None:
    x = _word(before, 0.5)
    span = speech_span(x)
    centred = embedder.embed(answer_window(x, span))
    everywhere = embedder.embed(search_excerpt(x, span))
    k = (window_start(x, span) - search_start(x, span)) // GRID
    assert len(everywhere) > len(centred)
    np.testing.assert_allclose(everywhere[k:k + len(centred)], centred, atol=1e-4)


def test_the_cache_runs_each_embedding_once_and_changes_nothing(embedder: SpeechEmbedder) -> None:
    x = _word(0.6, 0.6)
    span = speech_span(x)
    cached = SpeechEmbedder(cache_size=64)
    centred = cached.embed(answer_window(x, span))
    assert cached.computed == len(centred)
    searched = cached.embed(search_excerpt(x, span))
    assert cached.computed == len(searched)  # the centred window's embeddings were not run again
    np.testing.assert_allclose(searched, embedder.embed(search_excerpt(x, span)), atol=1e-4)
    again = cached.embed(answer_window(x, span))
    assert cached.computed == len(searched)
    assert np.array_equal(again, centred)


def test_the_cache_keeps_only_its_size() -> None:
    small = SpeechEmbedder(cache_size=4)
    first = small.embed(answer_window(_word(0.5, 0.5, seed=2)))
    small.embed(answer_window(_word(0.5, 0.5, seed=3)))
    before = small.computed
    np.testing.assert_allclose(small.embed(answer_window(_word(0.5, 0.5, seed=2))), first, atol=1e-4)
    assert small.computed == before + len(first)  # evicted, so run again
