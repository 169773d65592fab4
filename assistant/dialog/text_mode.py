"""`backcheck --text`: the check-in typed in a terminal, through the same conversation as voice."""
from __future__ import annotations

import sys
import textwrap
from typing import TextIO

from assistant.config import Settings
from assistant.dialog.conversation import Expectation, Heard
from assistant.dialog.runner import run_checkin
from assistant.nlu.language import Language

WIDTH = 78


class TerminalMouth:
    """Prints what BackCheck says, wrapped for a terminal."""

    def __init__(self, out: TextIO = sys.stdout):
        self.out = out

    def say(self, text: str) -> None:
        from assistant.output import printable

        for line in printable(text).splitlines():
            indent = "    " if line.startswith("  - ") else ""
            wrapped = textwrap.fill(line, WIDTH, subsequent_indent=indent) if line else ""
            self.out.write(wrapped + "\n")
        self.out.flush()


class KeyboardEar:
    """Reads typed answers; end of input (Ctrl-D) or Ctrl-C ends the check-in politely."""

    def __init__(self, inp: TextIO = sys.stdin, out: TextIO = sys.stdout):
        self.inp, self.out = inp, out

    def hear(self, expecting: Expectation) -> Heard | None:
        self.out.write("> ")
        self.out.flush()
        try:
            line = self.inp.readline()
        except (KeyboardInterrupt, UnicodeDecodeError):
            line = ""
        if not line:
            self.out.write("\n")
            return None
        from assistant.output import printable

        return Heard(printable(line.rstrip("\n")))


def text_checkin(lang: Language, settings: Settings, *, as_json: bool, use_history: bool,
                 inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Run one typed check-in. With --json the dialogue goes to stderr and the record to stdout."""
    from assistant.dialog.saving import CheckInSaver, start_conversation
    from assistant.output import dump_json

    talk = sys.stderr if as_json else out
    conv, store = start_conversation(lang, settings, use_history=use_history, source="text")
    saver = CheckInSaver(lang, store, source="text")
    result = run_checkin(conv, KeyboardEar(inp, talk), TerminalMouth(talk), on_decided=saver.save)
    record, note = saver.save(result)
    if note:
        TerminalMouth(talk).say(note)
    if as_json:
        dump_json(record, out)
    return 0
