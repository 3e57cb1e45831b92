"""Availability as the pages need it: load the facts from the database into the pure
``schedule`` module, and put its answers into words for citizens."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from . import schedule, timeline
from .clock import today
from .extensions import db
from .i18n import clock, lang, medium_date, weekday_name
from .models import Holiday, Kecamatan, Opd, Override, PolicyPhase, ServiceUnit, UnitHours
from .schedule import RuleKind, Source, Status

STATUS_LABELS = {
    Status.OPEN: _l("Open on-site"),
    Status.LIMITED: _l("Limited on-site"),
    Status.ONLINE: _l("Online only"),
    Status.CLOSED: _l("Closed"),
}
STATUS_SHORT = {
    Status.OPEN: _l("Open"),
    Status.LIMITED: _l("Limited"),
    Status.ONLINE: _l("Online"),
    Status.CLOSED: _l("Closed"),
}
# Shown beside the words, never instead of them: status is never told by colour alone.
STATUS_ICONS = {
    Status.OPEN: "✓",
    Status.LIMITED: "◐",
    Status.ONLINE: "⌨",
    Status.CLOSED: "✕",
}


MAX_IN_LIST = 500


def load_calendar(start: date, end: date, unit_ids: Sequence[int] | None = None) -> schedule.Calendar:
    """Phases, holidays and overrides touching [start, end], ready for ``schedule``."""
    phases = db.session.scalars(
        select(PolicyPhase)
        .where(PolicyPhase.starts_on <= end)
        .where(or_(PolicyPhase.ends_on.is_(None), PolicyPhase.ends_on >= start))
        .options(selectinload(PolicyPhase.exempt_opds))
    ).all()
    holidays = db.session.scalars(select(Holiday).where(Holiday.day.between(start, end))).all()
    query = (select(Override).where(Override.starts_on <= end, Override.ends_on >= start)
             .options(joinedload(Override.created_by)))
    if unit_ids is not None and len(unit_ids) <= MAX_IN_LIST:  # else: all overrides in the span
        query = query.where(Override.unit_id.in_(unit_ids))
    overrides: dict[int, list[schedule.Override]] = defaultdict(list)
    for override in db.session.scalars(query):
        overrides[override.unit_id].append(override.as_schedule_override())
    return schedule.Calendar(
        phases=[phase.as_schedule_phase() for phase in phases],
        holidays={holiday.day: holiday.as_schedule_holiday() for holiday in holidays},
        overrides=dict(overrides),
    )


def unit_query(opd: Opd | None = None, kecamatan: Kecamatan | None = None, text: str | None = None):
    """Active units, filtered, ordered by name, with what the lists show loaded up front."""
    query = (
        select(ServiceUnit)
        .options(joinedload(ServiceUnit.opd), joinedload(ServiceUnit.kecamatan),
                 joinedload(ServiceUnit.kelurahan))
    )
    if text:
        query = query.join(ServiceUnit.opd)
    return filter_units(query, opd, kecamatan, text)


def filter_units(query, opd: Opd | None, kecamatan: Kecamatan | None, text: str | None):
    """Active units only, the list's filters, ordered by name. The text filter reads the
    agency's names: ``query`` joins ``Opd`` when ``text`` is given."""
    query = query.where(ServiceUnit.active.is_(True)).order_by(ServiceUnit.name, ServiceUnit.id)
    if opd is not None:
        query = query.where(ServiceUnit.opd_id == opd.id)
    if kecamatan is not None:
        query = query.where(ServiceUnit.kecamatan_id == kecamatan.id)
    if text:
        pattern = f"%{escape_like(text)}%"
        query = query.where(or_(
            ServiceUnit.name.ilike(pattern, escape="\\"),
            ServiceUnit.services.ilike(pattern, escape="\\"),
            ServiceUnit.address.ilike(pattern, escape="\\"),
            Opd.short_name.ilike(pattern, escape="\\"),
            Opd.name.ilike(pattern, escape="\\"),
        ))
    return query


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class UnitDay:
    unit: ServiceUnit
    day: schedule.DayStatus


