"""Turn a level and its findings into what BackCheck says at the end.

Reasons quote the person's own words, because "you said it shoots down your leg" is easier to
trust and act on than a rule name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from assistant.nlu.language import Language
from assistant.triage.rules import Finding, ceilings, evaluate, topics

#: Slots whose words best show why an answer looks like ordinary soreness.
_NORMAL_QUOTES = ("hours_since_workout", "onset", "quality")


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check-in, ready to be spoken or printed."""

    level: str
    headline: str
    action: str
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    disclaimer: str
    findings: tuple[Finding, ...]

    def text(self, lang: Language) -> str:
        """The verdict as lines for a terminal (and, joined, for speech)."""
        lines = [f"{self.headline} {self.action}", lang.lines["reasons_heading"]]
        lines += [f"  - {r}" for r in self.reasons]
        lines.append(lang.lines["next_heading"])
        lines += [f"  - {a}" for a in self.advice]
        lines.append(self.disclaimer)
        return "\n".join(lines)

    def speech(self, lang: Language) -> str:
        """The same words, without list marks, for text-to-speech."""
        parts = [self.headline, self.action, *self.reasons, *self.advice, self.disclaimer]
        return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)


def _quoted(words: str) -> str:
    return f'"{words.strip()}"'


def reason_text(lang: Language, finding: Finding, quotes: Mapping[str, str]) -> str:
    said = [_quoted(quotes[s]) for s in finding.slots if quotes.get(s)]
    if not said:
        text = finding.reason[0].upper() + finding.reason[1:]
        return text if text.endswith(".") else text + "."
    return f"{lang.lines['you_said']} {' and '.join(dict.fromkeys(said))}: {finding.reason}."


def decide(lang: Language, slots: Mapping[str, Any], quotes: Mapping[str, str], complete: bool = True,
           extra: Sequence[Finding] = (), unasked: Sequence[str] | None = None) -> Verdict:
    """Evaluate the rules (plus `extra` findings, e.g. from earlier check-ins) and word the result.

    A "normal" verdict with a sign that could have raised it left unknown (a pain score nobody
    could put a number on, the trend) says so: uncertainty never hides inside "ordinary soreness".
    """
    level, findings = evaluate(lang, slots, complete, extra, unasked)
    top = [f for f in findings if f.level == level]
    if top:
        reasons = tuple(dict.fromkeys(reason_text(lang, f, quotes) for f in top))
    else:
        said = [_quoted(quotes[s]) for s in _NORMAL_QUOTES if quotes.get(s)]
        reasons = (lang.normal_reason.format(quotes=", ".join(said) or "nothing worrying") + ".",)
        ceiling = ceilings(lang)
        unsure = [s for s in lang.order if s in slots and slots[s] is None and ceiling.get(s, 0) > 0]
        if unsure:
            reasons += (lang.lines["unknown_caveat"].format(topics=topics(lang, unsure)),)
    info = lang.levels[level]
    return Verdict(level, info["headline"], info["action"], reasons, lang.advice[level], lang.disclaimer,
                   tuple(findings))
