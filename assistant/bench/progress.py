"""Progress of a long benchmark part: a bar on a terminal, a line now and then in a log.

Why: the full bench runs for many minutes and the quick one for one; a person watching should see
it move, and a log file (CI, `> out.txt 2>&1`) should not fill with carriage returns.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 28  #: characters in the bar
LOG_EVERY_S = 15.0  #: without a terminal, one line at most this often (and one at the end)


class ProgressBar:
    """Call with (done, total) as work finishes; draws ``label [#####.....] done/total  12 s``."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self._last_line = 0.0
        self._finished = False

    def __call__(self, done: int, total: int) -> None:
        done = max(0, min(done, total))
        elapsed = time.perf_counter() - self.started
        if self.tty:
            filled = WIDTH * done // max(total, 1)
            self.stream.write(f"\r[bench] {self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] "
                              f"{done}/{total} {elapsed:4.0f} s")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        elif done >= total or elapsed - self._last_line >= LOG_EVERY_S:
            if done >= total and self._finished:
                return
            self._last_line = elapsed
            self.stream.write(f"[bench] {self.label}: {done}/{total} ({elapsed:.0f} s)\n")
            self.stream.flush()
        self._finished = done >= total
