"""Settings in one place: defaults < config file < environment < command line.

Every tunable of BackCheck is a field of :class:`Settings`. :func:`load_settings`
builds one from four layers and also reports, for each field, which layer its
value came from, so ``backcheck config`` can answer "why is it using that
microphone?" without guesswork.

The config file is TOML with flat keys named like the fields::

    engine = "vosk"
    device = "USB PnP Sound Device"
    tts_rate = 150
    models_dir = "~/backcheck-models"   # relative paths are relative to this file

Environment variables are ``BACKCHECK_`` plus the field name in capitals
(``BACKCHECK_ENGINE``, ``BACKCHECK_MODEL_DIR``, ...); an empty variable counts
as unset. ``BACKCHECK_CONFIG`` names another config file.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.speech.factory import ENGINES
from assistant.speech.voices import VOICE_CHOICES

__all__ = [
    "ConfigError",
    "ENGINES",
    "ENV_PREFIX",
    "REPO_MODELS_DIR",
    "Settings",
    "config_file_path",
    "env_var",
    "format_settings",
    "load_settings",
]

#: wake words offered by `backcheck serve` (microWakeWord models shipped with pymicro-wakeword)
WAKE_WORDS = ("alexa", "hey_mycroft", "okay_nabu", "hey_jarvis")
#: when the listening tones play: after the wake word and before every answer, only around the wake, never
EARCONS = ("all", "wake", "off")
ENV_PREFIX = "BACKCHECK_"
#: the longest answer that may be configured: a 30 s answer peaks at about 450 MB with the default engine
MAX_ANSWER_CEILING_S = 30.0
CONFIG_ENV = "BACKCHECK_CONFIG"
APP_NAME = "backcheck"

#: The repository's own ``models/`` folder; searched after ``Settings.models_dir``
#: so a model unpacked next to a git checkout is found too.
REPO_MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


class ConfigError(Exception):
    """A setting could not be read; the message says where and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything BackCheck can be told, with the value it runs with.

    Fields:
        engine: speech recogniser: ``"auto"`` (BackCheck's answer recogniser fused
            with Vosk when a model is installed, otherwise with pocketsphinx),
            ``"answers"`` (fused with pocketsphinx), or ``"vosk"`` / ``"sphinx"``
            (that grammar recogniser alone).
        model_dir: a specific Vosk model folder to use; ``None`` means the first
            complete model found in :attr:`model_search_dirs`.
        device: microphone, as a name (or part of one) or a PortAudio index;
            ``None`` is the system default input.
        output_device: speaker for the spoken questions, same form as ``device``.
        voice: who speaks: ``"hibari"`` (the natural neural voice, default), ``"espeak-ng"`` or
            ``"pyttsx3"`` (the classic voices; also the fallback when the natural one cannot load).
        tts_rate: speaking rate of the voice in words per minute.
        tts_voice: espeak-ng / pyttsx3 voice id or name; ``None`` is the engine default.
        language: language code of the questions and answers (``intents/<language>``).
        data_dir: where BackCheck keeps its data; default
            ``$XDG_DATA_HOME/backcheck`` (``~/.local/share/backcheck``).
        models_dir: where ``backcheck models download`` installs models; default
            ``data_dir/models``. The repository's ``models/`` folder is searched too.
        history_db: SQLite file holding past check-ins; default
            ``data_dir/history.sqlite3``.
        confirm_threshold: recognition confidence (0 to 1) below which an answer
            that raises a red flag is read back and confirmed before acting on it.
        silence_timeout_s: seconds of silence after a question before it is
            asked again.
        max_answer_s: longest answer recorded, in seconds, so a noisy room cannot
            keep the microphone open for ever.
        wake_word: the wake word ``backcheck serve`` listens for: one of
            :data:`WAKE_WORDS` (see the README for why ``alexa`` is the default).
        voice_cache: where the voice's prepared prompts are kept (one folder per voice); default
            ``data_dir/voice-cache``.
        earcons: listening tones: ``"all"`` (after the wake word and before each
            answer), ``"wake"`` (only after the wake word and at the end) or ``"off"``.
    """

    engine: str = "auto"
    model_dir: Path | None = None
    device: str | None = None
    output_device: str | None = None
    voice: str = VOICE_CHOICES[0]
    tts_rate: int = 165
    tts_voice: str | None = None
    language: str = "en"
    data_dir: Path = field(default_factory=lambda: _default_data_dir(os.environ))
    models_dir: Path | None = None
    history_db: Path | None = None
    voice_cache: Path | None = None
    confirm_threshold: float = 0.9
    silence_timeout_s: float = 8.0
    max_answer_s: float = 15.0
    wake_word: str = "alexa"
    earcons: str = "all"

    def __post_init__(self) -> None:
        # Paths that derive from data_dir follow it unless given explicitly.
        if self.models_dir is None:
            object.__setattr__(self, "models_dir", self.data_dir / "models")
        if self.history_db is None:
            object.__setattr__(self, "history_db", self.data_dir / "history.sqlite3")
        if self.voice_cache is None:
            object.__setattr__(self, "voice_cache", self.data_dir / "voice-cache")

    @property
    def model_search_dirs(self) -> tuple[Path, ...]:
        """Folders searched for installed models, in order of preference."""
        assert self.models_dir is not None
        dirs = [self.models_dir]
        if REPO_MODELS_DIR.resolve() != self.models_dir.resolve():
            dirs.append(REPO_MODELS_DIR)
        return tuple(dirs)


# --- field descriptions -----------------------------------------------------

_PATH_FIELDS = {"model_dir", "data_dir", "models_dir", "history_db", "voice_cache"}
_DERIVED = {"models_dir": "models", "history_db": "history.sqlite3", "voice_cache": "voice-cache"}
_OPTIONAL = {"model_dir", "device", "output_device", "tts_voice"}
_INT_FIELDS = {"tts_rate"}
_FLOAT_FIELDS = {"confirm_threshold", "silence_timeout_s", "max_answer_s"}
_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Settings))


def env_var(name: str) -> str:
    """The environment variable that sets field ``name``."""
    return ENV_PREFIX + name.upper()


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME")
    return Path(home) if home else Path.home()


def _xdg(env: Mapping[str, str], var: str, fallback: str) -> Path:
    value = env.get(var, "")
    # The XDG spec says relative values are invalid and must be ignored.
    if value and Path(value).is_absolute():
        return Path(value)
    return _home(env) / fallback


def _default_data_dir(env: Mapping[str, str]) -> Path:
    return _xdg(env, "XDG_DATA_HOME", ".local/share") / APP_NAME


def config_file_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the config file is looked for: ``$BACKCHECK_CONFIG`` or the XDG default."""
    env = os.environ if env is None else env
    explicit = env.get(CONFIG_ENV, "")
    if explicit:
        return Path(explicit).expanduser()
    return _xdg(env, "XDG_CONFIG_HOME", ".config") / APP_NAME / "config.toml"


