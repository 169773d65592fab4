"""The live microphone as an :class:`~assistant.audio.sources.AudioSource`.

The PortAudio callback runs on a real-time thread, so it only appends each
block to a bounded buffer; recognition happens on the reader's thread.  If
the reader falls behind, the oldest audio is dropped (and counted) rather than
growing memory or stopping.  While muted (the assistant is speaking) captured
audio is thrown away so the assistant never hears itself.

The reader is woken once per request, when enough audio for it has arrived,
not once per block nor on a polling timer: `serve` listens all day, and each
needless thread wake-up costs a Pi idle CPU (see docs/benchmarks.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from assistant.audio.devices import DeviceInfo, find_device, import_sounddevice
from assistant.audio.errors import AudioDeviceLost, AudioUnavailable
from assistant.audio.levels import level_report  # re-exported: microphone level check
from assistant.audio.sources import SAMPLE_RATE, ClosingSource

__all__ = ["MicrophoneSource", "level_report"]

LOST_HINT = "check the microphone cable or USB connection, or use 'backcheck --text'"


class MicrophoneSource(ClosingSource):
    """Capture 16 kHz mono int16 from a PortAudio input device.

    ``device``: index, a unique part of the name, or ``None`` for the default.
    ``block_ms``: PortAudio block length.  ``max_queue_s``: audio kept while
    the reader is busy before the oldest blocks are dropped.
    ``stall_s``: no callback for this long means the device is gone.
    ``settle_s``: after :meth:`unmute`, audio captured for this long is still
    discarded (echo of the last spoken words still in the buffers/room).
    The stream starts on construction; use it as a context manager.
    """

    sample_rate: int = SAMPLE_RATE

    def __init__(
        self,
        device: str | int | None = None,
        block_ms: int = 50,
        max_queue_s: float = 5.0,
        *,
        stall_s: float = 2.0,
        settle_s: float = 0.1,
    ) -> None:
        if block_ms <= 0 or max_queue_s <= 0:
            raise ValueError("block_ms and max_queue_s must be positive")
        sd = import_sounddevice()
        self.device: DeviceInfo = find_device(device, "input")
        self.block_frames = SAMPLE_RATE * block_ms // 1000
        self.overflows = 0
        """blocks dropped because the reader fell behind, plus PortAudio input overflows"""
        self.stall_s = stall_s
        self.settle_s = settle_s
        self._block_bytes = 2 * self.block_frames
        self._max_bytes = max(1, int(max_queue_s * 1000 / block_ms)) * self._block_bytes
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._want = 0  #: bytes the reader waits for; the callback wakes it once they are there
        self._ready = threading.Event()
        self._muted = False
        self.while_muted: Callable[[bytes], None] | None = None
        """gets each block captured while muted (serve listens for the wake word as it speaks); must be quick"""
        self._discard_until = 0.0
        self._closing = False
        self._finished = threading.Event()
        self._last_callback = time.monotonic()
        try:
            self._stream = sd.RawInputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                blocksize=self.block_frames,
                device=self.device.index,
                callback=self._callback,
                finished_callback=self._finished.set,
            )
            self._stream.start()
        except sd.PortAudioError as exc:
            raise AudioUnavailable(
                f"cannot open microphone {self.device.index} ({self.device.name}) at 16 kHz mono: {exc}; "
                "choose another with --device (see 'backcheck devices')"
            ) from None

    # -- real-time thread -------------------------------------------------
    def _callback(self, indata: Any, frames: int, _time: Any, status: Any) -> None:
        self._last_callback = time.monotonic()
        if status.input_overflow:
            self.overflows += 1
        if self._muted and self.while_muted is not None:
            self.while_muted(bytes(indata))
        if self._muted or self._last_callback < self._discard_until:
            return
        with self._lock:
            self._buf += indata
            excess = len(self._buf) - self._max_bytes
            if excess > 0:  # the reader fell behind: drop the oldest whole blocks
                drop = -(-excess // self._block_bytes) * self._block_bytes
                del self._buf[:drop]
                self.overflows += drop // self._block_bytes
            if len(self._buf) >= self._want:
                self._ready.set()

    # -- reader side --------------------------------------------------------
    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        """Exactly ``frames`` samples; ``b""`` after ``timeout`` s; ``None`` once closed.

        Raises :class:`AudioDeviceLost` if the device stops delivering audio.
        """
        if frames <= 0:
            raise ValueError("frames must be positive")
        want = 2 * frames
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._closing:
                return None
            with self._lock:
                if len(self._buf) >= want:
                    out = bytes(self._buf[:want])
                    del self._buf[:want]
                    return out
                self._want = want
                self._ready.clear()
            self._check_alive()
            # wake when the audio is there; otherwise in time to notice a stalled device or the timeout
            wait = self.stall_s / 2
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return b""
                wait = min(wait, left)
            self._ready.wait(wait)

    def _check_alive(self) -> None:
        if self._finished.is_set() or not self._stream.active:
            raise AudioDeviceLost(f"the microphone ({self.device.name}) stopped: {LOST_HINT}")
        if time.monotonic() - self._last_callback > self.stall_s:
            raise AudioDeviceLost(
                f"the microphone ({self.device.name}) delivered no audio for {self.stall_s:.0f} s: {LOST_HINT}"
            )

    def mute(self) -> None:
        """Discard everything captured from now on (call before speaking)."""
        self._muted = True

    def unmute(self) -> None:
        """Listen again, dropping anything queued while muted plus ``settle_s`` of echo."""
        self._discard_until = time.monotonic() + self.settle_s
        self.flush()
        self._muted = False

    @property
    def muted(self) -> bool:
        return self._muted

    @contextmanager
    def muted_while(self) -> Iterator[None]:
        """``with mic.muted_while(): mouth.say(text)`` — deaf while the assistant talks."""
        self.mute()
        try:
            yield
        finally:
            self.unmute()

    def flush(self) -> None:
        """Drop queued and partially read audio."""
        with self._lock:
            self._buf.clear()

    def close(self) -> None:
        """Stop and release the device; later reads return ``None``."""
        if self._closing:
            return
        self._closing = True
        self._ready.set()  # a reader waiting in another thread returns None at once
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # noqa: BLE001 - a dead device must not make close() fail
            pass
