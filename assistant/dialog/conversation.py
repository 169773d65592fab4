"""The check-in conversation: which question next, re-asks, commands, confirmations, red-flag jumps.

It is a pure state machine (utterance in, words to say out), so voice, typed text, audit files
and tests all drive exactly the same logic, and none of it knows where the words came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from assistant.dialog.plan import Planner
from assistant.nlu.language import Language
from assistant.nlu.understand import ANSWER, FAQ, UNCLEAR, UNKNOWN, Understander, Understanding
from assistant.triage.rules import Finding, evaluate, red_flag_slots, severity
from assistant.triage.verdict import Verdict, decide

#: Recognition confidence below which a heard red flag is confirmed before acting on it. The fused
#: engine's confidences are calibrated: on held-out voices (assistant/bench/answers.py), words it
#: heard at 0.9 or more were right 99-100 % of the time, at 0.6-0.8 about 90 %; pocketsphinx
#: alone gives 0.05-0.5, so every red flag it hears is confirmed.
DEFAULT_CONFIRM_THRESHOLD = 0.9
#: A check-in never runs longer than this many turns, whatever is said (each turn may re-ask).
MAX_TURNS = 80
#: Repeat / help / questions in a row on one question before the next one counts as not understood
#: (a recogniser that keeps hearing "help" in a cough must not hold the check-in in a loop).
MAX_ASIDES = 3
#: "Go back" this many times in one check-in; after that "back" counts as an answer not understood
#: (each go-back asks a question again, and the check-in must always move on).
MAX_BACKS = 2
#: A spoken answer of at least this many words that answers nothing yet may have stopped at a pause
#: ("it came on ... slowly over the evening"): the ear listens a moment longer (see ``may_go_on``).
GO_ON_MIN_WORDS = 2


@dataclass(frozen=True)
class Heard:
    """One utterance from any ear: the words, and the recogniser's confidence (None for typed text)."""

    text: str
    confidence: float | None = None
    noisy: bool = False
    """The ear heard the voice barely above steady background sound (music, a fan)."""


@dataclass(frozen=True)
class Expectation:
    """What the conversation is waiting for, so an ear can narrow what it listens for."""

    slot: str | None  #: the slot the open question fills (a screen: the first of its slots)
    confirming: bool  #: a yes/no confirmation of a red flag in `slot`
    prompt: str  #: the words just asked
    slots: tuple[str, ...] = ()  #: every slot the open question covers (several for a screen)


def answers_nothing_yet(u: Understanding, slots: tuple[str, ...], text: str) -> bool:
    """``text`` (read as ``u``) is words enough to be the start of an answer (GO_ON_MIN_WORDS) that
    was not understood, or only told something else in passing ("my left leg": the side); never a
    command, a question back or an "I don't know"."""
    if len(text.split()) < GO_ON_MIN_WORDS:
        return False
    return (u.intent == UNCLEAR and not u.conflict) or (u.intent == ANSWER and not any(s in u.slots for s in slots))


@dataclass
class CheckInResult:
    """Everything a finished (or stopped) check-in learned."""

    verdict: Verdict
    slots: dict[str, Any]
    quotes: dict[str, str]
    questions: int
    complete: bool
    turns: int

    def as_record(self) -> dict[str, Any]:
        return {
            "level": self.verdict.level,
            "reasons": list(self.verdict.reasons),
            "slots": dict(self.slots),
            "questions": self.questions,
            "complete": self.complete,
        }


@dataclass
class _Turn:
    item: str  #: the slot or screen that was asked
    filled: list[str] = field(default_factory=list)


