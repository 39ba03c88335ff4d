"""Background work: one single-worker executor for every database call, with results handed back on
the UI thread (like Anki's QueryOp).

`DbWorker.run(op, on_done, on_error)` runs the Qt-free `op()` on the worker thread, then calls
`on_done(result)` or `on_error(exc)` on the UI thread — always later, from the event loop, never from
inside `run()` itself, however fast `op` is. Never touch widgets inside `op`. Because there is exactly
one worker, writes to the station database never race each other.

The worker thread never holds the last reference to anything the UI side gave it or gets back: the
op and its callbacks wait in a table on this object and are let go of on the UI thread when the
outcome is delivered; the worker hands over only a task number. A Python wrapper of a Qt object
freed on the worker thread (a callback bound to a screen, a result holding one) would destroy that
object there, off the UI thread (issue 16).
"""

from __future__ import annotations

import itertools
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class DbWorker(QObject):
    finished = Signal(int)  # a task number: its outcome waits in `_outcomes`
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yizhan-db")
        self._numbers = itertools.count()
        # task number → (op, on_done, on_error); then → (result, exception). Single dict operations
        # are atomic under the GIL, and each number is written by one thread at a time.
        self._tasks: dict[int, tuple[Callable[[], Any], Any, Any]] = {}
        self._outcomes: dict[int, tuple[Any, BaseException | None]] = {}
        self._closed = False
        # Queued even when emitted on the UI thread: a callback never runs inside run().
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def idle(self) -> bool:
        return not self._tasks

    def run(
        self,
        op: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self._closed:
            return  # shutting down: late timers must not schedule new work
        number = next(self._numbers)
        self._tasks[number] = (op, on_done, on_error)
        if len(self._tasks) == 1:
            self.busy_changed.emit(True)
        self._pool.submit(self._work, number)

    def _work(self, number: int) -> None:
        """On the worker thread: run the op, park its outcome, and say which task is done."""
        op = self._tasks[number][0]
        try:
            outcome: tuple[Any, BaseException | None] = (op(), None)
        except BaseException as exc:  # noqa: BLE001 — handed to on_error on the UI thread
            outcome = (None, exc)
        del op  # the table still holds it: this is never the last reference
        self._outcomes[number] = outcome
        del outcome
        self.finished.emit(number)

    def _deliver(self, number: int) -> None:
        """On the UI thread: call back, then let go of the op, callbacks and outcome here."""
        task = self._tasks.get(number)
        outcome = self._outcomes.pop(number, None)
        if task is None or outcome is None:
            return
        _op, on_done, on_error = task
        result, exc = outcome
        try:
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("background task failed", exc_info=exc)
            elif on_done is not None:
                on_done(result)
        finally:
            del self._tasks[number]
            if not self._tasks:
                self.busy_changed.emit(False)

    def call_blocking(self, op: Callable[[], T]) -> T:
        """For the CLI tour and shutdown only: run on the worker and wait (keeps the single writer)."""
        return self._pool.submit(op).result()

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=False)


def while_alive(method: Callable[[T], None]) -> Callable[[T], None]:
    """A DB worker callback bound to a Qt object that may be gone when the result arrives (a screen
    rebuilt for a new language, a home tile replaced): called only while that object still exists,
    otherwise dropped. Held weakly, so a pending task keeps no widget alive either."""
    ref = weakref.WeakMethod(method)  # a bound method only (TypeError otherwise)

    def call(value: T) -> None:
        bound: Any = ref()
        if bound is not None and shiboken6.isValid(bound.__self__):
            bound(value)

    return call
