"""Installing, listing and checking Vosk models, with the standard library only.

A Pi on a flaky network is the normal case, so a download resumes from a
``.part`` file, is checked against a known SHA-256 before anything is
unpacked, and is unpacked into a temporary folder beside the target and
renamed into place, so a half-installed model never looks installed. Zip
archives are untrusted input: absolute paths, ``..`` escapes, symlinks and
zip bombs are refused before a single file is written.

Each installed model carries a small manifest (``backcheck-model.json``) with
the archive checksum and every file's size and SHA-256, so ``verify`` can tell
a complete model from one damaged after installation (SD cards do that).
"""

from .command import models_command
from .common import (
    DEFAULT_MAX_MEMBERS,
    DEFAULT_MAX_UNPACKED,
    DEFAULT_MODEL,
    KNOWN_MODELS,
    MANIFEST_NAME,
    InstalledModel,
    ModelError,
    ModelSpec,
    sha256_file,
)
from .download import download_model
from .install import install_archive
from .verify import find_model, list_models, resolve_model, verify_model


__all__ = [
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_UNPACKED",
    "DEFAULT_MODEL",
    "InstalledModel",
    "KNOWN_MODELS",
    "MANIFEST_NAME",
    "ModelError",
    "ModelSpec",
    "download_model",
    "find_model",
    "install_archive",
    "list_models",
    "models_command",
    "resolve_model",
    "sha256_file",
    "verify_model",
]
