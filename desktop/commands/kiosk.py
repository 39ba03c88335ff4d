"""`yizhan run` (the default command: the kiosk window), `yizhan tour` (every screen rendered
offscreen to PNG plus a measured manifest.json) and `yizhan kiosk install-autostart|remove-autostart`
(start the kiosk at login, restarted locked after a crash)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from desktop.errors import UserFacingError


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="start the kiosk (default command)")
    run.add_argument("--data-dir", help="station data folder (default: the per-user data folder)")
    run.add_argument(
        "--windowed", action="store_true", help="a normal window instead of full-screen kiosk mode"
    )
    run.set_defaults(handler=_run)

    tour = sub.add_parser("tour", help="render every screen to PNG and write manifest.json")
    tour.add_argument("--data-dir", required=True, help="station data folder (a demo station is ideal)")
    tour.add_argument("--out", required=True, help="output folder for <screen>.png and manifest.json")
    tour.add_argument("--locale", default="zh_CN", choices=("zh_CN", "en", "ko"))
    tour.add_argument("--scale", type=float, default=None, help="text scale: 1.0, 1.15 or 1.3")
    tour.add_argument(
        "--text-size",
        choices=("standard", "large", "xlarge"),
        default=None,
        help="text size by name (wins over --scale; default standard)",
    )
    tour.add_argument("--size", default="1920x1080", help="window size WxH, e.g. 1366x768 or 1080x1920")
    tour.add_argument("--theme", default="default", choices=("default", "high_contrast"))
    tour.set_defaults(handler=_tour)

    kiosk = sub.add_parser("kiosk", help="set up this machine as a kiosk (start at login)")
    kiosk_sub = kiosk.add_subparsers(dest="kiosk_command", metavar="ACTION", required=True)
    auto = kiosk_sub.add_parser(
        "install-autostart", help="start the kiosk full screen at every login (systemd user unit)"
    )
    auto.add_argument("--data-dir", help="station data folder (default: the per-user data folder)")
    auto.set_defaults(handler=_install_autostart)
    kiosk_sub.add_parser("remove-autostart", help="stop starting the kiosk at login").set_defaults(
        handler=_remove_autostart
    )


def _install_autostart(args: argparse.Namespace) -> int:
    from desktop import autostart
    from desktop.paths import data_dir

    folder = data_dir(args.data_dir)
    if not (folder / "station.key").exists():
        raise UserFacingError(
            f"no station in {folder}: set it up first with `yizhan init --data-dir {folder}`"
        )
    files = autostart.install(folder)
    print(f"autostart: {files.unit}\n           {files.desktop_entry}")
    print(
        "the kiosk starts full screen and locked at the next login; "
        f"now: systemctl --user start {autostart.UNIT_NAME}"
    )
    return 0


def _remove_autostart(_args: argparse.Namespace) -> int:
    from desktop import autostart

    removed = autostart.remove()
    print("removed: " + (", ".join(map(str, removed)) if removed else "nothing was installed"))
    return 0


def _run(args: argparse.Namespace) -> int:
    from desktop.launch import run_kiosk
    from desktop.paths import data_dir

    return run_kiosk(data_dir(args.data_dir), windowed=bool(args.windowed))


def _tour(args: argparse.Namespace) -> int:
    passphrase = os.environ.get("YIZHAN_PASSPHRASE")
    if not passphrase:
        raise UserFacingError("set YIZHAN_PASSPHRASE to the station passphrase (printed by `yizhan demo`)")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["YIZHAN_NO_VOICE"] = "1"
    from desktop.app import AppContext, create_app
    from desktop.paths import data_dir
    from ui.tour import parse_size, run_tour

    try:
        size = parse_size(args.size)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    folder = data_dir(args.data_dir)
    if not folder.exists():
        raise UserFacingError(f"{folder} does not exist (create one with `yizhan demo --data-dir {folder}`)")
    create_app()
    ctx = AppContext(folder, windowed=True)
    ctx.theme = args.theme
    try:
        manifest = run_tour(
            ctx,
            Path(args.out),
            passphrase,
            locale=args.locale,
            scale=args.scale,
            text_size=args.text_size,
            size=size,
        )
    except RuntimeError as exc:
        raise UserFacingError(str(exc)) from None
    finally:
        ctx.db.shutdown()
        if ctx.station is not None:
            ctx.station.close()
    print(f"tour: {manifest}")
    return 0
