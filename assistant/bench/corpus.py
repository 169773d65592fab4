"""What the benchmark says to the recognisers: spoken answers, real recordings, and things to ignore.

Every item is a small picklable description (text + voice + speed, or a WAV path, plus the noise
to add); :func:`render` turns it into 16 kHz int16 samples in whichever process runs it, so worker
processes build their own audio and the parent never ships arrays around.
Synthesized speech is cached on disk (``~/.cache/backcheck-bench``) because espeak-ng is the slow
part of a rerun.
"""
from __future__ import annotations

import csv
import hashlib
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio.sources import load_wav_16k
from assistant.bench.noise import NOISE_KINDS, RATE, bursts, make_noise, mix_at_snr
from assistant.nlu.language import Language
from assistant.speech.synth import synthesize
from assistant.voice.grammar import grammar_for_slot

#: espeak-ng voices that speak the answers (six accents/timbres) and two speaking rates (wpm).
VOICES: tuple[str, ...] = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland", "en+m3", "en-us+f4")
SPEEDS: tuple[int, ...] = (140, 185)
#: Other voices for background babble and off-topic talk, so noise never equals the answer voice.
BABBLE_VOICES: tuple[str, ...] = ("en-gb-x-rp", "en-029", "en-us-nyc+f2", "en-gb-x-gbclan+f4", "en-us+m7")
BABBLE_LINES: tuple[str, ...] = (
    "did you see the game last night it was unbelievable",
    "I am going to do three more sets and then stretch",
    "can you spot me on the bench for a minute",
    "the new class on thursday is really tough",
    "we should grab a coffee after this",
    "my trainer says I need to drink more water",
)
OFF_TOPIC: tuple[str, ...] = (
    "what's the weather like", "play some music", "call my mom", "set a timer for ten minutes",
    "turn up the volume", "what time is it", "tell me a joke", "open the door",
    "who won the football match", "remind me to buy milk",
)
#: Silence padded around speech so endpointers see a natural start and end.
LEAD_S, TAIL_S = 0.3, 0.8
CLEAN = None


class BenchError(Exception):
    """The benchmark cannot run as asked; the message says what to do."""


@dataclass(frozen=True)
class Item:
    """One utterance of the benchmark.

    kind: synthetic | real | reject. `slot` is the open question. For speech, `text` (with
    `voice`, `speed`) or `path` says what is heard; `expect` is the word said, for real and
    reject items. `noise`/`snr` (None = clean) and `seed` make the added noise reproducible.
    """

    kind: str
    slot: str
    text: str = ""
    voice: str = ""
    speed: int = 0
    path: str = ""
    word: str = ""
    noise: str = ""
    snr: float | None = None
    seed: int = 0
    source: str = ""  #: what made the audio: espeak | wav | noise | silence | cough | breath
    free_form: bool = True  #: also run the free-form methods (the slower baseline) on this item

    @property
    def audio_key(self) -> tuple[object, ...]:
        """Identity of the audio, whatever the question: free-form results can be shared."""
        return (self.source, self.text, self.voice, self.speed, self.path, self.noise, self.snr, self.seed)

    @property
    def condition(self) -> str:
        return "clean" if self.snr is None else f"{self.snr:g} dB"


def cache_dir() -> Path:
    """Where synthesized speech is kept between runs ($BACKCHECK_BENCH_CACHE to move it)."""
    env = os.environ.get("BACKCHECK_BENCH_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "backcheck-bench"
    base.mkdir(parents=True, exist_ok=True)
    return base


def spoken(text: str, voice: str, speed: int) -> np.ndarray:
    """espeak-ng speech for `text` (int16, 16 kHz, padded with silence), cached on disk."""
    key = hashlib.sha1(f"{voice}|{speed}|{text}".encode()).hexdigest()[:20]
    path = cache_dir() / f"{key}.npy"
    if path.exists():
        try:
            return np.load(path)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
    pcm = synthesize(text, voice=voice, rate=speed)
    pcm = np.concatenate([np.zeros(int(LEAD_S * RATE), np.int16), pcm, np.zeros(int(TAIL_S * RATE), np.int16)])
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, pcm)
    os.replace(tmp, path)
    return pcm


