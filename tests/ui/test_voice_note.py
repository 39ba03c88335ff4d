"""The voice note on the description step, through the real recording path with a WAV file as the
microphone: record, 用这段, submit; no microphone, silence, > 60 s and a full disk get kind words,
and nothing already entered is lost."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from models.db import DB_NAME
from tests.ui.conftest import ALONE_ID, Kiosk
from tests.ui.flows import type_text
from tests.ui.text_steps import open_description, shot
from tests.voice import note_audio
from ui import voice_note
from ui.navigator import ScreenKey
from ui.steps.text import TextPage
from ui.voice_note import VoiceNote
from voice.audio import AudioUnavailable, WavFileSource


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("note-audio")


def microphone_plays(monkeypatch: pytest.MonkeyPatch, wav: Path) -> None:
    monkeypatch.setattr(voice_note, "source_factory", lambda: WavFileSource(wav))
    monkeypatch.setattr(voice_note, "PACE_FILES", False)  # no need to wait out the file in real time


def record(kiosk: Kiosk, page: TextPage) -> VoiceNote:
    note: VoiceNote = page.voice_note
    kiosk.click(note.record)
    kiosk.qtbot.waitUntil(lambda: not note.busy, timeout=60_000)
    kiosk.settle()
    return note


def voice_mode(kiosk: Kiosk) -> TextPage:
    page: TextPage = open_description(kiosk, ALONE_ID)
    kiosk.click(page.mode_buttons["voice"])
    return page


def test_note_alone_answers_the_step_and_is_stored_encrypted(
    kiosk: Kiosk, audio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    microphone_plays(monkeypatch, note_audio.speech(audio))
    page = voice_mode(kiosk)
    note = record(kiosk, page)
    assert note.value is not None and note.use.isVisible() and note.play.isVisible() and note.redo.isVisible()
    seconds = note.value["seconds"]
    assert note.status.text().startswith(kiosk.tr("note.recorded", seconds=round(seconds)))
    assert note.seconds.text().startswith(str(int(note_audio.duration(note_audio.speech(audio)))))
    shot(kiosk, "voice-note-recorded-1920")
    kiosk.click(note.use)
    assert page.note is not None and page.note_label.isVisible()
    ogg = base64.b64decode(page.note["ogg_base64"])
    assert ogg[:4] == b"OggS"
    # Kept in the draft at once (a crash loses nothing) — and encrypted there.
    station = kiosk.station
    draft = station.requests.get(kiosk.nav.current.draft_id)
    assert draft.fields["description_voice"]["ogg_base64"] == page.note["ogg_base64"]
    kiosk.click(kiosk.tr("step.next"))  # no text: the note alone answers the step
    screen = kiosk.nav.current
    assert screen.page.step.kind == "photo"
    for label in (kiosk.tr("photo.skip"), kiosk.tr("consent.yes"), kiosk.tr("confirm.submit")):
        kiosk.click(label)
    assert kiosk.nav.current_key == ScreenKey.RECEIPT
    stored = station.requests.get(kiosk.nav.current.record.id)
    assert stored.fields["description"] == "" and stored.fields["description_voice"]["seconds"] == seconds
    con = sqlite3.connect(kiosk.ctx.data_dir / DB_NAME)
    con.execute("PRAGMA wal_checkpoint(FULL)")
    con.close()
    raw = (kiosk.ctx.data_dir / DB_NAME).read_bytes()
    assert ogg[:2000] not in raw and b"OggS" not in raw  # the audio is inside the encrypted fields


def test_text_and_note_together_and_redo(kiosk: Kiosk, audio: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    microphone_plays(monkeypatch, note_audio.speech(audio))
    page = voice_mode(kiosk)
    type_text(page.edit, "路灯坏了")
    note = record(kiosk, page)
    kiosk.click(note.use)
    kiosk.click(note.redo)  # 重录 drops the kept note
    assert page.note is None and not page.note_label.isVisible() and note.record.isVisible()
    note = record(kiosk, page)
    kiosk.click(note.use)
    kiosk.click(kiosk.tr("step.next"))
    fields = kiosk.nav.current.fields
    assert fields["description"] == "路灯坏了" and fields["description_voice"]["ogg_base64"]


def bad(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, factory: Callable[[], object]) -> VoiceNote:
    monkeypatch.setattr(voice_note, "source_factory", factory)
    monkeypatch.setattr(voice_note, "PACE_FILES", False)
    page = voice_mode(kiosk)
    type_text(page.edit, "已经写的字")
    note = record(kiosk, page)
    assert page.edit.toPlainText() == "已经写的字"  # nothing already entered is lost
    return note


def test_no_microphone(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    def none() -> object:
        raise AudioUnavailable("no microphone found")

    note = bad(kiosk, monkeypatch, none)
    assert note.status.text() == kiosk.tr("note.no_mic") and note.value is None


def test_silence(kiosk: Kiosk, audio: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = bad(kiosk, monkeypatch, lambda: WavFileSource(note_audio.silence(audio)))
    assert note.status.text() == kiosk.tr("note.silent") and note.value is None


def test_longer_than_sixty_seconds(kiosk: Kiosk, audio: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = bad(kiosk, monkeypatch, lambda: WavFileSource(note_audio.long_speech(audio)))
    assert note.status.text() == kiosk.tr("note.too_long", limit=60)
    assert note.value is not None and note.value["seconds"] == 60.0 and note.use.isVisible()


def test_full_disk_while_saving_keeps_the_recording(
    kiosk: Kiosk, audio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    microphone_plays(monkeypatch, note_audio.speech(audio))
    page = voice_mode(kiosk)
    type_text(page.edit, "已经写的字")
    note = record(kiosk, page)
    requests = kiosk.station.requests
    real = requests.save_draft

    def full(*args: object, **kwargs: object) -> str:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(requests, "save_draft", full)
    kiosk.click(note.use)
    assert note.status.text() == kiosk.tr("note.disk_full")
    assert page.note is None and note.value is not None and note.use.isVisible()  # kept for a retry
    assert page.edit.toPlainText() == "已经写的字"
    monkeypatch.setattr(requests, "save_draft", real)  # space freed: the same recording is saved
    kiosk.click(note.use)
    assert page.note is not None and page.note["ogg_base64"] == note.value["ogg_base64"]
