"""/feed.atom: public availability changes and report updates, newest first."""

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, make_response
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import describe, public_actor
from ..extensions import db
from ..i18n import lang
from ..models import AuditEvent
from ..urls import external_url, public_root

bp = Blueprint("feeds", __name__)

FEED_SIZE = 100


# The public events that change when a unit serves (reports have their own lists).
AVAILABILITY_ACTIONS = ("override.create", "override.delete", "override.shorten")


def public_events(limit: int = FEED_SIZE, unit_id: int | None = None,
                  actions: tuple[str, ...] | None = None) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.public.is_(True))
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.unit))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    if unit_id is not None:
        query = query.where(AuditEvent.unit_id == unit_id)
    if actions is not None:
        query = query.where(AuditEvent.action.in_(actions))
    return db.session.scalars(query).unique().all()


@bp.app_template_global()
def recent_public_changes(unit_id: int, limit: int = 5) -> list[dict]:
    """A unit's latest availability changes, for its page: by which agency, when, and what."""
    return [{"by": public_actor(event), "at": event.at, "text": describe(event)}
            for event in public_events(limit=limit, unit_id=unit_id, actions=AVAILABILITY_ACTIONS)]


def event_link(event: AuditEvent) -> str:
    link = (event.after or {}).get("link")
    if link:
        return public_root() + link
    if event.unit is not None:
        return external_url("public.unit", slug=event.unit.slug)
    return external_url("public.index")


@bp.get("/feed.atom")
def atom():
    """An Atom feed of public changes (availability overrides, report answers)."""
    events = public_events()
    feed = FeedGenerator()
    feed.id(external_url("feeds.atom"))
    feed.title(_("Portal Layanan Kota Bekasi: changes"))
    feed.subtitle(_("Changes of service unit availability and answers to public reports."))
    feed.link(href=external_url("feeds.atom"), rel="self")
    feed.link(href=external_url("public.index"), rel="alternate")
    feed.language(lang())
    feed.author({"name": _("Pemerintah Kota Bekasi")})
    feed.updated(events[0].at if events else datetime(2025, 1, 1, tzinfo=UTC))
    for event in reversed(events):  # feedgen prepends: add oldest first, newest ends on top
        entry = feed.add_entry()
        entry.id(f"{public_root()}/audit/{event.id}")
        title = describe(event)
        if event.unit is not None:
            title = f"{event.unit.name}: {title}"
        entry.title(title)
        entry.link(href=event_link(event))
        entry.updated(event.at)
        entry.published(event.at)
        entry.author({"name": public_actor(event)})
        entry.content(title, type="text")
    response = make_response(feed.atom_str(pretty=True))
    response.mimetype = "application/atom+xml"
    return response
