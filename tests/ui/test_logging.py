"""The kiosk logs to a private rotating file in the log folder, and nothing personal reaches it:
a whole kiosk session (a resident identified by ID number, a problem described, a help call, the
every screen change is logged by name) leaves no name, ID number, phone
or description in any log file."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop import logs
from desktop.cli import main
from tests.ui.conftest import ALONE_ID, StationInfo, open_kiosk
from tests.ui.flows import DESCRIPTION, run_service


def _log_text(folder: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("yizhan.log*"))
    )


def test_every_command_logs_to_a_private_file(
    tmp_path: Path, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIZHAN_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("YIZHAN_PASSPHRASE", "test-pass-123")
    assert main(["status", "--data-dir", str(station_info.path)]) == 0
    path = tmp_path / "logs" / "yizhan.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rotated_files_stay_private_and_numbers_are_masked(tmp_path: Path) -> None:
    logs.configure(tmp_path)
    log = logging.getLogger("yizhan.test")
    try:
        raise ValueError(f"no resident {ALONE_ID}")
    except ValueError:
        log.exception("lookup of %s failed (phone %s)", ALONE_ID, "13800138000")
    for _ in range(2500):  # > 1 MiB: at least one rollover
        log.info("padding line %s", "x" * 500)
    files = sorted(tmp_path.glob("yizhan.log*"))
    assert len(files) >= 2 and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    text = _log_text(tmp_path)
    assert ALONE_ID not in text and "13800138000" not in text and "[number]" in text


def test_a_whole_kiosk_session_logs_nothing_personal(
    qtbot: QtBot, tmp_path: Path, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "logs"
    logs.configure(folder)
    with open_kiosk(qtbot, station_info.path, monkeypatch) as kiosk:
        run_service(kiosk, "problem_report", ALONE_ID)
        kiosk.nav.home()
        kiosk.click(kiosk.ctx.tr("bar.help"))
        qtbot.waitUntil(lambda: "screen help" in _log_text(folder), timeout=10_000)
    text = _log_text(folder)
    for secret in (ALONE_ID, ALONE_ID[-6:], "张桂英", "13800138000", "张强", DESCRIPTION, DESCRIPTION[:6]):
        assert secret not in text, f"{secret!r} reached the log"
