"""How `backcheck serve` takes signals: a stop (SIGTERM, SIGINT) saves and leaves; a hang-up carries on.

SIGHUP is what a closed SSH terminal sends. An always-on assistant must not go deaf because the
terminal that started it went away, so the hang-up only moves the output: the live transcript to
/dev/null (the terminal is gone) and the log lines to ``serve.log`` in the data folder (private,
like the history), and the listening goes on.
"""
from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

#: after a stop signal, seconds before leaving regardless: a sound call stuck in C never lets the handler run
STOP_GRACE_S = 10.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
LOG_NAME = "serve.log"
#: serve.log is started afresh (the old one kept as serve.log.1) beyond this size
LOG_MAX_BYTES = 1_000_000


class Stopping(BaseException):
    """SIGTERM/SIGINT arrived: finish up and leave (BaseException so no `except Exception` eats it)."""


def detach_output(data_dir: Path) -> Path:
    """Point stdout at /dev/null and stderr at ``data_dir/serve.log`` (0600); return the log's path.

    dup2 swaps the file descriptors under Python's own streams, so every later print lands there,
    from any thread, and nothing writes to a dead terminal (EIO) any more.
    """
    log = data_dir / LOG_NAME
    try:
        if log.stat().st_size > LOG_MAX_BYTES:
            os.replace(log, log.with_name(LOG_NAME + ".1"))
    except OSError:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        fd, log = os.dup(null), Path(os.devnull)
    os.dup2(null, 1)
    os.dup2(fd, 2)
    os.close(null)
    os.close(fd)
    return log


def catch_signals_aside(on_hangup: Callable[[], None], on_force_exit: Callable[[], None]) -> None:
    """Take SIGTERM/SIGINT/SIGHUP on a thread of their own.

    A stop arrives even while the main thread is stuck in a sound call: it is raised in the main thread
    as soon as it can run (``_thread.interrupt_main``), and a watchdog leaves after
    :data:`STOP_GRACE_S` if it cannot. A hang-up calls ``on_hangup`` on this thread and goes on waiting.
    Must be called from the main thread before any other thread starts (the mask is inherited).
    """
    signals = {*STOP_SIGNALS, signal.SIGHUP}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)

    def wait() -> None:
        while True:
            signum = signal.sigwait(signals)
            if signum == signal.SIGHUP:
                on_hangup()
                continue
            watchdog = threading.Timer(STOP_GRACE_S, on_force_exit)
            watchdog.daemon = True  # a clean stop within the grace period must not wait for it
            watchdog.start()
            _thread.interrupt_main(signum)
            return

    threading.Thread(target=wait, name="signals", daemon=True).start()
