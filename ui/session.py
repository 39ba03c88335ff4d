"""Unlocking the station from the UI: reading the public settings while locked, preparing the open
(schema checked and migrated, engine made: `Station.prepare`) while the passphrase is typed, opening
the station with the passphrase on the DB worker, and applying its settings (locale, text size,
voice) after. `ctx.prepared_open` is made and used on the DB worker only."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ui.context import UiContext

if TYPE_CHECKING:  # imported on the DB worker when first needed: the locked screen paints without them
    from models.station import Station

log = logging.getLogger(__name__)


# How long the unlock transaction waits for home to be shown (a window closed meanwhile never shows it).
FINISH_WAIT_S = 2.0
# How long the DB worker waits for the `after` event of load_public (set from the event loop; a
# window torn down before its event loop ever ran must not hold the worker for ever).
AFTER_WAIT_S = 2.0


def load_public(
    ctx: UiContext, on_done: Callable[[dict[str, Any]], None], *, after: threading.Event | None = None
) -> None:
    """Read the settings a locked station shows (name, language) on the DB worker; with `after`, only
    once that event is set (the locked screen sets it when it has been painted). Then, on the worker
    too, prepare the open, so that 解锁 waits only for the key derivation and the unlock itself."""

    def op() -> dict[str, Any]:
        if after is not None:
            after.wait(AFTER_WAIT_S)
        from models.station import StationError, read_public_settings

        try:
            return read_public_settings(ctx.data_dir)
        except StationError:
            return {}

    ctx.db.run(op, on_done)
    ctx.db.run(partial(_prepare_open, ctx))


def _prepare_open(ctx: UiContext) -> None:
    """On the DB worker, while locked: everything opening needs that no key is needed for. Nothing
    is decrypted. A station that cannot be prepared is left to `Station.open`, which says why."""
    from models.station import Station

    if ctx.prepared_open is not None:
        return
    try:
        ctx.prepared_open = Station.prepare(ctx.data_dir)
    except Exception as exc:  # noqa: BLE001 — the unlock reports it, in the user's language
        log.info("station not prepared before unlock: %s", type(exc).__name__)


def discard_prepared(ctx: UiContext) -> None:
    """The kiosk closes still locked: let go of the prepared engine (after the DB worker stopped)."""
    prepared, ctx.prepared_open = ctx.prepared_open, None
    if prepared is not None:
        prepared.discard()


def unlock(
    ctx: UiContext,
    passphrase: str,
    on_done: Callable[[], None],
    on_error: Callable[[str], None],
    *,
    keep_locale: bool = False,
    on_lost: Callable[[str], None] | None = None,
) -> None:
    """Open the station on the DB worker, then `on_done()` on the UI thread (home is shown then).
    The unlock transaction (`Station.finish_unlock`: audit entry, receipt-mark check, upgrades that
    need the key) is queued right behind the open, so it runs before any database work home or the
    resident asks for — but once home has been shown, not while the UI thread shows it. Should it
    fail (a damaged database), the station is closed again and `on_lost(message)` says why (else
    `on_error`)."""
    from PySide6.QtCore import QTimer

    opened: list[Station] = []  # the station opened by `op`, for `finish` (the worker's only)
    home_shown = threading.Event()

    def op() -> tuple[Station, dict[str, Any]]:
        from models.station import Station

        station = Station.open(ctx.data_dir, passphrase, prepared=ctx.prepared_open, finish_later=True)
        ctx.prepared_open = None  # its engine is the station's now
        opened.append(station)
        return station, station.settings()

    def finish() -> None:
        if not opened:
            return  # the open failed: nothing to finish
        # Not before home is on screen: the UI thread showing it has the CPU (two cores, shared) and
        # the GIL to itself meanwhile; a Python thread at work beside it made it wait for both.
        home_shown.wait(FINISH_WAIT_S)
        opened.pop().finish_unlock()

    def done(result: tuple[Station, dict[str, Any]]) -> None:
        station, settings = result
        apply_station(ctx, station, settings, keep_locale=keep_locale)
        on_done()
        # the next turn of the event loop, once the paint home asked for has been done
        QTimer.singleShot(0, home_shown.set)

    def failed(exc: BaseException) -> None:
        on_error(unlock_message(ctx, exc))

    def lost(exc: BaseException) -> None:
        log.warning("unlock transaction failed: %s", type(exc).__name__)
        ctx.station = None  # finish_unlock closed it
        (on_lost or on_error)(unlock_message(ctx, exc))

    ctx.db.run(op, done, failed)
    ctx.db.run(finish, None, lost)


def unlock_message(ctx: UiContext, exc: BaseException) -> str:
    """Why unlocking failed, in the kiosk's language."""
    from models.keyfile import WrongPassphrase
    from models.station import StationError

    if isinstance(exc, WrongPassphrase):
        return ctx.tr("locked.wrong")
    if isinstance(exc, StationError):
        return ctx.tr("locked.no_station", detail=str(exc))
    return ctx.tr("locked.failed", detail=type(exc).__name__)


def apply_station(
    ctx: UiContext, station: Station, settings: dict[str, Any], *, keep_locale: bool = False
) -> None:
    ctx.station = station
    ctx.settings = settings
    if not keep_locale:
        ctx.locale = str(settings.get("locale", ctx.locale))
    ctx.scale_index = ctx.default_scale_index()
    ctx.voice_on = bool(settings.get("voice_enabled", True))
    ctx.reset_audio()
    ctx.changed.emit("station")
