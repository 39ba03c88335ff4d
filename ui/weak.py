"""Callbacks that do not keep their object alive.

A widget that keeps a bound method of another (or a lambda over it) in a Python attribute ties the
two Python wrappers into a reference cycle. Only the cyclic collector frees such a cycle, and it runs
on whichever thread happens to allocate — the DB worker, the sync loop — so whatever Qt object the
cycle is last to hold would be destroyed there, off the UI thread (issue 16). The kiosk's wiring
between its own parts uses `weak_method` (or a Qt signal) instead.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def weak_method(method: Callable[P, R], default: R) -> Callable[P, R]:
    """`method` (a bound method) called through a weak reference: once its object is gone, calls
    return `default` and do nothing."""
    ref = weakref.WeakMethod(method)

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        target = ref()
        return default if target is None else target(*args, **kwargs)

    return call
