"""Reading BackCheck's YAML data files (intents/, vignettes) and checking their entries.

Why one place: every data file is read the same way (YAML 1.2 booleans, so `no` stays a word)
and every fault is reported the same way: the file, the entry, and what is wrong.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

__all__ = ["IntentDataError", "load_yaml"]


class IntentDataError(Exception):
    """A data file in intents/ is missing or malformed; the message names file, entry and problem."""


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false are booleans, so `yes`, `no`, `on`, `off` stay words."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(path: Path) -> Any:
    """Read YAML the way all BackCheck data files are read (also vignettes): `no` stays a word."""
    return read_data(path)


def read_data(path: Path) -> Any:
    if not path.is_file():
        raise IntentDataError(f"{path}: file is missing. Reinstall BackCheck or restore intents/ from git.")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise IntentDataError(f"{path}: not valid YAML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IntentDataError(f"{path}: cannot be read: {exc}") from None
    if data is None:
        raise IntentDataError(f"{path}: file is empty")
    return data


def need(cond: bool, path: Path, entry: str, problem: str) -> None:
    if not cond:
        raise IntentDataError(f"{path}: entry '{entry}': {problem}")


def str_list(value: Any, path: Path, entry: str) -> tuple[str, ...]:
    need(isinstance(value, list) and len(value) > 0, path, entry, "must be a non-empty list of phrases")
    for item in value:
        need(isinstance(item, str) and item.strip() != "", path, entry, f"phrase {item!r} must be non-empty text")
    return tuple(str(v) for v in value)


def text_of(value: Any, path: Path, entry: str) -> str:
    need(isinstance(value, str) and value.strip() != "", path, entry, "must be non-empty text")
    return str(value).strip()
