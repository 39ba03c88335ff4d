"""While a kiosk lives, cyclic garbage is collected on the UI thread, even when another thread does
the allocating (ui/gc_guard.py): the DB worker allocating far past Python's thresholds no longer
runs a collection pass itself. After the kiosk closes, collection is the interpreter's again."""

from __future__ import annotations

import gc
import threading

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Kiosk, StationInfo, open_kiosk


class Marked:
    """A reference cycle that notes which thread finalised it."""

    def __init__(self, seen: list[str]) -> None:
        self.seen = seen
        self.me = self

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def _allocate_a_lot() -> list[list[int]]:
    # Containers are tracked by the collector: 60,000 of them cross the youngest generation's
    # threshold (700) dozens of times and the middle one's several times. They are handed back (and
    # kept) so the count stays past the threshold until the UI thread's timer has collected.
    return [[i] for i in range(60_000)]


def test_cycles_are_collected_on_the_ui_thread_while_the_worker_allocates(kiosk: Kiosk) -> None:
    assert not gc.isenabled()  # the interpreter's own trigger is off while a kiosk lives
    seen: list[str] = []
    Marked(seen)  # unreachable at once: only a collection pass can free it
    done: list[list[list[int]]] = []
    kiosk.ctx.db.run(_allocate_a_lot, done.append)
    kiosk.qtbot.waitUntil(lambda: bool(done) and bool(seen), timeout=10_000)
    assert seen == [threading.main_thread().name]


def test_collection_is_the_interpreters_again_after_the_kiosk_closes(
    qtbot: QtBot, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.gc_guard

    # Usually on; off when a kiosk made by an earlier test in this process still lives (the tour's).
    enabled_before, holders_before = gc.isenabled(), ui.gc_guard._holders
    with open_kiosk(qtbot, station_info.path, monkeypatch):
        assert not gc.isenabled()
        assert ui.gc_guard._holders == holders_before + 1
    assert ui.gc_guard._holders == holders_before
    assert gc.isenabled() is enabled_before
