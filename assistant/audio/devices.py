"""Finding sound devices through PortAudio (the ``sounddevice`` package).

``sounddevice`` is imported lazily: importing it without the PortAudio C
library raises ``OSError``, and text mode must keep working on such a machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from assistant.audio.errors import AudioError, AudioUnavailable

Kind = Literal["input", "output"]

PORTAUDIO_HINT = (
    "the PortAudio library is not installed; install it with "
    "'sudo apt install libportaudio2' (or use 'backcheck --text')"
)


def import_sounddevice() -> ModuleType:
    """``import sounddevice``, with a missing PortAudio turned into :class:`AudioUnavailable`."""
    try:
        import sounddevice
    except OSError as exc:  # "PortAudio library not found"
        raise AudioUnavailable(f"no audio: {PORTAUDIO_HINT} ({exc})") from None
    except ImportError:
        raise AudioUnavailable(
            "no audio: the Python package 'sounddevice' is missing; "
            "install it with 'pip install sounddevice' (or use 'backcheck --text')"
        ) from None
    return sounddevice


def rescan_devices() -> None:
    """Make PortAudio list devices again (after plugging a USB mic, or a new sound server).

    PortAudio reads the device list once at initialisation; re-initialising is
    the only way to see a change.  Do not call while a stream is open.
    """
    sd = import_sounddevice()
    sd._terminate()
    sd._initialize()


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device as ``backcheck devices`` shows it."""

    index: int
    """PortAudio index; valid until the device list changes"""
    name: str
    """device name; any unique part of it selects the device"""
    hostapi: str
    """host API (ALSA, PulseAudio, ...)"""
    max_inputs: int
    """input channels (0: cannot record)"""
    max_outputs: int
    """output channels (0: cannot play)"""
    default_samplerate: float
    """the device's preferred rate; 16 kHz is converted by ALSA/Pulse if needed"""
    is_default_input: bool = False
    is_default_output: bool = False


def list_devices() -> list[DeviceInfo]:
    """Every device PortAudio sees. Raises :class:`AudioUnavailable` without PortAudio."""
    sd = import_sounddevice()
    try:
        raw = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as exc:
        raise AudioUnavailable(f"cannot list audio devices: {exc}") from None
    out: list[DeviceInfo] = []
    for d in raw:
        i = int(d["index"])
        out.append(
            DeviceInfo(
                index=i,
                name=str(d["name"]),
                hostapi=str(apis[d["hostapi"]]["name"]),
                max_inputs=int(d["max_input_channels"]),
                max_outputs=int(d["max_output_channels"]),
                default_samplerate=float(d["default_samplerate"]),
                is_default_input=i == default_in,
                is_default_output=i == default_out,
            )
        )
    return out


def find_device(device: str | int | None, kind: Kind, devices: list[DeviceInfo] | None = None) -> DeviceInfo:
    """Choose a device by index, by part of its name (case-insensitive), or the default.

    Raises :class:`AudioUnavailable` with the list of candidates when nothing
    (or more than one device) matches.
    """
    devs = list_devices() if devices is None else devices

    def usable(d: DeviceInfo) -> bool:
        return (d.max_inputs if kind == "input" else d.max_outputs) > 0

    names = ", ".join(f"{d.index}: {d.name}" for d in devs if usable(d)) or "none"
    if isinstance(device, str) and device.strip().isdigit():
        device = int(device.strip())
    if device is None:
        chosen = [d for d in devs if (d.is_default_input if kind == "input" else d.is_default_output)]
        if not chosen or not usable(chosen[0]):
            raise AudioUnavailable(
                f"no default {kind} device (is a {'microphone' if kind == 'input' else 'speaker'} "
                f"connected?); {kind} devices seen: {names}. "
                f"See 'backcheck devices', or use 'backcheck --text'"
            )
        return chosen[0]
    if isinstance(device, int):
        for d in devs:
            if d.index == device:
                if not usable(d):
                    raise AudioUnavailable(f"device {device} ({d.name}) has no {kind}s; {kind} devices: {names}")
                return d
        raise AudioUnavailable(f"no audio device number {device}; {kind} devices: {names}")
    want = device.strip().lower()
    cands = [d for d in devs if usable(d) and want in d.name.lower()]
    exact = [d for d in cands if d.name.lower() == want]
    if exact:
        return exact[0]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise AudioUnavailable(f"no {kind} device matches {device!r}; {kind} devices: {names}")
    several = ", ".join(f"{d.index}: {d.name}" for d in cands)
    raise AudioUnavailable(f"{device!r} matches several {kind} devices ({several}); give the number instead")


def format_devices(devices: list[DeviceInfo] | None = None) -> str:
    """A table for ``backcheck devices``; on failure, the reason and what to do (never raises)."""
    try:
        devs = list_devices() if devices is None else devices
    except AudioError as exc:
        return str(exc)
    if not devs:
        return (
            "no audio devices found (no sound card, or the sound server is not running); "
            "'backcheck --text' works without audio"
        )
    lines = [" #  in out  rate   api          name"]
    for d in devs:
        marks = _marks(d)
        lines.append(
            f"{d.index:>2} {d.max_inputs:>3} {d.max_outputs:>3} {d.default_samplerate / 1000:>5.1f}k "
            f"{d.hostapi[:12]:<12} {d.name}" + (f"  ({marks})" if marks else "")
        )
    lines.append("choose a device by its number or a unique part of its name")
    return "\n".join(lines)


def _marks(d: DeviceInfo) -> str:
    return ", ".join(m for m, on in (("default mic", d.is_default_input), ("default speaker", d.is_default_output)) if on)
