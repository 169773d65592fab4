"""Map one utterance to an intent and slot values, given the question that is open.

The same function serves typed answers, recognised speech and audit files, so that what is
tested in text is what runs on the microphone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Sequence

from rapidfuzz import fuzz, process

from assistant.nlu.clock import MomentReader
from assistant.nlu.language import Language, Question
from assistant.nlu.matcher import Match, PhraseIndex, WordFolder, best_whole
from assistant.nlu.described import VOLUNTEER_TOPIC, DescriptionReader
from assistant.nlu.meaning import MeaningModel, shipped_model
from assistant.nlu.numbers import DurationParser, numbers_in, parse_pain, without_thing_ones
from assistant.nlu.text import clauses, normalize

#: Whole-utterance similarity (0-100) needed to take an utterance as a command or a question.
COMMAND_CUTOFF = 87.0
FAQ_CUTOFF = 84.0

#: Intents an utterance can have.
ANSWER, UNKNOWN, UNCLEAR, FAQ = "answer", "unknown", "unclear", "faq"

#: A sign said in passing with a phrase shorter than this many words needs the topic model's word.
SPECIFIC_PHRASE = 4
#: Recognition confidence under which a yes/no answer is taken only from its plain words and listed
#: phrases, and a "no" only when a plain "no" was said; anything else is asked again. Why: in loud
#: noise Whisper wrote "it moves down into my leg" as "it moves, not into my leg" (0.48) and "no
#: numbness anywhere" as "i feel like the fair weather is really cold morning" (0.24), which the
#: meaning model read as numbness; a plain "no" heading the answer was never made up that way in the
#: phrase bench, so it still counts. A pain score heard this unsurely counts only as a number: under
#: other people talking Whisper wrote a "nine" as "i'm a little older" (0.19), read as a 2.
UNSURE_HEARD = 0.5
#: Recognition confidence under which a sign described with a "not" in it ("it moves, not into my
#: leg") is not taken as a "no" unless a plain "no" was said too: Whisper wrote "it moves down into
#: my leg" so at 6 dB. Asked again instead.
DENIAL_HEARD = 0.7
#: A "no" heard from speech that may be an "I don't know" misheard: Whisper wrote a spoken "no clue"
#: as "no, blue", "no, glue" and "no lu", and "no idea really" as "no, ideally". Where the whole
#: transcript is at least this close (rapidfuzz ratio, 0-100) to a "don't know" phrase and closer to
#: it than to any "no" phrase, it is "don't know" (asked again, then a reason to get checked), never
#: a "no" to a warning sign. Real "no"s written by Whisper ("no, no", "no, not really", "no, it's
#: fine", "no, I don't think so") stay under 71 or nearer a "no" phrase.
SOUNDS_UNSURE = 80.0


@dataclass(frozen=True)
class Understanding:
    """What one utterance meant for the open question."""

    intent: str  #: answer | unknown | unclear | faq | repeat | help | back | stop
    slots: dict[str, Any] = field(default_factory=dict)  #: answers: the open slot and volunteered ones
    confidence: float = 0.0  #: 0-1: how sure the match is (times the recogniser's confidence)
    quote: str = ""  #: the person's words, cleaned, for reasons
    faq: str | None = None  #: which question was asked, for intent "faq"
    conflict: bool = False  #: the answer said two opposite things ("yes... no")


#: A "no" after this many words that are not plain answers is a cry inside a description ("when I put
#: my foot down it's like, ooh, no, I've got to grab the wall"), not the answer; after fewer it is the
#: answer ("Hello, no, no", a real "no" in clanking the transcriber began with a word of its own).
CRY_AFTER = 3


class Understander:
    """Built once per language; understands utterances for any open question."""

    def __init__(self, lang: Language, meaning: MeaningModel | None | bool = True,
                 now: Callable[[], datetime] = datetime.now):
        """`meaning`: the model for described answers (True: the shipped one, False/None: phrases only);
        `now`: the clock for answers like "Sunday, and it's Tuesday" that leave the present unsaid."""
        self.lang = lang
        model = (shipped_model() if lang.examples else None) if meaning is True else (meaning or None)
        fold = WordFolder(lang.word_forms)
        self.negators = frozenset(fold(normalize(n)) for n in lang.negators)
        fillers = sorted((normalize(f) for f in lang.fillers), key=len, reverse=True)
        self._fillers = [f.split() for f in fillers if f]
        self._filler_words = frozenset(fold(t) for f in self._fillers for t in f)
        self.generic = PhraseIndex(
            [(p, "yes") for p in (*lang.yes, *lang.double_negatives)] + [(p, "no") for p in lang.no]
            + [(p, "unknown") for p in lang.unknown] + [(p, "hedge") for p in lang.hedges], fold)
        self.unknown_only = PhraseIndex(((p, "unknown") for p in lang.unknown), fold)
        self._unknown_texts = sorted({normalize(p) for p in lang.unknown})
        self._no_texts = sorted({normalize(p) for p in lang.no})
        self.not_yet = PhraseIndex(((p, "not_yet") for p in lang.not_yet), fold, lang.minor_words, loose=True)
        self.descriptive: dict[str, PhraseIndex] = {
            slot: PhraseIndex(((p, value) for value, phrases in q.answers.items() for p in phrases), fold,
                              lang.minor_words, loose=True)
            for slot, q in lang.questions.items()
        }
        self._fold = fold
        self._question_words = frozenset(normalize(w) for w in lang.question_words)
        self._inexact = tuple(normalize(w) for w in lang.inexact_words)
        self._ruled_out = frozenset(fold(normalize(w)) for w in lang.ruled_out_words)
        self._other_words = frozenset(normalize(w) for w in lang.other_words)
        self._contrast = frozenset(w.lower() for w in lang.contrast_words)
        self._echoes = frozenset(tuple(fold(t) for t in normalize(e).split()) for e in lang.echoes)
        words = "|".join(r"\s+".join(map(re.escape, w.lower().split())) for w in lang.corrections) or "(?!)"
        self._correction_re = re.compile(rf"\b(?:{words})\b[\s,.;:!?\-—–]*", re.IGNORECASE)
        self._no_correction_re = re.compile(r"\bno\s*[,.;:!?\-—–]+\s*", re.IGNORECASE)  # "right... no, left"
        side = lang.questions.get("side")
        self._sides = frozenset(str(v) for v in side.answers if v != side.inclusive) if side else frozenset()
        self.pain_words = PhraseIndex((w, n) for w, n in lang.questions["pain_score"].words.items())
        hq = lang.questions["hours_since_workout"]
        low, high = hq.value_range or (0, 336)
        moments = MomentReader(lang.weekdays, lang.parts_of_day, lang.day_offsets,
                               [normalize(w) for w in lang.now_words])
        self.durations = DurationParser(lang.units, lang.counts, lang.relative, low, high, moments, now,
                                        [normalize(w) for w in lang.counted_things])
        self._commands = {normalize(p): name for name, phrases in lang.commands.items() for p in phrases}
        self._faq = {normalize(p): fid for fid, (asks, _) in lang.faq.items() for p in asks}
        self.riskier = _riskier_values(lang)
        self.described = DescriptionReader(lang, model, self.riskier) if model else None
        self._red_flags = frozenset(s for r in lang.rules if r.level in ("urgent", "emergency") for s in r.when)

    # -- public -----------------------------------------------------------------------------
    def understand(self, text: str, slot: str | None, asr_confidence: float | None = None) -> Understanding:
        """Interpret `text` as the answer to the question that fills `slot` (None: no open question)."""
        parts = clauses(text or "")
        flat = [t for c in parts for t in c]
        quote = " ".join((text or "").split())[:200]
        scale = 1.0 if asr_confidence is None else max(0.0, min(1.0, asr_confidence))
        if not flat:
            return Understanding(UNCLEAR, quote=quote)
        bare = " ".join(self._strip_fillers(flat))
        command = best_whole(bare, self._commands, COMMAND_CUTOFF)
        if command is not None and not (slot and self._is_plain_answer(bare, slot)):
            return Understanding(command[0], confidence=command[1] * scale, quote=quote)
        faq = best_whole(bare, self._faq, FAQ_CUTOFF)
        first = bare.split()[:1]
        asks_back = (text or "").rstrip().endswith("?") or bool(first and first[0] in self._question_words)
        if faq is not None and (slot is None or asks_back):
            return Understanding(FAQ, confidence=faq[1] * scale, quote=quote, faq=faq[0])
        if slot is None:
            return Understanding(UNCLEAR, quote=quote)
        q = self.lang.questions[slot]
        value, score, conflict = self._answer(q, parts, flat)
        told = self._without_questions(text) if q.kind in ("number", "duration") else None
        if told:  # "what's ten, childbirth? then it's about a five": the five
            rest = clauses(told)
            reading = self._answer(q, rest, [t for c in rest for t in c])
            if reading[0] is not _UNCLEAR:
                value, score, conflict = reading
        if faq is not None and value is _UNCLEAR:  # a question back without a question mark
            return Understanding(FAQ, confidence=faq[1] * scale, quote=quote, faq=faq[0])
        corrected = self._corrected(q, text, value, conflict, asr_confidence)
        if corrected is not None:  # the person's whole answer is quoted, not only its correction
            return replace(corrected, quote=quote)
        barely = self._heard_unsure(asr_confidence)
        unsure = q.kind == "yesno" and barely
        if value is _UNCLEAR and not conflict and not self._only_plain(parts) and not unsure:
            reading = self.described.answer(slot, text) if self.described else None
            if reading is not None:  # a description no listed phrase matches
                value, score = reading
        if value is not True and self._one_side_differs(slot, text):
            value, score, conflict = True, 0.9, False  # one leg is the trouble, whatever else was said
        # asked again once, in simpler words that ask for a plain yes or no: a "no" heard barely, or a sign
        # said with a "not" heard unsurely ("it moves, not into my leg": a "down" written "not")
        if value is False and q.kind == "yesno" and asr_confidence is not None and (unsure or (
                asr_confidence < DENIAL_HEARD and self._denies_a_sign(slot, parts))) and "no" not in self._plain(parts):
            value = _UNCLEAR
        if value is False and asr_confidence is not None and q.kind == "yesno" and self._sounds_unsure(bare):
            value, score = None, 1.0  # "no, blue": a "no clue" misheard is not a "no"
        if q.kind == "number" and barely and value is not _UNCLEAR and not numbers_in(flat, self.lang.units):
            value = _UNCLEAR  # a score barely heard counts only as a number (see UNSURE_HEARD); re-asked for one
        volunteered = self._volunteered(parts, slot, text)
        if value is _UNCLEAR:
            if volunteered:
                return Understanding(ANSWER, volunteered, 0.9 * scale, quote, conflict=conflict)
            return Understanding(UNCLEAR, quote=quote, conflict=conflict)
        if value is None:
            return Understanding(UNKNOWN, {slot: None, **volunteered}, score * scale, quote)
        return Understanding(ANSWER, {slot: value, **volunteered}, score * scale, quote, conflict=conflict)

    def understand_screen(self, text: str, slots: Sequence[str], asr_confidence: float | None = None) -> Understanding:
        """Interpret `text` as the answer to one yes/no question covering several `slots`.

        A plain "no" rules out every slot; a description fills the slots it describes; a plain
        "yes", "not sure" or "haven't been yet" fills nothing (intent unknown for the last two), so
        the conversation asks about each open slot on its own. Never is a slot set to "no" unless
        the person said no to all of them or described that slot as fine.

        A self-correction ("no, wait, yes, I can't feel my inner thighs") is read as it is on one question
        (see :meth:`_corrected`): a sign named after it counts, and a no followed by a correction
        that is not understood is asked again.
        """
        whole = self._screen(text, slots, asr_confidence)
        cut = self._correction_cut(text or "")
        if cut is None or whole.intent not in (ANSWER, UNKNOWN, UNCLEAR):
            return whole
        after = self._screen(text[cut:], slots, asr_confidence)
        if after.intent == UNKNOWN or (after.intent == ANSWER and any(after.slots.get(s) is True for s in slots)):
            return replace(after, quote=whole.quote)

        def rules_out(u: Understanding) -> bool:
            return u.intent == ANSWER and all(u.slots.get(s) is False for s in slots)

        if rules_out(whole) and not rules_out(after):
            if after.intent == ANSWER:  # "no, wait, yes": a plain yes, each sign then asked on its own
                return replace(after, quote=whole.quote)
            return Understanding(UNCLEAR, quote=whole.quote, conflict=True)
        return whole

    def _screen(self, text: str, slots: Sequence[str], asr_confidence: float | None) -> Understanding:
        """:meth:`understand_screen` without the self-correction."""
        u = self.understand(text, slots[0], asr_confidence)
        if u.intent not in (ANSWER, UNKNOWN, UNCLEAR):
            return u
        parts = clauses(text or "")
        scale = 1.0 if asr_confidence is None else max(0.0, min(1.0, asr_confidence))
        found: dict[str, Any] = {}
        for slot in slots:
            value = self._described(slot, parts)
            if self._one_side_differs(slot, text or ""):
                value = True
            if value is not None:
                found[slot] = value
        plain = self._plain(parts, within=slots)
        cannot_know = bool(self._find(self.not_yet, parts))
        volunteered = {k: v for k, v in self._volunteered(parts, slots[0], text).items() if k not in slots}
        if any(v is True for v in found.values()):
            return Understanding(ANSWER, {**{k: v for k, v in found.items() if v is True}, **volunteered},
                                 0.9 * scale, u.quote)
        if cannot_know or plain == {"unknown"} or u.conflict:
            return Understanding(UNKNOWN, volunteered, 0.9 * scale, u.quote)
        if plain == {"no"}:  # "no" to all of them, perhaps with "peeing is fine"
            return Understanding(ANSWER, {**{s: False for s in slots}, **volunteered}, u.confidence or scale,
                                 u.quote)
        unsure = self._heard_unsure(asr_confidence)
        said_yes = "yes" in plain  # then no sign is ruled out by a reading of the rest: each is asked
        if said_yes:  # ("yes o, I'm moving like an egg that can break" read as moving normally)
            found = {k: v for k, v in found.items() if v is not False}
        if (found and not unsure) or plain == {"yes"}:  # (a True in found was returned above)
            return Understanding(ANSWER, {**found, **volunteered}, 0.9 * scale, u.quote)
        reading = None if self._only_plain(parts) or not self.described or unsure \
            else self.described.screen(slots, text)
        if reading is not None and reading[0] is None:
            return Understanding(UNKNOWN, volunteered, reading[1] * scale, u.quote)
        if reading is not None:
            signs = {k: v for k, v in reading[0].items() if v is not False or not said_yes}
            return Understanding(ANSWER, {**signs, **volunteered}, reading[1] * scale, u.quote)
        if volunteered:
            return Understanding(ANSWER, volunteered, 0.9 * scale, u.quote)
        return Understanding(UNCLEAR, quote=u.quote)

    # -- internals ----------------------------------------------------------------------------
    def _one_side_differs(self, slot: str, text: str) -> bool:
        """For a question about one leg (``sides_differ``), one side set against the other: "I can
        stand on the right, but the left, no way".

        Why: the plain "no" at its end is about the left leg, not an answer to the question; read as
        one, the answer was "no" and a leg that will not take weight went unreported.
        """
        if not self.lang.questions[slot].sides_differ:
            return False
        words = re.findall(r"[a-z]+", re.sub(r"['’]s\b", "", text.lower()))  # "the right's fine": "right"
        sides = [(i, w) for i, w in enumerate(words) if w in self._sides]
        return any(a[1] != b[1] and any(w in self._contrast for w in words[a[0] + 1:b[0]])
                   for k, a in enumerate(sides) for b in sides[k + 1:])

    def _sounds_unsure(self, bare: str) -> bool:
        """The heard answer sounds more like a "don't know" phrase than like any "no" (SOUNDS_UNSURE)."""
        unsure = process.extractOne(bare, self._unknown_texts, scorer=fuzz.ratio)
        no = process.extractOne(bare, self._no_texts, scorer=fuzz.ratio)
        return unsure is not None and unsure[1] >= SOUNDS_UNSURE and (no is None or unsure[1] > no[1])

    @staticmethod
    def _heard_unsure(asr_confidence: float | None) -> bool:
        """Heard (not typed) so unsurely that words describing a sign may be the recogniser's invention
        (see UNSURE_HEARD)."""
        return asr_confidence is not None and asr_confidence < UNSURE_HEARD

    def _only_plain(self, parts: list[list[str]]) -> bool:
        """Nothing but plain answer words and fillers ("yes", "well, no"): nothing for the model to read."""
        for c in parts:
            covered = {i for m in self.generic.find(c, self.negators) for i in range(m.start, m.end)}
            if any(i not in covered and self._fold(t) not in self._filler_words for i, t in enumerate(c)):
                return False
        return True

    def _denies_a_sign(self, slot: str, parts: list[list[str]]) -> bool:
        """A phrase describing the sign is said with a negator ("not into my leg")."""
        return any(m.label is True and m.negated for m in self._find_desc(slot, parts))

    def _described(self, slot: str, parts: list[list[str]]) -> bool | None:
        """What the descriptive phrasings of one yes/no slot say: True, False, or None (nothing)."""
        vals = {bool(m.label) != m.negated for m in self._find_desc(slot, parts)}
        if True in vals:
            return True  # a warning sign described wins over anything else said about it
        return False if vals else None

    def _plain(self, parts: list[list[str]], within: Sequence[str] = ()) -> set[str]:
        """Plain yes / no / unknown said; a hedge ("kind of") counts as yes only when nothing else was said.

        Words inside a description of one of the `within` slots are not plain answers: the "fine" of
        "peeing is fine" says nothing about the other signs a screening question asked about.
        """
        said: set[str] = set()
        echoed: set[str] = set()  # said only by an echo that goes on into a sentence ("it is only in my back")
        hedged, only_plain, said_more = False, True, 0  # said_more: words before that answer nothing plainly
        for k, c in enumerate(parts):
            spans = [(d.start, d.end) for slot in within for d in self.descriptive[slot].find(c, self.negators)]
            found = self.generic.find(c, self.negators)
            matches = [m for m in found if not m.negated and not any(a <= m.start and m.end <= b for a, b in spans)
                       and self._heads_clause(c, m, found)]
            for m in matches:
                # "when I put my foot down it's like, ooh, no, ...": a cry, not the answer; but in
                # "..., no, I slept fine" what follows says all is well, so the "no" is the answer
                if m.label == "no" and said_more >= CRY_AFTER and \
                        not self._all_is_well([*c[m.end:], *(t for n in parts[k + 1:k + 2] for t in n)]):
                    continue
                if m.label != "hedge":
                    (echoed if self._echo_goes_on(c, m) else said).add(str(m.label))
            hedged = hedged or any(m.label == "hedge" for m in matches)
            covered = {i for m in matches for i in range(m.start, m.end)}
            only_plain = only_plain and all(i in covered or self._fold(t) in self._filler_words
                                            for i, t in enumerate(c))
            said_more += sum(i not in covered and self._fold(t) not in self._filler_words
                             for i, t in enumerate(c))
        # an echo gives way to the opposite said plainly: "no, it is only in the lower back" is a no
        said |= {e for e in echoed if not ({"yes", "no"} - {e}) & said}
        if hedged and only_plain and "unknown" not in said:
            said.add("yes")
        return said

    def _all_is_well(self, toks: Sequence[str]) -> bool:
        """The words say all is well ("they're fine", "I slept fine"): a word such as "fine" and no negator."""
        words = {self._fold(t) for t in toks}
        return bool(words & self._ruled_out) and not words & self.negators

    def _echo_goes_on(self, clause: list[str], m: Match) -> bool:
        """An echo of the question's verb ("it is", "I have") with more words after it in its clause."""
        return tuple(m.phrase) in self._echoes and any(self._fold(t) not in self._filler_words
                                                       for t in clause[m.end:])

    def _heads_clause(self, clause: list[str], m: Match, plain: list[Match]) -> bool:
        """A plain answer word answers only at the head of its clause ("no, ...", "well, yes", "yes no").

        Inside a description it is part of the description: the "nothing" of "nothing would come
        out", the "no" of "my leg's got no power", the "never" of "which never happens to me".
        """
        before = {i for p in plain if p.end <= m.start for i in range(p.start, p.end)}
        return all(i in before or self._fold(t) in self._filler_words for i, t in enumerate(clause[:m.start]))

    def _strip_fillers(self, toks: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(toks):
            for f in self._fillers:
                if toks[i:i + len(f)] == f:
                    i += len(f)
                    break
            else:
                out.append(toks[i])
                i += 1
        return out

    def _is_plain_answer(self, bare: str, slot: str) -> bool:
        """A short answer that is also a command word ("back" for spreading) stays an answer."""
        q = self.lang.questions[slot]
        return any(normalize(p) == bare for ps in q.answers.values() for p in ps)

    def _find(self, index: PhraseIndex, parts: list[list[str]]) -> list[Match]:
        return [m for c in parts for m in index.find(c, self.negators)]

    def _find_desc(self, slot: str, parts: list[list[str]]) -> list[Match]:
        """Descriptive phrases of `slot`, leaving out words inside a longer plain answer ("hard" in "hard to say")."""
        out: list[Match] = []
        for c in parts:
            plain = [m for m in self.generic.find(c, self.negators) + self.not_yet.find(c, self.negators)]
            # "can't tell whether it's one spot or all over": neither
            found = [_agreeing_no(m) for m in self._undoubted_in(self.descriptive[slot], c)]
            for m in found:
                inside = any(g.start <= m.start and m.end <= g.end and g.end - g.start > m.end - m.start
                             for g in plain)
                # "can't put a finger on one place": a "yes" phrase right after a "no" phrase is its object
                objected = m.label is True and not m.negated and any(
                    d.label is False and not d.negated and d.exact and d.end == m.start for d in found)
                if not inside and not objected:
                    out.append(m)
        return out

    def _corrected(self, q: Question, text: str, value: Any, conflict: bool,
                   asr_confidence: float | None) -> Understanding | None:
        """The answer after the last self-correction ("no, wait, yes it did"; "right... no, left"),
        where it answers the question and differs from the whole answer's reading.

        Why: people correct themselves mid-answer, and read whole such an answer is two answers at
        once (asked again) or, worse, the first one ("no, wait, I can't feel much down there" was
        a no). The safe side is kept: a yes taken back ("yes... actually no") to a yes/no question
        stays two answers, and a no followed by a correction that is not understood is not a no:
        both are asked again. "Not sure" after a correction is not sure.
        """
        if q.kind not in ("yesno", "choice"):
            return None  # numbers and times have their own ("two days, no, three": the unit carries over)
        cut = self._correction_cut(text, choice=q.kind == "choice")
        if cut is None:
            return None
        after = self.understand(text[cut:], q.slot, asr_confidence)
        if after.intent == UNKNOWN:
            return after
        new = after.slots.get(q.slot, _UNCLEAR)
        if after.intent != ANSWER or after.conflict or new is _UNCLEAR:
            agrees = self._all_is_well([t for c in clauses(text[cut:]) for t in c])  # "no, actually they're fine"
            if q.kind == "yesno" and value is False and not conflict and not agrees:
                return Understanding(UNCLEAR, conflict=True)
            return None
        if not conflict and value is not _UNCLEAR and new == value:
            return None
        if q.kind == "yesno" and new is not True and (conflict or value is True):
            return None
        return after

    def _correction_cut(self, text: str, choice: bool = False) -> int | None:
        """Where the answer after the last self-correction begins ("no, wait, | yes it did"), or None
        (no correction, or nothing said before or after it). ``choice``: a plain "no" between two
        choices is one too ("right... no, | left")."""
        cut = None
        for m in self._correction_re.finditer(text):
            if text[:m.start()].strip(" ,.;:!?-—–"):  # something was said before it
                cut = m.end()
        if choice:
            for m in self._no_correction_re.finditer(text):
                if text[:m.start()].strip(" ,.;:!?-—–") and (cut is None or m.end() > cut):
                    cut = m.end()
        if cut is None or not text[cut:].strip(" ,.;:!?-—–"):
            return None
        return cut

    def _answer(self, q: Question, parts: list[list[str]], flat: list[str]) -> tuple[Any, float, bool]:
        if q.kind == "yesno":
            return self._yesno(q, parts)
        if q.kind == "choice":
            return self._choice(q, parts)
        unknown = self._find(self.unknown_only, parts)
        if q.kind == "number":
            lo, hi = q.value_range or (0, 10)
            pain_parts = [[t for t in c] for c in parts]
            score = None
            for c in pain_parts:
                matches = [m for m in self.pain_words.find(c, self.negators) if m.negated]
                if matches:  # "not too bad": don't read a word that was negated
                    c[:] = [t for i, t in enumerate(c) if not any(m.start <= i < m.end for m in matches)]
            toks = without_thing_ones([t for c in pain_parts for t in c], self.lang.one_as_thing_after,
                                      self.lang.one_as_thing_before)  # "a bad one", "one number": no 1
            score = parse_pain(toks, self.pain_words, lo, hi, self.lang.units)
            said_number = bool(numbers_in(toks, self.lang.units))
            if score is not None and (said_number or not unknown or score > lo):
                return score, 1.0, False  # but "no idea, nothing I've felt before" is no 0: unknown
        else:
            hours = self.durations.parse(flat)
            leads = self._opens_with_unknown(self._opening(parts))
            if hours is not None and not (leads and not any(t.isdigit() for t in flat)):
                return hours, 1.0, False  # but "can't remember, the last few days are a blur": unknown
        return (None, 1.0, False) if unknown else (_UNCLEAR, 0.0, False)

    def _yesno(self, q: Question, parts: list[list[str]]) -> tuple[Any, float, bool]:
        desc = self._find_desc(q.slot, parts)
        gen = [m for m in self._find(self.generic, parts) if not m.negated]
        desc_vals = {bool(m.label) != m.negated for m in desc}
        plain = self._plain(parts)
        yes_no = {v == "yes" for v in plain if v != "unknown"}
        score = min((m.score for m in desc + gen), default=1.0)
        red_flag = q.slot in self.riskier
        if True not in desc_vals and self._find(self.not_yet, parts):
            return None, score, False  # "I haven't been to the toilet since": cannot know yet, never "no"
        if desc_vals == {False} and "unknown" in plain and not yes_no:
            return None, score, False  # "maybe? can't tell if it's from my back or just tired legs"
        if desc_vals:
            if len(desc_vals) == 1 and (not yes_no or yes_no == desc_vals):
                return next(iter(desc_vals)), score, False
            if red_flag or True in desc_vals:  # opposite signals on a warning sign: keep it (never under-triage)
                return True, score * 0.8, True
            if len(desc_vals) == 1:  # descriptive words outrank a bare yes/no
                return next(iter(desc_vals)), score * 0.8, True
            return _UNCLEAR, 0.0, True
        if yes_no == {False} and "unknown" in plain:
            return None, score, False  # "no idea... no": not knowing is never a "no"
        if len(yes_no) == 1:
            return next(iter(yes_no)), score, False
        if len(yes_no) > 1:
            return _UNCLEAR, 0.0, True
        if "unknown" in plain:
            return None, score, False
        return _UNCLEAR, 0.0, False

    def _without_questions(self, text: str) -> str | None:
        """``text`` without the questions it asks back ("what's ten, childbirth? ..."); None where it
        asks none back, or that is all it says.

        Why: a number inside a question back is the scale being asked about, not the answer. Only a
        sentence that opens with a question word is one: "a six? maybe a seven?" is an answer said
        with a rising voice. Used only for scores and times, never for a yes or no ("is it normal I
        can't feel my bum?" is a yes).
        """
        def asks(sentence: str) -> bool:
            first = (self._opening(clauses(sentence)) or [""])[0]
            return sentence.rstrip().endswith("?") and (first in self._question_words or (
                first.endswith("s") and first[:-1] in self._question_words))  # "what's"

        sentences = [s.strip() for s in re.split(r"(?<=\?)", text) if s.strip()]
        told = [s for s in sentences if not asks(s)]
        return " ".join(told) if told and len(told) < len(sentences) else None

    def _opening(self, parts: list[list[str]]) -> list[str]:
        """The words the answer opens with: its first clause that says something, from its first word
        that is not a filler ("um, honestly, can't remember" -> "can't remember")."""
        for c in parts:
            start = next((i for i, t in enumerate(c) if self._fold(t) not in self._filler_words), None)
            if start is not None:
                return c[start:]
        return []

    def _opens_with_unknown(self, clause: list[str]) -> bool:
        """``clause`` (an :meth:`_opening`) starts with a plain "don't know", not one that only says the
        answer is inexact ("can't remember exactly")."""
        for m in self.unknown_only.find(clause, self.negators):
            after = " ".join(clause[m.end:])
            if m.start == 0 and not any(after == w or after.startswith(w + " ") for w in self._inexact):
                return True
        return False

    def _doubt_at(self, clause: list[str]) -> int | None:
        """Where a doubt starts in ``clause``: a doubt link ("if", "whether") after an unknown phrase
        ("I can't tell if it's better or just masked"); what is named after it is doubted, not said."""
        ends = [u.end for u in self.unknown_only.find(clause, self.negators)]
        links = [i for i, t in enumerate(clause) if t in self.lang.doubt_links and any(e <= i for e in ends)]
        return min(links) if links else None

    def _undoubted_in(self, index: PhraseIndex, clause: list[str]) -> list[Match]:
        """The matches of ``index`` in ``clause``, leaving out what a doubt governs (see :meth:`_doubt_at`)."""
        at = self._doubt_at(clause)
        return [m for m in index.find(clause, self.negators) if at is None or m.start < at]

    def _choice(self, q: Question, parts: list[list[str]]) -> tuple[Any, float, bool]:
        matches = [m for c in parts for m in self._undoubted_in(self.descriptive[q.slot], c)]
        for c in parts:  # "the left's fine": a value the person says is fine is ruled out
            for m in self.descriptive[q.slot].find(c, self.negators):
                if any(self._fold(t) in self._ruled_out for t in c[m.end:m.end + 2]):
                    matches = [x if x != m else Match(m.label, m.start, m.end, True, m.score, m.phrase, m.exact)
                               for x in matches]
        values = list(q.answers)
        denied = {m.label for m in matches if m.negated} - {m.label for m in matches if not m.negated}
        votes: set[Any] = set()
        for m in matches:
            if not m.negated:
                votes.add(m.label)
            elif len(values) == 2:  # "not sharp" -> the other one
                votes.add(values[1] if m.label == values[0] else values[0])
        votes -= denied
        others = [v for v in values if v not in denied and v != q.inclusive]
        if not votes and denied and len(others) == 1 and any(t in self._other_words for c in parts for t in c):
            votes = {others[0]}  # "not the right, the other one"
        score = min((m.score for m in matches), default=1.0)
        if q.inclusive in votes:  # "both, though the right's worse": both
            return q.inclusive, score, False
        if len(votes) > 1:  # "worse, not better": a value said only in a negative form gives way
            firm = {m.label for m in matches if not m.negated and m.phrase[0] not in self.negators}
            votes = votes & firm or votes
        if len(votes) == 1:
            return next(iter(votes)), score, False
        if len(votes) > 1:
            risky = [v for v in votes if v in self.riskier.get(q.slot, ())]
            if len(risky) == 1:  # "sharp but achy": keep the more serious reading
                return risky[0], score * 0.8, True
            last = self._said_last(q.slot, parts, votes) if q.last_said_wins else None
            if last is not None:  # "I thought it'd ease but it's ramping up": where it ends
                return last, score * 0.8, True
            return _UNCLEAR, 0.0, True
        if self._find(self.unknown_only, parts) or self._find(self.not_yet, parts):
            return None, score, False
        return _UNCLEAR, 0.0, False

    def _said_last(self, slot: str, parts: list[list[str]], votes: set[Any]) -> Any:
        """The one value of ``votes`` named in the last clause that names any, or None: an answer that
        moves on ends on where things stand ("I thought it'd ease but it's ramping up")."""
        for c in reversed(parts):
            named = {m.label for m in self._undoubted_in(self.descriptive[slot], c) if not m.negated} & votes
            if named:
                return next(iter(named)) if len(named) == 1 else None
        return None

    def _volunteered(self, parts: list[list[str]], exclude: str, text: str = "") -> dict[str, Any]:
        """Signs described in passing ("a sharp pain down my left leg"): only what they *are*.

        A volunteered "no" never fills a yes/no slot: a warning sign is only ruled out by asking.
        A short phrase for a doctor-level sign counts only where the answer is about that sign (the
        topic model agrees): the "goes down" of "I nearly went down on the stairs" is not spreading.
        """
        out: dict[str, Any] = {}
        for slot, q in self.lang.questions.items():
            if slot == exclude or q.kind in ("number", "duration"):
                continue
            matches = [m for m in self._find(self.descriptive[slot], parts)
                       if m.exact and not m.negated and len(m.phrase) >= q.volunteer_min_words]
            if matches and max(len(m.phrase) for m in matches) < SPECIFIC_PHRASE and self.described \
                    and slot not in self._red_flags and not self.described.about(text, (slot,), VOLUNTEER_TOPIC):
                continue  # a warning sign said in passing always counts: never under-triage
            if q.kind == "yesno":
                if any(m.label is True for m in matches):
                    out[slot] = True
            else:
                vals = {m.label for m in matches}
                if len(vals) == 1:
                    out[slot] = next(iter(vals))
        return out


def _agreeing_no(m: Match) -> Match:
    """A plain "no" before a phrase that itself says no ("no, legs are strong", "no, nothing in my
    legs") is the answer agreeing with it, not a negation: spoken without the comma, it must not
    turn into a yes."""
    if m.negated and m.negator == "no" and m.label is False:
        return Match(m.label, m.start, m.end, False, m.score, m.phrase, m.exact)
    return m


class _Unclear:
    def __repr__(self) -> str:
        return "UNCLEAR"


_UNCLEAR: Any = _Unclear()


def _riskier_values(lang: Language) -> dict[str, set[Any]]:
    """For each slot, the values that some triage rule looks at on their own (sharp, sudden, yes on a red flag)."""
    out: dict[str, set[Any]] = {}
    for rule in lang.rules:
        if len(rule.when) == 1:
            ((slot, test),) = rule.when.items()
            if isinstance(test, (bool, str)) and test != "unknown":
                out.setdefault(slot, set()).add(test)
    return out
