"""Turn benchmark records into results.json, a Markdown table a person reads, and an SNR plot."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.bench.corpus import DIGITS
from assistant.bench.runner import METHODS

#: The goals the figures are read against.
TARGETS: dict[str, str] = {
    "synthetic_clean": ">= 99 %",
    "synthetic_6db": ">= 97 %",
    "real_per_word": ">= 95 %",
    "false_accepts": "<= 1 %",
    "speech_end_to_prompt": "<= 150 ms",
    "rtf": "<= 0.05",
    "peak_memory": "<= 300 MB (Vosk small model)",
}
REAL_WORDS = ("yes", "no", "left", "right", *DIGITS)


def _cond_key(c: str) -> float:
    return 1e9 if c == "clean" else float(c.split()[0])


def _rate(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    n = len(rows)
    k = sum(1 for r in rows if r.get(key))
    return {"n": n, "hits": k, "rate": (k / n) if n else None}


def summarize(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy per engine, method and condition; per word for real voices; false-accept rates."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[(r["kind"], r["engine"], r["method"])].append(r)
    synthetic: dict[str, Any] = {}
    real: dict[str, Any] = {}
    rejects: dict[str, Any] = {}
    for (kind, engine, method), rows in sorted(groups.items()):
        if kind == "synthetic":
            by: dict[str, list[dict[str, Any]]] = defaultdict(list)
            noise: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                by[r["condition"]].append(r)
                if r.get("noise"):
                    noise[r["noise"]].append(r)
            synthetic.setdefault(engine, {})[method] = {
                "by_condition": {c: _rate(by[c], "correct") for c in sorted(by, key=_cond_key, reverse=True)},
                "by_noise": {k: _rate(v, "correct") for k, v in sorted(noise.items())},
                "rejected_by_condition": {c: _rate(by[c], "rejected") for c in sorted(by, key=_cond_key, reverse=True)},
            }
        elif kind == "real":
            by = defaultdict(list)
            for r in rows:
                by[r["condition"]].append(r)
            cell = {}
            for c in sorted(by, key=_cond_key, reverse=True):
                words: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for r in by[c]:
                    words[r["word"]].append(r)
                cell[c] = {"overall": _rate(by[c], "correct"),
                           "per_word": {w: _rate(words[w], "correct") for w in REAL_WORDS if w in words}}
            real.setdefault(engine, {})[method] = cell
        else:
            src: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                src[r["word"].split(":")[0] if r["word"] not in ("go", "up", "down", "on", "off") else "off-words"].append(r)
            rejects.setdefault(engine, {})[method] = {
                "fills_slot": _rate(rows, "fills_slot"),
                "acts": _rate(rows, "acts"),
                "by_source": {k: _rate(v, "fills_slot") for k, v in sorted(src.items())},
            }
    return {"synthetic": synthetic, "real": real, "false_accepts": rejects}


def _pct(cell: dict[str, Any] | None) -> str:
    if not cell or cell.get("rate") is None:
        return "–"
    return f"{100 * cell['rate']:.1f}"


def _conds(xs: Any) -> str:
    return ", ".join(x if isinstance(x, str) else f"{x:g} dB" for x in (xs or [])) or "every SNR"


def _ms(x: Any) -> str:
    return "–" if x is None else f"{1000 * x:.0f}"


def markdown(results: dict[str, Any]) -> str:
    """The tables of results.md (also printed by the command)."""
    meta, summ, speed = results["meta"], results["summary"], results["speed"]
    lines = [f"# BackCheck speech benchmark{' (quick slice)' if meta['quick'] else ''}", "",
             f"{meta['date']} · {meta['machine']} · Python {meta['python']} · engines: "
             f"{', '.join(meta['engines'])} · {meta['elapsed_s']:.0f} s", ""]
    lines += [f"Scoring as in the Picovoice speech-to-intent benchmark: an utterance counts only if the intent "
              f"and every slot are exactly what the understanding gives for the same phrase typed. Methods: "
              f"**{METHODS[0]}** = recogniser limited to the open question's grammar, then BackCheck's "
              f"understanding (the product); **{METHODS[1]}** = the naive skill: free-form recognition, then "
              f"exact keyword spotting; **{METHODS[2]}** = free-form recognition, then BackCheck's "
              "understanding.", ""]
    for note in meta.get("notes", []):
        lines.append(f"> {note}")
    if meta.get("notes"):
        lines.append("")
    syn = summ["synthetic"]
    if syn:
        conds = sorted({c for e in syn.values() for m in e.values() for c in m["by_condition"]},
                       key=_cond_key, reverse=True)
        first = next(iter(syn.values()))
        n = first.get(METHODS[0], next(iter(first.values())))["by_condition"]
        lines += ["## Synthetic spoken answers: accuracy % by SNR", "",
                  f"{meta['synthetic_phrasings']} phrasings in intents/en; each cell: "
                  f"{', '.join(c + ' n=' + str(n[c]['n']) for c in conds if c in n)} utterances (the same phrasings at every SNR; "
                  f"{len(meta['voices'])} espeak-ng voices × {len(meta['speeds'])} speeds; gym noise rotating "
                  f"babble/music/clanks/fan/pink). The free-form baselines run at {_conds(meta.get('free_form_snrs'))} only "
                  "(they are several times slower). Target: ≥ 99 % clean, ≥ 97 % at 6 dB.", "",
                  "| engine | method | " + " | ".join(conds) + " |", "|---|---|" + "---:|" * len(conds)]
        for engine, methods in syn.items():
            for method, cell in methods.items():
                lines.append(f"| {engine} | {method} | " +
                             " | ".join(_pct(cell["by_condition"].get(c)) for c in conds) + " |")
        for engine, methods in syn.items():
            rej = methods.get(METHODS[0], {}).get("rejected_by_condition", {})
            if rej:
                lines.append(f"| {engine} | ({METHODS[0]}: % rejected by the recogniser) | " +
                             " | ".join(_pct(rej.get(c)) for c in conds) + " |")
        kinds = sorted({k for e in syn.values() for m in e.values() for k in m["by_noise"]})
        if kinds:
            lines += ["", "By noise kind (all noisy SNRs together):", "",
                      "| engine | method | " + " | ".join(kinds) + " |", "|---|---|" + "---:|" * len(kinds)]
            for engine, methods in syn.items():
                for method, cell in methods.items():
                    lines.append(f"| {engine} | {method} | " +
                                 " | ".join(_pct(cell["by_noise"].get(k)) for k in kinds) + " |")
        lines.append("")
    real = summ["real"]
    if real:
        words = [w for w in REAL_WORDS if any(w in c["per_word"] for e in real.values() for m in e.values()
                                              for c in m.values())]
        lines += ["## Real voices (Speech Commands, FSDD): accuracy % per word", "",
                  "yes/no asked as a yes/no question (leg_weakness), left/right as the side question, digits as "
                  f"the pain score; up to {meta.get('real_per_word')} recordings per word; free-form baselines at "
                  f"{_conds(meta.get('real_free_form_snrs'))} only. Target: ≥ 95 % per word.", "",
                  "| engine | method | SNR | n | " + " | ".join(words) + " | overall |",
                  "|---|---|---|---:|" + "---:|" * (len(words) + 1)]
        for engine, methods in real.items():
            for method, conds in methods.items():
                for c, cell in conds.items():
                    lines.append(f"| {engine} | {method} | {c} | {cell['overall']['n']} | " +
                                 " | ".join(_pct(cell["per_word"].get(w)) for w in words) +
                                 f" | {_pct(cell['overall'])} |")
        lines.append("")
    elif meta.get("real_skipped"):
        lines += ["## Real voices", "", f"Skipped: {meta['real_skipped']}", ""]
    fa = summ["false_accepts"]
    if fa:
        sources = sorted({s for e in fa.values() for m in e.values() for s in m["by_source"]})
        lines += ["## False accepts: % of non-answers that filled a slot", "",
                  "Each probe is heard at a yes/no question, the side question and the pain question. "
                  "'acts' also counts commands and FAQ taken. Target: ≤ 1 %.", "",
                  "| engine | method | n | fills a slot | acts | " + " | ".join(sources) + " |",
                  "|---|---|---:|---:|---:|" + "---:|" * len(sources)]
        for engine, methods in fa.items():
            for method, cell in methods.items():
                lines.append(f"| {engine} | {method} | {cell['fills_slot']['n']} | {_pct(cell['fills_slot'])} | "
                             f"{_pct(cell['acts'])} | " +
                             " | ".join(_pct(cell["by_source"].get(s)) for s in sources) + " |")
        lines.append("")
    if speed:
        lines += ["## Speed and size (each engine in its own process, pinned to one core)", "",
                  "RTF = compute time / audio time. Latencies are medians, measured by playing the audio in real "
                  "time; 'speech end → answer' includes the recogniser's end-of-speech wait (endpoint). Targets: "
                  "RTF ≤ 0.05, speech end → next prompt ≤ 150 ms, peak memory ≤ 300 MB with a Vosk small model.",
                  "",
                  "| engine | model load s | RTF grammar | RTF free-form | endpoint wait ms | speech end → answer ms "
                  "| understand ms | step ms | TTS first audio ms | speech end → next prompt ms | peak RSS MB "
                  "| of which recogniser MB |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for engine, s in speed.items():
            if "error" in s:
                lines.append(f"| {engine} | error: {s['error']} |||||||||| ")
                continue
            lines.append(
                f"| {engine} | {s['load_s']:.2f} | {s['rtf_grammar']:.3f} | {s['rtf_free-form']:.3f} | "
                f"{_ms(s.get('endpoint_s'))} | {_ms(s.get('speech_end_to_answer_s'))} | "
                f"{_ms(s.get('understand_s'))} | {_ms(s.get('conversation_step_s'))} | "
                f"{_ms(s.get('tts_first_audio_s'))} | {_ms(s.get('speech_end_to_prompt_s'))} | "
                f"{s['peak_rss_mb']:.0f} | {s['peak_rss_mb'] - s.get('baseline_rss_mb', 0.0):.0f} |")
        modes = {s.get("latency_mode") for s in speed.values() if "latency_mode" in s}
        lines += ["", f"Latency measured with: {', '.join(sorted(m for m in modes if m))}. Peak RSS is the whole "
                  "measuring process (Python, numpy, the benchmark code, the recogniser in grammar and free-form "
                  "mode); 'of which recogniser' is the growth from loading and running it.", ""]
    if results.get("answers"):
        from assistant.bench.answers import markdown as answers_markdown

        lines += [answers_markdown(results["answers"]), ""]
    lines += ["## Targets", "", "| goal | target |", "|---|---|"]
    lines += [f"| {k.replace('_', ' ')} | {v} |" for k, v in TARGETS.items()]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    """Acceptance (accuracy %) against SNR: one line per engine and method (real voices dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    clean_x = 30.0

    def xy(cells: dict[str, Any]) -> tuple[list[float], list[float]]:
        pts = sorted(((clean_x if c == "clean" else float(c.split()[0]), 100 * v["rate"])
                      for c, v in cells.items() if v.get("rate") is not None))
        return [p[0] for p in pts], [p[1] for p in pts]

    for engine, methods in results["summary"]["synthetic"].items():
        for method, cell in methods.items():
            x, y = xy(cell["by_condition"])
            ax.plot(x, y, marker="o", label=f"synthetic · {engine} · {method}")
    for engine, methods in results["summary"]["real"].items():
        for method, conds in methods.items():
            x, y = xy({c: v["overall"] for c, v in conds.items()})
            ax.plot(x, y, marker="s", linestyle="--", label=f"real voices · {engine} · {method}")
    ax.axhline(97, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("SNR (dB), gym noise")
    ax.set_ylabel("accepted correctly (%)")
    ticks = [0, 6, 12, 18, 24, clean_x]
    ax.set_xticks(ticks, [str(t) for t in ticks[:-1]] + ["clean"])
    ax.set_ylim(0, 101)
    ax.grid(alpha=0.3)
    ax.set_title("BackCheck: answers understood exactly, by noise level")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(results: dict[str, Any], records: list[dict[str, Any]], out: Path) -> str:
    """Write results.json, records.jsonl, results.md and accuracy_vs_snr.png into `out`; return the Markdown."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    with open(out / "records.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, default=str) + "\n")
    md = markdown(results)
    (out / "results.md").write_text(md, encoding="utf-8")
    plot(results, out / "accuracy_vs_snr.png")
    return md
