"""Prepared speech for what BackCheck always says, so a question starts as soon as the answer is understood.

Every sentence of the questions, re-asks, help, FAQ answers and fixed verdict lines is known in advance
(``prompts.py``). They are synthesised once per voice, in a background thread at start-up, and kept on
disk (``<data_dir>/voice-cache/<voice id>/<sha256 of the sentence>.npy``, 16-bit samples), so the next
start has them at once. The voice id names engine, version, model hash and pace: another voice or pace
never gets this one's audio. A damaged file is deleted and made again; an unwritable folder just means
the cache lives in memory only.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import re
import tempfile
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from assistant.speech.voices import Voice

#: sentences also kept in memory (a few MB); the disk keeps them all and reads one in well under 1 ms
MEMORY_ITEMS = 48
#: Longest wait (s), when the process ends, for the sentence being prepared (one sentence: well under
#: a second here, a few on a Pi 4 under load; serve's stop watchdog leaves after 10 s whatever happens)
EXIT_WAIT_S = 5.0
#: Caches preparing in the background, stopped when the process ends (weak: a reopened speaker's
#: old cache is not kept alive by this)
_PREPARING: weakref.WeakSet[PromptCache] = weakref.WeakSet()


def _stop_preparing_at_exit() -> None:
    for cache in list(_PREPARING):
        cache.stop(EXIT_WAIT_S)


atexit.register(_stop_preparing_at_exit)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def sentence_key(text: str) -> str:
    """The file name of a sentence's audio (a hash: sentences are not file names)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class PromptCache:
    """Sentence -> audio of one voice, in memory and (when ``folder`` is given) on disk."""

    def __init__(self, voice: Voice, folder: Path | None) -> None:
        self.voice = voice
        self.folder = folder / _safe(voice.id) if folder is not None else None
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.prepared = 0  #: sentences synthesised by :meth:`prepare` (the rest were on disk already)
        self.errors: list[str] = []  #: sentences the voice could not say while preparing
        self.known: set[str] = set()  #: the prompt sentences: kept when said before they were prepared

    # -- lookup ---------------------------------------------------------------
    def get(self, sentence: str) -> np.ndarray | None:
        """The sentence's float samples at the voice's rate, or None when it has not been prepared."""
        with self._lock:
            hit = self._memory.get(sentence)
        if hit is not None:
            return hit.astype(np.float32) / 32767.0
        x = self._read(sentence)
        if x is None:
            return None
        self._remember(sentence, x)
        return x.astype(np.float32) / 32767.0

    def _read(self, sentence: str) -> np.ndarray | None:
        if self.folder is None:
            return None
        path = self.folder / f"{sentence_key(sentence)}.npy"
        try:
            x = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError):
            _unlink(path)  # damaged: make it again
            return None
        if x.dtype != np.int16 or x.ndim != 1:
            _unlink(path)
            return None
        return x

    def _remember(self, sentence: str, x: np.ndarray) -> None:
        with self._lock:
            if len(self._memory) >= MEMORY_ITEMS:
                self._memory.pop(next(iter(self._memory)))
            self._memory[sentence] = x

    def put(self, sentence: str, samples: np.ndarray) -> None:
        """Keep a sentence's audio (float samples), on disk too when there is a folder."""
        x = (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
        self._remember(sentence, x)
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                np.save(f, x, allow_pickle=False)
            os.replace(tmp, self.folder / f"{sentence_key(sentence)}.npy")
        except OSError:
            self.folder = None  # read-only or full disk: memory only from now on

    def say_sentence(self, sentence: str) -> np.ndarray:
        """The sentence's audio: from the cache, else synthesised now (and kept if it is a prompt)."""
        x = self.get(sentence)
        if x is None:
            x = self.voice.synthesize(sentence)
            if sentence in self.known:
                self.put(sentence, x)
        return x

    # -- preparing ------------------------------------------------------------
    def missing(self, sentences: Iterable[str]) -> list[str]:
        """The sentences (in order, once each) with no audio on disk or in memory."""
        out = []
        for s in dict.fromkeys(sentences):
            if s in self._memory:
                continue
            if self.folder is not None and (self.folder / f"{sentence_key(s)}.npy").is_file():
                continue
            out.append(s)
        return out

    def prepare(self, sentences: Iterable[str]) -> int:
        """Synthesise every sentence not yet prepared, in order; return how many were made."""
        made = 0
        for s in self.missing(sentences):
            if self._stop.is_set():
                break
            try:
                self.put(s, self.voice.synthesize(s))
                made += 1
            except Exception as exc:  # noqa: BLE001 - one sentence the voice cannot say must not stop the rest
                self.errors.append(f"{s!r}: {exc}")
        self.prepared += made
        return made

    def prepare_in_background(self, sentences: Iterable[str], warm_up: bool = True) -> threading.Thread:
        """:meth:`prepare` on a daemon thread (low priority: questions asked meanwhile are made on the spot).

        Files of sentences no longer said are deleted afterwards. ``warm_up`` also runs the voice once at the end, so a verdict's first new sentence does not
        pay for loading the voice's pronunciation data.
        """
        todo = list(sentences)
        self.known.update(todo)

        def work() -> None:
            try:
                os.nice(5)  # only this thread (Linux): recognition keeps the CPU first
            except (AttributeError, OSError):
                pass
            self.prepare(todo)
            if not self._stop.is_set():
                self.prune(todo)
            if warm_up and not self._stop.is_set() and hasattr(self.voice, "warm_up"):
                try:
                    self.voice.warm_up()  # type: ignore[attr-defined]
                except Exception:  # noqa: BLE001 - the mouth reports a broken voice when it speaks
                    pass

        self._thread = threading.Thread(target=work, name="prepare-prompts", daemon=True)
        self._thread.start()
        _PREPARING.add(self)
        return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background preparation; True when it has finished."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self, wait_s: float = 0.0) -> bool:
        """Ask the background preparation to stop after the sentence it is on, waiting up to ``wait_s``
        for it; True when no sentence is being made any more. Why wait before leaving: a process that
        exits while the voice's runtime is mid-sentence on another thread is aborted by that runtime
        (SIGABRT, "terminate called without an active exception"): a clean stop became a crash. Called
        with :data:`EXIT_WAIT_S` when the process ends."""
        self._stop.set()
        return self.wait(wait_s) if wait_s > 0 else self._thread is None or not self._thread.is_alive()

    def prune(self, keep: Iterable[str]) -> int:
        """Delete files of sentences no longer said (prompts edited in intents/); return how many."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        wanted = {f"{sentence_key(s)}.npy" for s in keep}
        gone = 0
        for path in self.folder.glob("*.npy"):
            if path.name not in wanted:
                _unlink(path)
                gone += 1
        return gone


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
