"""`backcheck bench [--quick] [--engine NAME] [--out DIR]`: the benchmark that decides.

Runs synthetic spoken answers at six noise levels, real recorded voices, false-accept probes, and
speed/memory per engine, beside the naive keyword skill, and writes DIR/results.json,
DIR/results.md (printed too) and DIR/accuracy_vs_snr.png.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.bench.corpus import (SPEEDS, VOICES, BenchError, answer_phrasings, real_items, reject_items,
                                    shared_speech_dir, spoken, synthetic_items, talkers)
from assistant.bench.progress import ProgressBar
from assistant.bench.report import TARGETS, summarize, write
from assistant.bench.runner import EngineSpec, import_recognizer_api, run_items
from assistant.bench.speed import measure_engine
from assistant.nlu.language import IntentDataError, load_language

DEFAULT_OUT = Path("bench/out")
SNRS: list[float | None] = [None, 24.0, 18.0, 12.0, 6.0, 0.0]


@dataclass(frozen=True)
class Plan:
    """How much of each part to run (full run: under 10 minutes on 2 cores with pocketsphinx)."""

    synthetic_per_snr: int
    snrs: tuple[float | None, ...]
    real_snrs: tuple[float | None, ...]
    real_per_word: int | None
    reject_per_word: int | None
    reject_extras: int
    speed_utterances: int
    paced: int
    free_form_snrs: tuple[float | None, ...]  #: SNRs where the (slow) free-form baselines run, synthetic
    real_free_form_snrs: tuple[float | None, ...]  #: the same for real voices
    reject_free_form_every: int = 1  #: the free-form baselines on every n-th non-answer


FULL = Plan(synthetic_per_snr=100, snrs=tuple(SNRS), real_snrs=(None, 12.0, 6.0), real_per_word=15,
            reject_per_word=None, reject_extras=4, speed_utterances=8, paced=3,
            free_form_snrs=(None, 6.0), real_free_form_snrs=(None,))
#: the same kinds of rows on a small slice, about a minute on 2 cores (the free-form baselines only clean)
QUICK = Plan(synthetic_per_snr=3, snrs=(None, 6.0), real_snrs=(None, 6.0), real_per_word=1, reject_per_word=1,
             reject_extras=1, speed_utterances=2, paced=1, free_form_snrs=(None,), real_free_form_snrs=(),
             reject_free_form_every=3)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="backcheck bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="the same rows on a small slice, about a minute (checks the harness)")
    p.add_argument("--engine", choices=("auto", "answers", "sphinx", "vosk"), default="auto",
                   help="benchmark one engine (default: every engine available here)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--processes", type=int, default=2, help="worker processes for recognition (default 2)")
    p.add_argument("--answers-only", action="store_true",
                   help="only the answer recogniser's rows (real voices never trained on, alone and fused)")
    p.add_argument("--phrases-only", action="store_true",
                   help="only the phrase answers (several voices, clean / 12 / 6 dB) through the default engine "
                        "and the engine before issue 22")
    p.add_argument("--wake", choices=("also", "only", "skip"), default="also",
                   help="wake-word rows: with the rest (default), only them, or not at all")
    p.add_argument("--voice", choices=("also", "only", "skip"), default="also",
                   help="voice rows (time to first audio, real-time factor, memory, Pi 4 estimate): "
                        "with the rest (default), only them, or not at all")
    return p


def engines_to_run(choice: str, settings: Any) -> tuple[list[EngineSpec], list[str]]:
    """Engines to benchmark and notes about the ones left out (Vosk needs an English model)."""
    from assistant.model_store import find_model

    notes: list[str] = []
    model_dir = getattr(settings, "model_dir", None)
    if model_dir is None:
        found = find_model(tuple(settings.model_search_dirs), "en")
        model_dir = found
    specs: list[EngineSpec] = []
    if choice in ("auto", "answers"):
        # the default engine (answer recogniser + pocketsphinx); its classifier trained on the recordings
        specs.append(EngineSpec("answers", trained_on_recordings=True))
    if choice in ("auto", "sphinx"):
        specs.append(EngineSpec("sphinx"))
    if choice in ("auto", "vosk"):
        if model_dir is not None:
            specs.append(EngineSpec("vosk", str(model_dir)))
        elif choice == "vosk":
            raise BenchError("no English Vosk model is installed: run `backcheck models download` "
                             "(or `backcheck models install FILE.zip`), or use --engine sphinx")
        else:
            notes.append("Vosk rows are missing: no English Vosk model is installed here "
                         "(`backcheck models download` adds one; then rerun).")
    return specs, notes


def bench_command(argv: Sequence[str], settings: Any) -> int:
    """Run the benchmark; 0 when it ran (targets are reported, not enforced), 2 on a usage problem."""
    args = _parser().parse_args(list(argv))
    try:
        return _run(args, settings)
    except (BenchError, IntentDataError) as exc:
        print(f"backcheck bench: {exc}", file=sys.stderr)
        return 2


def _say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _answers_part(lang: Any, quick: bool) -> tuple[dict[str, Any] | None, str]:
    """The answer recogniser's rows, or None and why they are missing."""
    from assistant.bench import answers

    root = shared_speech_dir()
    if root is None or not answers.HELDOUT.is_file():
        return None, ("answer recogniser rows are missing: they need ../shared/speech and "
                      f"{answers.HELDOUT.name} (written by `backcheck train answers`).")
    its = answers.items(root, 1, snrs=(None, 12.0))[::2] if quick else answers.items(root, None)
    _say(f"answer recogniser: {len(its)} items (held-out speakers and words) x 4 engines")
    engines = answers.engines(("answers", "whisper", "fused", "sphinx"))
    return answers.run(lang, its, engines, ProgressBar("answer recogniser")), ""


