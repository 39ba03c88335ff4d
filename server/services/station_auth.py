"""The database half of station authentication, built for the sync hot path.

A signed request is checked in two steps (see server/api/deps.py for the first):

1. Before any database work, the signature is verified against the station's secret. Decrypted
   secrets are cached per worker process (`CredentialCache`), so a station that syncs again costs
   no database read and no AES-GCM decryption. A cache entry is only ever a hint: an entry whose
   secret no longer verifies is reloaded once (the station may have re-enrolled), and entries
   expire after `CACHE_TTL_SECONDS` (revocation is final, so a cached one stays true). The
   hint can be kept that long because step 2 re-checks revocation and the secret in the database
   on every request; with the old 60 s, a station syncing every 5 minutes missed on every sync (one
   more round trip, thread hop and pool checkout). `load_all_credentials` fills the cache for every
   enrolled station in one query when a worker starts.
2. Inside the *same* transaction as the request's work, `claim_nonce` inserts the nonce with one
   statement that also re-checks, against the committed row, that the station exists, is not
   revoked and still has the very secret the signature was checked with:

       INSERT INTO request_nonces (station_id, nonce, seen_at)
       SELECT id, :nonce, :now FROM stations
        WHERE id = :station AND revoked_at IS NULL AND secret_enc = :secret_enc
       ON CONFLICT DO NOTHING RETURNING station_id

   So revocation and secret rotation take effect on the next request in every worker, cache or
   no cache, and replay protection still lives in the database (the primary key), shared by all
   workers. No row back means: replayed, revoked or rotated; `claim_nonce` reads the station row
   to say which. The nonce commits with the work (an acknowledgement is never sent for a request
   whose nonce was not stored), and a request whose work is refused records its nonce on its own
   (`record_refused_nonce`), so every answered request stays single-use.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.core.db import begin_pipelined
from server.core.keys import HubKeys
from server.db.models import RequestNonce, Station
from server.services.errors import HubError
from server.services.stations import secret_aad
from sync.protocol import SIGNATURE_WINDOW_SECONDS

CACHE_TTL_SECONDS = 3600.0  # a hint only (see module doc): longer than any station's sync interval
_CACHE_MAX_ENTRIES = 20_000
_SEEN_EVERY_SECONDS = 60.0  # last_seen_at is written at most once a minute per station and worker
_PRUNE_PROBABILITY = 0.01  # amortised clean-up; nonces older than 2 windows cannot be replayed

_nonces = cast(Table, RequestNonce.__table__)
_stations = cast(Table, Station.__table__)


@dataclass(frozen=True)
class Credential:
    """What a worker remembers about a station between its requests."""

    station_id: str
    name: str
    secret_enc: bytes  # the stored ciphertext: claim_nonce checks it is still the current one
    secret: bytes
    revoked: bool
    loaded_at: float  # time.monotonic()


@dataclass(frozen=True)
class SignedStation:
    """A request whose signature verified; its nonce is claimed in the work's transaction."""

    station_id: str
    name: str
    nonce: str
    secret_enc: bytes


class CredentialCache:
    """Per-process cache of decrypted station secrets, plus when this worker last wrote last_seen_at."""

    def __init__(self, ttl: float = CACHE_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, Credential] = {}
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def get(self, station_id: str) -> Credential | None:
        entry = self._entries.get(station_id)
        if entry is None or time.monotonic() - entry.loaded_at > self.ttl:
            return None
        return entry

    def put(self, entry: Credential) -> None:
        with self._lock:
            if len(self._entries) >= _CACHE_MAX_ENTRIES:
                self._entries.clear()
            self._entries[entry.station_id] = entry

    def drop(self, station_id: str) -> None:
        with self._lock:
            self._entries.pop(station_id, None)

    def seen_is_due(self, station_id: str) -> bool:
        """True at most once per `_SEEN_EVERY_SECONDS` per station (this process)."""
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(station_id)
            if last is not None and now - last < _SEEN_EVERY_SECONDS:
                return False
            if len(self._seen) >= _CACHE_MAX_ENTRIES:
                self._seen.clear()
            self._seen[station_id] = now
            return True


