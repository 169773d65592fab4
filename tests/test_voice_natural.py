"""The natural voice (issue 24): words for numbers, the prompt cache, streaming, fallback, every prompt said."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.nlu.language import Language
from assistant.speech.prompt_cache import PromptCache, sentence_key
from assistant.speech.prompts import filled, prompt_sentences, spoken_texts
from assistant.speech.say_text import normalize_for_speech, number_words, sentences

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


class FakeVoice:
    """A voice that makes a tone per sentence, counts its work and can be slow for new sentences."""

    name = "fake"
    label = "a test tone"
    sample_rate = 16000
    pause_s = 0.1

    def __init__(self, vid: str = "fake-1", delay_s: float = 0.0) -> None:
        self.id, self.delay_s, self.made = vid, delay_s, []

    def synthesize(self, text: str) -> np.ndarray:
        self.made.append(text)
        time.sleep(self.delay_s)
        n = 800 + 100 * len(text.split())
        return (0.3 * np.sin(np.arange(n) * 0.05 * (1 + len(text) % 7))).astype(np.float32)


# -- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,spoken", [
    ("Last time you rated the pain 6 out of 10.", "Last time you rated the pain six out of ten."),
    ("pain 6/10", "pain six out of ten"),
    ("about 48 hours ago", "about forty-eight hours ago"),
    ("48h, 3 hrs, 1 hr, 20 min", "forty-eight hours, three hours, one hour, twenty minutes"),
    ("it peaks at 24-72 hours", "it peaks at twenty-four to seventy-two hours"),
    ("on the 3rd day, 21st", "on the third day, twenty-first"),
    ("1,250 people, 2.5 km, 20%", "one thousand two hundred and fifty people, two point five kilometres, twenty percent"),
    ("3 more signs", "three more signs"),
])
def test_numbers_and_units_are_spoken_as_words(text: str, spoken: str) -> None:
    assert normalize_for_speech(text) == spoken


def test_number_words() -> None:
    assert [number_words(n) for n in (0, 13, 40, 99, 101, 336, 1000)] == [
        "zero", "thirteen", "forty", "ninety-nine", "one hundred and one", "three hundred and thirty-six",
        "one thousand"]


def test_sentences_are_cut_where_the_cache_cuts_them() -> None:
    assert sentences('Back to the check-in: How long ago was your workout?') == [
        "Back to the check-in:", "How long ago was your workout?"]
    assert sentences('You said "last night": fine. Pain "6/10".\nNext line') == [
        'You said "last night": fine.', 'Pain "six out of ten".', "Next line"]


def test_every_prompt_sentence_is_words_only(lang: Language) -> None:
    said = prompt_sentences(lang)
    assert len(said) > 100
    for _, text in spoken_texts(lang):
        for s in sentences(filled(text)):
            assert not re.search(r"\d", s), s


# -- the prompt cache ------------------------------------------------------------------------


def test_prompt_cache_keeps_prepared_sentences_on_disk(tmp_path: Path) -> None:
    voice = FakeVoice()
    cache = PromptCache(voice, tmp_path)
    assert cache.prepare(["Is it sharp?", "Is it dull?", "Is it sharp?"]) == 2
    again = PromptCache(voice, tmp_path)  # a new start: nothing in memory
    x = again.get("Is it sharp?")
    assert x is not None and np.allclose(x, voice.synthesize("Is it sharp?"), atol=1e-4)
    assert again.prepare(["Is it sharp?", "Is it dull?"]) == 0
    # another voice (or pace) never gets this one's audio
    assert PromptCache(FakeVoice("fake-2"), tmp_path).get("Is it sharp?") is None
    # a damaged file is dropped and made again
    path = tmp_path / "fake-1" / f"{sentence_key('Is it dull?')}.npy"
    path.write_bytes(b"not audio")
    assert PromptCache(voice, tmp_path).get("Is it dull?") is None and not path.exists()
    # sentences no longer said are removed
    again.prepare(["Is it dull?", "Gone tomorrow."])
    assert again.prune(["Is it sharp?", "Is it dull?"]) == 1 and again.missing(["Is it dull?"]) == []


def test_prompt_cache_without_a_writable_folder_lives_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = PromptCache(FakeVoice(), blocker)  # a file where the folder should be
    cache.put("Hello.", np.zeros(100, np.float32))
    assert cache.get("Hello.") is not None and cache.folder is None


def test_background_preparation_runs_in_order_and_stops(tmp_path: Path) -> None:
    voice = FakeVoice(delay_s=0.01)
    cache = PromptCache(voice, tmp_path)
    cache.prepare_in_background([f"Sentence {i}." for i in range(5)], warm_up=False)
    assert cache.wait(10)
    assert voice.made == [f"Sentence {i}." for i in range(5)] and cache.missing(voice.made) == []


def test_a_process_that_ends_while_a_sentence_is_prepared_lets_it_finish_and_makes_no_more() -> None:
    """Why: the natural voice's runtime aborts a process that exits under it (a clean stop of serve
    ended with SIGABRT while the prompts were still being prepared)."""
    script = """
