"""The audit's simulated person and the length of the check-in it measures."""
from __future__ import annotations

from statistics import median

import pytest

from assistant.dialog.audit import format_results, load_vignettes, run_audit, scripted_answer
from assistant.nlu.language import Language
from tests.conftest import REPO, SHARED

DEV = SHARED / "vignettes" / "dev.yaml"
HARD = REPO / "tests" / "vignettes" / "hard.yaml"


@pytest.mark.parametrize("answers,slots,said", [
    ({}, ("bladder_bowel", "saddle_numbness"), "no"),
    ({"saddle_numbness": "numb down there"}, ("bladder_bowel", "saddle_numbness"), "numb down there"),
    # the contract's slot-table order (spreading before leg_symptoms), not the question's order
    ({"leg_symptoms": "tingling", "spreading": "into my leg"}, ("leg_symptoms", "spreading"),
     "into my leg. tingling"),
    ({}, ("onset",), "I'm not sure"),
    ({"onset": "slowly"}, ("onset",), "slowly"),
])
def test_scripted_person_follows_the_contract(lang: Language, answers: dict[str, str], slots: tuple[str, ...],
                                              said: str) -> None:
    assert scripted_answer(lang, answers, slots) == said


@pytest.mark.skipif(not DEV.is_file(), reason="shared vignettes not present")
def test_dev_vignettes_pass_with_a_short_check_in(lang: Language) -> None:
    results = run_audit(lang, load_vignettes(DEV) + load_vignettes(HARD))
    assert all(r.passed for r in results), format_results(results)
    normal = [r.questions for r in results if r.vignette.expect == "normal"]
    assert median(normal) <= 8 and max(normal) <= 10
    assert "questions asked, normal vignettes: median" in format_results(results)


def test_every_slot_is_reported_under_its_own_name(lang: Language) -> None:
    from assistant.dialog.audit import Vignette

    answers = {"hours_since_workout": "a day", "onset": "slowly", "pain_score": "3", "quality": "stiff"}
    result = run_audit(lang, [Vignette("all-no", answers, "normal", None)])[0]
    assert result.level == "normal" and result.questions == 8
    # one "no" to each screen rules out each of its slots, reported one by one
    for slot in ("bladder_bowel", "saddle_numbness", "leg_weakness", "one_leg_weight", "spreading",
                 "leg_symptoms", "movement", "night_pain"):
        assert result.slots[slot] is False
