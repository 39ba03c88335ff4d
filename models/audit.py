"""The audit chain: who read, changed, exported or decrypted what, and every unlock attempt.

Each event carries the MAC of the previous one; the MAC is keyed with a station secret, so nobody
without the passphrase can rewrite history and recompute the chain. The newest (seq, mac) is kept in
the settings table as well, with its own MAC under a second station secret, so cutting events off
the end is detected too: a head rewritten to point at an earlier event has no valid tag.

A head that fails its tag is never blessed by the next write: `append` first records a
`head_rejected` event (itself chained and MACed), and `verify` reports every such event for good.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.schema import AuditEvent, Setting, utcnow

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
HEAD_REJECTED = "head_rejected"
HEAD_SIGNED = "head_signed"


@dataclass(frozen=True)
class Finding:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.problem}"


class AuditLog:
    def __init__(self, mac_key: bytes, head_key: bytes) -> None:
        self._key = mac_key
        self._head_key = head_key

    def _head_tag(self, seq: int, mac: str) -> str:
        return hmac.new(self._head_key, f"audit-head\x00{seq}\x00{mac}".encode(), hashlib.sha256).hexdigest()

    def _head_valid(self, recorded: dict[str, Any]) -> bool:
        tag = recorded.get("tag")
        return isinstance(tag, str) and hmac.compare_digest(
            self._head_tag(int(recorded["seq"]), str(recorded["mac"])), tag
        )

    def _write_head(self, session: Session, seq: int, mac: str) -> None:
        value = {"seq": seq, "mac": mac, "tag": self._head_tag(seq, mac)}
        session.merge(Setting(key=HEAD_KEY, value=json.dumps(value)))

    def adopt_unsigned_head(self, session: Session) -> bool:
        """Stations from before the head MAC: sign the head once, if it still names the newest event
        and the head has never been signed before (a `head_signed` event marks that it was)."""
        head = session.get(Setting, HEAD_KEY)
        if head is None or "tag" in json.loads(head.value):
            return False
        if session.execute(select(AuditEvent.seq).where(AuditEvent.action == HEAD_SIGNED).limit(1)).first():
            return False
        recorded = json.loads(head.value)
        last = session.execute(
            select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)
        ).scalar_one_or_none()
        if last is None or last.seq != recorded["seq"] or last.mac != recorded["mac"]:
            return False
        self._write_head(session, last.seq, last.mac)
        self.append(session, "system", HEAD_SIGNED, "audit")
        return True

    def _mac(self, event: AuditEvent) -> str:
        body = json.dumps(
            [
                event.seq,
                event.at.isoformat(),
                event.actor,
                event.action,
                event.target,
                event.detail,
                event.prev_mac,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hmac.new(self._key, body.encode("utf-8"), hashlib.sha256).hexdigest()

    def append(
        self, session: Session, actor: str, action: str, target: str = "", **detail: Any
    ) -> AuditEvent:
        """Add an event inside the caller's (write) transaction, so the event and the change it
        describes commit together or not at all."""
        # Chain from the recorded head, not from whatever row is last: if events were cut off the
        # end, the gap stays visible instead of being papered over by the next event.
        head = session.get(Setting, HEAD_KEY)
        if head is not None:
            recorded = json.loads(head.value)
            seq, prev = int(recorded["seq"]) + 1, str(recorded["mac"])
            if not self._head_valid(recorded) and action != HEAD_REJECTED:
                # Someone rewrote the head (e.g. after cutting events off the end): say so in the
                # chain itself, so signing the next head cannot hide it.
                self.append(session, "system", HEAD_REJECTED, "audit", recorded_seq=recorded["seq"])
                return self.append(session, actor, action, target, **detail)
        else:
            last = session.execute(
                select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)
            ).scalar_one_or_none()
            seq, prev = ((last.seq + 1), last.mac) if last else (1, GENESIS)
        event = AuditEvent(
            seq=seq,
            at=utcnow(),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
            prev_mac=prev,
        )
        event.mac = self._mac(event)
        session.add(event)
        self._write_head(session, event.seq, event.mac)
        return event

    def verify(self, session: Session) -> list[Finding]:
        """Every problem found: changed events, removed events (inside, at the start or at the end)
        and events out of order. An empty list means the chain is intact."""
        events = list(session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
        return self._check(events, session.get(Setting, HEAD_KEY))

    def _check(self, events: Iterable[AuditEvent], head: Setting | None) -> list[Finding]:
        findings: list[Finding] = []
        ordered = list(events)
        position_of = {e.mac: i for i, e in enumerate(ordered)}
        expected_prev, expected_seq = GENESIS, 1
        for index, event in enumerate(ordered):
            if not hmac.compare_digest(self._mac(event), event.mac):
                findings.append(Finding(event.seq, "was changed after it was written"))
            if event.seq != expected_seq:
                findings.append(Finding(event.seq, f"events #{expected_seq}–#{event.seq - 1} were removed"))
            elif event.prev_mac != expected_prev:
                earlier = position_of.get(event.prev_mac)
                if earlier is not None and earlier != index - 1:
                    findings.append(
                        Finding(event.seq, f"is out of order (it was written after #{ordered[earlier].seq})")
                    )
                else:
                    findings.append(Finding(event.seq, "does not follow the event before it"))
            if event.action == HEAD_REJECTED:
                findings.append(
                    Finding(
                        event.seq,
                        "the chain head had been rewritten before this event (events cut off the end?)",
                    )
                )
            expected_prev, expected_seq = event.mac, event.seq + 1
        if head is not None:
            recorded = json.loads(head.value)
            if not self._head_valid(recorded):
                findings.append(
                    Finding(
                        int(recorded["seq"]), "the chain head record was rewritten (its MAC does not match)"
                    )
                )
            if recorded["seq"] >= expected_seq:
                findings.append(
                    Finding(
                        int(recorded["seq"]),
                        f"events #{expected_seq}–#{recorded['seq']} were removed from the end",
                    )
                )
            elif ordered and recorded["seq"] == ordered[-1].seq and recorded["mac"] != ordered[-1].mac:
                findings.append(Finding(ordered[-1].seq, "the newest event was replaced"))
        elif ordered:
            findings.append(Finding(ordered[-1].seq, "the chain head record is missing"))
        return findings

    @staticmethod
    def count(session: Session) -> int:
        return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
