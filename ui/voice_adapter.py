"""Adapts the voice engineer's VoiceBridge (ui/voice_bridge.py) to the kiosk's VoicePort and
SpeechPort: screens' voice commands go to `set_screen`, recognised intents come back through
`intentRecognized`, dictation text through `textRecognized`, and prompts are spoken with `say`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.ports import IntentTable


class BridgeVoice:
    """VoicePort over a VoiceBridge. The bridge builds the grammar from the screen id itself."""

    def __init__(self, bridge: Any) -> None:
        self.bridge = bridge
        self.on_text: Callable[[str], None] | None = None
        bridge.textRecognized.connect(self._text)

    def set_screen(self, screen_id: str, locale: str, intents: IntentTable) -> None:
        dictation = screen_id == "text"
        self.bridge.set_screen(screen_id, locale, None, dictation)

    def set_enabled(self, enabled: bool) -> None:
        if enabled:
            self.bridge.startMicrophone()
        else:
            self.bridge.stopMicrophone()

    def connect_intents(self, on_intent: Callable[[str], None]) -> None:
        self.bridge.intentRecognized.connect(lambda intent, _confidence, _confirmed: on_intent(str(intent)))

    def _text(self, text: str, dictation: bool) -> None:
        if dictation and self.on_text is not None:
            self.on_text(text)


class BridgeSpeech:
    """SpeechPort over a VoiceBridge (TTS runs in the voice layer's own thread)."""

    def __init__(self, bridge: Any) -> None:
        self.bridge = bridge
        self.volume = 0.9
        self.rate = 160

    def speak(self, text: str, locale: str) -> None:
        self.bridge.controller.say(text, locale)

    def stop(self) -> None:
        self.bridge.stopSpeaking()

    def set_volume(self, volume: float) -> None:
        self.volume = volume
        setter = getattr(self.bridge.controller, "set_volume", None)
        if setter is not None:
            setter(volume)

    def set_rate(self, rate: int) -> None:
        self.rate = rate
        setter = getattr(self.bridge.controller, "set_rate", None)
        if setter is not None:
            setter(rate)
