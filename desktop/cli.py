"""The `yizhan` command: one argparse tree; each area registers its subcommands from desktop/commands/.

Handlers import their heavy modules lazily so `yizhan --help` and small admin commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktop.commands import handwriting_cmds, kiosk, ledger_cmds, staff, station, sync_cmds, voice_cmds
from desktop.errors import UserFacingError

# Import names that only the `kiosk` extra installs (pyproject.toml).
KIOSK_PACKAGES = frozenset(
    {"PySide6", "shiboken6", "qtawesome", "requests", "vosk", "pyttsx3", "pypinyin", "sounddevice"}
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yizhan", description="Yizhan 便民驿站 station")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (kiosk, station, staff, voice_cmds, sync_cmds, ledger_cmds, handwriting_cmds):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help")):
        args_list = ["run", *args_list]  # `yizhan` alone starts the kiosk
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
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
