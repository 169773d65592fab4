"""Installing a model zip safely: every member checked before a byte is written, unpacked beside the
target and renamed into place, and installed only once Vosk has shown it can load it."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from .common import (
    _CHUNK,
    DEFAULT_MAX_MEMBERS,
    DEFAULT_MAX_UNPACKED,
    KNOWN_MODELS,
    MANIFEST_NAME,
    ModelError,
    ModelSpec,
    _mb,
    sha256_file,
)
from .loads import load_problem
from .verify import _structure_problems


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why this zip member must not be extracted, or None if it is safe."""
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: no type recorded (plain file)
        return "is a special file"
    if "\\" in name or "\x00" in name:
        return "has a backslash or NUL in its name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "points outside the archive folder (..)"
    return None


def _plan(zf: zipfile.ZipFile, max_unpacked: int, max_members: int) -> tuple[list[zipfile.ZipInfo], str | None]:
    """Check every member before writing anything; return members and the common top folder."""
    infos = [i for i in zf.infolist() if not i.filename.startswith("__MACOSX/")]
    if len(infos) > max_members:
        raise ModelError(f"the archive has {len(infos)} entries, more than the {max_members} allowed; refusing it.")
    if not infos:
        raise ModelError("the archive is empty.")
    total = 0
    for info in infos:
        problem = _member_problem(info)
        if problem:
            raise ModelError(f"unsafe archive: {info.filename!r} {problem}; nothing was installed.")
        total += info.file_size
    if total > max_unpacked:
        raise ModelError(
            f"the archive would unpack to {_mb(total)}, more than the {_mb(max_unpacked)} allowed; refusing it."
        )
    tops = {PurePosixPath(i.filename).parts[0] for i in infos}
    # Vosk zips hold one top folder named like the model; strip it so the
    # folder name we choose is the one used.
    top = None
    if len(tops) == 1 and all(len(PurePosixPath(i.filename).parts) > 1 or i.is_dir() for i in infos):
        top = next(iter(tops))
    return infos, top


def _extract(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], top: str | None, root: Path, max_unpacked: int) -> None:
    root_resolved = root.resolve()
    written = 0
    for info in infos:
        parts = PurePosixPath(info.filename).parts
        if top is not None:
            parts = parts[1:]
        if not parts:
            continue
        out = root.joinpath(*parts)
        resolved = out.resolve()
        if resolved != root_resolved and root_resolved not in resolved.parents:
            raise ModelError(f"unsafe archive: {info.filename!r} points outside the target folder; nothing was installed.")
        if info.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, out.open("xb") as dst:
            while True:
                chunk = src.read(_CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > max_unpacked:  # the headers lied about sizes
                    raise ModelError(f"the archive unpacks to more than {_mb(max_unpacked)}; refusing it.")
                dst.write(chunk)


def _file_table(root: Path) -> dict[str, list[Any]]:
    table: dict[str, list[Any]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST_NAME:
            table[path.relative_to(root).as_posix()] = [path.stat().st_size, sha256_file(path)]
    return table


def _install_checked(
    archive: Path,
    dest_dir: Path,
    name: str,
    archive_sha256: str,
    *,
    source: str,
    spec: ModelSpec | None,
    max_unpacked: int | None = None,
    max_members: int = DEFAULT_MAX_MEMBERS,
) -> Path:
    """Unpack an already-checked archive beside ``dest_dir/name`` and rename it into place."""
    limit = max_unpacked if max_unpacked is not None else (spec.max_unpacked if spec else DEFAULT_MAX_UNPACKED)
    target = dest_dir / name
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{archive} is not a readable zip archive ({exc}).") from None
    with zf:
        infos, top = _plan(zf, limit, max_members)
        dest_dir.mkdir(parents=True, exist_ok=True)
        for stale in dest_dir.glob(f".{name}.installing-*"):  # left by a power cut mid-install
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}.installing-", dir=dest_dir))
        try:
            staged = work / "model"
            staged.mkdir()
            try:
                _extract(zf, infos, top, staged, limit)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
                raise ModelError(f"{archive} is damaged: {exc}.") from None
            except FileExistsError as exc:
                raise ModelError(f"unsafe archive: {exc.filename} appears twice; nothing was installed.") from None
            except OSError as exc:
                raise ModelError(
                    f"could not unpack into {dest_dir} ({exc.strerror or exc}); free some space or "
                    "choose another folder with --dest."
                ) from None
            problems = _structure_problems(staged)
            if problems:
                raise ModelError(
                    f"{archive} does not look like a Vosk model ({'; '.join(problems)}); nothing was installed."
                )
            why = load_problem(staged)
            if why is not None:
                raise ModelError(
                    f"{archive} has the files of a Vosk model but is not one that loads ({why}); nothing was "
                    "installed. Download the model again (`backcheck models download`) or use another archive."
                )
            manifest = {
                "name": name,
                "language": spec.language if spec else None,
                "source": source,
                "archive_sha256": archive_sha256,
                "archive_bytes": archive.stat().st_size,
                "installed": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "files": _file_table(staged),
            }
            (staged / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
            if target.exists():
                os.rename(target, work / "old")  # replaced below; removed with the work folder
            os.rename(staged, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def install_archive(
    archive: Path,
    dest_dir: Path,
    *,
    name: str | None = None,
    max_unpacked: int | None = None,
    max_members: int = DEFAULT_MAX_MEMBERS,
) -> Path:
    """Install a model zip that is already on disk (the offline path); return the model folder.

    The checksum is compared with :data:`KNOWN_MODELS`: an archive named like
    a known model must match it exactly. An unknown archive is installed if it
    is safe and looks like a Vosk model; its checksum is recorded for ``verify``.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise ModelError(f"{archive} does not exist or is not a file.")
    digest = sha256_file(archive)
    by_hash = next((s for s in KNOWN_MODELS.values() if s.sha256 == digest), None)
    stem = archive.name.removesuffix(".part").removesuffix(".zip")
    by_name = KNOWN_MODELS.get(stem)
    if by_hash is None and by_name is not None:
        raise ModelError(
            f"{archive} is named like {by_name.name} but its SHA-256 is {digest}, not {by_name.sha256}: "
            f"the file is damaged or incomplete. Download it again from {by_name.url}."
        )
    spec = by_hash
    model_name = name or (spec.name if spec else _top_folder_name(archive) or stem)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", model_name):
        raise ModelError(f"{model_name!r} is not a usable model folder name; pass --name NAME.")
    return _install_checked(
        archive,
        Path(dest_dir),
        model_name,
        digest,
        source=str(archive.resolve()),
        spec=spec,
        max_unpacked=max_unpacked,
        max_members=max_members,
    )


def _top_folder_name(archive: Path) -> str | None:
    try:
        with zipfile.ZipFile(archive) as zf:
            tops = {PurePosixPath(n).parts[0] for n in zf.namelist() if n and not n.startswith("__MACOSX/")}
    except (zipfile.BadZipFile, OSError, IndexError):
        return None
    return next(iter(tops)) if len(tops) == 1 else None

