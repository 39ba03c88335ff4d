"""Encrypted, audited export of the station's records (for a hand-over or an offline backup).

The file is a JSON document sealed with AES-256-GCM under a key derived (scrypt) from the export
passphrase, so it is as safe on a USB stick as the station itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.keyfile import (
    DEFAULT_KDF,
    WrongPassphrase,
    _b64,
    _unb64,
    atomic_write,
    check_passphrase,
    derive_kek,
)
from models.schema import utcnow

if TYPE_CHECKING:
    from models.station import Actor, Station

MAGIC = b"YIZHAN-EXPORT-1\n"


def collect(station: Station, actor: Actor) -> dict[str, Any]:
    residents = station.residents.list_all(actor)
    requests = station.requests.list(limit=10**9)
    return {
        "station": station.setting("station_name"),
        "exported_at": utcnow().isoformat(),
        "residents": [
            {
                "id": r.id,
                "name": r.name,
                "id_number": r.id_number,
                "phone": r.phone,
                "address": r.address,
                "living_alone": r.living_alone,
                "emergency_contact": r.emergency_contact,
            }
            for r in residents
            if not r.damaged
        ],
        # Records that failed their integrity check are named, not exported blank.
        "damaged_residents": [r.id for r in residents if r.damaged],
        "requests": [
            {
                "id": q.id,
                "service": q.service,
                "state": q.state,
                "receipt_code": q.receipt_code,
                "resident_id": q.resident_id,
                "fields": q.fields,
                "reply": q.reply,
                "created_at": q.created_at.isoformat(),
            }
            for q in requests
        ],
    }


def write_export(station: Station, out: Path, passphrase: str, actor: Actor) -> dict[str, int]:
    check_passphrase(passphrase)
    document = collect(station, actor)
    kdf = {**DEFAULT_KDF, "salt": _b64(os.urandom(16))}
    key = derive_kek(passphrase, kdf)
    nonce = os.urandom(12)
    header = json.dumps({"kdf": kdf, "nonce": _b64(nonce)}).encode()
    body = AESGCM(key).encrypt(nonce, json.dumps(document, ensure_ascii=False).encode("utf-8"), header)
    atomic_write(out, MAGIC + header + b"\n" + body)
    counts = {"residents": len(document["residents"]), "requests": len(document["requests"])}
    with station.write() as session:
        station.audit.append(session, actor.label, "export", "station", file=out.name, **counts)
    return counts


def read_export(path: Path, passphrase: str) -> dict[str, Any]:
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ValueError(f"{path} is not a Yizhan export")
    header, _, body = data[len(MAGIC) :].partition(b"\n")
    meta = json.loads(header)
    key = derive_kek(passphrase, meta["kdf"])
    try:
        plain = AESGCM(key).decrypt(_unb64(meta["nonce"]), body, header)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase for this export (or the file was changed)") from None
    result: dict[str, Any] = json.loads(plain)
    return result
