"""Spoken prompts: per-locale voice/rate/volume, a cache of pre-rendered WAVs, a speaker thread that
never blocks its caller and stops within a playback block, and the half-duplex gate the microphone
path consults so the kiosk never hears itself.

Rendering runs pyttsx3 in a child process (`voice.tts_render`), so a hung engine can be killed.
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from platformdirs import user_cache_dir

from voice.guard import mask_sensitive
from voice.playback import Player, default_player

VOICES = {"zh_CN": "cmn", "en": "en", "ko": "ko", "yue": "yue", "hak": "hak"}
# slow by default: older residents follow 130 characters a minute far better than 160
DEFAULT_RATE = {"zh_CN": 130, "en": 140, "ko": 130, "yue": 130, "hak": 130}
RENDER_TIMEOUT = 30.0


@dataclass(frozen=True)
class TtsSettings:
    """Rate (words per minute), volume (0..1) and espeak voice per locale."""

    volume: float = 1.0
    rates: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATE))
    voices: dict[str, str] = field(default_factory=lambda: dict(VOICES))

    def voice(self, locale: str) -> str:
        return self.voices.get(locale, VOICES.get(locale, "cmn"))

    def rate(self, locale: str) -> int:
        return self.rates.get(locale, 150)

    def louder(self) -> TtsSettings:
        return replace(self, volume=min(1.0, self.volume + 0.2))

    def slower(self, locale: str) -> TtsSettings:
        return replace(self, rates={**self.rates, locale: max(80, self.rate(locale) - 25)})


class TtsError(RuntimeError):
    """The speech engine failed to render a prompt."""


class HalfDuplexGate:
    """Closed while a prompt plays and for `hold_off` seconds after; `on_reopen` fires when it reopens."""

    def __init__(self, hold_off: float = 0.3) -> None:
        self.hold_off = hold_off
        self._speaking = False
        self._until = 0.0
        self._lock = threading.Lock()
        self.on_reopen: Callable[[], None] | None = None
        self._was_closed = False

    def speaking(self, active: bool) -> None:
        with self._lock:
            self._speaking = active
            if not active:
                self._until = time.monotonic() + self.hold_off
            self._was_closed = True

    def mic_open(self) -> bool:
        with self._lock:
            is_open = not self._speaking and time.monotonic() >= self._until
            reopened = is_open and self._was_closed
            if reopened:
                self._was_closed = False
        if reopened and self.on_reopen:
            self.on_reopen()
        return is_open


SCRATCH_PREFIX = "yizhan-tts-"
# A scratch folder named without a process id (older versions) is stale once this old.
_UNNAMED_STALE_S = 3600


def _scratch_base() -> Path | None:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_scratch(base: Path) -> list[Path]:
    """Remove this user's scratch folders left by a kiosk that crashed (its process is gone), so
    spoken personal text does not outlive a crash. Folders of running processes are left alone."""
    removed: list[Path] = []
    uid = os.getuid()
    for folder in base.glob(f"{SCRATCH_PREFIX}*"):
        try:
            info = folder.lstat()
        except FileNotFoundError:
            continue
        if info.st_uid != uid or not folder.is_dir() or folder.is_symlink():
            continue
        pid_text = folder.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit():
            stale = not _alive(int(pid_text))
        else:
            stale = time.time() - info.st_mtime > _UNNAMED_STALE_S
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _scratch_dir() -> Path:
    """A private (0700) folder for one-off renderings, on /dev/shm when it exists so they never reach
    a disk at all. Its name carries our process id, so a later start can tell a crashed kiosk's
    leftovers (removed first) from another running process's folder."""
    import tempfile

    base = _scratch_base()
    remove_stale_scratch(base or Path(tempfile.gettempdir()))
    return Path(
        tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=None if base is None else str(base))
    )


