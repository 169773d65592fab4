"""The wake-word rows of `backcheck bench`: detection, false activations, idle CPU/memory, latency.

Everything is synthetic and offline: espeak-ng says each wake word in several voices and speeds
(clean, and mixed with gym noise at 12 and 6 dB); the false-activation audio is speech (off-topic
sentences, the questions BackCheck itself asks) over music, clanks, fans and babble, with no wake
word in it, fed to every model faster than real time.
"""
from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from assistant.bench.corpus import BABBLE_LINES, BABBLE_VOICES, OFF_TOPIC, spoken, talkers
from assistant.bench.noise import NOISE_KINDS, RATE, make_noise, mix_at_snr

WAKE_VOICES: tuple[str, ...] = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland", "en+m3", "en-us+f4")
WAKE_SPEEDS: tuple[int, ...] = (120, 150, 185)
WAKE_SNRS: tuple[float | None, ...] = (None, 12.0, 6.0)
TARGETS = {"detect_clean": 95.0, "detect_6db": 90.0, "false_per_hour": 0.5, "idle_cpu": 2.0, "wake_to_chime_ms": 200}
#: sentences said in the false-activation audio (none contains a wake word)
OTHER_SPEECH: tuple[str, ...] = BABBLE_LINES + OFF_TOPIC + (
    "how long ago was your workout", "is it sharp or stabbing or more of a dull ache",
    "hey can you pass me the towel", "okay now one more set", "alex is coming later", "I think my back is fine",
)
CHUNK_S = 60


def _models() -> list[str]:
    from assistant.wake.detector import WAKE_WORDS

    return list(WAKE_WORDS)


