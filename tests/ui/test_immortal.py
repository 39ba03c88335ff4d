"""PySide6 6.12 drops a reference to None on every call that returns None and one to True on every
signal emit; on Python 3.11 a long enough run then aborts (none_dealloc / bool_dealloc). ui/immortal.py
gives None, True and False a head start when the `ui` package is imported. Each case runs in a fresh
interpreter: once bare, to show that the loss is real (the day a PySide release fixes it, the bare run
lives, this fails, and ui/immortal.py can go), and once after `import ui`, which must live."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CALLS = 60_000  # more than the references a fresh interpreter holds to None or True

EMITS = f"""
from PySide6.QtCore import QObject, Signal
class Source(QObject):
    ping = Signal()
source = Source()
for _ in range({CALLS}):
    source.ping.emit()  # returns True
print("alive")
"""

VOID_CALLS = f"""
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for _ in range({CALLS}):
    label.setText("a")  # returns None
print("alive")
"""

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and True are immortal there")


def _run(code: str, *, guarded: bool) -> subprocess.CompletedProcess[str]:
    prelude = "import ui\n" if guarded else ""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("code", "fatal"), [(EMITS, "bool_dealloc"), (VOID_CALLS, "none_dealloc")], ids=["emit", "void"]
)
def test_pyside_calls_lose_references_and_the_ui_package_outlives_them(code: str, fatal: str) -> None:
    bare = _run(code, guarded=False)
    assert bare.returncode == -signal.SIGABRT and fatal in bare.stderr, bare.stderr[-2000:]
    guarded = _run(code, guarded=True)
    assert guarded.returncode == 0 and guarded.stdout.strip() == "alive", guarded.stderr[-2000:]
