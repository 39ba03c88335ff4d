"""Suite-wide settings: Qt renders offscreen; every test gets its own temporary data folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("YIZHAN_TTS_DRIVER", "espeak")
