"""A throwaway certificate authority (openssl) and nginx started from deploy/nginx/yizhan-hub.conf,
for the deployment tests: the shipped proxy config, not a copy, terminates TLS in front of a hub."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONF = ROOT / "deploy" / "nginx" / "yizhan-hub.conf"


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path


def make_certs(folder: Path) -> Certs:
    """A CA, and a server certificate it signs for IP 127.0.0.1 (subjectAltName, as clients check)."""
    folder.mkdir(parents=True, exist_ok=True)

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=180)

    # EC keys: generated at once even on a busy machine (an RSA key can take seconds there).
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    ssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=Yizhan test county CA",
    )
    ssl("req", *ec, "-keyout", "hub.key", "-out", "hub.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    ssl(
        "x509",
        "-req",
        "-in",
        "hub.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "hub.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    )
    return Certs(folder / "ca.crt", folder / "hub.crt", folder / "hub.key")


@dataclass(frozen=True)
class Proxy:
    https_port: int
    http_port: int

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def site_config(certs: Certs, hub_port: int, https_port: int, http_port: int) -> str:
    """deploy/nginx/yizhan-hub.conf with this machine's ports and files put in (loopback only)."""
    text = SHIPPED_CONF.read_text(encoding="utf-8")
    swaps = {
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "return 301 https://$host$request_uri;": f"return 301 https://$host:{https_port}$request_uri;",
        "/etc/yizhan/tls/hub.crt": str(certs.cert),
        "/etc/yizhan/tls/hub.key": str(certs.key),
        "server 127.0.0.1:8730;": f"server 127.0.0.1:{hub_port};",
    }
    for old, new in swaps.items():
        assert old in text, f"{SHIPPED_CONF} no longer has {old!r}"
        text = text.replace(old, new)
    return text


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running_nginx(folder: Path, certs: Certs, hub_port: int) -> Iterator[Proxy]:
    """nginx in the foreground from a private prefix; stopped (SIGQUIT, then kill) at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    proxy = Proxy(https_port=free_port(), http_port=free_port())
    (folder / "site.conf").write_text(site_config(certs, hub_port, proxy.https_port, proxy.http_port))
    temps = "\n".join(
        f"    {name}_temp_path {folder / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # temp files stay in this private folder
    (folder / "nginx.conf").write_text(f"""{user}daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder / "access.log"};
{temps}
    include {folder / "site.conf"};
}}
""")
    conf = str(folder / "nginx.conf")
    check = subprocess.run(
        ["nginx", "-t", "-c", conf, "-p", str(folder)], capture_output=True, text=True, timeout=30
    )
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(
        ["nginx", "-c", conf, "-p", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while not _accepts(proxy.https_port):
            log = folder / "error.log"
            assert proc.poll() is None and time.monotonic() < deadline, (
                log.read_text() if log.exists() else ""
            )
            time.sleep(0.05)
        yield proxy
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