_TALKERS: list[np.ndarray] = []


def talkers() -> list[np.ndarray]:
    """Background voices for babble (synthesized once per process, cached on disk)."""
    if not _TALKERS:
        _TALKERS.extend(spoken(line, v, 170) for line, v in zip(BABBLE_LINES, BABBLE_VOICES * 2))
    return _TALKERS


def render(item: Item) -> np.ndarray:
    """The samples for `item`: speech (or silence / a burst / nothing) plus its noise."""
    if item.source == "espeak":
        speech = spoken(item.text, item.voice, item.speed)
    elif item.source == "wav":
        pcm = load_wav_16k(item.path)
        speech = np.concatenate([np.zeros(int(LEAD_S * RATE), np.int16), pcm, np.zeros(int(TAIL_S * RATE), np.int16)])
    elif item.source in ("cough", "breath"):
        speech = bursts(item.source, item.seed)
    else:  # noise alone or silence: 1.5 s of nothing to speak of
        speech = np.zeros(int(1.5 * RATE), np.int16)
    if item.source == "noise":
        noise = make_noise(item.noise, speech.size, item.seed, talkers() if item.noise == "babble" else ())
        return (noise / max(1e-9, float(np.abs(noise).max())) * 0.3 * 32767).astype(np.int16)
    if item.snr is None or not item.noise:
        return speech
    noise = make_noise(item.noise, speech.size, item.seed, talkers() if item.noise == "babble" else ())
    return mix_at_snr(speech, noise, item.snr)


# -- synthetic answers -------------------------------------------------------------------------

def answer_phrasings(lang: Language) -> list[tuple[str, str]]:
    """(phrase, slot) for every answer phrasing in intents/, plus the global commands.

    Per question: its `answers`; for yes/no questions the plain yes/no words (spread over the
    yes/no questions, so each word is said once); spoken numbers for pain_score and durations
    for hours_since_workout (from the recogniser grammar, minus the phrases every question has);
    "I don't know"; and each command asked during some question.
    """
    always = set(grammar_for_slot(lang, "side")) - {p for ps in lang.questions["side"].answers.values() for p in ps}
    out: list[tuple[str, str]] = []
    yesno = [s for s in lang.order if lang.questions[s].kind == "yesno"]
    for slot in lang.order:
        q = lang.questions[slot]
        out += [(p, slot) for ps in q.answers.values() for p in ps]
        if q.kind in ("number", "duration"):
            out += [(p, slot) for p in grammar_for_slot(lang, slot) if p not in always]
    for i, word in enumerate(list(lang.yes) + list(lang.no)):
        out.append((word, yesno[i % len(yesno)]))
    for i, phrase in enumerate(lang.unknown):
        out.append((phrase, lang.order[i % len(lang.order)]))
    commands = [p for ps in lang.commands.values() for p in ps]
    for i, phrase in enumerate(commands):
        out.append((phrase, lang.order[(i * 7) % len(lang.order)]))
    return list(dict.fromkeys(out))


