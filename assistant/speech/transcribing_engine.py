"""The default engine: BackCheck's answer classifier for sure one-word answers, Whisper for the rest.

One rule set (:func:`decide`), measured in docs/benchmarks.md ("Transcriber (issue 22)"):

1. **Fast path.** A single word the classifier is sure of (``alone``) ends the answer 0.15 s after
   the word, unless Whisper's transcript of it heard another answer to the question: then it was a
   phrase around a word ("my left side" is "right" to the classifier, "not yet" is "yes"), and it is
   transcribed whole. The check starts 0.06 s into the pause, so it costs almost no time; a transcript
   that only mishears the word ("hero" for "zero" in noise) leaves it. Except a cautious word
   ("no", which could hide a red flag): the answer is not cut there ("no, but my leg is numb" is
   heard whole), and it is transcribed meanwhile, so that a transcript which clearly heard another
   word ("down", "go") can veto it.
2. **Everything else is transcribed** and handed on as text, which the understanding maps to slot
   values exactly as a typed answer ("yeah a little bit", "probably a six").
3. **Agreement.** A less sure classifier word stands when the transcript is that same word (or a
   word that sounds the same: "know", "write", "for"); the transcript's clear other word vetoes it.
4. **Safety.** Where the classifier heard "yes" or "no" and the transcript says the opposite, the
   answer is asked again; a "no" heard by the transcript alone must be heard clearly (its
   log-probability), else it is asked again: a wrong "no" can hide a warning sign. A transcript's
   own confidence stays below the conversation's confirmation threshold, so a warning sign heard
   only by the transcriber is read back before it counts.
5. **Non-answers.** When the classifier is sure a short sound is a word that answers nothing ("go",
   "down"), a one-word transcript is dropped too; a phrase still goes on as text.
6. **A last look.** A one-word answer about to be asked again, or whose transcript wrote only the
   room's words ("Thank you." in babble), is settled by Whisper's ranking of the question's words
   where that ranking is clear; never to "no", and never against rules 4 and 5
   (:mod:`assistant.speech.answer_choice`).

Why no grammar recogniser here: on phrase answers the transcript understood 80-90 % where
pocketsphinx's grammar gave 30-50 %, and on one-word answers the transcript is a better second
opinion than the grammar (docs/design-notes.md). pocketsphinx's endpointer still finds the end of
speech (``assistant.speech.endpoint``).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np

from assistant.speech.answer_audio import speech_span
from assistant.speech.answer_choice import chosen, spellings, worth_a_look
from assistant.speech.answer_model import NOISE, NONE, AnswerClassifier, Classified
from assistant.speech.endpoint import listen
from assistant.speech.early_end import (EARLY_PAUSE_S, MAX_WORD_S, PREPARE_PAUSE_S, EarlyEndTap, allowed_words,
                                         single_words)
from assistant.speech.recognizer import SAMPLE_RATE, AudioSourceLike, PcmMixin, Recognition, check_rate
from assistant.speech.second_ear import gated, quietest_stretch, room_heard
from assistant.speech.transcriber import Transcript, WhisperTranscriber, normalize_transcript

#: alone: the classifier decides by itself; agree: enough when the transcript is the same word;
#: unopposed: enough when the transcript heard nothing; distractor: a word known to answer nothing,
#: heard this surely, drops a one-word transcript; clear_no: a transcript's "no" alone must have at
#: least this mean token log-probability; no_speech: above this the transcript counts as nothing;
#: none_veto: the classifier this sure that a short answer is none of its words, and naming a word
#: that answers nothing (veto_distractor) rather than noise, drops a transcript of one of them ("on"
#: written "one"); min_logprob: a transcript-only short answer less sure than this is Whisper
#: guessing (noise written as "one"); late_no: a "no" after the third word ("one billion, no more"
#: from other people talking) must be this sure; lone_no: a "no" in a short sound the classifier took
#: for none of its words must be this sure (a breath written "Oh, no, no." at -1.41, "go" at -1.38;
#: real "no"s there were -0.63 to -1.12); guess: a transcript of any length less sure than this is
#: Whisper making words of noise ("I'm gonna get a little bit of a good one." for clanking, a pain
#: score of 2): of 900 phrase answers none understood right was under -1.9, of 2,178 real one-word
#: answers none decided by such a transcript was right.
DEFAULT_THRESHOLDS = {"alone": 0.85, "agree": 0.4, "unopposed": 0.5, "distractor": 0.6,
                      "clear_no": -1.5, "no_speech": 0.6, "none_veto": 0.7, "min_logprob": -1.6,
                      "late_no": -0.7, "veto_distractor": 0.2, "lone_no": -1.3, "guess": -2.0}
#: Whisper's own rule for "there was no speech": its no-speech probability high AND its words unsure.
NO_SPEECH_LOGPROB = -1.0
#: A transcript of the classifier's word, repeated or with these sounds around it, agrees with it ("you
#: know" for "no", "no, no"); anything else ("I don't know") is words of their own.
FILLER_WORDS = frozenset("you uh um er erm oh ah hmm well okay ok".split())
#: Sounds of someone finding their words: heard alone, listening goes on for the answer.
HESITATIONS = frozenset("um umm uh uhm er erm hmm mm ah".split())
#: How long (s) of quiet after a hesitation sound the answer is still waited for.
HESITATION_WAIT_S = 4.0
#: How long (s) after a "no" said in words the person may still go on (see may_go_on): the endpointer
#: hears a start 0.3 s into speech, so a pause of up to about a second is bridged.
GO_ON_WAIT_S = 0.6
#: Words an answer cannot end on ("probably a ...", "it's kind of a ...", "I'd say ..."): the person
#: paused mid-sentence, and the endpointer, ending on 0.3 s of quiet, had cut the answer there.
#: Not "is" or "was": "it's not as bad as it was" ends there.
DANGLING_WORDS = frozenset("a an the my your his her their our of to about and but or like say than with from "
                           "around its it's".split())
#: How long (s) of quiet after a dangling word the rest of the sentence is still waited for.
DANGLING_WAIT_S = 2.0
#: Words that, heard wrongly, could hide a red flag: transcribed even on the fast path.
CAUTIOUS_WORDS = ("no",)
#: The classifier's words that are commands, not answers ("stop"): a second listen never takes them.
COMMAND_WORDS = ("stop",)
#: A transcript's confidence never reaches the conversation's confirmation threshold (0.9): a warning
#: sign heard by the transcriber alone is read back before it counts.
MAX_TRANSCRIPT_CONFIDENCE = 0.85
#: A stretch this many times louder (RMS) than the floor may be a word the endpointer missed (20 dB).
QUIET_WORD_RATIO = 10.0
#: Audio kept before the detected start of speech when cutting the answer for the transcriber.
LEAD_S = 0.3
YES_WORDS = frozenset("yes yeah yep yup yea ya aye sure definitely absolutely correct".split())
NO_WORDS = frozenset("no nope nah not never none nothing".split())
#: Whisper's spellings of a one-word answer that sounds the same.
SOUNDS_LIKE = {"know": "no", "now": "no", "write": "right", "rite": "right", "wright": "right", "for": "four",
               "fore": "four", "to": "two", "too": "two", "won": "one", "ate": "eight", "yeah": "yes",
               "yep": "yes", "nope": "no", "nah": "no", "sex": "six", "nein": "nine", "free": "three",
               "alright": "right"}


@dataclass(frozen=True)
class Heard:
    """The transcript of one answer, as words."""

    text: str  #: normalised (lower case, numbers as words, clause punctuation kept)
    words: tuple[str, ...]  #: the words alone
    logprob: float
    nothing: bool  #: no words, or the model itself says there was no speech

    @classmethod
    def of(cls, t: Transcript | None, no_speech: float) -> Heard:
        if t is None:
            return cls("", (), 0.0, True)
        text = normalize_transcript(t.text)
        words = tuple(w.strip(",.?") for w in text.split() if w.strip(",.?"))
        silent = t.no_speech_prob > no_speech and t.avg_logprob < NO_SPEECH_LOGPROB
        return cls(text, words, t.avg_logprob, not words or silent)

    @property
    def confidence(self) -> float:
        return min(MAX_TRANSCRIPT_CONFIDENCE, math.exp(self.logprob))

    def polarity(self) -> str | None:
        """"yes" or "no": the first yes/no word said, if any."""
        return self.polarity_at()[0]

    def polarity_at(self) -> tuple[str | None, int]:
        """The first yes/no word said ("yes", "no" or None) and how many words came before it."""
        for i, w in enumerate(self.words):
            if w in YES_WORDS:
                return "yes", i
            if w in NO_WORDS:
                return "no", i
        return None, len(self.words)

    def says(self, label: str) -> bool:
        """The transcript is ``label`` (or a word that sounds like it), maybe repeated or with a filler
        sound: "no, no", "you know", "write"; never a phrase of other words ("I don't know")."""
        mapped = {SOUNDS_LIKE.get(w, w) for w in self.words}
        return label in mapped and mapped <= {label} | FILLER_WORDS

    def contradicts(self, label: str, answers: set[str]) -> bool:
        """The transcript heard another answer to the question and not ``label``: a phrase around a
        word ("my left side", which the classifier hears as "right"; "not yet" as "yes"), or for a yes
        or no any phrase without it ("I don't know." was taken as a sure "yes"). Anything else ("hero"
        for "zero" in noise) leaves the classifier's word: it hears single words better."""
        mapped = [SOUNDS_LIKE.get(w, w) for w in self.words]
        if self.nothing or label in mapped:
            return False
        if label in ("yes", "no"):
            # or a phrase without the word: "I don't know." is no "yes", whatever the classifier heard
            return self.polarity() not in (None, label) or len(self.words) >= 2
        return any(w in answers for w in mapped)

    def listed(self) -> bool:
        """Words written one by one ("down, one"), not a phrase ("mostly left")."""
        clauses = [[w for w in c.split() if w.strip(".?") not in FILLER_WORDS] for c in self.text.split(",")]
        return len([c for c in clauses if c]) > 1 and all(len(c) <= 1 for c in clauses)

    def short_words(self) -> set[str]:
        """The words of a transcript of at most two words (fillers left out, spellings mapped), else empty."""
        mapped = [SOUNDS_LIKE.get(w, w) for w in self.words if w not in FILLER_WORDS]
        return set(mapped) if len(mapped) <= 2 else set()

    def hesitation(self) -> bool:
        """All that was said is "um", "uh", "hmm": someone still finding their words."""
        return bool(self.words) and all(w in HESITATIONS for w in self.words)

    def answers_in(self, answers: set[str]) -> set[str]:
        """The words of the transcript that answer the question ("no" for any no word: "not", "never")."""
        mapped = {SOUNDS_LIKE.get(w, w) for w in self.words}
        polarity = self.polarity()
        return (mapped & answers) | ({polarity} if polarity else set())

    def one_word(self) -> str | None:
        """The single word said (mapped to the answer word it sounds like), or None for a phrase."""
        if len(self.words) != 1:
            return None
        return SOUNDS_LIKE.get(self.words[0], self.words[0])


