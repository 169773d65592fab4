"""`backcheck`: the whole check-in by voice, on the microphone and speaker a Raspberry Pi has."""
from __future__ import annotations

import sys
from typing import TextIO

from assistant.config import Settings
from assistant.dialog.runner import run_checkin
from assistant.nlu.language import Language


def _offer_text(lang: Language, settings: Settings, *, as_json: bool, use_history: bool,
                inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """With a person at a terminal, offer the typed check-in straight away."""
    if not inp.isatty():
        return 1
    out.write(lang.lines["type_instead"])
    out.flush()
    if inp.readline().strip().lower() in ("", "y", "yes"):
        from assistant.dialog.text_mode import text_checkin

        return text_checkin(lang, settings, as_json=as_json, use_history=use_history)
    return 1


def voice_checkin(lang: Language, settings: Settings, *, as_json: bool, use_history: bool) -> int:
    """Run one spoken check-in; fall back to typing (when someone is there) if there is no microphone."""
    from assistant.audio.errors import AudioError
    from assistant.audio.microphone import MicrophoneSource
    from assistant.output import dump_json
    from assistant.dialog.saving import CheckInSaver, start_conversation
    from assistant.speech.tts import PrintMouth
    from assistant.voice.mouth import open_mouth
    from assistant.voice.engine import open_recognizer
    from assistant.voice.io import VoiceEar, VoiceMouth, quiet_speaker_echo

    talk = sys.stderr if as_json else sys.stdout
    try:
        mic = MicrophoneSource(settings.device)
    except AudioError as exc:
        print(lang.lines["no_mic"].format(why=str(exc).rstrip(".")), file=sys.stderr)
        return _offer_text(lang, settings, as_json=as_json, use_history=use_history)
    recognizer = open_recognizer(settings, lang)
    if recognizer is None:
        mic.close()
        return 1
    speaker = open_mouth(settings, lang, echo=quiet_speaker_echo())
    lost: list[str] = []
    conv, store = start_conversation(lang, settings, use_history=use_history, source="voice")
    saver = CheckInSaver(lang, store, source="voice")
    with mic:
        ear = VoiceEar(lang, recognizer, mic, max_s=settings.max_answer_s,
                       silence_timeout_s=settings.silence_timeout_s, out=talk, on_audio_lost=lost.append)
        mouth = VoiceMouth(speaker, mic, talk, speaks=not isinstance(speaker, PrintMouth))
        result = run_checkin(conv, ear, mouth, on_decided=saver.save)
    if lost:
        print(lang.lines["mic_lost"].format(why=lost[0]), file=sys.stderr)
    record, note = saver.save(result)
    if note:
        print(note, file=sys.stderr)
    if mic.overflows:
        print(f"backcheck: {mic.overflows} audio blocks were dropped (the computer was busy).", file=sys.stderr)
    if as_json:
        dump_json(record)
    return 1 if lost else 0
