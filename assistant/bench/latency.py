"""How long after someone stops talking the check-in has its next words ready (prints a table).

Why a benchmark of its own: the issue's latency goals (a one-word answer's next question within
250 ms, a phrase's within 800 ms, on one core) were measured by hand before. Here each answer is
played in real time (``PacedSource``) into a check-in's own voice ear (``VoiceEar``), which listens
on where an answer stopped at a pause (``runner.next_answer``), and a ``Conversation`` open at the
answer's question takes it; the figure is the time from the end of the person's speech to the reply
being ready (the next question chosen). A prepared question then starts playing about 45 ms later
(README figures); espeak-ng's first audio takes longer. The process is pinned to one core.

Answers: real one-word answers from speakers the shipped classifier never heard (yes/no and
left/right, needs ../shared/speech; the held-out classifier, as the accuracy rows use), and the
phrase bench's phrases in the natural voice (hibari-tts, else espeak-ng), split into a "no" said in
words (listening goes on 0.6 s for a "... actually, my leg did buckle") and the rest.
Run: python -m assistant.bench.latency [--per-word N] [--per-slot N]
"""
from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from assistant.bench import answers as A
from assistant.bench import phrases as P
from assistant.bench.corpus import render, shared_speech_dir
from assistant.bench.noise import RATE
from assistant.bench.speed import PacedSource, conversation_at, speech_end
from assistant.dialog.conversation import Heard
from assistant.dialog.runner import next_answer
from assistant.nlu.language import Language, load_language
from assistant.nlu.text import tokens
from assistant.nlu.understand import Understander
from assistant.voice.io import VoiceEar

#: Quiet played after each answer, so that every wait for more of it runs its full length.
TAIL_S = 3.0
ONE_WORDS = ("yes", "no", "left", "right")


@dataclass
class Row:
    """One group of answers: seconds from end of speech to the reply, CPU seconds, understood."""

    name: str
    after_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    right: int = 0

    def line(self) -> str:
        if not self.after_s:
            return f"| {self.name} | 0 | - | - | - | - | - |"
        ms = sorted(1000 * x for x in self.after_s)
        p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
        return (f"| {self.name} | {len(ms)} | {statistics.median(ms):.0f} ms | {p90:.0f} ms | {ms[-1]:.0f} ms | "
                f"{1000 * statistics.median(self.cpu_s):.0f} ms | {self.right}/{len(ms)} |")


def one_core() -> None:
    """Pin this process to one core, a Raspberry Pi-like budget (where the OS allows it)."""
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass


def answer_once(lang: Language, nlu: Understander, rec: Any, pcm: np.ndarray, slot: str) -> tuple[float, float, Any]:
    """(seconds from end of speech to the reply, CPU seconds, the value understood) for one answer."""
    x = np.concatenate([pcm, np.zeros(int(TAIL_S * RATE), np.int16)])
    src = PacedSource(x, speech_end(pcm))
    ear = VoiceEar(lang, rec, src, max_s=30.0, silence_timeout_s=5.0, out=io.StringIO())
    conv = conversation_at(lang, nlu, slot)
    cpu = time.process_time()
    heard = next_answer(conv, ear)
    conv.hear(heard if heard is not None else Heard("", 0.0))
    done = time.perf_counter()
    cpu = time.process_time() - cpu
    value = P.understood(nlu, heard.text, slot, heard.confidence) if heard is not None else None
    return done - (src.spoke_at if src.spoke_at is not None else done), cpu, value


def said_no_in_words(ph: P.Phrase) -> bool:
    """A "no" with more words after it, to a yes/no question: listening goes on for the rest."""
    words = tokens(ph.text)
    return ph.want is False and len(words) > 1 and words[0] in ("no", "nope", "nah")


def run(per_word: int, per_slot: int, say: Any = print) -> list[Row]:
    lang = load_language()
    nlu = Understander(lang)
    rows: list[Row] = []
    root = shared_speech_dir()
    if root is not None:
        rec = next(iter(A.engines(["whisper"]).values()))  # held-out classifier: voices it never heard
        row = Row("one-word answers, real voices (yes/no, left/right)")
        items = [i for i in A.items(root, per_word, snrs=(None,)) if i.kind == "real" and i.word in ONE_WORDS]
        for it in items:
            after, cpu, value = answer_once(lang, nlu, rec, render(it), it.slot)
            row.after_s.append(after)
            row.cpu_s.append(cpu)
            row.right += P.right(value, A.EXPECTED[it.word][2])
        rows.append(row)
        say(f"[latency] {len(items)} one-word answers done")
    else:
        say("[latency] one-word rows skipped: ../shared/speech (real recordings) not found")
    from assistant.speech.transcribing_engine import TranscribingRecognizer

    rec = TranscribingRecognizer()
    voice = next((v for v in P.voices_available() if v.startswith("hibari")), "espeak en-us")
    no_row, other_row = Row(f"phrase answers, 'no' said in words ({voice})"), Row(f"phrase answers, others ({voice})")
    for ph in P.phrases(per_slot=per_slot):
        after, cpu, value = answer_once(lang, nlu, rec, P.speak(ph.text, voice), ph.slot)
        row = no_row if said_no_in_words(ph) else other_row
        row.after_s.append(after)
        row.cpu_s.append(cpu)
        row.right += P.right(value, ph.want)
    rows += [no_row, other_row]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.bench.latency", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-word", type=int, default=6, help="real clips per one-word answer (default 6)")
    ap.add_argument("--per-slot", type=int, default=3, help="phrases per question (default 3)")
    args = ap.parse_args(argv)
    one_core()
    rows = run(args.per_word, args.per_slot)
    print("| answers (live-paced, one core) | n | end of speech -> reply ready, median | p90 | max | "
          "CPU per answer, median | understood |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row.line())
    print(f"\npeak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          "(two recognisers and the natural voice loaded; a check-in loads one recogniser: see the README)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
