"""The answer recogniser's benchmark: real voices it never trained on, alone and fused.

Why a held-out model: the shipped classifier trained on every shared recording, so judging it on
them would say nothing. ``answers-heldout.npz`` is the same training without the held-out speakers
and words (listed inside it); every real-voice row here uses only those speakers and words, scored
as ``backcheck listen`` scores (the slot value the understanding makes of the recognition).
"""
from __future__ import annotations

import resource
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from assistant.bench.corpus import Item, reject_items, render
from assistant.bench.noise import NOISE_KINDS
from assistant.nlu.language import Language
from assistant.nlu.understand import Understander
from assistant.speech.early_end import allowed_words
from assistant.speech.recognizer import Recognition
from assistant.training.corpus import all_clips
from assistant.voice.grammar import grammar_for_slot
from assistant.voice.listen import understood_value

HELDOUT = Path(__file__).resolve().parents[1] / "speech" / "models" / "answers-heldout.npz"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: Word said -> (question it answers, group, the slot value it must give).
EXPECTED: dict[str, tuple[str, str, Any]] = {
    "yes": ("leg_weakness", "yes/no", True), "no": ("leg_weakness", "yes/no", False),
    "left": ("side", "left/right", "left"), "right": ("side", "left/right", "right"),
    **{w: ("pain_score", "digits", i) for i, w in enumerate(DIGITS)},
}
#: A real yes or no is asked at these questions in turn, the two emergency signs among them: the same
#: word is read with each question's prompt (a dev "yes" was a "no" at the bladder question only).
YES_NO_SLOTS = ("leg_weakness", "bladder_bowel", "saddle_numbness")
#: Words that answer nothing are asked at each of these: taken at the bladder question, one is an emergency.
PROBE_SLOTS = ("leg_weakness", "bladder_bowel", "side", "pain_score")
SNRS: tuple[float | None, ...] = (None, 12.0, 6.0)
TARGETS = {"yes/no": 0.97, "left/right": 0.97, "digits": 0.95, "false_accepts": 0.01,
           "cpu_ms": 50.0, "endpoint_ms": 250.0, "peak_mb": 300.0}


def heldout_split() -> tuple[set[str], set[str]]:
    """The speakers and words the held-out model never trained on."""
    import json

    with np.load(HELDOUT, allow_pickle=False) as z:
        split = json.loads(str(z["meta"]))["split"]
    return set(split["held_out_speakers"]), set(split["held_out_words"])


def items(root: Path, per_word: int | None, snrs: Sequence[float | None] = SNRS) -> list[Item]:
    """Held-out speakers' answers at each SNR, and probes that must answer nothing."""
    speakers, words = heldout_split()
    out: list[Item] = []
    count: dict[str, int] = defaultdict(int)
    probes: list[tuple[str, Any]] = []
    for i, clip in enumerate(all_clips(root)):
        if clip.word in EXPECTED and clip.speaker in speakers:
            count[clip.word] += 1
            if per_word is not None and count[clip.word] > per_word:
                continue
            slot, group, _want = EXPECTED[clip.word]
            if group == "yes/no":
                slot = YES_NO_SLOTS[count[clip.word] % len(YES_NO_SLOTS)]
            for j, snr in enumerate(snrs):
                noise = "" if snr is None else NOISE_KINDS[(i + j) % len(NOISE_KINDS)]
                out.append(Item("real", slot, path=str(clip.path), word=clip.word, noise=noise, snr=snr,
                                seed=5000 + i * 10 + j, source="wav"))
        elif clip.word in words:
            probes.append(("never-seen words", clip))
        elif clip.speaker in speakers and clip.source == "speech-commands" and clip.word not in EXPECTED \
                and clip.word != "stop":
            probes.append(("other command words", clip))
        elif clip.speaker in speakers and clip.source == "noise":
            probes.append(("background noise", clip))
    kinds: dict[str, int] = defaultdict(int)
    for kind, clip in probes:
        kinds[kind] += 1
        if per_word is not None and kinds[kind] > 3 * per_word:
            continue
        for slot in PROBE_SLOTS:  # text: the word said (render reads only the file)
            out.append(Item("reject", slot, text=clip.word, path=str(clip.path), word=kind, source="wav"))
    for p in reject_items(None, 1 if per_word is not None and per_word < 5 else None, 4 if per_word is None else 1,
                          slots=PROBE_SLOTS):
        out.append(p)
    return out


