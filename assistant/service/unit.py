"""The systemd user unit that keeps `backcheck serve` running from boot, logging to the journal.

The unit runs serve exactly as it was set up when `service install` ran: every setting that came from
the command line or the environment then (data folder, microphone, speaker, engine, model, wake word,
and the rest) is written into the unit, since systemd starts serve without that terminal's options
and environment. Settings from the config file stay in the file, which serve reads itself.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

UNIT_NAME = "backcheck.service"
#: settings with a `backcheck` option, in the order they go on the command line (wake_word is serve's own)
GLOBAL_FLAGS = ("engine", "model_dir", "device", "output_device", "data_dir")
_PLAIN = re.compile(r"[A-Za-z0-9_./:=+@,-]+")


def systemd_quote(word: str) -> str:
    """One word for ExecStart= or Environment=: quoted when needed; ``%`` and ``$`` escaped (systemd expands them)."""
    word = word.replace("%", "%%").replace("$", "$$")
    if _PLAIN.fullmatch(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _given(sources: Mapping[str, str], name: str) -> bool:
    return sources.get(name, "").startswith(("command line", "environment"))


def _text(value: Any) -> str:
    return str(Path(value).expanduser().resolve()) if isinstance(value, Path) else str(value)


def serve_command_line(config: Path | None = None, wake_word: str | None = None, settings: Any = None,
                       sources: Mapping[str, str] | None = None) -> list[str]:
    """How systemd starts serve: this Python and this package (a venv install works too), with the options
    that were in effect from the command line or the environment."""
    sources = sources or {}
    cmd = [sys.executable, "-m", "assistant"]
    if config is not None:
        cmd += ["--config", str(config.resolve())]
    for name in GLOBAL_FLAGS:
        if settings is not None and _given(sources, name) and getattr(settings, name) is not None:
            cmd += ["--" + name.replace("_", "-"), _text(getattr(settings, name))]
    cmd.append("serve")
    if wake_word is None and settings is not None and _given(sources, "wake_word"):
        wake_word = settings.wake_word
    if wake_word:
        cmd += ["--wake-word", wake_word]
    return cmd


def unit_environment(settings: Any, sources: Mapping[str, str]) -> dict[str, str]:
    """BACKCHECK_* variables for the settings given on the command line or in the environment that have
    no `backcheck` option of their own (tts_rate, earcons, ...)."""
    from assistant.config import env_var

    env = {}
    for name, where in sources.items():
        if name in (*GLOBAL_FLAGS, "wake_word") or not _given(sources, name):
            continue
        value = getattr(settings, name, None)
        if value is not None:
            env[env_var(name)] = _text(value)
    return env


def unit_text(command: list[str], working_dir: Path, environment: Mapping[str, str] | None = None) -> str:
    """The unit file: restart on failure for ever (not on a configuration error, exit 78), log to the journal."""
    exec_start = " ".join(systemd_quote(c) for c in command)
    extra = "".join(f"Environment={systemd_quote(f'{k}={v}')}\n" for k, v in sorted((environment or {}).items()))
    return f"""\
[Unit]
Description=BackCheck: wake-word voice check-in for lower back pain after a workout
Documentation=file://{working_dir / 'README.md'}
# the sound server of the user's session: PipeWire on Bookworm, PulseAudio before
After=pipewire.service pipewire-pulse.service pulseaudio.service
# never give up: an always-on assistant that stopped restarting would be deaf until someone noticed
StartLimitIntervalSec=0

[Service]
Type=simple
WorkingDirectory={working_dir}
ExecStart={exec_start}
Restart=on-failure
RestartSec=10
# 78: a configuration problem (unknown wake word, damaged wake-word model) that restarting cannot fix;
# a damaged speech model is not one: serve falls back to the engines that work and says why
RestartPreventExitStatus=78
# SIGTERM saves the partial check-in and stops; give the history time to be written
TimeoutStopSec=20
Environment=PYTHONUNBUFFERED=1
{extra}StandardOutput=journal
StandardError=journal
SyslogIdentifier=backcheck
UMask=0077

[Install]
WantedBy=default.target
"""


def unit_path(home: Path | None = None) -> Path:
    """Where a systemd user unit lives: ~/.config/systemd/user/backcheck.service."""
    return (home or Path.home()) / ".config" / "systemd" / "user" / UNIT_NAME
