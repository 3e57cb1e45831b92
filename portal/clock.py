"""The portal's notion of today, in Kota Bekasi's time zone (WIB)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PORTAL_TIMEZONE"])


def today() -> date:
    """Today in Bekasi; the TODAY setting pins it (tests, demos of a past day)."""
    pinned = current_app.config.get("TODAY")
    if pinned:
        return pinned if isinstance(pinned, date) else date.fromisoformat(pinned)
    return datetime.now(zone()).date()


def now() -> datetime:
    return datetime.now(UTC)


def local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone())


def local_iso(value: datetime | None) -> str | None:
    """A moment as ISO 8601 in Bekasi time, to the second: 2025-11-05T14:02:00+07:00."""
    return local(value).isoformat(timespec="seconds") if value is not None else None
