"""Out-of-grammar rejection: every threshold in one place, with the data behind it.

Why: a grammar decoder always returns its nearest phrase, so "go" answers a
yes/no question. Measured on /work/shared/speech (Speech Commands + FSDD,
assistant/bench/engines.py), pocketsphinx with a bare grammar accepted 69 % of
go/up/down/on/off; a phone loop as garbage model rejected well but decoded
~150x slower (2.4 s per one-second clip), too slow for a Pi. What is kept:

* pocketsphinx: a ``<garbage>`` alternative of common short English words
  (not the test words when benchmarking), minus any word whose pronunciation
  is within ``SPHINX_GARBAGE_MIN_PHONE_DISTANCE`` phones of a grammar word
  (so "let" does not steal "left"), weighted ``SPHINX_GARBAGE_WEIGHT``; a
  hypothesis that is garbage, or a partial phrase, is rejected.
* Vosk: ``[unk]`` in the grammar where the model knows it, and a minimum mean
  word confidence ``VOSK_MIN_CONFIDENCE``.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

#: Weight of the garbage alternative against the answers (JSGF weight).
#: assistant/bench/engines.py, all 448 answer clips and 225 go/up/down/on/off trials:
#: this setting -> 54.7 % correct, 5.3 % false accepts (8.9 % when the five test
#: words are held out of the garbage list); no garbage -> 81.9 % correct, 66.2 % FA.
#: Below ~1e-25 the weight underflows and the garbage has no effect.
SPHINX_GARBAGE_WEIGHT = 1e-12

#: Garbage words this close (phone edit distance) to a grammar word are left out.
SPHINX_GARBAGE_MIN_PHONE_DISTANCE = 1

#: Vosk: reject when the mean word confidence is below this.
VOSK_MIN_CONFIDENCE = 0.6

#: Common short English words that stand for "something other than an answer".
GARBAGE_WORDS: tuple[str, ...] = tuple(
    """a about after again all also am an and any are as ask at away bad be bed been best big bit
book boy but buy by call came can car cat come could cut day did do does dog done door down eat end
even fall far fast feel few find fine fish fit fly food foot form free from full fun game gave get
girl give glad go god going gone good got great had hand has hat have he head hear her here him his
hit hold home hot house how if in into is it its job just keep kid kind knew land last late law lay
lead leg less let life like line little live long look lot love low made make man many may me mean
men met might mind miss more most much must my name near need net new next nice night not now of off
oh old on once only open or our out over own page part pay pen people pick place plan play please put
ran read red rest rid road room run said same saw say see seem set she shop should show shut sit so
some son soon sort start stay still such sun sure take talk tell than thank that the them then there
these they thing think this those though time today told too took top try turn up us use very wait
walk want was way we well went were what when where which while who why will wish with word work
would yet you your""".split()
)


def phone_distance(a: str, b: str) -> int:
    """Edit distance between two space-separated phone strings."""
    x, y = a.split(), b.split()
    row = list(range(len(y) + 1))
    for i, p in enumerate(x, 1):
        prev, row[0] = row[:], i
        for j, q in enumerate(y, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (p != q))
    return row[-1]


def select_garbage(
    grammar_words: Iterable[str],
    pronunciations: Callable[[str], Sequence[str]],
    exclude: Iterable[str] = (),
    min_distance: int = SPHINX_GARBAGE_MIN_PHONE_DISTANCE,
) -> list[str]:
    """Garbage words that sound clearly different from every grammar word."""
    gwords = set(grammar_words)
    gprons = [p for w in gwords for p in pronunciations(w)]
    skip = gwords | set(exclude)
    out = []
    for w in GARBAGE_WORDS:
        prons = pronunciations(w)
        if w in skip or not prons:
            continue
        if all(phone_distance(p, q) > min_distance for p in prons for q in gprons):
            out.append(w)
    return out