def decide(word: Classified | None, said: Heard, th: dict[str, float], yes_no: bool = True,
           known: Sequence[str] = ()) -> tuple[str, float, str]:
    """(transcript, confidence, why) for one answer; transcript "" means ask again.

    ``yes_no``: the open question takes yes or no (the polarity rules apply only there: "it came on
    suddenly, not during a lift" is no "no"). ``known``: the classifier's words that answer the open
    question; where a short transcript is one of them, the classifier is the better judge of it.
    """
    short = word is not None and word.span.seconds <= MAX_WORD_S
    label = word.label if word is not None and short and word.label != NONE else None
    c = word.confidence if label is not None and word is not None else 0.0
    if (word is not None and word.label == NONE and short and word.distractor_confidence >= th["distractor"]
            and (said.nothing or said.one_word() is not None)):
        return "", 0.0, f"classifier: a non-answer ({word.distractor} {word.distractor_confidence:.2f})"
    if label is not None and (said.nothing or said.says(label)):
        if said.says(label) and c >= th["agree"]:
            return label, 1.0 - (1.0 - c) * (1.0 - said.confidence), f"both heard {label}"
        need = th["alone"] if label in CAUTIOUS_WORDS else th["unopposed"]
        if said.nothing and c >= need:
            return label, c, f"classifier {label} {c:.2f}, transcript nothing"
        return "", 0.0, f"classifier {label} {c:.2f} not sure enough"
    if said.nothing:
        return "", 0.0, "nothing heard"
    if label is not None and c >= th["alone"] and said.logprob < th["min_logprob"]:
        return label, c, f"classifier {label} {c:.2f}, transcript a guess ({said.logprob:.2f})"
    theirs = said.short_words() & set(known)
    # only where all it wrote is answer words ("one, one"), words one by one ("down, one") or the word
    # the classifier heard instead: a phrase around one ("left side", "mostly left") is the
    # transcript's to read, the classifier was taught single words (it hears "right" in "left side")
    words_only = theirs == said.short_words() or said.listed() or (word is not None and
                                                                  word.distractor in said.short_words())
    if theirs and short and word is not None and words_only:
        if (word.label == NONE and word.confidence >= th["none_veto"] and word.distractor not in ("", NOISE)
                and word.distractor_confidence >= th["veto_distractor"]):
            return "", 0.0, f"transcript {sorted(theirs)} but classifier none {word.confidence:.2f}"
        if label is not None and label not in theirs and c >= th["unopposed"]:
            return "", 0.0, f"transcript {sorted(theirs)} but classifier {label} {c:.2f}"
    if (said.short_words() and said.logprob < th["min_logprob"]) or said.logprob < th["guess"]:
        return "", 0.0, f"transcript {said.text!r} a guess ({said.logprob:.2f})"
    if yes_no and label in ("yes", "no") and c >= th["unopposed"] and said.polarity() not in (None, label):
        return "", 0.0, f"classifier {label} {c:.2f} but transcript {said.polarity()}: asked again"
    polarity, before = said.polarity_at()
    unheard_word = short and word is not None and word.label == NONE  # a short sound, no answer word to the classifier
    if yes_no and polarity == "no" and label != "no" and (
            said.logprob < th["clear_no"] or (before >= 3 and said.logprob < th["late_no"])
            or (unheard_word and said.logprob < th["lone_no"])):
        return "", 0.0, f"transcript no, not clear ({said.logprob:.2f}, after {before} words)"
    if label is not None and said.one_word() is not None and c >= th["alone"]:
        return "", 0.0, f"classifier {label} {c:.2f} vetoed: transcript heard {said.one_word()!r}"
    return said.text, said.confidence, "transcript"


