"""What every request handler shares: settings, keys and the session factory (set at start-up)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server.core.config import HubSettings
from server.core.keys import HubKeys


@dataclass(frozen=True)
class HubState:
    settings: HubSettings
    keys: HubKeys
    engine: Engine
    sessions: sessionmaker[Session]
