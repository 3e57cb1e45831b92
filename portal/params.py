"""Parsing URL query arguments: bad input becomes a 400 with a message in the user's language."""

from datetime import date, timedelta

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from .clock import today
from .errors import bad_request
from .extensions import db

MAX_TEXT = 100


def date_arg(name: str, default: date | None = None) -> date | None:
    """A YYYY-MM-DD query argument, within a sane distance of today."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    return date_value(raw)


def date_value(raw: str) -> date:
    """A YYYY-MM-DD string (from a query argument or a path segment), within a sane distance of today."""
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        bad_request(_("“%(value)s” is not a valid date. Use the form YYYY-MM-DD, for example "
                      "2025-11-06.", value=raw[:40]))
    if len(raw) != 10:  # fromisoformat also takes 20251106 and week dates; keep URLs canonical
        bad_request(_("“%(value)s” is not a valid date. Use the form YYYY-MM-DD, for example "
                      "2025-11-06.", value=raw[:40]))
    limit = timedelta(days=current_app.config["MAX_DAYS_FROM_TODAY"])
    now = today()
    if not (now - limit <= value <= now + limit):
        bad_request(_("The date %(value)s is too far from today. Choose a date between %(first)s "
                      "and %(last)s.", value=raw, first=(now - limit).isoformat(),
                      last=(now + limit).isoformat()))
    return value


def int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not (minimum <= int(raw) <= maximum):
        bad_request(_("“%(name)s” must be a whole number from %(min)d to %(max)d.",
                      name=name, min=minimum, max=maximum))
    return int(raw)


def text_arg(name: str) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > MAX_TEXT:
        bad_request(_("The search text is too long (at most %(max)d characters).", max=MAX_TEXT))
    return value


def choice_arg(name: str, choices, label: str):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices:
        bad_request(_("Unknown %(label)s “%(value)s”.", label=label, value=raw[:40]))
    return raw


def slug_arg(name: str, model, label: str):
    """The object whose slug is in the query argument, None when absent, 400 when unknown."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    found = db.session.scalar(select(model).filter_by(slug=raw)) if len(raw) <= 120 else None
    if found is None:
        bad_request(_("Unknown %(label)s “%(value)s”.", label=label, value=raw[:40]))
    return found