def detection(model: str, snrs: tuple[float | None, ...] = WAKE_SNRS, voices: tuple[str, ...] = WAKE_VOICES,
              speeds: tuple[int, ...] = WAKE_SPEEDS) -> dict[str, Any]:
    """Share of spoken wake words detected per SNR, and the lag from the end of the word to the detection."""
    from assistant.bench.speed import speech_end
    from assistant.wake.detector import WAKE_WORDS, WakeDetector, detect_in_samples

    det = WakeDetector(model)
    phrase = WAKE_WORDS[model]
    rows: dict[str, Any] = {}
    lags: list[float] = []
    for i_snr, snr in enumerate(snrs):
        hits = total = 0
        for i, (voice, speed) in enumerate((v, s) for v in voices for s in speeds):
            x = np.concatenate([np.zeros(RATE // 2, np.int16), spoken(phrase, voice, speed),
                                np.zeros(RATE // 2, np.int16)])
            kind = NOISE_KINDS[(i + i_snr) % len(NOISE_KINDS)]
            noise = make_noise(kind, x.size, seed=1000 * i_snr + i, talkers=talkers() if kind == "babble" else ())
            mixed = mix_at_snr(x, noise * 3000, snr)
            det.reset()
            found = detect_in_samples(mixed, detector=det)
            total += 1
            hits += bool(found)
            if found and snr is None:
                lags.append(found[0] - speech_end(x) / RATE)
        rows["clean" if snr is None else f"{snr:g} dB"] = round(100.0 * hits / total, 1)
    rows["n_per_snr"] = len(voices) * len(speeds)
    rows["lag_ms"] = round(1000 * float(np.median(lags)), 0) if lags else None
    det.close()
    return rows


def no_wake_chunks(seconds: float, seed: int = 7) -> Iterator[np.ndarray]:
    """Minute after minute of gym audio without a wake word: speech over noise, music, clanks, silence."""
    rng = np.random.default_rng(seed)
    voices = BABBLE_VOICES + WAKE_VOICES
    said = [spoken(t, voices[i % len(voices)], 150 + 15 * (i % 3)) for i, t in enumerate(OTHER_SPEECH)]
    done = 0
    while done < seconds * RATE:
        n = int(min(CHUNK_S, seconds - done / RATE) * RATE)
        kind = NOISE_KINDS[(done // (CHUNK_S * RATE)) % len(NOISE_KINDS)]
        bed = make_noise(kind, n, seed=int(rng.integers(1 << 30)), talkers=talkers() if kind == "babble" else ())
        out = bed * float(rng.uniform(300, 2500))
        pos = int(rng.integers(0, RATE))
        while pos < n:  # a sentence every few seconds, like people talking nearby
            s = said[int(rng.integers(len(said)))].astype(np.float64) * float(rng.uniform(0.3, 1.0))
            end = min(n, pos + s.size)
            out[pos:end] += s[: end - pos]
            pos = end + int(rng.uniform(0.5, 4.0) * RATE)
        yield np.clip(np.round(out), -32768, 32767).astype(np.int16)
        done += n


def false_activations(hours: float, models: list[str] | None = None,
                      progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Wake detections per hour on audio without the wake word, every model on the same audio."""
    from assistant.wake.detector import WakeDetector, detect_in_samples

    models = models or _models()
    dets = {m: WakeDetector(m) for m in models}
    counts = {m: 0 for m in models}
    fed = 0.0
    started = time.perf_counter()
    for chunk in no_wake_chunks(hours * 3600):
        for m, det in dets.items():
            counts[m] += len(detect_in_samples(chunk, detector=det))
        fed += chunk.size / RATE
        if progress and int(fed) % 600 == 0:
            progress(f"  false activations: {fed / 60:.0f} of {hours * 60:.0f} minutes")
    return {"hours": round(fed / 3600, 2), "per_hour": {m: round(c / (fed / 3600), 2) for m, c in counts.items()},
            "count": counts, "compute_s": round(time.perf_counter() - started, 1)}


_IDLE_CHILD = """
import sys, time
import numpy as np
from assistant.wake.detector import BLOCK
from assistant.wake.detector import WakeDetector
det = WakeDetector(sys.argv[1])
seconds = float(sys.argv[2])
data = np.random.default_rng(0).normal(0, 300, int(seconds * 16000)).astype(np.int16).tobytes()
t0, c0 = time.perf_counter(), time.process_time()
for i in range(0, len(data), 2 * BLOCK):  # as serve reads the microphone
    time.sleep(max(0.0, t0 + (i / 2 + BLOCK) / 16000 - time.perf_counter()))
    det.feed(data[i:i + 2 * BLOCK])
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
# VmRSS, not ru_maxrss: after fork+exec ru_maxrss still counts the parent's high-water mark
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(100 * cpu / wall, rss / 1024)
"""


def idle_cost(model: str, seconds: float = 30.0) -> dict[str, float]:
    """CPU % of one core and peak memory of a process doing what serve does while idle (real-time audio)."""
    repo = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-c", _IDLE_CHILD, model, str(seconds)], capture_output=True, text=True,
                       cwd=repo, timeout=seconds + 120)
    cpu, mb = (float(v) for v in r.stdout.split()[-2:])
    return {"cpu_percent": round(cpu, 2), "memory_mb": round(mb, 1), "seconds": seconds}


def chime_start_ms(repeats: int = 5) -> float | None:
    """Delay from the moment serve calls for the chime until it is heard, in ms (None without audio).

    Plays the chime the way serve does (``SpeakerMouth.play``) while recording, on the same clock,
    from the speaker's monitor (``vspeaker_monitor`` of the test sound server) or else the default
    microphone (on a Pi it hears the speaker); the first loud block after the call is the chime.
    Recording adds its own latency, so this is an upper bound.
    """
    import queue

    from assistant.audio.earcons import RATE as ERATE
    from assistant.audio.earcons import earcon
    from assistant.audio.errors import AudioError
    from assistant.speech.tts import SpeakerMouth

    try:
        import sounddevice as sd

        from assistant.audio.devices import find_device, list_devices

        speaker = SpeakerMouth()
        names = [d.name for d in list_devices() if d.max_inputs > 0]
        mic = find_device("vspeaker_monitor" if "vspeaker_monitor" in names else None, "input")
    except (AudioError, OSError, ImportError):
        return None
    blocks: queue.Queue[tuple[float, float]] = queue.Queue()

    def heard(indata: Any, frames: int, _t: Any, _s: Any) -> None:
        blocks.put((time.perf_counter(), float(np.abs(indata).max())))

    tone = earcon("start")
    times = []
    with sd.InputStream(samplerate=ERATE, channels=1, device=mic.index, blocksize=80, callback=heard, latency="low"):
        for _ in range(repeats):
            time.sleep(0.3)
            while not blocks.empty():
                blocks.get_nowait()
            t0 = time.perf_counter()
            try:
                speaker.play(tone, ERATE)
            except AudioError:
                return None
            time.sleep(0.2)
            loud = [t for t, peak in list(blocks.queue) if peak > 0.3 * float(np.abs(tone).max()) and t > t0]
            if loud:
                times.append(1000 * (loud[0] - t0))
    return round(float(np.median(times)), 0) if times else None


def run_wake_bench(*, quick: bool, say: Callable[[str], None]) -> dict[str, Any]:
    """Every wake row: detection per model and SNR, false activations, idle cost, wake → chime."""
    from assistant.wake.detector import DEFAULT_WAKE_WORD

    models = _models()
    voices, speeds = (WAKE_VOICES[:2], WAKE_SPEEDS[1:2]) if quick else (WAKE_VOICES, WAKE_SPEEDS)
    say(f"wake word: detection for {len(models)} models × {len(voices) * len(speeds)} utterances × 3 SNRs")
    det = {m: detection(m, voices=voices, speeds=speeds) for m in models}
    hours = 0.02 if quick else 1.0
    say(f"wake word: false activations on {hours:g} h of speech, music and gym noise")
    false = false_activations(hours, models, progress=say)
    say("wake word: idle CPU and memory (real-time audio)")
    idle = idle_cost(DEFAULT_WAKE_WORD, 5.0 if quick else 30.0)
    chime = chime_start_ms()
    lag = det[DEFAULT_WAKE_WORD]["lag_ms"]
    return {"default": DEFAULT_WAKE_WORD, "detection": det, "false": false, "idle": idle,
            "detect_lag_ms": lag, "chime_start_ms": chime,
            "wake_to_chime_ms": None if lag is None else lag + (chime or 0), "targets": TARGETS}


def wake_markdown(w: dict[str, Any]) -> str:
    """The wake section of results.md (the README table is copied from it)."""
    lines = ["", "## Wake word", "",
             f"Default model: {w['default']}. Detection on espeak-ng voices "
             f"({next(iter(w['detection'].values()))['n_per_snr']} utterances per SNR, gym noise mixed in); "
             f"false activations on {w['false']['hours']} h of speech, music and gym noise with no wake word.", "",
             "| model | clean | 12 dB | 6 dB | false activations / h |", "|---|---|---|---|---|"]
    for m, row in w["detection"].items():
        lines.append(f"| {m} | {row['clean']} % | {row['12 dB']} % | {row['6 dB']} % | {w['false']['per_hour'][m]} |")
    t, idle = w["targets"], w["idle"]
    chime = w["chime_start_ms"]
    lines += ["", f"- idle CPU (default model, real-time audio): {idle['cpu_percent']} % of one core "
              f"(target ≤ {t['idle_cpu']} %); memory {idle['memory_mb']} MB",
              f"- wake → chime: {w['wake_to_chime_ms']} ms = detection lag after the word ends {w['detect_lag_ms']} ms"
              + (f" + {chime} ms from asking for the chime to hearing it" if chime is not None
                 else " (no speaker here: chime start not measured)") + f" (target ≤ {t['wake_to_chime_ms']} ms)",
              f"- targets: detection ≥ {t['detect_clean']} % clean and ≥ {t['detect_6db']} % at 6 dB on the default "
              f"model; ≤ {t['false_per_hour']} false activations per hour", ""]
    return "\n".join(lines)


