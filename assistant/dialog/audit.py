"""`backcheck audit`: run vignettes (scripted people) through the whole text conversation.

The simulated person follows the contract: when asked about a slot the vignette does not list,
they say "no" to a yes/no question and "I'm not sure" to anything else; asked one question that
covers several slots, they say the listed answers of those slots in the contract's slot order,
joined with ". " (or the default when none is listed).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any, Mapping, Sequence

from assistant.dialog.conversation import Conversation, Expectation, Heard
from assistant.dialog.runner import SilentMouth, run_checkin
from assistant.nlu.datafile import IntentDataError, load_yaml
from assistant.nlu.language import CONTRACT_SLOTS, LEVELS, Language
from assistant.nlu.understand import Understander
from assistant.triage.rules import severity

DEFAULT_NO = "no"
DEFAULT_UNSURE = "I'm not sure"


class AuditFileError(Exception):
    """The audit file cannot be used; the message says which vignette and what is wrong."""


@dataclass(frozen=True)
class Vignette:
    id: str
    answers: dict[str, str]
    expect: str | None
    at_least: str | None
    note: str = ""
    at: str | None = None  #: optional ISO time of the check-in (for --record)


@dataclass(frozen=True)
class AuditResult:
    vignette: Vignette
    level: str
    reasons: list[str]
    slots: dict[str, Any]
    questions: int

    @property
    def passed(self) -> bool:
        v = self.vignette
        if v.expect is not None:
            return self.level == v.expect
        return severity(self.level) >= severity(v.at_least or "normal")

    def as_json(self) -> dict[str, Any]:
        return {"id": self.vignette.id, "expect": self.vignette.expect, "at_least": self.vignette.at_least,
                "level": self.level, "reasons": self.reasons, "slots": self.slots, "questions": self.questions}


def load_vignettes(path: Path) -> list[Vignette]:
    """Read and check an audit file; raise AuditFileError with a clear message."""
    if not Path(path).is_file():
        what = "is a folder, not a file" if Path(path).is_dir() else "no such file (the audit file is missing)"
        raise AuditFileError(f"{path}: {what}; give an audit file (a YAML list of vignettes, see the contract's "
                             "audit format), e.g. ../shared/vignettes/dev.yaml")
    try:
        data = load_yaml(path)
    except IntentDataError as exc:
        raise AuditFileError(str(exc)) from None
    if not isinstance(data, list) or not data:
        raise AuditFileError(f"{path}: expected a non-empty list of vignettes (see the contract's audit format)")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(data):
        where = f"{path}: vignette #{i + 1}"
        if not isinstance(item, dict):
            raise AuditFileError(f"{where}: must be a mapping with id, answers and expect or at_least")
        vid = item.get("id")
        if not isinstance(vid, str) or not vid:
            raise AuditFileError(f"{where}: missing 'id'")
        where = f"{path}: vignette '{vid}'"
        if vid in seen:
            raise AuditFileError(f"{where}: id used twice")
        seen.add(vid)
        answers = item.get("answers") or {}
        if not isinstance(answers, dict):
            raise AuditFileError(f"{where}: 'answers' must map slot names to what the person says")
        for slot, words in answers.items():
            if slot not in CONTRACT_SLOTS:
                raise AuditFileError(f"{where}: unknown slot '{slot}' (known: {', '.join(CONTRACT_SLOTS)})")
            if not isinstance(words, (str, int, float)) or isinstance(words, bool):
                raise AuditFileError(f"{where}: answer for '{slot}' must be the words said, in quotes")
        expect, at_least = item.get("expect"), item.get("at_least")
        if (expect is None) == (at_least is None):
            raise AuditFileError(f"{where}: give exactly one of 'expect' or 'at_least'")
        level = expect if expect is not None else at_least
        if level not in LEVELS:
            raise AuditFileError(f"{where}: level '{level}' is not one of {', '.join(LEVELS)}")
        at = item.get("at")
        out.append(Vignette(vid, {k: str(v) for k, v in answers.items()}, expect, at_least,
                            str(item.get("note") or ""), str(at) if at is not None else None))
    return out


def scripted_answer(lang: Language, answers: Mapping[str, str], slots: Sequence[str]) -> str:
    """What a scripted person says to a question covering `slots`, exactly as the contract says.

    The listed answers of those slots, in the contract's slot order, joined with ". "; when none
    is listed, "no" if any of them is a yes/no slot, else "I'm not sure".
    """
    listed = [answers[s] for s in CONTRACT_SLOTS if s in slots and s in answers]
    if listed:
        return ". ".join(listed)
    return DEFAULT_NO if any(lang.questions[s].kind == "yesno" for s in slots) else DEFAULT_UNSURE


class VignetteEar:
    """A scripted person answering from a vignette, per the contract's rules."""

    def __init__(self, lang: Language, vignette: Vignette):
        self.lang = lang
        self.vignette = vignette

    def hear(self, expecting: Expectation) -> Heard | None:
        if expecting.slot is None:
            return None
        return Heard(scripted_answer(self.lang, self.vignette.answers, expecting.slots or (expecting.slot,)))


def run_vignette(lang: Language, nlu: Understander, vignette: Vignette) -> AuditResult:
    conv = Conversation(lang, nlu)
    result = run_checkin(conv, VignetteEar(lang, vignette), SilentMouth())
    return AuditResult(vignette, result.verdict.level, list(result.verdict.reasons), result.slots, result.questions)


def run_audit(lang: Language, vignettes: list[Vignette]) -> list[AuditResult]:
    nlu = Understander(lang)
    return [run_vignette(lang, nlu, v) for v in vignettes]


def format_results(results: list[AuditResult]) -> str:
    """A table a person reads: one line per vignette, then the totals."""
    lines = [f"{'':4}{'vignette':34} {'wanted':18} {'got':10} {'questions':>9}"]
    for r in results:
        v = r.vignette
        wanted = v.expect if v.expect else f">= {v.at_least}"
        mark = "ok" if r.passed else "XX"
        lines.append(f"{mark:4}{v.id[:34]:34} {wanted:18} {r.level:10} {r.questions:>9}")
        if not r.passed:
            for reason in r.reasons:
                lines.append(f"{'':6}{reason}")
    lines += question_figures(results)
    missed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - missed} passed, {missed} failed")
    return "\n".join(lines)


def question_figures(results: list[AuditResult]) -> list[str]:
    """How long the check-in was: questions asked (re-asks included), for normal and concerning vignettes.

    "Normal" means the vignette expects `normal`; every other vignette is "concerning".
    """
    groups = {"normal": [r.questions for r in results if r.vignette.expect == "normal"],
              "concerning": [r.questions for r in results if r.vignette.expect != "normal"]}
    return [f"questions asked, {name} vignettes: median {median(counts):g}, max {max(counts)} ({len(counts)} vignettes)"
            for name, counts in groups.items() if counts]
