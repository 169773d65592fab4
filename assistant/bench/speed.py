"""Speed and size of each recogniser, each measured in its own fresh process on one core.

Why a child process per engine (multiprocessing "spawn"): peak memory (ru_maxrss) is per process,
so engines must not share a heap; and pinning the child to one core (sched_setaffinity) gives the
real-time factor a Raspberry Pi-like single-core budget.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.bench.corpus import spoken
from assistant.bench.noise import RATE

if TYPE_CHECKING:
    from assistant.dialog.conversation import Conversation
    from assistant.nlu.language import Language
    from assistant.nlu.understand import Understander


class PacedSource:
    """Plays samples in real time, as a microphone would, and notes when speech ended.

    `speech_end` is the sample where the person stopped talking; `spoke_at` the wall-clock
    moment the block holding it was handed over (perf_counter), so latency after speech can be
    measured from there.
    """

    sample_rate = RATE

    def __init__(self, samples: np.ndarray, speech_end: int):
        self.data = np.asarray(samples, np.int16).tobytes()
        self.pos = 0
        self.speech_end = speech_end
        self.start = time.perf_counter()
        self.spoke_at: float | None = None

    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        if self.pos >= len(self.data):
            return None
        block = self.data[self.pos:self.pos + 2 * frames]
        self.pos += len(block)
        due = self.start + self.pos / 2 / RATE
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        if self.spoke_at is None and self.pos / 2 >= self.speech_end:
            self.spoke_at = time.perf_counter()
        return block

    def close(self) -> None:
        self.pos = len(self.data)


def speech_end(x: np.ndarray, range_db: float = 40.0) -> int:
    """The sample where speech ends: the end of the last 10 ms frame within `range_db` of the loudest."""
    frame = RATE // 100
    f = np.asarray(x, np.float64)[: x.size // frame * frame].reshape(-1, frame)
    power = np.mean(f**2, axis=1)
    if power.size == 0 or power.max() <= 0:
        return int(x.size)
    loud = np.nonzero(power >= power.max() * 10 ** (-range_db / 10))[0]
    return int((loud[-1] + 1) * frame)


def tts_first_audio_s(text: str, voice: str = "en-us", rate: int = 165) -> float:
    """Seconds until espeak-ng yields the first audio of `text` (the next prompt starting)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return float("nan")
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, "--stdout", "-v", voice, "-s", str(rate), "--", text],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    proc.stdout.read(44 + 3200)  # WAV header + the first 100 ms of audio
    first = time.perf_counter() - t0
    proc.kill()
    proc.wait()
    return first


def _child(spec: tuple[str, str | None], language: str, utterances: list[tuple[str, str]], paced: int,
           conn: Any) -> None:
    """Runs in a fresh process pinned to one core; sends back one dict of figures."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError):
        pass
    try:
        conn.send(_measure(spec, language, utterances, paced))
    except Exception as exc:  # report, don't hang the parent
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def _measure(spec: tuple[str, str | None], language: str, utterances: list[tuple[str, str]],
             paced: int) -> dict[str, Any]:
    from assistant.bench.runner import import_recognizer_api
    from assistant.dialog.conversation import Heard
    from assistant.nlu.language import load_language
    from assistant.nlu.understand import Understander
    from assistant.voice.grammar import grammar_for_slot

    lang = load_language(language)
    nlu = Understander(lang)
    grammars = {slot: grammar_for_slot(lang, slot) for _, slot in utterances}
    audio = [spoken(text, "en-us", 165) for text, _ in utterances]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    make, _ = import_recognizer_api()
    t0 = time.perf_counter()
    rec = make(engine=spec[0], model_dir=Path(spec[1]) if spec[1] else None)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rec.recognize_pcm(audio[0], grammars[utterances[0][1]])  # first use: grammar set-up, caches
    first_s = time.perf_counter() - t0
    figures: dict[str, Any] = {"engine": rec.engine, "model": str(getattr(rec, "model", "")),
                               "load_s": load_s, "first_recognition_s": first_s}
    for mode in ("grammar", "free-form"):
        comp = aud = 0.0
        for x, (_, slot) in zip(audio, utterances):
            r = rec.recognize_pcm(x, grammars[slot] if mode == "grammar" else None)
            comp += r.compute_s
            aud += r.audio_s
        figures[f"rtf_{mode}"] = comp / aud if aud else float("nan")
    # end of speech -> understood answer -> next prompt starting, live-paced through recognize()
    answer, prompt, understand, step, tts, endpoint = [], [], [], [], [], []
    recognize = getattr(rec, "recognize", None)
    for x, (text, slot) in list(zip(audio, utterances))[:paced]:
        conv = conversation_at(lang, nlu, slot)
        if recognize is not None:
            src = PacedSource(x, speech_end(x))
            r = recognize(src, grammars[slot], max_s=30.0, silence_timeout_s=5.0)
            heard_at = time.perf_counter()
            spoke_at = src.spoke_at if src.spoke_at is not None else heard_at
            endpoint.append(float(getattr(r, "endpoint_s", 0.0) or 0.0))
        else:  # batch only: the whole decode counts as after speech (an upper bound)
            spoke_at = time.perf_counter()
            r = rec.recognize_pcm(x, grammars[slot])
            heard_at = time.perf_counter()
        t = time.perf_counter()
        nlu.understand(r.transcript if r else "", slot, r.confidence if r else None)
        understood = time.perf_counter()
        reply = conv.hear(Heard(r.transcript if r else "", r.confidence if r else None))
        stepped = time.perf_counter()
        first_audio = tts_first_audio_s(reply.splitlines()[-1] if reply else "ok")
        understand.append(understood - t)
        step.append(stepped - understood)
        tts.append(first_audio)
        answer.append(understood - spoke_at)
        prompt.append(stepped - spoke_at + first_audio)
    figures.update({
        "latency_mode": "live-paced recognize()" if recognize is not None else "batch recognize_pcm (upper bound)",
        "paced_utterances": len(answer),
        "endpoint_s": _median(endpoint),
        "speech_end_to_answer_s": _median(answer),
        "speech_end_to_prompt_s": _median(prompt),
        "understand_s": _median(understand),
        "conversation_step_s": _median(step),
        "tts_first_audio_s": _median(tts),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "baseline_rss_mb": rss_before / 1024.0,
        "one_core": True,
    })
    return figures


def conversation_at(lang: Language, nlu: Understander, slot: str) -> Conversation:
    """A check-in's ``Conversation`` open at ``slot``'s question, as if the questions before it were asked."""
    from assistant.dialog.conversation import Conversation

    conv = Conversation(lang, nlu)
    conv.opening()
    conv.current = slot
    return conv


def _median(xs: Sequence[float]) -> float | None:
    return statistics.median(xs) if xs else None


def measure_engine(engine: str, model_dir: str | None, utterances: list[tuple[str, str]], *, paced: int = 3,
                   language: str = "en", timeout_s: float = 240.0) -> dict[str, Any]:
    """Speed and memory figures for one engine, measured in a fresh spawned process."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=((engine, model_dir), language, utterances, paced, child), daemon=True)
    proc.start()
    child.close()
    result: dict[str, Any] = {"error": f"timed out after {timeout_s:.0f} s"}
    done = threading.Event()

    def _recv() -> None:
        nonlocal result
        try:
            result = parent.recv()
        except EOFError:
            result = {"error": "the measuring process died"}
        done.set()

    threading.Thread(target=_recv, daemon=True).start()
    done.wait(timeout_s)
    if proc.is_alive():
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    result.setdefault("engine", engine)
    return result
