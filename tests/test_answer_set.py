"""A fresh set of natural answers (tests/answers/, not taken from intents/): understood per slot.

Fails when any slot is understood below 97 %, and on any answer understood as milder than it was
said (a warning sign heard as "no", not sure heard as "no", sharp as dull, sudden as gradual,
worse as better, a lower pain score, fewer hours). Run with -s to see the per-slot table.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.nlu.datafile import load_yaml
from assistant.nlu.language import CONTRACT_SLOTS, Language
from assistant.nlu.understand import ANSWER, UNKNOWN, Understander

ANSWERS = Path(__file__).parent / "answers"
MIN_ACCURACY = 0.97
MIN_PER_SLOT = 40
NOT_UNDERSTOOD = "(not understood)"
#: Choice values from mildest to most serious, for "milder than said".
_RANK = {"onset": ["gradual", "sudden"], "quality": ["dull", "sharp"], "trend": ["better", "same", "worse"]}


def answer_set() -> dict[str, list[tuple[str, Any]]]:
    out: dict[str, list[tuple[str, Any]]] = {}
    for f in sorted(ANSWERS.glob("en_*.yaml")):
        for slot, rows in load_yaml(f).items():
            out.setdefault(slot, []).extend((str(text), value) for text, value in rows)
    return out


def understood(nlu: Understander, text: str, slot: str) -> Any:
    u = nlu.understand(text, slot)
    if u.intent in (ANSWER, UNKNOWN) and slot in u.slots:
        return u.slots[slot]
    return NOT_UNDERSTOOD


def same(got: Any, want: Any) -> bool:
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, (int, float)):
        return abs(got - want) < 0.1
    return got == want and type(got) is type(want)


def milder(slot: str, got: Any, want: Any) -> bool:
    """True when `got` would send the person somewhere less careful than `want` does."""
    if got == NOT_UNDERSTOOD or same(got, want):
        return False  # not understood is asked again, never taken as an answer
    kind = CONTRACT_SLOTS[slot]
    if kind == "yesno":
        return got is False
    if kind in ("number", "duration"):
        return got is not None and (want is None or got < want)
    if slot in _RANK:
        rank = _RANK[slot]
        return got is not None and (want is None or rank.index(got) < rank.index(want))
    return False


def test_answer_set_covers_every_slot() -> None:
    data = answer_set()
    assert set(data) == set(CONTRACT_SLOTS)
    for slot, rows in data.items():
        assert len(rows) >= MIN_PER_SLOT, (slot, len(rows))


def test_answers_are_understood(nlu: Understander, capsys: pytest.CaptureFixture[str]) -> None:
    failures, mild = [], []
    table = [f"{'slot':22} {'answers':>7} {'understood':>10}"]
    for slot, rows in answer_set().items():
        right = 0
        for text, want in rows:
            got = understood(nlu, text, slot)
            if same(got, want):
                right += 1
            else:
                failures.append(f"{slot}: {text!r} -> {got!r}, meant {want!r}")
                if milder(slot, got, want):
                    mild.append(failures[-1])
        table.append(f"{slot:22} {len(rows):>7} {right / len(rows):>10.1%}")
        if right / len(rows) < MIN_ACCURACY:
            mild.append(f"{slot}: only {right}/{len(rows)} understood")
    with capsys.disabled():
        print("\n" + "\n".join(table + ["misses:", *failures]))
    assert not mild, "\n".join(mild)


def test_understood_as_milder_is_caught(lang: Language) -> None:
    assert milder("leg_weakness", False, None) and milder("trend", "better", "worse")
    assert milder("pain_score", 6, 8) and not milder("quality", "sharp", "dull")
    assert not milder("bladder_bowel", NOT_UNDERSTOOD, True)
