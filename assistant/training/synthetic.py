"""espeak-ng speech for training: answer words in synthetic voices, and near-misses that are "none".

Why: real recordings teach the classifier real voices, but none of them says "dunno" or "not
sure", and a short "dunno" sounds like "no" to a classifier that never heard it: that would turn
"I don't know" into "no" on a warning sign. Synthetic near-misses teach "none" for them, and
synthetic answer words keep the spoken demo (a synthetic voice) understood. The voices differ
from the benchmark's and the tests' voices, so those stay unseen.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from assistant.training.corpus import ANSWER_WORDS, NONE

VOICES = ("en-gb-x-rp", "en-us+m7", "en-029", "en+f2", "en-us-nyc", "en-gb-x-gbclan")
RATES = (130, 175)
#: Said instead of an answer word, or sounding like one, and meaning none of them (never a
#: homophone of an answer: "know" taught it to reject a synthetic "no").
NEAR_MISSES = ("dunno", "i dunno", "don't know", "i don't know", "not sure", "no idea", "maybe",
               "so so", "kind of", "hello", "okay", "wait", "what", "sorry", "hmm", "thanks",
               "again", "better", "worse", "both", "ten", "sharp", "dull")


def synthetic_clips() -> Iterator[tuple[str, str, np.ndarray]]:
    """(text, label, 16 kHz int16 samples) for every word and near-miss in every voice and rate."""
    from assistant.speech.synth import synthesize

    for text, label in [(w, w) for w in ANSWER_WORDS] + [(t, NONE) for t in NEAR_MISSES]:
        for voice in VOICES:
            for rate in RATES:
                yield text, label, synthesize(text, voice=voice, rate=rate)
