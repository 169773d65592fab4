"""``backcheck models download|install|list|verify``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from .common import DEFAULT_MODEL, KNOWN_MODELS, MANIFEST_NAME, ModelError, _mb
from .download import download_model
from .install import install_archive
from .verify import list_models, verify_model


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
    v = sub.add_parser("verify", help="check installed models file by file, and that Vosk loads them")
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
            problems = verify_model(target, check_loads=True)
            if problems:
                failed = True
                print(f"{target}: BROKEN", file=out)
                for p in problems:
                    print(f"  - {p}", file=out)
            else:
                has_manifest = (target / MANIFEST_NAME).is_file()
                note = ("every file matches its checksum" if has_manifest else "no manifest: files not checked one by one")
                note += "; Vosk loads it"
                print(f"{target}: ok ({note})", file=out)
        if failed:
            print("reinstall a broken model with `backcheck models download` or `backcheck models install FILE.zip`.",
                  file=err)
        return 1 if failed else 0
    except ModelError as exc:
        print(f"backcheck models {args.action}: {exc}", file=err)
        return 1
