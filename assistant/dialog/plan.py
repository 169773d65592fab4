"""Which question comes next: the plan in intents/, screens, drill-downs, and nothing that cannot matter.

Red-flag screens come first; after them a question is asked only while its answer could still
raise the verdict (a person already sent to a doctor is not asked five more doctor-level
questions), plus the few context slots the record and follow-ups need. That is what keeps an
ordinary check-in short without asking any warning sign less.
"""
from __future__ import annotations

from typing import Any, Mapping

from assistant.nlu.language import Language
from assistant.triage.rules import ceilings, condition_holds, severity


class Planner:
    """Picks the next item of the plan (a slot or a screen) for the answers so far."""

    def __init__(self, lang: Language, always_ask: set[str] | None = None):
        self.lang = lang
        self.ceiling = ceilings(lang)
        self.always_ask = set(always_ask or ())
        self._context = set(lang.context) | self.always_ask

    def _worth_asking(self, slot: str, slots: Mapping[str, Any], level: str) -> bool:
        if slot in slots:
            return False
        q = self.lang.questions[slot]
        if slot not in self.always_ask and q.ask_if and not any(condition_holds(slots, c) for c in q.ask_if):
            return False
        if self.ceiling.get(slot, 0) > severity(level):
            return True
        return slot in self._context and severity(level) < severity("urgent")

    def open_slots(self, slots: Mapping[str, Any], level: str) -> list[str]:
        """Every slot still worth asking at this level, in the drill-down order (what a stop leaves out)."""
        return [s for s in self.lang.order if self._worth_asking(s, slots, level)]

    def next_item(self, slots: Mapping[str, Any], screened: set[str], level: str) -> str | None:
        """The next slot or screen name to ask, or None when nothing left could change the outcome."""
        for item in self.lang.plan:
            screen = self.lang.screens.get(item)
            if screen is None:
                if self._worth_asking(item, slots, level):
                    return item
                continue
            open_slots = [s for s in screen.slots if self._worth_asking(s, slots, level)]
            if not open_slots:
                continue
            if item not in screened and len(open_slots) >= 2:
                return item
            return next(s for s in self.lang.order if s in open_slots)
        return None
