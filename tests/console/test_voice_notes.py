"""A resident's voice note from the real recording path to the hub's console: sealed, uploaded in
chunks after the records, played in Chromium with an <audio> element only by staff who may see the
request, each play audited, the transcript marked as automatic."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from models.station import KIOSK
from server.db.console_models import ConsoleAudit
from server.db.models import Attachment
from sync.engine import SyncEngine
from tests.console.conftest import (
    PASSWORD,
    VOLUNTEER,
    ConsoleHub,
    EnrolledStation,
    browser_login,
    login_session,
    person,
    shot,
)
from tests.voice import note_audio
from voice.audio import WavFileSource
from voice.recording import NoteRecorder, encode_opus, note_field

TRANSCRIPT = "村口的路灯坏了"


def _note(folder: Path) -> dict[str, object]:
    recording = NoteRecorder(WavFileSource(note_audio.speech(folder))).run()
    # The kiosk adds a transcript only where a model for the locale is installed (none for Mandarin
    # here): this one stands for what the model would have heard.
    return note_field(encode_opus(recording.pcm, recording.sample_rate), recording.seconds, TRANSCRIPT)


def test_voice_note_reaches_the_console_and_plays_for_allowed_staff_only(
    hub: ConsoleHub,
    make_station: Callable[[ConsoleHub], EnrolledStation],
    new_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    st = make_station(hub)
    rid = st.station.residents.add(person(301), VOLUNTEER)
    note = _note(tmp_path)
    ogg = base64.b64decode(str(note["ogg_base64"]))
    rec = st.station.requests.submit(
        "problem_report",
        {"category": "road_light", "description": "", "description_voice": note},
        KIOSK,
        resident_id=rid,
    )
    report = SyncEngine(st.station).run_once()
    assert report.complete, report.error
    with hub.session() as session:
        (att,) = session.scalars(select(Attachment).where(Attachment.record_id == rec.id)).all()
        assert att.complete and att.size > len(ogg)  # sealed: bigger than the note, not the note
        sha = att.sha256

    staff = login_session(hub, "xiaowang")  # assigned to this station
    url = f"{hub.url}/console/requests/{rec.id}"
    page = staff.get(url, timeout=10)
    assert page.status_code == 200 and f"/notes/{sha}" in page.text and "自动转写，仅供参考" in page.text
    assert f"/photos/{sha}" not in page.text  # a note is not listed as a photo
    played = staff.get(f"{url}/notes/{sha}", timeout=10)
    assert played.status_code == 200 and played.headers["content-type"] == "audio/ogg"
    assert played.content == ogg and played.headers["cache-control"] == "no-store"

    # Refused: a staff account without this station, a forged hash, and nobody logged in.
    hub.run("staff", "add", "meiyouzhan", "--role", "staff", env={"YIZHAN_HUB_PASSWORD": PASSWORD})
    outsider = login_session(hub, "meiyouzhan")
    assert outsider.get(f"{url}/notes/{sha}", timeout=10, allow_redirects=False).status_code == 403
    assert staff.get(f"{url}/notes/{'0' * 64}", timeout=10, allow_redirects=False).status_code == 404
    import requests

    anonymous = requests.get(f"{url}/notes/{sha}", timeout=10, allow_redirects=False)
    assert anonymous.status_code in (303, 401) and anonymous.content != ogg

    # In Chromium: the <audio> element decodes the Ogg/Opus note and plays it.
    browser = new_page()
    browser_login(browser, hub, "xiaowang")
    browser.goto(url)
    audio = browser.locator("dd.voice-note audio")
    assert audio.count() == 1
    assert "自动转写，仅供参考" in browser.locator("dd.voice-note .transcript").inner_text()
    browser.evaluate("document.querySelector('dd.voice-note audio').play()")
    state = (
        "() => { const a = document.querySelector('dd.voice-note audio'); "
        "return [a.readyState, a.currentTime, a.error && a.error.code]; }"
    )
    for _ in range(150):  # the console's CSP forbids wait_for_function's string eval: poll instead
        ready, at, error = browser.evaluate(state)
        assert error is None, f"the browser could not decode the note (MediaError {error})"
        if ready >= 2 and at > 0.2:
            break
        browser.wait_for_timeout(100)
    else:
        raise AssertionError(f"the note did not play: readyState {ready}, currentTime {at}")
    # Served whole (no range requests, so one play is one audited fetch): the browser cannot seek to
    # the end for the length, so the page prints it beside the player.
    assert f"{note['seconds']} 秒" in browser.locator("dd.voice-note").inner_text()
    shot(browser, "voice-note-request")

    with hub.session() as session:
        plays = [
            a.username
            for a in session.scalars(
                select(ConsoleAudit).where(
                    ConsoleAudit.target == f"request:{rec.id}", ConsoleAudit.action == "play_voice_note"
                )
            )
        ]
    assert (
        plays.count("xiaowang") >= 2 and "meiyouzhan" not in plays
    )  # the direct fetch and the browser's play
