"""Recording changes in the audit trail, and describing them for people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import AuditEvent, User

# action -> function(event) -> one sentence for people; blueprints register their own.
DESCRIBERS: dict[str, Callable[[AuditEvent], str]] = {}


def describer(*actions: str):
    def register(function):
        for action in actions:
            DESCRIBERS[action] = function
        return function

    return register


def plain(value: Any) -> Any:
    """A JSON-safe copy of a value (dates as ISO strings)."""
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    return value


def snapshot(obj, fields: list[str]) -> dict[str, Any]:
    return {field: plain(getattr(obj, field)) for field in fields}


def actor_label(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.name} <{user.email}>"


def record(
    action: str,
    obj=None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    opd_id: int | None = None,
    unit_id: int | None = None,
    public: bool = False,
    summary: str = "",
    actor: User | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller commits it with the change itself."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        actor=actor,
        actor_label=actor_label(actor),
        opd_id=opd_id,
        unit_id=unit_id,
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
        public=public,
        summary=summary[:500],
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def public_actor(event: AuditEvent) -> str:
    """Who made a public change, as the public sees it: the agency, never the person."""
    if event.actor is not None and event.actor.is_city_admin:
        return _("the city administration (BKPSDM)")
    if event.actor is not None and event.actor.opd is not None:
        return event.actor.opd.short_name
    if event.action == "report.create":
        return _("A resident")
    return _("the system")


def describe(event: AuditEvent) -> str:
    function = DESCRIBERS.get(event.action)
    if function is not None:
        return function(event)
    return event.summary or event.action


def search(*, opd_id: int | None = None, action: str | None = None, unit_id: int | None = None,
           actor_id: int | None = None, since: datetime | None = None, until: datetime | None = None):
    """Audit events, newest first, filtered: a query for the staff's audit trail (paginate it)."""
    query = (select(AuditEvent)
             .options(joinedload(AuditEvent.actor).joinedload(User.opd), joinedload(AuditEvent.unit),
                      joinedload(AuditEvent.opd))
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if opd_id is not None:
        query = query.where(AuditEvent.opd_id == opd_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if unit_id is not None:
        query = query.where(AuditEvent.unit_id == unit_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def known_actions() -> list[str]:
    """Every action that has a describer or occurs in the trail."""
    stored = db.session.scalars(select(AuditEvent.action).distinct()).all()
    return sorted(set(DESCRIBERS) | set(stored))
