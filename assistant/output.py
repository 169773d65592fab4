"""Output helpers shared by the commands and the core (audit, text, voice), below all of them.

Kept out of cli.py so the conversation and voice modules do not depend on the command line.
"""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO


def dump_json(obj: Any, out: TextIO | None = None) -> None:
    """One JSON object per line, as the contract's --json outputs are."""
    out = out if out is not None else sys.stdout
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()
