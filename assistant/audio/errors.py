"""Audio faults a person can act on.

Every exception here carries a message that says what to do next, so the CLI
can print ``str(exc)`` instead of a traceback.
"""

from __future__ import annotations


class AudioError(Exception):
    """Base class for every expected audio fault (printable, no traceback)."""


class AudioFileError(AudioError):
    """A WAV file is missing, unreadable, or not PCM audio."""


class AudioUnavailable(AudioError):
    """No usable audio system: PortAudio missing, no such device, no input/output."""


class AudioDeviceLost(AudioError):
    """The device stopped delivering audio mid-stream (unplugged, server died)."""
