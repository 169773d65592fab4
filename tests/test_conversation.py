"""The conversation state machine through its public interface: opening(), hear(), expecting()."""
from __future__ import annotations

import pytest

from assistant.dialog.conversation import MAX_TURNS, Conversation, Heard
from assistant.nlu.language import Language
from assistant.nlu.understand import Understander


def talk(conv: Conversation, *answers: str | Heard) -> list[str]:
    replies = [conv.opening()]
    for a in answers:
        if conv.finished:
            break
        replies.append(conv.hear(a if isinstance(a, Heard) else Heard(a)))
    return replies


def test_red_flag_screens_come_first(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    assert conv.expecting().slots == ("bladder_bowel", "saddle_numbness")
    conv.hear(Heard("no"))
    assert conv.expecting().slots == ("leg_weakness", "one_leg_weight")
    assert conv.slots == {"bladder_bowel": False, "saddle_numbness": False} and conv.questions == 2


@pytest.mark.parametrize("answer", ["yes", "I'm not sure", "I haven't been to the toilet since"])
def test_yes_or_not_sure_on_a_screen_asks_each_sign_on_its_own(lang: Language, nlu: Understander,
                                                               answer: str) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard(answer))
    assert conv.expecting().slots == ("bladder_bowel",) and "bladder_bowel" not in conv.slots
    assert conv.expecting().prompt == lang.questions["bladder_bowel"].prompt
    conv.hear(Heard("no"))
    assert conv.expecting().slots == ("saddle_numbness",)
    conv.hear(Heard("yes"))
    assert conv.finished and conv.result.verdict.level == "emergency" and conv.questions == 3


