"""Decide the triage level from the slots, with the reasons that produced it.

The rules themselves are data (intents/<lang>/triage.yaml), each naming its clinical source;
this module only evaluates them, so the clinical logic can be read and reviewed in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from assistant.nlu.language import LEVELS, Language

_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


@dataclass(frozen=True)
class Finding:
    """One rule that held."""

    rule: str
    level: str
    source: str
    reason: str  #: why it matters, plain words
    slots: tuple[str, ...]  #: the slots that made it hold (to quote the person)


def severity(level: str) -> int:
    """Bigger is more serious: normal 0 ... emergency 3."""
    return len(LEVELS) - 1 - LEVELS.index(level)


def most_serious(levels: list[str]) -> str:
    return max(levels, key=severity) if levels else "normal"


def condition_holds(slots: Mapping[str, Any], when: Mapping[str, Any]) -> bool:
    """Every test in `when` holds. A slot never asked (absent) matches nothing; None is "unknown"."""
    for slot, test in when.items():
        if slot not in slots:
            return False
        value = slots[slot]
        if test == "unknown":
            if value is not None:
                return False
        elif value is None:
            return False
        elif isinstance(test, dict):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            if not all(_OPS[op](value, num) for op, num in test.items()):
                return False
        elif isinstance(test, list):
            if value not in test:
                return False
        elif value != test:
            return False
    return True


def ceilings(lang: Language) -> dict[str, int]:
    """For each slot, the severity of the most serious level any answer to it can lead to."""
    out: dict[str, int] = {}
    for rule in lang.rules:
        for slot in rule.when:
            out[slot] = max(out.get(slot, 0), severity(rule.level))
    for slot in lang.unknown_rule.get("slots", []):
        out[slot] = max(out.get(slot, 0), severity(str(lang.unknown_rule["level"])))
    return out


def topics(lang: Language, slots: Sequence[str], most: int = 3) -> str:
    """The signs `slots` name, as one short spoken list ("a, b and 2 more")."""
    names = [lang.questions[s].topic for s in slots]
    if len(names) > most:
        names = names[:most - 1] + [lang.lines["more_signs"].format(n=len(names) - most + 1)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " " + lang.lines["and"] + " " + names[-1]


def evaluate(lang: Language, slots: Mapping[str, Any], complete: bool = True,
             extra: Sequence[Finding] = (), unasked: Sequence[str] | None = None) -> tuple[str, list[Finding]]:
    """The level and every finding, most serious first.

    `complete` is False when the check-in stopped early: then a sign that was never asked and
    could still have raised the verdict (`unasked`; by default the warning signs not in `slots`)
    keeps the level at least at the `incomplete` rule's level, and the reason names those signs.
    """
    findings = [
        Finding(r.id, r.level, r.source, r.reason, tuple(r.when))
        for r in lang.rules
        if condition_holds(slots, r.when)
    ]
    findings += list(extra)
    unk = lang.unknown_rule
    for slot in unk.get("slots", []):
        if slot in slots and slots[slot] is None:
            topic = lang.questions[slot].topic
            findings.append(Finding(f"unknown_{slot}", unk["level"], unk["source"],
                                    str(unk["reason"]).format(topic=topic), (slot,)))
    if not complete:
        inc = lang.incomplete_rule
        missing = list(unasked) if unasked is not None else [s for s in red_flag_slots(lang) if s not in slots]
        if missing:
            findings.append(Finding("incomplete", inc["level"], inc["source"],
                                    inc["reason"].format(topics=topics(lang, missing)), ()))
    findings.sort(key=lambda f: -severity(f.level))
    return most_serious([f.level for f in findings]), findings


def red_flag_slots(lang: Language) -> dict[str, str]:
    """Slots whose plain "yes" alone means urgent or emergency, with that level."""
    out: dict[str, str] = {}
    for r in lang.rules:
        if severity(r.level) >= severity("urgent") and len(r.when) == 1:
            ((slot, test),) = r.when.items()
            if test is True:
                out[slot] = most_serious([r.level, out.get(slot, "normal")])
    return out
