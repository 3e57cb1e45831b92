"""Staff actions that may change a published status (an override, a phase, a holiday, a unit's
hours...) are all POSTs to the staff area. Around each one: the followed units' statuses for
the coming SUBSCRIBE_NOTIFY_DAYS before, the same after, and one e-mail per subscriber for what
differs. Comparing published statuses, rather than listing the actions that matter, keeps every
present and future staff route covered, and a refused or invalid action sends nothing."""

from __future__ import annotations

import logging

from flask import Flask, g, request

from ..extensions import db
from . import service

log = logging.getLogger("portal.subscriptions")


def register(app: Flask) -> None:
    app.before_request(note_statuses_before)
    app.after_request(notify_after)


def staff_change() -> bool:
    return request.method == "POST" and request.blueprint == "admin"


def note_statuses_before() -> None:
    if staff_change():
        g.subscription_snapshot = service.snapshot()


def notify_after(response):
    before = g.pop("subscription_snapshot", None)
    if before is None or response.status_code >= 500:
        return response
    try:
        service.notify_changes(before)
    except Exception:  # noqa: BLE001 - the staff's change is stored; the e-mails must not undo it
        db.session.rollback()
        log.exception("could not queue the subscribers' e-mails for a staff change")
    return response