def synthetic_items(phrasings: list[tuple[str, str]], snrs: list[float | None], per_snr: int,
                    seed: int = 1, free_form_snrs: tuple[float | None, ...] | None = None) -> list[Item]:
    """`per_snr` phrasings per SNR (a fixed random sample, the same phrasings at every SNR).

    Each phrasing gets one voice and speed, rotating through all of them, and each noisy copy
    a noise kind, rotating too, so every cell mixes voices, speeds and noises evenly.
    """
    rng = random.Random(seed)
    chosen = rng.sample(phrasings, min(per_snr, len(phrasings)))
    items = []
    for i, (text, slot) in enumerate(chosen):
        voice, speed = VOICES[i % len(VOICES)], SPEEDS[(i // len(VOICES)) % len(SPEEDS)]
        for j, snr in enumerate(snrs):
            noise = "" if snr is None else NOISE_KINDS[(i + j) % len(NOISE_KINDS)]
            items.append(Item("synthetic", slot, text=text, voice=voice, speed=speed, noise=noise, snr=snr,
                              seed=1000 + i * 10 + j, source="espeak",
                              free_form=free_form_snrs is None or snr in free_form_snrs))
    return items


# -- real recordings ----------------------------------------------------------------------------

#: Real words and the question they answer.
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
REAL_SLOTS: dict[str, str] = {"yes": "leg_weakness", "no": "leg_weakness", "left": "side", "right": "side",
                              **{d: "pain_score" for d in DIGITS}}
#: Words that answer none of the questions (false-accept probes) and the questions they are asked at.
OFF_WORDS = ("go", "up", "down", "on", "off")
PROBE_SLOTS = ("leg_weakness", "side", "pain_score")


def shared_speech_dir() -> Path | None:
    """<repo>/../shared/speech, or $BACKCHECK_SHARED/speech (or $BACKCHECK_SHARED itself)."""
    env = os.environ.get("BACKCHECK_SHARED")
    candidates = [Path(env) / "speech", Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "speech")
    for c in candidates:
        if (c / "MANIFEST.tsv").is_file():
            return c
    return None


def manifest(root: Path) -> list[dict[str, str]]:
    """Rows of MANIFEST.tsv whose files exist."""
    with open(root / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r for r in rows if (root / r["relative_path"]).is_file()]


def real_items(root: Path, snrs: list[float | None], limit_per_word: int | None = None,
               free_form_snrs: tuple[float | None, ...] | None = None) -> list[Item]:
    """Each real yes/no, left/right and digit recording at each SNR (noise kinds rotate)."""
    per_word: dict[str, int] = {}
    items = []
    for i, row in enumerate(manifest(root)):
        word = row["word"]
        if word not in REAL_SLOTS:
            continue
        per_word[word] = per_word.get(word, 0) + 1
        if limit_per_word is not None and per_word[word] > limit_per_word:
            continue
        for j, snr in enumerate(snrs):
            noise = "" if snr is None else NOISE_KINDS[(i + j) % len(NOISE_KINDS)]
            items.append(Item("real", REAL_SLOTS[word], path=str(root / row["relative_path"]), word=word,
                              noise=noise, snr=snr, seed=5000 + i * 10 + j, source="wav",
                              free_form=free_form_snrs is None or snr in free_form_snrs))
    return items


def reject_items(root: Path | None, limit_per_word: int | None = None, extras: int = 4,
                 free_form_every: int = 1, slots: tuple[str, ...] = PROBE_SLOTS) -> list[Item]:
    """Things that must not fill a slot, each asked at each of `slots` (a yes/no, the side and the pain
    question unless told).

    Off-topic Speech Commands words (when the shared folder exists), noise alone (each kind),
    silence, synthesized coughs and breaths, and off-topic sentences spoken by espeak-ng. The slow
    free-form baselines run on every ``free_form_every``-th of them (all by default).
    """
    probes: list[Item] = []
    if root is not None:
        per_word: dict[str, int] = {}
        for row in manifest(root):
            if row["word"] in OFF_WORDS:
                per_word[row["word"]] = per_word.get(row["word"], 0) + 1
                if limit_per_word is None or per_word[row["word"]] <= limit_per_word:
                    probes.append(Item("reject", "", path=str(root / row["relative_path"]), word=row["word"],
                                       source="wav"))
    for k, kind in enumerate(NOISE_KINDS):
        for r in range(max(1, extras // 2)):
            probes.append(Item("reject", "", word=f"noise:{kind}", noise=kind, seed=7000 + k * 10 + r, source="noise"))
    probes.append(Item("reject", "", word="silence", source="silence"))
    for r in range(extras):
        probes.append(Item("reject", "", word="cough", seed=8000 + r, source="cough"))
        probes.append(Item("reject", "", word="breath", seed=8100 + r, source="breath"))
    for i, line in enumerate(OFF_TOPIC[: 2 * extras + 2]):
        probes.append(Item("reject", "", text=line, voice=VOICES[i % len(VOICES)], speed=SPEEDS[i % 2],
                           word="off-topic", source="espeak"))
    out = []
    for p in probes:
        for slot in slots:
            out.append(Item(p.kind, slot, p.text, p.voice, p.speed, p.path, p.word, p.noise, p.snr, p.seed, p.source,
                            p.free_form and len(out) % free_form_every == 0))
    return out
