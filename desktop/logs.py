"""Where the station's log goes: a rotating file in the platform log folder, never the terminal of
a full-screen kiosk, and never anything personal.

Log lines carry ids, counts and error kinds by design (see docs/security.md). As a second line of
defence every record passes a filter that masks runs of 11 or more digits (ID and phone numbers)
before it is written. The file is created 0600 and rotates at 1 MiB, keeping five old files.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

from desktop.paths import log_dir

LOG_NAME = "yizhan.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 5
_LONG_NUMBER = re.compile(r"\d{6,}[\dXx]{5,}")
_OURS = "yizhan_file"


class PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose every file — the first and each one after a rollover — is 0600."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding)


class MaskNumbers(logging.Filter):
    """Masks ID-number- and phone-shaped digit runs in the formatted message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _LONG_NUMBER.sub("[number]", message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _LONG_NUMBER.sub(
                "[number]", logging.Formatter().formatException(record.exc_info)
            )
            record.exc_info = None
        return True


def configure(directory: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the root logger to the station's log file (idempotent); returns the file's path.

    `directory` defaults to $YIZHAN_LOG_DIR, then the platform's per-user log folder."""
    folder = directory or Path(os.environ.get("YIZHAN_LOG_DIR") or log_dir())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / LOG_NAME
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _OURS]:
        root.removeHandler(handler)
        handler.close()
    handler = PrivateRotatingFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.set_name(_OURS)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskNumbers())
    root.addHandler(handler)
    root.setLevel(level)
    return path
