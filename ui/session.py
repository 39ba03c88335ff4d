"""Unlocking the station from the UI: reading the public settings while locked, opening the station
with the passphrase on the DB worker, and applying its settings (locale, text size, voice) after."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ui.context import UiContext

if TYPE_CHECKING:  # imported on the DB worker when first needed: the locked screen paints without them
    from models.station import Station


# How long the DB worker waits for the `after` event of load_public (set from the event loop; a
# window torn down before its event loop ever ran must not hold the worker for ever).
AFTER_WAIT_S = 2.0


def load_public(
    ctx: UiContext, on_done: Callable[[dict[str, Any]], None], *, after: threading.Event | None = None
) -> None:
    """Read the settings a locked station shows (name, language) on the DB worker; with `after`, only
    once that event is set (the locked screen sets it when it has been painted)."""

    def op() -> dict[str, Any]:
        if after is not None:
            after.wait(AFTER_WAIT_S)
        from models.station import StationError, read_public_settings

        try:
            return read_public_settings(ctx.data_dir)
        except StationError:
            return {}

    ctx.db.run(op, on_done)


def unlock(
    ctx: UiContext,
    passphrase: str,
    on_done: Callable[[], None],
    on_error: Callable[[str], None],
    *,
    keep_locale: bool = False,
) -> None:
    def op() -> tuple[Station, dict[str, Any]]:
        from models.station import Station

        station = Station.open(ctx.data_dir, passphrase)
        return station, station.settings()

    def done(result: tuple[Station, dict[str, Any]]) -> None:
        station, settings = result
        apply_station(ctx, station, settings, keep_locale=keep_locale)
        on_done()

    def failed(exc: BaseException) -> None:
        from models.keyfile import WrongPassphrase
        from models.station import StationError

        if isinstance(exc, WrongPassphrase):
            on_error(ctx.tr("locked.wrong"))
        elif isinstance(exc, StationError):
            on_error(ctx.tr("locked.no_station", detail=str(exc)))
        else:
            on_error(ctx.tr("locked.failed", detail=type(exc).__name__))

    ctx.db.run(op, done, failed)


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
