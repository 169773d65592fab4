"""`backcheck wake FILE.wav ... [--wake-word NAME] [--json]`: where in a recording is the wake word?

Used to check the detector on a machine without a microphone (the Raspberry Pi emulation check
runs it), so it reads any WAV the rest of BackCheck reads: any rate, mono or stereo.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from assistant.audio.errors import AudioFileError
from assistant.audio.sources import load_wav_16k
from assistant.wake.detector import WakeDetector, WakeWordError, detect_in_samples


def wake_command(files: Sequence[Path], wake_word: str, *, as_json: bool) -> int:
    """Print each file's wake-word times; 0 when every file was read, 1 otherwise."""
    from assistant.output import dump_json

    try:
        detector = WakeDetector(wake_word)
    except WakeWordError as exc:
        print(f"backcheck: {exc}", file=sys.stderr)
        return 1
    status = 0
    for path in files:
        try:
            samples = load_wav_16k(path)
        except AudioFileError as exc:
            print(f"backcheck: {exc}", file=sys.stderr)
            status = 1
            continue
        detector.reset()
        hits = detect_in_samples(samples, detector=detector)
        if as_json:
            dump_json({"file": str(path), "wake_word": detector.name, "detections": hits})
        else:
            times = ", ".join(f"{t:.2f} s" for t in hits) or "not heard"
            print(f"{path}: {detector.model.phrase}: {times}")
    return status
