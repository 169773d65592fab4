"""Where audio comes from: one protocol, 16 kHz mono int16 blocks.

The recogniser only ever sees :class:`AudioSource`; a WAV file, an in-memory
array and the microphone (:mod:`assistant.audio.microphone`) all look alike,
so every recognition test can run on files and the voice loop on a mic.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import numpy as np

from assistant.audio.errors import AudioFileError
from assistant.audio.resample import resample

SAMPLE_RATE = 16000
"""The one rate the whole pipeline uses (Vosk and pocketsphinx models expect it)."""

_FORMAT_PCM = 0x0001
_FORMAT_FLOAT = 0x0003
_FORMAT_EXTENSIBLE = 0xFFFE
_CONVERT_HINT = "convert it with: sox IN.wav -b 16 -r 16000 -c 1 OUT.wav"


@runtime_checkable
class AudioSource(Protocol):
    """A stream of 16 kHz mono signed 16-bit little-endian audio.

    ``read(frames, timeout)`` returns ``frames`` samples (``2 * frames`` bytes),
    a shorter final block at the end of a finite source, ``b""`` when
    ``timeout`` seconds passed before a full block was ready (live sources
    only; the partial block is kept for the next call), or ``None`` at the end
    of the stream.
    """

    sample_rate: int

    def read(self, frames: int, timeout: float | None = None) -> bytes | None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True)
class WavInfo:
    """What a WAV file holds before conversion."""

    sample_rate: int
    """frames per second in the file"""
    channels: int
    """interleaved channels (1 mono, 2 stereo, ...)"""
    bits: int
    """bits per sample: 8, 16, 24 or 32"""
    is_float: bool
    """IEEE float samples rather than integer PCM"""
    frames: int
    """number of sample frames actually present"""

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


def _parse_fmt(chunk: bytes, name: str) -> tuple[int, int, int, int]:
    if len(chunk) < 16:
        raise AudioFileError(f"{name}: broken WAV header (fmt chunk too short); {_CONVERT_HINT}")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", chunk[:16])
    if tag == _FORMAT_EXTENSIBLE and len(chunk) >= 40:
        tag = struct.unpack("<H", chunk[24:26])[0]  # first two bytes of the sub-format GUID
    return tag, channels, rate, bits


def read_wav(path: str | PathLike[str]) -> tuple[np.ndarray, WavInfo]:
    """Read a PCM or float WAV as float64 ``(frames, channels)`` in [-1, 1).

    Tolerates what real recorders write: WAVE_FORMAT_EXTENSIBLE headers, extra
    chunks, and a data size that overstates the file (streamed recordings).
    """
    p = Path(path)
    name = str(p)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise AudioFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise AudioFileError(f"{name}: is a directory, not a WAV file") from None
    except OSError as exc:
        raise AudioFileError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if len(raw) < 12 or raw[:4] not in (b"RIFF", b"RIFX") or raw[8:12] != b"WAVE":
        raise AudioFileError(f"{name}: not a WAV file (no RIFF/WAVE header); {_CONVERT_HINT}")
    if raw[:4] == b"RIFX":
        raise AudioFileError(f"{name}: big-endian WAV (RIFX) is not supported; {_CONVERT_HINT}")
    fmt: tuple[int, int, int, int] | None = None
    data: bytes | None = None
    pos = 12
    while pos + 8 <= len(raw):
        cid, size = raw[pos : pos + 4], struct.unpack("<I", raw[pos + 4 : pos + 8])[0]
        body = raw[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = _parse_fmt(body, name)
        elif cid == b"data":
            data = body  # may be shorter than ``size`` for a streamed file
            break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise AudioFileError(f"{name}: broken WAV file (no fmt chunk); {_CONVERT_HINT}")
    if data is None:
        raise AudioFileError(f"{name}: WAV file has no audio data")
    tag, channels, rate, bits = fmt
    if tag not in (_FORMAT_PCM, _FORMAT_FLOAT):
        raise AudioFileError(
            f"{name}: not PCM audio (WAV format tag 0x{tag:04x}, compressed?); {_CONVERT_HINT}"
        )
    is_float = tag == _FORMAT_FLOAT
    if channels < 1 or rate < 1000:
        raise AudioFileError(f"{name}: implausible WAV header ({channels} channels, {rate} Hz)")
    if (is_float and bits not in (32, 64)) or (not is_float and bits not in (8, 16, 24, 32)):
        kind = "float" if is_float else "PCM"
        raise AudioFileError(f"{name}: unsupported {bits}-bit {kind} WAV; {_CONVERT_HINT}")
    width = bits // 8
    frames = len(data) // (width * channels)
    data = data[: frames * width * channels]
    x: np.ndarray
    if is_float:
        x = np.frombuffer(data, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 8:
        x = (np.frombuffer(data, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif bits == 16:
        x = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0
    elif bits == 24:
        b = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float64) / float(1 << 23)
    else:
        x = np.frombuffer(data, dtype="<i4").astype(np.float64) / float(1 << 31)
    return x.reshape(frames, channels), WavInfo(rate, channels, bits, is_float, frames)


def to_int16(x: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1) to int16, rounded and clipped (never wrapped)."""
    return np.clip(np.round(np.asarray(x) * 32768.0), -32768, 32767).astype(np.int16)


def to_16k_mono(x: np.ndarray, rate: int) -> np.ndarray:
    """Float ``(frames,)`` or ``(frames, channels)`` at ``rate`` to 16 kHz mono int16."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if rate != SAMPLE_RATE:
        x = resample(x, rate, SAMPLE_RATE)
    return to_int16(x)


def load_wav_16k(path: str | PathLike[str]) -> np.ndarray:
    """Any PCM/float WAV (any rate, any channel count) as 16 kHz mono int16."""
    x, info = read_wav(path)
    return to_16k_mono(x, info.sample_rate)


class ClosingSource:
    """`with source:` closes it at the end; shared by every concrete audio source."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class PcmSource(ClosingSource):
    """In-memory 16 kHz mono int16 samples served as an :class:`AudioSource`."""

    sample_rate: int = SAMPLE_RATE

    def __init__(self, samples: np.ndarray) -> None:
        arr = np.asarray(samples)
        if arr.ndim != 1:
            raise ValueError("PcmSource takes 1-D mono samples")
        if arr.dtype != np.int16:
            raise ValueError(f"PcmSource takes int16 samples, got {arr.dtype}")
        self._data = arr.astype("<i2").tobytes()
        self._pos = 0
        self.closed = False

    @property
    def duration_s(self) -> float:
        return len(self._data) / 2 / self.sample_rate

    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        """Next ``frames`` samples; shorter at the end; ``None`` when exhausted."""
        if frames <= 0:
            raise ValueError("frames must be positive")
        if self.closed or self._pos >= len(self._data):
            return None
        block = self._data[self._pos : self._pos + 2 * frames]
        self._pos += len(block)
        return block

    def close(self) -> None:
        self.closed = True


class WavSource(PcmSource):
    """A WAV file of any rate/channels/bit depth, served as 16 kHz mono int16.

    The whole file is converted on open (answers are seconds long), so a bad
    file fails at construction with :class:`AudioFileError`, not mid-stream.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        x, info = read_wav(path)
        self.path = Path(path)
        self.info = info
        super().__init__(to_16k_mono(x, info.sample_rate))
