"""Checking what is installed: the files Vosk needs, each file against the manifest, and finding models."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .common import KNOWN_MODELS, MANIFEST_NAME, InstalledModel, ModelError, sha256_file
from .loads import load_problem


def _structure_problems(path: Path) -> list[str]:
    """Files Vosk needs to load a model (see vosk's model.cc), as problems if missing."""
    problems = []
    for rel in ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf"):
        f = path / rel
        if not f.is_file():
            problems.append(f"{rel} is missing")
        elif f.stat().st_size == 0:
            problems.append(f"{rel} is empty")
    graph = path / "graph"
    if not graph.is_dir():
        problems.append("graph/ is missing")
    elif not (graph / "HCLG.fst").is_file() and not (
        (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    ):
        problems.append("graph/ has neither HCLG.fst nor HCLr.fst + Gr.fst")
    return problems


def verify_model(path: Path, *, check_hashes: bool = True, check_loads: bool = False) -> list[str]:
    """What is wrong with the model folder ``path``; an empty list means it is fine.

    Checks the files Vosk needs, then, if BackCheck installed the model, every
    file against the manifest (size, and SHA-256 unless ``check_hashes`` is
    False), and a kept ``<name>.zip`` beside it against the recorded checksum.
    With ``check_loads``, a model whose files are all in order must also load
    in Vosk (in a child process, a few seconds): files with the right names and
    garbage inside pass every other check.
    """
    problems = _file_problems(Path(path), check_hashes)
    if check_loads and not problems:
        why = load_problem(Path(path))
        if why is not None:
            problems.append(f"Vosk cannot use it: {why}")
    return problems


def _file_problems(path: Path, check_hashes: bool) -> list[str]:
    if not path.is_dir():
        return [f"{path} is not a folder"]
    problems = _structure_problems(path)
    manifest_path = path / MANIFEST_NAME
    if not manifest_path.is_file():
        return problems
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return problems + [f"{MANIFEST_NAME} is unreadable; reinstall the model"]
    for rel, (size, digest) in files.items():
        f = path / rel
        if not f.is_file():
            problems.append(f"{rel} is missing")
        elif f.stat().st_size != size:
            problems.append(f"{rel} has {f.stat().st_size} bytes, expected {size}")
        elif check_hashes and sha256_file(f) != digest:
            problems.append(f"{rel} is damaged (checksum differs)")
    archive = path.parent / f"{path.name}.zip"
    expected = manifest.get("archive_sha256")
    if archive.is_file() and expected and sha256_file(archive) != expected:
        problems.append(f"{archive.name} beside the model is damaged (checksum differs)")
    spec = KNOWN_MODELS.get(path.name)
    if spec and expected and expected != spec.sha256:
        problems.append(f"installed from an archive with SHA-256 {expected}, not the official {spec.sha256}")
    return sorted(set(problems), key=problems.index)


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _looks_like_model(path: Path) -> bool:
    return any((path / p).exists() for p in ("am", "conf", "graph", MANIFEST_NAME))


def list_models(dirs: Iterable[Path], *, check_hashes: bool = False) -> list[InstalledModel]:
    """Model folders found directly inside ``dirs`` (missing folders are skipped), in order.

    Hashes are not checked by default so listing stays quick on a Pi; use
    :func:`verify_model` for the full check.
    """
    found: list[InstalledModel] = []
    seen: set[Path] = set()
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if child.name.startswith(".") or not child.is_dir() or not _looks_like_model(child):
                continue
            key = child.resolve()
            if key in seen:
                continue
            seen.add(key)
            problems = verify_model(child, check_hashes=check_hashes)
            found.append(InstalledModel(child.name, child, _dir_size(child), tuple(problems)))
    return found


def _model_language(model: InstalledModel) -> str | None:
    try:
        lang = json.loads((model.path / MANIFEST_NAME).read_text(encoding="utf-8")).get("language")
        if lang:
            return str(lang)
    except (OSError, ValueError, AttributeError):
        pass
    match = re.search(r"-([a-z]{2})(?:-[a-z]{2})?-\d", model.name)
    return match.group(1) if match else None


def find_model(dirs: Iterable[Path], language: str | None = None) -> Path | None:
    """The first complete model in ``dirs`` (optionally for ``language``), or None."""
    for model in list_models(dirs):
        if model.complete and (language is None or _model_language(model) in (language, None)):
            return model.path
    return None


def resolve_model(settings: Any) -> Path:
    """The model folder the settings point to: ``model_dir`` if set, else the first found.

    Raises :class:`ModelError` saying how to get one when there is none.
    """
    if getattr(settings, "model_dir", None):
        path = Path(settings.model_dir)
        problems = verify_model(path, check_hashes=False)
        if problems:
            raise ModelError(
                f"the Vosk model at {path} is not usable: {'; '.join(problems)}. Fix model_dir "
                "(BACKCHECK_MODEL_DIR) or run `backcheck models download`."
            )
        return path
    dirs = tuple(settings.model_search_dirs)
    found = find_model(dirs, getattr(settings, "language", None))
    if found is None:
        raise ModelError(
            f"no Vosk model found in {', '.join(str(d) for d in dirs)}. Run `backcheck models download`, "
            "or use --engine sphinx, which needs no download."
        )
    return found

