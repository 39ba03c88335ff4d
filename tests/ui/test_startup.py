"""The kiosk paints first (issue 17): the locked screen is on screen before the station's heavy modules
are imported; unlocking builds the home screen while the key is derived and nothing else; one sync
loop at a time; icons drawn without qtawesome look the same; PySide's import hook keeps no sources.
Timings belong to bench/ui.py; these tests check the structure that makes them short."""

from __future__ import annotations

import linecache
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from tests.ui.conftest import PASSPHRASE, StationInfo
from ui.navigator import ScreenKey

ROOT = Path(__file__).resolve().parents[2]
# Modules a locked screen needs none of (database, crypto, icon-font wrappers, sync client, voice);
# listed here independently of desktop/launch.py's own list.
NOT_BEFORE_FIRST_PAINT = (
    "sqlalchemy",
    "cryptography",
    "models.station",
    "models.crypto",
    "models.schema",
    "qtawesome",
    "qtpy",
    "pydantic",
    "requests",
    "jieba",
    "vosk",
    "sounddevice",
    "pyttsx3",
    "sync",
    "voice",
    "PySide6.QtQuickWidgets",  # the on-screen keyboard's Qt Quick, built when a field first wants it
    "PySide6.QtQml",
    "logging.handlers",  # the log file opens after the first paint (desktop/launch.py)
    "ui.keyboard",  # the on-screen keyboard is docked on the first event-loop turn (ui/shell.py)
)
# Runs the real start-up (desktop.launch.run_kiosk) and reports what is imported at the moment the
# kiosk window is first shown and painted.
# Also: the input watchers (tap guard, idle timer) see no event until the first paint, and every
# input event from the first event-loop turn on.
FIRST_PAINT_SPY = """
import sys
from pathlib import Path
import desktop.launch as launch

real_show = launch._show

def probe_input(widget):
    from PySide6.QtCore import QEvent, QObject, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    from ui import input_watch

    seen = []

    class Probe(QObject):
        def input_event(self, watched, event, kind):
            seen.append(kind)
            return False

    probe = Probe(widget)
    input_watch.watch(probe)
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, move)
    input_watch.unwatch(probe)
    return int(bool(seen))

def spy(widget, windowed):
    from PySide6.QtCore import QTimer

    real_show(widget, windowed)
    widget.repaint()
    field = getattr(widget.nav.current, "passphrase", None)
    print("SCREEN", widget.nav.current_key, int(field is not None and field.isVisible()), flush=True)
    print("MODULES", " ".join(sorted(sys.modules)), flush=True)
    print("WATCHED_BEFORE_PAINT", probe_input(widget), flush=True)
    QTimer.singleShot(0, lambda: print("WATCHED_AFTER", probe_input(widget), flush=True))

launch._show = spy
sys.exit(launch.run_kiosk(Path(sys.argv[1]), windowed=True))
"""


def test_locked_screen_is_painted_before_heavy_modules_load(station_info: StationInfo) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "YIZHAN_NO_VOICE": "1",
        "YIZHAN_EXIT_AFTER_FIRST_PAINT": "1",
    }
    env.pop("YIZHAN_PASSPHRASE", None)
    run = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_SPY, str(station_info.path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in run.stdout.splitlines() if " " in line}
    assert lines["SCREEN"] == "locked 1"  # the real locked screen, its passphrase field shown
    loaded = set(lines["MODULES"].split())
    early = sorted(
        name for name in NOT_BEFORE_FIRST_PAINT if any(m == name or m.startswith(name + ".") for m in loaded)
    )
    assert early == [], f"imported before the locked screen was painted: {early}"
    assert "ui.shell" in loaded and "ui.screens.locked" in loaded  # the spy saw the real window
    assert (lines["WATCHED_BEFORE_PAINT"], lines["WATCHED_AFTER"]) == ("0", "1")