def probe_kind(item: Item) -> str:
    if item.source == "wav":
        return item.word
    return {"noise": "gym noise and music", "silence": "gym noise and music", "cough": "coughs and breaths",
            "breath": "coughs and breaths", "espeak": "off-topic sentences"}.get(item.source, item.source)


class ClassifierAlone:
    """The answer classifier as a recogniser on its own (for the benchmark's "alone" row)."""

    engine = "answers alone"

    def __init__(self, classifier: Any):
        self.classifier = classifier
        self.known = classifier.model.words()

    def recognize_pcm(self, samples: np.ndarray, phrases: Sequence[str], **_: float) -> Recognition:
        t = time.perf_counter()
        heard = self.classifier.classify(samples, allowed_words(self.known, phrases))
        ok = heard.label != "none"
        return Recognition(heard.label if ok else "", heard.confidence, rejected=not ok,
                           audio_s=len(samples) / 16000, compute_s=time.perf_counter() - t)


def engines(which: Sequence[str]) -> dict[str, Any]:
    """The engines to compare, the answer recogniser with the held-out weights."""
    from assistant.speech import rejection
    from assistant.speech.answer_model import AnswerClassifier, AnswerModel
    from assistant.speech.fused_engine import FusedRecognizer
    from assistant.speech.sphinx_engine import SphinxRecognizer

    out: dict[str, Any] = {}
    classifier = AnswerClassifier(AnswerModel.load(HELDOUT)) if {"answers", "fused", "whisper"} & set(which) else None
    # the held-out words stay out of pocketsphinx's garbage lists too: never seen by either engine
    unseen = heldout_split()[1]
    if "answers" in which:
        out["answers alone"] = ClassifierAlone(classifier)
    if "fused" in which:
        grammar = SphinxRecognizer(garbage_exclude=unseen, garbage_weight=rejection.FUSED_GARBAGE_WEIGHT)
        out["answers+sphinx (before)"] = FusedRecognizer(grammar, classifier)
    if "sphinx" in which:
        out["sphinx alone"] = SphinxRecognizer(garbage_exclude=unseen)
    if "whisper" in which:
        from assistant.speech.transcribing_engine import TranscribingRecognizer

        out["answers+whisper (default)"] = TranscribingRecognizer(classifier)
    return out


