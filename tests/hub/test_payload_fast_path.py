"""services/payload_rules.py checks a plain document (no escapes, nothing to normalise) in one pass
over its text and keeps the station's bytes; every document must get exactly the verdict, payload
and stored bytes of the value-by-value path (`_clean`), which is the reference."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from server.services import payload_rules
from server.services.payload_rules import PayloadInvalid
from sync.protocol import RecordKind

NOW = datetime.now(UTC).isoformat()


def _doc(**fields: Any) -> dict[str, Any]:
    return {
        "service": "problem_report",
        "receipt_code": "A07-00012",
        "resident": {"name": "张秀英", "phone": "13800138000"},
        "fields": fields,
        "created_at": NOW,
    }


CASES: list[bytes] = [
    json.dumps(_doc(category="water_power", description="楼上漏水"), ensure_ascii=False).encode(),
    json.dumps(_doc(description="cafe\u0301 décomposé"), ensure_ascii=False).encode(),  # not NFC
    json.dumps(_doc(description="第一行\n第二行"), ensure_ascii=False).encode(),  # an escape
    json.dumps(_doc(description="响铃\u0007"), ensure_ascii=False).encode(),  # control character
    json.dumps(_doc(description="段落\u2028分隔"), ensure_ascii=False).encode(),  # raw U+2028
    json.dumps(_doc(description="长" * (payload_rules.MAX_TEXT + 1)), ensure_ascii=False).encode(),
    json.dumps(_doc(**{"k" * (payload_rules.MAX_KEY_LEN + 1): 1}), ensure_ascii=False).encode(),
    json.dumps(_doc(**{"": 1}), ensure_ascii=False).encode(),
    json.dumps(_doc(n=2**60), ensure_ascii=False).encode(),
    json.dumps(_doc(many=list(range(payload_rules.MAX_KEYS + 1))), ensure_ascii=False).encode(),
    json.dumps(_doc(deep={"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}})).encode(),
    json.dumps(_doc(description="宽字符"), ensure_ascii=False).encode("utf-16"),
]


def _verdict(plain: bytes) -> tuple[Any, ...]:
    try:
        checked = payload_rules.check(RecordKind.SERVICE_REQUEST, plain)
    except PayloadInvalid as exc:
        return ("invalid", str(exc))
    return ("ok", checked.payload, checked.plaintext)


@pytest.mark.parametrize("plain", CASES, ids=range(len(CASES)))
def test_the_one_pass_check_agrees_with_the_value_by_value_one(
    plain: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _verdict(plain)
    monkeypatch.setattr(payload_rules, "_plain_text", lambda _plain: False)
    assert fast == _verdict(plain)


def test_a_plain_document_keeps_the_stations_bytes_and_a_decomposed_one_is_normalised() -> None:
    assert _verdict(CASES[0]) == ("ok", json.loads(CASES[0]), CASES[0])
    verdict = _verdict(CASES[1])
    assert verdict[0] == "ok" and verdict[1]["fields"]["description"] == "café décomposé"
    assert _verdict(CASES[3])[0] == "invalid" and _verdict(CASES[4])[0] == "invalid"
