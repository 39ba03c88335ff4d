"""The `yizhan` command: one argparse tree; each area registers its subcommands from desktop/commands/.

Handlers import their heavy modules lazily so `yizhan --help` and small admin commands start fast;
`yizhan run` (and `yizhan` alone) imports and registers the kiosk's commands only, so the locked
screen is painted without waiting for the whole command tree (issue 17).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from desktop.errors import UserFacingError

# desktop/commands/<module> for each area, in the order `yizhan --help` lists them.
COMMAND_MODULES = ("kiosk", "station", "staff", "voice_cmds", "sync_cmds", "ledger_cmds", "handwriting_cmds")
# Commands whose area is registered alone when they are the one asked for.
ALONE = {"run": "kiosk"}
# Commands that open the log file themselves: the kiosk after its first paint (desktop/launch.py).
OWN_LOG = frozenset({"run"})

# Import names that only the `kiosk` extra installs (pyproject.toml).
KIOSK_PACKAGES = frozenset(
    {"PySide6", "shiboken6", "qtawesome", "requests", "vosk", "pyttsx3", "pypinyin", "sounddevice"}
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every area's commands; with `only` (a COMMAND_MODULES name) that area's alone."""
    parser = argparse.ArgumentParser(prog="yizhan", description="Yizhan 便民驿站 station")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(f"desktop.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help")):
        args_list = ["run", *args_list]  # `yizhan` alone starts the kiosk
    parser = build_parser(ALONE.get(args_list[0]))
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    if args.command not in OWN_LOG:
        from desktop import logs

        logs.configure()
    try:
        return int(handler(args) or 0)
    except UserFacingError as exc:
        print(f"yizhan: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("yizhan: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in KIOSK_PACKAGES:
            raise
        # A hub-only install (`yizhan[hub]`) has the command but not the kiosk's packages.
        print(
            f"yizhan: this command needs the kiosk's packages ({exc.name} is missing): "
            "pip install 'yizhan[kiosk]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