def _unauthorised(code: str, message: str) -> HubError:
    return HubError(401, code, message)


def unknown_station() -> HubError:
    return _unauthorised("unknown_station", "station is not enrolled at this hub")


def bad_signature() -> HubError:
    return _unauthorised("bad_signature", "request signature does not verify")


def station_revoked() -> HubError:
    return HubError(403, "station_revoked", "this station has been revoked by the hub")


def replayed() -> HubError:
    return _unauthorised("replayed", "this request was already received (replay refused)")


def load_credential(conn: Connection, keys: HubKeys, station_id: str) -> Credential:
    """Read and decrypt a station's secret (the cache-miss path). Raises unknown_station."""
    row = conn.execute(
        select(_stations.c.name, _stations.c.secret_enc, _stations.c.revoked_at).where(
            _stations.c.id == station_id
        )
    ).first()
    if row is None or row.secret_enc is None:
        raise unknown_station()
    secret_enc = bytes(row.secret_enc)
    return Credential(
        station_id=station_id,
        name=row.name,
        secret_enc=secret_enc,
        secret=keys.decrypt(secret_enc, secret_aad(station_id)),
        revoked=row.revoked_at is not None,
        loaded_at=time.monotonic(),
    )


@dataclass(frozen=True)
class StationKeys:
    """One enrolled station as a worker's start-up warm-up reads it: its credential, and the receipt
    prefixes it claimed (services/records.py checks pushed receipt codes against them)."""

    credential: Credential
    receipt_prefix: str | None
    receipt_prefix_before: str | None


def load_all_credentials(
    conn: Connection, keys: HubKeys, limit: int = _CACHE_MAX_ENTRIES
) -> list[StationKeys]:
    """Every enrolled station's credential (at most `limit`), read in one query: what a worker
    loads once at start so that no station's first sync after a restart waits for its own read."""
    s = _stations.c
    rows = conn.execute(
        select(s.id, s.name, s.secret_enc, s.revoked_at, s.receipt_prefix, s.receipt_prefix_before)
        .where(s.secret_enc.is_not(None))
        .order_by(s.last_seen_at.desc().nulls_last())  # the busiest first, should there be more
        .limit(limit)
    ).all()
    now = time.monotonic()
    out = []
    for row in rows:
        secret_enc = bytes(row.secret_enc)
        cred = Credential(
            station_id=row.id,
            name=row.name,
            secret_enc=secret_enc,
            secret=keys.decrypt(secret_enc, secret_aad(row.id)),
            revoked=row.revoked_at is not None,
            loaded_at=now,
        )
        out.append(StationKeys(cred, row.receipt_prefix, row.receipt_prefix_before))
    return out


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


_CLAIMS: dict[str, Any] = {}


def _claim_statement(conn: Connection) -> Any:
    """The nonce claim (see module doc), built once per dialect: only its parameters change."""
    stmt = _CLAIMS.get(conn.dialect.name)
    if stmt is None:
        source = select(
            _stations.c.id,
            bindparam("nonce", type_=_nonces.c.nonce.type),
            bindparam("now", type_=_nonces.c.seen_at.type),
        ).where(
            _stations.c.id == bindparam("station", type_=_stations.c.id.type),
            _stations.c.revoked_at.is_(None),
            _stations.c.secret_enc == bindparam("secret_enc", type_=_stations.c.secret_enc.type),
        )
        stmt = _CLAIMS[conn.dialect.name] = (
            _insert(conn)(_nonces)
            .from_select(["station_id", "nonce", "seen_at"], source)
            .on_conflict_do_nothing(index_elements=["station_id", "nonce"])
            .returning(_nonces.c.station_id)
        )
    return stmt


def claim_nonce(conn: Connection, cache: CredentialCache, signed: SignedStation) -> None:
    """Store the nonce, re-checking revocation and the secret in the same statement (see module doc)."""
    now = datetime.now(UTC)
    params = {
        "nonce": signed.nonce,
        "now": now,
        "station": signed.station_id,
        "secret_enc": signed.secret_enc,
    }
    if conn.execute(_claim_statement(conn), params).first() is None:
        raise _why_not_claimed(conn, cache, signed)
    if cache.seen_is_due(signed.station_id):
        # Not on every request: a row write per call would cost throughput.
        conn.execute(update(_stations).where(_stations.c.id == signed.station_id).values(last_seen_at=now))


