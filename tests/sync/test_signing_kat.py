"""Known-answer vectors for the signed request string (docs/sync-protocol.md §Authentication).

The expected signatures were computed outside this project, with coreutils and OpenSSL:

    E=$(printf '%s' "$BODY" | sha256sum | cut -d' ' -f1)
    printf 'yizhan-v1\\nMETHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\n%s' "$E" \\
        | openssl dgst -sha256 -hmac 'yizhan-kat-secret-32-bytes-long!' -binary | base64

so a change to the canonical string (order, separator, case, digest) fails here even if the station
and the hub change together.
"""

from __future__ import annotations

import pytest
import requests

from sync.client import HmacAuth
from sync.protocol import body_digest, sign, signing_string, verify_signature

SECRET = b"yizhan-kat-secret-32-bytes-long!"
EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PUSH_BODY = b'{"protocol":1,"items":[]}'
PUSH_SHA = "737f68c83028c9f0fcb19228194ac4815744161f50b446a26dc32ca48fb2d43c"
CHUNK_BODY = '{"code":"DR12-NME3-W4NP","note":"驿站"}'.encode()
CHUNK_SHA = "ce577e91056f5f5f8d570d6c28ea44a4eecb9bfcb30401fc52452debc9cb8c8d"

VECTORS = [
    # method, path+query, timestamp, nonce, body, expected signature (OpenSSL)
    (
        "GET",
        "/v1/pull?cursor=41&limit=500",
        "1700000000",
        "0123456789abcdef0123456789abcdef",
        b"",
        "V70KCN5JArNjZTIeI4Uf0eKqn5c4XPzer3YYOwGqr3Y=",
    ),
    (
        "POST",
        "/v1/push",
        "1700000300",
        "fedcba9876543210fedcba9876543210",
        PUSH_BODY,
        "hA0+ypbq28OaQ/Q4BfHFlFqNysv5Cdil/2hDGImh+sA=",
    ),
    (
        "put",
        f"/v1/attachments/{PUSH_SHA}/chunks/0",
        "1700000600",
        "ABCDEFGHIJKLMNOPqrstuvwx",
        CHUNK_BODY,
        "sJIszenxW49oTlO1vBY51806YPqgVFZ40UyCbcLQBwY=",
    ),
]


def test_body_digests_match_sha256sum() -> None:
    assert body_digest(b"") == EMPTY_SHA
    assert body_digest(PUSH_BODY) == PUSH_SHA
    assert body_digest(CHUNK_BODY) == CHUNK_SHA


def test_signing_string_is_the_documented_lines() -> None:
    assert signing_string(
        "get", "/v1/pull?cursor=41&limit=500", "1700000000", "0123456789abcdef0123456789abcdef", b""
    ) == (
        b"yizhan-v1\nGET\n/v1/pull?cursor=41&limit=500\n1700000000\n0123456789abcdef0123456789abcdef\n"
        + EMPTY_SHA.encode()
    )


@pytest.mark.parametrize(("method", "path", "ts", "nonce", "body", "expected"), VECTORS)
def test_signature_known_answers(
    method: str, path: str, ts: str, nonce: str, body: bytes, expected: str
) -> None:
    assert sign(SECRET, method, path, ts, nonce, body) == expected
    assert verify_signature(SECRET, expected, method, path, ts, nonce, body)
    assert not verify_signature(SECRET, expected, method, path, ts, nonce, body + b" ")
    assert not verify_signature(SECRET, expected, method, path, str(int(ts) + 1), nonce, body)


def test_client_signs_the_path_relative_to_a_prefixed_hub_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a reverse proxy at /yizhan the signed path is still /v1/…, with the query as sent."""
    monkeypatch.setattr("sync.client.secrets.token_hex", lambda _n: "0123456789abcdef0123456789abcdef")
    auth = HmacAuth("station-1", SECRET, "/yizhan/", clock=lambda: 1700000000.9)
    prepared = requests.Request("GET", "https://hub.example/yizhan/v1/pull?cursor=41&limit=500").prepare()
    signed = auth(prepared)
    assert signed.headers["X-Yizhan-Timestamp"] == "1700000000"
    assert signed.headers["X-Yizhan-Nonce"] == "0123456789abcdef0123456789abcdef"
    assert signed.headers["X-Yizhan-Station"] == "station-1"
    assert signed.headers["X-Yizhan-Signature"] == VECTORS[0][5]