#: Confidence, at most, of a fast-path word whose check transcript did not write it: under the
#: conversation's 0.9, so a warning sign heard that way is read back before it counts. On every
#: held-out clip and probe, 1 of 163 real fast "yes"es and both fast "yes"es from probes ("on",
#: checked "you", 0.91 at the bladder question: an emergency) were such.
UNCHECKED_FAST_CONFIDENCE = 0.85


def fast_confidence(word: Classified, check: Heard) -> float:
    """The confidence of a word taken on the fast path: the classifier's, unless its check transcript
    did not write the word ("on" heard as "yes", written "you"); then at most
    :data:`UNCHECKED_FAST_CONFIDENCE`, so a warning sign heard that way is read back before it counts."""
    if word.label in check.answers_in({word.label}):
        return word.confidence
    return min(word.confidence, UNCHECKED_FAST_CONFIDENCE)


#: One-word answers put in the prompt, at most (the decoder's prompt is capped at 100 tokens).
PROMPT_WORDS = 25


def question_prompt(phrases: Sequence[str]) -> str | None:
    """A bias for the transcriber: the open question's one-word answers as text that came before.

    Why: Whisper continues its prompt's vocabulary, so "six" is written "six", "nope" is heard as a
    word and "both" as "both". Measured on phrase answers (docs/benchmarks.md): understood clean
    82-96 -> 87-100 % by voice, yes/no heard as its opposite 12 -> 7 of 675; it is checked on words
    that answer nothing, so that it does not make Whisper hear an answer nobody gave.
    """
    singles = [p.strip() for p in phrases if len(p.split()) == 1][:PROMPT_WORDS]
    return ", ".join(singles) + "." if singles else None


