"""Understanding throughput and per-turn cost of a whole check-in (not a test: prints a table).

Targets (issue #2): >= 10,000 utterances/s through understanding; <= 5 ms per turn for a whole
check-in's understanding and triage.
Run: python -m assistant.bench.understanding
"""
from __future__ import annotations

import platform
import statistics
import time
from pathlib import Path

from assistant.dialog.audit import VignetteEar, load_vignettes
from assistant.dialog.conversation import Conversation
from assistant.dialog.runner import SilentMouth, run_checkin
from assistant.nlu.language import load_language
from assistant.nlu.understand import Understander

REPO = Path(__file__).resolve().parents[2]


def corpus(lang) -> list[tuple[str, str]]:
    """Every phrasing in intents/ against its own question, plus sentences with filler and numbers."""
    items = []
    for slot, q in lang.questions.items():
        for phrases in q.answers.values():
            items += [(p, slot) for p in phrases]
        items += [(f"um, I guess {p}", slot) for p in list(lang.yes)[:5] + list(lang.no)[:5]]
    items += [("about a six out of ten", "pain_score"), ("two and a half days ago", "hours_since_workout"),
              ("yesterday afternoon, so maybe twenty hours", "hours_since_workout"),
              ("not sharp, more of an ache", "quality"), ("a sharp pain down my left leg", "quality")]
    return items


def main() -> None:
    lang = load_language()
    nlu = Understander(lang)
    items = corpus(lang)
    for text, slot in items:  # warm the caches the way a running assistant has them warm
        nlu.understand(text, slot)
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        for text, slot in items:
            nlu.understand(text, slot)
        rounds.append(len(items) / (time.perf_counter() - t0))
    throughput = statistics.median(rounds)

    vignette_files = [REPO / "tests" / "vignettes" / "hard.yaml", REPO.parent / "shared" / "vignettes" / "dev.yaml"]
    vignettes = [v for f in vignette_files if f.is_file() for v in load_vignettes(f)]
    per_turn = []
    for v in vignettes:
        conv = Conversation(lang, nlu)
        t0 = time.perf_counter()
        run_checkin(conv, VignetteEar(lang, v), SilentMouth())
        per_turn.append((time.perf_counter() - t0) / max(1, conv.turns) * 1000)

    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"{'measure':44} {'value':>12} {'target':>10}")
    print(f"{'understanding throughput (utterances/s)':44} {throughput:12,.0f} {'>= 10,000':>10}")
    print(f"{'utterances in corpus':44} {len(items):12d}")
    print(f"{'check-in: understanding+triage per turn, median':44} {statistics.median(per_turn):10.3f}ms {'<= 5 ms':>10}")
    print(f"{'check-in: per turn, worst vignette':44} {max(per_turn):10.3f}ms")
    print(f"{'vignettes':44} {len(vignettes):12d}")


if __name__ == "__main__":
    main()
