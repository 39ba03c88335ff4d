"""Spoken personal text on disk: one-off renderings are 0600, and a crashed kiosk's scratch folder
is removed at the next start (another running process's folder is left alone)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from voice.tts import SCRATCH_PREFIX, PromptCache, Speaker, _scratch_base


class ModeRecordingPlayer:
    """Plays nothing; remembers each file's permission bits while it existed."""

    def __init__(self) -> None:
        self.modes: list[int] = []

    def play(self, wav: Path, stop: threading.Event, volume: float = 1.0) -> bool:
        self.modes.append(stat.S_IMODE(wav.stat().st_mode))
        return True


def test_one_off_renderings_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files would be 0644 unless the renderer says otherwise
    player = ModeRecordingPlayer()
    speaker = Speaker(cache=PromptCache(tmp_path / "cache"), player=player)
    try:
        speaker.say("王秀英，您的补贴申请已经受理", "zh_CN")
        assert speaker.wait_idle(30)
    finally:
        speaker.close()
        os.umask(old)
    assert player.modes == [0o600]


def test_stale_scratch_folders_of_a_crashed_kiosk_are_removed(tmp_path: Path) -> None:
    base = _scratch_base() or Path(tempfile.gettempdir())
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    crashed = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{dead_pid}-", dir=base))
    (crashed / "reply.wav").write_bytes(b"RIFF personal")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    running = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{sleeper.pid}-", dir=base))
    speaker = Speaker(cache=PromptCache(tmp_path / "cache"), player=ModeRecordingPlayer())
    try:
        assert not crashed.exists()
        assert running.exists()  # a live process's folder stays
        assert speaker._scratch.name.startswith(f"{SCRATCH_PREFIX}{os.getpid()}-")
    finally:
        speaker.close()
        sleeper.kill()
        sleeper.wait()
        shutil.rmtree(running, ignore_errors=True)
        shutil.rmtree(crashed, ignore_errors=True)
