"""What the Atom feeds hold, as plain entries (no request, no feedgen): the record of availability
(policy phases, holidays, staff overrides) and, apart, the public events of disruption reports.

An availability entry is one *object* (a phase, a holiday, an override) with an id that never
changes (``phase/3``); its ``updated`` is the moment of its latest public change in the audit
trail, so a feed reader shows an edited phase or a withdrawn override as the same entry, updated.
Objects with no recorded change (national holidays loaded by ``sync-holidays``, phases older than
the trail) are dated at a fixed moment of their own (a holiday: 1 January of its year; a phase:
its first day), never at the time of the request, and appear in a feed from that moment on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..availability import holiday_kind_text, holiday_name, phase_name, phase_rule_text
from ..clock import today, zone
from ..extensions import db
from ..i18n import lang, medium_date
from ..models import AuditEvent, Holiday, Opd, Override, PolicyPhase, ServiceUnit

FEED_SIZE = 100
QUIET_HOLIDAY_DAYS = 365  # national holidays this far back are still listed

# Audit object types that are part of the availability record, and their name in entry ids.
KINDS = {"PolicyPhase": "phase", "Holiday": "holiday", "Override": "override"}
# Their public actions (the action column is indexed: reports' many events are never scanned).
AVAILABILITY_ACTIONS = ("phase.create", "phase.update", "phase.end", "phase.delete", "holiday.create",
                        "holiday.update", "holiday.delete", "override.create", "override.delete",
                        "override.shorten")
REPORT_ACTIONS = ("report.create", "report.update")


@dataclass(frozen=True)
class Entry:
    key: str  # the stable part of the entry's id, e.g. "phase/3"
    title: str
    content: str
    path: str  # a page of the portal that exists (a site path with its query)
    updated: datetime  # aware
    published: datetime | None
    author: str
    about: date | None = None  # the first day it concerns: orders entries updated at the same moment


@dataclass(frozen=True)
class UnitFacts:
    id: int
    opd_id: int
    essential: bool
    open_24_7: bool
    active: bool = True


@dataclass(frozen=True)
class Scope:
    """Whose availability a feed follows: everyone, or the given units (an OPD's may be none)."""

    everyone: bool = True
    units: tuple[UnitFacts, ...] = ()

    @property
    def unit_ids(self) -> list[int]:
        return [unit.id for unit in self.units]

    def affected_by_phase(self, exempt_opd_ids: set[int]) -> bool:
        return self.everyone or any(unit.active and not unit.essential and unit.opd_id not in exempt_opd_ids
                                    for unit in self.units)

    def affected_by_holiday(self) -> bool:
        return self.everyone or any(unit.active and not unit.open_24_7 for unit in self.units)


def _facts(unit: ServiceUnit) -> UnitFacts:
    return UnitFacts(unit.id, unit.opd_id, unit.essential, unit.open_24_7, unit.active)


def unit_scope(unit: ServiceUnit) -> Scope:
    """A unit's feed: its overrides, and the phases and holidays that change its days."""
    return Scope(everyone=False, units=(_facts(unit),))


def opd_scope(opd: Opd) -> Scope:
    """An agency's feed: the overrides of its units (active or not: their history stays), and the
    phases and holidays that change the days of one of its active units."""
    units = db.session.scalars(select(ServiceUnit).filter_by(opd_id=opd.id)).all()
    return Scope(everyone=False, units=tuple(_facts(unit) for unit in units))


# --- moments and links --------------------------------------------------------------------------


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def start_of(day: date) -> datetime:
    """Midnight of a day in Bekasi."""
    return datetime.combine(day, time(0), tzinfo=zone())


def day_path(day: date, base: str = "/") -> str:
    """A page about a day, within the dates the public pages accept (else the page of today)."""
    reach = timedelta(days=current_app.config["MAX_DAYS_FROM_TODAY"])
    if abs(day - today()) > reach:
        return base
    return f"{base}?tanggal={day.isoformat()}"


# --- availability -------------------------------------------------------------------------------


def availability_entries(scope: Scope = Scope(), limit: int = FEED_SIZE) -> list[Entry]:
    """The newest ``limit`` entries of the availability record that concern the scope."""
    latest, first = _latest_events(scope, limit)
    phases = {p.id: p for p in db.session.scalars(
        select(PolicyPhase).options(selectinload(PolicyPhase.exempt_opds)))}
    entries: list[Entry] = []
    seen: set[tuple[str, int]] = set()
    override_ids = [object_id for kind, object_id in latest if kind == "Override"]
    overrides = {o.id: o for o in db.session.scalars(
        select(Override).where(Override.id.in_(override_ids))
        .options(joinedload(Override.unit), joinedload(Override.created_by)))} if override_ids else {}
    holiday_ids = [object_id for kind, object_id in latest if kind == "Holiday"]
    holidays = {h.id: h for h in db.session.scalars(select(Holiday).where(Holiday.id.in_(holiday_ids)))
                } if holiday_ids else {}
    for (kind, object_id), event in latest.items():
        seen.add((kind, object_id))
        if kind == "PolicyPhase":
            entry = _phase_entry(phases.get(object_id), event, scope)
        elif kind == "Holiday":
            entry = _holiday_entry(holidays.get(object_id), event, scope)
        else:
            entry = _override_entry(overrides.get(object_id), event)
        if entry is not None:
            entries.append(_with_published(entry, first.get((kind, object_id))))
    # Phases and holidays with no recorded change at all get their own fixed date.
    seen |= {(kind, object_id) for kind, object_id in db.session.execute(
        select(AuditEvent.object_type, AuditEvent.object_id).distinct()
        .where(AuditEvent.public.is_(True), AuditEvent.action.in_(AVAILABILITY_ACTIONS),
               AuditEvent.object_type.in_(("PolicyPhase", "Holiday"))))}
    now = start_of(today() + timedelta(days=1))  # objects dated up to the end of today are listed
    for phase in phases.values():
        if ("PolicyPhase", phase.id) not in seen and scope.affected_by_phase({o.id for o in phase.exempt_opds}):
            moment = start_of(phase.starts_on)
            if moment < now:
                entries.append(_phase_entry(phase, None, scope, moment))
    if scope.affected_by_holiday():
        for holiday in _quiet_holidays(seen):
            entries.append(_holiday_entry(holiday, None, scope, start_of(date(holiday.day.year, 1, 1))))
    entries = [entry for entry in entries if entry is not None]
    entries.sort(key=lambda entry: (entry.updated, entry.about or date.min, entry.key), reverse=True)
    return entries[:limit]


def _latest_events(scope: Scope, limit: int):
    """(object type, id) -> its newest public event, for the newest ``limit`` objects; and the
    moment of each one's first public event."""
    kinds = list(KINDS)
    query = (select(AuditEvent)
             .where(AuditEvent.public.is_(True), AuditEvent.action.in_(AVAILABILITY_ACTIONS),
                    AuditEvent.object_type.in_(kinds), AuditEvent.object_id.is_not(None))
             .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.unit))
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if not scope.everyone:
        query = query.where(or_(AuditEvent.object_type != "Override", AuditEvent.unit_id.in_(scope.unit_ids)))
    latest: dict[tuple[str, int], AuditEvent] = {}
    # Objects with several events take several rows: read in pages until enough objects are found.
    offset, page = 0, limit * 3
    while len(latest) < limit:
        events = db.session.scalars(query.offset(offset).limit(page)).unique().all()
        for event in events:
            latest.setdefault((event.object_type, event.object_id), event)
        if len(events) < page:
            break
        offset += page
    keys = list(latest)[:limit]
    latest = {key: latest[key] for key in keys}
    first: dict[tuple[str, int], datetime] = {}
    for kind in kinds:
        ids = [object_id for object_kind, object_id in keys if object_kind == kind]
        if ids:
            rows = db.session.execute(
                select(AuditEvent.object_id, func.min(AuditEvent.at))
                .where(AuditEvent.public.is_(True), AuditEvent.action.in_(AVAILABILITY_ACTIONS),
                       AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
                .group_by(AuditEvent.object_id))
            first.update({(kind, object_id): aware(at) for object_id, at in rows})
    return latest, first


def _quiet_holidays(seen: set) -> Iterable[Holiday]:
    """Holidays without a public change (national ones): those of the last twelve months and the
    rest of this year (next year's appear on 1 January)."""
    earliest = today() - timedelta(days=QUIET_HOLIDAY_DAYS)
    latest_year = today().year
    holidays = db.session.scalars(select(Holiday).where(Holiday.day >= earliest,
                                                        Holiday.day <= date(latest_year, 12, 31)))
    return [h for h in holidays if ("Holiday", h.id) not in seen]


def _with_published(entry: Entry | None, published: datetime | None) -> Entry | None:
    if entry is None or published is None:
        return entry
    return Entry(**{**entry.__dict__, "published": published})


def _phase_entry(phase: PolicyPhase | None, event: AuditEvent | None, scope: Scope,
                 moment: datetime | None = None) -> Entry | None:
    if phase is None:  # withdrawn: what the trail says about it
        if event is None:
            return None
        data = event.before or event.after or {}
        start = date.fromisoformat(data["starts_on"])
        return Entry(key=f"phase/{event.object_id}", title=audit.describe(event), content=audit.describe(event),
                     path=day_path(start), updated=aware(event.at), published=None,
                     author=audit.public_actor(event), about=start)
    if not scope.affected_by_phase({opd.id for opd in phase.exempt_opds}):
        return None
    schedule_phase = phase.as_schedule_phase()
    period = (_("from %(start)s", start=medium_date(phase.starts_on)) if phase.ends_on is None
              else f"{medium_date(phase.starts_on)}–{medium_date(phase.ends_on)}")
    # The title says what happened last (or what the phase is, when nothing was recorded).
    title = (audit.describe(event) if event is not None
             else _("Policy phase “%(name)s”, %(period)s", name=phase_name(schedule_phase), period=period))
    parts = [phase_rule_text(schedule_phase)]
    description = phase.description_en if lang() == "en" and phase.description_en else phase.description
    if description:
        parts.append(description)
    if phase.exempt_opds:
        parts.append(_("Agencies exempt from the rule: %(names)s.",
                       names=", ".join(opd.short_name for opd in phase.exempt_opds)))
    if event is not None:
        parts.insert(0, audit.describe(event))
    return Entry(key=f"phase/{phase.id}", title=title, content=" ".join(parts), path=day_path(phase.starts_on),
                 updated=aware(event.at) if event is not None else moment, published=None,
                 author=audit.public_actor(event) if event is not None else _("the city administration (BKPSDM)"),
                 about=phase.starts_on)


def _holiday_entry(holiday: Holiday | None, event: AuditEvent | None, scope: Scope,
                   moment: datetime | None = None) -> Entry | None:
    if not scope.affected_by_holiday():
        return None
    if holiday is None:
        if event is None:
            return None
        day = date.fromisoformat((event.before or event.after or {})["day"])
        return Entry(key=f"holiday/{event.object_id}", title=audit.describe(event), content=audit.describe(event),
                     path=day_path(day), updated=aware(event.at), published=None,
                     author=audit.public_actor(event), about=day)
    schedule_holiday = holiday.as_schedule_holiday()
    title = f"{medium_date(holiday.day)}: {holiday_name(schedule_holiday)} ({holiday_kind_text(schedule_holiday)})"
    content = title + ". " + _("Service units are closed, except those open 24 hours.")
    if event is not None:  # a local holiday: what the city administration decided last
        title = content = audit.describe(event)
    return Entry(key=f"holiday/{holiday.id}", title=title, content=content, path=day_path(holiday.day),
                 updated=aware(event.at) if event is not None else moment, published=None,
                 author=audit.public_actor(event) if event is not None else _("the system"), about=holiday.day)


def _override_entry(override: Override | None, event: AuditEvent) -> Entry:
    data = (event.after if event.action != "override.delete" else event.before) or {}
    unit = event.unit
    start = date.fromisoformat(data["starts_on"])
    if unit is not None and unit.active:
        path = day_path(start, f"/unit/{unit.slug}")
    else:
        path = day_path(start)
    text = audit.describe(event)
    if override is None and event.action != "override.delete":
        text += " " + _("(later replaced by another change for these dates)")
    title = f"{unit.name}: {text}" if unit is not None else text
    return Entry(key=f"override/{event.object_id}", title=title, content=title, path=path,
                 updated=aware(event.at), published=None, author=audit.public_actor(event), about=start)


def public_events(limit: int = FEED_SIZE, unit_id: int | None = None,
                  actions: tuple[str, ...] | None = None) -> list[AuditEvent]:
    """Public audit events, newest first (a unit's page lists its latest availability changes)."""
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


# --- disruption reports -------------------------------------------------------------------------


def report_entries(limit: int = FEED_SIZE) -> list[Entry]:
    """The public events of listed reports (new report, status and public answers), newest
    first: never the description, the reporter or anything from the contact data."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.public.is_(True), AuditEvent.object_type == "Report",
               AuditEvent.action.in_(REPORT_ACTIONS))
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.unit))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).unique().all()
    entries = []
    for event in events:
        text = audit.describe(event)
        title = f"{event.unit.name}: {text}" if event.unit is not None else text
        path = (event.after or {}).get("link") or "/laporan"
        entries.append(Entry(key=f"report-event/{event.id}", title=title, content=title, path=path,
                             updated=aware(event.at), published=aware(event.at),
                             author=audit.public_actor(event)))
    return entries


__all__ = ["Entry", "Scope", "availability_entries", "opd_scope", "public_events", "report_entries", "unit_scope"]
