"""Where the station keeps its data: the platform's user data folder (platformdirs), or --data-dir.

Every `yizhan` command — the kiosk and the admin commands alike — defaults to `data_dir()`;
`python -m desktop.paths` prints it (scripts/setup.sh uses that for its demo station)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP = "yizhan"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir wins, then $YIZHAN_DATA_DIR, then the per-user data folder."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get("YIZHAN_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return user_data_path(APP, appauthor=False) / "station"


def log_dir() -> Path:
    return user_log_path(APP, appauthor=False)


if __name__ == "__main__":
    print(data_dir())
