"""`backcheck train meaning`: fit the meaning model's heads from the examples in intents/ (seconds).

Each question gets a softmax-regression head over the answer vectors of
``assistant/nlu/meaning.py``: a slot's head from its examples in ``meanings.yaml``, its phrasings
in ``questions.yaml`` and (yes/no slots) the plain yes / no / not sure of ``common.yaml``; a
screen's head from its slots' examples, a "yes" labelled with the slot it describes. Deterministic
(L-BFGS from zeros), so the same data always gives the same file; the file records the SHA-256 of
the data it was trained on, and a test fails when the data changed without retraining.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.nlu.language import Language, load_language
from assistant.nlu.examples import slot_examples, topic_examples
from assistant.nlu.meaning import HEADS_PATH, TABLE_PATH, TOPIC, WordVectors, file_sha256, heads_wanted

#: Inverse L2 strength, as scikit-learn's C: the penalty is |w|^2 / (2 C) against the summed log-loss.
C = 100.0
#: Data files a head is trained from (their SHA-256 is kept with the heads).
DATA_FILES = ("meanings.yaml", "questions.yaml", "common.yaml")


def examples_sha256(lang: Language) -> str:
    h = hashlib.sha256()
    for name in DATA_FILES:
        h.update((lang.root / name).read_bytes())
    return h.hexdigest()


def screen_examples(lang: Language, slots: Sequence[str]) -> list[tuple[str, str]]:
    """A screen's pairs: a described "yes" names its slot; "no" and "unknown" are shared."""
    pairs = []
    for slot in slots:
        for text, label in slot_examples(lang, slot):
            if label == "yes" and text in lang.yes:
                continue  # a plain yes to a screen does not say which sign
            pairs.append((text, slot if label == "yes" else label))
    return pairs


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int, c: float = C) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with an L2 penalty on the weights (not the bias), by L-BFGS."""
    from scipy.optimize import minimize  # training only: the assistant needs no SciPy

    n, d = x.shape
    l2 = 1.0 / (c * n)
    onehot = np.eye(classes)[y]
    # every label weighs the same in total, however many examples it has ("other" has thousands)
    weight = (n / (classes * np.maximum(onehot.sum(0), 1)))[y][:, None]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[:classes * d].reshape(classes, d)
        b = theta[classes * d:]
        z = x @ w.T + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        nll = -np.sum(weight * onehot * np.log(p + 1e-12)) / n + 0.5 * l2 * np.sum(w * w)
        g = weight * (p - onehot) / n
        return nll, np.concatenate([(g.T @ x + l2 * w).ravel(), g.sum(0)])

    res = minimize(loss, np.zeros(classes * (d + 1)), jac=True, method="L-BFGS-B",
                   options={"maxiter": 2000, "gtol": 1e-7})
    return res.x[:classes * d].reshape(classes, d), res.x[classes * d:]


def train(lang: Language, table: Path = TABLE_PATH, out: Path = HEADS_PATH) -> dict[str, int]:
    vectors = WordVectors(table)
    arrays: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    wanted = heads_wanted(lang)
    for name, labels in wanted.items():
        screen = lang.screens.get(name)
        if name == TOPIC:
            pairs = topic_examples(lang)
        else:
            pairs = screen_examples(lang, screen.slots) if screen else slot_examples(lang, name)
        pairs = sorted(set(pairs))
        x = np.stack([vectors.vector(t) for t, _ in pairs])
        y = np.array([labels.index(label) for _, label in pairs])
        w, b = fit_softmax(x, y, len(labels))
        arrays[f"{name}.weights"] = w.astype(np.float32)
        arrays[f"{name}.bias"] = b.astype(np.float32)
        counts[name] = len(pairs)
    meta = {"heads": {k: list(v) for k, v in wanted.items()}, "table_sha256": file_sha256(table),
            "examples_sha256": examples_sha256(lang), "C": C, "examples": counts}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="backcheck train meaning", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=HEADS_PATH)
    args = ap.parse_args(argv)
    counts = train(load_language(), out=args.out)
    print(f"train meaning: wrote {args.out}: {len(counts)} heads from {sum(counts.values())} examples",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
