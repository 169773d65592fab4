"""`backcheck demo`: the mission end to end in one command, on any machine.

BackCheck asks aloud; a second synthetic voice answers from a scripted person; the real
recogniser hears that audio through the open question's grammar; the verdict is read back.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from assistant.config import Settings
from assistant.dialog.audit import scripted_answer
from assistant.dialog.conversation import Conversation, Expectation, Heard
from assistant.dialog.runner import run_checkin
from assistant.nlu.datafile import load_yaml
from assistant.nlu.language import Language
from assistant.voice.grammar import grammar_for


#: espeak-ng's default rate (words per minute) when measuring how long BackCheck speaks.
TIMING_RATE = 175


class SpokenClock:
    """Adds up how long the check-in takes to say aloud, from the first question to the verdict.

    Each thing BackCheck says is synthesised (espeak-ng, as the speaker does) and its length counted;
    the greeting before the first question and the verdict itself are left out, and the person's
    answers are added by the SyntheticPerson. Silence between turns is not counted.
    """

    def __init__(self, mouth: Any, verdict_marker: str, rate: int = TIMING_RATE):
        self.mouth, self.verdict_marker, self.rate = mouth, verdict_marker, rate
        self.seconds = 0.0
        self._said = 0

    def say(self, text: str) -> None:
        from assistant.speech.synth import synthesize
        from assistant.voice.io import speakable

        self.mouth.say(text)
        self._said += 1
        lines = text.splitlines()
        if self._said == 1:
            lines = lines[1:]  # the greeting comes before the first question
        question = speakable("\n".join(line for line in lines if not line.startswith("  - ")))
        if self.verdict_marker in text or not question:  # the verdict ends the measured stretch
            return
        self.seconds += len(synthesize(question, rate=self.rate)) / 16000


class SyntheticPerson:
    """Answers like an audit vignette, but out loud: espeak-ng speaks, the recogniser hears."""

    def __init__(self, lang: Language, recognizer: Any, answers: dict[str, str], voice: str,
                 speaker: Any | None = None, out: TextIO = sys.stdout):
        self.lang, self.recognizer, self.answers, self.voice = lang, recognizer, answers, voice
        self.speaker, self.out = speaker, out
        self.spoken_s = 0.0  #: seconds of answers said

    def words_for(self, expecting: Expectation) -> str:
        if expecting.confirming:  # "did you say ...?": the truth, as a person would (a misheard "no" is put right)
            return "yes" if self.means_yes(expecting.slot or "") else "no"
        return scripted_answer(self.lang, self.answers, expecting.slots or (expecting.slot or "",))

    def means_yes(self, slot: str) -> bool:
        """Whether this person's own answer about ``slot`` is a yes (an unlisted slot is a "no")."""
        from assistant.nlu.understand import Understander

        if slot not in self.answers:
            return False
        return Understander(self.lang).understand(self.answers[slot], slot).slots.get(slot) is True

    def hear(self, expecting: Expectation) -> Heard | None:
        from assistant.audio.sources import PcmSource
        from assistant.speech.synth import synthesize

        if expecting.slot is None:
            return None
        words = self.words_for(expecting)
        audio = synthesize(words, voice=self.voice, rate=150)
        self.spoken_s += len(audio) / 16000
        pad = np.zeros(int(0.3 * 16000), dtype=np.int16)
        audio = np.concatenate([pad, audio, pad, pad, pad])
        self.out.write(f"  (demo voice says: {words})\n")
        if self.speaker is not None and hasattr(self.speaker, "play"):
            try:
                self.speaker.play(audio.astype(np.float32) / 32768.0, 16000)
            except Exception:  # playing the answer aloud is a nicety; recognition goes on
                self.speaker = None
        from assistant.speech.recognizer import SpeechError

        try:
            r = self.recognizer.recognize(PcmSource(audio), grammar_for(self.lang, expecting), max_s=15.0,
                                          silence_timeout_s=5.0)
        except SpeechError as exc:
            self.out.write(f"  ({exc})\n")
            return None
        shown = r.transcript or "(not understood)"
        self.out.write(f"  heard: {shown}   [{r.confidence:.2f}]\n")
        return Heard(r.transcript, r.confidence)


def person_voice_for(wanted: str, assistant: Any) -> str:
    """The demo person's espeak-ng voice, never the assistant's own: two speakers must sound like two.

    The natural voice always differs; when BackCheck itself speaks with espeak-ng in the same voice,
    the person gets a male variant of it.
    """
    from assistant.speech.voices import ClassicVoice

    if isinstance(assistant, ClassicVoice) and (assistant.voice or "en") == wanted:
        return wanted.split("+")[0] + "+m3"
    return wanted


def demo_command(lang: Language, settings: Settings, person: str, people_file: Path | None = None) -> int:
    """``people_file``: other demo people (same format as intents/en/demo.yaml), e.g. ones who answer in phrases."""
    from assistant.speech.tts import PrintMouth
    from assistant.voice.engine import open_recognizer
    from assistant.voice.io import VoiceMouth, quiet_speaker_echo
    from assistant.voice.mouth import open_mouth

    people = load_yaml(people_file or lang.root / "demo.yaml")
    if person not in people:
        print(f"backcheck demo: no demo person '{person}' (choose from: {', '.join(people)})", file=sys.stderr)
        return 2
    recognizer = open_recognizer(settings, lang)
    if recognizer is None:
        return 1
    speaker = open_mouth(settings, lang, echo=quiet_speaker_echo())
    speaks = not isinstance(speaker, PrintMouth)
    spec = people[person]
    person_voice = person_voice_for(str(spec.get("voice", "en-gb+f3")), getattr(speaker, "speech", None))
    if speaks:
        print(f"backcheck demo: BackCheck speaks with {speaker.speech.label}; the person answers with "
              f"espeak-ng {person_voice}", file=sys.stderr)
    ear = SyntheticPerson(lang, recognizer, dict(spec.get("answers") or {}), person_voice,
                          speaker if speaks else None)
    clock = SpokenClock(VoiceMouth(speaker, None, sys.stdout, speaks=speaks), lang.disclaimer)
    result = run_checkin(Conversation(lang, confirm_threshold=settings.confirm_threshold), ear, clock)
    print(f"\nDemo finished: {result.verdict.level} after {result.questions} questions, "
          f"{clock.seconds + ear.spoken_s:.0f} s spoken from the first question to the verdict.")
    return 0
