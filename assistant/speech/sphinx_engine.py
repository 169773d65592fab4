"""pocketsphinx engine: per-question JSGF grammar, garbage-word rejection, VAD endpointing.

Why pocketsphinx: its en-us model ships inside the wheel (no download), it
loads in ~0.1 s without the n-gram LM and decodes small grammars many times
faster than real time on one core. The Decoder is built once and reused; a
grammar is compiled once per distinct phrase list and cached.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from assistant.speech import rejection
from assistant.speech.endpoint import import_pocketsphinx, listen
from assistant.speech.grammar import build_jsgf, check_phrases, load_cmudict, normalize_phrases, usable_phrases
from assistant.speech.recognizer import (
    NOT_DECODED,
    SAMPLE_RATE,
    AudioSourceLike,
    PcmMixin,
    Recognition,
    answer_decided,
    check_rate,
)

_FILLERS = ("<s>", "</s>", "<sil>")
_MAX_SEARCHES = 32
_LEAD_S = 0.25  # audio kept before the detected start of speech


#: Standard deviation (in 16-bit steps, about -72 dBFS) of the noise added before decoding.
DITHER = 8.0


def _dither(pcm: bytes) -> bytes:
    """Add a faint, fixed noise floor: stretches of exact digital silence (padded WAV files,
    synthetic speech) throw pocketsphinx's cepstral normalisation off and cost recognitions;
    measured on espeak-ng answers: 4 of 12 right without, 9 of 12 with."""
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    noise = np.random.default_rng(0).normal(0.0, DITHER, x.size).astype(np.float32)
    return np.clip(x + noise, -32768, 32767).astype(np.int16).tobytes()


class SphinxRecognizer(PcmMixin):
    """pocketsphinx 5 with the en-us model from the wheel."""

    engine = "sphinx"

    def __init__(
        self,
        garbage: bool = True,
        garbage_exclude: Iterable[str] = (),
        garbage_weight: float = rejection.SPHINX_GARBAGE_WEIGHT,
        vad_mode: int = 2,
    ) -> None:
        """``garbage`` False turns off out-of-grammar rejection (benchmark baseline);
        ``garbage_exclude`` keeps words out of the garbage list (held-out benchmarks)."""
        ps = import_pocketsphinx()
        self._ps = ps
        model_path = Path(ps.get_model_path()) / "en-us"
        self.model = f"pocketsphinx en-us ({model_path})"
        self._dict_path = model_path / "cmudict-en-us.dict"
        self._lm_path = model_path / "en-us.lm.bin"
        t = time.perf_counter()
        self._decoder = ps.Decoder(lm=None, loglevel="FATAL")
        self.load_s = time.perf_counter() - t
        self._garbage = garbage
        self._garbage_exclude = frozenset(garbage_exclude)
        self._garbage_weight = garbage_weight
        self._vad_mode = vad_mode
        self._searches: OrderedDict[tuple[str, ...], tuple[str, list[str]]] = OrderedDict()
        self._counter = 0
        self._reported: set[str] = set()
        self.warnings: list[str] = []

    # vocabulary -------------------------------------------------------------
    def _prons(self, word: str) -> tuple[str, ...]:
        return load_cmudict(self._dict_path).get(word, ())

    def missing_words(self, phrases: Sequence[str]) -> list[str]:
        """Words not in cmudict-en-us (the decoder cannot pronounce them)."""
        return check_phrases(phrases, lambda w: bool(self._prons(w))).missing_words

    # searches ---------------------------------------------------------------
    def _search_for(self, phrases: Sequence[str] | None, wide: bool = False) -> tuple[str, list[str]]:
        """Name of the decoder search for ``phrases`` and the phrases it can output.

        ``wide``: the same phrases against the wide garbage vocabulary (see :meth:`recheck`).
        """
        if phrases is None:
            key: tuple[str, ...] = ("\0free",)
            if key not in self._searches:
                self._decoder.add_lm_file("free", str(self._lm_path))
                self._searches[key] = ("free", [])
            return self._searches[key]
        key = tuple(normalize_phrases(phrases)) + (("\0wide",) if wide else ())
        if key in self._searches:
            self._searches.move_to_end(key)
            return self._searches[key]
        kept = usable_phrases(normalize_phrases(phrases), lambda w: bool(self._prons(w)), self._reported,
                              self.warnings, "the pocketsphinx dictionary", "check the intents/ phrases")
        garbage: list[str] = []
        if self._garbage or wide:
            candidates, problem = rejection.wide_garbage_words() if wide else (rejection.GARBAGE_WORDS, "")
            if problem and problem not in self.warnings:
                self.warnings.append(problem)
            gwords = {w for p in kept for w in p.split()}
            garbage = rejection.select_garbage(gwords, self._prons, self._garbage_exclude, candidates=candidates)
        weight = rejection.FUSED_GARBAGE_WEIGHT if wide else self._garbage_weight
        if wide:  # one at a time: each wide search holds ~10 MB while decoding (15 questions: +146 MB)
            for old_key in [k for k in self._searches if k[-1:] == ("\0wide",)]:
                self._decoder.remove_search(self._searches.pop(old_key)[0])
        self._counter += 1
        name = f"g{self._counter}"
        self._decoder.add_jsgf_string(name, build_jsgf(kept, garbage, weight))
        self._searches[key] = (name, kept)
        while len(self._searches) > _MAX_SEARCHES:
            _, (old, _) = self._searches.popitem(last=False)
            if old != "free":
                self._decoder.remove_search(old)
        return self._searches[key]

    # recognition ------------------------------------------------------------
    def recognize(
        self,
        source: AudioSourceLike,
        phrases: Sequence[str] | None,
        *,
        max_s: float = 15.0,
        silence_timeout_s: float = 8.0,
        wide: bool = False,
    ) -> Recognition:
        """Stream ``source`` through the VAD endpointer and the decoder until speech ends.

        ``wide``: decode against the wide garbage vocabulary (see :meth:`recheck`).
        """
        check_rate(source)
        search, allowed = self._search_for(phrases, wide)
        dec = self._decoder
        dec.activate_search(search)
        utt = listen(source, max_s=max_s, silence_timeout_s=silence_timeout_s, vad_mode=self._vad_mode)
        audio_s, compute = utt.audio_s, utt.compute_s
        if not utt.started:
            return Recognition("", 0.0, [], True, audio_s, compute, None, heard_speech=False)
        if answer_decided(source):
            return Recognition("", 0.0, [], True, audio_s, compute, None, raw=NOT_DECODED)
        # Decode the whole speech segment at once: batch cepstral mean normalisation
        # is far more accurate on short answers than the live estimate, and a
        # one-second answer decodes in ~10 ms, so the latency cost is negligible.
        # The endpointer's own speech frames stop right at the end of speech, where a
        # grammar search may not have reached a final state: decode from a little
        # before the start to the current position (the trailing silence it waited for).
        t = time.perf_counter()
        first = max(0, int(((utt.speech_start or 0.0) - _LEAD_S) * SAMPLE_RATE) * 2)
        dec.start_utt()
        dec.process_raw(_dither(utt.pcm[first:]), False, True)
        dec.end_utt()
        hyp = dec.hyp()
        segs = list(dec.seg() or [])
        done = time.perf_counter()
        compute += done - t
        endpoint_s = None
        if utt.end_lag_s is not None:
            endpoint_s = utt.end_lag_s + (done - t)
        raw = hyp.hypstr if hyp is not None else ""
        conf = float(hyp.prob) if hyp is not None else 0.0
        words = [(s.word, float(s.prob)) for s in segs if s.word not in _FILLERS and not s.word.startswith("[")]
        text = " ".join(raw.split())
        if phrases is None:
            rejected = not text
        else:
            rejected = text not in allowed
        return Recognition(
            transcript="" if rejected else text,
            confidence=conf,
            words=words,
            rejected=rejected,
            audio_s=audio_s,
            compute_s=compute,
            endpoint_s=endpoint_s,
            raw=text,
        )

    def recheck(self, samples: np.ndarray, phrases: Sequence[str]) -> Recognition:
        """Decode one answer again, against 1,300 garbage words instead of 300.

        Why: the fused engine asks this only of answers that the grammar alone heard (a phrase,
        "both", "ten"): words nobody answers with ("marvin", "happy") otherwise come out as the
        nearest phrase ("moderate", "a bit"). Too slow for every answer (~60 ms instead of ~30 ms
        of decoding), cheap for these few. The figures: assistant/speech/rejection.py.
        """
        limit = len(samples) / SAMPLE_RATE + 1.0
        return self.recognize_pcm(samples, phrases, max_s=limit, silence_timeout_s=limit, wide=True)