def test_once_the_verdict_is_doctor_only_red_flags_and_context_are_asked(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    talk(conv, "no", "no", "an hour ago", "suddenly, mid deadlift", "five")
    assert conv.finished and conv.result.verdict.level == "doctor" and conv.result.complete
    assert conv.questions == 5 and "quality" not in conv.slots  # nothing left could change the verdict


def test_emergency_ends_questioning_at_once(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    replies = talk(conv, "yes, I can't control my bladder")
    assert conv.finished and conv.result and conv.result.verdict.level == "emergency"
    assert conv.questions == 1
    assert "emergency services" in replies[-1]


def test_volunteered_emergency_jumps_even_mid_questionnaire(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    talk(conv, "no", "no", "a day", "slowly", "four", "dull, but I can't control my bladder")
    assert conv.finished and conv.result.verdict.level == "emergency"


def test_urgent_only_finishes_the_emergency_questions(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    talk(conv, "my right leg feels weak")  # volunteered at the bladder screen, which it does not answer
    assert not conv.finished
    assert conv.expecting().slots == ("bladder_bowel",)
    conv.hear(Heard("no"))
    assert conv.expecting().slots == ("saddle_numbness",)
    conv.hear(Heard("no"))
    assert conv.finished and conv.result.verdict.level == "urgent"


def test_a_no_before_a_volunteered_red_flag_ends_at_urgent(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    talk(conv, "no, but my right leg feels weak")
    assert conv.finished and conv.result.verdict.level == "urgent" and conv.questions == 1


def test_unknown_red_flag_is_reasked_simpler_then_doctor(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard("I don't know"))  # the screen: drill down
    first = conv.expecting().prompt
    reply = conv.hear(Heard("I don't know"))
    assert conv.expecting().slots == ("bladder_bowel",) and reply != first
    assert reply == lang.questions["bladder_bowel"].reask
    conv.hear(Heard("I don't know"))
    assert conv.slots["bladder_bowel"] is None
    assert conv.expecting().slots == ("saddle_numbness",)


def test_a_no_described_in_a_barely_heard_answer_is_asked_again_in_plain_words(lang: Language,
                                                                               nlu: Understander) -> None:
    """Whisper wrote "right there, one finger" as "right there, run in your feet all over" at 6 dB (0.38)."""
    conv = Conversation(lang, nlu)
    talk(conv, "no", "no", "a day", "slowly", "three", "a dull ache")
    assert conv.expecting().slots == ("localized",)
    reply = conv.hear(Heard("right there, run in your feet all over", 0.38))
    assert "localized" not in conv.slots and reply.endswith(lang.questions["localized"].reask)
    conv.hear(Heard("yes", 0.45))
    assert conv.slots["localized"] is True


def test_unclear_answer_recorded_unknown_after_one_reask(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    reply = conv.hear(Heard("purple"))
    assert reply.endswith(lang.screens["cauda_equina"].reask)  # the simpler wording, not the same words
    conv.hear(Heard("purple"))  # unclear twice on a screen: each sign on its own, asked once each
    assert conv.expecting().slots == ("bladder_bowel",)
    assert conv.hear(Heard("purple")).endswith(lang.questions["saddle_numbness"].prompt)
    assert conv.slots["bladder_bowel"] is None and conv.questions == 4


def test_an_answer_drowned_by_noise_says_so_once(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    noisy, sorry = lang.lines["not_understood_noisy"], lang.lines["not_understood"]
    first = conv.hear(Heard("", 0.0, noisy=True))
    assert first.startswith(noisy) and first.endswith(lang.screens["cauda_equina"].reask)
    conv.hear(Heard("no", 0.9))
    again = conv.hear(Heard("", 0.0, noisy=True))  # the next question, still loud: plain sorry, no lecture
    assert again.startswith(sorry) and noisy not in again


def test_a_quiet_room_gets_the_plain_sorry(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    reply = conv.hear(Heard("", 0.0))
    assert reply.startswith(lang.lines["not_understood"]) and lang.lines["not_understood_noisy"] not in reply


def test_every_reask_is_worded_differently(lang: Language) -> None:
    for q in [*lang.questions.values(), *lang.screens.values()]:
        assert q.reask != q.prompt


def test_repeat_help_back(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    opening = conv.opening()
    assert conv.hear(Heard("repeat")) == lang.screens["cauda_equina"].prompt
    assert lang.screens["cauda_equina"].help in conv.hear(Heard("help"))
    conv.hear(Heard("no"))
    assert conv.expecting().slot == "leg_weakness"
    conv.hear(Heard("go back"))
    assert conv.expecting().slot == "bladder_bowel" and "bladder_bowel" not in conv.slots
    assert "saddle_numbness" not in conv.slots
    assert opening


def test_faq_answers_then_resumes(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    reply = conv.hear(Heard("how long will it last?"))
    assert "third day" in reply and reply.endswith(lang.screens["cauda_equina"].prompt)
    assert conv.expecting().slot == "bladder_bowel"


def test_stop_says_what_was_learned(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    replies = talk(conv, "no", "stop")
    assert conv.finished and not conv.result.complete
    assert "bladder" in replies[-1] and "not a diagnosis" in replies[-1]
    assert conv.result.verdict.level == "doctor"  # warning signs were left unchecked


def test_end_of_input_finishes_cleanly(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    reply = conv.hear(None)
    assert conv.finished and "not a diagnosis" in reply


def test_normal_check_in(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    talk(conv, "no", "no", "fifteen hours", "it crept up", "4", "tight", "no, it's spread out", "no")
    assert conv.finished and conv.result.verdict.level == "normal" and conv.result.complete
    assert conv.result.questions == 8
    assert all(conv.slots[s] is False for s in ("spreading", "leg_symptoms", "movement", "night_pain"))


def test_low_confidence_red_flag_is_confirmed(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu, confirm_threshold=0.6)
    conv.opening()
    reply = conv.hear(Heard("yes, trouble peeing", confidence=0.3))
    assert reply == lang.questions["bladder_bowel"].confirm and conv.expecting().confirming
    conv.hear(Heard("yes", confidence=0.9))
    assert conv.finished and conv.result.verdict.level == "emergency"


def test_unclear_confirmation_keeps_the_red_flag(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard("trouble peeing", confidence=0.2))
    conv.hear(Heard("mmm", confidence=0.2))
    assert conv.finished and conv.result.verdict.level == "emergency"


def test_silence_at_confirmation_keeps_the_red_flag(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard("trouble peeing", confidence=0.2))
    conv.hear(None)
    assert conv.finished and conv.result.verdict.level == "emergency"


def test_clear_no_at_confirmation_asks_again(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard("trouble peeing", confidence=0.2))
    reply = conv.hear(Heard("no", confidence=0.9))
    assert reply == lang.questions["bladder_bowel"].reask and not conv.finished


def test_confident_red_flag_is_not_confirmed(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard("trouble peeing", confidence=0.95))
    assert conv.finished and conv.questions == 1


def test_turns_are_bounded(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    n = 0
    while not conv.finished:
        conv.hear(Heard("repeat"))
        n += 1
    assert n <= MAX_TURNS


def test_endless_help_does_not_hold_the_check_in(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    for _ in range(12):
        conv.hear(Heard("help"))
    # the screen is not understood twice -> each sign on its own, once: not understood -> unknown, moved on
    assert conv.slots.get("bladder_bowel", "unset") is None
    assert conv.expecting().slots == ("saddle_numbness",)


def test_heard_stop_needs_saying_twice_typed_stop_once(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    reply = conv.hear(Heard("stop", confidence=0.4))
    assert not conv.finished and "stop again" in reply
    conv.hear(Heard("stop", confidence=0.4))
    assert conv.finished
    typed = Conversation(lang, nlu)
    typed.opening()
    typed.hear(Heard("stop"))
    assert typed.finished


def test_an_answer_after_a_heard_stop_carries_on(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard("stop", confidence=0.4))
    conv.hear(Heard("no", confidence=0.9))
    conv.hear(Heard("stop", confidence=0.4))
    assert not conv.finished and conv.expecting().slot == "leg_weakness"


def test_an_answer_about_another_sign_is_kept_and_counts_as_the_reask(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    talk(conv, "no", "no", "a day ago", "slowly")
    assert conv.expecting().slots == ("pain_score",)
    asked = conv.questions
    reply = conv.hear(Heard("it tingles down my leg"))
    assert conv.slots["leg_symptoms"] is True and lang.lines["volunteered"] in reply
    assert conv.expecting().prompt == lang.questions["pain_score"].reask and conv.questions == asked + 1
    conv.hear(Heard("there's pins and needles in my foot too"))  # still no number: noted as not sure, moving on
    assert conv.slots["pain_score"] is None and conv.expecting().slots != ("pain_score",)


def test_the_same_question_is_never_asked_three_times(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    seen: dict[tuple[str, ...], int] = {}
    conv.opening()
    while not conv.finished:
        exp = conv.expecting()
        seen[exp.slots] = seen.get(exp.slots, 0) + 1
        conv.hear(Heard("it woke me up twice last night"))  # the night question's answer, to every question
    assert max(seen.values()) <= 2 and conv.slots["night_pain"] is True
    assert conv.result is not None and conv.result.verdict.level == "doctor"


def test_a_red_flag_said_to_another_question_ends_it_at_once(lang: Language, nlu: Understander) -> None:
    conv = Conversation(lang, nlu)
    replies = talk(conv, "no", "no", "I wet myself on the way home and didn't feel it")
    assert conv.finished and conv.result is not None and conv.result.verdict.level == "emergency"
    assert "emergency services" in replies[-1]


def test_a_red_flag_is_read_back_once_then_stands(lang: Language, nlu: Understander) -> None:
    """A phrase misheard the same way each time must not loop through read-backs for ever."""
    conv = Conversation(lang, nlu)
    conv.opening()
    conv.hear(Heard("no", 0.95))
    asked = 0
    for _ in range(10):
        if conv.finished:
            break
        exp = conv.expecting()
        asked += exp.confirming
        conv.hear(Heard("no" if exp.confirming else "my leg feels weak", 0.6))
    assert asked == 1 and conv.slots.get("leg_weakness") is True
    assert conv.questions <= 6


class _PausingEar:
    """A scripted ear (not a recogniser): a first part, then what followed a pause, if asked for it."""

    def __init__(self, first: Heard, rest: Heard | None) -> None:
        self.first, self.rest, self.asked_more = first, rest, 0

    def hear(self, expecting: object) -> Heard:
        return self.first

    def hear_more(self, expecting: object) -> Heard | None:
        self.asked_more += 1
        return self.rest


def _at_onset(lang: Language) -> Conversation:
    conv = Conversation(lang)
    conv.opening()
    while conv.current != "onset":
        conv.hear(Heard("yesterday" if conv.current == "hours_since_workout" else "no"))
    return conv


def test_a_spoken_start_that_answers_nothing_yet_is_heard_with_its_rest(lang: Language) -> None:
    """"It came on ... slowly over the evening": the ear ended at the pause, Whisper wrote a whole
    sentence, and the question was asked again over the person's words."""
    from assistant.dialog.runner import went_on

    conv = _at_onset(lang)
    ear = _PausingEar(Heard("It came on.", 0.8), Heard("Slowly over the evening.", 0.7))
    heard = went_on(ear, conv.expecting(), ear.hear(conv.expecting()), conv.may_go_on)
    assert heard is not None and heard.text == "It came on. Slowly over the evening." and heard.confidence == 0.7
    conv.hear(heard)
    assert conv.slots["onset"] == "gradual"


@pytest.mark.parametrize("first", [Heard("It came on.", None),  # typed: whole as it is
                                   Heard("gradually", 0.8),      # an answer
                                   Heard("on", 0.8)])            # one word: not the start of a sentence
def test_only_a_spoken_start_that_answers_nothing_is_listened_to_on(lang: Language, first: Heard) -> None:
    from assistant.dialog.runner import went_on

    conv = _at_onset(lang)
    ear = _PausingEar(first, Heard("slowly", 0.9))
    assert went_on(ear, conv.expecting(), first, conv.may_go_on) is first and ear.asked_more == 0
