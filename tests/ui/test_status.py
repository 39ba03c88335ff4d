"""Status that is true: the header clock ticks, the 待上传 count follows each submission at once,
and the greeting and the 语音 button invite speaking only while recognition really runs."""

from __future__ import annotations

import datetime as dt

from tests.ui.conftest import ALONE_ID, Kiosk
from tests.ui.flows import run_service
from ui import i18n
from ui.navigator import ScreenKey


def test_header_clock_ticks(kiosk: Kiosk) -> None:
    window = kiosk.window
    assert window._clock.isActive() and window._clock.interval() <= 60_000
    window.date_label.setText("frozen")
    window._clock.timeout.emit()  # one tick of the running timer
    now = dt.datetime.now()
    assert i18n.short_time(kiosk.ctx.locale, now) in window.date_label.text()


def test_pending_count_follows_each_submission(kiosk: Kiosk) -> None:
    window = kiosk.window
    window._status_timer.stop()  # only the submission itself may update the strip
    assert kiosk.tr("status.waiting", n=0) in window.status_label.text()
    run_service(kiosk, "problem_report", ALONE_ID)
    kiosk.settle()
    assert kiosk.nav.current_key == ScreenKey.RECEIPT
    assert kiosk.tr("status.waiting", n=1) in window.status_label.text()


def test_voice_words_only_while_recognition_runs(kiosk: Kiosk) -> None:
    window, home = kiosk.window, kiosk.nav.current
    # YIZHAN_NO_VOICE: no recognition — no invitation to speak, and the button does not say 开
    assert "直接说出来" not in home.greeting.text()
    assert window.voice_button.text().strip() == "语音：没有启动"
    window.voice_panel.show_status(True, "ready", "可以说话了")  # as the voice layer reports it
    assert "也可以直接说出来" in home.greeting.text()
    assert window.voice_button.text().strip() == "语音：开"
    window.voice_panel.show_status(False, "no_microphone", "没有麦克风")
    assert "直接说出来" not in home.greeting.text()
    kiosk.click(window.voice_button)  # switched off: says so
    assert window.voice_button.text().strip() == "语音：关"


def test_sync_screen_uses_state_words_and_sync_now_without_a_hub_says_so(kiosk: Kiosk) -> None:
    from tests.ui.conftest import VOLUNTEER_PIN
    from tests.ui.test_behaviour import _enter_pin, _open_pin

    run_service(kiosk, "problem_report", ALONE_ID)
    kiosk.window.wipe_and_home()
    kiosk.settle()
    _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
    kiosk.click(kiosk.tr("staff.sync"))
    screen = kiosk.nav.current
    text = " ".join(line for card in screen.cards for line in card.lines)
    assert kiosk.tr("status.saved_locally") in text
    for enum_name in ("QUEUED", "DONE", "SENT", "DRAFT"):
        assert enum_name not in text
    assert text.startswith(kiosk.tr("sync.stopped.not_enrolled"))  # this station never joined a hub
    kiosk.click(kiosk.tr("staff.sync_now"))
    assert screen.message.text() == kiosk.tr("sync.stopped.not_enrolled")
    assert kiosk.tr("staff.syncing") not in screen.message.text()
