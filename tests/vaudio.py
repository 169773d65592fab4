"""A virtual 16 kHz microphone and speaker for tests, on a private PulseAudio daemon.

Machines without a sound card (CI, containers) get real, clocked audio devices:

- ``vmic``: the default input; whatever is played into ``vmic_feed`` comes out here;
- ``vspeaker``: the default output; its ``vspeaker.monitor`` records what was played.

PortAudio reaches them through ALSA's ``pulse`` plugin (libasound2-plugins).
Environment variables are set in ``os.environ`` *before* PortAudio is
re-initialised, because PortAudio reads the device list only at initialisation.

Usage: ``va = start_virtual_audio(tmpdir)`` ... ``va.stop()``; raises
:class:`VirtualAudioUnavailable` (whose text is a skip reason) when it cannot run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RATE = 16000

VMIC_PA = """\
load-module module-native-protocol-unix auth-anonymous=1
load-module module-null-sink sink_name=vspeaker format=s16le rate=16000 channels=1 sink_properties=device.description=VirtualSpeaker
load-module module-null-sink sink_name=vmic_feed format=s16le rate=16000 channels=1 sink_properties=device.description=VirtualMicFeed
load-module module-remap-source master=vmic_feed.monitor source_name=vmic format=s16le rate=16000 channels=1 source_properties=device.description=VirtualMic
# an idle null sink renders 2 s ahead, so a new recorder would wait up to 2 s for
# data: keep low-latency readers attached and restart the sinks' clocks
load-module module-null-sink sink_name=keeper format=s16le rate=16000 channels=1
load-module module-loopback source=vmic_feed.monitor sink=keeper latency_msec=20
load-module module-loopback source=vspeaker.monitor sink=keeper latency_msec=20
suspend-sink vmic_feed 1
suspend-sink vmic_feed 0
suspend-sink vspeaker 1
suspend-sink vspeaker 0
set-default-sink vspeaker
set-default-source vmic
"""

ASOUND_CONF = """\
pcm.vmic_feed { type pulse; device "vmic_feed"; hint { show on; description "feed into virtual mic" } }
pcm.vspeaker_monitor { type pulse; device "vspeaker.monitor"; hint { show on; description "what the app played" } }
"""

# Run as root, pulseaudio gives its threads realtime priority and a 200 ms RLIMIT_RTTIME: on a
# busy (virtual) CI machine a thread charged that much CPU without sleeping is SIGKILLed, the
# devices vanish mid-test and every later test fails. Keep the priority, drop the limit.
DAEMON_CONF = """\
rlimit-rttime = -1
"""

SYSTEM_ALSA_CONF = "/usr/share/alsa/alsa.conf"
_ENV_KEYS = (
    "PULSE_CONFIG",
    "XDG_RUNTIME_DIR",
    "PULSE_RUNTIME_PATH",
    "PULSE_STATE_PATH",
    "PULSE_SERVER",
    "ALSA_CONFIG_PATH",
)


class VirtualAudioUnavailable(RuntimeError):
    """The virtual devices cannot run here; ``str()`` is a pytest skip reason."""


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody reaps, as under a container's init, counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _signal_and_wait(pid: int, sig: int, timeout: float = 2.0) -> bool:
    """Send ``sig`` to ``pid``; True once it has gone within ``timeout``."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.01)
    return False


def _rescan_portaudio() -> None:
    """Re-read the device list if sounddevice is importable (it may not be)."""
    try:
        import sounddevice as sd
    except (OSError, ImportError):
        return
    sd._terminate()
    sd._initialize()


def _pcm_bytes(samples: np.ndarray, pad_s: float) -> bytes:
    x = np.asarray(samples)
    if x.dtype != np.int16 or x.ndim != 1:
        raise ValueError("expected 1-D int16 samples at 16 kHz")
    pad = np.zeros(int(pad_s * RATE), dtype=np.int16)
    return np.concatenate([pad, x, pad]).astype("<i2").tobytes()


@dataclass
class SpeakerRecording:
    """A running ``parec`` on ``vspeaker.monitor``; :meth:`stop` returns the audio."""

    proc: subprocess.Popen[bytes]
    path: Path

    def stop(self) -> np.ndarray:
        """Stop recording and return what was played, as 16 kHz mono int16."""
        time.sleep(0.1)  # let the last buffers through
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        data = self.path.read_bytes()
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").copy()


