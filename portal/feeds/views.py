"""Atom feeds: the record of availability (/feed.atom; per unit and per agency), and the public
events of disruption reports (/laporan/feed.atom). One feed per language: ``?lang=en`` is the
English feed, with its own id and self link.

Ids are ``tag:`` URIs (RFC 4151) under a fixed authority (FEED_TAG_AUTHORITY, else PUBLIC_URL's
host), so they never change with the request's Host header, nor when the portal moves.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import Blueprint, current_app, make_response, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import describe, public_actor
from ..clock import local
from ..errors import not_found
from ..extensions import db
from ..i18n import lang
from ..models import Opd
from ..public.views import get_unit
from ..urls import external_url, public_root
from . import entries as feed_entries
from .entries import Entry

bp = Blueprint("feeds", __name__)

DEFAULT_TAG_AUTHORITY = "layanan.bekasikota.go.id"
TAG_DATE = "2025"  # the authority's date in every tag: URI; never change it
EMPTY_FEED_UPDATED = datetime.fromisoformat("2025-01-01T00:00:00+07:00")

# The public events that change when a unit serves (reports have their own lists).
STAFF_CHANGE_ACTIONS = ("override.create", "override.delete", "override.shorten")


def tag_authority() -> str:
    configured = current_app.config.get("FEED_TAG_AUTHORITY")
    if configured:
        return configured
    public_url = current_app.config.get("PUBLIC_URL")
    return (urlsplit(public_url).hostname if public_url else None) or DEFAULT_TAG_AUTHORITY


def tag(specific: str) -> str:
    """``tag:layanan.bekasikota.go.id,2025:phase/3``"""
    return f"tag:{tag_authority()},{TAG_DATE}:{specific}"


@bp.app_template_global()
def recent_public_changes(unit_id: int, limit: int = 5) -> list[dict]:
    """A unit's latest availability changes, for its page: by which agency, when, and what."""
    return [{"by": public_actor(event), "at": event.at, "text": describe(event)}
            for event in feed_entries.public_events(limit=limit, unit_id=unit_id, actions=STAFF_CHANGE_ACTIONS)]


@bp.app_template_global()
def feed_url(endpoint: str, **values) -> str:
    """The feed in the page's language: ``?lang=en`` for English (a feed reader has no cookie)."""
    if lang() != current_app.config["BABEL_DEFAULT_LOCALE"]:
        values["lang"] = lang()
    return url_for(endpoint, **values)


def atom_response(entries: list[Entry], *, key: str, title: str, subtitle: str, endpoint: str,
                  values: dict, page: str):
    """The Atom document of ``entries`` (newest first), in the request's language."""
    language = lang()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    own = dict(values, **({"lang": language} if language != default else {}))
    feed = FeedGenerator()
    feed.id(tag(f"feed/{key}/{language}"))
    feed.title(title)
    feed.subtitle(subtitle)
    feed.link(href=external_url(endpoint, **own), rel="self", type="application/atom+xml")
    feed.link(href=public_root() + page, rel="alternate", type="text/html")
    for other in current_app.config["LANGUAGES"]:
        if other != language:
            feed.link(href=external_url(endpoint, **dict(values, **({"lang": other} if other != default else {}))),
                      rel="alternate", type="application/atom+xml", hreflang=other)
    feed.language(language)
    feed.author({"name": _("Pemerintah Kota Bekasi")})
    feed.updated(local(entries[0].updated) if entries else EMPTY_FEED_UPDATED)
    for item in reversed(entries):  # feedgen prepends: add oldest first, newest ends on top
        entry = feed.add_entry()
        entry.id(tag(item.key))
        entry.title(item.title)
        entry.link(href=public_root() + item.path, rel="alternate", type="text/html")
        entry.updated(local(item.updated))
        if item.published is not None:
            entry.published(local(item.published))
        entry.author({"name": item.author})
        entry.content(item.content, type="text")
    response = make_response(feed.atom_str(pretty=True))
    response.mimetype = "application/atom+xml"
    return response


@bp.get("/feed.atom")
def atom():
    """Availability of every unit: policy phases, holidays and staff changes, newest first."""
    return atom_response(
        feed_entries.availability_entries(), key="availability",
        title=_("Portal Layanan Kota Bekasi: availability"),
        subtitle=_("Policy phases, holidays and changes by staff that decide when service units serve on-site."),
        endpoint="feeds.atom", values={}, page="/")


@bp.get("/unit/<slug>/feed.atom")
def unit(slug: str):
    """One unit's availability: its staff changes, and the phases and holidays that apply to it."""
    unit = get_unit(slug)
    return atom_response(
        feed_entries.availability_entries(feed_entries.unit_scope(unit)), key=f"unit/{unit.id}",
        title=_("%(unit)s: availability", unit=unit.name),
        subtitle=_("Changes that decide when this service unit serves on-site."),
        endpoint="feeds.unit", values={"slug": unit.slug}, page=f"/unit/{unit.slug}")


@bp.get("/opd/<slug>/feed.atom")
def opd(slug: str):
    """An agency's availability: changes of its units, and the phases and holidays that apply."""
    agency = db.session.scalar(select(Opd).filter_by(slug=slug))
    if agency is None:
        not_found(_("There is no agency “%(slug)s”.", slug=slug[:80]))
    return atom_response(
        feed_entries.availability_entries(feed_entries.opd_scope(agency)), key=f"opd/{agency.id}",
        title=_("%(agency)s: availability of its service units", agency=agency.short_name),
        subtitle=_("Changes that decide when the service units of %(agency)s serve on-site.", agency=agency.name),
        endpoint="feeds.opd", values={"slug": agency.slug}, page=f"/opd/{agency.slug}")


@bp.get("/laporan/feed.atom")
def reports():
    """Public events of listed disruption reports: new reports, status changes, public answers."""
    return atom_response(
        feed_entries.report_entries(), key="reports",
        title=_("Portal Layanan Kota Bekasi: disruption reports"),
        subtitle=_("New public disruption reports, their status and the agencies’ public answers. "
                   "Never the reporter’s details."),
        endpoint="feeds.reports", values={}, page="/laporan")
