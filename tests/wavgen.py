"""Writing test WAVs in any layout (8/16/24/32-bit, float, extensible) without the wave module's limits."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def tone(freq: float, rate: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def write_wav(
    path: Path,
    x: np.ndarray,
    rate: int,
    bits: int = 16,
    *,
    is_float: bool = False,
    extensible: bool = False,
    data_size: int | None = None,
    tag: int | None = None,
) -> Path:
    """Write float samples ``(frames,)`` or ``(frames, channels)`` in [-1, 1)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    channels = x.shape[1]
    flat = x.reshape(-1)
    if is_float:
        data = flat.astype("<f4" if bits == 32 else "<f8").tobytes()
    elif bits == 8:
        data = np.clip(np.round(flat * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    elif bits == 16:
        data = np.clip(np.round(flat * 32768), -32768, 32767).astype("<i2").tobytes()
    elif bits == 24:
        v = np.clip(np.round(flat * (1 << 23)), -(1 << 23), (1 << 23) - 1).astype("<i4")
        data = v.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        data = np.clip(np.round(flat * (1 << 31)), -(1 << 31), (1 << 31) - 1).astype("<i4").tobytes()
    fmt_tag = 3 if is_float else 1
    align = channels * bits // 8
    if extensible:
        sub = struct.pack("<H", fmt_tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * align, align, bits, 22, bits, 0) + sub
    else:
        fmt = struct.pack("<HHIIHH", tag if tag is not None else fmt_tag, channels, rate, rate * align, align, bits)
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"  # an extra chunk readers must skip
    body += b"data" + struct.pack("<I", size) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", min(len(body), 0xFFFFFFFF)) + body)
    return path
