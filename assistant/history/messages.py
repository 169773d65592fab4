"""Person-facing text for the history package, kept in messages.yaml.

Keeping the wording in data (not code) lets it be reviewed and translated
without touching the rules that use it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["text", "messages"]


@lru_cache(maxsize=1)
def messages() -> dict[str, Any]:
    """The whole messages.yaml tree (loaded once)."""
    raw = resources.files(__package__).joinpath("messages.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ValueError("assistant/history/messages.yaml must hold a mapping")
    return data


def text(key: str, **values: Any) -> str:
    """The message at a dotted key ("trend.easing"), placeholders filled in.

    A missing key is a programming error, so it raises KeyError naming the key.
    """
    node: Any = messages()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no message {key!r} in assistant/history/messages.yaml")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"message {key!r} is not a string")
    return node.format(**values) if values else node