class PromptCache:
    """WAVs keyed by text + voice + rate; a cached prompt starts without rendering."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(user_cache_dir("yizhan")) / "tts"
        self._active: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def path_for(self, text: str, voice: str, rate: int) -> Path:
        key = hashlib.sha256(f"{voice}\0{rate}\0{text}".encode()).hexdigest()[:32]
        return self.directory / f"{voice}-{key}.wav"

    def render(self, text: str, voice: str, rate: int, out: Path | None = None) -> Path:
        """The cached WAV for this prompt, rendering it first if needed (blocks; may be cancelled)."""
        target = out or self.path_for(text, voice, rate)
        if target.is_file() and out is None:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part.wav")
        command = [sys.executable, "-m", "voice.tts_render", "--voice", voice, "--rate", str(rate)]
        # The text goes on stdin: it may name a resident, and a command line is visible to `ps`.
        process = subprocess.Popen(
            [*command, str(partial)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        with self._lock:
            self._active = process
        try:
            _, err = process.communicate(input=text.encode("utf-8"), timeout=RENDER_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            partial.unlink(missing_ok=True)
            raise TtsError("speech engine timed out") from None
        finally:
            with self._lock:
                self._active = None
        if process.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            raise TtsError(f"speech engine failed: {err.decode(errors='replace').strip()[-300:]}")
        partial.replace(target)
        return target

    def cancel(self) -> None:
        with self._lock:
            if self._active is not None and self._active.poll() is None:
                self._active.kill()


class Speaker:
    """Speaks on its own thread; `say` returns at once and replaces whatever is playing."""

    def __init__(
        self,
        settings: TtsSettings | None = None,
        cache: PromptCache | None = None,
        player: Player | None = None,
        gate: HalfDuplexGate | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.settings = settings or TtsSettings()
        self.cache = cache or PromptCache()
        self.player = player or default_player()
        self.gate = gate or HalfDuplexGate()
        self.on_error = on_error
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._scratch = _scratch_dir()
        self._thread = threading.Thread(target=self._run, name="tts-speaker", daemon=True)
        self._thread.start()

    @property
    def speaking(self) -> bool:
        return not self._idle.is_set()

    def say(self, text: str, locale: str) -> None:
        self.stop()
        self._idle.clear()
        self._queue.put((text, locale))

    def stop(self) -> None:
        """Stop the current prompt (returns at once; playback ends within one block)."""
        while not self._queue.empty():
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._stop.set()
        self.cache.cancel()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return self._idle.wait(timeout)

    def prerender(self, text: str, locale: str) -> Path:
        """Render a fixed prompt (a screen title, a catalogue prompt) into the on-disk cache now, off
        the UI thread, so it starts instantly later. Only call it for text that names nobody."""
        safe = mask_sensitive(text, locale)
        return self.cache.render(safe, self.settings.voice(locale), self.settings.rate(locale))

    def _wav_for(self, text: str, locale: str) -> tuple[Path, bool]:
        """A cached WAV when this prompt was pre-rendered; otherwise a one-off rendering in a private
        scratch folder (RAM-backed where the OS offers one), deleted right after it plays — spoken
        replies, names and summaries never stay on disk. Returns (path, delete_after)."""
        safe = mask_sensitive(text, locale)
        voice, rate = self.settings.voice(locale), self.settings.rate(locale)
        cached = self.cache.path_for(safe, voice, rate)
        if cached.is_file():
            return cached, False
        out = self._scratch / f"{threading.get_ident()}-{time.monotonic_ns()}.wav"
        return self.cache.render(safe, voice, rate, out=out), True

    def reset_for_next_resident(self) -> None:
        self.settings = TtsSettings()

    def close(self) -> None:
        self.stop()
        self._queue.put(None)
        self._thread.join(timeout=5)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._stop.clear()
            text, locale = item
            wav: Path | None = None
            ephemeral = False
            try:
                wav, ephemeral = self._wav_for(text, locale)
                if not self._stop.is_set():
                    self.gate.speaking(True)
                    try:
                        self.player.play(wav, self._stop, self.settings.volume)
                    finally:
                        self.gate.speaking(False)
            except Exception as exc:  # reported; speech is never allowed to break the kiosk  # noqa: BLE001
                if self.on_error and not self._stop.is_set():
                    self.on_error(exc)
            finally:
                if ephemeral and wav is not None:
                    wav.unlink(missing_ok=True)
                if self._queue.empty():
                    self._idle.set()