def _phrases_part(lang: Any, quick: bool) -> tuple[dict[str, Any], list[str]]:
    """Phrase answers in every voice here, clean and in noise, through the default and the old engine."""
    from assistant.bench import phrases
    from assistant.speech.factory import make_recognizer

    voices = phrases.voices_available()[:2] if quick else phrases.voices_available()
    items = phrases.phrases(per_slot=1)[:4] if quick else phrases.phrases(per_slot=3)
    recs = {"answers+whisper (default)": make_recognizer("whisper"), "answers+sphinx (before)": make_recognizer("answers")}
    _say(f"phrase answers: {len(items)} phrases x {len(voices)} voices x 3 noise levels x {len(recs)} engines")
    res = phrases.run(lang, recs, voices, progress=ProgressBar("phrase answers"), items=items)
    res["unsure"] = phrases.unsure_run(lang, recs["answers+whisper (default)"], voices,
                                       progress=ProgressBar("\"don't know\" answers"))
    return res, voices


def _run(args: argparse.Namespace, settings: Any) -> int:
    started = time.perf_counter()
    plan = QUICK if args.quick else FULL
    if args.voice == "only":
        from assistant.bench.voice import run_voice_bench, voice_markdown

        print(voice_markdown(run_voice_bench(quick=args.quick, say=_say)))
        return 0
    if args.wake == "only":
        from assistant.bench.wake import run_wake_bench, wake_markdown

        print(wake_markdown(run_wake_bench(quick=args.quick, say=_say)))
        return 0
    language = getattr(settings, "language", "en") or "en"
    lang = load_language(language)
    if args.phrases_only:
        from assistant.bench import phrases

        res, voices = _phrases_part(lang, args.quick)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "phrases.json").write_text(json.dumps(res, indent=1))
        print(phrases.markdown(res, voices))
        _say(f"wrote {args.out / 'phrases.json'} in {time.perf_counter() - started:.0f} s")
        return 0
    if args.answers_only:
        from assistant.bench import answers

        res, why = _answers_part(lang, args.quick)
        if res is None:
            raise BenchError(why)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "answers.json").write_text(json.dumps(res, indent=1))
        print(answers.markdown(res))
        _say(f"wrote {args.out / 'answers.json'} in {time.perf_counter() - started:.0f} s")
        return 0
    import_recognizer_api()  # fail early, with a clear message
    specs, notes = engines_to_run(args.engine, settings)
    phrasings = answer_phrasings(lang)
    items = synthetic_items(phrasings, list(plan.snrs), plan.synthetic_per_snr, free_form_snrs=plan.free_form_snrs)
    root = shared_speech_dir()
    real_skipped = None
    if root is None:
        real_skipped = ("no real recordings: ../shared/speech (or $BACKCHECK_SHARED) is absent, so the real-voice "
                        "rows and the Speech Commands false-accept probes are left out.")
        notes.append(real_skipped)
    else:
        items += real_items(root, list(plan.real_snrs), plan.real_per_word, plan.real_free_form_snrs)
    items += reject_items(root, plan.reject_per_word, plan.reject_extras, plan.reject_free_form_every)

    _say(f"synthesizing speech (cached in ~/.cache/backcheck-bench) for {len(items)} items")
    _warm_cache(items, args.processes)
    _say(f"recognising {len(items)} items × {len(specs)} engine(s) with {args.processes} processes")
    records = run_items(items, specs, language=language, processes=args.processes,
                        progress=ProgressBar("recognising"))
    _say("measuring speed and memory (one process per engine, one core)")
    speed_utts = [(t, s) for t, s in phrasings if len(t.split()) >= 2][:: max(1, len(phrasings) // 40)]
    speed_utts = speed_utts[: plan.speed_utterances]
    speed = {s.engine: measure_engine(s.engine, s.model_dir, speed_utts, paced=plan.paced, language=language)
             for s in specs}
    results: dict[str, Any] = {
        "meta": {
            "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()}, {_cores()} cores, {platform.processor() or platform.system()}",
            "python": platform.python_version(), "quick": args.quick,
            "engines": [s.engine + (f" ({Path(s.model_dir).name})" if s.model_dir else "") for s in specs],
            "voices": list(VOICES), "speeds": list(SPEEDS), "snrs": ["clean" if s is None else s for s in plan.snrs],
            "synthetic_phrasings": len(phrasings), "synthetic_per_snr": min(plan.synthetic_per_snr, len(phrasings)),
            "real_per_word": plan.real_per_word,
            "free_form_snrs": ["clean" if s is None else s for s in plan.free_form_snrs],
            "real_free_form_snrs": ["clean" if s is None else s for s in plan.real_free_form_snrs],
            "real_skipped": real_skipped, "items": len(items),
            "recognitions": len(records), "notes": notes,
            "elapsed_s": time.perf_counter() - started,
        },
        "targets": TARGETS,
        "summary": summarize(records),
        "speed": speed,
    }
    answers_res, why = _answers_part(lang, args.quick)
    if answers_res is None:
        notes.append(why)
    results["answers"] = answers_res
    results["phrases"], phrase_voices = _phrases_part(lang, args.quick)
    if args.wake != "skip":
        from assistant.bench.wake import run_wake_bench

        results["wake"] = run_wake_bench(quick=args.quick, say=_say)
    if args.voice != "skip":
        from assistant.bench.voice import run_voice_bench

        results["voice"] = run_voice_bench(quick=args.quick, say=_say)
    md = write(results, records, args.out)
    if results.get("voice"):
        from assistant.bench.voice import voice_markdown

        md += voice_markdown(results["voice"])
    from assistant.bench import phrases as phrase_bench

    md += "\n\n" + phrase_bench.markdown(results["phrases"], phrase_voices) + "\n"
    (args.out / "results.md").write_text(md)
    if results.get("wake"):
        from assistant.bench.wake import wake_markdown

        md += wake_markdown(results["wake"])
        (args.out / "results.md").write_text(md)
    print(md)
    _say(f"wrote {args.out / 'results.md'}, results.json, records.jsonl, accuracy_vs_snr.png "
         f"in {time.perf_counter() - started:.0f} s")
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _synth(args: tuple[str, str, int]) -> None:
    spoken(*args)


def _warm_cache(items: Sequence[Any], processes: int) -> None:
    """Synthesize every espeak-ng utterance once (in parallel), so recognition workers only read."""
    talkers()
    todo = sorted({(i.text, i.voice, i.speed) for i in items if i.source == "espeak"})
    if processes <= 1 or len(todo) < 8:
        for t in todo:
            _synth(t)
        return
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(processes) as pool:
        list(pool.imap_unordered(_synth, todo, chunksize=8))
