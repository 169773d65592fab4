"""Property-based: whatever is said, understanding never raises and every check-in ends in bounded turns."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.dialog.conversation import MAX_TURNS, Conversation, Heard
from assistant.nlu.language import CONTRACT_SLOTS, LEVELS, Language
from assistant.nlu.understand import Understander

# Words the understanding knows (so random utterances often hit real phrases), mixed with noise.
KNOWN = ["yes", "no", "not", "maybe", "sharp", "dull", "ache", "leg", "left", "right", "both", "weak", "stop",
         "back", "go", "repeat", "help", "i", "don't", "know", "seven", "6", "out", "of", "ten", "days", "hours",
         "a", "half", "and", "yesterday", "last", "night", "bladder", "numb", "tingling", "down", "my", "it's",
         "spread", "one", "spot", "woke", "me", "better", "worse", "same", "sudden", "slowly", "is", "this", "normal"]
utterance = st.one_of(
    st.lists(st.sampled_from(KNOWN), min_size=0, max_size=12).map(" ".join),
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
)
slot = st.sampled_from([None, *CONTRACT_SLOTS])
confidence = st.one_of(st.none(), st.floats(min_value=0, max_value=1))


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=utterance, open_slot=slot, conf=confidence)
def test_understanding_never_raises(nlu: Understander, text: str, open_slot: str | None, conf: float | None) -> None:
    u = nlu.understand(text, open_slot, conf)
    assert u.intent in {"answer", "unknown", "unclear", "faq", "repeat", "help", "back", "stop"}
    assert 0.0 <= u.confidence <= 1.0
    assert set(u.slots) <= set(CONTRACT_SLOTS)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(turns=st.lists(st.tuples(utterance, confidence), min_size=0, max_size=120))
def test_check_in_always_ends(lang: Language, nlu: Understander, turns: list[tuple[str, float | None]]) -> None:
    conv = Conversation(lang, nlu)
    conv.opening()
    for text, conf in turns:
        if conv.finished:
            break
        conv.hear(Heard(text, conf))
    if not conv.finished:
        conv.hear(None)  # the person walks away
    assert conv.finished and conv.result is not None
    assert conv.turns <= MAX_TURNS
    assert conv.result.verdict.level in LEVELS
    assert "not a diagnosis" in conv.result.verdict.text(lang)


def _answer_pool() -> list[str]:
    from tests.test_answer_set import answer_set

    return sorted({text for rows in answer_set().values() for text, _ in rows})


ANSWER_POOL = _answer_pool()
#: A check-in is never longer than this many questions, re-asks and confirmations included.
MAX_QUESTIONS = 20


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=st.dictionaries(st.sampled_from(sorted(CONTRACT_SLOTS)),
                               st.one_of(st.sampled_from(ANSWER_POOL), utterance), max_size=len(CONTRACT_SLOTS)))
def test_no_vignette_asks_more_than_twenty_questions(lang: Language, nlu: Understander,
                                                     answers: dict[str, str]) -> None:
    """Any answer to any question (another question's answer, nonsense, a description): bounded."""
    from assistant.dialog.audit import Vignette, run_vignette

    result = run_vignette(lang, nlu, Vignette("random", answers, None, "normal"))
    assert result.questions <= MAX_QUESTIONS, answers
