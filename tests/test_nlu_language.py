"""Language data: complete, short enough to follow while stretching, and strict about mistakes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.nlu.language import CONTRACT_SLOTS, IntentDataError, Language, load_language
from tests.conftest import REPO


def test_every_contract_slot_has_a_question(lang: Language) -> None:
    assert set(lang.questions) == set(CONTRACT_SLOTS)
    assert sorted(lang.order) == sorted(CONTRACT_SLOTS)


def test_prompts_are_short(lang: Language) -> None:
    for q in lang.questions.values():
        assert len(q.prompt.split()) <= 15, q.prompt
        assert len(q.reask.split()) <= 22, q.reask


def test_red_flags_have_confirmations(lang: Language) -> None:
    for slot in ("bladder_bowel", "saddle_numbness", "leg_weakness", "one_leg_weight"):
        assert lang.questions[slot].confirm


def _broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    root = tmp_path / "intents"
    shutil.copytree(REPO / "intents", root)
    p = root / "en" / file
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    return root


@pytest.mark.parametrize("file,old,new,words", [
    ("questions.yaml", "kind: duration", "kind: banana", "slots.hours_since_workout"),
    ("questions.yaml", "  side:\n", "  elbow:\n", "not a contract slot"),
    ("commands.yaml", "help:\n", "helpp:\n", "'help': missing command"),
    ("triage.yaml", "level: urgent", "level: soonish", "level must be one of"),
    ("triage.yaml", "when: {night_pain: true}", "when: {night_pain: maybe}", "not a value of night_pain"),
    ("faq.yaml", "  answer: >-", "  answr: >-", "must be non-empty text"),
    ("common.yaml", "yes:\n", "yes: [\n", "not valid YAML"),
    ("questions.yaml", "  - other_signs\n", "  - other_sign\n", "neither a slot nor a screen"),
    ("questions.yaml", "  - trend\n\ncontext", "\ncontext", "must cover every contract slot"),
    ("questions.yaml", "slots: [leg_weakness, one_leg_weight]", "slots: [leg_weakness, side]",
     "not a yes/no slot"),
])
def test_malformed_data_names_file_entry_and_problem(tmp_path: Path, file: str, old: str, new: str,
                                                     words: str) -> None:
    root = _broken(tmp_path, file, old, new)
    with pytest.raises(IntentDataError) as err:
        load_language("en", root)
    assert file in str(err.value) and words in str(err.value)


def test_missing_language(tmp_path: Path) -> None:
    with pytest.raises(IntentDataError, match="language folder is missing"):
        load_language("xx", tmp_path)
