"""Phrase answers, as people on a mat give them, spoken by several voices, clean and in gym noise.

Why: one-word answers from real voices are measured in ``answers.py``; nobody recorded real phrase
answers for us, so these are synthetic: espeak-ng variants and, where ``hibari-tts`` is installed,
its natural neural voice (Piper voices need a download from outside the package index, so they are
not here). The phrases are the first short answers per slot of ``tests/answers/`` (written for the
understanding test, not taken from ``intents/``), scored as ``test_answer_set`` scores them: the
slot value understood must be exactly the one meant; "not sure" must be understood as not known.
A yes/no answer understood as its opposite is counted apart: it must never happen.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from assistant.bench.corpus import LEAD_S, TAIL_S, cache_dir, talkers
from assistant.bench.noise import make_noise, mix_at_snr
from assistant.nlu.datafile import load_yaml
from assistant.nlu.language import CONTRACT_SLOTS, Language
from assistant.nlu.understand import ANSWER, UNKNOWN, Understander

RATE = 16000
ANSWERS_DIR = Path(__file__).resolve().parents[2] / "tests" / "answers"
#: voice name -> (engine, voice, speed). espeak-ng speeds in words a minute, hibari as a factor.
VOICES: dict[str, tuple[str, str, float]] = {
    "espeak en-us": ("espeak", "en-us", 150),
    "espeak en-gb+f3": ("espeak", "en-gb+f3", 160),
    "espeak en-us+m3 slow": ("espeak", "en-us+m3", 130),
    "hibari heart": ("hibari", "heart", 1.0),
    "hibari heart fast": ("hibari", "heart", 1.15),
}
#: The noise of the issue's table: other people talking and pink noise, alternating.
PHRASE_NOISES = ("babble", "pink")
SNRS: tuple[float | None, ...] = (None, 12.0, 6.0)
NOT_UNDERSTOOD = "(not understood)"


@dataclass(frozen=True)
class Phrase:
    """One phrase answer: what is said, to which question, and the value it means (None: not known)."""

    text: str
    slot: str
    want: Any


def phrases(per_slot: int = 4, max_words: int = 7) -> list[Phrase]:
    """The first ``per_slot`` answers of at most ``max_words`` words per slot of tests/answers/."""
    out: list[Phrase] = []
    if not ANSWERS_DIR.is_dir():
        return out
    rows: dict[str, list[tuple[str, Any]]] = {}
    for f in sorted(ANSWERS_DIR.glob("en_*.yaml")):
        for slot, items in load_yaml(f).items():
            rows.setdefault(slot, []).extend((str(t), v) for t, v in items)
    for slot in CONTRACT_SLOTS:
        short = [(t, v) for t, v in rows.get(slot, []) if 1 < len(t.split()) <= max_words]
        out += [Phrase(t, slot, v) for t, v in short[:per_slot]]
    return out


def voices_available() -> list[str]:
    """The voices that can speak here (hibari needs the ``hibari-tts`` package)."""
    try:
        import hibari  # noqa: F401
        has_hibari = True
    except ImportError:
        has_hibari = False
    return [name for name, (eng, _, _) in VOICES.items() if eng == "espeak" or has_hibari]


def speak(text: str, voice_name: str) -> np.ndarray:
    """The phrase spoken by one of :data:`VOICES` (int16, 16 kHz, padded with silence), cached on disk."""
    engine, voice, speed = VOICES[voice_name]
    key = hashlib.sha1(f"phrase|{engine}|{voice}|{speed}|{text}".encode()).hexdigest()[:20]
    path = cache_dir() / f"{key}.npy"
    if path.exists():
        try:
            return np.load(path)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
    if engine == "espeak":
        from assistant.speech.synth import synthesize

        pcm = synthesize(text, voice=voice, rate=int(speed))
    else:
        from assistant.speech.synth import synthesize_hibari

        pcm = synthesize_hibari(text, voice, speed)
    pcm = np.concatenate([np.zeros(int(LEAD_S * RATE), np.int16), pcm, np.zeros(int(TAIL_S * RATE), np.int16)])
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, pcm)
    os.replace(tmp, path)
    return pcm


def noisy(pcm: np.ndarray, snr: float | None, seed: int) -> np.ndarray:
    """``pcm`` with babble or pink noise (by seed) at ``snr`` dB; None: clean."""
    if snr is None:
        return pcm
    kind = PHRASE_NOISES[seed % len(PHRASE_NOISES)]
    noise = make_noise(kind, pcm.size, seed, talkers() if kind == "babble" else ())
    return mix_at_snr(pcm, noise, snr)


def understood(nlu: Understander, text: str, slot: str, confidence: float | None = None) -> Any:
    """The value ``text`` gives ``slot`` (None: not known), or NOT_UNDERSTOOD (asked again).
    ``confidence``: the recogniser's, as a live check-in passes it (None: typed)."""
    if not text:
        return NOT_UNDERSTOOD
    u = nlu.understand(text, slot, confidence)
    if u.intent in (ANSWER, UNKNOWN) and slot in u.slots:
        return u.slots[slot]
    return NOT_UNDERSTOOD


