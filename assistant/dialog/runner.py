"""Drive a Conversation with any ear (where words come from) and any mouth (where words go)."""
from __future__ import annotations

from typing import Protocol

from assistant.dialog.conversation import CheckInResult, Conversation, Expectation, Heard


class Ear(Protocol):
    """Yields the person's next utterance; None when there is no more input (EOF, hang-up)."""

    def hear(self, expecting: Expectation) -> Heard | None: ...


class Mouth(Protocol):
    """Says something to the person; returns when it has been said."""

    def say(self, text: str) -> None: ...


class SilentMouth:
    """A mouth for audits: nothing is said anywhere."""

    def say(self, text: str) -> None:
        return None


def run_checkin(conversation: Conversation, ear: Ear, mouth: Mouth) -> CheckInResult:
    """Run one check-in to its end and return what it learned."""
    mouth.say(conversation.opening())
    while not conversation.finished:
        try:
            heard = ear.hear(conversation.expecting())
        except KeyboardInterrupt:
            heard = None
        reply = conversation.hear(heard)
        if reply:
            mouth.say(reply)
    assert conversation.result is not None
    return conversation.result
