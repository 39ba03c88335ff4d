"""The voice-note control of a text step: 按住说话 (hold to talk, or tap to start and tap 说完了),
a level meter and the seconds, then 听一遍 / 重录 / 用这段.

Recording, checking, encoding and transcription are the Qt-free `voice.recording`; they run on a
plain worker thread and report back through queued signals. The audio stays in memory until the
text step stores it inside the request's encrypted fields (never a temp file, never a log line).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from ui.widgets import button, label, set_text
from voice.audio import AudioSource, AudioUnavailable, MicrophoneSource
from voice.recording import (
    LIMIT_SECONDS,
    NoteError,
    NoteRecorder,
    Recording,
    check,
    encode_opus,
    note_field,
    play_pcm,
    transcribe,
)

HOLD_MS = 700  # a press held longer than this is push-to-talk: releasing stops


def microphone() -> AudioSource:
    return MicrophoneSource()


# Where notes come from: the microphone, as for the voice pipeline. Tests and demos swap in a
# voice.audio.WavFileSource here.
source_factory: Callable[[], AudioSource] = microphone
PACE_FILES = True  # a file source plays in real time, as a microphone would (demos); tests switch it off


class VoiceNote(QWidget):
    """Emits `ready(field_value)` when the resident taps 用这段, `cleared()` on 重录."""

    ready = Signal(dict)
    cleared = Signal()
    _progress = Signal(float, float)
    _finished = Signal(object, object)  # (note value | None, error key | None)
    _played = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.recorder: NoteRecorder | None = None
        self.recording: Recording | None = None
        self.value: dict[str, Any] | None = None  # encoded note, waiting for 用这段 or already used
        self.used = False
        self._stop_play = threading.Event()
        self._held = QElapsedTimer()
        self.status = label(ctx.tr("note.record_hint"), "")
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setMinimumHeight(36)
        self.meter.setAccessibleName(ctx.tr("note.level"))
        self.seconds = label("", "h2")
        self.record = button(ctx.tr("note.record"), "fa5s.microphone", "huge")
        self.record.setMinimumHeight(100)
        self.record.pressed.connect(self._pressed)
        self.record.released.connect(self._released)
        self.play = button(ctx.tr("note.play"), "fa5s.play", "", self.play_back)
        self.redo = button(ctx.tr("note.redo"), "fa5s.redo", "", self.clear)
        self.use = button(ctx.tr("note.use"), "fa5s.check", "primary", self.use_note)
        self.record.setMinimumWidth(300)
        meter_row = QHBoxLayout()
        meter_row.setSpacing(20)
        meter_row.addWidget(self.meter, 1)
        meter_row.addWidget(self.seconds)
        actions = QHBoxLayout()
        actions.setSpacing(24)
        for b in (self.play, self.redo, self.use):
            actions.addWidget(b)
        actions.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(self.status)
        right.addLayout(meter_row)
        right.addLayout(actions)
        right.addStretch(1)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(24)
        box.addWidget(self.record, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(right, 1)
        self._progress.connect(self._show_progress)
        self._finished.connect(self._done)
        self._played.connect(lambda: self.play.setEnabled(True))
        self._show_buttons()

    # -- recording ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.recorder is not None

    def _pressed(self) -> None:
        if self.busy:
            self.stop()
            return
        self._held.start()
        self.start()

    def _released(self) -> None:
        if self.busy and self._held.isValid() and self._held.elapsed() >= HOLD_MS:
            self.stop()  # push-to-talk; a short tap keeps recording until 说完了
        self._held.invalidate()

    def start(self) -> None:
        """Open the audio source and record on a worker thread (up to 60 s)."""
        self.clear(quiet=True)
        try:
            source = source_factory()
        except (AudioUnavailable, OSError, ValueError):
            self._fail("no_mic")
            return
        self.recorder = NoteRecorder(
            source,
            progress=self._progress.emit,
            realtime=PACE_FILES and not isinstance(source, MicrophoneSource),
        )
        set_text(self.record, self.ctx.tr("note.stop"))
        self._show_progress(0.0, 0.0)
        recorder, locale = self.recorder, self.ctx.locale
        threading.Thread(target=self._work, args=(recorder, locale), name="yizhan-note", daemon=True).start()
        self._show_buttons()

    def stop(self) -> None:
        if self.recorder is not None:
            self.recorder.stop()

    def _work(self, recorder: NoteRecorder, locale: str) -> None:
        """Worker thread: record, check, compress, transcribe. Touches no widget."""
        try:
            recording = recorder.run()
            check(recording, recorder.loudest)
            ogg = encode_opus(recording.pcm, recording.sample_rate)
            transcript = transcribe(recording.pcm, recording.sample_rate, locale)
            self.recording = recording
            self._finished.emit(note_field(ogg, recording.seconds, transcript), None)
        except NoteError as exc:
            self._finished.emit(None, exc.key)
        except Exception:  # encoder or model trouble: say so kindly, keep the text step usable  # noqa: BLE001
            self._finished.emit(None, "failed")

    def _show_progress(self, level: float, seconds: float) -> None:
        self.meter.setValue(round(level * 100))
        text = self.ctx.tr("note.recording", seconds=int(seconds), limit=int(LIMIT_SECONDS))
        set_text(self.seconds, f"{int(seconds)} / {int(LIMIT_SECONDS)}", text)

    def _done(self, value: dict[str, Any] | None, error: str | None) -> None:
        self.recorder = None
        set_text(self.record, self.ctx.tr("note.record"))
        if error is not None or value is None:
            self._fail(error or "failed")
            return
        self.value = value
        seconds = round(float(value["seconds"]))
        if self.recording is not None and self.recording.hit_limit:
            message = self.ctx.tr("note.too_long", limit=int(LIMIT_SECONDS))
        else:
            message = self.ctx.tr("note.recorded", seconds=seconds)
        if value.get("transcript"):
            message += "\n" + self.ctx.tr("note.transcript", text=value["transcript"])
        set_text(self.status, message)
        self.ctx.say(message.split("\n")[0])
        self._show_buttons()

    def _fail(self, key: str) -> None:
        self.recorder = None
        self.recording = None
        message = self.ctx.tr(f"note.{key}", limit=int(LIMIT_SECONDS))
        set_text(self.status, message)
        self.ctx.say(message)
        self.meter.setValue(0)
        self._show_buttons()

    # -- after recording ------------------------------------------------------------------------
    def play_back(self) -> None:
        recording = self.recording
        if recording is None:
            return
        self.play.setEnabled(False)
        self._stop_play.clear()
        stop = self._stop_play

        def run() -> None:
            play_pcm(recording.pcm, recording.sample_rate, stop)
            self._played.emit()

        threading.Thread(target=run, name="yizhan-note-play", daemon=True).start()

    def use_note(self) -> None:
        if self.value is not None:
            self.ready.emit(self.value)

    def mark_used(self) -> None:
        """The text step stored the note: say so and keep 重录 available."""
        self.used = True
        set_text(
            self.status, self.ctx.tr("note.used", seconds=round(float((self.value or {}).get("seconds", 0))))
        )
        self._show_buttons()

    def show_message(self, key: str) -> None:
        self._fail_keep(key)

    def _fail_keep(self, key: str) -> None:
        """A message that keeps the recording (e.g. the disk was full when saving it)."""
        message = self.ctx.tr(f"note.{key}")
        set_text(self.status, message)
        self.ctx.say(message)

    def clear(self, quiet: bool = False) -> None:
        self._stop_play.set()
        self.stop()
        was_used = self.used
        self.recording = None
        self.value = None
        self.used = False
        self.meter.setValue(0)
        set_text(self.seconds, "")
        if not quiet:
            set_text(self.status, self.ctx.tr("note.record_hint"))
        if was_used:
            self.cleared.emit()
        self._show_buttons()

    def _show_buttons(self) -> None:
        have = self.value is not None and not self.busy
        self.play.setVisible(have)
        self.redo.setVisible(have)
        self.use.setVisible(have and not self.used)
        self.record.setVisible(not have)
        self.record.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def shutdown(self) -> None:
        self._stop_play.set()
        self.stop()
