"""`backcheck history`: look back at past check-ins, chart them, export or delete them.

Exit status: 0 done, 1 could not do it (no history, unwritable file,
deletion declined), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path
from typing import IO, NoReturn

from .messages import text
from .plot import plot_history
from .report import export_csv, format_table, to_json_lines
from .store import HistoryError, HistoryStore

__all__ = ["history_command", "build_parser"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that writes to the streams it is given and never calls sys.exit itself."""

    def __init__(self, *args: object, out: IO[str], err: IO[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._out = out
        self._err = err

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if message:
            (self._err if file is sys.stderr else self._out).write(message)

    def error(self, message: str) -> NoReturn:
        self._err.write(self.format_usage())
        self._err.write(f"{self.prog}: error: {message}\n")
        raise _UsageError(message)


def build_parser(out: IO[str] | None = None, err: IO[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser for `backcheck history` (exposed so the CLI can show its help)."""
    parser = _Parser(
        prog="backcheck history",
        description="Show your past check-ins, chart them, export them or delete them.",
        out=out or sys.stdout,
        err=err or sys.stderr,
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per check-in per line")
    parser.add_argument("--plot", metavar="FILE.png", type=Path, help="save a chart of pain across the days")
    parser.add_argument("--export", metavar="FILE.csv", type=Path, help="save every check-in to a CSV file")
    parser.add_argument("--forget", action="store_true", help="delete every saved check-in for good")
    parser.add_argument("--yes", action="store_true", help="with --forget: do not ask for confirmation")
    return parser


def history_command(
    argv: Sequence[str],
    db_path: Path,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    tz: tzinfo | None = None,
) -> int:
    """Run `backcheck history ARGV` against the history at db_path; return the exit status.

    Expected faults (unreadable history, unwritable output) are printed as one
    clear message on stderr, never as a traceback. Times are shown in `tz`
    (local time when None).
    """
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser(out, err)
    try:
        args = parser.parse_args(list(argv))
    except _UsageError:
        return EXIT_USAGE
    except SystemExit as done:  # --help
        return int(done.code or 0)

    if args.forget and (args.json or args.plot or args.export):
        err.write(text("command.forget_conflict") + "\n")
        return EXIT_USAGE

    store = HistoryStore(Path(db_path), on_message=lambda message: err.write(message + "\n"))
    try:
        if args.forget:
            return _forget(store, args.yes, stdin, out)
        return _show(store, args, out, err, tz)
    except HistoryError as exc:
        err.write(f"{exc}\n")
        return EXIT_FAILED


def _forget(store: HistoryStore, yes: bool, stdin: IO[str], out: IO[str]) -> int:
    count = store.count()
    if count == 0:
        out.write(text("command.nothing_to_forget") + "\n")
        return EXIT_OK
    if not yes:
        out.write(text("command.forget_question", count=count))
        out.flush()
        answer = stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            out.write(text("command.kept") + "\n")
            return EXIT_FAILED
    deleted = store.forget()
    out.write(text("command.forgotten", count=deleted) + "\n")
    return EXIT_OK


def _show(store: HistoryStore, args: argparse.Namespace, out: IO[str], err: IO[str], tz: tzinfo | None) -> int:
    checkins = store.all()
    # With --json, stdout stays machine-readable: confirmations go to stderr.
    notes = err if args.json else out
    status = EXIT_OK
    if args.json:
        out.write(to_json_lines(checkins))
    elif not (args.plot or args.export):
        out.write(format_table(checkins, tz=tz) if checkins else text("command.empty"))
        out.write("\n")
    if args.plot:
        if not checkins:
            err.write(text("command.nothing_to_plot") + "\n")
            status = EXIT_FAILED
        else:
            plot_history(checkins, args.plot, tz=tz)
            notes.write(text("command.plotted", count=len(checkins), path=args.plot) + "\n")
    if args.export:
        if not checkins:
            err.write(text("command.nothing_to_export") + "\n")
            status = EXIT_FAILED
        else:
            written = export_csv(checkins, args.export)
            notes.write(text("command.exported", count=written, path=args.export) + "\n")
    return status
