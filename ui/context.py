"""What every screen is handed: the station (None while locked), catalogue, settings, ports, the DB
worker and the per-session state (locale, text scale, theme, who is acting). desktop/app.py builds it.

Changes the whole window must follow (locale, scale, theme, voice on/off, unlock, sign-in) are
announced with the `changed` signal so screens never reach into each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from models.catalogue import Catalogue, pick
from ui import i18n
from ui.ports import NoVoice, SilentSpeech, SpeechPort, SyncPort, SyncStatus, VoicePort
from ui.tasks import DbWorker
from ui.theme import REGULAR, SCALES, Sizes

if TYPE_CHECKING:  # the station's modules (database, crypto) load after the locked screen is painted
    from models.station import Actor, Station
    from models.volunteers import VolunteerRecord


class UiContext(QObject):
    changed = Signal(str)  # "locale" | "scale" | "theme" | "voice" | "station" | "staff" | "settings"

    def __init__(
        self,
        data_dir: Path,
        catalogue: Catalogue,
        *,
        sync: SyncPort | None = None,
        speech: SpeechPort | None = None,
        voice: VoicePort | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.catalogue = catalogue
        self.db = DbWorker(self)
        self.station: Station | None = None
        self.settings: dict[str, Any] = {}
        self.sync: SyncPort | None = sync
        self.speech: SpeechPort = speech or SilentSpeech()
        self.voice: VoicePort = voice or NoVoice()
        self.locale = i18n.DEFAULT
        self.scale_index = 0
        self.sizes: Sizes = REGULAR  # regular or compact, chosen by the window for its size
        self.theme = "default"
        self.voice_on = True
        self.voice_running = False  # recognition really listening in this language (set by the window)
        self.staff: VolunteerRecord | None = None
        self.assist = False  # a volunteer is helping at the kiosk with a keyboard
        self.last_status = SyncStatus(online=False, waiting=0)
        self.windowed = True
        self.locale_forced = False  # the tour renders a chosen locale, whatever the station's setting
        self.no_auto_unlock = False
        # models.station.PreparedOpen: the open prepared while locked (ui/session.py; DB worker only)
        self.prepared_open: Any = None

    # -- words ------------------------------------------------------------------------
    def tr(self, key: str, **values: object) -> str:  # type: ignore[override]
        return i18n.tr(self.locale, key, **values)

    def pick(self, text: dict[str, str]) -> str:
        return pick(text, self.locale)

    # -- who acts -----------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        from models.station import KIOSK, Actor

        if self.staff is not None:
            return Actor(self.staff.role, self.staff.id)
        return KIOSK

    @property
    def scale(self) -> float:
        return SCALES[self.scale_index]

    def require_station(self) -> Station:
        if self.station is None:
            raise RuntimeError("the station is locked")
        return self.station

    # -- changes ------------------------------------------------------------------------
    def set_locale(self, locale: str) -> None:
        if locale in i18n.LOCALES and locale != self.locale:
            self.locale = locale
            self.changed.emit("locale")

    def set_scale_index(self, index: int) -> None:
        index %= len(SCALES)
        if index != self.scale_index:
            self.scale_index = index
            self.changed.emit("scale")

    def default_scale_index(self) -> int:
        wanted = float(self.settings.get("text_scale", 1.0))
        return min(range(len(SCALES)), key=lambda i: abs(SCALES[i] - wanted))

    def set_theme(self, theme: str) -> None:
        if theme != self.theme:
            self.theme = theme
            self.changed.emit("theme")

    def set_voice_on(self, on: bool) -> None:
        self.voice_on = on
        self.voice.set_enabled(on)
        if not on:
            self.speech.stop()
        self.changed.emit("voice")

    def say(self, text: str) -> None:
        """Speak screen text (never an ID number or PIN: callers pass display words only)."""
        if self.voice_on and text:
            self.speech.speak(text, self.locale)

    def reset_audio(self) -> None:
        self.speech.stop()
        self.speech.set_volume(float(self.settings.get("tts_volume", 0.9)))
        self.speech.set_rate(int(self.settings.get("tts_rate", 160)))

    def sync_status(self) -> SyncStatus:
        """Runs on the DB worker."""
        if self.sync is not None:
            return self.sync.status()
        station = self.station
        return SyncStatus(online=False, waiting=station.requests.count_waiting() if station else 0)
