"""`backcheck service install` writes a unit that runs serve as it was tried: same data folder, devices,
engine and settings, whether they came from options or the environment."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.conftest import HUNG_S, REPO


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=HUNG_S)


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKCHECK_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # no config file
    env["HOME"] = str(tmp_path / "home")
    return env


def _exec_start(unit: str) -> tuple[list[str], dict[str, str]]:
    """ExecStart's words and the Environment= variables, as systemd reads them (quotes, %% and $$)."""
    line = re.search(r"^ExecStart=(.*)$", unit, re.M)
    assert line is not None
    words = [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(line.group(1))]
    env = {}
    for value in re.findall(r"^Environment=(.*)$", unit, re.M):
        k, _, v = shlex.split(value)[0].partition("=")
        env[k] = v.replace("%%", "%").replace("$$", "$")
    return words, env


def test_the_unit_runs_serve_with_the_settings_it_was_installed_with(tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    tried = ["--data-dir", str(tmp_path / "my data"), "--device", "USB PnP Sound", "--output-device",
             "Speaker 100% $HOME", "--engine", "sphinx"]
    tried_env = {**env, "BACKCHECK_TTS_RATE": "150", "BACKCHECK_EARCONS": "wake", "BACKCHECK_MAX_ANSWER_S": "12"}
    res = _run([*tried, "service", "install", "--print", "--wake-word", "hey_mycroft"], tried_env)
    assert res.returncode == 0, res.stderr
    words, unit_env = _exec_start(res.stdout)
    assert words[:3] == [sys.executable, "-m", "assistant"] and words[-3:] == ["serve", "--wake-word", "hey_mycroft"]
    # what `backcheck config` says under the unit's command line and environment, with nothing else set,
    # is what it says where serve was tried
    as_tried = _run([*tried, "config"], tried_env).stdout
    as_service = _run([*words[3:-3], "config"], {**env, **unit_env}).stdout

    def values(text: str) -> dict[str, str]:
        return dict(re.findall(r"^#?\s*(\w+) = (.*?)\s+#", text, re.M))

    tried_values, service_values = values(as_tried), values(as_service)
    for name in ("data_dir", "device", "output_device", "engine", "tts_rate", "earcons", "max_answer_s",
                 "history_db"):
        assert service_values[name] == tried_values[name], (name, service_values[name], tried_values[name])
    assert "Speaker 100% $HOME" in as_service


def test_an_install_with_nothing_given_leaves_everything_to_the_config_file(tmp_path: Path) -> None:
    res = _run(["service", "install", "--print"], _clean_env(tmp_path))
    words, unit_env = _exec_start(res.stdout)
    assert words == [sys.executable, "-m", "assistant", "serve"] and unit_env == {"PYTHONUNBUFFERED": "1"}
    assert "StartLimitIntervalSec=0" in res.stdout and "UMask=0077" in res.stdout