def right(got: Any, want: Any) -> bool:
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, (int, float)) \
            and not isinstance(got, bool):
        return abs(got - want) < 0.1
    return got == want and type(got) is type(want)


def run(lang: Language, recs: dict[str, Any], voices: Sequence[str], snrs: Sequence[float | None] = SNRS,
        items: Sequence[Phrase] | None = None, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Every phrase in every voice and noise through every engine: accuracy, flips, CPU."""
    from assistant.voice.grammar import grammar_for_slot

    nlu = Understander(lang)
    items = list(items if items is not None else phrases())
    acc: dict[str, dict[str, list[int]]] = {n: {} for n in recs}
    flips: dict[str, list[str]] = {n: [] for n in recs}
    misses: dict[str, list[str]] = {n: [] for n in recs}
    cpu: dict[str, list[float]] = {n: [] for n in recs}
    total = len(items) * len(voices) * len(snrs)
    done = 0
    for i, ph in enumerate(items):
        phrases_ = grammar_for_slot(lang, ph.slot)
        for v, voice in enumerate(voices):
            clean = speak(ph.text, voice)
            for j, snr in enumerate(snrs):
                pcm = noisy(clean, snr, seed=7000 + 31 * i + 7 * v + j)
                cond = "clean" if snr is None else f"{snr:g} dB"
                for name, rec in recs.items():
                    embedder = getattr(getattr(rec, "classifier", None), "embedder", None)
                    if embedder is not None:
                        embedder.forget()
                    r = rec.recognize_pcm(pcm, phrases_, max_s=30.0, silence_timeout_s=30.0)
                    got = understood(nlu, r.transcript, ph.slot, r.confidence)
                    cell = acc[name].setdefault(f"{voice}|{cond}", [0, 0])
                    ok = right(got, ph.want)
                    cell[0] += int(ok)
                    cell[1] += 1
                    cpu[name].append(r.compute_s)
                    if CONTRACT_SLOTS[ph.slot] == "yesno" and isinstance(ph.want, bool) and isinstance(got, bool) \
                            and got != ph.want:
                        way = "YES HEARD AS NO" if ph.want else "no heard as yes"
                        flips[name].append(f"{way}: {voice} {cond}: {ph.text!r} heard {r.transcript!r}")
                    elif not ok:
                        misses[name].append(f"{voice} {cond}: {ph.text!r} heard {r.transcript!r} -> {got}")
                done += 1
                if progress:
                    progress(done, total)
    return {"accuracy": acc, "flips": flips, "misses": misses,
            "cpu_ms": {n: 1000 * float(np.median(c)) for n, c in cpu.items() if c},
            "cpu_ms_p95": {n: 1000 * float(np.percentile(c, 95)) for n, c in cpu.items() if c},
            "phrases": len(items)}


#: The yes/no questions a "don't know" is asked at, in turn (two are emergency signs).
UNSURE_SLOTS = ("leg_weakness", "bladder_bowel", "saddle_numbness")
#: Ways of saying "I don't know" (falls back to intents' spoken_unknown where the file is absent).
DONT_KNOW = Path(__file__).resolve().parents[2] / "tests" / "dont-know.yaml"


def unsure_run(lang: Language, rec: Any, voices: Sequence[str], snrs: Sequence[float | None] = SNRS,
               progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Each spoken "don't know" (:data:`DONT_KNOW`) at a yes/no question, in every voice and noise: how
    often it is heard as a "no" (a warning sign ruled out that nobody ruled out) or a "yes"."""
    from assistant.voice.grammar import grammar_for_slot

    nlu = Understander(lang)
    said = [str(t) for t in load_yaml(DONT_KNOW)] if DONT_KNOW.is_file() else list(lang.spoken["unknown"])
    out: dict[str, Any] = {"items": 0, "as_no": [], "as_yes": []}
    total, done = len(said) * len(voices) * len(snrs), 0
    for i, text in enumerate(said):
        slot = UNSURE_SLOTS[i % len(UNSURE_SLOTS)]
        for v, voice in enumerate(voices):
            clean = speak(text, voice)
            for j, snr in enumerate(snrs):
                r = rec.recognize_pcm(noisy(clean, snr, seed=9000 + 31 * i + 7 * v + j), grammar_for_slot(lang, slot),
                                      max_s=30.0, silence_timeout_s=30.0)
                got = understood(nlu, r.transcript, slot, r.confidence)
                out["items"] += 1
                cond = "clean" if snr is None else f"{snr:g} dB"
                if isinstance(got, bool):
                    out["as_yes" if got else "as_no"].append(f"{slot}: {voice} {cond}: {text!r} heard {r.transcript!r}")
                done += 1
                if progress:
                    progress(done, total)
    return out


def markdown(res: dict[str, Any], voices: Sequence[str], snrs: Sequence[float | None] = SNRS) -> str:
    """The phrase table: one row per engine and voice, one column per noise level."""
    conds = ["clean" if s is None else f"{s:g} dB" for s in snrs]
    lines = [f"## Phrase answers ({res['phrases']} per cell; babble and pink noise alternate)", "",
             "| engine | voice | " + " | ".join(conds) + " |", "|---|---|" + "---:|" * len(conds)]
    for name, cells in res["accuracy"].items():
        for voice in voices:
            row = []
            for c in conds:
                k, n = cells.get(f"{voice}|{c}", [0, 0])
                row.append("-" if not n else f"{100 * k / n:.0f} % ({k}/{n})")
            lines.append(f"| {name} | {voice} | " + " | ".join(row) + " |")
    lines += ["", "| engine | yes heard as no (could hide a sign) | no heard as yes (over-triage; a warning sign "
              "is read back) | CPU per answer, median (p95) |", "|---|---:|---:|---:|"]
    for name in res["accuracy"]:
        fl = res["flips"][name]
        bad = sum(f.startswith("YES HEARD AS NO") for f in fl)
        lines.append(f"| {name} | {bad} | {len(fl) - bad} | {res['cpu_ms'].get(name, 0):.0f} ms "
                     f"({res['cpu_ms_p95'].get(name, 0):.0f} ms) |")
    for name, fl in res["flips"].items():
        lines += [f"- {name}: {f}" for f in fl]
    unsure = res.get("unsure")
    if unsure:
        lines += ["", f"\"Don't know\" said at a yes/no question (default engine, {unsure['items']} answers): heard as "
                  f"no {len(unsure['as_no'])}, as yes {len(unsure['as_yes'])} (never a no: asked again, then a reason "
                  "to get checked)"]
        lines += [f"- as no: {f}" for f in unsure["as_no"]] + [f"- as yes: {f}" for f in unsure["as_yes"]]
    return "\n".join(lines)
