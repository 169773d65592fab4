"""The systemd user unit that keeps `backcheck serve` running from boot, logging to the journal."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

UNIT_NAME = "backcheck.service"


def serve_command_line(config: Path | None = None, wake_word: str | None = None) -> list[str]:
    """How systemd starts serve: this Python and this package, so a venv install works too."""
    cmd = [sys.executable, "-m", "assistant"]
    if config is not None:
        cmd += ["--config", str(config.resolve())]
    cmd.append("serve")
    if wake_word:
        cmd += ["--wake-word", wake_word]
    return cmd


def unit_text(command: list[str], working_dir: Path) -> str:
    """The unit file: restart on failure (not on a configuration error, exit 78), log to the journal."""
    exec_start = " ".join(shlex.quote(c) for c in command)
    return f"""\
[Unit]
Description=BackCheck: wake-word voice check-in for lower back pain after a workout
Documentation=file://{working_dir / 'README.md'}
# the sound server of the user's session: PipeWire on Bookworm, PulseAudio before
After=pipewire.service pipewire-pulse.service pulseaudio.service
# a broken setup must not loop for ever: at most 5 starts in 5 minutes
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=simple
WorkingDirectory={working_dir}
ExecStart={exec_start}
Restart=on-failure
RestartSec=5
# 78: a configuration problem (unknown wake word, damaged model) that restarting cannot fix
RestartPreventExitStatus=78
# SIGTERM saves the partial check-in and stops; give the history time to be written
TimeoutStopSec=20
Environment=PYTHONUNBUFFERED=1
StandardOutput=journal
StandardError=journal
SyslogIdentifier=backcheck

[Install]
WantedBy=default.target
"""


def unit_path(home: Path | None = None) -> Path:
    """Where a systemd user unit lives: ~/.config/systemd/user/backcheck.service."""
    return (home or Path.home()) / ".config" / "systemd" / "user" / UNIT_NAME
