"""`backcheck mic-check`: is the microphone set up well enough to be understood from the mat?

Records three seconds, shows a level meter, says whether the level is too quiet, clipping or fine
(the same check the check-in makes), and plays the recording back so the person hears themselves.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

import numpy as np

from assistant.audio.levels import level_report, speech_dbfs
from assistant.config import Settings

RECORD_S = 3.0
_METER_WIDTH = 40
_FLOOR_DB = -70.0


def meter(samples: np.ndarray, rate: int = 16000, step_s: float = 0.1) -> list[str]:
    """One bar per ``step_s`` of audio: its level in dBFS as a row of '#' from -70 to 0 dBFS."""
    from assistant.audio.levels import rms_dbfs

    step = int(rate * step_s)
    rows = []
    for i in range(0, len(samples) - step + 1, step):
        db = max(_FLOOR_DB, rms_dbfs(samples[i:i + step]))
        n = int(round(_METER_WIDTH * (db - _FLOOR_DB) / -_FLOOR_DB))
        rows.append(f"{i / rate:4.1f} s {'#' * n:<{_METER_WIDTH}} {db:6.1f} dBFS")
    return rows


def verdict(samples: np.ndarray) -> tuple[bool, str]:
    """(fine?, a sentence for the person) about the recorded level."""
    report = level_report(samples)
    if report:
        return False, report
    return True, f"the microphone level is fine (speech at {speech_dbfs(samples):.0f} dBFS)"


def mic_check_command(settings: Settings, out: TextIO = sys.stdout, seconds: float = RECORD_S) -> int:
    """Record, show, judge, play back; 0 when the level is fine, 1 when it is not or there is no microphone."""
    from assistant.audio.errors import AudioError
    from assistant.audio.microphone import MicrophoneSource
    from assistant.speech.tts import SpeakerMouth

    try:
        with MicrophoneSource(settings.device) as mic:
            print(f"recording {seconds:.0f} seconds from {mic.device.name}: say something, as loud as you would "
                  "from where you exercise...", file=out, flush=True)
            data = bytearray()
            end = time.monotonic() + seconds + 2.0
            while len(data) < int(seconds * mic.sample_rate) * 2 and time.monotonic() < end:
                block = mic.read(1600, timeout=0.5)
                if block is None:
                    break
                data += block
    except AudioError as exc:
        print(f"backcheck: {exc}", file=sys.stderr)
        return 1
    samples = np.frombuffer(bytes(data), dtype="<i2")
    for row in meter(samples):
        print(row, file=out)
    fine, sentence = verdict(samples)
    print(sentence, file=out, flush=True)
    if samples.size:
        try:
            speaker = SpeakerMouth(output_device=settings.output_device)
            print(f"playing it back on {speaker.device.name}...", file=out, flush=True)
            speaker.play(samples.astype(np.float64) / 32768.0, 16000)
        except AudioError as exc:
            print(f"(could not play it back: {exc})", file=out)
    return 0 if fine else 1
