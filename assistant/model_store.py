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

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import IO, Any

__all__ = [
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_UNPACKED",
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


class _Progress:
    """Plain-text progress on a stream: one redrawn line on a terminal, a line per 10% otherwise."""

    def __init__(self, total: int, stream: IO[str] | None = None, label: str = "") -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.start_bytes: int | None = None
        self.last_draw = 0.0
        self.last_decile = -1

    def update(self, done: int) -> None:
        if self.start_bytes is None:
            self.start_bytes = done
        now = time.monotonic()
        fraction = min(done / self.total, 1.0)
        finished = done >= self.total
        if self.tty:
            if not finished and now - self.last_draw < 0.1:
                return
            self.last_draw = now
            self.stream.write("\r" + self._line(done, fraction, now))
            if finished:
                self.stream.write("\n")
        else:
            decile = int(fraction * 10)
            if decile == self.last_decile:
                return
            self.last_decile = decile
            self.stream.write(self._line(done, fraction, now) + "\n")
        self.stream.flush()

    def _line(self, done: int, fraction: float, now: float) -> str:
        width = 30
        filled = int(fraction * width)
        elapsed = max(now - self.start, 1e-6)
        rate = (done - (self.start_bytes or 0)) / elapsed
        speed = f" {_mb(rate)}/s" if elapsed > 0.5 else ""
        return (
            f"{self.label}[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% "
            f"{_mb(done)} / {_mb(self.total)}{speed}"
        )

    def finish(self) -> None:
        if self.tty and self.last_draw:
            self.stream.write("\n")
            self.stream.flush()


# --- download ---------------------------------------------------------------


def _parse_content_range(value: str | None) -> tuple[int, int | None] | None:
    """``bytes START-END/TOTAL`` → (START, TOTAL or None)."""
    if not value:
        return None
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value)
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), total


