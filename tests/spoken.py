"""A real `backcheck serve` process and a person who talks to it through the virtual microphone.

Shared by the fault tests and the soak benchmark. The person reads serve's live transcript (its
stdout) to know what was asked, waits for the question to be spoken, and answers in an espeak-ng
voice played into the virtual microphone: nothing in serve is faked or bypassed.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
WAKE = "alexa"
TTS_RATE = 450  #: serve speaks fast in these runs, so a whole check-in takes about a minute
#: what the person says to each question (first match in the question wins); anything else: "no"
ANSWERS = (("how long ago", "yesterday"), ("creep up", "it crept up"), ("zero to ten", "three"),
           ("sharp or stabbing", "dull"), ("better, the same, or worse", "better"), ("which leg", "left"))


def said(words: str, voice: str = "en-gb", rate: int = 165) -> np.ndarray:
    """``words`` in an espeak-ng voice, with the padding the virtual microphone needs."""
    from assistant.speech.synth import synthesize

    pad = np.zeros(4800, np.int16)
    return np.concatenate([pad, synthesize(words, voice=voice, rate=rate), pad, pad])


def answer_for(question: str) -> str:
    q = question.lower()
    return next((a for key, a in ANSWERS if key in q), "no")


class ServeProcess:
    """`python -m assistant serve` in its own process: stderr (the journal) and stdout (the transcript) collected."""

    def __init__(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None, engine: str = "sphinx",
                 person: Any = None) -> None:
        # the Person times its answers on espeak-ng's pace at TTS_RATE (the natural voice tops out at about
        # 400 words a minute and pauses between sentences); the natural voice in serve: tests/test_serve.py
        full_env = {**os.environ, "BACKCHECK_TTS_RATE": str(TTS_RATE), "BACKCHECK_SILENCE_TIMEOUT_S": "4",
                    "BACKCHECK_EARCONS": "wake", "BACKCHECK_VOICE": "espeak-ng", "PYTHONUNBUFFERED": "1",
                    **(env or {})}
        cmd = [sys.executable, "-m", "assistant", "--engine", engine, "--data-dir", str(data_dir), "serve", *extra]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, text=True, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.started = time.monotonic()
        self.lines: list[tuple[float, str]] = []  #: (seconds since start, journal line)
        self.transcript: list[str] = []
        self.person = person
        self._readers = [threading.Thread(target=self._read_log, daemon=True),
                         threading.Thread(target=self._read_talk, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))

    def _read_talk(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.transcript.append(line.rstrip("\n"))
            if self.person is not None:
                self.person.heard(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def when(self, pattern: str) -> float | None:
        """Seconds after start of the first journal line matching ``pattern``."""
        return next((t for t, line in self.lines if re.search(pattern, line)), None)

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if sum(bool(re.search(pattern, line)) for _, line in self.lines) >= count:
                return
            if self.proc.poll() is not None and not self._readers[0].is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} (x{count}) in the log:\n{self.log}")

    def send(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        for t in self._readers:
            t.join(timeout=5)
        return rc


class Person:
    """Answers each question serve asks, once it has been spoken, into the virtual microphone."""

    def __init__(self, audio: Any, rate: int = TTS_RATE) -> None:
        self.audio, self.rate = audio, rate
        self.answered: list[str] = []
        self._spoken = ""

    def heard(self, line: str) -> None:
        if line.startswith(("  you:", "  (", ">")):
            return
        self._spoken += " " + line
        if line.rstrip().endswith("?"):
            question, self._spoken = self._spoken, ""
            words = answer_for(line)
            # wait until serve has said everything printed since the last answer, then speak
            delay = len(question.split()) * 60.0 / self.rate + 0.7
            threading.Timer(delay, self._say, args=(words,)).start()

    def _say(self, words: str) -> None:
        self.answered.append(words)
        try:
            self.audio.play_into_mic(said(words))
        except Exception:  # noqa: BLE001 - the sound server may be restarting: a lost answer is re-asked
            pass


def history(data_dir: Path) -> list[dict[str, Any]]:
    """The saved check-ins, read through `backcheck history --json` (a separate process, as a person would)."""
    import json

    res = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(data_dir), "history", "--json"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


def quick_check(db: Path) -> str:
    """SQLite's own integrity check of the history file ("ok" when intact)."""
    import sqlite3

    if not db.exists():
        return "ok"
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        conn.close()
