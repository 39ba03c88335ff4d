"""Fixtures for kiosk UI tests: offscreen Qt, a fresh encrypted station per test (residents,
a volunteer and an admin — a copy of one station provisioned once per test process), and a real
KioskWindow unlocked through YIZHAN_PASSPHRASE."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["YIZHAN_NO_VOICE"] = "1"

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from models.residents import ResidentInput
from models.station import SYSTEM, Station
from models.validation import id_check_char
from ui.ports import SilentSpeech, SyncPort

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from ui.shell import KioskWindow

PASSPHRASE = "test-pass-123"
VOLUNTEER_PIN = "2468"
ADMIN_PIN = "9753"


def make_id(first17: str) -> str:
    return first17 + id_check_char(first17)


ALONE_ID = make_id("11010519491231002")
OTHER_ID = make_id("32010219500315123")


@dataclass
class StationInfo:
    path: Path
    alone_id: str
    other_id: str


def provision_station(path: Path) -> StationInfo:
    """A new encrypted station at `path` (key file, migrations, settings, audit chain), with two
    residents, a volunteer and an admin: ≈ 1 s of CPU (two scrypt runs, migrations, PIN hashing)."""
    station = Station.create(path, PASSPHRASE, name="幸福村便民服务站")
    station.residents.add(
        ResidentInput(
            "张桂英", ALONE_ID, phone="13800138000", living_alone=True, emergency_contact="张强 13900139000"
        ),
        SYSTEM,
    )
    station.residents.add(ResidentInput("李建国", OTHER_ID, phone="13700137000"), SYSTEM)
    station.volunteers.add("王志愿", VOLUNTEER_PIN, "volunteer", SYSTEM)
    station.volunteers.add("陈站长", ADMIN_PIN, "admin", SYSTEM)
    station.close()
    return StationInfo(path, ALONE_ID, OTHER_ID)


_template: list[Path] = []  # this process's provisioned station, made on first use


def create_station(path: Path) -> StationInfo:
    """The station of `provision_station` at `path`, as a file copy of one provisioned once per test
    process (like kiosks imaged from one master): the copy is the real thing — the same encrypted
    database, key file and receipt mark the kiosk opens — and each test owns its copy, so nothing
    leaks between tests. Copying takes milliseconds where provisioning took ≈ 1 s of CPU per test.
    Stations made here share their keys; a test that needs its own keys calls Station.create."""
    if not _template:
        root = Path(tempfile.mkdtemp(prefix="yizhan-station-template-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        provision_station(root / "station")
        _template.append(root / "station")
    if any(path.glob("station.*")):  # as Station.create: never over an existing station
        raise FileExistsError(f"{path} already holds a station")
    # copy2 and copystat: the 0700 folder and the 0600 files keep their modes.
    shutil.copytree(_template[0], path, dirs_exist_ok=True)
    return StationInfo(path, ALONE_ID, OTHER_ID)


@pytest.fixture
def station_info(tmp_path: Path) -> StationInfo:
    return create_station(tmp_path / "station")


class Kiosk:
    """The live window plus small helpers to drive it like a resident would."""

    def __init__(self, qtbot: QtBot, window: KioskWindow) -> None:
        from desktop.app import AppContext

        assert isinstance(window.ctx, AppContext)  # the kiosk's own context, with its plug_* methods
        self.qtbot = qtbot
        self.window = window
        self.ctx: AppContext = window.ctx
        self.nav = window.nav

    @property
    def station(self) -> Station:
        """The unlocked station (the kiosk fixtures unlock before a test starts)."""
        assert self.ctx.station is not None
        return self.ctx.station

    @property
    def sync(self) -> SyncPort:
        """The sync port (there once the station has joined a hub)."""
        assert self.ctx.sync is not None
        return self.ctx.sync

    @property
    def speech(self) -> SilentSpeech:
        """What the kiosk said: without a voice bridge the context keeps its SilentSpeech."""
        assert isinstance(self.ctx.speech, SilentSpeech)
        return self.ctx.speech

    def settle(self) -> None:
        self.qtbot.waitUntil(lambda: self.ctx.db.idle, timeout=30_000)
        QApplication.processEvents()  # widgets added to visible layouts are shown on the next turn

    def button(self, name: str, root: QWidget | None = None) -> QPushButton:
        root = root or self.window
        for widget in root.findChildren(QPushButton):
            if widget.accessibleName() == name and widget.isVisible():
                return widget
        names = sorted({w.accessibleName() for w in root.findChildren(QPushButton) if w.isVisible()})
        raise LookupError(f"no visible button {name!r}; visible: {names}")

    def click(self, widget_or_name: QWidget | str) -> None:
        widget = self.button(widget_or_name) if isinstance(widget_or_name, str) else widget_or_name
        assert widget.isEnabled(), f"{widget.accessibleName()} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        self.settle()

    def tr(self, key: str, **values: object) -> str:
        return str(self.ctx.tr(key, **values))


def collect_earlier_garbage() -> None:
    """Free what earlier tests left in reference cycles — closed kiosks' dead Qt wrappers, a failed
    test's frames — here on the UI thread, then freeze the survivors out of later passes.

    Python's cyclic collector runs on whichever thread allocates past its threshold: left alone, this
    garbage would be collected during the next kiosk's life by its DB worker or sync thread. Once,
    that pass segfaulted ("Garbage-collecting" on the DB worker, stop 20). One real kiosk leaves
    nothing behind while it runs (tests/ui/test_gc_cycles.py); many kiosks in one test process do.
    Freezing keeps each collection to what was made since (the modules and the QApplication are
    never walked again), so this costs milliseconds per kiosk."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _no_earlier_garbage() -> None:
    """Also for the tests here that build their windows themselves (tour, start-up, small panels)."""
    collect_earlier_garbage()


@contextlib.contextmanager
def open_kiosk(qtbot: QtBot, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    """The real kiosk window on `data_dir`, unlocked through YIZHAN_PASSPHRASE, at 1920×1080, on its
    home screen; everything it started is shut down afterwards (sync loop, voice, DB worker) and its
    Qt objects destroyed, on this thread."""
    from desktop.app import AppContext, close_kiosk
    from ui.navigator import ScreenKey
    from ui.shell import KioskWindow

    monkeypatch.setenv("YIZHAN_PASSPHRASE", PASSPHRASE)
    collect_earlier_garbage()  # before this kiosk's worker threads exist
    ctx = AppContext(data_dir, windowed=True)
    window = KioskWindow(ctx)
    # Not registered with qtbot.addWidget: close_kiosk below destroys the window itself. A registered
    # window destroyed inside the test (a `with open_kiosk(...)` block) made pytest-qt's teardown call
    # close() on a wrapper whose C++ object was gone whenever a reference cycle still held the
    # wrapper ("Internal C++ object (KioskWindow) already deleted", then "previous item was not torn
    # down properly" for the next test).
    window.resize(1920, 1080)
    window.show()
    qtbot.waitUntil(lambda: window.nav.current_key == ScreenKey.HOME and ctx.db.idle, timeout=30_000)
    # Scripted clicks come faster than any hand: the double-tap guard is off here and switched on
    # (at its real 400 ms) by the tests about double taps (tests/ui/test_taps.py).
    window.tap_guard.guard_ms = 0
    try:
        yield Kiosk(qtbot, window)
    finally:
        close_kiosk(ctx, window)  # as the kiosk itself does on exit


@pytest.fixture
def kiosk(qtbot: QtBot, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kiosk]:
    with open_kiosk(qtbot, station_info.path, monkeypatch) as kiosk:
        yield kiosk
