"""Keep one malloc arena, so a check-in's threads do not each grow their own heap.

glibc gives every thread that allocates at the same time as another its own arena (up to eight
per core) and rarely returns their memory. A check-in has several such threads at once: the
microphone, the transcriber starting while the person is still speaking, and the first start's
prompt synthesis. Measured with `backcheck demo` on this machine (virtual sound card, first start
then prepared start): peak resident 449 / 372 MB with glibc's default, 408 / 365 MB with two
arenas, 395 / 353 MB with one (docs/benchmarks.md). The models allocate their large buffers with
mmap, outside the arenas, so one arena costs them nothing measurable.

A person who sets ``MALLOC_ARENA_MAX`` themselves keeps their own value.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import sys

#: glibc's ``M_ARENA_MAX`` parameter number for ``mallopt`` (malloc.h).
M_ARENA_MAX = -8

#: Arenas a check-in process keeps.
ARENAS = 1


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas; True when that is now in force.

    Call before any thread starts: threads that already own an arena keep it. Does nothing (and
    says False) off glibc, or when ``MALLOC_ARENA_MAX`` is set in the environment (glibc applied it).
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, int(arenas)))
    except (OSError, AttributeError):
        return False
