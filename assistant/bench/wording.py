"""Answers in other people's wording, scored through the whole conversation (not a test: prints a table).

Each answer is put into an otherwise ordinary check-in (the way ``../shared/hooks/before-stop`` and
the hidden sets judge it): the slot's final value is compared with the expected one, an answer read
as milder than it was said is counted on its own, and so is the longest check-in.
A second table scores tests/non-answers.yaml: lone words and chatter that answer nothing, put to
every question, should never be taken as an answer.
Run: python -m assistant.bench.wording FILE.yaml [FILE.yaml ...]  (default: every answers file found)
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.dialog.audit import Vignette, run_vignette
from assistant.nlu.datafile import load_yaml
from assistant.nlu.language import CONTRACT_SLOTS, Language, load_language
from assistant.nlu.understand import Understander
from assistant.triage.rules import severity

REPO = Path(__file__).resolve().parents[2]
#: An ordinary-soreness check-in the answer under test is put into.
ORDINARY = {"hours_since_workout": "about fourteen hours ago", "onset": "it came on gradually",
            "pain_score": "three", "quality": "a dull ache", "trend": "better"}
#: Choice values from mildest to most serious, for "milder than said".
RANK = {"onset": ["gradual", "sudden"], "quality": ["dull", "sharp"], "trend": ["better", "same", "worse"]}


@dataclass
class SlotScore:
    """How one slot's answers came out."""

    total: int = 0
    right: int = 0
    milder: list[str] = field(default_factory=list)
    milder_verdict: list[str] = field(default_factory=list)  #: a less serious level than the plain answer's
    misses: list[str] = field(default_factory=list)
    most_questions: int = 0


def matches(got: Any, want: Any) -> bool:
    """`got` is what `want` means: a number inside a [low, high] range, else equal (True is not 1)."""
    number = isinstance(got, (int, float)) and not isinstance(got, bool)
    if isinstance(want, list) and len(want) == 2:
        return number and want[0] <= got <= want[1]
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return number and abs(got - want) < 0.1
    return got == want and type(got) is type(want)


def is_milder(slot: str, got: Any, want: Any) -> bool:
    """True when `got` would send the person somewhere less careful than `want` does."""
    if got is None or matches(got, want):
        return False  # not sure is never milder: it is asked again, then counts as a reason to check
    kind = CONTRACT_SLOTS[slot]
    if kind == "yesno":
        return got is False
    if kind in ("number", "duration"):
        low = want[0] if isinstance(want, list) else want
        return want is None or got < low
    if slot in RANK:
        return want is None or RANK[slot].index(got) < RANK[slot].index(want)
    return False


def vignette_for(slot: str, text: str, vid: str) -> Vignette:
    """An ordinary check-in where `slot` is answered with `text` (and the slots it depends on are set)."""
    answers = {k: v for k, v in ORDINARY.items() if k != slot}
    answers[slot] = text
    if slot == "trend":
        answers["hours_since_workout"] = "about sixty hours ago"  # the trend is only asked after 48 hours
    if slot == "side":
        answers["leg_symptoms"] = "yes"  # the side is only asked where there is leg pain
    return Vignette(vid, answers, None, "normal")


def plain_words(want: Any) -> str:
    """The plainest way to say an expected value, for the verdict it should lead to."""
    if want is None:
        return "I'm not sure"
    if isinstance(want, bool):
        return "yes" if want else "no"
    if isinstance(want, list):
        return f"{max(want)} hours"
    return str(want)


def score_file(lang: Language, nlu: Understander, path: Path) -> dict[str, SlotScore]:
    """Every answer of one answers file, per slot."""
    out: dict[str, SlotScore] = {}
    for slot, rows in load_yaml(path).items():
        score = out.setdefault(slot, SlotScore())
        for i, (text, want) in enumerate(rows):
            result = run_vignette(lang, nlu, vignette_for(slot, str(text), f"{slot}-{i}"))
            got = result.slots.get(slot)
            score.total += 1
            score.most_questions = max(score.most_questions, result.questions)
            if matches(got, want):
                score.right += 1
                continue
            line = f"{slot}: {text!r} -> {got!r}, meant {want!r}"
            score.misses.append(line)
            if is_milder(slot, got, want):
                score.milder.append(line)
            plain = run_vignette(lang, nlu, vignette_for(slot, plain_words(want), f"{slot}-{i}-plain"))
            if severity(result.level) < severity(plain.level):
                score.milder_verdict.append(f"{line} ({result.level}, plainly said: {plain.level})")
    return out


NON_ANSWERS = REPO / "tests" / "non-answers.yaml"


def non_answers(lang: Language, nlu: Understander, path: Path = NON_ANSWERS) -> dict[str, tuple[int, list[str]]]:
    """Per kind of `path` ("words", "chatter"): (how many tries, the tries taken as an answer). Each
    utterance is put to every question; a word also doubled ("up, up", as Whisper writes one word on a
    short clip)."""
    out: dict[str, tuple[int, list[str]]] = {}
    for kind, said in load_yaml(path).items():
        said = [str(w) for w in said]
        if kind == "words":
            said += [f"{w}, {w}" for w in said]
        taken = [f"{slot}: {text!r} -> {u.slots}" for slot in lang.questions for text in said
                 if (u := nlu.understand(text, slot)).intent == "answer"]
        out[kind] = (len(said) * len(lang.questions), taken)
    return out


def default_files() -> list[Path]:
    shared = REPO.parent / "shared" / "vignettes" / "answers-dev.yaml"
    return [p for p in [shared, *sorted((REPO / "tests" / "answers").glob("*.yaml"))] if p.is_file()]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    show = "--misses" in args
    files = [Path(a) for a in args if not a.startswith("--")] or default_files()
    lang = load_language()
    nlu = Understander(lang)
    print(f"{'answers file':34} {'answers':>7} {'understood':>10} {'milder':>6} {'milder verdict':>14} "
          f"{'most questions':>14} {'ms/answer':>9}")
    for path in files:
        t0 = time.perf_counter()
        scores = score_file(lang, nlu, path)
        took = time.perf_counter() - t0
        total = sum(s.total for s in scores.values())
        right = sum(s.right for s in scores.values())
        milder = sum(len(s.milder) for s in scores.values())
        verdict = sum(len(s.milder_verdict) for s in scores.values())
        most = max(s.most_questions for s in scores.values())
        print(f"{path.name[:34]:34} {total:7d} {right / total:10.1%} {milder:6d} {verdict:14d} {most:14d} "
              f"{took / total * 1000:9.2f}")
        if show:
            for slot, s in scores.items():
                print(f"  {slot:22} {s.right}/{s.total}")
                for line in s.misses:
                    print(f"    {'MILDER ' if line in s.milder else ''}{line}")
                for line in s.milder_verdict:
                    print(f"    VERDICT {line}")
    if NON_ANSWERS.is_file():
        print()
        for kind, (tries, taken) in non_answers(lang, nlu).items():
            print(f"{'non-answers: ' + kind:34} {tries:7d} tries, {len(taken)} taken as an answer "
                  f"({len(taken) / tries:.1%})")
            for line in taken if show else ():
                print(f"    {line}")


if __name__ == "__main__":
    main()
