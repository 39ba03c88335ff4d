"""What every request handler shares: settings, keys and the session factory (set at start-up)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server.core.config import HubSettings
from server.core.keys import HubKeys
from server.services import topic_queue
from server.services.feed import BroadcastCache
from server.services.station_auth import CredentialCache


@dataclass(frozen=True)
class HubState:
    settings: HubSettings
    keys: HubKeys
    engine: Engine
    sessions: sessionmaker[Session]
    # Per-process cache of decrypted station secrets; only a hint, see services/station_auth.py.
    credentials: CredentialCache = field(default_factory=CredentialCache)
    # Decrypted broadcast feed entries (immutable rows, no resident data), see services/feed.py.
    broadcasts: BroadcastCache = field(default_factory=BroadcastCache)

    def __post_init__(self) -> None:
        # Readers of the topic figures segment queued requests first, with these keys.
        topic_queue.use_keys(self.engine, self.keys)
