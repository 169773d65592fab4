"""A small multilayer perceptron trained with plain numpy (no training framework to install).

Why numpy: the classifier is one hidden layer over ~300 features; Adam on mini-batches trains it
in seconds, and the same arrays are all a Raspberry Pi needs to run it.
"""
from __future__ import annotations

import numpy as np

from assistant.speech.answer_model import Mlp, softmax


def train_mlp(x: np.ndarray, y: np.ndarray, n_classes: int, *, hidden: int = 128, epochs: int = 60,
              batch: int = 128, lr: float = 2e-3, weight_decay: float = 1e-4, dropout: float = 0.3,
              seed: int = 0) -> Mlp:
    """Cross-entropy training with Adam, dropout on the hidden layer and L2 weight decay."""
    rng = np.random.default_rng(seed)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    xs = ((x - mean) / scale).astype(np.float32)
    d = xs.shape[1]
    params = {
        "w1": (rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": (rng.standard_normal((hidden, n_classes)) * np.sqrt(1.0 / hidden)).astype(np.float32),
        "b2": np.zeros(n_classes, np.float32),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(xs))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            xb, tb = xs[idx], onehot[idx]
            pre = xb @ params["w1"] + params["b1"]
            h = np.maximum(0.0, pre)
            mask = (rng.random(h.shape) >= dropout).astype(np.float32) / (1.0 - dropout)
            hd = h * mask
            p = softmax(hd @ params["w2"] + params["b2"])
            g = (p - tb) / len(idx)
            grads = {"w2": hd.T @ g, "b2": g.sum(axis=0)}
            gh = (g @ params["w2"].T) * mask * (pre > 0)
            grads["w1"] = xb.T @ gh
            grads["b1"] = gh.sum(axis=0)
            step += 1
            for k in params:
                gk = grads[k] + (weight_decay * params[k] if k.startswith("w") else 0.0)
                m[k] = 0.9 * m[k] + 0.1 * gk
                v[k] = 0.999 * v[k] + 0.001 * gk * gk
                mh = m[k] / (1 - 0.9 ** step)
                vh = v[k] / (1 - 0.999 ** step)
                params[k] -= lr * mh / (np.sqrt(vh) + 1e-8)
    return Mlp(mean.astype(np.float32), scale.astype(np.float32), **params)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises held-out log loss (calibrated confidences)."""
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.3), np.log(5.0), 60)):
        p = softmax(logits, t)
        nll = -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))
        if nll < best:
            best, best_t = nll, float(t)
    return best_t