import time
import numpy as np
from assistant.speech.prompt_cache import PromptCache

class SlowVoice:
    id, name, sample_rate = "slow", "slow", 16000
    def synthesize(self, text):
        print("started", text, flush=True)
        time.sleep(0.6)
        print("finished", text, flush=True)
        return np.zeros(160, np.float32)

PromptCache(SlowVoice(), None).prepare_in_background(["One.", "Two.", "Three."], warm_up=False)
time.sleep(0.2)  # the first sentence is being made when the process ends
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).parents[1])
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["started One.", "finished One."], run.stdout
    assert "Two." not in run.stdout  # no new sentence begun once the process was ending


# -- the mouth: prepared sentences at once, new ones made while the first plays ----------------


def _mouth(monkeypatch: pytest.MonkeyPatch, voice: Any, cache: PromptCache | None, notices: list[str]) -> Any:
    from assistant.audio.devices import DeviceInfo
    from assistant.speech import tts

    monkeypatch.setattr(tts, "find_device", lambda *_a: DeviceInfo(0, "test speaker", "ALSA", 0, 1, 16000.0))
    mouth = tts.SpeakerMouth(speech=voice, cache=cache, notice=notices.append)
    played: list[tuple[float, np.ndarray, int]] = []

    def play(x: np.ndarray, sr: int) -> None:
        played.append((time.monotonic(), x, sr))
        mouth.last_duration_s = x.size / sr
        time.sleep(0.2)  # "playing"

    mouth.play = play
    mouth.played = played
    return mouth


