"""A WAV file read as a stream: 16 kHz mono int16 blocks, in memory that does not grow with its length.

Why: `listen` and `wake` take any file they are given. Read whole, a five-minute recording costs
gigabytes further down the line, and a device file such as /dev/zero never ends; on a Pi the
out-of-memory killer may then take the always-on `serve` instead. The header is parsed chunk by
chunk, the samples are converted (mixed to mono, resampled) block by block, exactly as
:func:`assistant.audio.sources.load_wav_16k` would convert them whole.
"""

from __future__ import annotations

import os
import stat
import struct
from os import PathLike
from pathlib import Path
from typing import BinaryIO

import numpy as np

from assistant.audio.errors import AudioFileError
from assistant.audio.resample import StreamResampler
from assistant.audio.sources import _CONVERT_HINT, _FORMAT_FLOAT, _FORMAT_PCM, SAMPLE_RATE, ClosingSource, WavInfo
from assistant.audio.sources import _parse_fmt, to_int16

#: input frames decoded per step (a quarter of a second at 16 kHz)
_STEP_FRAMES = 4096
#: a header chunk before the audio larger than this is not a WAV header (it would be read into memory)
_MAX_HEADER_CHUNK = 1 << 20


def _open_regular(path: Path) -> BinaryIO:
    """The file, opened for reading; a device, pipe or folder is refused before anything is read."""
    name = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the stream
    except FileNotFoundError:
        raise AudioFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise AudioFileError(f"{name}: is a directory, not a WAV file") from None
    except OSError as exc:
        raise AudioFileError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise AudioFileError(f"{name}: not a regular file (a device, pipe or socket); give a WAV file")
    return handle


def _samples(raw: bytes, info: WavInfo) -> np.ndarray:
    """Whole frames of raw WAV data as float64 ``(frames, channels)`` in [-1, 1) (as read_wav does)."""
    bits = info.bits
    if info.is_float:
        x = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif bits == 16:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float64) / float(1 << 23)
    else:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)
    return x.reshape(-1, info.channels)


class WavStream(ClosingSource):
    """An :class:`~assistant.audio.sources.AudioSource` over a WAV file of any rate, channels and depth.

    Raises :class:`AudioFileError` on open for anything that is not a readable WAV file with audio
    in it (an empty recording included: it would otherwise be heard as silence, with no warning).
    """

    sample_rate: int = SAMPLE_RATE

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = Path(path)
        self._file = _open_regular(self.path)
        try:
            self.info, self._left = self._read_header()
        except BaseException:
            self._file.close()
            raise
        if self.info.frames == 0:
            self._file.close()
            raise AudioFileError(f"{self.path}: the recording is empty (0 seconds of audio); record it again")
        self._frame_bytes = self.info.channels * self.info.bits // 8
        self._resampler = None if self.info.sample_rate == SAMPLE_RATE else StreamResampler(self.info.sample_rate,
                                                                                            SAMPLE_RATE)
        self._out = bytearray()
        self._ended = False
        self.closed = False

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds (from the header and the file's size)."""
        return self.info.duration_s

    def _read_header(self) -> tuple[WavInfo, int]:
        name = str(self.path)
        head = self._file.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            raise AudioFileError(f"{name}: not a WAV file (no RIFF/WAVE header); {_CONVERT_HINT}")
        if head[:4] == b"RIFX":
            raise AudioFileError(f"{name}: big-endian WAV (RIFX) is not supported; {_CONVERT_HINT}")
        fmt = None
        while True:
            chunk = self._file.read(8)
            if len(chunk) < 8:
                if fmt is None:
                    raise AudioFileError(f"{name}: broken WAV file (no fmt chunk); {_CONVERT_HINT}")
                raise AudioFileError(f"{name}: WAV file has no audio data")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                break
            if cid == b"fmt ":
                if size > _MAX_HEADER_CHUNK:
                    raise AudioFileError(f"{name}: broken WAV header (fmt chunk of {size} bytes); {_CONVERT_HINT}")
                fmt = _parse_fmt(self._file.read(size), name)
                self._file.seek(size & 1, os.SEEK_CUR)
            else:
                self._file.seek(size + (size & 1), os.SEEK_CUR)
        if fmt is None:
            raise AudioFileError(f"{name}: broken WAV file (no fmt chunk); {_CONVERT_HINT}")
        tag, channels, rate, bits = fmt
        if tag not in (_FORMAT_PCM, _FORMAT_FLOAT):
            raise AudioFileError(f"{name}: not PCM audio (WAV format tag 0x{tag:04x}, compressed?); {_CONVERT_HINT}")
        is_float = tag == _FORMAT_FLOAT
        if channels < 1 or rate < 1000:
            raise AudioFileError(f"{name}: implausible WAV header ({channels} channels, {rate} Hz)")
        if (is_float and bits not in (32, 64)) or (not is_float and bits not in (8, 16, 24, 32)):
            kind = "float" if is_float else "PCM"
            raise AudioFileError(f"{name}: unsupported {bits}-bit {kind} WAV; {_CONVERT_HINT}")
        # a streamed recording may state more data than the file holds: believe the file
        present = os.fstat(self._file.fileno()).st_size - self._file.tell()
        data_bytes = min(size, max(present, 0))
        frames = data_bytes // (channels * bits // 8)
        return WavInfo(rate, channels, bits, is_float, frames), frames * channels * bits // 8

    def _convert_more(self) -> None:
        """Decode the next step of the file into 16 kHz mono int16 bytes (or finish the stream)."""
        want = min(self._left, _STEP_FRAMES * self._frame_bytes)
        raw = self._file.read(want) if want else b""
        raw = raw[: len(raw) // self._frame_bytes * self._frame_bytes]
        self._left -= len(raw)
        if not raw:
            self._ended = True
            if self._resampler is not None:
                self._out += to_int16(self._resampler.flush()).astype("<i2").tobytes()
            return
        if self.info.channels == 1 and self.info.bits == 16 and not self.info.is_float and self._resampler is None:
            self._out += raw  # already what the pipeline uses: identical to converting it
            return
        x = _samples(raw, self.info)
        mono = x.mean(axis=1) if self.info.channels > 1 else x[:, 0]
        if self._resampler is not None:
            mono = self._resampler.process(mono)
        self._out += to_int16(mono).astype("<i2").tobytes()

    def read(self, frames: int, timeout: float | None = None) -> bytes | None:
        """Next ``frames`` samples; shorter at the end; ``None`` when the file is done."""
        if frames <= 0:
            raise ValueError("frames must be positive")
        if self.closed:
            return None
        while len(self._out) < 2 * frames and not self._ended:
            self._convert_more()
        if not self._out:
            return None
        block = bytes(self._out[: 2 * frames])
        del self._out[: 2 * frames]
        return block

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._file.close()