def run(lang: Language, its: Sequence[Item], recs: dict[str, Any],
        progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Recognise every item with every engine; accuracy, false accepts, CPU and end-of-speech latency."""
    nlu = Understander(lang)
    grammars = {s: grammar_for_slot(lang, s) for s in {i.slot for i in its}}
    acc: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    fa: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    unseen: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    at: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # per question
    cpu: dict[str, list[float]] = defaultdict(list)
    cpu_by: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    ends: dict[str, list[float]] = defaultdict(list)
    for n, item in enumerate(its):
        pcm = render(item)
        for name, rec in recs.items():
            # the engines share one front end, and probes come back at every question: nothing
            # cached from another engine's or question's look at the same audio is counted as free
            embedder = getattr(getattr(rec, "classifier", None), "embedder", None)
            if embedder is not None:
                embedder.forget()
            r = rec.recognize_pcm(pcm, grammars[item.slot], max_s=30.0, silence_timeout_s=30.0)
            value = understood_value(nlu, item.slot, r)
            cpu[name].append(r.compute_s)
            kind = "non-answers" if item.kind != "real" else "clean answers" if item.snr is None else "answers in noise"
            cpu_by[name][kind].append(r.compute_s)
            if item.kind == "real":
                _slot, group, want = EXPECTED[item.word]
                cell = acc[name][f"{group} {item.condition}"]
                right = value is not None and value == want and type(value) is type(want)
                cell[0] += int(right)
                cell[1] += 1
                if group == "yes/no":
                    for key, hit in ((f"yes/no right at {item.slot}", right),
                                     (f"yes/no heard as the opposite at {item.slot}", value is (not want))):
                        at[name][key][0] += int(hit)
                        at[name][key][1] += 1
                if r.endpoint_s is not None and item.snr is None and not item.word.isdigit():
                    ends[name].append(r.endpoint_s)
            else:
                for cell in [fa[name][probe_kind(item)]] + ([unseen[name][item.text]] if item.word == "never-seen words"
                                                            else []):
                    cell[0] += int(value is not None)
                    cell[1] += 1
                taken = at[name][f"probes taken at {item.slot}"]
                taken[0] += int(value is not None)
                taken[1] += 1
        if progress:
            progress(n + 1, len(its))
    return {
        "accuracy": {k: dict(v) for k, v in acc.items()},
        "false_accepts": {k: dict(v) for k, v in fa.items()},
        "never_seen_by_word": {k: dict(v) for k, v in unseen.items()},
        "by_question": {k: dict(v) for k, v in at.items()},
        "cpu_ms": {k: 1000 * float(np.median(v)) for k, v in cpu.items()},
        "cpu_ms_p95": {k: 1000 * float(np.percentile(v, 95)) for k, v in cpu.items()},
        "cpu_ms_by_kind": {k: {kind: 1000 * float(np.median(t)) for kind, t in v.items()} for k, v in cpu_by.items()},
        "endpoint_ms": {k: 1000 * float(np.median(v)) for k, v in ends.items() if v},
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _pct(cell: Sequence[int] | None) -> str:
    return "-" if not cell or not cell[1] else f"{100 * cell[0] / cell[1]:.1f} % ({cell[0]}/{cell[1]})"


def markdown(res: dict[str, Any]) -> str:
    """The answer recogniser's tables."""
    names = list(res["cpu_ms"])
    conds = ["clean", "12 dB", "6 dB"]
    lines = ["## Answer recogniser: real voices never trained on", "",
             "| engine | " + " | ".join(f"{g} {c}" for g in ("yes/no", "left/right", "digits") for c in conds) + " |",
             "|---|" + "---:|" * 9]
    for name in names:
        cells = [_pct(res["accuracy"].get(name, {}).get(f"{g} {c}")) for g in ("yes/no", "left/right", "digits")
                 for c in conds]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    kinds = sorted({k for v in res["false_accepts"].values() for k in v})
    lines += ["", "False accepts (filled a slot; asked at the leg and bladder questions, the side and the pain "
              "question):", "",
              "| engine | " + " | ".join(kinds) + " |", "|---|" + "---:|" * len(kinds)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_pct(res["false_accepts"].get(name, {}).get(k)) for k in kinds) + " |")
    words = sorted({w for v in res.get("never_seen_by_word", {}).values() for w in v})
    if words:
        lines += ["", "Never-seen words taken as answers, word by word (each asked at all four questions):", "",
                  "| engine | " + " | ".join(words) + " |", "|---|" + "---:|" * len(words)]
        for name in names:
            per = res["never_seen_by_word"].get(name, {})
            lines.append(f"| {name} | " + " | ".join(_pct(per.get(w)) for w in words) + " |")
    keys = sorted({k for v in res.get("by_question", {}).values() for k in v})
    if keys:
        lines += ["", "By question (the bladder and numbness questions are emergency signs; a real yes or no is asked "
                  "at the three yes/no questions in turn):", "", "| engine | question | share |", "|---|---|---:|"]
        lines += [f"| {name} | {k} | {_pct(res['by_question'].get(name, {}).get(k))} |" for name in names for k in keys]
    lines += ["", "| engine | CPU per answer, median (p95) | end of a one-word answer -> result, median |",
              "|---|---:|---:|"]
    for name in names:
        ep = res["endpoint_ms"].get(name)
        lines.append(f"| {name} | {res['cpu_ms'][name]:.1f} ms ({res['cpu_ms_p95'][name]:.1f} ms) | "
                     + ("-" if ep is None else f"{ep:.0f} ms") + " |")
    kinds = ("clean answers", "answers in noise", "non-answers")
    lines += ["", "| engine | CPU per answer, median: " + " | ".join(kinds) + " |", "|---|" + "---:|" * len(kinds)]
    for name in names:
        by = res.get("cpu_ms_by_kind", {}).get(name, {})
        lines.append(f"| {name} | " + " | ".join("-" if k not in by else f"{by[k]:.1f} ms" for k in kinds) + " |")
    lines += ["", f"Peak memory of the benchmark process with all engines loaded: {res['peak_mb']:.0f} MB."]
    return "\n".join(lines)