def _fetch_to_part(
    url: str, part: Path, expected_size: int, spec: ModelSpec, progress: _Progress | None
) -> None:
    """Bring ``part`` up to ``expected_size`` bytes, resuming what is already there."""
    have = part.stat().st_size if part.exists() else 0
    if have > expected_size:
        part.unlink()  # not our file, or a different version: start again
        have = 0
    if have == expected_size:
        return
    request = urllib.request.Request(url, headers={"User-Agent": "backcheck-model-store/1"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=_TIMEOUT_S)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            # The server says our range is past its end: the part is stale. Start over next time.
            part.unlink(missing_ok=True)
            raise ModelError(
                f"the server refused to resume the download ({exc.code}); the partial file was "
                "removed, run the command again to start afresh."
            ) from None
        raise ModelError(f"the server answered {exc.code} {exc.reason} for {url}. {_offline_hint(spec)}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelError(f"could not reach {url} ({reason}). {_offline_hint(spec)}") from None

    with response:
        if have and response.status == 206:
            content_range = _parse_content_range(response.headers.get("Content-Range"))
            if content_range is None or content_range[0] != have:
                part.unlink(missing_ok=True)
                raise ModelError(
                    "the server resumed at the wrong place; the partial file was removed, "
                    "run the command again to download afresh."
                )
            mode = "ab"
        else:
            # 200: the server ignored Range (or there was nothing to resume) — start from zero.
            have = 0
            mode = "wb"
        done = have
        try:
            with part.open(mode) as out:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    if done > expected_size:
                        break
                    if progress:
                        progress.update(done)
        except (OSError, TimeoutError) as exc:
            if isinstance(exc, OSError) and exc.errno in (28,):  # ENOSPC
                raise ModelError(f"the disk is full while writing {part}; free some space and run the command again.") from None
            raise ModelError(
                f"the download stopped at {_mb(done)} of {_mb(expected_size)} ({exc}); "
                "run the same command again to resume."
            ) from None
    if done > expected_size:
        part.unlink(missing_ok=True)
        raise ModelError(
            f"the server sent more than the expected {expected_size} bytes, so this is not the known "
            f"{spec.name} archive; the partial file was removed. Check the URL."
        )
    if done < expected_size:
        raise ModelError(
            f"the download stopped at {_mb(done)} of {_mb(expected_size)}; "
            "run the same command again to resume."
        )


def download_model(
    spec: ModelSpec,
    dest_dir: Path,
    progress: bool | IO[str] = True,
    url: str | None = None,
    *,
    keep_archive: bool = False,
) -> Path:
    """Download, check and install ``spec`` into ``dest_dir``; return the model folder.

    A complete model already in place is returned as is. The archive is
    fetched into ``dest_dir/<name>.zip.part`` and resumed from there after an
    interruption; ``url`` overrides ``spec.url`` (a mirror, or a test server).
    ``progress`` is True for a bar on stderr, False for none, or a text stream.
    With ``keep_archive`` the checked zip is kept as ``<name>.zip`` so
    ``verify`` can check it later.
    """
    dest_dir = Path(dest_dir)
    target = dest_dir / spec.name
    if target.is_dir() and not verify_model(target):
        return target
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(
            f"cannot create {dest_dir} ({exc.strerror}); choose another folder with --dest "
            "or set BACKCHECK_MODELS_DIR."
        ) from None
    if not os.access(dest_dir, os.W_OK):
        raise ModelError(f"cannot write to {dest_dir}; choose another folder with --dest or set BACKCHECK_MODELS_DIR.")
    part = dest_dir / f"{spec.name}.zip.part"
    have = part.stat().st_size if part.exists() else 0
    free = shutil.disk_usage(dest_dir).free
    needed = (spec.size - have) + 2 * spec.size  # rest of the archive + room to unpack it
    if free < needed:
        raise ModelError(
            f"not enough free space in {dest_dir}: {_mb(free)} free, about {_mb(needed)} needed. "
            "Free some space or choose another folder with --dest."
        )

    bar: _Progress | None = None
    if progress:
        stream = None if progress is True else progress
        bar = _Progress(spec.size, stream, label=f"{spec.name} ")
    try:
        _fetch_to_part(url or spec.url, part, spec.size, spec, bar)
    finally:
        if bar:
            bar.finish()

    digest = sha256_file(part)
    if digest != spec.sha256:
        part.unlink(missing_ok=True)
        raise ModelError(
            f"the downloaded archive is damaged or not the expected file (SHA-256 {digest}, "
            f"expected {spec.sha256}); it was deleted. Run the command again, or download "
            f"{spec.url} by hand and use `backcheck models install FILE.zip`."
        )
    path = _install_checked(part, dest_dir, spec.name, digest, source=url or spec.url, spec=spec)
    if keep_archive:
        os.replace(part, dest_dir / f"{spec.name}.zip")
    else:
        part.unlink(missing_ok=True)
    return path


# --- safe extraction --------------------------------------------------------


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


# --- checking what is installed ---------------------------------------------


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


def verify_model(path: Path, *, check_hashes: bool = True) -> list[str]:
    """What is wrong with the model folder ``path``; an empty list means it is fine.

    Checks the files Vosk needs, then, if BackCheck installed the model, every
    file against the manifest (size, and SHA-256 unless ``check_hashes`` is
    False), and a kept ``<name>.zip`` beside it against the recorded checksum.
    """
    path = Path(path)
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


# --- command line -----------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backcheck models", description="Download, install and check Vosk models.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    d = sub.add_parser("download", help="download and install a known model (resumes if interrupted)")
    d.add_argument("name", nargs="?", default=DEFAULT_MODEL, choices=sorted(KNOWN_MODELS), metavar="NAME",
                   help=f"model to fetch (default {DEFAULT_MODEL}; known: {', '.join(sorted(KNOWN_MODELS))})")
    d.add_argument("--url", help="fetch from this address instead (a mirror); the checksum is still checked")
    d.add_argument("--dest", type=Path, help="install into this folder (default: models_dir)")
    d.add_argument("--keep-archive", action="store_true", help="keep the zip beside the model for later verify")
    d.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")
    i = sub.add_parser("install", help="install a model zip already on this computer")
    i.add_argument("file", type=Path, metavar="FILE.zip")
    i.add_argument("--name", help="folder name for the model (default: from the archive)")
    i.add_argument("--dest", type=Path, help="install into this folder (default: models_dir)")
    sub.add_parser("list", help="show installed models, their size and whether they are complete")
    v = sub.add_parser("verify", help="check installed models file by file")
    v.add_argument("name", nargs="?", metavar="NAME", help="model name or folder (default: all installed)")
    return parser


def models_command(argv: Sequence[str], settings: Any, *, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``backcheck models download|install|list|verify``: 0 ok, 1 failed, 2 usage error."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    dirs = tuple(settings.model_search_dirs)
    try:
        if args.action == "download":
            dest = args.dest or settings.models_dir
            spec = KNOWN_MODELS[args.name]
            path = download_model(spec, dest, progress=False if args.no_progress else err, url=args.url,
                                  keep_archive=args.keep_archive)
            print(f"installed {spec.name} in {path}", file=out)
            return 0
        if args.action == "install":
            path = install_archive(args.file, args.dest or settings.models_dir, name=args.name)
            print(f"installed {path.name} in {path}", file=out)
            return 0
        if args.action == "list":
            models = list_models(dirs)
            if not models:
                print(f"no models installed (searched {', '.join(str(d) for d in dirs)}); "
                      "run `backcheck models download`.", file=out)
                return 0
            width = max(len(m.name) for m in models)
            for m in models:
                state = "complete" if m.complete else "INCOMPLETE: " + "; ".join(m.problems)
                print(f"{m.name.ljust(width)}  {_mb(m.size_bytes):>9}  {state}  {m.path}", file=out)
            return 0
        # verify
        if args.name:
            candidate = Path(args.name).expanduser()
            if not candidate.is_dir():
                matches = [m.path for m in list_models(dirs) if m.name == args.name]
                if not matches:
                    print(f"no model called {args.name!r} in {', '.join(str(d) for d in dirs)}; "
                          "see `backcheck models list`.", file=err)
                    return 1
                candidate = matches[0]
            targets = [candidate]
        else:
            targets = [m.path for m in list_models(dirs)]
            if not targets:
                print("no models installed; run `backcheck models download`.", file=err)
                return 1
        failed = False
        for target in targets:
            problems = verify_model(target)
            if problems:
                failed = True
                print(f"{target}: BROKEN", file=out)
                for p in problems:
                    print(f"  - {p}", file=out)
            else:
                has_manifest = (target / MANIFEST_NAME).is_file()
                note = "every file matches its checksum" if has_manifest else "structure only (no manifest)"
                print(f"{target}: ok ({note})", file=out)
        if failed:
            print("reinstall a broken model with `backcheck models download` or `backcheck models install FILE.zip`.",
                  file=err)
        return 1 if failed else 0
    except ModelError as exc:
        print(f"backcheck models {args.action}: {exc}", file=err)
        return 1
