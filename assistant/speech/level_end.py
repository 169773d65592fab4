"""Where an answer ends when the voice-activity endpointer cannot tell: by loudness against the room.

Why: pocketsphinx's endpointer (WebRTC-style VAD) takes a fan's hum, gym music or other people
talking for speech that never ends, so in such noise a person who had answered waited out the
longest answer BackCheck listens to (15 s); and it never starts on a 0.2 s "yes", so then the
person waited out the silence timeout (8 s). Someone answering a device near them is louder than
the room was just before; when the sound falls back to that level for a moment, the answer is over.
Measured on the benchmark's real one-word answers with 10 s of noise after them (docs/benchmarks.md).
"""
from __future__ import annotations

from collections import deque

import numpy as np

#: The sound must rise this far over the room's level before the answer (dB) to count as someone
#: answering near the device (babble at the room's level never does), ...
LOUD_OVER_FLOOR_DB = 8.0
#: ... and the answer is over once it stays within this much of that level (dB) ...
QUIET_OVER_FLOOR_DB = 6.0
#: ... for this long (s). Longer than the endpointer's own ~0.3 s, so in a quiet room it ends first.
QUIET_FOR_S = 0.5
#: The room's level is measured over at least this much sound before the answer (s).
FLOOR_LEAST_S = 0.2
#: Energy is smoothed over this long (s), so one quiet syllable gap is not an end.
SMOOTH_S = 0.18
#: Quietest room level assumed (RMS of int16 samples): digital silence is not a floor.
MIN_FLOOR_RMS = 20.0
#: In a quiet room (floor at most this RMS, about -50 dBFS), a loud stretch shorter than
#: WORD_LEAST_S (frames loud on their own, not smoothed) may be a click or a knock before the word ...
QUIET_ROOM_RMS = 100.0
WORD_LEAST_S = 0.1
#: ... so after one the quiet must last this long (s) before the answer is over: the word may follow
#: (a click opens a real "yes" 0.6 s before the word; ended on the click, it was heard as "no").
#: Not in noise: there a word is often that short over the room, and waiting lets the room's talk in.
QUIET_AFTER_CLICK_S = 1.2


class LevelEnd:
    """Fed frame by frame; says when a loud stretch has fallen back to the room's level."""

    def __init__(self, frame_s: float):
        self.frame_s = frame_s
        self._smooth: deque[float] = deque(maxlen=max(1, round(SMOOTH_S / frame_s)))
        self._floor: list[float] = []
        self._floor_energy = 0.0
        self.loud = False
        self._quiet_frames = 0
        self._loud_frames = 0  # frames of this stretch loud on their own
        self._frames = 0
        #: Seconds from the first frame to where the last loud stretch fell back (None: none has).
        self.fell_at_s: float | None = None

    def _room(self) -> float:
        return max(self._floor_energy, MIN_FLOOR_RMS ** 2)

    def _loud(self) -> float:
        return self._room() * 10 ** (LOUD_OVER_FLOOR_DB / 10)

    def step(self, frame: np.ndarray) -> bool:
        """Take one frame of int16 samples; True on the frame where a loud stretch has just ended."""
        self._frames += 1
        energy = float(np.mean(np.square(frame.astype(np.float64)))) if frame.size else 0.0
        self._smooth.append(energy)
        level = sum(self._smooth) / len(self._smooth)
        if not self.loud:
            enough = len(self._floor) * self.frame_s >= FLOOR_LEAST_S
            if enough and level >= self._loud():
                self.loud, self._quiet_frames = True, 0
                self._loud_frames = int(energy >= self._loud())
                return False
            self._floor.append(energy)
            if len(self._floor) % 5 == 0 or len(self._floor) < 10:
                self._floor_energy = float(np.median(self._floor))
            return False
        self._loud_frames += int(energy >= self._loud())
        self._quiet_frames = self._quiet_frames + 1 if level < self._room() * 10 ** (QUIET_OVER_FLOOR_DB / 10) else 0
        word = self._loud_frames * self.frame_s >= WORD_LEAST_S - 1e-9 or self._room() > QUIET_ROOM_RMS ** 2
        if self._quiet_frames * self.frame_s >= (QUIET_FOR_S if word else QUIET_AFTER_CLICK_S):
            self.fell_at_s = (self._frames - self._quiet_frames) * self.frame_s
            self.loud = False  # heard out: listen for another stretch if this one was no answer
            return True
        return False
