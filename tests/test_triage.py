"""Triage rules: levels, sources, safety (never under-triage), wording."""
from __future__ import annotations

import itertools

import pytest

from assistant.nlu.language import CONTRACT_SLOTS, Language
from assistant.triage.rules import evaluate, red_flag_slots, severity
from assistant.triage.verdict import decide

NORMAL = {"bladder_bowel": False, "saddle_numbness": False, "leg_weakness": False, "one_leg_weight": False,
          "leg_symptoms": False, "hours_since_workout": 20.0, "onset": "gradual", "pain_score": 4,
          "quality": "dull", "localized": False, "spreading": False, "movement": False, "night_pain": False}


def test_plain_doms_is_normal(lang: Language) -> None:
    assert evaluate(lang, NORMAL)[0] == "normal"


def test_red_flags_from_the_rules(lang: Language) -> None:
    assert red_flag_slots(lang) == {"bladder_bowel": "emergency", "saddle_numbness": "emergency",
                                    "leg_weakness": "urgent", "one_leg_weight": "urgent"}


YES_LEVEL = {"bladder_bowel": "emergency", "saddle_numbness": "emergency", "leg_weakness": "urgent",
             "one_leg_weight": "urgent", "leg_symptoms": "doctor", "spreading": "doctor", "localized": "doctor",
             "movement": "doctor", "night_pain": "doctor"}


@pytest.mark.parametrize("slot,level", YES_LEVEL.items())
def test_yes_on_any_warning_sign_gives_at_least_its_level_whatever_else(lang: Language, slot: str, level: str) -> None:
    others = [s for s in YES_LEVEL if s != slot]
    # every combination of the other yes/no signs, with the most reassuring answers elsewhere
    for values in itertools.product([False, None], repeat=3):
        slots = dict(NORMAL, **{slot: True})
        for other, v in zip(others[:3], values):
            slots[other] = v
        got, _ = evaluate(lang, slots)
        assert severity(got) >= severity(level), (slots, got)


@pytest.mark.parametrize("slot", ["bladder_bowel", "saddle_numbness", "leg_weakness", "one_leg_weight",
                                  "leg_symptoms", "onset", "quality", "hours_since_workout"])
def test_unknown_is_never_no(lang: Language, slot: str) -> None:
    level, findings = evaluate(lang, dict(NORMAL, **{slot: None}))
    assert level == "doctor"
    assert any(f.rule == f"unknown_{slot}" for f in findings)


@pytest.mark.parametrize("hours,trend,level", [
    (20, "worse", "normal"),    # still building toward the 24-48 h peak
    (40, "same", "normal"),
    (60, "worse", "doctor"),    # worse after the peak
    (60, "better", "normal"),
    (80, "same", "doctor"),     # not easing by 72-96 h
    (100, "better", "normal"),
    (80, None, "doctor"),       # late, and we could not tell if it is easing
    (60, None, "doctor"),       # past the peak, and we could not tell whether it is getting worse
    (170, "better", "doctor"),  # a week on, still there
])
def test_time_course(lang: Language, hours: float, trend: str | None, level: str) -> None:
    slots = dict(NORMAL, hours_since_workout=float(hours), trend=trend)
    assert evaluate(lang, slots)[0] == level


def test_unasked_slot_matches_nothing(lang: Language) -> None:
    # trend never asked (absent) at 80 h is not the same as "unknown"
    slots = dict(NORMAL, hours_since_workout=20.0)
    assert "trend" not in slots and evaluate(lang, slots)[0] == "normal"


def test_incomplete_check_in_is_not_normal(lang: Language) -> None:
    assert evaluate(lang, {"hours_since_workout": 20.0}, complete=False)[0] == "doctor"


def test_every_rule_names_a_source(lang: Language) -> None:
    for rule in lang.rules:
        assert rule.source.startswith(("article", "cauda equina")), rule.id
        assert set(rule.when) <= set(CONTRACT_SLOTS)


def test_verdict_quotes_the_person_and_is_not_a_diagnosis(lang: Language) -> None:
    v = decide(lang, dict(NORMAL, night_pain=True), {"night_pain": "it woke me twice"})
    assert v.level == "doctor"
    assert any('"it woke me twice"' in r for r in v.reasons)
    assert "not a diagnosis" in v.text(lang)


def test_emergency_says_call_emergency_services(lang: Language) -> None:
    v = decide(lang, {"bladder_bowel": True}, {"bladder_bowel": "I can't hold my pee"})
    assert v.level == "emergency"
    assert "emergency services" in v.speech(lang).lower()
    assert "not a diagnosis" in v.speech(lang)


def test_normal_advice_covers_self_care(lang: Language) -> None:
    text = decide(lang, NORMAL, {}).text(lang).lower()
    for words in ("moving", "bird dogs", "dead bugs", "bridges", "hip hinge", "load"):
        assert words in text


def test_stopping_before_the_doctor_level_signs_names_them_and_is_not_normal(lang: Language) -> None:
    from assistant.dialog.conversation import Conversation, Heard

    conv = Conversation(lang)
    conv.opening()
    for answer in ("no", "no", "stop"):
        conv.hear(Heard(answer))
    assert conv.result is not None and conv.result.verdict.level == "doctor"
    why = " ".join(conv.result.verdict.reasons)
    assert "stopped before" in why and lang.questions["hours_since_workout"].topic in why


def test_a_normal_verdict_says_what_it_could_not_find_out(lang: Language) -> None:
    v = decide(lang, dict(NORMAL, pain_score=None), {})
    assert v.level == "normal"
    assert any(lang.questions["pain_score"].topic in r for r in v.reasons)
    assert len(decide(lang, NORMAL, {}).reasons) == 1  # nothing unknown: no caveat
