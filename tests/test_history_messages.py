"""The history wording lives in messages.yaml and every message can be filled in."""

from __future__ import annotations

import string

import pytest

from assistant.history.messages import messages, text


def _leaves(node: object, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, f"{prefix}{key}.")]
    return [(prefix.rstrip("."), str(node))]


def test_every_message_formats_with_its_placeholders() -> None:
    leaves = _leaves(messages())
    assert len(leaves) > 30
    for key, template in leaves:
        names = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        filled = text(key, **{name: "X" for name in names}) if names else text(key)
        assert "{" not in filled, key
        assert filled.strip(), key


def test_missing_message_names_the_key() -> None:
    with pytest.raises(KeyError, match="trend.nope"):
        text("trend.nope")
