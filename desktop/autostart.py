"""Start the kiosk at login on Linux: a systemd user unit that runs `yizhan run` full screen and
restarts it after a crash, plus an XDG autostart entry that starts that unit on desktops whose
session does not reach systemd's graphical-session.target (LXDE, Openbox, …).

After a crash the kiosk comes back *locked*: the unit removes YIZHAN_PASSPHRASE from its
environment, so no passphrase can reach it from the user's session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

UNIT_NAME = "yizhan-kiosk.service"
DESKTOP_NAME = "yizhan-kiosk.desktop"
TARGET = "graphical-session.target"
RESTART_SECONDS = 2


@dataclass(frozen=True)
class AutostartFiles:
    unit: Path
    wants_link: Path
    desktop_entry: Path


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def paths(config: Path | None = None) -> AutostartFiles:
    root = config or config_home()
    units = root / "systemd" / "user"
    return AutostartFiles(
        unit=units / UNIT_NAME,
        wants_link=units / f"{TARGET}.wants" / UNIT_NAME,
        desktop_entry=root / "autostart" / DESKTOP_NAME,
    )


def yizhan_command() -> list[str]:
    """The `yizhan` console script beside this interpreter (a venv's bin/), else `python -m`."""
    script = Path(sys.executable).parent / "yizhan"
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop.cli"]


def _unit_quote(arg: str) -> str:
    """One ExecStart argument: double-quoted with C-style escapes, and % doubled (unit specifiers)."""
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{escaped}"'


def unit_text(data_dir: Path, command: list[str] | None = None) -> str:
    argv = [*(command or yizhan_command()), "run", "--data-dir", str(data_dir)]
    return f"""# Written by `yizhan kiosk install-autostart`; remove with `yizhan kiosk remove-autostart`.
[Unit]
Description=Yizhan kiosk (full screen, starts locked)
PartOf={TARGET}
After={TARGET}
# A kiosk that cannot start at all (no display, broken install) stops retrying after 10 tries in
# 5 minutes instead of looping for ever; `systemctl --user restart {UNIT_NAME}` tries again.
StartLimitIntervalSec=300
StartLimitBurst=10

[Service]
Type=exec
ExecStart={" ".join(_unit_quote(a) for a in argv)}
# Locked after every start, a crash-restart included: never a passphrase from the environment.
UnsetEnvironment=YIZHAN_PASSPHRASE
Restart=on-failure
RestartSec={RESTART_SECONDS}

[Install]
WantedBy={TARGET}
"""


def desktop_entry_text() -> str:
    # Import the display variables into the user manager first: sessions that do not reach
    # graphical-session.target have not done so, and Qt needs DISPLAY or WAYLAND_DISPLAY.
    start = (
        "systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY; "
        f"exec systemctl --user start {UNIT_NAME}"
    )
    return f"""[Desktop Entry]
Type=Application
Name=Yizhan kiosk
Comment=Starts the Yizhan kiosk at login (systemd user unit {UNIT_NAME})
Exec=sh -c "{start}"
NoDisplay=true
X-GNOME-Autostart-enabled=true
"""


def install(data_dir: Path, config: Path | None = None, command: list[str] | None = None) -> AutostartFiles:
    """Write the unit and the autostart entry, and enable the unit (the symlink `systemctl --user
    enable` would make, so this works without a running user manager too)."""
    files = paths(config)
    files.unit.parent.mkdir(parents=True, exist_ok=True)
    files.unit.write_text(unit_text(data_dir, command), encoding="utf-8")
    files.wants_link.parent.mkdir(parents=True, exist_ok=True)
    if files.wants_link.is_symlink() or files.wants_link.exists():
        files.wants_link.unlink()
    files.wants_link.symlink_to(Path("..") / UNIT_NAME)
    files.desktop_entry.parent.mkdir(parents=True, exist_ok=True)
    files.desktop_entry.write_text(desktop_entry_text(), encoding="utf-8")
    _reload_user_manager()
    return files


def remove(config: Path | None = None) -> list[Path]:
    files = paths(config)
    removed = []
    for path in (files.wants_link, files.unit, files.desktop_entry):
        if path.is_symlink() or path.exists():
            path.unlink()
            removed.append(path)
    _reload_user_manager()
    return removed


def _reload_user_manager() -> None:
    """Tell a running systemd user manager about the change; without one, the next login reads it."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime or not (Path(runtime) / "systemd" / "private").exists() or not shutil.which("systemctl"):
        return
    subprocess.run(["systemctl", "--user", "daemon-reload"], capture_output=True, timeout=30, check=False)
