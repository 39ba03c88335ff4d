"""While the kiosk window lives, Python's collector runs only on the UI thread (a worker thread
finalising a Qt object crashes Qt); afterwards automatic collection is back on."""

from __future__ import annotations

import gc
import threading

from tests.ui.conftest import Kiosk


def test_collection_happens_on_the_ui_thread_only(kiosk: Kiosk) -> None:
    assert not gc.isenabled()
    threads: list[str] = []

    def note(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(note)
    try:

        def churn() -> None:  # plenty of cyclic garbage made on a worker thread
            for _ in range(20000):
                a: list[object] = []
                a.append(a)

        worker = threading.Thread(target=churn, name="worker")
        worker.start()
        worker.join()
        kiosk.qtbot.waitUntil(lambda: bool(threads), timeout=5000)  # the UI timer collected it
    finally:
        gc.callbacks.remove(note)
    assert set(threads) == {threading.main_thread().name}


def test_collection_is_back_on_after_the_window(kiosk: Kiosk) -> None:
    kiosk.window.shutdown()
    assert gc.isenabled()
