"""Phrase answers with a pause in the middle, through the default engine (prints a table).

Why: pocketsphinx's endpointer ends an answer on 0.3 s of quiet, and people pause in mid-sentence
("probably a ... six"); such an answer had been heard as "probably a" and asked again. Each case
of tests/paused-phrases.yaml is spoken in two parts (hibari-tts where installed, else espeak-ng)
with a pause between them, and scored as the phrase bench scores (the value understood must be
the one meant). Each is heard through a check-in's voice ear (``VoiceEar``), which listens on where
an answer stopped at a pause before answering anything; ``--engine-only`` leaves that out.
Run: python -m assistant.bench.pauses [--engine-only] [PAUSE_S ...]  (default 0.4 0.7 1.0)
"""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from assistant.audio.sources import PcmSource
from assistant.bench.phrases import RATE, right, speak, understood, voices_available
from assistant.bench.speed import conversation_at
from assistant.dialog.conversation import Heard
from assistant.dialog.runner import next_answer
from assistant.nlu.datafile import load_yaml
from assistant.nlu.language import load_language
from assistant.nlu.understand import Understander
from assistant.voice.io import VoiceEar

CASES = Path(__file__).resolve().parents[2] / "tests" / "paused-phrases.yaml"
PAUSES = (0.4, 0.7, 1.0)
#: A sample this loud (int16) is speech: the voice's own lead and tail silence is cut at it.
LOUD = 300


def voiced(pcm: np.ndarray) -> np.ndarray:
    """``pcm`` without its silent lead and tail (50 ms kept each side)."""
    loud = np.nonzero(np.abs(pcm.astype(np.int32)) > LOUD)[0]
    return pcm[max(0, loud[0] - 800):loud[-1] + 800] if loud.size else pcm


def paused(first: str, rest: str, voice: str, pause_s: float) -> np.ndarray:
    """The two parts spoken with ``pause_s`` of quiet between them, 0.5 s of quiet before and 1.5 s after."""
    return np.concatenate([np.zeros(RATE // 2, np.int16), voiced(speak(first, voice)),
                           np.zeros(int(pause_s * RATE), np.int16), voiced(speak(rest, voice)),
                           np.zeros(3 * RATE // 2, np.int16)])


def matches(got: Any, want: Any) -> bool:
    if isinstance(want, list) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return want[0] <= got <= want[1]
    return right(got, want)


def heard(ear: VoiceEar, nlu: Understander, slot: str, listen_on: bool = True) -> Heard | None:
    """What a check-in's voice ear hears at ``slot``'s question: one answer, and with ``listen_on``
    its rest where it stopped at a pause before answering anything (``runner.next_answer``)."""
    conv = conversation_at(nlu.lang, nlu, slot)
    return next_answer(conv, ear) if listen_on else ear.hear(conv.expecting())


def main(argv: list[str] | None = None) -> None:
    from assistant.speech.transcribing_engine import TranscribingRecognizer

    args = list(sys.argv[1:] if argv is None else argv)
    listen_on = "--engine-only" not in args  # the recogniser alone, without the ear's listening on
    pauses = [float(a) for a in args if a != "--engine-only"] or list(PAUSES)
    lang = load_language("en")
    nlu = Understander(lang)
    rec = TranscribingRecognizer()
    voices = [v for v in voices_available() if v.startswith("hibari")][:1] or ["espeak en-us"]
    cases = load_yaml(CASES)
    print(f"| pause | understood ({voices[0]}, {len(cases)} answers) | not understood: heard |")
    print("|---:|---:|---|")
    for pause in pauses:
        ok, wrong = 0, []
        for slot, first, rest, want in cases:
            ear = VoiceEar(lang, rec, PcmSource(paused(str(first), str(rest), voices[0], pause)), max_s=30.0,
                           silence_timeout_s=30.0, out=io.StringIO())
            h = heard(ear, nlu, slot, listen_on)
            text = h.text if h is not None else ""
            got = understood(nlu, text, slot, h.confidence if h is not None else None)
            if matches(got, want):
                ok += 1
            else:
                wrong.append(f"{first} ... {rest}: {text!r}")
        print(f"| {pause:.1f} s | {ok}/{len(cases)} | {'; '.join(wrong)} |", flush=True)


if __name__ == "__main__":
    main()
