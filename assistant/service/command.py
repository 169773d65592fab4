"""`backcheck service install|uninstall|status`: serve as a systemd user service on the Pi.

The unit is a *user* unit (the sound server runs in the user's session), and linger is enabled so
it starts at boot without anyone logging in. `install --print` only prints the unit, so it works
on a machine without systemd.
"""
from __future__ import annotations

import getpass
import shutil
import subprocess
import sys
from pathlib import Path

from assistant.config import Settings
from collections.abc import Mapping

from assistant.service.unit import UNIT_NAME, serve_command_line, unit_environment, unit_path, unit_text

REPO = Path(__file__).resolve().parents[2]
NO_SYSTEMD = ("systemd is not running here (no 'systemctl --user'); on a Raspberry Pi with 64-bit "
              "Raspberry Pi OS it is. 'backcheck service install --print' shows the unit file anyway")


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def _systemd_user_ok() -> str | None:
    """None when `systemctl --user` works here, else why not."""
    if shutil.which("systemctl") is None:
        return NO_SYSTEMD
    r = _run(["systemctl", "--user", "show-environment"])
    return None if r.returncode == 0 else f"{NO_SYSTEMD} ({(r.stderr or r.stdout).strip()})"


def _say(msg: str) -> None:
    print(msg, flush=True)


def _err(msg: str) -> int:
    print(f"backcheck service: {msg}", file=sys.stderr, flush=True)
    return 1


def install(settings: Settings, *, print_only: bool, config: Path | None, wake_word: str | None = None,
            sources: Mapping[str, str] | None = None) -> int:
    """Write the unit, enable linger, enable and start the service.

    The unit carries every setting given on the command line or in the environment (``sources`` says
    which), so the service runs as serve ran when it was tried; the config file it reads itself.
    """
    sources = sources or {}
    text = unit_text(serve_command_line(config, wake_word, settings, sources), REPO,
                     unit_environment(settings, sources))
    if print_only:
        sys.stdout.write(text)
        return 0
    why = _systemd_user_ok()
    if why:
        return _err(why)
    path = unit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    _say(f"wrote {path}")
    user = getpass.getuser()
    linger = _run(["loginctl", "enable-linger", user]) if shutil.which("loginctl") else None
    if linger is None or linger.returncode != 0:
        _say(f"could not enable linger (so it would only start after you log in): run 'sudo loginctl "
             f"enable-linger {user}'")
    for cmd in (["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", UNIT_NAME]):
        r = _run(cmd)
        if r.returncode != 0:
            return _err(f"'{' '.join(cmd)}' failed: {(r.stderr or r.stdout).strip()}")
    _say(f"BackCheck now starts at boot and listens for {settings.wake_word.replace('_', ' ')!r}; "
         "follow it with 'journalctl --user -u backcheck -f'")
    return 0


def uninstall() -> int:
    """Stop and disable the service and remove the unit (linger is left as it was: other services may need it)."""
    path = unit_path()
    if _systemd_user_ok() is None:
        _run(["systemctl", "--user", "disable", "--now", UNIT_NAME])
    if path.exists():
        path.unlink()
        _say(f"removed {path}")
        if _systemd_user_ok() is None:
            _run(["systemctl", "--user", "daemon-reload"])
    else:
        _say("the BackCheck service was not installed")
    return 0


def status(settings: Settings) -> int:
    """Whether it runs, with which wake word and devices, and when it last heard the wake word."""
    from assistant.serve.state import read_state, serve_running

    installed = unit_path().exists()
    active = None
    if _systemd_user_ok() is None:
        active = _run(["systemctl", "--user", "is-active", UNIT_NAME]).stdout.strip() or "unknown"
    running = serve_running(settings.data_dir)
    state = read_state(settings.data_dir) or {}
    lines = [
        f"service:     {'installed' if installed else 'not installed'} ({unit_path()})"
        + (f", systemd says {active}" if active else ", systemd not available here"),
        f"serve:       {'running (process ' + str(state.get('pid', '?')) + ')' if running else 'not running'}",
    ]
    if state:
        lines += [
            f"wake word:   {state.get('wake_word') or settings.wake_word}",
            f"microphone:  {state.get('microphone') or 'none yet'}",
            f"speaker:     {state.get('speaker') or 'none (printing)'}",
            f"started:     {state.get('started') or '?'}",
            f"last woken:  {state.get('last_wake') or 'never'}",
        ]
    else:
        lines.append(f"wake word:   {settings.wake_word} (serve has not run with data folder {settings.data_dir})")
    print("\n".join(lines))
    return 0 if running else 3


def service_command(action: str, settings: Settings, *, print_only: bool = False, config: Path | None = None,
                    wake_word: str | None = None, sources: Mapping[str, str] | None = None) -> int:
    """Dispatch `backcheck service ACTION`."""
    if action == "install":
        return install(settings, print_only=print_only, config=config, wake_word=wake_word, sources=sources)
    if action == "uninstall":
        return uninstall()
    return status(settings)


__all__ = ["install", "service_command", "status", "uninstall"]
