"""Voice rows of the benchmark: how fast, how heavy and how prompt each voice is (issue 24).

Each voice is measured in a fresh process pinned to one core (peak memory is per process; one core is
a Pi-like budget), speaking every sentence BackCheck prepares from ``intents/``. CPU time counts the
process and its children (espeak-ng runs as a program), so a busy machine distorts it little.
Where a speaker is there (the test sound server's, or a real one), the time from asking for a question
to hearing it is measured on the speaker's monitor too.

    python -m assistant.bench.voice            # or: backcheck bench --voice only
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: CPU time on a Raspberry Pi 4 (Cortex-A72, 1.5-1.8 GHz) against one x86-64 core of this machine:
#: 3x from Piper's medium voices (about 2x real time on a Pi 4 in rhasspy/rhasspy3#36; 7x here),
#: 6x as the cautious end. An estimate until someone measures a real board.
PI4_FACTOR = (3.0, 6.0)
TARGETS = {"question_start_ms": 150, "rtf": 0.1}
VOICES = ("hibari", "espeak-ng")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (espeak-ng), to the microsecond."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_mb() -> float:
    """This process's own peak resident memory (VmHWM: unlike ru_maxrss it does not carry the parent's over exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _measure(name: str, rate: int, limit: int | None) -> dict[str, Any]:
    """In the child: load the voice, say every prompt sentence once, then read them back from a cache."""
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    except (AttributeError, OSError):
        pass
    rss0 = _rss_mb()
    from assistant.nlu.language import load_language
    from assistant.speech.prompt_cache import PromptCache
    from assistant.speech.prompts import prompt_sentences

    parts = prompt_sentences(load_language("en"))[:limit]
    rss_base = _rss_mb()
    from assistant.speech.voices import load_voice

    c0, w0 = _cpu(), time.perf_counter()
    notes: list[str] = []
    voice = load_voice(name, rate, None, notes.append)
    load_cpu, load_wall = _cpu() - c0, time.perf_counter() - w0
    rss_loaded = _rss_mb()
    c0 = _cpu()
    voice.synthesize("How long ago was your workout?")
    first_cpu = _cpu() - c0
    rss_warm = _rss_mb()
    per: list[float] = []
    audio_s, words = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="backcheck-voice-bench-") as tmp:
        cache = PromptCache(voice, Path(tmp))
        c_all = _cpu()
        for s in parts:
            c0 = _cpu()
            x = voice.synthesize(s)
            per.append(_cpu() - c0)
            audio_s += x.size / voice.sample_rate
            words += len(s.split())
            cache.put(s, x)
        synth_cpu = _cpu() - c_all
        fresh = PromptCache(voice, Path(tmp))  # nothing in memory: every hit is read from disk
        hits = []
        for s in parts:
            t0 = time.perf_counter()
            assert fresh.get(s) is not None
            hits.append(time.perf_counter() - t0)
    durations = [len(s.split()) for s in parts]
    return {
        "voice": name, "label": voice.label, "fallback": voice.name != name, "notes": notes,
        "sentences": len(parts), "words": words, "audio_s": round(audio_s, 1),
        "words_per_min": round(words / audio_s * 60, 0) if audio_s else None,
        "load_cpu_s": round(load_cpu, 3), "load_wall_s": round(load_wall, 3),
        "first_call_cpu_s": round(first_cpu, 3),
        "rtf": round(synth_cpu / audio_s, 4) if audio_s else None,
        "sentence_cpu_ms_median": round(1000 * statistics.median(per), 1),
        "sentence_cpu_ms_p95": round(1000 * float(np.percentile(per, 95)), 1),
        "longest_sentence_cpu_ms": round(1000 * max(per), 1), "longest_sentence_words": max(durations),
        "prepare_all_cpu_s": round(synth_cpu, 2),
        "cache_hit_ms_median": round(1000 * statistics.median(hits), 2),
        "cache_hit_ms_p95": round(1000 * float(np.percentile(hits, 95)), 2),
        "memory_mb": {"start": round(rss0, 1), "python_and_intents": round(rss_base, 1),
                      "after_load": round(rss_loaded, 1), "after_first_sentence": round(rss_warm, 1),
                      "voice_adds": round(rss_warm - rss_base, 1), "peak": round(_peak_mb(), 1)},
    }


def measure_voice(name: str, rate: int = 165, limit: int | None = None) -> dict[str, Any]:
    """One voice's rows, measured in a fresh process on one core."""
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_measure, (name, rate, limit))


