"""Proving that Vosk can load a model, not only that its files are there.

A zip with the right file names and garbage inside passes every file check; only Vosk itself can
say whether it is a model. The proof runs in a child process: a damaged model can make Kaldi abort
or crash, and that must never take the caller (an always-on `serve`) with it. The child loads the
model and decodes half a second of silence, then exits.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

#: a Pi 4 loads the English small model in a few seconds; a big model on an SD card takes longer
LOAD_TIMEOUT_S = 300.0
_OK = "vosk-model-loads-ok"


def load_problem(path: Path, timeout_s: float = LOAD_TIMEOUT_S) -> str | None:
    """None when Vosk loads the model at ``path`` and decodes with it; otherwise why not, in a few words."""
    cmd = [sys.executable, "-m", "assistant.model_store.loads", str(Path(path).resolve())]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"Vosk did not finish loading it within {timeout_s:.0f} s"
    except OSError as exc:
        return f"could not start the check ({exc.strerror or exc})"
    if r.returncode == 0 and _OK in r.stdout:
        return None
    if r.returncode < 0:
        try:
            name = signal.Signals(-r.returncode).name
        except ValueError:
            name = f"signal {-r.returncode}"
        return f"Vosk crashed while loading it ({name})"
    lines = [line.strip() for line in (r.stderr or r.stdout).splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith(("Vosk cannot", "vosk is not"))]  # Kaldi logs too
    return (ours or lines or [f"the check failed (exit {r.returncode})"])[-1]


def _main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m assistant.model_store.loads MODEL_DIR", file=sys.stderr)
        return 2
    try:
        import vosk
    except ImportError:
        print("vosk is not installed (pip install vosk)", file=sys.stderr)
        return 1
    vosk.SetLogLevel(-1)
    try:
        model = vosk.Model(argv[0])
        recognizer = vosk.KaldiRecognizer(model, 16000)
        recognizer.AcceptWaveform(bytes(16000))  # 0.5 s of silence, 16-bit
        recognizer.FinalResult()
    except Exception as exc:  # noqa: BLE001 - vosk raises a bare Exception for a bad model
        print(f"Vosk cannot load it: {exc}", file=sys.stderr)
        return 1
    print(_OK)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