# --- value conversion -------------------------------------------------------


def _convert(name: str, value: Any, *, from_text: bool, base: Path | None, home: Path) -> Any:
    """Turn a raw value into the field's type; raise ValueError saying what is expected."""
    if name in _PATH_FIELDS:
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            raise ValueError("expected a path (a non-empty string)")
        text = str(value).strip()
        if text == "~" or text.startswith("~/"):
            text = str(home) + text[1:]
        path = Path(text)
        if not path.is_absolute() and base is not None:
            path = base / path
        return path
    if name in _INT_FIELDS:
        if isinstance(value, bool):
            raise ValueError("expected a whole number, not true/false")
        if isinstance(value, int):
            number = value
        elif from_text and isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                raise ValueError(f"expected a whole number, got {value!r}") from None
        else:
            raise ValueError(f"expected a whole number, got {type(value).__name__} {value!r}")
        return number
    if name in _FLOAT_FIELDS:
        if isinstance(value, bool):
            raise ValueError("expected a number, not true/false")
        if isinstance(value, (int, float)):
            return float(value)
        if from_text and isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise ValueError(f"expected a number, got {value!r}") from None
        raise ValueError(f"expected a number, got {type(value).__name__} {value!r}")
    # Plain strings. A device may be given as an index, which TOML reads as an int.
    if name in ("device", "output_device") and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__} {value!r}")
    text = value.strip()
    choices = {"engine": ENGINES, "wake_word": WAKE_WORDS, "earcons": EARCONS, "voice": VOICE_CHOICES}.get(name)
    if choices is not None:
        text = text.lower().replace("-", "_") if name == "wake_word" else text.lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
    if not text and name not in _OPTIONAL:
        raise ValueError("must not be empty")
    return text or None


