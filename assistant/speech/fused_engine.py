"""The default engine: BackCheck's answer classifier fused with a grammar recogniser.

Why fuse: the classifier hears real voices' single words far better than pocketsphinx, but knows
only single words; the grammar recogniser (pocketsphinx, or Vosk where a model is installed) still
brings phrases ("six out of ten", "no, not at all") and answers the classifier has no class for
("both", "better"). Decided by calibrated confidence: a single word the classifier is sure of
wins; a less sure one needs the grammar to hear the same word, or the grammar to hear nothing it
can use (for "no", which could hide a red flag, not even some other word: CAUTIOUS_WORDS); a
single word the grammar heard that the classifier knows but does not hear is dropped
(re-asked), which is what rejects "go" taken for "no"; a phrase comes from the grammar unless the
audio is one word the classifier is very sure of (pocketsphinx's garbage words make phrases); and
nothing the grammar heard counts when the classifier recognises one word it knows answers nothing
("go" heard by pocketsphinx as "both"). The thresholds were chosen on held-out speakers
(assistant/bench/answers.py), and are stored with the weights. An answer only the grammar heard
gets a second look where the grammar recogniser offers one (pocketsphinx: a decode against a much
wider garbage vocabulary, assistant/speech/rejection.py); if that hears something else, the
answer is asked again ("marvin" is not "moderate").

Why an early end: a one-word answer the classifier is sure of needs no long silence wait. The
audio goes to the grammar engine through a tap that runs a voice-activity detector; after a short
pause it asks the classifier, and if the word is certain it ends the grammar engine's stream at
once (~0.15 s of silence instead of the grammar endpointer's ~0.3 s or more). A word sure enough
to overrule any phrase ("over_phrase") needs nothing from the grammar at all, so pocketsphinx then
skips its decode (``recognizer.answer_decided``): the same answer, sooner, for less CPU.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from assistant.speech.answer_model import NONE, AnswerClassifier, Classified
from assistant.speech.early_end import EARLY_PAUSE_S, MAX_WORD_S, EarlyEndTap, allowed_words
from assistant.speech.recognizer import NOT_DECODED, AudioSourceLike, PcmMixin, Recognition, check_rate

#: over_phrase was 0.95 for a single perceptron; the five-model ensemble is less extreme (a clear
#: "left" at 0.94 lost to pocketsphinx's "left and right"): at 0.9, simulated on held-out speakers,
#: left/right and yes/no gain a clip each and no phrase answer is lost.
DEFAULT_THRESHOLDS = {"alone": 0.85, "agree": 0.4, "unopposed": 0.5, "over_phrase": 0.9, "distractor": 0.6}
#: Words that, heard wrongly, could hide a red flag ("no" to "is your leg weak?", or to "did you say
#: yes?"). When the grammar heard some other word, such a word needs the classifier's "alone"
#: confidence, not "unopposed": a word it never trained on ("down") mostly passes for "no" there,
#: and a real "no" asked again costs one question, while a wrong "no" can cost a warning sign.
CAUTIOUS_WORDS = ("no",)


def fuse(grammar: Recognition, heard: Classified | None, known: Sequence[str], th: dict[str, float]) -> Recognition:
    """The answer both engines together stand behind (see the module docstring for the rules).

    ``th``: "alone" (the classifier decides by itself), "agree" (enough when the grammar heard the
    same word), "unopposed" (enough when the grammar heard nothing it could use), "over_phrase"
    (enough to overrule a phrase the grammar heard in what sounds like one word), "distractor" (a
    word known to answer nothing, heard this surely, overrules the grammar).
    """
    if (heard is not None and heard.label == NONE and heard.span.seconds <= MAX_WORD_S
            and heard.distractor_confidence >= th["distractor"]):
        return replace(grammar, transcript="", rejected=True,
                       raw=f"{grammar.raw} | answers:none, heard {heard.distractor}:{heard.distractor_confidence:.2f}")
    g_words = [] if grammar.rejected else grammar.transcript.split()
    one_word = heard is not None and heard.label != NONE and heard.span.seconds <= MAX_WORD_S
    c = heard.confidence if one_word and heard is not None else 0.0
    if len(g_words) > 1 and c < th["over_phrase"]:
        return grammar
    # the grammar heard words it rejects (pocketsphinx: its garbage words), none of them this one
    opposed = (heard is not None and heard.label in CAUTIOUS_WORDS and grammar.rejected
               and grammar.raw not in ("", NOT_DECODED) and heard.label not in grammar.raw.split())
    if heard is not None and (c >= th["alone"] or (c >= th["agree"] and g_words == [heard.label])
                              or (c >= th["unopposed"] and not g_words and not opposed)):
        conf = c
        if g_words == [heard.label]:  # two independent engines agree
            conf = 1.0 - (1.0 - c) * (1.0 - min(grammar.confidence, 0.9))
        return replace(grammar, transcript=heard.label, confidence=conf, rejected=False,
                       raw=f"{grammar.raw} | answers:{heard.label}:{c:.2f}")
    if len(g_words) == 1 and g_words[0] not in known:
        return grammar  # a word the classifier has no class for: the grammar's call
    note = f"{grammar.raw} | answers:{heard.label}:{heard.confidence:.2f}" if heard else grammar.raw
    return replace(grammar, transcript="", rejected=True, raw=note)


class FusedRecognizer(PcmMixin):
    """Answer classifier + grammar recogniser behind the one ``Recognizer`` interface."""

    def __init__(self, grammar: Any, classifier: AnswerClassifier | None = None):
        self.grammar = grammar
        self.classifier = classifier or AnswerClassifier()
        self.engine = f"answers+{grammar.engine}"
        self.model = f"BackCheck answer recogniser + {grammar.model}"
        self.known = self.classifier.model.words()
        self.thresholds = {**DEFAULT_THRESHOLDS, **self.classifier.model.thresholds}
        self.alone = self.thresholds["alone"]
        self.warnings: list[str] = getattr(grammar, "warnings", [])

    def missing_words(self, phrases: Sequence[str]) -> list[str]:
        return self.grammar.missing_words(phrases)

    def allowed(self, phrases: Sequence[str]) -> list[str]:
        return allowed_words(self.known, phrases)

    def recognize(self, source: AudioSourceLike, phrases: Sequence[str] | None, *, max_s: float = 15.0,
                  silence_timeout_s: float = 8.0) -> Recognition:
        """Stream through the grammar engine (with the early-end tap), then fuse with the classifier."""
        check_rate(source)
        if phrases is None:
            return self.grammar.recognize(source, None, max_s=max_s, silence_timeout_s=silence_timeout_s)
        allowed = self.allowed(phrases)
        spent = [0.0]

        def certain(samples: np.ndarray) -> Classified | None:
            t = time.perf_counter()
            # only asks whether the word is already sure: the search for it waits for the end
            heard = self.classifier.classify(samples, allowed, search=False)
            spent[0] += time.perf_counter() - t
            ok = heard.label != NONE and heard.confidence >= self.alone and heard.span.seconds <= MAX_WORD_S
            return heard if ok else None

        # sure enough to overrule any phrase the grammar might hear: its decode would change nothing
        tap = EarlyEndTap(source, certain if allowed else lambda _s: None, self.thresholds["over_phrase"])
        g = self.grammar.recognize(tap, phrases, max_s=max_s, silence_timeout_s=silence_timeout_s)
        t = time.perf_counter()
        heard = tap.ended_early
        samples = np.frombuffer(bytes(tap.audio), dtype=np.int16)
        if heard is None and allowed:
            heard = self.classifier.classify(samples, allowed)
        decide = time.perf_counter() - t
        if not g.heard_speech and (heard is None or heard.label == NONE):
            return g  # nobody answered: the grammar engine's endpointer and the classifier agree
        out = fuse(replace(g, heard_speech=True), heard, self.known, self.thresholds)
        t = time.perf_counter()
        out = self._second_look(out, heard, samples, phrases)
        decide += time.perf_counter() - t
        if tap.ended_early is not None:
            # speech ended EARLY_PAUSE_S before the tap's check; the grammar decode followed at once
            endpoint: float | None = EARLY_PAUSE_S + (time.perf_counter() - tap.checked_at)
        else:
            endpoint = None if g.endpoint_s is None else g.endpoint_s + decide
        return replace(out, compute_s=g.compute_s + spent[0] + decide, endpoint_s=endpoint)

    def _second_look(self, out: Recognition, heard: Classified | None, samples: np.ndarray,
                     phrases: Sequence[str]) -> Recognition:
        """An answer only the grammar heard is asked again if the grammar's wider look hears other words."""
        recheck = getattr(self.grammar, "recheck", None)
        if recheck is None or out.rejected or not out.transcript or (heard is not None and out.transcript == heard.label):
            return out
        again = recheck(samples, phrases)
        if not again.rejected:
            return out
        return replace(out, transcript="", rejected=True, raw=f"{out.raw} | second look: {again.raw or 'nothing'}")
