"""Read an answer that describes instead of names, with the meaning model, within safe bars.

Why apart from the phrase rules (understand.py): the model only proposes, and every proposal
passes the same gates: the answer must be about the question (the topic head), and a reading
that would rule something out needs more certainty than one that could raise the verdict.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from assistant.nlu.examples import topic_examples
from assistant.nlu.language import Language
from assistant.nlu.meaning import OTHER, TOPIC, UNKNOWN, MeaningModel
from assistant.nlu.text import clauses, normalize, tokens

#: How sure the model must be before its reading is taken (0-1). Asymmetric on purpose: a reading
#: that could raise the verdict (a warning sign, sharp, sudden, worse) or "can't tell yet" (asked
#: again, then a reason to get checked) needs less than one that would rule something out; below
#: the bar the question is asked again.
BAR_RISKIER = 0.45
BAR_UNSURE = 0.5
BAR_OTHER = 0.6
BAR_RULES_OUT = 0.75
#: The answer must be about the open question: the topic model gives it at least this, and "none" is
#: not first. Why this bar: answers in others' words get 0.09 at their tenth percentile, chatter
#: ("the match starts at eight") 0.001 at its median. The earlier way round it (any answer no topic
#: was 97 % sure of) understood one more answer of answers-dev and read 21.5 % of chatter as
#: answers (10.6 % now, by phrase rules; tests/non-answers.yaml).
TOPIC_LEAST = 0.01
#: The answer must also lie nearer to its question's examples than to the things that answer no
#: question (``other:`` in meanings.yaml, commands, FAQ), less this margin (cosine of the nearest
#: example of each). Why: the topic head, one linear model, let through chatter a microphone hears in
#: a home gym ("the wifi is down again" a weak leg, "please subscribe to the channel" a bladder
#: sign); the nearest examples tell it apart better. Measured on every answers file (2,540 answers,
#: three sets written unseen) and the chatter of tests/non-answers.yaml (docs/benchmarks.md): no
#: answer was lost at margins from -0.05 to -0.01; -0.03 keeps a step of room and takes chatter
#: taken as an answer 95 -> 89 of 1,560 with the meaning model trained on 2026-12-07.
NEAREST_MARGIN = -0.03
#: An answer that opens with a hedge and that the model reads as "no" is the sign, at this share of
#: the model's confidence (a conflict: the riskier reading, held less surely).
HEDGED_SIGN = 0.8
#: A screen's model naming one of its signs: the topic model must give that sign at least this.
SIGN_TOPIC = 0.2
#: A doctor-level sign said in passing with a short phrase: the topic model must give it at least this.
VOLUNTEER_TOPIC = 0.1

#: A description has at least this many different words beyond little ones ("my", "the") and fillers.
#: Why: one word no phrase list knows is no description, and the model reads a lone word badly
#: ("down", "bird" and "strong" came out as a weak leg; 28 % of lone non-answers were taken as answers).
#: Lone words that do answer ("wobbly", "jelly") are phrases in questions.yaml.
MIN_WORDS = 2

#: A reading: (the value, or None for "cannot tell yet"; the model's probability).
Reading = tuple[Any, float]


class DescriptionReader:
    """The meaning model's readings, gated; built once per language."""

    def __init__(self, lang: Language, model: MeaningModel, riskier: Mapping[str, set[Any]]):
        self.lang = lang
        self.model = model
        self.riskier = riskier
        self._screens = {tuple(s.slots): name for name, s in lang.screens.items()}
        self._little = frozenset(lang.minor_words) | frozenset(normalize(f) for f in lang.fillers)
        self._weakeners = tuple(f" {normalize(w)} " for w in lang.weakeners)
        self._fine = frozenset(normalize(w) for w in lang.ruled_out_words)
        # "no" and "nope" are the answer itself ("no it's fine"), not a denial of "fine"
        self._denials = frozenset(normalize(w) for w in lang.negators) - {"no", "nope"}
        self._able = frozenset(normalize(w) for w in lang.ability_words)
        self._limits = frozenset(normalize(w) for w in (*lang.ability_limits, *lang.negators, *lang.weakeners))
        self._unable = frozenset(normalize(w) for w in lang.inability_words)
        self._hedges = tuple(normalize(h) for h in lang.hedges)
        self._signs = frozenset(normalize(w) for w in lang.sign_words)
        self._lacks = frozenset(normalize(w) for w in lang.lack_words)
        self._filler_words = frozenset(normalize(f) for f in lang.fillers if " " not in normalize(f))
        self._asked = {slot: frozenset(tokens(f"{q.prompt} {q.reask}")) for slot, q in lang.questions.items()}
        self._nearest: tuple[np.ndarray, np.ndarray] | None = None  # examples' vectors and labels, on first use

    def nearer_question(self, text: str, slots: Sequence[str]) -> float:
        """How much nearer `text` lies to the nearest example of one of `slots` than to the nearest
        thing that answers no question (cosine; negative: nearer the chatter)."""
        if self._nearest is None:
            pairs = topic_examples(self.lang)
            self._nearest = (np.stack([self.model.vectors.vector(t) for t, _ in pairs]),
                             np.array([label for _, label in pairs]))
        vectors, labels = self._nearest
        sims = vectors @ self.model.vectors.vector(text)
        mine, other = np.isin(labels, list(slots)), labels == OTHER
        if not mine.any() or not other.any():
            return 1.0  # nothing to compare with: the topic head alone decides
        return float(sims[mine].max() - sims[other].max())

    def describes(self, text: str) -> bool:
        """Whether `text` says enough to be read as a description (MIN_WORDS words that are not little)."""
        return len({t for t in tokens(text) if t not in self._little}) >= MIN_WORDS

    def weakened(self, text: str) -> bool:
        """A word like "barely" stands in the answer: the model, a mean of word vectors, hardly sees it,
        and "I can barely stand on either" came out as able to. Such an answer rules nothing out."""
        said = f" {normalize(text)} "
        return any(w in said for w in self._weakeners)

    def denies_fine(self, text: str) -> bool:
        """"It's not normal down there", "doesn't feel right": a denial shortly before a word such as
        "normal" or "fine". The model, blind to "not", read the first as everything normal (a no
        to an emergency sign); such an answer rules nothing out."""
        for clause in clauses(text):
            for i, t in enumerate(clause):
                if t in self._fine and any(w in self._denials for w in clause[max(0, i - 3):i]):
                    return True
        return False

    def names_a_sign(self, text: str) -> bool:
        """A word that names a warning sign ("numbness") stands in the answer, with no denial in the
        three words before it ("no numbness" is denied), or a lack ("no power in them"): the model,
        which weighs the whole sentence, must not rule a sign out then."""
        for clause in clauses(text):
            for i, t in enumerate(clause):
                if t in self._signs and not any(w in self._denials or w == "no" for w in clause[max(0, i - 3):i]):
                    return True
                if t in self._lacks and i > 0 and clause[i - 1] == "no":
                    return True
        return False

    def hedged(self, text: str) -> bool:
        """The answer opens with a hedge ("kind of, I'm limping cos I can't trust the one side"): a
        partial yes, so the model's "no" to the rest (0.91 for that answer, from a mean of word
        vectors) does not rule the sign out."""
        said = tokens(text)
        while said and said[0] in self._filler_words:  # "um, sort of"
            said = said[1:]
        opening = " ".join(said)
        return any(opening == h or opening.startswith(h + " ") for h in self._hedges)

    def claims_ability(self, text: str) -> bool:
        """"I can stand on it": a clause with "can" or "able" and no negator, weakener or limit
        ("only", "but"). The model, a mean of word vectors, read such answers as the sign itself."""
        for clause in clauses(text):
            words = set(clause)
            if words & self._able and not words & self._limits:
                return True
        return False

    def denies_ability(self, text: str) -> bool:
        """"I can't end forward": the answer says the body cannot do something. At a question about
        what it can do, the model's "no" to such an answer is not trusted (it read that one, a
        "bend" misheard, as moving normally)."""
        return any(set(clause) & self._unable for clause in clauses(text))

    def about(self, text: str, slots: Sequence[str], least: float = 0.0) -> bool:
        """Whether `text` talks about one of `slots` at all (not another sign, a command, or chat):
        the topic model gives one of them at least `least` (default TOPIC_LEAST), "none" is not first,
        and the nearest examples agree (NEAREST_MARGIN)."""
        topics = self.model.probabilities(text, TOPIC)
        if not topics:
            return False
        top = max(topics, key=topics.__getitem__)
        if top == OTHER or max(topics.get(s, 0.0) for s in slots) < (least or TOPIC_LEAST):
            return False
        return self.nearer_question(text, slots) >= NEAREST_MARGIN

    def echoes_question(self, slot: str, text: str) -> bool:
        """Every word that says something is a word of the question itself ("compared to yesterday it's"
        to "Compared with yesterday, is it better, the same, or worse?"): a start, not an answer. The
        model had read that one as "worse"."""
        said = {t for t in tokens(text) if t not in self._little}
        return bool(said) and said <= self._asked[slot]

    def answer(self, slot: str, text: str) -> Reading | None:
        """The reading of an answer to one slot's question no phrase matched, or None (ask again)."""
        if self.lang.questions[slot].kind == "choice" and self.echoes_question(slot, text):
            return None
        probs = self.model.probabilities(text, slot) if self.describes(text) and self.about(text, (slot,)) else None
        if not probs:
            return None
        label = max(probs, key=probs.__getitem__)
        p = probs[label]
        if label == UNKNOWN:
            return (None, p) if p >= BAR_UNSURE else None
        q = self.lang.questions[slot]
        value: Any = label == "yes" if q.kind == "yesno" else label
        if value in self.riskier.get(slot, ()) or (q.kind == "yesno" and value is True):
            if q.ability and value is True and self.claims_ability(text):
                return None  # "I can stand on it" is no trouble standing: asked again, never guessed
            bar = BAR_RISKIER
        elif q.kind == "yesno" or self.riskier.get(slot):
            if q.kind == "yesno" and self.hedged(text):
                return True, p * HEDGED_SIGN  # "kind of, ...": a partial yes, whatever the rest reads as
            if q.kind == "yesno" and (self.weakened(text) or self.denies_fine(text) or self.names_a_sign(text)
                                      or (q.ability and self.denies_ability(text))):
                return None  # "no" to a sign; not "gradual" ("could barely sit up", "I can't end forward")
            bar = BAR_RULES_OUT  # "no" to a sign, "dull", "gradual", "better": rules something out
        else:
            bar = BAR_OTHER
        return (value, p) if p >= bar else None

    def screen(self, slots: Sequence[str], text: str) -> Reading | None:
        """The reading of a screening answer: ({slot: True}, p), (every slot False, p), (None, p) for
        "cannot tell", or None (ask again)."""
        name = self._screens.get(tuple(slots))
        probs = self.model.probabilities(text, name) if (name and self.describes(text) and self.about(text, slots)) else None
        if not probs:
            return None
        label = max(probs, key=probs.__getitem__)
        p = probs[label]
        if label in slots and p >= BAR_RISKIER:
            if self.lang.questions[label].ability and self.claims_ability(text):
                return None
            # a sign named by the screen's model must also be what the answer is about
            return ({label: True}, p) if self.about(text, (label,), SIGN_TOPIC) else None
        if label == UNKNOWN and p >= BAR_UNSURE:
            return None, p
        if label == "no" and p >= BAR_RULES_OUT and not (self.weakened(text) or self.denies_fine(text)
                                                          or self.names_a_sign(text)):
            return {s: False for s in slots}, p
        return None