def question_start_ms(name: str, rate: int = 165, repeats: int = 5) -> dict[str, Any] | None:
    """Asking for a prepared question -> hearing it on the speaker, in ms (None without a speaker).

    The real mouth (prompt cache, player) says each question while the speaker's monitor
    (``vspeaker_monitor`` of the test sound server, else the default microphone, which on a Pi hears
    the speaker) is recorded on the same clock; the first loud block after the call is the question.
    Recording adds its own latency, so this is an upper bound.
    """
    import queue

    from assistant.audio.errors import AudioError

    try:
        import sounddevice as sd

        from assistant.audio.devices import find_device, list_devices
        from assistant.nlu.language import load_language
        from assistant.speech.prompt_cache import PromptCache
        from assistant.speech.tts import SpeakerMouth
        from assistant.speech.voices import load_voice

        lang = load_language("en")
        prompts = [lang.questions[s].prompt for s in ("hours_since_workout", "onset", "pain_score", "quality",
                                                      "localized", "night_pain", "trend")][:repeats]
        voice = load_voice(name, rate, None, lambda _m: None)
        names = [d.name for d in list_devices() if d.max_inputs > 0]
        mic = find_device("vspeaker_monitor" if "vspeaker_monitor" in names else None, "input")
    except (AudioError, OSError, ImportError):
        return None
    blocks: queue.Queue[tuple[float, float]] = queue.Queue()

    def heard(indata: Any, frames: int, _t: Any, _s: Any) -> None:
        blocks.put((time.perf_counter(), float(np.abs(indata).max())))

    with tempfile.TemporaryDirectory(prefix="backcheck-voice-bench-") as tmp:
        cache = PromptCache(voice, Path(tmp))
        cache.prepare(p for text in prompts for p in _sentences(text))
        cache = PromptCache(voice, Path(tmp))  # read from disk, as after a restart
        try:
            mouth = SpeakerMouth(rate, speech=voice, cache=cache, notice=lambda _m: None)
        except AudioError:
            return None
        times, handed = [], []
        with sd.InputStream(samplerate=16000, channels=1, device=mic.index, blocksize=80, callback=heard,
                            latency="low"):
            for text in prompts:
                time.sleep(0.3)
                while not blocks.empty():
                    blocks.get_nowait()
                t0 = time.perf_counter()
                mouth.say(text)
                handed.append(1000 * mouth.last_first_audio_s)
                loud = [t for t, peak in list(blocks.queue) if peak > 0.02 and t > t0]
                if loud:
                    times.append(1000 * (loud[0] - t0))
    if not times:
        return None
    return {"heard_ms_median": round(float(np.median(times)), 0), "heard_ms_max": round(max(times), 0),
            "handed_to_player_ms_median": round(float(np.median(handed)), 1), "n": len(times)}


def _sentences(text: str) -> list[str]:
    from assistant.speech.say_text import sentences

    return sentences(text)


def run_voice_bench(*, quick: bool = False, say: Callable[[str], None] = print,
                    voices: Sequence[str] = VOICES) -> dict[str, Any]:
    """Every voice row: load, first call, real-time factor, memory, cache hits, question start."""
    rows = {}
    for name in voices:
        say(f"voice: {name}, every prompt sentence on one core")
        rows[name] = measure_voice(name, limit=12 if quick else None)
        rows[name]["question_start"] = question_start_ms(name, repeats=2 if quick else 5)
    return {"voices": rows, "pi4_factor": PI4_FACTOR, "targets": TARGETS}


def _pi(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    lo, hi = (round(value * f, digits) for f in PI4_FACTOR)
    return f"{lo}-{hi}"


def voice_markdown(res: dict[str, Any]) -> str:
    """The voice section of results.md (docs/benchmarks.md copies it)."""
    lines = ["", "## Voice (issue 24)", "",
             "Every sentence BackCheck prepares from intents/ (questions, re-asks, help, FAQ, verdict lines), "
             "one core, CPU time of the process and its children. Pi 4 = this machine's CPU time × "
             f"{PI4_FACTOR[0]:g}-{PI4_FACTOR[1]:g} (an estimate).", "",
             "| voice | load (CPU) | first sentence (CPU) | real-time factor | Pi 4 estimate | sentence CPU median / p95 "
             "| memory: voice adds / process peak | prompt-cache hit median / p95 | question heard after |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in res["voices"].items():
        q = r.get("question_start")
        heard = (f"{q['heard_ms_median']:.0f} ms (max {q['heard_ms_max']:.0f}; handed to the player after "
                 f"{q['handed_to_player_ms_median']:.1f} ms)" if q else "no speaker")
        label = r["label"] + (" (fallback!)" if r["fallback"] else "")
        lines.append(
            f"| {label} | {r['load_cpu_s']} s | {r['first_call_cpu_s']} s | {r['rtf']} | {_pi(r['rtf'], 3)} "
            f"| {r['sentence_cpu_ms_median']} / {r['sentence_cpu_ms_p95']} ms | {r['memory_mb']['voice_adds']} / "
            f"{r['memory_mb']['peak']} MB | {r['cache_hit_ms_median']} / {r['cache_hit_ms_p95']} ms | {heard} |")
    lines.append("")
    for name, r in res["voices"].items():
        lines.append(f"- {name}: {r['sentences']} sentences, {r['words']} words, {r['audio_s']} s of audio "
                     f"({r['words_per_min']:.0f} words a minute); preparing all of them {r['prepare_all_cpu_s']} s CPU "
                     f"(Pi 4 {_pi(r['prepare_all_cpu_s'], 1)} s); Pi 4 load {_pi(r['load_cpu_s'])} s, "
                     f"first sentence {_pi(r['first_call_cpu_s'])} s")
    lines += [f"- target: a prepared question heard ≤ {res['targets']['question_start_ms']} ms after it is asked; "
              f"real-time factor ≤ {res['targets']['rtf']} on one core", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m assistant.bench.voice [--quick] [VOICE ...]``: print the voice table."""
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    voices = [a for a in args if not a.startswith("--")] or list(VOICES)
    res = run_voice_bench(quick=quick, voices=voices, say=lambda m: print(f"[bench] {m}", file=sys.stderr))
    import json

    print(voice_markdown(res))
    print(json.dumps(res, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