def statuses_on(units: Sequence[ServiceUnit], day: date,
                calendar: schedule.Calendar | None = None) -> list[UnitDay]:
    calendar = calendar or load_calendar(day, day, [unit.id for unit in units])
    return [UnitDay(unit, calendar.status(unit.as_schedule_unit(), day)) for unit in units]


class UnitLine(NamedTuple):
    """What the day list shows of a unit: plain values from one query, no ORM object (the list
    reads every unit to count them by status, and ORM objects cost ten times more)."""

    id: int
    slug: str
    name: str
    opd_short_name: str
    kecamatan_name: str
    essential: bool
    open_24_7: bool


class LineDay(NamedTuple):
    unit: UnitLine
    day: schedule.DayStatus


def day_list(day: date, opd: Opd | None = None, kecamatan: Kecamatan | None = None,
             text: str | None = None) -> tuple[list[LineDay], schedule.Calendar]:
    """Every active unit matching the filters with its status on ``day``, in the same few queries
    whatever the number of units (the units with their hours that weekday, the day's calendar)."""
    weekday = day.weekday()
    query = filter_units(
        select(ServiceUnit.id, ServiceUnit.slug, ServiceUnit.name, Opd.short_name, Kecamatan.name,
               ServiceUnit.essential, ServiceUnit.open_24_7, ServiceUnit.opd_id, ServiceUnit.rotation_group,
               UnitHours.opens, UnitHours.closes)
        .join(Opd, ServiceUnit.opd_id == Opd.id).join(Kecamatan, ServiceUnit.kecamatan_id == Kecamatan.id)
        .outerjoin(UnitHours, (UnitHours.unit_id == ServiceUnit.id) & (UnitHours.weekday == weekday)),
        opd, kecamatan, text)
    found = db.session.execute(query).all()
    calendar = load_calendar(day, day)  # the overrides of that day, of any unit: a few
    # Units without an override share their answer with every unit of the same facts that day:
    # a handful of distinct answers for hundreds of units.
    phase = calendar.phase_on(day)
    exempt = phase.exempt_opd_ids if phase is not None else frozenset()
    shared: dict[tuple, schedule.DayStatus] = {}
    rows = []
    for unit_id, slug, name, opd_name, kecamatan_name, essential, open_24_7, opd_id, group, opens, closes in found:
        key = (opens, closes, opd_id in exempt, essential, open_24_7, group)
        status = None if unit_id in calendar.overrides else shared.get(key)
        if status is None:
            facts = schedule.Unit(id=unit_id, weekly_hours={} if opens is None else {weekday: (opens, closes)},
                                  opd_id=opd_id, essential=essential, open_24_7=open_24_7,
                                  rotation_group=schedule.RotationGroup(group or "A"))
            status = calendar.status(facts, day)
            if unit_id not in calendar.overrides:
                shared[key] = status
        rows.append(LineDay(UnitLine(unit_id, slug, name, opd_name, kecamatan_name, essential, open_24_7), status))
    return rows, calendar


def count_by_status(rows: Sequence[UnitDay | LineDay]) -> dict[Status, int]:
    counts = Counter(row.day.status for row in rows)
    return {status: counts.get(status, 0) for status in Status}


@dataclass
class UnitWeeks:
    unit: ServiceUnit
    days: list[schedule.DayStatus]


def grid(units: Sequence[ServiceUnit], start: date, count: int,
         calendar: schedule.Calendar | None = None) -> list[UnitWeeks]:
    """Units x days: each unit's status for ``count`` days from ``start``."""
    end = start + timedelta(days=count - 1)
    calendar = calendar or load_calendar(start, end, [unit.id for unit in units])
    return [UnitWeeks(unit, calendar.days(unit.as_schedule_unit(), start, count)) for unit in units]


def unit_outlook(unit: ServiceUnit, start: date, count: int, horizon: int = 366):
    """The unit's next ``count`` days and its next on-site day (searching up to ``horizon`` days)."""
    calendar = load_calendar(start, start + timedelta(days=max(count, horizon)), [unit.id])
    facts = unit.as_schedule_unit()
    return calendar.days(facts, start, count), calendar.next_onsite_day(facts, start, horizon)


