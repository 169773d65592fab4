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
* pocketsphinx inside the fused engine: the same list at ``FUSED_GARBAGE_WEIGHT``, and a second
  look at every answer that only the grammar heard (a phrase, "both", "ten"; the classifier
  decides its own words) with 1,000 more garbage words (``garbage_words_en.txt``); if that
  decode hears garbage, the answer is asked again. `backcheck bench --answers-only` (held-out
  speakers; held-out words kept out of every garbage list): never-seen words taken as answers
  101 -> 63 of 945, off-topic sentences 7 -> 1 of 30, other command words 9 -> 6 of 483; clean
  accuracy unchanged (digits +1 clip), in gym noise 2 fewer of 726 clips at 12 dB and at 6 dB;
  simulated, phrase answers in flite and festival voices: 5 of 140 (yes/no) and 1 of 98 (side)
  fewer. The wide list costs ~60 ms of decoding (~30 ms with the short list), so only those
  answers pay it; one wide search is kept at a time (each holds ~10 MB while decoding).
* Vosk: ``[unk]`` in the grammar where the model knows it, and a minimum mean
  word confidence ``VOSK_MIN_CONFIDENCE``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

#: Weight of the garbage alternative against the answers (JSGF weight).
#: assistant/bench/engines.py, all 448 answer clips and 225 go/up/down/on/off trials:
#: this setting -> 54.7 % correct, 5.3 % false accepts (8.9 % when the five test
#: words are held out of the garbage list); no garbage -> 81.9 % correct, 66.2 % FA.
#: Below ~1e-25 the weight underflows and the garbage has no effect.
SPHINX_GARBAGE_WEIGHT = 1e-12

#: Garbage weight for pocketsphinx inside the fused engine, and for its second look. For it the
#: classifier hears the answer words, so rejecting more costs few answers: 1e-12 -> 30 took
#: never-seen words taken as answers 99 -> 89 and off-topic sentences 7 -> 3 (simulated, as above)
#: at no cost in clean accuracy; alone, pocketsphinx keeps SPHINX_GARBAGE_WEIGHT (at 30 its
#: left/right fell 56.5 -> 49.4 %). Weights from 1 to 1e5 gave the same figures within 4 probes.
FUSED_GARBAGE_WEIGHT = 30.0

#: The wide garbage vocabulary of the second look (how it was made: the file's header).
WIDE_GARBAGE_FILE = Path(__file__).resolve().parent / "garbage_words_en.txt"

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


@lru_cache(maxsize=4)
def wide_garbage_words(path: Path = WIDE_GARBAGE_FILE) -> tuple[tuple[str, ...], str]:
    """The short list plus the 1,000 words of ``path`` (comments skipped), and a problem or "".

    A missing or unreadable file is not fatal: the second look then uses the short list (and
    rejects less); the problem sentence names the file and how to restore it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return GARBAGE_WORDS, (f"the garbage word list {path} cannot be read ({exc}); the second look at phrase "
                               "answers uses the short list. Restore it with `git checkout "
                               "assistant/speech/garbage_words_en.txt` or reinstall backcheck")
    extra = [w for line in text.splitlines() if not line.startswith("#") for w in line.split()]
    return tuple(dict.fromkeys([*GARBAGE_WORDS, *extra])), ""


def within_one_phone(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two phone sequences differ by at most one substitution, insertion or deletion.

    Why not :func:`phone_distance`: choosing from the 1,300 wide garbage words compares each with
    every pronunciation of a question's grammar; the full edit distance took ~0.8 s per question.
    """
    if len(a) < len(b):
        a, b = b, a
    if len(a) - len(b) > 1:
        return False
    i = 0
    while i < len(b) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i + 1:] == b[i:]


def select_garbage(
    grammar_words: Iterable[str],
    pronunciations: Callable[[str], Sequence[str]],
    exclude: Iterable[str] = (),
    min_distance: int = SPHINX_GARBAGE_MIN_PHONE_DISTANCE,
    candidates: Sequence[str] = GARBAGE_WORDS,
) -> list[str]:
    """Garbage words (from ``candidates``) that sound clearly different from every grammar word."""
    gwords = set(grammar_words)
    gprons = [p for w in gwords for p in pronunciations(w)]
    skip = gwords | set(exclude)
    if min_distance == 1:
        by_length: dict[int, list[list[str]]] = {}
        for q in gprons:
            by_length.setdefault(len(q.split()), []).append(q.split())

        def clear(p: str) -> bool:
            phones = p.split()
            n = len(phones)
            return not any(within_one_phone(phones, q) for k in (n - 1, n, n + 1) for q in by_length.get(k, ()))
    else:
        def clear(p: str) -> bool:
            return all(phone_distance(p, q) > min_distance for q in gprons)
    out = []
    for w in candidates:
        prons = pronunciations(w)
        if w in skip or not prons:
            continue
        if all(clear(p) for p in prons):
            out.append(w)
    return out