def answer_start(samples: np.ndarray, speech_start: float | None) -> float:
    """Where the answer starts (s): the endpointer's start or the first loud stretch's, whichever is
    earlier (the endpointer needs 0.3 s of speech to start, and a short "nope" before a pause came
    too early for it)."""
    start = speech_start if speech_start is not None else 0.0
    loud = speech_span(samples)
    return min(start, loud.start / SAMPLE_RATE) if loud.end > loud.start else start


#: Audio (s) handed to a speculative transcription: the sure word lies within (it is at most 1.6 s).
SPECULATE_S = 2.5


class _Speculation:
    """A transcription started while the person may still go on speaking ("no, ... but my leg ...").

    Why: a sure "no" is transcribed before it counts, and waiting for the endpointer to be sure the
    answer is over costs ~0.15 s more than the classifier's early end. Started in a thread at the
    classifier's early check, it runs while the endpointer waits (CTranslate2 releases the GIL);
    if no speech followed, its transcript is the answer's, else the whole answer is transcribed.
    """

    def __init__(self) -> None:
        self.word: Classified | None = None
        self.upto = 0
        self.kept = True
        self._thread: threading.Thread | None = None
        self._result: list[Transcript] = []

    def start(self, run: Any, samples: np.ndarray, word: Classified, kept: bool = True) -> None:
        """``kept``: the answer's transcript if nothing more is said (False: only a check's, until the
        check at the end of the pause takes it)."""
        if self._thread is not None:
            self._thread.join()
        self.word, self.upto, self._result, self.kept = word, len(samples), [], kept
        excerpt = np.array(samples[-int(SPECULATE_S * SAMPLE_RATE):])
        self._thread = threading.Thread(target=lambda: self._result.append(run(excerpt)), daemon=True)
        self._thread.start()

    def now(self, run: Any, samples: np.ndarray, word: Classified) -> Transcript:
        """The same transcription, done at once (the answer waits for it): its result is kept."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.word, self.upto, self.kept = word, len(samples), True
        self._result = [run(np.array(samples[-int(SPECULATE_S * SAMPLE_RATE):]))]
        return self._result[0]

    def covers(self, speech_start_s: float, speech_end_s: float | None) -> bool:
        """The answer lies inside the audio it transcribes: no speech after it (the endpointer's end
        of speech lies before its end), and none before it. Why the start: a four-sentence answer
        ("no, it stays in my back. no, nothing in my legs. no, I slept fine") paused after a sure
        "no" in its third sentence, and its last 2.5 s alone, "...ling in my legs, no, I slept fine",
        had been taken for the whole answer."""
        return self.word is not None and self.kept and speech_end_s is not None and \
            speech_end_s * SAMPLE_RATE <= self.upto and \
            (speech_start_s - LEAD_S) * SAMPLE_RATE >= self.upto - int(SPECULATE_S * SAMPLE_RATE)

    def result(self) -> Transcript | None:
        if self._thread is not None:
            self._thread.join()
        return self._result[0] if self._result else None


class TranscribingRecognizer(PcmMixin):
    """Answer classifier + Whisper transcriber behind the one ``Recognizer`` interface."""

    def __init__(self, classifier: AnswerClassifier | None = None, transcriber: WhisperTranscriber | None = None):
        self.classifier = classifier or AnswerClassifier()
        self.transcriber = transcriber or WhisperTranscriber()
        self.engine = "answers+whisper"
        self.model = f"BackCheck answer recogniser + {self.transcriber.model}"
        self.known = self.classifier.model.words()
        self.thresholds = {**DEFAULT_THRESHOLDS,
                           **{k: v for k, v in self.classifier.model.thresholds.items() if k in DEFAULT_THRESHOLDS}}
        self.warnings: list[str] = []

    def missing_words(self, phrases: Sequence[str]) -> list[str]:
        return []  # an open vocabulary

    def transcribe(self, samples: np.ndarray, speech_start: float | None, phrases: Sequence[str] | None,
                   gate: bool = False) -> Transcript:
        """The transcript of the answer from a little before its start (what came before is waiting).

        The start is the endpointer's or the first loud stretch's, whichever is earlier: the
        endpointer needs 0.3 s of speech to start, and a short "nope" before a pause came too early
        for it ("nope, just my back hurts" was written "just my back hurts"). ``gate``: the room's
        steady sound taken out first (:mod:`assistant.speech.second_ear`).
        """
        first = max(0, int((answer_start(samples, speech_start) - LEAD_S) * SAMPLE_RATE))
        audio = gated(samples[first:], quietest_stretch(samples)) if gate else samples[first:]
        return self.transcriber.transcribe(audio, question_prompt(phrases or ()))

    def choose(self, samples: np.ndarray, phrases: Sequence[str] | None, allowed: Sequence[str],
               word: Classified | None, said: Heard, text: str) -> tuple[str, float, str] | None:
        """An answer about to be asked again, or a transcript of the room's words, settled by Whisper's
        ranking of the question's one-word answers, where that ranking is clear
        (:mod:`assistant.speech.answer_choice`); None leaves the decision as it was. ``allowed``: the
        classifier's words that answer the question."""
        answers = single_words(phrases or ())
        yes_no = "no" in answers
        # asked again, or passed on as the room's words or as answers one by one ("one, two, three")
        heard = said.answers_in(answers)
        undecided = not text or (text == said.text and (not heard or (len(heard) > 1 and said.listed())))
        if not worth_a_look(word, self.thresholds, said.polarity(), yes_no, undecided):
            return None
        words = sorted({SOUNDS_LIKE.get(w, w) for w in answers})
        # the whole recording: where the room's sound starts the answer late ("Okay." for a word under
        # clanking), the word may lie before it (measured: more chosen, none wrongly)
        scores = self.transcriber.first_word(samples, question_prompt(phrases or ()), spellings(words))
        pick = chosen(scores, allowed)
        if pick is None:
            return None
        return pick[0], min(MAX_TRANSCRIPT_CONFIDENCE, pick[1]), f"chosen among the answers: {pick[0]} {pick[1]:.2f}"

    def listen_again(self, samples: np.ndarray, speech_start: float | None, phrases: Sequence[str] | None,
                     said: Heard) -> tuple[Transcript, Heard] | None:
        """In a room with sound of its own, where the transcript held no answer to the question or
        several of the classifier's words ("one, two, three": other people counting): the answer
        transcribed again with the room's sound taken out, if that one is a word or two naming one
        of the classifier's words (a phrase stays the first transcript's: the gate was measured on
        single words)."""
        answers = single_words(phrases or ())
        words = (answers & set(self.known)) - set(COMMAND_WORDS)  # the gate was measured on these
        heard = said.answers_in(answers)
        counting = len(heard) > 1 and heard <= words
        if not words or (heard and not counting) or not room_heard(samples):
            return None
        again = self.transcribe(samples, speech_start, phrases, gate=True)
        heard_again = Heard.of(again, self.thresholds["no_speech"])
        named = heard_again.short_words()
        return (again, heard_again) if len(named & words) == 1 and not named & (answers - words) else None

    @staticmethod
    def may_hold_a_word(samples: np.ndarray) -> bool:
        """A loud stretch stands out from the floor though the endpointer heard no speech start: a
        short or quiet "yes" (its 0.3 s window misses a 0.2 s word) is transcribed rather than lost,
        and kept only as a word or two (a phrase would have started the endpointer)."""
        span = speech_span(samples)
        return span.end > span.start and span.peak_rms >= QUIET_WORD_RATIO * max(span.floor_rms, 1.0)

    def recognize(self, source: AudioSourceLike, phrases: Sequence[str] | None, *, max_s: float = 15.0,
                  silence_timeout_s: float = 8.0) -> Recognition:
        """Listen until the answer ends (sooner for a sure word), then decide (:func:`decide`).

        "Um ... yes, my leg gave way": where all that was said is a hesitation sound, listening goes
        on for the answer (up to :data:`HESITATION_WAIT_S` of quiet) instead of asking again while the
        person is still finding their words."""
        check_rate(source)
        first, said = self._listen_once(source, phrases, max_s=max_s, silence_timeout_s=silence_timeout_s)
        hesitated = said is not None and said.hesitation() and set(first.transcript.split()) <= HESITATIONS
        left = max_s - first.audio_s
        if left < 1.0:
            return first
        if hesitated:
            more, spent = self._listen_more(source, phrases, first, left, HESITATION_WAIT_S)
            if not more.heard_speech:
                return replace(first, **spent)
            return replace(more, **spent, raw=f"after a hesitation: {more.raw}")
        if self.dangles(first, said):
            return self._went_on(source, phrases, first, left, DANGLING_WAIT_S, " ")
        if self.may_go_on(first, said, phrases):
            return self._went_on(source, phrases, first, left)
        return first

    def _listen_more(self, source: AudioSourceLike, phrases: Sequence[str] | None, first: Recognition,
                     left: float, wait_s: float) -> tuple[Recognition, dict[str, float]]:
        """Listening again after ``first`` (up to ``wait_s`` of quiet), and the audio and compute both took."""
        more, _ = self._listen_once(source, phrases, max_s=left, silence_timeout_s=min(wait_s, left))
        return more, {"audio_s": first.audio_s + more.audio_s, "compute_s": first.compute_s + more.compute_s}

    @staticmethod
    def may_go_on(first: Recognition, said: Heard | None, phrases: Sequence[str] | None) -> bool:
        """A "no" said in words to a yes/no question ("no, nothing like that"; not "no, no"): the
        person may go on after a pause ("... actually, my left leg did buckle on the stairs"), which
        the endpointer, ending on 0.3 s of quiet, had cut off: the sign was ruled out, the rest lost."""
        return said is not None and bool(first.transcript) and "no" in (phrases or ()) \
            and said.polarity() == "no" and any(w not in NO_WORDS and w not in FILLER_WORDS for w in said.words)

    @staticmethod
    def dangles(first: Recognition, said: Heard | None) -> bool:
        """The transcript stops on a word no answer ends on ("probably a", "I'd say") or on a hesitation
        ("probably, uh": so Whisper writes "probably a" in a fan's hum): the person paused in
        mid-sentence. Measured with a 0.4-1.0 s pause in the middle of phrase answers, such answers
        had all been cut there and asked again."""
        # two words at least: one word alone may be Whisper's writing of noise ("the")
        return said is not None and not said.nothing and bool(first.transcript) and len(said.words) >= 2 \
            and (said.words[-1] in DANGLING_WORDS or said.words[-1] in HESITATIONS)

    def _went_on(self, source: AudioSourceLike, phrases: Sequence[str] | None, first: Recognition,
                 left: float, wait_s: float = GO_ON_WAIT_S, joint: str = ". ") -> Recognition:
        """``first``, and what was said after it within ``wait_s`` of quiet, as one answer (the two
        transcripts joined by ``joint``: a new sentence after a "no", the same one after a dangling word)."""
        more, spent = self._listen_more(source, phrases, first, left, wait_s)
        if not more.heard_speech or not more.transcript:
            waited = None if first.endpoint_s is None else first.endpoint_s + more.audio_s
            return replace(first, **spent, endpoint_s=waited)
        text = f"{first.transcript}{joint}{more.transcript}"
        conf = min(first.confidence, more.confidence)
        return replace(more, transcript=text, confidence=conf, words=[(w, conf) for w in text.split()], **spent,
                       raw=f"{first.raw} || went on: {more.raw}")

    def _listen_once(self, source: AudioSourceLike, phrases: Sequence[str] | None, *, max_s: float,
                     silence_timeout_s: float) -> tuple[Recognition, Heard | None]:
        """One answer's recognition, with what Whisper wrote (None where it was not asked)."""
        allowed = allowed_words(self.known, phrases or ())
        answers = single_words(phrases or ())
        spent = [0.0]

        guess = _Speculation()
        prompt = question_prompt(phrases or ())

        def sure(samples: np.ndarray) -> Classified | None:
            t = time.perf_counter()
            heard = self.classifier.classify(samples, allowed, search=False)
            spent[0] += time.perf_counter() - t
            ok = heard.label != NONE and heard.confidence >= self.thresholds["alone"] and heard.span.seconds <= MAX_WORD_S
            return heard if ok else None

        def run(x: np.ndarray) -> Transcript:
            return self.transcriber.transcribe(x, prompt)

        def prepare(samples: np.ndarray) -> None:
            """A pause begins after a sure word: its check's transcription starts now, in a thread."""
            heard = sure(samples)
            if heard is not None and heard.label not in CAUTIOUS_WORDS:
                guess.start(run, samples, heard, kept=False)  # the pause may not last

        def certain(samples: np.ndarray) -> Classified | None:
            heard = sure(samples)
            if heard is None:
                return None
            if heard.label in CAUTIOUS_WORDS:  # "no, but ...": listen on, transcribing meanwhile
                guess.start(run, samples, heard)
                return None
            # a word said alone, or one inside a phrase ("my left side" sounds like "right" to the
            # classifier, "not yet" like "yes"): the transcript of what was said so far tells
            started_here = guess.word is not None and guess.word.label == heard.label and \
                samples.size - guess.upto <= (EARLY_PAUSE_S - PREPARE_PAUSE_S + 0.05) * SAMPLE_RATE
            said = guess.result() if started_here else None
            guess.kept = said is not None
            if said is None:
                said = guess.now(run, samples, heard)
            check = Heard.of(said, self.thresholds["no_speech"])
            if check.contradicts(heard.label, answers):
                return None  # decided with the whole answer's transcript
            spent[0] += said.compute_s
            checked["text"] = said.text
            checked["confidence"] = fast_confidence(heard, check)
            return heard

        checked: dict[str, Any] = {}  # what the fast path's check transcribed, and the confidence it leaves
        at_fall: dict[str, Any] = {}  # what was heard where the level fell: used again if that ended the answer

        def heard_out(samples: np.ndarray) -> bool:
            """The sound fell back to the room's level and the endpointer has not ended (noise it
            takes for speech, or a word too short for it): end if a word was said, not only noise
            or an "um" before the answer."""
            t = time.perf_counter()
            at_fall.clear()
            try:
                if allowed:
                    at_fall["word"] = self.classifier.classify(samples, allowed)
                    if at_fall["word"].label != NONE:
                        return True
                if not self.may_hold_a_word(samples):
                    return False
                # from the loud stretch on, as the answer itself would be
                said = at_fall["said"] = self.transcribe(samples, samples.size / SAMPLE_RATE, phrases)
                words = Heard.of(said, self.thresholds["no_speech"])
                return not words.nothing and any(w not in FILLER_WORDS for w in words.words)
            finally:
                spent[0] += time.perf_counter() - t

        tap = EarlyEndTap(source, certain if allowed else (lambda _s: None), heard_out=heard_out,
                          prepare=prepare if allowed else None)
        utt = listen(tap, max_s=max_s, silence_timeout_s=silence_timeout_s)
        t = time.perf_counter()
        samples = tap.heard_audio() if tap.ended_by_level else np.frombuffer(bytes(tap.audio), dtype=np.int16)
        if not tap.ended_by_level:
            at_fall.clear()
        word = tap.ended_early
        if word is not None:
            endpoint = (time.perf_counter() - tap.checked_at) + 0.15
            conf = checked.get("confidence", word.confidence)
            return Recognition(word.label, conf, [(word.label, conf)], False, utt.audio_s,
                               utt.compute_s + spent[0], endpoint,
                               raw=f"answers:{word.label}:{word.confidence:.2f} (fast; "
                                   f"checked: {checked.get('text', '').strip()!r})"), None
        speech_end = utt.speech_end if not tap.ended_by_level else tap.fell_at_s
        said_early = guess.result() if guess.covers(answer_start(samples, utt.speech_start), speech_end) else None
        if said_early is not None:
            word = guess.word
            spent[0] += said_early.compute_s
        elif allowed:  # also where the endpointer heard no start: a quiet "yes"
            word = at_fall.get("word") or self.classifier.classify(samples, allowed)
        unheard = not utt.started and (word is None or word.label == NONE)

        def silence(extra_s: float = 0.0) -> Recognition:
            return Recognition("", 0.0, [], True, utt.audio_s, utt.compute_s + spent[0] + extra_s, None,
                               heard_speech=False)

        if unheard and not self.may_hold_a_word(samples):
            return silence(), None
        said_raw = said_early or at_fall.get("said") or self.transcribe(samples, utt.speech_start, phrases)
        said = Heard.of(said_raw, self.thresholds["no_speech"])
        second = self.listen_again(samples, utt.speech_start, phrases, said)
        if second is not None:  # (both transcriptions' time is already counted: after t, or in spent)
            said_raw, said = second
        if unheard and not said.short_words():  # too short for the endpointer, so a word, not a phrase
            return silence(said_raw.compute_s), said
        text, conf, why = decide(word, said, self.thresholds, yes_no="no" in (phrases or ()), known=allowed)
        picked = self.choose(samples, phrases, allowed, word, said, text) if allowed else None
        if picked is not None:
            text, conf, why = picked[0], picked[1], f"{why}; {picked[2]}"
        done = time.perf_counter()
        endpoint = None if utt.end_lag_s is None else utt.end_lag_s + (done - t)
        gate_note = " (room taken out)" if second else ""
        note = f"whisper{gate_note}:{said_raw.text.strip()!r} ({said_raw.avg_logprob:.2f}) | "
        note += f"answers:{word.label}:{word.confidence:.2f} | " if word is not None else ""
        return Recognition(text, conf, [(w, conf) for w in text.split()], not text, utt.audio_s,
                           utt.compute_s + spent[0] + (done - t), endpoint, raw=note + why), said

