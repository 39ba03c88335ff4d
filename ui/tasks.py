"""Background work: one single-worker executor for every database call, with results handed back on
the UI thread (like Anki's QueryOp).

`DbWorker.run(op, on_done, on_error)` runs the Qt-free `op()` on the worker thread, then calls
`on_done(result)` or `on_error(exc)` on the UI thread. Never touch widgets inside `op`. Because there
is exactly one worker, writes to the station database never race each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class DbWorker(QObject):
    finished = Signal(object, object, object, object)  # on_done, on_error, result, exception
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yizhan-db")
        self._pending = 0
        self._closed = False
        self.finished.connect(self._deliver)

    @property
    def idle(self) -> bool:
        return self._pending == 0

    def run(
        self,
        op: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self._closed:
            return  # shutting down: late timers must not schedule new work
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        future = self._pool.submit(op)
        future.add_done_callback(lambda f: self._relay(f, on_done, on_error))

    def _relay(self, future: Future[Any], on_done: Any, on_error: Any) -> None:
        # Runs on the worker thread: the signal is queued to the UI thread (the receiver's thread).
        exc = future.exception()
        self.finished.emit(on_done, on_error, None if exc else future.result(), exc)

    def _deliver(self, on_done: Any, on_error: Any, result: Any, exc: BaseException | None) -> None:
        try:
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("background task failed", exc_info=exc)
            elif on_done is not None:
                on_done(result)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)

    def call_blocking(self, op: Callable[[], T]) -> T:
        """For the CLI tour and shutdown only: run on the worker and wait (keeps the single writer)."""
        return self._pool.submit(op).result()

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=False)
