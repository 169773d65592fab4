"""Output helpers shared by the commands and the core (audit, text, voice), below all of them.

Kept out of cli.py so the conversation and voice modules do not depend on the command line.
"""
from __future__ import annotations

import json
import re
import sys
from typing import Any, TextIO

#: terminal control characters (C0 but tab and newline, DEL, C1) and Unicode bidirectional overrides
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without control characters: a typed or stored answer must never drive the terminal
    (an escape sequence can clear the screen, retitle the window or hide the lines before it)."""
    return _CONTROLS.sub("", text)


def dump_json(obj: Any, out: TextIO | None = None) -> None:
    """One JSON object per line, as the contract's --json outputs are."""
    out = out if out is not None else sys.stdout
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()
