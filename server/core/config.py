"""Hub settings: where the hub's home (config + key file) lives and which database it uses.

The home is `--home DIR`, else $YIZHAN_HUB_HOME, else the platform's user data folder. `init`
writes config.json there; later commands read the database URL from it unless `--db` is given.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_HOME = "YIZHAN_HUB_HOME"
ENV_DB = "YIZHAN_HUB_DB"
ENV_API_DOCS = "YIZHAN_HUB_API_DOCS"  # "1": serve /docs and /redoc (`yizhan-hub serve --api-docs`)
CONFIG_NAME = "config.json"
KEY_FILE_NAME = "hub-keys.json"


@dataclass(frozen=True)
class HubSettings:
    home: Path
    db_url: str

    @property
    def key_file(self) -> Path:
        return self.home / KEY_FILE_NAME


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    if home:
        return Path(home).expanduser().resolve()
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).expanduser().resolve()
    return Path(platformdirs.user_data_dir("yizhan-hub", appauthor=False))


def default_db_url(home: Path) -> str:
    # SQLite beside the keys is the one-machine demo default; production passes a PostgreSQL URL.
    return f"sqlite:///{home / 'hub.sqlite3'}"


def load_settings(home: str | os.PathLike[str] | None = None, db_url: str | None = None) -> HubSettings:
    root = resolve_home(home)
    url = db_url or os.environ.get(ENV_DB) or _configured_db(root) or default_db_url(root)
    return HubSettings(home=root, db_url=normalise_db_url(url))


def save_settings(settings: HubSettings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.home / CONFIG_NAME
    path.write_text(json.dumps({"db_url": settings.db_url}, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)  # a PostgreSQL URL may carry a password


def normalise_db_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and route them to psycopg 3, the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _configured_db(home: Path) -> str | None:
    path = home / CONFIG_NAME
    if not path.exists():
        return None
    value = json.loads(path.read_text(encoding="utf-8")).get("db_url")
    return str(value) if value else None
