"""The soak benchmark: `serve` left running for an hour, a spoken check-in every few minutes, memory and
CPU printed over time. They must stay flat: a Pi runs serve for weeks.

    python -m assistant.bench.soak [--minutes 60] [--every 5] [--sample 60]

Runs from a checkout (it uses the tests' virtual PulseAudio devices and spoken person, tests/vaudio.py
and tests/spoken.py): a real serve process with the default engine, the wake word and the answers
spoken by espeak-ng into the virtual microphone. Prints one table row per sample and a summary.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _proc(pid: int) -> tuple[float, float, int, int]:
    """CPU seconds, resident MB, threads and open files of ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    threads = next(int(line.split()[1]) for line in status if line.startswith("Threads:"))
    return cpu, rss, threads, len(os.listdir(f"/proc/{pid}/fd"))


def _busy(serve: object, t0: float, t1: float) -> bool:
    """Was a check-in going on at any time between t0 and t1 (seconds since serve started)?"""
    woke = [t for t, line in serve.lines if "wake word heard (" in line]  # type: ignore[attr-defined]
    done = [t for t, line in serve.lines if "check-in finished" in line or "partial check-in" in line]  # type: ignore[attr-defined]
    for i, w in enumerate(woke):
        end = done[i] if i < len(done) else float("inf")
        if w <= t1 and end >= t0:
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.bench.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=60.0, help="how long serve runs (default 60)")
    p.add_argument("--every", type=float, default=5.0, help="minutes between check-ins (default 5)")
    p.add_argument("--sample", type=float, default=60.0, help="seconds between rows (default 60)")
    p.add_argument("--engine", default="auto", help="speech engine (default auto, as installed on a Pi)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(REPO))
    try:
        from tests import vaudio
        from tests.spoken import WAKE, Person, ServeProcess, history, said
    except ImportError as exc:
        print(f"soak: run it from a checkout of BackCheck (needs tests/): {exc}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="backcheck-soak-"))
    try:
        audio = vaudio.start_virtual_audio(work / "audio")
    except vaudio.VirtualAudioUnavailable as exc:
        print(f"soak: no virtual audio: {exc}", file=sys.stderr)
        return 2
    data = work / "data"
    serve = ServeProcess(data, engine=args.engine, person=Person(audio))
    rows: list[tuple[float, float, float, int, int, int, bool]] = []
    try:
        serve.wait_for("listening for the wake word", timeout=120)
        start = time.monotonic()
        last_cpu, last_t = _proc(serve.proc.pid)[0], start
        next_checkin = start + 30.0
        next_sample = start + args.sample
        print("| minute | RSS MB | CPU % of a core (last interval) | threads | open files | check-ins saved |")
        print("|---:|---:|---:|---:|---:|---:|", flush=True)
        while time.monotonic() - start < args.minutes * 60:
            now = time.monotonic()
            if now >= next_checkin:
                audio.play_into_mic(said(WAKE))
                next_checkin += args.every * 60
            if now >= next_sample:
                cpu, rss, threads, fds = _proc(serve.proc.pid)
                saved = serve.log.count("verdict decided")
                pct = 100 * (cpu - last_cpu) / (now - last_t)
                busy = _busy(serve, last_t - serve.started, now - serve.started)
                rows.append(((now - start) / 60, rss, pct, threads, fds, saved, busy))
                print(f"| {rows[-1][0]:.0f} | {rss:.0f} | {pct:.2f}{' (check-in)' if busy else ''} | "
                      f"{threads} | {fds} | {saved} |", flush=True)
                last_cpu, last_t = cpu, now
                next_sample += args.sample
            if serve.proc.poll() is not None:
                print(f"soak: serve stopped (exit {serve.proc.returncode}):\n{serve.log}", file=sys.stderr)
                return 1
            time.sleep(1.0)
    finally:
        rc = serve.stop()
        audio.stop()
    idle = [r[2] for r in rows if not r[6]]
    saved = len(history(data))
    woken = serve.log.count("wake word heard (")
    half = len(rows) // 2
    print()
    print(f"serve ran {args.minutes:g} min, engine {args.engine}; woken {woken} times, {saved} check-ins in the "
          f"history, exit {rc}")
    if rows:
        print(f"RSS: first {rows[0][1]:.0f} MB, last {rows[-1][1]:.0f} MB, max {max(r[1] for r in rows):.0f} MB; "
              f"second half vs first half median: {statistics.median(r[1] for r in rows[half:]) - statistics.median(r[1] for r in rows[:half] or rows):+.1f} MB")
    if idle:
        print(f"idle CPU (intervals without a check-in): median {statistics.median(idle):.2f} %, "
              f"max {max(idle):.2f} % of one core")
    print(f"threads {rows[0][3]} -> {rows[-1][3]}, open files {rows[0][4]} -> {rows[-1][4]}" if rows else "")
    return 0 if rc == 0 and saved >= woken - 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