@dataclass
class PhaseTimeline:
    """The timeline of every policy phase seen from a day, and the exempt agencies' names."""

    timeline: timeline.Timeline
    exempt: dict[int, list[str]]  # phase id -> names of the exempt agencies
    earliest: date  # the pages accept dates in [earliest, latest] (MAX_DAYS_FROM_TODAY)
    latest: date

    def reachable(self, day: date | None) -> bool:
        return day is not None and self.earliest <= day <= self.latest

    def exempt_text(self, phase: schedule.Phase) -> str:
        names = self.exempt.get(phase.id, [])
        if not names:
            return _("No agency is exempt.")
        return _("Exempt agencies (regular hours): %(names)s.", names=", ".join(names))


def load_timeline(day: date) -> PhaseTimeline:
    """Every policy phase, with the holidays that decide the representative day of each."""
    phases = db.session.scalars(select(PolicyPhase).options(selectinload(PolicyPhase.exempt_opds))
                                .order_by(PolicyPhase.starts_on, PolicyPhase.id)).all()
    facts = [phase.as_schedule_phase() for phase in phases]
    holidays = {}
    if facts:
        first = min(phase.starts_on for phase in facts)
        last = max(phase.ends_on or phase.starts_on + timedelta(days=timeline.OPEN_ENDED_SAMPLE_DAYS)
                   for phase in facts)
        holidays = {holiday.day: holiday.as_schedule_holiday() for holiday in db.session.scalars(
            select(Holiday).where(Holiday.day.between(first, last)))}
    limit = timedelta(days=current_app.config["MAX_DAYS_FROM_TODAY"])
    return PhaseTimeline(timeline.build(facts, holidays, day),
                         {phase.id: [opd.name for opd in phase.exempt_opds] for phase in phases},
                         today() - limit, today() + limit)


# --- words for citizens -------------------------------------------------------------------


def phase_name(phase: schedule.Phase) -> str:
    return (phase.name_en if lang() == "en" and phase.name_en else phase.name)


def phase_note(phase: schedule.Phase) -> str:
    return (phase.note_en if lang() == "en" and phase.note_en else phase.note)


def phase_dates(phase: schedule.Phase) -> str:
    """1 Nov 2025 – 30 Nov 2025, or "from 1 Jan 2026" while the phase has no end."""
    if phase.ends_on is None:
        return _("from %(start)s, no end date set", start=medium_date(phase.starts_on))
    return f"{medium_date(phase.starts_on)} – {medium_date(phase.ends_on)}"


def holiday_name(holiday: schedule.Holiday) -> str:
    return (holiday.name_en if lang() == "en" and holiday.name_en else holiday.name)


def weekdays_text(weekdays) -> str:
    names = [weekday_name(d) for d in sorted(weekdays)]
    return ", ".join(names)


def phase_rule_text(phase: schedule.Phase) -> str:
    """What the phase means for non-essential units, in one sentence."""
    if phase.rule is RuleKind.WFH_WEEKDAYS:
        return _("Civil servants work from home every %(days)s; non-essential units serve online "
                 "only on those days.", days=weekdays_text(phase.wfh_weekdays))
    if phase.rule is RuleKind.FIFTY_FIFTY:
        return _("50-50 pattern: half of the staff work from the office, half from home, in turns; "
                 "non-essential units serve on-site with reduced capacity.")
    if phase.rule is RuleKind.ROTATION:
        return _("Rotation: units in groups A and B take turns serving on-site; on the other days "
                 "they serve online.")
    return _("Regular working pattern: everyone works from the office.")


def holiday_kind_text(holiday: schedule.Holiday) -> str:
    return {
        "national": _("National holiday"),
        "cuti_bersama": _("Collective leave (cuti bersama)"),
        "local": _("Local holiday"),
    }.get(holiday.kind, _("Holiday"))


def per_request(name: str) -> dict:
    """A dict that lives as long as the current request (an empty throwaway one outside)."""
    if not has_request_context():
        return {}
    return g.setdefault(name, {})


def explain(day: schedule.DayStatus) -> str:
    """Why a unit has this status on this day, in words a citizen understands. Worded once per
    request for each distinct reason: a grid of 500 units x 7 days has 3,500 cells but only a
    handful of reasons."""
    key = (day.source, day.status, day.phase, day.holiday, day.override.reason if day.override else None,
           day.rotation_group, day.day.weekday() if day.source is Source.NO_HOURS else None)
    cache = per_request("explanations")
    text = cache.get(key)
    if text is None:
        text = cache[key] = _explain(day)
    return text


