"""Why a sync pass or an enrolment failed, as one word a volunteer's screen can turn into plain
words in the user's language (`sync.failed.<kind>` in assets/i18n): the exception's class and the
causes it carries (the socket error under requests under urllib3) decide, never its English text.

Kinds: network (this machine has no network: no DNS, no route), hub_unreachable (the network is
there but the hub does not answer), tls (the hub's certificate or the secure connection failed),
captive_portal (a Wi-Fi login page or proxy answered instead of the hub), bad_answer (an answer
that is not the sync protocol), unverified (an answer not signed by this station's hub),
hub_error (the hub failed or is busy for now), connection_broke (the link dropped mid-transfer),
hub_rejected (the hub refused one request as malformed), refused (the hub refused this station),
enrol_insecure / enrol_not_bound / enrol_bad_secret (enrolment refused on the station's side),
bad_code (the enrolment code is unknown, used or expired), upgrade (another protocol version),
disk_full (no room left on this machine), other.
"""

from __future__ import annotations

import errno
import sqlite3
import ssl
from collections.abc import Iterator

import requests
import urllib3.exceptions as u3

from sync import client as c

NO_NETWORK_ERRNOS = {errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH}
ENROL_CODES = {
    "insecure_address": "enrol_insecure",
    "not_bound": "enrol_not_bound",
    "bad_secret": "enrol_bad_secret",
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every cause it carries: __cause__/__context__, urllib3's `reason`, and the
    exception requests keeps as its first argument."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for inner in (
            current.__cause__,
            current.__context__,
            getattr(current, "reason", None),
            getattr(current, "orig", None),  # SQLAlchemy's wrapped DB-API error
            current.args[0] if current.args else None,
        ):
            if isinstance(inner, BaseException):
                todo.append(inner)


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    # SQLite says it in words only (SQLITE_FULL); SQLAlchemy keeps the sqlite3 error as a cause
    return isinstance(exc, sqlite3.OperationalError) and "database or disk is full" in str(exc)


def failure_kind(exc: BaseException) -> str:
    """The plain-words class of one failure (see the module docstring)."""
    chain = list(_chain(exc))
    if any(_disk_full(e) for e in chain):
        return "disk_full"
    if isinstance(exc, c.EnrolmentRefused):
        return ENROL_CODES.get(exc.code or "", "refused")
    if isinstance(exc, c.ProtocolMismatch):
        return "upgrade"
    if isinstance(exc, c.AuthRefused):
        return "bad_code" if exc.code == "bad_enrolment_code" else "refused"
    if isinstance(exc, c.UnverifiedAnswer):
        return "unverified"
    if isinstance(exc, c.HubRejected):
        return "hub_rejected"
    if isinstance(exc, c.ProtocolError):
        # a redirect or a page that is not JSON is what a Wi-Fi login page or a proxy sends
        return "captive_portal" if exc.code == "captive_portal" else "bad_answer"
    if any(isinstance(e, ssl.SSLError | requests.exceptions.SSLError | u3.SSLError) for e in chain):
        return "tls"
    if any(isinstance(e, OSError) and e.errno in NO_NETWORK_ERRNOS for e in chain):
        return "network"
    if any(isinstance(e, u3.NameResolutionError) for e in chain):
        return "network"  # no name service: in a village this is the link, not a typo
    if isinstance(exc, c.Offline):
        return "hub_unreachable"
    if isinstance(exc, c.Transient):
        return "hub_error" if exc.status else "connection_broke"
    return "other"
