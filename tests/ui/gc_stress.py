"""The GC stress scenario, run in a subprocess by tests/ui/test_gc_guard.py (a segfault then fails
that test instead of killing pytest). Not collected on its own (no test_ prefix).

Automatic collection stays on with a low threshold, so passes run often on the DB worker and other
threads while the real kiosk window goes through many screens and DB tasks. With DEBUG_SAVEALL every
collected object lands in gc.garbage: a pass on a worker thread that found a Shiboken (PySide)
object is recorded and its garbage kept alive (never finalised off the UI thread); passes on the UI
thread just free theirs. The findings go to the JSON file named by YIZHAN_GC_REPORT."""

from __future__ import annotations

import gc
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from tests.ui.conftest import ALONE_ID, OTHER_ID, open_kiosk
from tests.ui.flows import run_service
from ui.navigator import ScreenKey

ROUNDS = int(os.environ.get("YIZHAN_GC_ROUNDS", "3"))
SERVICES = ("problem_report", "appointment", "daily_checkin")


class Watch:
    def __init__(self) -> None:
        self.findings: list[dict[str, Any]] = []
        self.worker_passes: dict[str, int] = {}
        self.quarantine: list[object] = []
        self.kinds: dict[str, int] = {}
        self.ui_findings: list[dict[str, Any]] = []

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase != "stop":
            return
        thread = threading.current_thread()
        if thread is threading.main_thread():
            qt = [o for o in gc.garbage if isinstance(o, shiboken6.Shiboken.Object)]
            if qt:
                self.ui_findings.append(
                    {
                        "qt": sorted({type(o).__name__ for o in qt}),
                        "alive": sorted({type(o).__name__ for o in qt if shiboken6.isValid(o)}),
                        "garbage": [_describe(o) for o in gc.garbage[:80]],
                    }
                )
            del gc.garbage[:]
            return
        self.worker_passes[thread.name] = self.worker_passes.get(thread.name, 0) + 1
        qt = [o for o in gc.garbage if isinstance(o, shiboken6.Shiboken.Object)]
        holders = [
            o
            for o in gc.garbage
            if any(isinstance(r, shiboken6.Shiboken.Object) for r in gc.get_referents(o))
        ]
        if qt or holders:
            self.findings.append(
                {
                    "thread": thread.name,
                    "qt": sorted({type(o).__name__ for o in qt}),
                    "holders": [_describe(o) for o in holders[:20]],
                    "garbage": [_describe(o) for o in gc.garbage[:60]],
                }
            )
        for o in gc.garbage:
            key = _describe(o)
            self.kinds[key] = self.kinds.get(key, 0) + 1
        self.quarantine.extend(gc.garbage)  # freed (or not) later, never on this thread
        del gc.garbage[:]


def _describe(obj: object) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(getattr(obj, "__func__", None), "__qualname__", "")
    return f"{type(obj).__name__} {name}".strip()


def test_stress(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui.conftest import create_station

    info = create_station(tmp_path / "station")
    watch = Watch()
    if os.environ.get("YIZHAN_GC_NO_GUARD"):  # to show what the guard hid (before its removal)
        from PySide6.QtCore import QObject

        import ui.shell

        class NoGuard(QObject):
            def stop(self) -> None:
                pass

        monkeypatch.setattr(ui.shell, "UiThreadGarbageCollector", NoGuard)
    with open_kiosk(qtbot, info.path, monkeypatch) as kiosk:
        gc.enable()  # the scenario is about automatic collection, on every thread
        gc.set_threshold(10, 2, 2)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.callbacks.append(watch)
        try:
            for _ in range(ROUNDS):
                for service in SERVICES:
                    run_service(kiosk, service, ALONE_ID)
                    kiosk.nav.go(ScreenKey.HOME)
                    kiosk.settle()
                run_service(kiosk, "problem_report", OTHER_ID)
                kiosk.nav.go(ScreenKey.HOME)
                kiosk.settle()
        finally:
            gc.callbacks.remove(watch)
            gc.set_debug(0)
    Path(os.environ.get("YIZHAN_GC_REPORT", tmp_path / "r.json")).write_text(
        json.dumps(
            {
                "findings": watch.findings,
                "worker_passes": watch.worker_passes,
                "ui_findings": watch.ui_findings,
                "kinds": sorted(watch.kinds.items(), key=lambda kv: -kv[1])[:40],
            },
            ensure_ascii=False,
            indent=1,
        )
    )