def status_words() -> dict[Status, str]:
    """STATUS_SHORT translated once per request (a grid cell shows one per day)."""
    cache = per_request("status_words")
    if not cache:
        cache.update({status: str(label) for status, label in STATUS_SHORT.items()})
    return cache


def _explain(day: schedule.DayStatus) -> str:
    source = day.source
    if source is Source.OVERRIDE:
        if day.override.by_city_admin:
            return _("Changed by the city administration (BKPSDM): %(reason)s", reason=day.override.reason)
        return _("Changed by the unit's staff: %(reason)s", reason=day.override.reason)
    if source is Source.HOLIDAY:
        return _("%(kind)s: %(name)s.", kind=holiday_kind_text(day.holiday), name=holiday_name(day.holiday))
    if source is Source.HOLIDAY_24_7:
        return _("%(name)s, but this unit is open 24 hours every day.", name=holiday_name(day.holiday))
    if source is Source.ESSENTIAL:
        return _("Essential service unit: stays open on-site during %(phase)s.", phase=phase_name(day.phase))
    if source is Source.EXEMPT:
        return _("This unit's agency is exempt from %(phase)s: regular hours.", phase=phase_name(day.phase))
    if source is Source.PHASE:
        phase = day.phase
        if phase.rule is RuleKind.WFH_WEEKDAYS:
            return _("%(phase)s: civil servants work from home on %(days)s; this unit serves online only.",
                     phase=phase_name(phase), days=weekdays_text(phase.wfh_weekdays))
        if phase.rule is RuleKind.FIFTY_FIFTY:
            text = _("%(phase)s: half of the staff work in the office, half from home; on-site service "
                     "with reduced capacity.", phase=phase_name(phase))
            note = phase_note(phase)
            return f"{text} {note}" if note else text
        if day.status is Status.ONLINE:
            return _("%(phase)s: group %(group)s works from home today; this unit serves online only.",
                     phase=phase_name(phase), group=day.rotation_group)
        return _("%(phase)s: group %(group)s serves on-site today.",
                 phase=phase_name(phase), group=day.rotation_group)
    if source is Source.NO_HOURS:
        return _("No service on %(weekday)s.", weekday=weekday_name(day.day))
    return _("Regular opening hours.")


def hours_text(day: schedule.DayStatus) -> str:
    if day.status is Status.CLOSED or day.opens is None:
        return ""
    if day.all_day:
        return _("24 hours")
    return f"{clock(day.opens)}–{clock(day.closes)}"


def day_banner(day: date, phase: schedule.Phase | None, holiday: schedule.Holiday | None) -> dict:
    """The headline that explains the city-wide rule of a day."""
    if holiday is not None:
        return {
            "title": _("%(kind)s: %(name)s", kind=holiday_kind_text(holiday), name=holiday_name(holiday)),
            "text": _("Service units are closed, except those open 24 hours."),
            "tone": "closed",
        }
    if phase is None:
        return {"title": _("Regular working day"),
                "text": _("No work-from-home phase is in force on this date; units follow their "
                          "regular hours."), "tone": "open"}
    if phase.rule is RuleKind.WFH_WEEKDAYS and day.weekday() in phase.wfh_weekdays:
        return {"title": _("%(weekday)s: civil servants work from home — essential service units stay open",
                           weekday=weekday_name(day)),
                "text": f"{phase_name(phase)}. {phase_rule_text(phase)}", "tone": "online"}
    if phase.rule is RuleKind.FIFTY_FIFTY and day.weekday() < 5:
        return {"title": _("50-50 pattern: on-site service with reduced capacity"),
                "text": f"{phase_name(phase)}. {phase_rule_text(phase)} {phase_note(phase)}".strip(),
                "tone": "limited"}
    if phase.rule is RuleKind.ROTATION and day.weekday() < 5:
        return {"title": _("Rotation day: some units serve online only"),
                "text": f"{phase_name(phase)}. {phase_rule_text(phase)}", "tone": "limited"}
    return {"title": phase_name(phase), "text": phase_rule_text(phase), "tone": "open"}
