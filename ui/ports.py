"""Ports the kiosk talks through, so sync, speech and voice can be plugged in by desktop/app.py.

`SyncPort` reports {online, waiting, last_success} and runs `sync_now()`; `SpeechPort` speaks prompts
(never ID numbers or PINs); `VoicePort` receives each screen's voice commands. The defaults here
work with no network and no audio: sync reports offline with the local waiting count, speech and
voice do nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

IntentTable = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    waiting: int
    last_success: dt.datetime | None = None
    stopped: str | None = (
        None  # why sync stopped, an i18n key suffix ("sync.stopped.<key>"); None while it runs
    )
    parked: int = 0  # pulled hub changes that need a volunteer (sync/parking.py)
    # why the last pass failed, as a class for plain words ("sync.failed.<key>"); None after success
    failure: str | None = None


@runtime_checkable
class SyncPort(Protocol):
    """Sync status for the status strip. `status()` is called on the DB worker thread, never the UI."""

    def status(self) -> SyncStatus: ...

    def sync_now(self) -> None: ...


@runtime_checkable
class SpeechPort(Protocol):
    """Text to speech. Callers pass display text only; ID numbers and PINs are never spoken."""

    def speak(self, text: str, locale: str) -> None: ...

    def stop(self) -> None: ...

    def set_volume(self, volume: float) -> None: ...

    def set_rate(self, rate: int) -> None: ...


@runtime_checkable
class VoicePort(Protocol):
    """Speech recognition. The adapter (ui/voice_bridge.py) calls `on_intent(intent_id)` for a recognised
    intent; the kiosk tells it, per screen, which intents are active in which locale."""

    def set_screen(self, screen_id: str, locale: str, intents: IntentTable) -> None: ...

    def set_enabled(self, enabled: bool) -> None: ...

    def connect_intents(self, on_intent: Callable[[str], None]) -> None: ...


class LocalSyncStatus:
    """Default until the station joins a hub: offline, waiting = records not yet acknowledged, and
    stopped because it is not joined (so the volunteer's sync screen says why nothing moves)."""

    joined = False

    def __init__(self, count_waiting: Callable[[], int]) -> None:
        self._count_waiting = count_waiting

    def status(self) -> SyncStatus:
        return SyncStatus(
            online=False, waiting=self._count_waiting(), last_success=None, stopped="not_enrolled"
        )

    def sync_now(self) -> None:
        return None


class SilentSpeech:
    """Default speech port: remembers what it would have said (useful in tests), says nothing."""

    def __init__(self) -> None:
        self.spoken: list[tuple[str, str]] = []
        self.volume = 1.0
        self.rate = 160

    def speak(self, text: str, locale: str) -> None:
        self.spoken.append((text, locale))

    def stop(self) -> None:
        return None

    def set_volume(self, volume: float) -> None:
        self.volume = volume

    def set_rate(self, rate: int) -> None:
        self.rate = rate


class NoVoice:
    """Default voice port: no recognizer; remembers the last screen's table for tests and the tour."""

    def __init__(self) -> None:
        self.screen_id = ""
        self.intents: dict[str, tuple[str, ...]] = {}
        self.enabled = False

    def set_screen(self, screen_id: str, locale: str, intents: IntentTable) -> None:
        self.screen_id = screen_id
        self.intents = dict(intents)

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled

    def connect_intents(self, on_intent: Callable[[str], None]) -> None:
        del on_intent
