"""One malloc arena: threads that allocate at once no longer each reserve their own heap."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.malloc_arenas import limit_malloc_arenas

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")

REPO = Path(__file__).resolve().parent.parent

#: Six threads each allocate while the others hold theirs; prints the growth of address space in MB.
PROBE = """
import sys, threading, numpy as np
if sys.argv[1] == "limit":
    from assistant.malloc_arenas import limit_malloc_arenas
    assert limit_malloc_arenas()
def vm_mb():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize:")) // 1024
before, hold, barrier = vm_mb(), [], threading.Barrier(7)
def work():
    hold.append(np.ones(1000))
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads:
    t.start()
barrier.wait()
print(vm_mb() - before)
for t in threads:
    t.join()
"""


def _growth_mb(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    out = subprocess.run([sys.executable, "-c", PROBE, mode], env=env, cwd=REPO, capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip())


def test_threads_share_one_arena_once_limited() -> None:
    limited, default = _growth_mb("limit"), _growth_mb("default")
    assert default - limited >= 5 * 64  # each extra arena reserves 64 MB; five of six threads no longer do


def test_a_persons_own_setting_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
