"""Adapts the voice engineer's VoiceBridge (ui/voice_bridge.py) to the kiosk's VoicePort and
SpeechPort: screens' voice commands go to `set_screen`, recognised intents come back through
`intentRecognized`, dictation text through `textRecognized`, and prompts are spoken with `say`.
`connect_panel` links the window's voice strip (ui/voice_panel.py): status, live and heard text,
confirmation questions and 没听清 go to it; its 按住说话 and 是 / 不是 come back to the voice layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.ports import IntentTable


class BridgeVoice:
    """VoicePort over a VoiceBridge. The bridge builds the grammar from the screen id itself."""

    def __init__(self, bridge: Any) -> None:
        self.bridge = bridge
        self.on_text: Callable[[str], None] | None = None
        self.microphone: bool | None = None  # None until listening was tried; False: no microphone
        self.panel: Any = None
        bridge.textRecognized.connect(self._text)

    def set_screen(self, screen_id: str, locale: str, intents: IntentTable) -> None:
        dictation = screen_id == "text"
        self.bridge.set_screen(screen_id, locale, None, dictation)

    def set_enabled(self, enabled: bool) -> None:
        if enabled:
            self.microphone = bool(self.bridge.start_microphone())
        else:
            self.bridge.stop_microphone()

    def connect_intents(self, on_intent: Callable[[str], None]) -> None:
        self.bridge.intentRecognized.connect(lambda intent, _confidence, _confirmed: on_intent(str(intent)))

    def connect_panel(self, panel: Any) -> None:
        """Show what voice does in `panel` (a ui.voice_panel.VoicePanel) and take its touches."""
        self.panel = panel
        bridge = self.bridge
        bridge.statusChanged.connect(self._status)
        bridge.partialText.connect(panel.show_partial)
        bridge.textRecognized.connect(panel.show_heard)
        bridge.confirmRequested.connect(panel.ask)
        bridge.notUnderstood.connect(panel.show_not_understood)
        panel.push_to_talk.connect(bridge.push_to_talk)
        panel.answered.connect(self.answer)
        status = bridge.controller.status
        self._status(status.available, status.state, status.message)

    def _status(self, available: bool, state: str, message: str) -> None:
        if self.panel is None:
            return
        if available and self.microphone is False:
            # The model is ready but nothing can be heard: say so rather than "you can speak now".
            from voice.messages import message as voice_message

            available, state = False, "no_microphone"
            message = voice_message(state, self.bridge.controller.status.locale)
        self.panel.show_status(available, state, message)

    def answer(self, yes: bool) -> None:
        """是 / 不是 tapped: the same as saying it (the voice layer acts on a yes, or says 好的)."""
        self.bridge.controller.answer(yes)

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
        self.bridge.stop_speaking()

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
