"""Shared fixtures: the language data is loaded once per test session (it is validated on load)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.nlu.language import Language, load_language
from assistant.nlu.understand import Understander

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BACKCHECK_SHARED", REPO.parent / "shared"))
# how long a child process may run before a test calls it hung: generous, because pi-check runs these tests
# under emulation beside CI's own suite, where a one-second run on x86 has taken over two minutes
HUNG_S = 900


# fixtures that need the virtual PulseAudio devices: a test using one is marked `audio`,
# so `-m "not audio"` (script/pi-check under emulation, machines without a sound server) leaves it out
AUDIO_FIXTURES = {"virtual_audio"}


# markers whose tests take minutes: left out of the normal suite (run before every commit) unless
# asked for by option (--faults, --slow) or named in -m; .ci/run runs each as a step of its own
LONG_MARKERS = ("faults", "slow")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--faults", action="store_true",
                     help="also run the fault tests (marker faults: real serve processes, signals, kill -9; minutes)")
    parser.addoption("--slow", action="store_true",
                     help="also run the long checks (marker slow: retraining reproduction, long recognition runs)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if AUDIO_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.audio)
    wanted = config.getoption("-m") or ""
    left_out = [m for m in LONG_MARKERS if not config.getoption(f"--{m}") and m not in wanted]
    long = [item for item in items if any(item.get_closest_marker(m) is not None for m in left_out)]
    if long:
        config.hook.pytest_deselected(items=long)
        gone = {id(item) for item in long}
        items[:] = [item for item in items if id(item) not in gone]


@pytest.fixture(scope="session")
def lang() -> Language:
    return load_language("en")


@pytest.fixture(scope="session")
def nlu(lang: Language) -> Understander:
    return Understander(lang)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's history or config from a test."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BACKCHECK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.delenv("BACKCHECK_CONFIG", raising=False)
    monkeypatch.delenv("BACKCHECK_HISTORY_DB", raising=False)
    # the voice's prepared prompts are shared by the whole session: made once, not once per test
    monkeypatch.setenv("BACKCHECK_VOICE_CACHE", str(tmp_path_factory.getbasetemp() / "voice-cache"))


@pytest.fixture(scope="session")
def _virtual_audio_daemon(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests import vaudio

    yield from vaudio.virtual_audio_session(tmp_path_factory.mktemp("vaudio"))


@pytest.fixture
def virtual_audio(_virtual_audio_daemon):  # type: ignore[no-untyped-def]
    """A private PulseAudio with a virtual 16 kHz microphone and speaker, one per test session.

    Skips (with the reason) where the sound server cannot start. A server that died in an
    earlier test is started again, so it fails that test alone, not every one after it.
    """
    import warnings

    if _virtual_audio_daemon.revive():
        warnings.warn("the virtual sound server had died in an earlier test; started it again", stacklevel=1)
    yield _virtual_audio_daemon
    if _virtual_audio_daemon.died():
        warnings.warn(f"the virtual sound server died during this test; its log ends: {_virtual_audio_daemon.log_tail()}",
                      stacklevel=1)
