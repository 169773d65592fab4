"""Garbage-word selection for out-of-grammar rejection."""

from __future__ import annotations

from assistant.speech.rejection import GARBAGE_WORDS, phone_distance, select_garbage

PRONS = {
    "left": ("L EH F T",),
    "let": ("L EH T",),
    "cat": ("K AE T",),
    "go": ("G OW",),
    "no": ("N OW",),
    "know": ("N OW",),
}


def prons(w: str) -> tuple[str, ...]:
    return PRONS.get(w, ())


def test_phone_distance() -> None:
    assert phone_distance("L EH F T", "L EH T") == 1
    assert phone_distance("G OW", "N OW") == 1
    assert phone_distance("K AE T", "K AE T") == 0
    assert phone_distance("", "A B") == 2


def test_garbage_avoids_sound_alikes_and_excluded_words() -> None:
    g = select_garbage(["left"], prons)
    assert "let" not in g  # one phone from "left": would steal real answers
    assert "cat" in g and "go" in g
    assert "go" not in select_garbage(["left"], prons, exclude=["go"])
    assert "go" not in select_garbage(["no"], prons)  # "go" is one phone from "no"


def test_garbage_list_has_no_duplicates() -> None:
    assert len(set(GARBAGE_WORDS)) == len(GARBAGE_WORDS)


def test_the_wide_list_adds_a_thousand_words_to_the_short_one() -> None:
    from assistant.speech.rejection import wide_garbage_words

    wide, problem = wide_garbage_words()
    assert problem == "" and wide[: len(GARBAGE_WORDS)] == GARBAGE_WORDS
    assert len(wide) == len(set(wide)) and len(set(wide) - set(GARBAGE_WORDS)) >= 950
    assert all(w.isalpha() and w.islower() for w in wide)


def test_garbage_comes_from_the_candidates_given() -> None:
    assert select_garbage(["left"], prons, candidates=["cat", "let"]) == ["cat"]


def test_a_missing_wide_list_falls_back_to_the_short_one_and_says_how_to_restore_it(tmp_path) -> None:
    from assistant.speech.rejection import wide_garbage_words

    words, problem = wide_garbage_words(tmp_path / "garbage_words_en.txt")
    assert words == GARBAGE_WORDS
    assert str(tmp_path / "garbage_words_en.txt") in problem and "git checkout" in problem
