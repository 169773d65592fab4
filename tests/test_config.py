"""Settings layering: defaults < config file < environment < command line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assistant.config import (
    REPO_MODELS_DIR,
    ConfigError,
    Settings,
    config_file_path,
    env_var,
    format_settings,
    load_settings,
)


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "backcheck" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_xdg_and_home(home: Path) -> None:
    settings, sources = load_settings(env={"HOME": str(home)})
    assert settings.engine == "auto"
    assert settings.tts_rate == 165
    assert settings.confirm_threshold == 0.9
    assert settings.data_dir == home / ".local/share/backcheck"
    assert settings.models_dir == home / ".local/share/backcheck/models"
    assert settings.history_db == home / ".local/share/backcheck/history.sqlite3"
    assert set(sources.values()) == {"default"}
    assert set(sources) == {f.name for f in dataclasses.fields(Settings)}


def test_xdg_variables_move_data_and_config(home: Path, tmp_path: Path) -> None:
    env = {"HOME": str(home), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    settings, _ = load_settings(env=env)
    assert settings.data_dir == tmp_path / "data" / "backcheck"
    assert config_file_path(env) == tmp_path / "cfg" / "backcheck" / "config.toml"
    # A relative XDG value is invalid per the spec and ignored.
    assert config_file_path({"HOME": str(home), "XDG_CONFIG_HOME": "rel"}) == home / ".config/backcheck/config.toml"


def test_layering_order_and_sources(home: Path) -> None:
    cfg = write_config(home, 'engine = "sphinx"\ntts_rate = 150\ndevice = 3\nlanguage = "en"\n')
    env = {"HOME": str(home), "BACKCHECK_ENGINE": "vosk", "BACKCHECK_TTS_RATE": "140"}
    settings, sources = load_settings(flags={"tts_rate": 120, "device": None}, env=env)
    assert settings.engine == "vosk"  # env beats file
    assert settings.tts_rate == 120  # flag beats env and file
    assert settings.device == "3"  # file value, index kept as text; None flag = not given
    assert sources["engine"] == "environment BACKCHECK_ENGINE"
    assert sources["tts_rate"] == "command line --tts-rate"
    assert sources["device"] == f"config file {cfg}"
    assert sources["language"] == f"config file {cfg}"
    assert sources["max_answer_s"] == "default"


def test_env_overrides_each_kind_of_field(home: Path, tmp_path: Path) -> None:
    env = {
        "HOME": str(home),
        "BACKCHECK_MODEL_DIR": str(tmp_path / "m"),
        "BACKCHECK_DEVICE": "USB PnP",
        "BACKCHECK_DATA_DIR": str(tmp_path / "d"),
        "BACKCHECK_CONFIRM_THRESHOLD": "0.75",
        "BACKCHECK_TTS_VOICE": "",  # empty counts as unset
    }
    settings, sources = load_settings(env=env)
    assert settings.model_dir == tmp_path / "m"
    assert settings.device == "USB PnP"
    assert settings.confirm_threshold == 0.75
    assert settings.tts_voice is None and sources["tts_voice"] == "default"
    # Derived paths follow data_dir and say so.
    assert settings.models_dir == tmp_path / "d" / "models"
    assert sources["models_dir"] == "default (data_dir/models)"
    assert settings.history_db == tmp_path / "d" / "history.sqlite3"
    assert env_var("history_db") == "BACKCHECK_HISTORY_DB"


def test_explicit_history_db_wins_over_derived(home: Path, tmp_path: Path) -> None:
    env = {"HOME": str(home), "BACKCHECK_DATA_DIR": str(tmp_path / "d"), "BACKCHECK_HISTORY_DB": "~/h.db"}
    settings, sources = load_settings(env=env)
    assert settings.history_db == home / "h.db"
    assert sources["history_db"] == "environment BACKCHECK_HISTORY_DB"


def test_relative_paths_in_config_file_are_relative_to_it(home: Path) -> None:
    cfg = write_config(home, 'models_dir = "mymodels"\n')
    settings, _ = load_settings(env={"HOME": str(home)})
    assert settings.models_dir == cfg.parent / "mymodels"


def test_backcheck_config_env_and_explicit_path(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text("max_answer_s = 20\n")
    settings, sources = load_settings(env={"HOME": str(home), "BACKCHECK_CONFIG": str(other)})
    assert settings.max_answer_s == 20.0
    assert sources["max_answer_s"] == f"config file {other}"
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"HOME": str(home), "BACKCHECK_CONFIG": str(tmp_path / "missing.toml")})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"HOME": str(home)}, config_path=tmp_path / "missing.toml")


def test_bad_toml_names_the_file(home: Path) -> None:
    cfg = write_config(home, 'engine = "vosk\n')
    with pytest.raises(ConfigError) as info:
        load_settings(env={"HOME": str(home)})
    message = str(info.value)
    assert str(cfg) in message and "not valid TOML" in message and "line 1" in message


def test_unknown_key_names_key_and_suggests(home: Path) -> None:
    cfg = write_config(home, "tts_rat = 150\n")
    with pytest.raises(ConfigError) as info:
        load_settings(env={"HOME": str(home)})
    message = str(info.value)
    assert str(cfg) in message and "'tts_rat'" in message and "did you mean 'tts_rate'" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('tts_rate = "fast"', "expected a whole number"),
        ("tts_rate = 1.5", "expected a whole number"),
        ("confirm_threshold = 2", "between 0 and 1"),
        ('engine = "kaldi"', "expected one of auto, whisper, answers, vosk, sphinx"),
        ("language = 5", "expected a string"),
        ("[engine]\nx = 1", "expected a string"),
        ("model_dir = 3", "expected a path"),
    ],
)
def test_wrong_types_in_file(home: Path, text: str, fragment: str) -> None:
    cfg = write_config(home, text + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings(env={"HOME": str(home)})
    assert str(cfg) in str(info.value) and fragment in str(info.value)


def test_bad_env_and_flag_values_name_their_origin(home: Path) -> None:
    with pytest.raises(ConfigError, match="BACKCHECK_TTS_RATE: expected a whole number"):
        load_settings(env={"HOME": str(home), "BACKCHECK_TTS_RATE": "quick"})
    with pytest.raises(ConfigError, match="--silence-timeout-s: expected a number of seconds above 0"):
        load_settings(flags={"silence_timeout_s": "0"}, env={"HOME": str(home)})
    with pytest.raises(ConfigError, match="unknown setting 'engin'"):
        load_settings(flags={"engin": "vosk"}, env={"HOME": str(home)})


def test_settings_are_frozen(home: Path) -> None:
    settings, _ = load_settings(env={"HOME": str(home)})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.engine = "vosk"  # type: ignore[misc]


def test_format_settings_is_valid_toml_with_sources(home: Path, tmp_path: Path) -> None:
    import tomllib

    env = {"HOME": str(home), "BACKCHECK_ENGINE": "sphinx"}
    settings, sources = load_settings(env=env)
    text = format_settings(settings, sources, config_file_path(env))
    assert "not found; defaults used" in text
    assert "# environment BACKCHECK_ENGINE" in text
    assert str(REPO_MODELS_DIR) in text
    parsed = tomllib.loads(text)
    assert parsed["engine"] == "sphinx" and parsed["tts_rate"] == 165
    assert "device" not in parsed  # unset values are commented out
    # Round trip: the printed settings fed back as a config file give the same settings.
    cfg = tmp_path / "round.toml"
    cfg.write_text(text)
    again, _ = load_settings(env={"HOME": str(home)}, config_path=cfg)
    assert again == settings
