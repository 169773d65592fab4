"""`backcheck wake FILE.wav ... [--wake-word NAME] [--json]`: where in a recording is the wake word?

Used to check the detector on a machine without a microphone (the Raspberry Pi emulation check
runs it), so it reads any WAV the rest of BackCheck reads: any rate, mono or stereo. The file is
streamed through the detector block by block, so an hour of audio needs no more memory than a second.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from assistant.audio.errors import AudioFileError
from assistant.audio.wavstream import WavStream
from assistant.wake.detector import BLOCK, WakeDetector, WakeWordError


def detect_in_file(path: Path, detector: WakeDetector) -> list[float]:
    """Every wake-word time (s) in the WAV file at ``path``, read as a stream in serve's 100 ms blocks."""
    detector.reset()
    hits: list[float] = []
    with WavStream(path) as source:
        while (block := source.read(BLOCK)) is not None:
            hits += detector.feed(block)
    return hits


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
            hits = detect_in_file(path, detector)
        except AudioFileError as exc:
            print(f"backcheck: {exc}", file=sys.stderr)
            status = 1
            continue
        if as_json:
            dump_json({"file": str(path), "wake_word": detector.name, "detections": hits})
        else:
            times = ", ".join(f"{t:.2f} s" for t in hits) or "not heard"
            print(f"{path}: {detector.model.phrase}: {times}")
    return status
