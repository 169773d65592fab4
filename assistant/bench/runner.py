"""Recognise benchmark items with every engine and method, in a small pool of worker processes.

Each worker loads each recogniser once, builds the audio for an item itself (see
:func:`assistant.bench.corpus.render`), and returns plain dict records, so the parent only
collects and reports.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.bench.corpus import BenchError, Item, render
from assistant.bench.scoring import KeywordSkill, Outcome, acts, expected_for, fills_slot, is_correct, outcome
from assistant.nlu.language import load_language
from assistant.nlu.understand import UNCLEAR, Understander
from assistant.voice.grammar import grammar_for_slot

#: Methods compared. Both free-form methods share one free-form recognition.
GRAMMAR, FREE_KEYWORD, FREE_FUZZY = "grammar+fuzzy", "free-form+keyword", "free-form+fuzzy"
METHODS: tuple[str, ...] = (GRAMMAR, FREE_KEYWORD, FREE_FUZZY)


@dataclass(frozen=True)
class EngineSpec:
    """A recogniser to benchmark: the engine name and, for Vosk, the model folder."""

    engine: str
    model_dir: str | None = None
    trained_on_recordings: bool = False
    """True when it trained on the shared recordings: their rows would flatter it, so they are skipped."""


def import_recognizer_api() -> tuple[Callable[..., Any], type[Exception]]:
    """`make_recognizer` and the recogniser's error class, or a BenchError saying what is missing."""
    try:
        from assistant.speech import factory as api
        from assistant.speech.recognizer import SpeechError
    except ImportError as exc:
        raise BenchError(f"the speech recogniser module is not available ({exc}); "
                         "install BackCheck with its speech extras (script/setup)") from None
    return api.make_recognizer, SpeechError


class _Worker:
    """Per-process state: language, understanding, naive skill and loaded recognisers."""

    def __init__(self, engines: Sequence[EngineSpec], language: str):
        self.lang = load_language(language)
        self.nlu = Understander(self.lang)
        self.skill = KeywordSkill(self.lang)
        make, _ = import_recognizer_api()
        self.recs = {e.engine: make(engine=e.engine, model_dir=Path(e.model_dir) if e.model_dir else None)
                     for e in engines}
        self.skip_recordings = {e.engine for e in engines if e.trained_on_recordings}
        self.grammars: dict[str, list[str]] = {}
        self._free: dict[tuple[object, ...], Any] = {}  # free-form results of the last audio, by engine

    def grammar(self, slot: str) -> list[str]:
        if slot not in self.grammars:
            self.grammars[slot] = grammar_for_slot(self.lang, slot)
        return self.grammars[slot]

    def run(self, index: int, item: Item, methods: Sequence[str]) -> list[dict[str, Any]]:
        if not item.free_form:
            methods = [m for m in methods if m == GRAMMAR]
        audio = render(item)
        base = {"i": index, **{k: v for k, v in asdict(item).items() if v not in ("", None, 0) or k == "snr"},
                "condition": item.condition}
        expected: Outcome | None = None
        if item.kind == "synthetic":
            expected = expected_for(self.nlu, item.text, item.slot)
        elif item.kind == "real":
            expected = expected_for(self.nlu, item.word, item.slot)
        out = []
        for name, rec in self.recs.items():
            if name in self.skip_recordings and item.source == "wav":
                continue  # see the answer recogniser's held-out table instead
            for method in methods:
                if method == GRAMMAR:
                    r = rec.recognize_pcm(audio, self.grammar(item.slot))
                else:  # free-form hears the same thing whatever the question: reuse it
                    key = (name, *item.audio_key)
                    if key not in self._free:
                        self._free = {key: rec.recognize_pcm(audio, None)}
                    r = self._free[key]
                got = self._understand(method, r, item.slot)
                rec_out = {**base, "engine": name, "method": method, "transcript": r.transcript,
                           "raw": getattr(r, "raw", ""), "rejected": bool(getattr(r, "rejected", False)),
                           "confidence": round(float(r.confidence), 3), "audio_s": round(float(r.audio_s), 3),
                           "compute_s": round(float(r.compute_s), 4), "got": got.as_json()}
                if expected is not None:
                    rec_out["expected"] = expected.as_json()
                    rec_out["correct"] = is_correct(expected, got)
                else:
                    rec_out["fills_slot"] = fills_slot(got)
                    rec_out["acts"] = acts(got)
                out.append(rec_out)
        return out

    def _understand(self, method: str, r: Any, slot: str) -> Outcome:
        if getattr(r, "rejected", False) or not (r.transcript or "").strip():
            return Outcome(UNCLEAR)
        if method == FREE_KEYWORD:
            return self.skill.understand(r.transcript, slot)
        return outcome(self.nlu.understand(r.transcript, slot, r.confidence))


_STATE: dict[str, _Worker] = {}


def _init(engines: Sequence[EngineSpec], language: str) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _STATE["w"] = _Worker(engines, language)


def _run_chunk(chunk: list[tuple[int, Item]], methods: Sequence[str]) -> list[dict[str, Any]]:
    w = _STATE["w"]
    out: list[dict[str, Any]] = []
    for i, item in chunk:
        out += w.run(i, item, methods)
    return out


def run_items(items: Sequence[Item], engines: Sequence[EngineSpec], *, methods: Sequence[str] = METHODS,
              language: str = "en", processes: int = 2, chunk: int = 6,
              progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """Recognise and score every item with every engine and method; records in item order."""
    indexed = list(enumerate(items))
    chunks = [indexed[k:k + chunk] for k in range(0, len(indexed), chunk)]
    records: list[dict[str, Any]] = []
    if processes <= 1 or len(chunks) <= 1:
        _init(engines, language)
        for c in chunks:
            records += _run_chunk(c, methods)
            if progress:
                progress(len(records), len(items))
        return sorted(records, key=lambda r: r["i"])
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes, initializer=_init, initargs=(list(engines), language)) as pool:
        done = 0
        for part in pool.imap_unordered(_chunk_star, [(c, list(methods)) for c in chunks]):
            records += part
            done += 1
            if progress:
                progress(done * chunk, len(items))
    return sorted(records, key=lambda r: (r["i"], r["engine"], METHODS.index(r["method"])))


def _chunk_star(args: tuple[list[tuple[int, Item]], list[str]]) -> list[dict[str, Any]]:
    return _run_chunk(*args)