@pytest.fixture
def locked_kiosk(qtbot: QtBot, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real kiosk window, still locked (no YIZHAN_PASSPHRASE), with its public settings read."""
    from desktop.app import AppContext, close_kiosk
    from ui.shell import KioskWindow

    monkeypatch.delenv("YIZHAN_PASSPHRASE", raising=False)
    ctx = AppContext(station_info.path, windowed=True)
    window = KioskWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: ctx.db.idle, timeout=30_000)
    try:
        yield window
    finally:
        close_kiosk(ctx, window)


def test_unlock_builds_home_during_key_derivation_and_nothing_else(
    locked_kiosk: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.screens.home import HomeScreen

    window = locked_kiosk
    built: list[bool] = []  # for each home built: was the station still locked then?
    real_init = HomeScreen.__init__

    def counting_init(self: HomeScreen, ctx_: Any, nav: Any) -> None:
        built.append(ctx_.station is None)
        real_init(self, ctx_, nav)

    monkeypatch.setattr(HomeScreen, "__init__", counting_init)
    assert window.nav.current_key == ScreenKey.LOCKED
    locked = window.nav.current
    locked.passphrase.setText(PASSPHRASE)
    locked.try_unlock()
    qtbot.waitUntil(lambda: window.nav.current_key == ScreenKey.HOME, timeout=30_000)
    # Built once, while the DB worker was still deriving the key — not again after it opened.
    assert built == [True]
    assert window.nav.current is window.stack.currentWidget()
    # Only the screen on show exists: the locked screen is gone, nothing else was built ahead.
    assert [screen.screen_name for screen in window.nav.built()] == ["home"]


def test_home_built_in_another_language_is_built_again(locked_kiosk: Any, station_info: StationInfo) -> None:
    """If the station's own settings name another language than the one home was prepared in, the
    home shown after unlock speaks the station's language."""
    from models.station import Station

    window = locked_kiosk
    window.nav.prepare(ScreenKey.HOME)
    prepared = window.nav.screen(ScreenKey.HOME)
    window.ctx.station = Station.open(station_info.path, PASSPHRASE)  # closed by the fixture
    window.ctx.locale = "en"  # as the station's settings would set it on unlock
    window.nav.unlocked()
    assert window.nav.current_key == ScreenKey.HOME and window.nav.current is not prepared
    assert window.nav.current.greeting.text().startswith("Good")  # English, not 上午好


class FakeLoop:
    """Stands in for desktop.sync_port.LoopSyncPort: counts which loops are running."""

    running: ClassVar[list[FakeLoop]] = []

    def __init__(self) -> None:
        FakeLoop.running.append(self)

    def stop(self) -> None:
        if self in FakeLoop.running:
            FakeLoop.running.remove(self)


def test_only_one_sync_loop_runs_after_re_enrolment(
    qtbot: QtBot, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop import sync_port
    from desktop.app import AppContext
    from models.station import Station

    FakeLoop.running = []
    monkeypatch.setattr(sync_port, "start_sync", lambda _station: FakeLoop())
    ctx = AppContext(station_info.path)
    ctx.station = Station.open(station_info.path, PASSPHRASE)
    try:
        ctx.start_sync()  # after unlock
        qtbot.waitUntil(lambda: ctx._sync_loop is not None and ctx.db.idle, timeout=10_000)
        first = ctx._sync_loop
        ctx.start_sync()  # the admin re-enrols: the loop with the old credential must go
        qtbot.waitUntil(lambda: ctx._sync_loop is not None and ctx.db.idle, timeout=10_000)
        assert FakeLoop.running == [ctx._sync_loop] and ctx._sync_loop is not first
        assert ctx.sync is ctx._sync_loop
        ctx.start_sync()  # two starts racing (the unlock timer and an enrolment):
        ctx.start_sync()  # the older one, overtaken, stops its own loop
        qtbot.waitUntil(lambda: ctx._sync_loop is not None and ctx.db.idle, timeout=10_000)
        qtbot.waitUntil(lambda: ctx.db.idle, timeout=10_000)
        assert FakeLoop.running == [ctx._sync_loop]
    finally:
        ctx.close()
    assert FakeLoop.running == []


def test_icons_match_qtawesome(qtbot: QtBot) -> None:
    """The glyphs drawn from qtawesome's font file, pixel for pixel as qtawesome draws them."""
    del qtbot  # a QApplication
    import qtawesome

    from ui import icons

    for name, color, size in (("fa5s.home", "#17406B", 32), ("fa5s.lock", "#ffffff", 120)):
        for mode in (QIcon.Mode.Normal, QIcon.Mode.Disabled):
            ours = icons.icon(name, color).pixmap(size, size, mode).toImage()
            theirs = qtawesome.icon(name, color=color).pixmap(size, size, mode).toImage()
            assert ours == theirs, (name, mode)
    assert icons.icon("fa5s.home", "#17406B") is icons.icon("fa5s.home", "#17406B")  # one engine, cached
    with pytest.raises(icons.IconError):
        icons.icon("fa5s.no-such-icon", "#000000")


def test_imports_after_pyside_keep_no_source_lines(tmp_path: Path, qtbot: QtBot) -> None:
    from desktop.launch import lighten_pyside_import_hook

    del qtbot
    lighten_pyside_import_hook()
    module = tmp_path / "kperf_probe_module.py"
    module.write_text("from __future__ import annotations\nimport os\nVALUE = 42\n" + "# pad\n" * 500)
    sys.path.insert(0, str(tmp_path))
    try:
        import kperf_probe_module

        assert kperf_probe_module.VALUE == 42
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("kperf_probe_module", None)
    assert str(module) not in linecache.cache


def test_schema_is_checked_while_locked_and_unlock_only_derives_the_key(
    locked_kiosk: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the passphrase is typed the DB worker has already checked and migrated the schema and
    made the engine (decrypting nothing); after Enter it only derives the key and unlocks."""
    from models import db

    window = locked_kiosk
    prepared = window.ctx.prepared_open
    assert prepared is not None and not prepared.engine_taken
    assert window.ctx.station is None  # nothing unlocked by preparing
    migrations: list[object] = []
    monkeypatch.setattr(db, "migrate", migrations.append)
    locked = window.nav.current
    locked.passphrase.setText(PASSPHRASE)
    locked.try_unlock()
    qtbot.waitUntil(lambda: window.nav.current_key == ScreenKey.HOME, timeout=30_000)
    assert migrations == []
    assert prepared.engine_taken and window.ctx.prepared_open is None


# `yizhan run` through the real CLI, with the kiosk itself replaced: which command areas were loaded.
CLI_SPY = """
import sys
import desktop.launch

def run_kiosk(data_dir, *, windowed):
    print("AREAS", " ".join(sorted(m for m in sys.modules if m.startswith("desktop.commands."))))
    return 0

desktop.launch.run_kiosk = run_kiosk
from desktop import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_yizhan_run_registers_only_the_kiosk_commands(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    for argv in (["run", "--windowed", "--data-dir", str(tmp_path)], ["--windowed"]):  # and `yizhan` alone
        run = subprocess.run(
            [sys.executable, "-c", CLI_SPY, *argv], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.split() == ["AREAS", "desktop.commands.kiosk"]
    every = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--help"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert every.returncode == 0
    for command in ("run", "init", "staff", "voice", "sync", "request", "handwriting"):
        assert f"    {command} " in every.stdout  # `yizhan --help` still lists every area


def test_what_is_logged_before_the_log_file_opens_is_written_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kiosk opens its log file after the first paint; records from before are kept and written
    then, through the file's filter (numbers masked)."""
    import logging

    from desktop import launch

    monkeypatch.setenv("YIZHAN_LOG_DIR", str(tmp_path))
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    early = launch.hold_early_records()
    try:
        logging.getLogger("ui.navigator").info("screen %s, typed 110105194912310021", "locked")
        assert not (tmp_path / "yizhan.log").exists()
    finally:
        launch.open_log(early)
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    text = (tmp_path / "yizhan.log").read_text(encoding="utf-8")
    assert "ui.navigator: screen locked, typed [number]" in text
    assert "110105194912310021" not in text and early not in root.handlers


def test_unlock_transaction_runs_behind_the_open_before_any_later_database_work(
    locked_kiosk: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home is shown without waiting for the unlock transaction (audit entry, receipt mark), which
    the DB worker runs right behind the open once home is on screen: the first database work asked
    for once home is current already finds the unlock recorded."""
    from models.schema import AuditEvent

    window = locked_kiosk
    seen: list[list[str]] = []

    def on_home(_screen: object) -> None:
        if window.nav.current_key == ScreenKey.HOME and not seen:
            station = window.ctx.station

            def actions() -> list[str]:
                with station.read() as session:
                    return [e.action for e in session.query(AuditEvent).order_by(AuditEvent.seq)]

            window.ctx.db.run(actions, seen.append)

    from models.station import Station

    shown_then: list[object] = []  # the screen on show when the unlock transaction began
    real_finish = Station.finish_unlock

    def finish_unlock(station: Station) -> None:
        shown_then.append(window.nav.current_key)
        real_finish(station)

    monkeypatch.setattr(Station, "finish_unlock", finish_unlock)
    window.nav.changed.connect(on_home)
    locked = window.nav.current
    locked.passphrase.setText(PASSPHRASE)
    locked.try_unlock()
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
    assert seen[0][-1] == "unlock"
    assert shown_then == [ScreenKey.HOME]  # not beside the UI thread while it was showing home


def test_a_failed_unlock_transaction_locks_the_kiosk_again_and_says_why(
    locked_kiosk: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from models.station import Station

    def damaged(_station: Station) -> None:
        raise OperationalError("UPDATE", {}, Exception("database disk image is malformed"))

    monkeypatch.setattr(Station, "_on_unlock", damaged)
    window = locked_kiosk
    locked = window.nav.current
    locked.passphrase.setText(PASSPHRASE)
    locked.try_unlock()
    qtbot.waitUntil(lambda: window.nav.current_key == ScreenKey.LOCKED and window.ctx.db.idle, timeout=30_000)
    qtbot.waitUntil(lambda: window.nav.current.message.isVisible(), timeout=5_000)
    assert window.ctx.station is None
    assert window.nav.current is not locked  # a new locked screen: the old one went with the unlock
    assert window.nav.current.message.text().startswith(window.ctx.tr("locked.no_station", detail=""))
