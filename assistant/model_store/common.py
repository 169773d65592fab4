"""What every part of the model store shares: the known models, the error, checksums, sizes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "backcheck-model.json"
DEFAULT_MAX_UNPACKED = 200 * 1024 * 1024
DEFAULT_MAX_MEMBERS = 5000
_CHUNK = 64 * 1024
_TIMEOUT_S = 30.0


class ModelError(Exception):
    """A model could not be downloaded, installed or found; the message says what to do."""


@dataclass(frozen=True)
class ModelSpec:
    """A model BackCheck knows how to fetch.

    Fields:
        name: folder name once installed (also the archive's top folder).
        url: official download address of the zip archive.
        size: archive size in bytes, checked before the checksum.
        sha256: hex SHA-256 of the archive.
        language: language code the model recognises.
        max_unpacked: refuse archives that unpack to more bytes than this.
    """

    name: str
    url: str
    size: int
    sha256: str
    language: str = "en"
    max_unpacked: int = DEFAULT_MAX_UNPACKED


KNOWN_MODELS: dict[str, ModelSpec] = {
    "vosk-model-small-en-us-0.15": ModelSpec(
        name="vosk-model-small-en-us-0.15",
        url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        size=41_205_931,
        sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        language="en",
    ),
}
DEFAULT_MODEL = "vosk-model-small-en-us-0.15"


@dataclass(frozen=True)
class InstalledModel:
    """A model folder found on disk.

    Fields:
        name: folder name.
        path: the folder.
        size_bytes: total size of the files in it.
        problems: what is wrong (missing files, damaged files); empty when complete.
    """

    name: str
    path: Path
    size_bytes: int
    problems: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when the folder has everything Vosk needs and nothing is damaged."""
        return not self.problems


# --- small helpers ----------------------------------------------------------


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so big archives use little memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _mb(n: float) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _offline_hint(spec: ModelSpec) -> str:
    return (
        f"If this computer has no internet, download {spec.url} on another computer, "
        f"copy it here and run `backcheck models install {spec.name}.zip`."
    )

