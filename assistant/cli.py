"""The `backcheck` command: one entry point, many ends on the same conversation core.

Every expected fault ends here as one plain sentence on stderr and an exit status; a traceback
would only frighten someone sitting on a gym mat with a sore back.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from assistant.config import ENGINES, WAKE_WORDS, ConfigError, Settings, config_file_path, format_settings, load_settings
from assistant.malloc_arenas import limit_malloc_arenas
from assistant.nlu.language import IntentDataError, load_language

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="backcheck",
        description="Offline check-in for lower back pain after a workout: ordinary soreness, or a reason "
                    "to see a doctor? With no command, runs the check-in by voice.",
    )
    p.add_argument("--text", action="store_true", help="do the check-in by typing instead of speaking")
    p.add_argument("--json", action="store_true", help="print the final record as JSON on stdout")
    p.add_argument("--engine", choices=ENGINES, default=None, help="speech recogniser")
    p.add_argument("--model-dir", type=Path, default=None, help="Vosk model folder to use")
    p.add_argument("--device", default=None, help="microphone name (or part of it) or index")
    p.add_argument("--output-device", default=None, help="speaker name or index")
    p.add_argument("--config", type=Path, default=None, help="config file (TOML) to read")
    p.add_argument("--data-dir", type=Path, default=None, help="where history is kept")
    p.add_argument("--no-history", action="store_true", help="do not read or save check-in history")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("audit", help="run vignettes (scripted answers) through the conversation")
    a.add_argument("file", type=Path, help="audit file (YAML list of vignettes)")
    a.add_argument("--json", action="store_true", dest="audit_json", help="one JSON object per vignette")
    a.add_argument("--record", action="store_true", help="save each vignette as a check-in in the history")

    li = sub.add_parser("listen", help="recognise WAV files as answers to one question")
    li.add_argument("--slot", required=True, help="the slot whose question the recordings answer")
    li.add_argument("--engine", choices=ENGINES, default=argparse.SUPPRESS)
    li.add_argument("--model-dir", type=Path, default=argparse.SUPPRESS)
    li.add_argument("--json", action="store_true", dest="listen_json", help="one JSON object per file")
    li.add_argument("files", nargs="+", type=Path, help="WAV files (any rate, mono or stereo, 16-bit PCM)")

    sub.add_parser("devices", help="list microphones and speakers")
    d = sub.add_parser("demo", help="a whole spoken check-in, answered by a synthetic voice")
    d.add_argument("--vignette", default="radiating-left-leg", help="which built-in demo answers to use")
    d.add_argument("--people", type=Path, default=None,
                   help="a YAML file of other demo people (e.g. tests/demo-phrases.yaml: phrase answers)")
    d.add_argument("--engine", choices=ENGINES, default=argparse.SUPPRESS)
    sub.add_parser("config", help="show the settings in effect and where each came from")
    se = sub.add_parser("serve", help="always on: wait for the wake word, then do a check-in by voice")
    _wake_word_option(se)
    se.add_argument("--once", action="store_true", help="stop after one check-in")
    w = sub.add_parser("wake", help="find the wake word in WAV files (any rate, mono or stereo)")
    _wake_word_option(w)
    w.add_argument("--json", action="store_true", dest="wake_json", help="one JSON object per file")
    w.add_argument("files", nargs="+", type=Path, help="WAV files")
    sv = sub.add_parser("service", help="run serve at boot as a systemd user service (Raspberry Pi)")
    sv.add_argument("action", choices=("install", "uninstall", "status"))
    sv.add_argument("--print", action="store_true", dest="print_unit", help="with install: show the unit file only")
    _wake_word_option(sv, " (with install: written into the unit)")
    sub.add_parser("mic-check", help="record 3 seconds, show the level, say if the microphone is fine, play it back")
    # these parse their own options; listed here for --help
    sub.add_parser("models", help="download, install, list or verify Vosk models", add_help=False)
    sub.add_parser("history", help="past check-ins: table, --json, --plot, --export, --forget", add_help=False)
    sub.add_parser("bench", help="accuracy, false accepts, speed and memory of speech understanding",
                   add_help=False)
    sub.add_parser("voice", help="which voice speaks: say a sentence, --out FILE.wav, or --prepare every prompt",
                   add_help=False)
    sub.add_parser("train", help="train a model: answers (the answer recogniser, from the shared recordings), "
                   "meaning (understanding described answers, from intents/), meaning-table",
                   add_help=False)
    return p


def _wake_word_option(p: argparse.ArgumentParser, more: str = "") -> None:
    choices = tuple(n.replace("_", "-") for n in WAKE_WORDS) + WAKE_WORDS
    p.add_argument("--wake-word", choices=choices, default=None, metavar="NAME",
                   help=f"wake word model: {', '.join(WAKE_WORDS)} (default {Settings.wake_word}){more}")


def _settings(args: argparse.Namespace) -> tuple[Settings, dict[str, str]]:
    flags = {
        "engine": getattr(args, "engine", None),
        "model_dir": getattr(args, "model_dir", None),
        "device": args.device,
        "output_device": args.output_device,
        "data_dir": args.data_dir,
        "wake_word": getattr(args, "wake_word", None),
    }
    return load_settings(flags=flags, config_path=args.config)


def _print_err(msg: str) -> None:
    print(f"backcheck: {msg}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    limit_malloc_arenas()  # before any thread starts: keeps a check-in under 400 MB
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("\nbackcheck: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


#: Commands that parse their own options (everything after the command word is theirs).
PASSTHROUGH = ("models", "history", "bench", "train", "voice")


def _split_passthrough(argv: list[str]) -> tuple[list[str], str | None, list[str]]:
    for i, word in enumerate(argv):
        if word in PASSTHROUGH and not (i > 0 and argv[i - 1] in _VALUE_FLAGS):
            return argv[:i], word, argv[i + 1:]
    return argv, None, []


_VALUE_FLAGS = ("--engine", "--model-dir", "--device", "--output-device", "--config", "--data-dir")


def _main(argv: list[str]) -> int:
    argv, passthrough, rest = _split_passthrough(argv)
    args = _parser().parse_args(argv)
    if passthrough:
        args.command = passthrough
    try:
        settings, sources = _settings(args)
    except ConfigError as exc:
        _print_err(str(exc))
        return EXIT_USAGE
    if args.command == "config":
        print(format_settings(settings, sources, args.config or config_file_path()))
        return EXIT_OK
    from assistant.datadir import DataDirError, check_data_dir

    try:
        check_data_dir(settings.data_dir)
    except DataDirError as exc:
        _print_err(str(exc))
        return EXIT_USAGE
    if args.command == "models":
        from assistant.model_store import models_command

        return models_command(rest, settings)
    if args.command == "history":
        from assistant.history.command import history_command

        return history_command(rest, settings.history_db)
    if args.command == "bench":
        try:
            from assistant.bench.command import bench_command
        except ImportError as exc:
            _print_err(f"the benchmark needs more packages ({exc.name} is missing): "
                       "pip install -e '.[bench]'")
            return EXIT_FAIL
        return bench_command(rest, settings)
    if args.command == "voice":
        from assistant.speech.voice_command import voice_command

        return voice_command(rest, settings)
    if args.command == "train":
        if rest[:1] == ["meaning"]:
            from assistant.training.meaning import main as train_meaning

            return train_meaning(rest[1:])
        if rest[:1] == ["meaning-table"]:
            from assistant.training.meaning_table import main as train_table

            return train_table(rest[1:])
        from assistant.training.answers import main as train_main

        return train_main(rest)
    try:
        lang = load_language(settings.language)
    except IntentDataError as exc:
        _print_err(f"the language data is broken: {exc}")
        return EXIT_FAIL
    if args.command == "audit":
        from assistant.dialog.audit_command import audit_command

        return audit_command(lang, args.file, as_json=args.audit_json, record=args.record, settings=settings)
    if args.command == "listen":
        from assistant.voice.listen import listen_command

        return listen_command(lang, settings, args.slot, args.files, as_json=args.listen_json)
    if args.command == "devices":
        from assistant.audio.devices import format_devices

        print(format_devices())
        return EXIT_OK
    if args.command == "wake":
        from assistant.wake.command import wake_command

        return wake_command(args.files, settings.wake_word, as_json=args.wake_json)
    if args.command == "service":
        from assistant.service.command import service_command

        return service_command(args.action, settings, print_only=args.print_unit, config=args.config,
                               wake_word=args.wake_word, sources=sources)
    if args.command == "mic-check":
        from assistant.audio.mic_check import mic_check_command

        return mic_check_command(settings)
    if args.command == "serve":
        from assistant.serve.loop import serve_command

        return serve_command(lang, settings, once=args.once)
    if args.command == "demo":
        from assistant.voice.demo import demo_command

        return demo_command(lang, settings, args.vignette, args.people)
    if args.text:
        from assistant.dialog.text_mode import text_checkin

        return text_checkin(lang, settings, as_json=args.json, use_history=not args.no_history)
    from assistant.voice.session import voice_checkin

    return voice_checkin(lang, settings, as_json=args.json, use_history=not args.no_history)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