@dataclass
class VirtualAudio:
    """A running private PulseAudio daemon with ``vmic``/``vmic_feed``/``vspeaker``."""

    dir: Path
    pid: int
    saved_env: dict[str, str | None] = field(default_factory=dict)
    stopped: bool = False

    @property
    def env(self) -> dict[str, str]:
        return {k: os.environ[k] for k in _ENV_KEYS if k in os.environ}

    def play_into_mic(self, samples16k: np.ndarray, *, pad_s: float = 0.2, wait: bool = True) -> subprocess.Popen[bytes]:
        """Speak ``samples16k`` into the virtual microphone (0.2 s silence each side).

        With ``wait=False`` returns at once with the running ``paplay``; call ``.wait()``.
        """
        proc = subprocess.Popen(
            ["paplay", "--device=vmic_feed", "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdin is not None
        proc.stdin.write(_pcm_bytes(samples16k, pad_s))
        proc.stdin.close()
        if wait:
            proc.wait(timeout=60)
        return proc

    def record_speaker(self) -> SpeakerRecording:
        """Start recording what is played on ``vspeaker``; ``.stop()`` gives the samples."""
        path = self.dir / f"speaker-{time.monotonic_ns()}.raw"
        with path.open("wb") as out:
            proc = subprocess.Popen(
                ["parec", "--device=vspeaker.monitor", "--raw", "--format=s16le", f"--rate={RATE}",
                 "--channels=1", "--latency-msec=20"],
                stdout=out,
                stderr=subprocess.DEVNULL,
            )
        time.sleep(0.05)  # parec connects in ~15 ms
        return SpeakerRecording(proc, path)

    def stop(self) -> None:
        """Kill the daemon by its PID, restore the environment, re-scan PortAudio."""
        if self.stopped:
            return
        self.stopped = True
        if not _signal_and_wait(self.pid, signal.SIGTERM):
            _signal_and_wait(self.pid, signal.SIGKILL)
        _restore_env(self.saved_env)
        _rescan_portaudio()

    def died(self) -> bool:
        """True if the daemon is gone though nobody stopped it."""
        return not self.stopped and not _alive(self.pid)

    def log_tail(self, lines: int = 5) -> str:
        return _log_tail(self.dir, lines) or "(no log)"

    def revive(self) -> bool:
        """Start the daemon again if it died on its own (not by :meth:`stop`); True if it had to.

        One crash of the sound server then fails only the test it happened in.
        """
        if not self.died():
            return False
        self.pid = _launch(self.dir, self.saved_env)
        return True

    def kill_daemon(self) -> None:
        """Kill the daemon abruptly (a 'device unplugged' for open streams)."""
        _signal_and_wait(self.pid, signal.SIGKILL)

    def restart(self) -> None:
        """Start the daemon again after :meth:`kill_daemon` (close streams first)."""
        self.kill_daemon()
        self.pid = _launch(self.dir, self.saved_env)


def _log_tail(d: Path, lines: int) -> str:
    """The daemon log's last ``lines`` lines in ``d``, joined by " | " ("" where there is none)."""
    log = d / "pulse.log"
    return " | ".join(log.read_text(errors="replace").strip().splitlines()[-lines:]) if log.exists() else ""


def _launch(d: Path, saved: dict[str, str | None]) -> int:
    """Start pulseaudio with the files in ``d`` (env already set); return its PID."""

    def fail(reason: str) -> VirtualAudioUnavailable:
        _restore_env(saved)
        tail = _log_tail(d, 3)
        return VirtualAudioUnavailable(f"{reason}: {tail}" if tail else reason)

    # a killed daemon may linger as a zombie (no init reaping it in a container),
    # and pulseaudio then refuses to start, taking the old PID file for a live daemon
    (d / "pulse" / "pid").unlink(missing_ok=True)
    r = subprocess.run(
        ["pulseaudio", "--daemonize=yes", "-n", f"--file={d / 'vmic.pa'}", "--exit-idle-time=-1",
         f"--log-target=file:{d / 'pulse.log'}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20,
    )
    if r.returncode != 0:
        raise fail(f"pulseaudio did not start (exit {r.returncode})")
    for _ in range(100):
        if subprocess.run(["pactl", "info"], capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    else:
        raise fail("pulseaudio started but does not answer 'pactl info'")
    try:
        pid = int((d / "pulse" / "pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        raise fail("pulseaudio wrote no pid file") from None
    _rescan_portaudio()
    return pid


def _restore_env(saved: dict[str, str | None]) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def start_virtual_audio(tmpdir: str | os.PathLike[str]) -> VirtualAudio:
    """Start the daemon in ``tmpdir`` and point this process (and children) at it."""
    for tool in ("pulseaudio", "pactl", "paplay", "parec"):
        if shutil.which(tool) is None:
            raise VirtualAudioUnavailable(f"{tool} is not installed (apt install pulseaudio pulseaudio-utils)")
    if not Path(SYSTEM_ALSA_CONF).exists():
        raise VirtualAudioUnavailable(f"{SYSTEM_ALSA_CONF} missing (apt install libasound2)")
    if not list(Path("/usr/lib").glob("*/alsa-lib/libasound_module_pcm_pulse.so")):
        raise VirtualAudioUnavailable("ALSA pulse plugin missing (apt install libasound2-plugins)")
    d = Path(tmpdir).resolve()
    run, state = d / "pulse", d / "state"
    run.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    d.chmod(0o700)
    (d / "vmic.pa").write_text(VMIC_PA)
    (d / "daemon.conf").write_text(DAEMON_CONF)
    (d / "asound-vmic.conf").write_text(ASOUND_CONF)
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    os.environ.update(
        {
            "PULSE_CONFIG": str(d / "daemon.conf"),
            "XDG_RUNTIME_DIR": str(d),
            "PULSE_RUNTIME_PATH": str(run),
            "PULSE_STATE_PATH": str(state),
            "PULSE_SERVER": f"unix:{run}/native",
            "ALSA_CONFIG_PATH": f"{SYSTEM_ALSA_CONF}:{d / 'asound-vmic.conf'}",
        }
    )
    return VirtualAudio(dir=d, pid=_launch(d, saved), saved_env=saved)


_shared: VirtualAudio | None = None


def virtual_audio_session(tmpdir: str | os.PathLike[str]):  # type: ignore[no-untyped-def]
    """Generator body for a session fixture; several test modules share one daemon.

    The first caller starts the daemon and stops it at teardown; later callers
    reuse it.  Skips the test (pytest.skip) when it cannot run.
    """
    import pytest

    global _shared
    if _shared is not None and not _shared.stopped:
        yield _shared
        return
    try:
        va = start_virtual_audio(tmpdir)
    except VirtualAudioUnavailable as exc:
        pytest.skip(f"no virtual audio: {exc}")
    _shared = va
    try:
        yield va
    finally:
        va.stop()
        _shared = None