def test_a_prepared_question_starts_at_once_and_new_sentences_follow(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    voice = FakeVoice(delay_s=0.5)
    cache = PromptCache(voice, tmp_path)
    cache.put("This sounds like ordinary soreness.", voice.synthesize("This sounds like ordinary soreness."))
    cache.put("You can look after this yourself.", voice.synthesize("You can look after this yourself."))
    voice.made.clear()
    notices: list[str] = []
    mouth = _mouth(monkeypatch, voice, cache, notices)
    t0 = time.monotonic()
    mouth.say('This sounds like ordinary soreness. You can look after this yourself. You said "tight": fine.')
    first, second = mouth.played[0][0] - t0, mouth.played[1][0] - t0
    assert first < 0.1 and mouth.last_first_audio_s < 0.1  # both prepared sentences went out as one stream
    expected = voice.synthesize("This sounds like ordinary soreness.").size + 1600 + \
        voice.synthesize("You can look after this yourself.").size
    assert mouth.played[0][1].size == expected
    assert voice.made[0] == 'You said "tight": fine.'  # only the new sentence was synthesised
    assert 0.4 < second < 0.9  # made while the first part played
    assert not notices


def test_a_failing_natural_voice_is_replaced_by_espeak_once(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(FakeVoice):
        def synthesize(self, text: str) -> np.ndarray:
            raise RuntimeError("onnxruntime exploded")

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    notices: list[str] = []
    mouth = _mouth(monkeypatch, Broken(), None, notices)
    mouth.say("Is it sharp? Or dull?")
    mouth.say("How bad is it?")
    assert len(notices) == 1 and "espeak-ng" in notices[0] and "onnxruntime exploded" in notices[0]
    assert mouth.speech.name == "espeak-ng" and len(mouth.played) >= 2 and mouth.failed is None


# -- loading the natural voice -----------------------------------------------------------------


def test_a_damaged_natural_voice_falls_back_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.speech import natural_voice, voices

    monkeypatch.setattr(voices, "_LOADED", {})
    monkeypatch.setitem(natural_voice.HIBARI_FILES, "hibari.onnx", "0" * 64)
    notices: list[str] = []
    voice = voices.load_voice("hibari", 165, None, notices.append)
    assert isinstance(voice, voices.ClassicVoice)
    assert len(notices) == 1
    assert "hibari.onnx is damaged" in notices[0] and "script/setup" in notices[0] and "espeak-ng" in notices[0]


def test_a_missing_natural_voice_falls_back_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from assistant.speech import voices

    real = importlib.util.find_spec
    monkeypatch.setattr(voices, "_LOADED", {})
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "hibari" else real(name, *a))
    notices: list[str] = []
    assert isinstance(voices.load_voice("hibari", 165, None, notices.append), voices.ClassicVoice)
    assert len(notices) == 1 and "not installed" in notices[0]


def test_the_natural_voice_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hibari")
    import hibari.voices

    from assistant.speech import voices

    def no_network(*_a: Any, **_k: Any) -> None:
        raise AssertionError("hibari tried to download a voice")

    monkeypatch.setattr(hibari.voices, "download", no_network)
    monkeypatch.setattr(hibari.voices, "voice_path", no_network)
    monkeypatch.setattr(voices, "_LOADED", {})
    voice = voices.load_voice("hibari", 165, None, lambda m: pytest.fail(m))
    x = voice.synthesize("Is it sharp or dull?")
    assert voice.name == "hibari" and 0.8 < x.size / voice.sample_rate < 4.0


def test_the_voice_setting(tmp_path: Path) -> None:
    from assistant.config import ConfigError, format_settings, load_settings

    settings, sources = load_settings(env={"HOME": str(tmp_path)})
    assert settings.voice == "hibari" and settings.voice_cache == settings.data_dir / "voice-cache"
    settings, sources = load_settings(env={"HOME": str(tmp_path), "BACKCHECK_VOICE": "espeak-ng"})
    assert settings.voice == "espeak-ng" and 'voice = "espeak-ng"' in format_settings(settings, sources)
    with pytest.raises(ConfigError, match="hibari, espeak-ng, pyttsx3"):
        load_settings(env={"HOME": str(tmp_path), "BACKCHECK_VOICE": "robot"})


def test_the_demo_person_never_speaks_in_the_assistants_voice() -> None:
    from assistant.speech.voices import ClassicVoice
    from assistant.voice.demo import person_voice_for

    assert person_voice_for("en-us", ClassicVoice("espeak-ng", "en-us", 165)) != "en-us"
    assert person_voice_for("en-us", ClassicVoice("espeak-ng", None, 165)) == "en-us"
    assert person_voice_for("en-us", FakeVoice()) == "en-us"


# -- every prompt, re-ask, help, FAQ answer and verdict, said by the chosen voice ------------------


def _verdict_texts(lang: Language) -> list[str]:
    """Each level's verdict as it is spoken, one per rule, with the person's words quoted."""
    from assistant.triage.verdict import decide
    from assistant.voice.io import speakable

    out = []
    for rule in lang.rules:
        slots: dict[str, Any] = {}
        for slot, cond in rule.when.items():
            if isinstance(cond, dict):
                op, n = next(iter(cond.items()))
                slots[slot] = n + 1 if op == ">" else n - 1 if op == "<" else n
            elif isinstance(cond, list):
                slots[slot] = cond[0]
            else:
                slots[slot] = None if cond == "unknown" else cond
        verdict = decide(lang, slots, {s: "it's been 3 days, 7/10" for s in slots})
        out.append(speakable(verdict.text(lang)))
    out.append(speakable(decide(lang, {"quality": "dull"}, {"quality": "a tight ache"}).text(lang)))
    return out


@pytest.mark.speech
def test_every_prompt_and_verdict_is_said_by_the_natural_voice(lang: Language) -> None:
    from assistant.speech.voices import load_voice

    notices: list[str] = []
    voice = load_voice("hibari", 165, None, notices.append)
    assert voice.name == "hibari", notices
    texts = [(where, filled(text)) for where, text in spoken_texts(lang)]
    texts += [(f"verdict {i}", t) for i, t in enumerate(_verdict_texts(lang))]
    checked = 0
    for where, text in texts:
        for s in sentences(text):
            assert not re.search(r"\d", s), (where, s)
            x = voice.synthesize(s)
            seconds, words = x.size / voice.sample_rate, len(s.split())
            assert np.all(np.isfinite(x)) and np.abs(x).max() <= 1.0, (where, s)
            assert np.sqrt(np.mean(x**2)) > 0.02, (where, s)  # it is speech, not silence
            # a sensible length: about 120 to 330 words a minute, and never under a quarter second
            assert seconds > 0.25 and 60 * words / seconds < 330 and seconds < 0.5 + 60 * words / 120, \
                (where, s, round(seconds, 2))
            checked += 1
    assert checked > 200


@needs_espeak
@pytest.mark.audio
def test_the_natural_voice_plays_on_the_speaker(virtual_audio: Any, tmp_path: Path) -> None:
    from assistant.speech.tts import SpeakerMouth
    from assistant.speech.voices import load_voice

    voice = load_voice("hibari", 165, None)
    cache = PromptCache(voice, tmp_path)
    cache.prepare(["Is it sharp or dull?"])
    mouth = SpeakerMouth(speech=voice, cache=cache, echo=io.StringIO())
    rec = virtual_audio.record_speaker()
    t0 = time.monotonic()
    mouth.say("Is it sharp or dull?")
    took = time.monotonic() - t0
    time.sleep(0.3)
    heard = rec.stop()
    assert took >= mouth.last_duration_s > 0.8
    assert np.count_nonzero(np.abs(heard) > 1000) > 4000 and mouth.failed is None


def test_open_mouth_prepares_the_prompts(monkeypatch: pytest.MonkeyPatch, lang: Language, tmp_path: Path) -> None:
    from assistant.config import load_settings
    from assistant.speech import voices
    from assistant.voice import mouth as mouth_mod

    voice = FakeVoice()
    monkeypatch.setattr(voices, "load_voice", lambda *a, **k: voice)
    made: list[Any] = []

    def fake_make_mouth(*_a: Any, speech: Any = None, cache: Any = None, **_k: Any) -> Any:
        made.append(cache)
        return type("M", (), {"cache": cache, "speech": speech})()

    monkeypatch.setattr("assistant.speech.tts.make_mouth", fake_make_mouth)
    settings, _ = load_settings(env={"BACKCHECK_VOICE_CACHE": str(tmp_path)})
    m = mouth_mod.open_mouth(settings, lang, echo=io.StringIO())
    assert m.cache.wait(30)
    assert m.cache.missing(prompt_sentences(lang)) == [] and voice.made[0].startswith("Hi, I'm BackCheck.")
    assert threading.active_count() >= 1


@pytest.mark.speech
def test_the_natural_voice_is_understood_by_the_recogniser(tmp_path: Path) -> None:
    """What hibari says, BackCheck's own recogniser hears: the same check script/pi-check runs on arm64."""
    import json
    import subprocess
    import sys

    from tests.conftest import REPO

    for word, slot, value in (("seven", "pain_score", 7), ("yes", "bladder_bowel", True), ("no", "leg_weakness", False)):
        wav = tmp_path / f"{word}.wav"
        said = subprocess.run([sys.executable, "-m", "assistant", "voice", "--out", str(wav), word],
                              capture_output=True, text=True, cwd=REPO, timeout=120)
        assert said.returncode == 0 and "hibari" in said.stderr, said.stderr
        heard = subprocess.run([sys.executable, "-m", "assistant", "listen", "--slot", slot, "--json", str(wav)],
                               capture_output=True, text=True, cwd=REPO, timeout=120)
        assert json.loads(heard.stdout.strip().splitlines()[-1])["value"] == value, heard.stdout


def test_voice_command_reports_a_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import load_settings
    from assistant.speech import natural_voice, voices
    from assistant.speech.voice_command import voice_command

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    monkeypatch.setattr(voices, "_LOADED", {})
    monkeypatch.setitem(natural_voice.HIBARI_FILES, "vocab.json", "0" * 64)
    settings, _ = load_settings(env={"BACKCHECK_VOICE_CACHE": str(tmp_path)})
    assert voice_command(["--out", str(tmp_path / "q.wav"), "Is it sharp?"], settings) == 1
    assert (tmp_path / "q.wav").stat().st_size > 10000  # espeak-ng still spoke
