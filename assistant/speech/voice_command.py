"""`backcheck voice`: which voice speaks here, hear it, write it to a WAV, or prepare every prompt now.

    backcheck voice                          # loads the voice from the settings and says a sample question
    backcheck voice "Is it sharp or dull?"   # says this
    backcheck voice --out q.wav "seven"      # writes a 16-bit WAV instead of playing
    backcheck voice --prepare                # synthesises every prompt into the cache (else done at start-up)

Exit status 1 when the voice asked for could not load (speech then comes from espeak-ng): a check a
person or script/pi-check can rely on.
"""
from __future__ import annotations

import argparse
import sys
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE = "How long ago was your workout?"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="backcheck voice", description=__doc__.splitlines()[0])
    p.add_argument("text", nargs="*", help=f"what to say (default: {SAMPLE!r})")
    p.add_argument("--out", type=Path, help="write a 16-bit mono WAV here instead of playing it")
    p.add_argument("--prepare", action="store_true", help="synthesise every prompt into the voice cache now")
    p.add_argument("--voice", choices=("hibari", "espeak-ng", "pyttsx3"), help="another voice than the settings'")
    return p


def _write_wav(path: Path, x: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())


def voice_command(argv: Sequence[str], settings: Any) -> int:
    """Run `backcheck voice`; 0 when the voice asked for spoke, 1 when it fell back or could not speak."""
    args = _parser().parse_args(list(argv))
    from assistant.speech.say_text import sentences
    from assistant.speech.voices import load_voice

    wanted = args.voice or settings.voice
    notices: list[str] = []
    started = time.perf_counter()
    voice = load_voice(wanted, settings.tts_rate, settings.tts_voice, notices.append)
    loaded_s = time.perf_counter() - started
    for n in notices:
        print(f"backcheck: {n}", file=sys.stderr)
    print(f"voice: {voice.label} (loaded in {loaded_s:.2f} s)", file=sys.stderr)
    if args.prepare:
        from assistant.nlu.language import load_language
        from assistant.speech.prompt_cache import PromptCache
        from assistant.speech.prompts import prompt_sentences

        cache = PromptCache(voice, settings.voice_cache)
        todo = prompt_sentences(load_language(settings.language))
        made = cache.prepare(todo)
        cache.prune(todo)
        print(f"prepared {made} new sentences of {len(todo)} in {cache.folder or 'memory only'}", file=sys.stderr)
        for e in cache.errors:
            print(f"backcheck: could not prepare {e}", file=sys.stderr)
        return 1 if notices or cache.errors else 0
    text = " ".join(args.text) or SAMPLE
    try:
        parts = [voice.synthesize(s) for s in sentences(text)]
    except Exception as exc:  # noqa: BLE001 - say what failed, in one line
        print(f"backcheck: the voice {voice.label} could not say that: {exc}", file=sys.stderr)
        return 1
    gap = np.zeros(int(float(getattr(voice, "pause_s", 0.0)) * voice.sample_rate), np.float32)
    x = np.concatenate([p for a in parts for p in (a, gap)][:-1]) if parts else np.zeros(0, np.float32)
    if args.out is not None:
        _write_wav(args.out, x, voice.sample_rate)
        print(f"wrote {args.out} ({x.size / voice.sample_rate:.1f} s at {voice.sample_rate} Hz)", file=sys.stderr)
    else:
        from assistant.audio.errors import AudioError
        from assistant.speech.tts import SpeakerMouth

        try:
            SpeakerMouth(settings.tts_rate, output_device=settings.output_device).play(x, voice.sample_rate)
        except AudioError as exc:
            print(f"backcheck: cannot play here ({exc}); use --out FILE.wav", file=sys.stderr)
            return 1
    return 1 if notices else 0
