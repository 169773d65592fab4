"""`backcheck listen --slot SLOT [--engine vosk|sphinx] [--json] FILE.wav ...` (the contract's command).

Each recording is heard as the answer to the question that fills SLOT, through the same grammar,
recogniser and understanding as a live check-in. Like a live answer it is heard for at most
``max_answer_s`` seconds, read from the file as a stream: a recording minutes long (or a device file
that never ends) costs no more memory than an answer.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.nlu.language import CONTRACT_SLOTS, Language
from assistant.nlu.understand import ANSWER, Understander
from assistant.voice.grammar import grammar_for_slot


def understood_value(nlu: Understander, slot: str, recognition: Any) -> Any:
    """The slot value a recognition means, or None when nothing usable was heard."""
    if recognition.rejected or not recognition.transcript:
        return None
    u = nlu.understand(recognition.transcript, slot, recognition.confidence)
    return u.slots.get(slot) if u.intent == ANSWER else None


def listen_command(lang: Language, settings: Settings, slot: str, files: list[Path], *, as_json: bool) -> int:
    """Exit 0 when every file was read, 1 when any could not be, 2 for a wrong slot or engine."""
    from assistant.audio.errors import AudioError
    from assistant.audio.wavstream import WavStream
    from assistant.output import dump_json
    from assistant.speech.recognizer import SpeechError
    from assistant.voice.engine import open_recognizer

    if slot not in CONTRACT_SLOTS:
        print(f"backcheck listen: unknown slot '{slot}' (known: {', '.join(CONTRACT_SLOTS)})", file=sys.stderr)
        return 2
    recognizer = open_recognizer(settings, lang, slots=[slot])
    if recognizer is None:
        return 2
    nlu = Understander(lang)
    phrases = grammar_for_slot(lang, slot)
    failed = 0
    cap = settings.max_answer_s
    for path in files:
        try:
            with WavStream(path) as source:
                r = recognizer.recognize(source, phrases, max_s=cap, silence_timeout_s=cap)
                length = source.duration_s
        except AudioError as exc:
            print(f"backcheck listen: {exc}", file=sys.stderr)  # the message names the file
            failed += 1
            continue
        except SpeechError as exc:
            print(f"backcheck listen: {exc}", file=sys.stderr)
            return 1
        value = understood_value(nlu, slot, r)
        row = {"file": str(path), "transcript": r.transcript, "value": value,
               "confidence": round(float(r.confidence), 3), "audio_s": round(float(r.audio_s), 3),
               "compute_s": round(float(r.compute_s), 4)}
        if as_json:
            dump_json(row)
        else:
            print(f"{str(path)[-40:]:40} {r.transcript[:30]!r:32} -> {value!s:8} "
                  f"conf {row['confidence']:.2f}  {row['audio_s']:.2f}s audio in {row['compute_s']:.3f}s", flush=True)
        if length > cap + 0.05:
            print(f"backcheck listen: {path}: {length:.1f} s of audio; an answer is heard for at most {cap:g} s "
                  "(max_answer_s), so only its start was heard. Cut the recording to the answer.", file=sys.stderr)
    return 1 if failed else 0