class Conversation:
    """One check-in. Call `opening()`, then `hear()` for each utterance until `finished`."""

    def __init__(self, lang: Language, understander: Understander | None = None, *,
                 confirm_threshold: float = DEFAULT_CONFIRM_THRESHOLD,
                 known: dict[str, Any] | None = None, known_quotes: dict[str, str] | None = None,
                 intro: str | None = None, always_ask: set[str] | None = None,
                 extra_findings: Callable[[dict[str, Any]], list[Finding]] | None = None,
                 progress: str | None = None):
        self.lang = lang
        self.nlu = understander or Understander(lang)
        self.confirm_threshold = confirm_threshold
        self.red_flags = red_flag_slots(lang)
        self.slots: dict[str, Any] = dict(known or {})
        self.quotes: dict[str, str] = dict(known_quotes or {})
        self.intro = intro
        self.planner = Planner(lang, always_ask)
        self.extra_findings = extra_findings
        self.progress = progress
        self.current: str | None = None  #: the open question: a slot or a screen name
        self.prompt = ""
        self.questions = 0
        self.turns = 0
        self.finished = False
        self.result: CheckInResult | None = None
        self._reasked: set[str] = set()
        self._confirm: tuple[str, Understanding] | None = None
        self._confirmed: set[str] = set()  #: red flags already read back once
        self._history: list[_Turn] = []
        self._screened: set[str] = set()
        self._asides = 0
        self._backs = 0
        self._stop_pending = False
        self._noise_mentioned = False

    # -- what to listen for -------------------------------------------------------------------
    def expecting(self) -> Expectation:
        if self._confirm is not None:
            return Expectation(self._confirm[0], True, self.prompt, (self._confirm[0],))
        slots = self._slots_of(self.current)
        return Expectation(slots[0] if slots else None, False, self.prompt, slots)

    def may_go_on(self, heard: Heard) -> bool:
        """Whether a spoken answer may have stopped at a pause before saying anything: two words or
        more that answer nothing yet ("it came on", "my left leg"). Why: the recogniser ends an
        answer on a short quiet, and Whisper writes "It came on." as a whole sentence; asked again at
        once, the person's "... slowly over the evening" would talk over the question."""
        if self.finished or self._confirm is not None or self.current is None or heard.confidence is None:
            return False  # typed text is whole; a confirmation is a yes or no
        screen = self.lang.screens.get(self.current)
        u = (self.nlu.understand_screen(heard.text, screen.slots, heard.confidence) if screen is not None
             else self.nlu.understand(heard.text, self.current, heard.confidence))
        return answers_nothing_yet(u, self._slots_of(self.current), heard.text)

    def _slots_of(self, item: str | None) -> tuple[str, ...]:
        if item is None:
            return ()
        screen = self.lang.screens.get(item)
        return screen.slots if screen is not None else (item,)

    def _wording(self, item: str) -> Any:
        """The question or screen that words `item` (prompt, reask, help)."""
        return self.lang.screens.get(item) or self.lang.questions[item]

    # -- the flow -----------------------------------------------------------------------------
    def opening(self) -> str:
        """The greeting and the first question."""
        first = self._advance()
        head = self.lang.lines["greeting"]
        if self.intro:
            head = f"{head} {self.intro}"
        return f"{head}\n{first}"

    def hear(self, heard: Heard | None) -> str:
        """Take one utterance (None = the person is gone / input ended) and return the reply."""
        if self.finished:
            return ""
        self.turns += 1
        if heard is None or self.turns >= MAX_TURNS:
            if self._confirm is not None:  # gone mid-confirmation: the red flag stands
                return self._keep_flag_and_stop(self._confirm[1])
            return self._finish(stopped=True)
        if self._confirm is not None:
            return self._hear_confirmation(heard)
        assert self.current is not None
        screen = self.lang.screens.get(self.current)
        if screen is not None:
            u = self.nlu.understand_screen(heard.text, screen.slots, heard.confidence)
        else:
            u = self.nlu.understand(heard.text, self.current, heard.confidence)
        if u.intent in ("repeat", "help", FAQ):
            self._asides += 1
            if self._asides > MAX_ASIDES:
                u = Understanding(UNCLEAR, quote=u.quote)
        else:
            self._asides = 0
        if u.intent == "back" and self._backs >= MAX_BACKS:
            u = Understanding(UNCLEAR, quote=u.quote)
        if u.intent == "repeat":
            return self.prompt
        if u.intent == "help":
            return f"{self._wording(self.current).help}\n{self.prompt}"
        if u.intent == "back":
            self._backs += 1
            return self._go_back()
        if u.intent == "stop":
            # heard (not typed) "stop" ends the check-in only when said twice: a recogniser can take
            # a cough or a stray sentence for "stop", and ending early loses the warning-sign questions
            if heard.confidence is not None and not self._stop_pending:
                self._stop_pending = True
                return f"{self.lang.lines['confirm_stop']} {self.prompt}"
            return self._finish(stopped=True)
        self._stop_pending = False
        if u.intent == FAQ and u.faq:
            answer = self.lang.faq[u.faq][1]
            if u.faq == "progress" and self.progress:
                answer = self.progress
            return f"{answer}\n{self.lang.lines['back_to_checkin']} {self.prompt}"
        if screen is not None and (u.intent == UNKNOWN or (u.intent == UNCLEAR and self.current in self._reasked)):
            # "not sure" (or unclear twice) on a screen: ask about each of its signs on its own; after
            # two answers not understood, those questions count as the re-ask (their words are simpler)
            if u.intent == UNCLEAR:
                self._reasked.update(screen.slots)
            return self._record(Understanding(ANSWER, u.slots, u.confidence, u.quote))
        aside = screen is None and u.intent == ANSWER and self.current not in u.slots
        if aside:  # only other signs were described: keep them, but the open question is not settled
            u = Understanding(UNCLEAR, u.slots, u.confidence, u.quote, conflict=u.conflict)
        matters = u.intent == UNCLEAR or self.planner.ceiling.get(self.current, 0) > 0
        if u.intent in (UNCLEAR, UNKNOWN) and self.current not in self._reasked and matters:
            # asked again once, in simpler words, only where it matters (an unsure side is just noted);
            # whatever else was said is kept, and the re-ask counts even when something else was heard
            self._reasked.add(self.current)
            return self._reask(u, heard)
        if u.intent == UNCLEAR:
            u = Understanding(UNKNOWN, {self.current: None, **u.slots}, 0.0, u.quote)
            note = " ".join(filter(None, (self._noise_line(heard), self.lang.lines["moving_on"]))) + "\n"
        else:
            note = ""
        flag = self._low_confidence_flag(u, heard)
        if flag is not None:
            return self._start_confirm(flag, u)
        return note + self._record(u)

    # -- internals ----------------------------------------------------------------------------
    def _reask(self, u: Understanding, heard: Heard) -> str:
        """Ask the open question once more in simpler words, keeping any other sign `u` described.

        Why keep them: "my leg tingles" said to the bladder question is still true, and a red flag
        said in passing must end the check-in at once (or be confirmed first when barely heard).
        """
        assert self.current is not None
        other = {s: v for s, v in u.slots.items() if s not in self._slots_of(self.current) and v is not None}
        ack = ""
        if other:
            kept = Understanding(ANSWER, other, u.confidence, u.quote)
            flag = self._low_confidence_flag(kept, heard)
            if flag is not None:  # confirm first; the open question comes back after it
                return self._start_confirm(flag, kept)
            if self._store(kept):
                ack = self.lang.lines["volunteered"] + " "
            if self._level() == "emergency":
                return self._finish(stopped=False, jump=True)
        if u.intent == UNCLEAR and not ack:
            ack = (self._noise_line(heard) or self.lang.lines["not_understood"]) + " "
        return self._ask(self.current, prefix=ack, simpler=True)

    def _noise_line(self, heard: Heard) -> str:
        """Once per check-in, when the room drowned an answer: say so and what would help, else "".

        Why once: someone who cannot turn the music off should not hear the same advice each time.
        """
        if heard.noisy and not self._noise_mentioned:
            self._noise_mentioned = True
            return self.lang.lines["not_understood_noisy"]
        return ""

    def _start_confirm(self, flag: str, u: Understanding) -> str:
        """Ask whether the red flag `flag` was really said; `u` is what is recorded if it was."""
        self._confirm = (flag, u)
        self._confirmed.add(flag)
        self.questions += 1
        self.prompt = self.lang.questions[flag].confirm or self.lang.questions[flag].prompt
        return self.prompt

    def _low_confidence_flag(self, u: Understanding, heard: Heard) -> str | None:
        # the recogniser's calibrated confidence, not the match score: a screening question's
        # broad match must not make every confident spoken red flag need confirming. Each flag is
        # confirmed once: heard again after a "no" to the read-back, it stands (never a loop, and
        # never a red flag hidden by a second misheard "no")
        if heard.confidence is None or heard.confidence >= self.confirm_threshold:
            return None
        for slot, value in u.slots.items():
            if value is True and slot in self.red_flags and self.lang.questions[slot].confirm \
                    and slot not in self._confirmed:
                return slot
        return None

    def _hear_confirmation(self, heard: Heard) -> str:
        slot, original = self._confirm  # type: ignore[misc]
        u = self.nlu.understand(heard.text, slot, None)
        if u.intent == "repeat":
            return self.prompt
        self._confirm = None
        if u.intent == ANSWER and u.slots.get(slot) is False and not u.conflict:
            # a clear "no": ask the question itself once more, in simpler words
            self._reasked.add(slot)
            self.current = slot
            return self._ask(slot, simpler=True)
        # yes, unsure, silence, anything else: never let a confirmation hide a red flag
        kept = "" if (u.intent == ANSWER and u.slots.get(slot) is True) else self.lang.lines["confirm_kept"] + "\n"
        if u.intent == "stop":
            return self._keep_flag_and_stop(original)
        return kept + self._record(original)

    def _keep_flag_and_stop(self, original: Understanding) -> str:
        """End during a confirmation: the heard red flag is recorded, never dropped."""
        self._store(original)
        return self._finish(stopped=True, jump=evaluate(self.lang, self.slots)[0] == "emergency")

    def _store(self, u: Understanding) -> list[str]:
        assert self.current is not None
        filled = []
        asked = self._slots_of(self.current)
        for slot, value in u.slots.items():
            # a warning sign described in passing overrides an earlier "no" (never under-triage)
            overrides = value is True and self.slots.get(slot) is not True
            if slot in asked or slot not in self.slots or overrides:
                self.slots[slot] = value
                self.quotes[slot] = u.quote
                filled.append(slot)
        if self.current in self.lang.screens:
            self._screened.add(self.current)
        self._history.append(_Turn(self.current, filled))
        return filled

    def _record(self, u: Understanding) -> str:
        asked = self._slots_of(self.current)
        filled = self._store(u)
        ack = self.lang.lines["volunteered"] + " " if any(s not in asked for s in filled) else ""
        level = self._level()
        if level == "emergency":
            return self._finish(stopped=False, jump=True)
        nxt = self._advance()
        if not nxt:
            return self._finish(stopped=False, jump=severity(level) >= severity("urgent"))
        return ack + nxt

    def _level(self) -> str:
        return evaluate(self.lang, self.slots)[0]

    def _next_slot(self) -> str | None:
        """The next slot or screen to ask (None: nothing left could change the verdict)."""
        return self.planner.next_item(self.slots, self._screened, self._level())

    def _advance(self) -> str:
        item = self._next_slot()
        self.current = item
        if item is None:
            return ""
        return self._ask(item)

    def _ask(self, item: str, prefix: str = "", simpler: bool = False) -> str:
        q = self._wording(item)
        self._asides = 0
        self.current = item
        self.prompt = q.reask if simpler else q.prompt
        self.questions += 1
        return prefix + self.prompt

    def _go_back(self) -> str:
        if not self._history:
            return f"{self.lang.lines['nothing_to_undo']}\n{self.prompt}"
        turn = self._history.pop()
        for slot in (*turn.filled, *self._slots_of(turn.item)):
            self.slots.pop(slot, None)
            self.quotes.pop(slot, None)
        self._reasked.discard(turn.item)
        self._screened.discard(turn.item)
        return f"{self.lang.lines['going_back']} {self._ask(turn.item)}"

    def _summary(self) -> str:
        if not self.slots:
            return self.lang.lines["learned_nothing"]
        lines = [self.lang.lines["learned_heading"]]
        for slot in self.lang.order:
            if slot in self.slots:
                value = self.slots[slot]
                shown = self.quotes.get(slot) if value is not None else self.lang.lines["unknown_answer"]
                lines.append(f"  - {self.lang.questions[slot].topic}: {shown}")
        return "\n".join(lines)

    def _finish(self, stopped: bool, jump: bool = False) -> str:
        complete = self._next_slot() is None and not stopped
        if jump:
            complete = True  # a red flag decides the verdict; the remaining questions cannot lower it
        extra = self.extra_findings(dict(self.slots)) if self.extra_findings else []
        unasked = None if complete else self.planner.open_slots(self.slots, self._level())
        verdict = decide(self.lang, self.slots, self.quotes, complete=complete, extra=extra, unasked=unasked)
        self.finished = True
        self.current = None
        self._confirm = None
        self.result = CheckInResult(verdict, dict(self.slots), dict(self.quotes), self.questions, complete, self.turns)
        parts = []
        if stopped:
            parts += [self.lang.lines["stopped"], self._summary()]
        elif jump:
            parts.append(self.lang.lines["red_flag_jump"])
        parts += [verdict.text(self.lang), self.lang.lines["goodbye"]]
        return "\n".join(parts)
