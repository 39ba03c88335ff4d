"""The model installer against a local HTTP server: progress, resume after a cut, checksum, USB zip."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.cli import main
from voice.installer import ModelInstallError, install_model
from voice.models import ZH_MODEL_NAME, locate_model


def make_model_zip(path: Path) -> str:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{ZH_MODEL_NAME}/am/final.mdl", b"\0" * 300_000)
        zf.writestr(f"{ZH_MODEL_NAME}/conf/model.conf", "--min-active=200\n")
        zf.writestr(f"{ZH_MODEL_NAME}/graph/words.txt", "养老金 1\n")
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Server:
    def __init__(self, payload: bytes, cut_first_at: int | None = None) -> None:
        self.payload = payload
        self.cut_first_at = cut_first_at
        self.requests: list[str | None] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                ranged = self.headers.get("Range")
                owner.requests.append(ranged)
                start = int(ranged.split("=")[1].rstrip("-")) if ranged else 0
                body = owner.payload[start:]
                self.send_response(206 if ranged else 200)
                self.send_header("Content-Length", str(len(body)))
                if ranged:
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(owner.payload) - 1}/{len(owner.payload)}"
                    )
                self.end_headers()
                if owner.cut_first_at is not None and len(owner.requests) == 1:
                    self.wfile.write(body[: owner.cut_first_at])
                    self.wfile.flush()
                    self.connection.shutdown(2)  # the connection drops mid-transfer
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.zip"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def model_zip(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "model.zip"
    return path, make_model_zip(path)


@pytest.fixture
def server_factory() -> Iterator[type[Server]]:
    servers: list[Server] = []

    class Factory(Server):
        def __init__(self, payload: bytes, cut_first_at: int | None = None) -> None:
            super().__init__(payload, cut_first_at)
            servers.append(self)

    yield Factory
    for server in servers:
        server.httpd.shutdown()


def test_download_with_progress_and_resume(
    tmp_path: Path, model_zip: tuple[Path, str], server_factory: type[Server]
) -> None:
    path, sha = model_zip
    server = server_factory(path.read_bytes(), cut_first_at=100_000)
    seen: list[tuple[int, int | None]] = []
    installed = install_model(
        "zh", tmp_path / "models", url=server.url, sha256=sha, progress=lambda d, t: seen.append((d, t))
    )
    assert installed == tmp_path / "models" / ZH_MODEL_NAME
    assert locate_model("zh_CN", tmp_path / "models") == installed
    assert server.requests[0] is None
    resumed_from = int(str(server.requests[1]).removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_from <= 100_000  # resumed where the cut left the file, not restarted
    assert seen[-1][0] == path.stat().st_size == seen[-1][1]
    assert not (tmp_path / "models" / ".downloads" / f"{ZH_MODEL_NAME}.zip.part").exists()


def test_checksum_mismatch_is_refused(
    tmp_path: Path, model_zip: tuple[Path, str], server_factory: type[Server]
) -> None:
    path, _ = model_zip
    server = server_factory(path.read_bytes())
    with pytest.raises(ModelInstallError, match="checksum mismatch"):
        install_model("zh", tmp_path / "models", url=server.url)  # the official SHA-256
    assert not (tmp_path / "models" / ZH_MODEL_NAME).exists()


def test_unreachable_server_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelInstallError, match=r"cannot download.*--from-file"):
        install_model("zh", tmp_path / "models", url="http://127.0.0.1:9/none.zip", attempts=2)


def test_cli_from_file(
    tmp_path: Path, model_zip: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, sha = model_zip
    models = tmp_path / "models"
    argv = ["voice", "install-model", "zh", "--from-file", str(path), "--models-dir", str(models)]
    assert main([*argv, "--sha256", sha]) == 0
    assert (models / ZH_MODEL_NAME / "am" / "final.mdl").is_file()
    assert main(argv) == 1  # the official checksum does not match this test zip
    assert "checksum mismatch" in capsys.readouterr().err
