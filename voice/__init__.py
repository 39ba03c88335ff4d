"""Speech for the kiosk, Qt-free: audio sources, endpointer, Vosk recognizer worker, grammar building,
intent matching, spoken prompts and the model installer. The UI drives `VoiceController`.

The package exports lazily: `voice.screens` (per-screen command tables, needed at kiosk start) must
not drag in Vosk and pypinyin, which the controller loads in the background later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ConfirmRequest", "IntentEvent", "VoiceCallbacks", "VoiceController", "VoiceStatus"]

if TYPE_CHECKING:
    from voice.controller import ConfirmRequest, IntentEvent, VoiceCallbacks, VoiceController, VoiceStatus


def __getattr__(name: str) -> Any:
    if name in __all__:
        from voice import controller

        return getattr(controller, name)
    raise AttributeError(f"module 'voice' has no attribute {name!r}")