def _layer_value(name: str, raw: Any, home: Path, where: str, *, from_text: bool = True,
                 base: Path | None = None) -> Any:
    """One setting from one layer, converted and range-checked; `where` names the layer in errors."""
    try:
        value = _convert(name, raw, from_text=from_text, base=base, home=home)
        if value is not None:
            _check_range(name, value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return value


def _check_range(name: str, value: Any) -> None:
    if name == "tts_rate" and not 40 <= value <= 500:
        raise ValueError(f"expected words per minute between 40 and 500, got {value}")
    if name == "confirm_threshold" and not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a confidence between 0 and 1, got {value}")
    if name in ("silence_timeout_s", "max_answer_s") and not value > 0:
        raise ValueError(f"expected a number of seconds above 0, got {value}")
    if name == "max_answer_s" and value > MAX_ANSWER_CEILING_S:
        # the recogniser keeps an answer's audio and features: memory grows with its length
        raise ValueError(f"expected at most {MAX_ANSWER_CEILING_S:g} seconds (an answer, not a recording), got {value}")


def _unknown_key_message(key: str) -> str:
    close = difflib.get_close_matches(key, _FIELD_NAMES, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown setting {key!r}; {hint}known settings: {', '.join(_FIELD_NAMES)}"


# --- layers -----------------------------------------------------------------


def _read_config_file(path: Path, home: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}. Fix the file or move it aside.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: the file is not UTF-8 text.") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, expected a TOML config file.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}.") from None
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _FIELD_NAMES:
            raise ConfigError(f"{path}: {_unknown_key_message(key)}")
        values[key] = _layer_value(key, value, home, f"{path}: setting {key!r}", from_text=False, base=path.parent)
    return values


def load_settings(
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> tuple[Settings, dict[str, str]]:
    """Build the settings from defaults, config file, environment and flags.

    ``flags`` maps field names to values given on the command line; ``None``
    values mean "not given" (argparse's default). ``env`` defaults to
    ``os.environ``. ``config_path`` overrides ``$BACKCHECK_CONFIG`` and the XDG
    location; a file named explicitly (either way) must exist, the default one
    need not.

    Returns the settings and, per field, where the value came from:
    ``"default"``, ``"config file /path"``, ``"environment BACKCHECK_X"`` or
    ``"command line --x"``.
    """
    env = os.environ if env is None else env
    flags = flags or {}
    home = _home(env)

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    explicit = config_path is not None or bool(env.get(CONFIG_ENV, ""))
    path = Path(config_path).expanduser() if config_path is not None else config_file_path(env)
    if path.exists() or explicit:
        if not path.exists():
            how = "given" if config_path is not None else f"named by {CONFIG_ENV}"
            raise ConfigError(f"config file {path} ({how}) does not exist; create it or fix the path.")
        for key, value in _read_config_file(path, home).items():
            values[key] = value
            sources[key] = f"config file {path}"

    for name in _FIELD_NAMES:
        var = env_var(name)
        raw = env.get(var, "")
        if raw == "":
            continue
        values[name] = _layer_value(name, raw, home, f"environment variable {var}")
        sources[name] = f"environment {var}"

    for key, raw in flags.items():
        if raw is None:
            continue
        if key not in _FIELD_NAMES:
            raise ConfigError(f"command line: {_unknown_key_message(key)}")
        values[key] = _layer_value(key, raw, home, f"command line {_flag(key)}")
        sources[key] = f"command line {_flag(key)}"

    if "data_dir" not in values:
        values["data_dir"] = _default_data_dir(env)
    settings = Settings(**values)

    data_dir_given = "data_dir" in sources
    for name in _FIELD_NAMES:
        if name not in sources:
            if name in _DERIVED and data_dir_given:
                sources[name] = f"default (data_dir/{_DERIVED[name]})"
            else:
                sources[name] = "default"
    return settings, sources


def _toml_value(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def format_settings(
    settings: Settings, sources: Mapping[str, str], config_path: Path | None = None
) -> str:
    """Settings as aligned ``name = value  # source`` lines, for ``backcheck config``.

    The lines are valid TOML (unset values are shown commented out), so they
    can be pasted into the config file. Passing ``config_path`` adds a header
    saying which file is read and whether it exists.
    """
    rows = []
    for name in _FIELD_NAMES:
        value = getattr(settings, name)
        text = f"{name} = {_toml_value(value)}"
        if value is None:
            text = "# " + text
        rows.append((text, sources.get(name, "default")))
    width = max(len(text) for text, _ in rows)
    lines = []
    if config_path is not None:
        state = "" if config_path.exists() else " (not found; defaults used)"
        lines.append(f"# config file: {config_path}{state}")
    lines += [f"{text.ljust(width)}  # {source}" for text, source in rows]
    dirs = ", ".join(str(d) for d in settings.model_search_dirs)
    lines.append(f"# models are searched in: {dirs}")
    return "\n".join(lines)
