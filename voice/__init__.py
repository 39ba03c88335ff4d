"""Speech for the kiosk, Qt-free: audio sources, endpointer, Vosk recognizer worker, grammar building,
intent matching, spoken prompts and the model installer. The UI drives `VoiceController`.
"""

from __future__ import annotations

__all__ = ["ConfirmRequest", "IntentEvent", "VoiceCallbacks", "VoiceController", "VoiceStatus"]

from voice.controller import ConfirmRequest, IntentEvent, VoiceCallbacks, VoiceController, VoiceStatus
