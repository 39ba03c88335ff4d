"""AppContext: wires the kiosk together — data folder, catalogue, DB worker, and the sync, speech and
voice ports (silent/offline defaults until the station is unlocked and the sync loop, the speaker and
the voice bridge are plugged in) — and starts the window (desktop/launch.py paints it first)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication

# Start-up lives in desktop/launch.py (kept free of the heavy imports below so it can paint first);
# these names stay importable from here.
from desktop.launch import create_app, ensure_fonts, run_kiosk
from models.catalogue import bundled_catalogue
from ui.context import UiContext
from ui.ports import LocalSyncStatus, SpeechPort, SyncPort, VoicePort
from ui.weak import weak_method

__all__ = ["AppContext", "close_kiosk", "create_app", "ensure_fonts", "run_kiosk"]

SYNC_START_DELAY_MS = 1500
RETENTION_INTERVAL_MS = 6 * 3600 * 1000


class AppContext(UiContext):
    """The UiContext plus the choice of port implementations. Other areas plug in here:
    `plug_sync(port)` (sync engine), `plug_speech(port)` (TTS facade), `plug_voice(bridge)`."""

    def __init__(self, data_dir: Path, *, windowed: bool = True) -> None:
        super().__init__(data_dir, bundled_catalogue())
        # Owned by the application object rather than by this Python wrapper, so that no garbage
        # collection (which runs on whichever thread allocates) can destroy it off the UI thread;
        # close() destroys it, on the UI thread (issue 16).
        app = QCoreApplication.instance()
        if app is not None:
            self.setParent(app)
        from ui.gc_guard import UiThreadCollector

        # Cyclic garbage is collected on the UI thread only while this context lives (ui/gc_guard.py).
        self._collector = UiThreadCollector(self)
        self.windowed = windowed
        self.sync = LocalSyncStatus(weak_method(self._count_waiting, 0))
        self._sync_loop: Any = None
        self._sync_generation = 0  # bumped by each start and stop: only the newest start may plug in
        self.changed.connect(self._on_changed)

    def _on_changed(self, what: str) -> None:
        if what == "station" and self.station is not None and self._sync_loop is None:
            from PySide6.QtCore import QTimer

            # After the first paint: the kiosk is usable at once, and sync needs no hurry.
            QTimer.singleShot(SYNC_START_DELAY_MS, self._start_sync_if_unlocked)

    def _start_sync_if_unlocked(self) -> None:
        if self.station is not None and self._sync_loop is None:
            self.start_sync()
        self._schedule_retention()

    def _schedule_retention(self) -> None:
        """Crypto-shred closed, acknowledged records past the retention period: once after start,
        then every few hours, on the DB worker (the purge is audited by the core)."""
        from PySide6.QtCore import QTimer

        if getattr(self, "_retention_timer", None) is not None:
            return
        self._retention_timer = QTimer(self)
        self._retention_timer.setInterval(RETENTION_INTERVAL_MS)
        self._retention_timer.timeout.connect(self.purge_expired)
        self._retention_timer.start()
        self.purge_expired()

    def purge_expired(self) -> None:
        from models.retention import purge
        from models.station import SYSTEM

        station = self.station
        if station is not None:
            self.db.run(lambda: purge(station, SYSTEM), lambda _n: None, lambda _exc: None)

    def start_sync(self) -> None:
        """After unlock, and again after (re-)enrolment: run the background sync loop if the station
        is enrolled with a hub. One loop at a time: a running one (which holds the previous
        credential) is stopped first, and a start overtaken by a newer one stops its own loop instead
        of plugging it in. Reading the credential and stopping a loop (which joins its thread) are
        done on the DB worker, not here on the UI thread."""
        from desktop.sync_port import start_sync

        station = self.require_station()
        self._sync_generation += 1
        generation = self._sync_generation
        previous, self._sync_loop = self._sync_loop, None
        current = weak_method(self._sync_current, False)

        def op() -> Any:
            if previous is not None:
                previous.stop()
            if not current(generation):
                return None
            port = start_sync(station)
            if port is not None and not current(generation):
                port.stop()  # overtaken (or closed) while it started
                return None
            return port

        def plug(port: Any) -> None:
            if port is None:
                if previous is not None and current(generation):
                    self.sync = LocalSyncStatus(weak_method(self._count_waiting, 0))
                return
            if not current(generation):
                self.db.run(port.stop)
                return
            self._sync_loop = port
            self.plug_sync(port)

        self.db.run(op, plug, lambda _exc: None)

    def _sync_current(self, generation: int) -> bool:
        return generation == self._sync_generation

    def stop_sync(self) -> None:
        self._sync_generation += 1  # a start still on its way stops its loop when it gets there
        if self._sync_loop is not None:
            self._sync_loop.stop()
            self._sync_loop = None

    def close(self) -> None:
        """The end of this context: the sync loop and the voice bridge stop, the DB worker finishes
        its last task, the station closes; then this QObject and its children (DB worker, timers,
        voice bridge) are destroyed here, on the UI thread. Results the worker had not yet handed
        over are dropped with it."""
        self.stop_sync()
        bridge = getattr(self.voice, "bridge", None)
        if bridge is not None:
            bridge.close()
        self.db.shutdown()
        from ui.session import discard_prepared

        discard_prepared(self)  # closed while still locked: the engine prepared for the unlock
        if self.station is not None:
            self.station.close()
        self._collector.release()
        if shiboken6.isValid(self):
            shiboken6.delete(self)

    def _count_waiting(self) -> int:
        return self.station.requests.count_waiting() if self.station is not None else 0

    def plug_sync(self, port: SyncPort) -> None:
        self.sync = port

    def plug_speech(self, port: SpeechPort) -> None:
        self.speech = port

    def plug_voice(self, port: VoicePort) -> None:
        self.voice = port

    def plug_available_voice(self, window: Any) -> None:
        """Use the voice engineer's VoiceBridge when it can start; touch works fully without it.
        Called after the window is shown so model loading never delays the start screen."""
        if os.environ.get("YIZHAN_NO_VOICE"):
            return
        try:
            from ui.voice_bridge import VoiceBridge
            from voice.tts import Speaker

            # Speech works even when recognition cannot (no model for this locale, no microphone):
            # every screen still speaks its prompt.
            bridge = VoiceBridge(self, speaker=Speaker())
        except Exception:  # noqa: BLE001
            return  # no vosk/model/microphone: voice stays off, the kiosk says so by touch
        self.plug_bridge(bridge, window)
        self._warm_prompt_cache(bridge)

    def plug_bridge(self, bridge: Any, window: Any, *, listen: bool = True) -> Any:
        """Wire a VoiceBridge into the kiosk: intents and dictation to the window, the voice strip
        (heard text, questions with 是 / 不是, why voice is off, 按住说话) to the bridge, the current
        screen's commands to the recognizer. `listen=False` leaves the microphone alone (tests feed
        WAVs through `bridge.play_wav`). Returns the BridgeVoice port."""
        from ui.voice_adapter import BridgeSpeech, BridgeVoice

        if bridge.parent() is None:
            bridge.setParent(self)  # destroyed with the context, on the UI thread (see close())
        voice = BridgeVoice(bridge)
        self.plug_voice(voice)
        self.plug_speech(BridgeSpeech(bridge))
        voice.connect_intents(window.on_intent)
        voice.on_text = window.on_dictation
        voice.connect_panel(window.voice_panel)
        if listen:
            voice.set_enabled(self.voice_on)
        window.refresh_voice()  # the screen on show was announced before voice was plugged in
        return voice

    def _warm_prompt_cache(self, bridge: Any) -> None:
        """Pre-render the catalogue's fixed prompts (they name nobody) so each screen speaks at once."""
        import threading

        from models.catalogue import pick

        speaker = getattr(bridge.controller, "speaker", None)
        if speaker is None:
            return
        locale = self.locale
        texts = [pick(t, locale) for svc in self.catalogue.services for t in (svc.prompt, svc.title)]
        texts += [
            pick(step.title, locale) for svc in self.catalogue.services for step in svc.steps if step.title
        ]

        def warm() -> None:
            for text in dict.fromkeys(t for t in texts if t):
                try:
                    speaker.prerender(text, locale)
                except Exception:  # a missing engine only means prompts render on demand  # noqa: BLE001
                    return

        threading.Thread(target=warm, name="tts-warm", daemon=True).start()


def close_kiosk(ctx: AppContext, window: Any) -> None:
    """Tear a kiosk down on the UI thread, in order: the window's timers and watchers stop, the
    context closes (sync, voice, DB worker, station — then it is destroyed), and the window with all
    its screens is destroyed last. Nothing Qt is then left for the cyclic garbage collector, which
    may run on any thread (issue 16)."""
    window.shutdown()
    ctx.close()
    window.dispose()
