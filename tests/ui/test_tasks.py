"""The DB worker hands results back on the UI thread, later — never from inside run() — and the worker
thread never lets go of the last reference to what the UI side gave it or gets back."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, ClassVar

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.tasks import DbWorker


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[DbWorker]:
    del qtbot  # a QApplication
    db = DbWorker()
    try:
        yield db
    finally:
        db.shutdown()


def test_a_task_done_before_run_returns_is_still_delivered_later(
    worker: DbWorker, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The op can finish before run() has returned (a fast op on an idle worker): its callback must
    still come from the event loop, once, on the UI thread — not re-entrantly from inside run()."""

    def submit_and_finish(fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args))  # done before run() can attach anything to it
        return future

    monkeypatch.setattr(worker._pool, "submit", submit_and_finish)
    calls: list[tuple[str, object, bool]] = []
    main = threading.current_thread()
    worker.run(lambda: 42, lambda value: calls.append(("done", value, threading.current_thread() is main)))
    assert calls == []  # not yet: run() has only just returned
    assert not worker.idle
    qtbot.waitUntil(lambda: worker.idle, timeout=5000)
    assert calls == [("done", 42, True)]
    worker.run(lambda: 1 / 0, None, lambda exc: calls.append(("error", type(exc), True)))
    assert calls == [("done", 42, True)]
    qtbot.waitUntil(lambda: worker.idle, timeout=5000)
    assert calls[-1] == ("error", ZeroDivisionError, True)


class Tracked:
    """Records the thread that drops its last reference."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self, value: int = 0) -> None:
        self.value = value

    def __call__(self, *_args: object) -> Any:
        return Tracked(self.value + 1)

    def __del__(self) -> None:
        Tracked.freed_on.append(threading.current_thread().name)


def test_op_callbacks_and_results_are_freed_on_the_ui_thread(worker: DbWorker, qtbot: QtBot) -> None:
    """Whatever the UI side hands the worker (the op, its callbacks) and gets back (the result, an
    error) is let go of on the UI thread, whoever finishes first. The worker is made to lose the
    race on purpose: it gives up the interpreter as often as it can, so the UI thread delivers (and
    drops its references) while the worker is still finishing the task."""
    Tracked.freed_on = []
    delivered: list[int] = []
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(20):
            op, done, failed = Tracked(), Tracked(), Tracked()
            worker.run(op, done, failed)
            del op, done, failed
            worker.run(lambda: Tracked(), lambda result: delivered.append(result.value))
            worker.run(_raise_tracked, None, lambda exc: delivered.append(exc.args[0].value))
            while not worker.idle:
                QApplication.processEvents()
    finally:
        sys.setswitchinterval(before)
    qtbot.wait(50)  # the worker thread has finished its last task by now
    assert Tracked.freed_on and set(Tracked.freed_on) == {threading.current_thread().name}
    assert delivered == [0, 7] * 20  # in the order they were run


def _raise_tracked() -> None:
    raise ValueError(Tracked(7))
