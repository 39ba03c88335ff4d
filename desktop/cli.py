"""The `yizhan` command: one argparse tree; each area registers its subcommands from desktop/commands/.

Handlers import their heavy modules lazily so `yizhan --help` and small admin commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktop.commands import handwriting_cmds, kiosk, station, sync_cmds, voice_cmds
from desktop.errors import UserFacingError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yizhan", description="Yizhan 便民驿站 station")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (kiosk, station, voice_cmds, sync_cmds, handwriting_cmds):
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
    try:
        return int(handler(args) or 0)
    except UserFacingError as exc:
        print(f"yizhan: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("yizhan: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
