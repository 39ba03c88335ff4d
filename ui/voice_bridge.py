"""VoiceBridge: turns the Qt-free VoiceController's callbacks (called on worker threads) into Qt
signals delivered on the UI thread. Screens connect to the signals and call the methods, which keep
the controller's snake_case names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from voice.audio import WavFileSource
from voice.controller import ConfirmRequest, IntentEvent, VoiceCallbacks, VoiceController, VoiceStatus
from voice.grammar import Uncovered
from voice.recognizer import Utterance
from voice.tts import Speaker


class VoiceBridge(QObject):
    statusChanged = Signal(bool, str, str)  # available, state, message for the resident
    partialText = Signal(str)  # live text while the resident speaks
    textRecognized = Signal(str, bool)  # final text, dictation?
    intentRecognized = Signal(str, float, bool)  # intent id, confidence, confirmed by a yes
    confirmRequested = Signal(str, str)  # intent id, spoken question (您是要办理……吗？)
    notUnderstood = Signal(str)  # "没听清，请再说一遍或点按钮"
    grammarProblems = Signal(list)  # [str]: catalogue phrases the model cannot recognise

    def __init__(
        self,
        parent: QObject | None = None,
        controller: VoiceController | None = None,
        speaker: Speaker | None = None,
        models_dir: Path | str | None = None,
    ) -> None:
        super().__init__(parent)
        callbacks = VoiceCallbacks(
            status=self._status,
            partial=self.partialText.emit,
            text=self._text,
            intent=self._intent,
            confirm=self._confirm,
            not_understood=self.notUnderstood.emit,
            grammar=self._grammar,
        )
        if controller is None:
            controller = VoiceController(callbacks, models_dir=models_dir, speaker=speaker)
        else:
            controller.callbacks = callbacks
        self.controller = controller

    # Signals emitted from a worker thread are queued to receivers living on the UI thread.
    def _status(self, status: VoiceStatus) -> None:
        self.statusChanged.emit(status.available, status.state, status.message)

    def _text(self, utterance: Utterance) -> None:
        self.textRecognized.emit(utterance.text, utterance.dictation)

    def _intent(self, event: IntentEvent) -> None:
        self.intentRecognized.emit(event.intent, event.confidence, event.confirmed)

    def _confirm(self, request: ConfirmRequest) -> None:
        self.confirmRequested.emit(request.intent, request.question)

    def _grammar(self, uncovered: list[Uncovered]) -> None:
        self.grammarProblems.emit([str(u) for u in uncovered])

    def set_screen(
        self,
        screen_id: str,
        locale: str,
        extra_commands: Mapping[str, Sequence[str]] | None = None,
        dictation: bool = False,
    ) -> None:
        self.controller.set_screen(screen_id, locale, extra_commands, dictation)

    @Slot()
    def start_microphone(self) -> bool:
        return self.controller.start_microphone()

    @Slot()
    def stop_microphone(self) -> None:
        self.controller.stop_microphone()

    @Slot(bool)
    def push_to_talk(self, pressed: bool) -> None:
        self.controller.push_to_talk(pressed)

    @Slot(str)
    def say(self, text: str) -> None:
        self.controller.say(text)

    @Slot()
    def stop_speaking(self) -> None:
        self.controller.stop_speaking()

    @Slot()
    def new_resident(self) -> None:
        self.controller.new_resident()

    def play_wav(self, path: Path | str) -> None:
        """Feed a WAV into the voice input on a worker thread (demo and tests)."""
        import threading

        source = WavFileSource(path)
        threading.Thread(target=self.controller.run_source, args=(source,), daemon=True).start()

    def close(self) -> None:
        self.controller.close()
