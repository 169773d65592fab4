"""The real recordings in ``../shared/speech/`` as labelled training and evaluation clips.

Why split by speaker: a model judged on voices it was trained on says nothing about the next
person. Held-out speakers (and held-out distractor words, for honest rejection figures) are chosen
by a hash of their id, so every run on every machine makes the same split.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio.sources import load_wav_16k
from assistant.speech.answer_model import NOISE

#: Words a person may answer with that the classifier learns; every other word is "none".
ANSWER_WORDS: tuple[str, ...] = ("yes", "no", "left", "right", "stop", "zero", "one", "two", "three",
                                 "four", "five", "six", "seven", "eight", "nine")
NONE = "none"
#: Words that answer nothing and have hundreds of recordings each: the non-answer model names them.
DISTRACTOR_WORDS: tuple[str, ...] = ("go", "up", "down", "on", "off")
#: The non-answer model's classes besides the answer and distractor words (NOISE: no word at all).
OTHER_WORD, NEAR_MISS = "other word", "near miss"


@dataclass(frozen=True)
class Clip:
    """One recording: its path, the word said, the class it teaches, who said it."""

    path: Path
    word: str
    label: str
    speaker: str
    source: str  # "speech-commands", "fsdd" or "noise"


def label_of(word: str) -> str:
    """The class a manifest word teaches: an answer word, or none (other words, noise)."""
    return word if word in ANSWER_WORDS else NONE


def non_answer_class(clip: Clip) -> str:
    """The class a clip teaches the non-answer model: its answer or distractor word, other word, noise."""
    if clip.label != NONE or clip.word in DISTRACTOR_WORDS:
        return clip.word
    return NOISE if clip.source == "noise" else OTHER_WORD


def read_manifest(root: Path) -> list[Clip]:
    """Every clip listed in ``root/MANIFEST.tsv`` (paths relative to ``root``)."""
    clips = []
    with open(root / "MANIFEST.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            rel = row["relative_path"]
            word = row["word"].removeprefix("other:")
            source = "fsdd" if rel.startswith("fsdd/") else "noise" if word == "_noise_" else "speech-commands"
            speaker = row["speaker_id"] or f"noise:{Path(rel).stem}"
            clips.append(Clip(root / rel, word, label_of(word), speaker, source))
    return clips


def all_clips(speech_dir: Path) -> list[Clip]:
    """The dev clips and the training pool, each file once."""
    seen: set[str] = set()
    out = []
    for root in (speech_dir, speech_dir / "train"):
        if not (root / "MANIFEST.tsv").is_file():
            continue
        for c in read_manifest(root):
            key = c.path.name + c.word + c.speaker
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out


def held_out(key: str, fraction: float, seed: int) -> bool:
    """A stable pseudo-random choice of ``fraction`` of the keys."""
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32 < fraction


def load(clip: Clip) -> np.ndarray:
    """The clip as 16 kHz mono int16."""
    return load_wav_16k(clip.path)
