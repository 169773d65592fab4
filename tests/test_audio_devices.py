"""Device listing and choice; missing PortAudio never ends in a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.audio.devices import DeviceInfo, find_device, format_devices
from assistant.audio.errors import AudioUnavailable

ROOT = Path(__file__).resolve().parents[1]

DEVS = [
    DeviceInfo(0, "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "ALSA", 2, 2, 44100.0),
    DeviceInfo(1, "USB PnP Sound Device: Audio (hw:1,0)", "ALSA", 1, 0, 48000.0),
    DeviceInfo(2, "HDMI 0 (hw:2,0)", "ALSA", 0, 8, 48000.0),
    DeviceInfo(3, "default", "ALSA", 32, 32, 44100.0, is_default_input=True, is_default_output=True),
]


def test_choose_by_index_name_part_or_default() -> None:
    assert find_device(1, "input", DEVS).index == 1
    assert find_device("1", "input", DEVS).index == 1
    assert find_device("usb pnp", "input", DEVS).index == 1
    assert find_device("HDMI", "output", DEVS).index == 2
    assert find_device("default", "input", DEVS).index == 3  # exact name wins over substrings
    assert find_device(None, "output", DEVS).index == 3


def test_bad_choices_explain_the_options() -> None:
    with pytest.raises(AudioUnavailable, match="no input device matches 'webcam'.*USB PnP"):
        find_device("webcam", "input", DEVS)
    with pytest.raises(AudioUnavailable, match="HDMI.*has no inputs"):
        find_device(2, "input", DEVS)
    with pytest.raises(AudioUnavailable, match="matches several"):
        find_device("hw:", "input", DEVS)
    with pytest.raises(AudioUnavailable, match="no audio device number 9"):
        find_device(9, "input", DEVS)
    with pytest.raises(AudioUnavailable, match="no default input device.*backcheck --text"):
        find_device(None, "input", DEVS[:3])


def test_format_devices_table() -> None:
    text = format_devices(DEVS)
    lines = text.splitlines()
    assert "USB PnP Sound Device" in lines[2] and lines[2].split()[:3] == ["1", "1", "0"]
    assert "default mic" in lines[4] and "default speaker" in lines[4]
    assert "no audio devices" in format_devices([])


def _run_without_portaudio(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a Python where importing sounddevice fails as without libportaudio2."""
    prelude = textwrap.dedent(
        """
        import sys, importlib.abc
        class NoPortAudio(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name == "sounddevice":
                    raise OSError("PortAudio library not found")
        sys.meta_path.insert(0, NoPortAudio())
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_missing_portaudio_is_a_message_not_a_traceback() -> None:
    r = _run_without_portaudio(
        """
        from assistant.audio.devices import format_devices
        from assistant.audio.errors import AudioUnavailable
        from assistant.audio.microphone import MicrophoneSource
        print(format_devices())
        try:
            MicrophoneSource()
        except AudioUnavailable as exc:
            print("MIC:", exc)
        """
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    first, mic = r.stdout.splitlines()
    assert "libportaudio2" in first and "libportaudio2" in mic


def test_no_sound_server_means_no_default_input(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PULSE_SERVER": f"unix:{tmp_path}/none", "HOME": str(tmp_path),
           "XDG_RUNTIME_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    code = textwrap.dedent(
        """
        from assistant.audio.errors import AudioUnavailable
        from assistant.audio.microphone import MicrophoneSource
        from assistant.audio.devices import list_devices
        if any(d.max_inputs for d in list_devices()):
            print("SKIP: this machine has a real input device")
        else:
            try:
                MicrophoneSource()
            except AudioUnavailable as exc:
                print("MIC:", exc)
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert "Traceback" not in r.stderr, r.stderr
    if r.stdout.startswith("SKIP"):
        pytest.skip("this machine has a real input device")
    assert "no default input device" in r.stdout
