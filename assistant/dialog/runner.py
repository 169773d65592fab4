"""Drive a Conversation with any ear (where words come from) and any mouth (where words go)."""
from __future__ import annotations

from typing import Callable, Protocol

from assistant.dialog.conversation import CheckInResult, Conversation, Expectation, Heard


class Ear(Protocol):
    """Yields the person's next utterance; None when there is no more input (EOF, hang-up).

    An ear that listens to speech may also have ``hear_more(expecting) -> Heard | None``: the rest of
    an answer that stopped at a pause, or None when nothing more was said (see :func:`went_on`).
    """

    def hear(self, expecting: Expectation) -> Heard | None: ...


class Mouth(Protocol):
    """Says something to the person; returns when it has been said."""

    def say(self, text: str) -> None: ...


class SilentMouth:
    """A mouth for audits: nothing is said anywhere."""

    def say(self, text: str) -> None:
        return None


def run_checkin(conversation: Conversation, ear: Ear, mouth: Mouth,
                on_decided: Callable[[CheckInResult], object] | None = None) -> CheckInResult:
    """Run one check-in to its end and return what it learned.

    ``on_decided`` gets the result as soon as the verdict is decided, before it is said: reading a
    verdict aloud takes up to a minute, and a power cut in that minute must not lose the check-in.
    """
    mouth.say(conversation.opening())
    while not conversation.finished:
        try:
            heard = next_answer(conversation, ear)
        except KeyboardInterrupt:
            heard = None
        reply = conversation.hear(heard)
        if conversation.finished and on_decided is not None:
            assert conversation.result is not None
            on_decided(conversation.result)
        if reply:
            mouth.say(reply)
    assert conversation.result is not None
    return conversation.result


def next_answer(conversation: Conversation, ear: Ear) -> Heard | None:
    """The person's answer to the open question: one utterance, with its rest where it stopped at a
    pause before answering anything (a check-in's listening step; benchmarks take it too)."""
    expecting = conversation.expecting()
    return went_on(ear, expecting, ear.hear(expecting), conversation.may_go_on)


def went_on(ear: Ear, expecting: Expectation, heard: Heard | None,
            unfinished: Callable[[Heard], bool]) -> Heard | None:
    """``heard``, with the rest of the answer where it stopped at a pause before answering anything
    ("it came on ... slowly over the evening": ``unfinished``, :meth:`Conversation.may_go_on` in a
    check-in) and the ear heard more."""
    more = getattr(ear, "hear_more", None)
    if heard is None or more is None or not unfinished(heard):
        return heard
    rest = more(expecting)
    if rest is None or not rest.text:
        return heard
    confidences = [c for c in (heard.confidence, rest.confidence) if c is not None]
    return Heard(f"{heard.text} {rest.text}", min(confidences) if confidences else None, heard.noisy or rest.noisy)
