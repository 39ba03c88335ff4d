"""The hub's living-alone warning list (独居老人预警) as this station's volunteers see it.

The hub sends the whole list for this station as one `warnings` feed change each time staff press
发送预警名单; the newest replaces the older one. It names residents, so it is kept encrypted under
the station's data key (one setting, never plaintext on disk), and every read by a volunteer is
audited like any read of personal data.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from models.crypto import associated_data

if TYPE_CHECKING:
    from models.station import Actor, Station

SETTING = "hub_warnings_ct"


@dataclass(frozen=True)
class HubWarning:
    name: str
    days_missed: int
    level: int  # 1 注意, 2 警示, 3 严重 (or "我不太好")
    unwell: bool
    outcome: str | None


def _aad() -> bytes:
    return associated_data("settings", "value", SETTING)


def store(station: Station, session: Session, data: dict[str, Any]) -> None:
    """Keep the list a pulled `warnings` change carries (called by sync/apply.py)."""
    rows = [
        {
            "name": str(row.get("name") or ""),
            "days_missed": int(row.get("days_missed") or 0),
            "level": int(row.get("level") or 1),
            "unwell": bool(row.get("unwell")),
            "outcome": row.get("outcome"),
        }
        for row in data.get("warnings", [])
        if isinstance(row, dict)
    ]
    blob = station.cipher.encrypt(json.dumps(rows, ensure_ascii=False).encode("utf-8"), _aad())
    station.put_setting_raw(session, SETTING, base64.b64encode(blob).decode("ascii"))


def read(station: Station, actor: Actor) -> list[HubWarning]:
    """The latest list, most urgent first; the read is audited under the volunteer."""
    with station.write() as session:
        stored = station.setting_raw(SETTING, None, session)
        if not stored:
            return []
        rows = json.loads(station.cipher.decrypt(base64.b64decode(stored), _aad()))
        station.audit.append(session, actor.label, "read_hub_warnings", "hub_warnings", count=len(rows))
    warnings = [
        HubWarning(r["name"], r["days_missed"], r["level"], r["unwell"], r.get("outcome")) for r in rows
    ]
    return sorted(warnings, key=lambda w: (not w.unwell, -w.level, -w.days_missed))
