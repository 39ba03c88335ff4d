"""Installing the Mandarin model: download with progress and HTTP Range resume, SHA-256 check, safe
unzip into the model directory; or the same from a zip on a USB stick (`--from-file`).

A failed download keeps its partial file so the next attempt resumes; a checksum mismatch deletes it.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from voice.models import ZH_MODEL_NAME

Progress = Callable[[int, int | None], None]  # bytes done, total (None when unknown)


@dataclass(frozen=True)
class ModelSource:
    name: str
    url: str
    sha256: str


MODELS: dict[str, ModelSource] = {
    "zh": ModelSource(
        ZH_MODEL_NAME,
        "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
        "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba",
    ),
}
CHUNK = 64 * 1024


class ModelInstallError(RuntimeError):
    """Installing failed; the message says what happened and what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download_once(url: str, part: Path, progress: Progress | None, timeout: float) -> None:
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with requests.get(url, headers=headers, stream=True, timeout=(10, timeout)) as response:
        if response.status_code == 416:  # nothing left to fetch
            return
        if response.status_code not in (200, 206):
            raise ModelInstallError(f"the server answered HTTP {response.status_code} for {url}")
        if response.status_code == 200:
            have = 0  # no resume support: start over
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        with part.open("ab" if have else "wb") as f:
            for block in response.iter_content(CHUNK):
                f.write(block)
                have += len(block)
                if progress:
                    progress(have, total)
        if total is not None and have < total:
            raise requests.ConnectionError(f"connection closed after {have} of {total} bytes")


def download(
    url: str,
    part: Path,
    progress: Progress | None = None,
    attempts: int = 5,
    timeout: float = 60.0,
) -> None:
    """Fetch `url` into `part`, resuming with Range after a cut connection."""
    part.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        try:
            _download_once(url, part, progress, timeout)
            return
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            if attempt == attempts:
                raise ModelInstallError(
                    f"cannot download the speech model from {url} ({type(exc).__name__}). "
                    "Check the network, run the command again to resume, or copy the zip on a USB "
                    "stick and use --from-file."
                ) from None
            time.sleep(min(2.0 ** (attempt - 1), 10.0) * 0.5)


def _safe_extract(archive: Path, target_root: Path, name: str) -> Path:
    try:
        with (
            zipfile.ZipFile(archive) as zf,
            tempfile.TemporaryDirectory(dir=target_root, prefix=".unzip-") as tmp,
        ):
            tmp_path = Path(tmp).resolve()
            for member in zf.infolist():
                destination = (tmp_path / member.filename).resolve()
                if not destination.is_relative_to(tmp_path):
                    raise ModelInstallError(f"{archive.name}: unsafe path {member.filename!r} in zip")
            zf.extractall(tmp_path)
            roots = [p for p in tmp_path.iterdir() if p.is_dir()]
            model_root = roots[0] if len(roots) == 1 else tmp_path
            if not (model_root / "am" / "final.mdl").is_file():
                raise ModelInstallError(f"{archive.name} does not contain a Vosk model (no am/final.mdl)")
            final = target_root / name
            if final.exists():
                shutil.rmtree(final)
            shutil.move(str(model_root), str(final))
            return final
    except zipfile.BadZipFile:
        raise ModelInstallError(f"{archive.name} is not a valid zip file") from None


def _verify(archive: Path, expected: str) -> None:
    actual = sha256_of(archive)
    if actual.lower() != expected.lower():
        raise ModelInstallError(
            f"checksum mismatch for {archive.name}: expected SHA-256 {expected}, got {actual}. "
            "The file is damaged or not the official model; it was not installed."
        )


def install_model(
    language: str,
    models_dir: Path,
    url: str | None = None,
    from_file: Path | None = None,
    sha256: str | None = None,
    progress: Progress | None = None,
    attempts: int = 5,
) -> Path:
    """Install the model for `language` ("zh") into `models_dir`; returns the model directory."""
    source = MODELS.get(language)
    if source is None:
        raise ModelInstallError(f"no installable model for {language!r} (known: {', '.join(MODELS)})")
    expected = sha256 or source.sha256
    models_dir.mkdir(parents=True, exist_ok=True)
    if from_file is not None:
        if not from_file.is_file():
            raise ModelInstallError(f"{from_file}: no such file")
        _verify(from_file, expected)
        return _safe_extract(from_file, models_dir, source.name)
    part = models_dir / ".downloads" / f"{source.name}.zip.part"
    download(url or source.url, part, progress, attempts)
    try:
        _verify(part, expected)
    except ModelInstallError:
        part.unlink(missing_ok=True)
        raise
    installed = _safe_extract(part, models_dir, source.name)
    part.unlink(missing_ok=True)
    return installed
