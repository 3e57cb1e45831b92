"""The portal's notion of today, in Kota Bekasi's time zone (WIB)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


# Every date the portal accepts lies between these: anything else is a typing error or a probe,
# and refusing it keeps date arithmetic (a day later, 90 days back, a time zone) from overflowing.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def within_bounds(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def parse_datetime(raw: str) -> datetime:
    """An ISO 8601 date-time (a date alone is its midnight), in Bekasi time when it has no offset.
    ValueError when malformed or outside EARLIEST_DATE..LATEST_DATE (in UTC too)."""
    value = datetime.fromisoformat(raw)
    if not within_bounds(value.date()) or not within_bounds((value - (value.utcoffset() or timedelta())).date()):
        raise ValueError(f"{raw!r} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}")
    return value if value.tzinfo else value.replace(tzinfo=zone())


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
