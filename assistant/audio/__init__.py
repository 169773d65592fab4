"""Audio in: microphone and WAV sources as 16 kHz mono int16, device listing, level checks.

Nothing here imports ``sounddevice`` at import time, so text mode works on a
machine without PortAudio.
"""

from assistant.audio.devices import DeviceInfo, find_device, format_devices, list_devices, rescan_devices
from assistant.audio.errors import AudioDeviceLost, AudioError, AudioFileError, AudioUnavailable
from assistant.audio.levels import level_report
from assistant.audio.microphone import MicrophoneSource
from assistant.audio.sources import SAMPLE_RATE, AudioSource, PcmSource, WavSource, load_wav_16k

__all__ = [
    "SAMPLE_RATE",
    "AudioDeviceLost",
    "AudioError",
    "AudioFileError",
    "AudioSource",
    "AudioUnavailable",
    "DeviceInfo",
    "MicrophoneSource",
    "PcmSource",
    "WavSource",
    "find_device",
    "format_devices",
    "level_report",
    "list_devices",
    "load_wav_16k",
    "rescan_devices",
]