# The claim as psycopg text, for the PostgreSQL hot path (the statement `_claim_statement` builds).
_CLAIM_SQL = (
    "INSERT INTO request_nonces (station_id, nonce, seen_at)"
    " SELECT id, %(nonce)s, %(now)s FROM stations"
    " WHERE id = %(station)s AND revoked_at IS NULL AND secret_enc = %(secret_enc)s"
    " ON CONFLICT (station_id, nonce) DO NOTHING RETURNING station_id"
)
_SEEN_SQL = "UPDATE stations SET last_seen_at = %(now)s WHERE id = %(station)s"


class NonceClaim:
    """A request's nonce claim (see module doc), made by the work of its transaction.

    `claim` sends it and reads the answer. On PostgreSQL the work can instead `send` it first thing
    inside a psycopg pipeline, so it shares a round trip with the work's first statements (and the
    transaction's BEGIN), and `check` the answer after that round trip, before it stores anything.
    `claimed` says whether the nonce is now held by this transaction.
    """

    def __init__(self, cache: CredentialCache, signed: SignedStation) -> None:
        self.cache, self.signed = cache, signed
        self.claimed = False
        self._cursor: Any = None

    def claim(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            with begin_pipelined(conn):  # with the transaction's BEGIN: one round trip
                self.send(conn)
            self.check(conn)
            return
        claim_nonce(conn, self.cache, self.signed)
        self.claimed = True

    def send(self, conn: Connection) -> None:
        """PostgreSQL: queue the claim (and, when due, the last-seen stamp) on the connection."""
        pg = conn.connection.driver_connection
        assert pg is not None and conn.dialect.name == "postgresql"
        now = datetime.now(UTC)
        s = self.signed
        params = {"nonce": s.nonce, "now": now, "station": s.station_id, "secret_enc": s.secret_enc}
        self._cursor = pg.execute(_CLAIM_SQL, params)
        if self.cache.seen_is_due(s.station_id):
            pg.execute(_SEEN_SQL, {"now": now, "station": s.station_id})

    def check(self, conn: Connection) -> None:
        """After `send`'s round trip: raise the refusal (replayed, revoked, rotated) if not claimed."""
        assert self._cursor is not None, "send() first"
        if self._cursor.fetchone() is None:
            raise _why_not_claimed(conn, self.cache, self.signed)
        self.claimed = True


def prune_due() -> bool:
    return random.random() < _PRUNE_PROBABILITY


def prune_nonces(conn: Connection) -> None:
    """Delete nonces older than two windows (such requests already fail the timestamp check).

    Run in a transaction of its own after the request's work has committed, so a lock conflict
    between two pruning workers can never cost a push its acknowledgement.
    """
    cutoff = datetime.now(UTC) - timedelta(seconds=2 * SIGNATURE_WINDOW_SECONDS)
    conn.execute(delete(_nonces).where(_nonces.c.seen_at < cutoff))


def _why_not_claimed(conn: Connection, cache: CredentialCache, signed: SignedStation) -> HubError:
    row = conn.execute(
        select(_stations.c.secret_enc, _stations.c.revoked_at).where(_stations.c.id == signed.station_id)
    ).first()
    if row is None or row.secret_enc is None:
        cache.drop(signed.station_id)
        return unknown_station()
    if bytes(row.secret_enc) != signed.secret_enc:
        # Signed with a secret that was rotated (re-enrolment) after this worker cached it.
        cache.drop(signed.station_id)
        return bad_signature()
    if row.revoked_at is not None:
        cache.drop(signed.station_id)
        return station_revoked()
    return replayed()


def record_refused_nonce(conn: Connection, signed: SignedStation) -> None:
    """Keep a request single-use even when its work was refused (its transaction rolled back)."""
    conn.execute(
        _insert(conn)(_nonces)
        .values(station_id=signed.station_id, nonce=signed.nonce, seen_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["station_id", "nonce"])
    )
