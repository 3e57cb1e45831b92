"""Did a unit keep its published on-site days? The last 90 days, day by day.

A day's *promise* is the status published for it as the day began: the policy engine
(``schedule``) with the staff overrides that stood at that moment. The promise was *broken* when
staff confirmed a disruption report about that day (verified, in progress or resolved: not
received, rejected or spam), or when staff changed the unit's status on that very day (an
override made, withdrawn or cut on the day it applies, from the audit trail).

"On-site days kept" counts the days promised on-site (open or limited) whose promise was not
broken. The pure part (``unit_history``, ``summarise``, ``opd_days``) takes plain values and is
tested on constructed data; ``load`` reads the facts of one or more units from the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from . import schedule
from .availability import STATUS_LABELS, STATUS_SHORT, explain, load_calendar
from .clock import local
from .extensions import db
from .i18n import clock, long_date, number, percent
from .models import AuditEvent, Opd, Report, ServiceUnit, UnitConfirmedDays, UnitHours, User
from .reports.words import category_label
from .schedule import Status
from .stats import local_midnight, month_start

WINDOW_DAYS = 90
# A report about a day breaks its promise once staff confirmed it (ReportStatus values).
CONFIRMED_STATUSES = frozenset({"verified", "in_progress", "resolved"})
OVERRIDE_ACTIONS = ("override.create", "override.delete", "override.shorten")
# Up to this many units a query picks their rows by id; beyond (all units, on /statistik) it reads
# every unit's rows and the others are left out in Python: cheaper than binding 500 ids.
FEW_UNITS = 60


def window(today: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The ``days`` past days before ``today`` (today itself is not over yet)."""
    return today - timedelta(days=days), today - timedelta(days=1)


def confirmed(status: str, is_spam: bool) -> bool:
    """Whether a report counts as confirmed by staff."""
    return status in CONFIRMED_STATUSES and not is_spam


@dataclass(frozen=True)
class ConfirmedReport:
    """A disruption report about a day of a unit that staff confirmed."""

    unit_id: int
    day: date
    category: str
    code: str | None = None  # None when the report is not listed publicly (confidential)


@dataclass(frozen=True)
class SameDayChange:
    """Staff changed a unit's status for a day on that same day.

    ``created_ids``: overrides made that day for it (they did not stand as the day began);
    ``withdrawn``: overrides that stood as the day began and were removed, cut or replaced that day."""

    unit_id: int
    day: date
    at: datetime
    created_ids: frozenset[int] = frozenset()
    withdrawn: tuple[schedule.Override, ...] = ()


@dataclass(frozen=True)
class HistoryDay:
    day: date
    status: schedule.DayStatus  # as the day ended (what the pages show for it now)
    promised: schedule.DayStatus  # as published when the day began
    reports: tuple[ConfirmedReport, ...] = ()
    changes: tuple[SameDayChange, ...] = ()

    @property
    def broken(self) -> bool:
        return bool(self.reports or self.changes)

    @property
    def promised_onsite(self) -> bool:
        return self.promised.onsite

    @property
    def kept(self) -> bool:
        return self.promised_onsite and not self.broken


@dataclass(frozen=True)
class Summary:
    onsite_days: int = 0  # days promised on-site
    kept: int = 0  # of those, not broken
    broken_days: int = 0  # every broken day, on-site or not

    @property
    def share(self) -> float | None:
        return self.kept / self.onsite_days if self.onsite_days else None

    def __add__(self, other: Summary) -> Summary:
        return Summary(self.onsite_days + other.onsite_days, self.kept + other.kept,
                       self.broken_days + other.broken_days)


def morning_overrides(overrides: Sequence[schedule.Override],
                      changes: Sequence[SameDayChange]) -> list[schedule.Override]:
    """The overrides that stood as a day began, given those standing now and that day's changes."""
    created = set().union(*(change.created_ids for change in changes))
    standing = {o.id: o for o in overrides if o.id not in created}
    for change in changes:
        for old in change.withdrawn:
            standing[old.id] = old  # a cut override stands again with its old end
    return list(standing.values())


def unit_history(unit: schedule.Unit, first: date, last: date, calendar: schedule.Calendar,
                 reports: Iterable[ConfirmedReport] = (), changes: Iterable[SameDayChange] = (),
                 statuses: Sequence[schedule.DayStatus] | None = None) -> list[HistoryDay]:
    """One HistoryDay per day of [first, last] for ``unit``. ``statuses``: the unit's statuses of
    those days when already known (computed once for every unit that shares its schedule)."""
    reports_by_day: dict[date, list[ConfirmedReport]] = defaultdict(list)
    for report in reports:
        if report.unit_id == unit.id:
            reports_by_day[report.day].append(report)
    changes_by_day: dict[date, list[SameDayChange]] = defaultdict(list)
    for change in changes:
        if change.unit_id == unit.id:
            changes_by_day[change.day].append(change)
    current = calendar.overrides.get(unit.id, ())
    count = (last - first).days + 1
    if statuses is None:
        statuses = calendar.days(unit, first, count)
    days = []
    for day, status in zip(schedule.date_range(first, count), statuses, strict=True):
        promised = status
        day_changes = changes_by_day.get(day, [])
        if day_changes:  # rare: reconstruct the morning's overrides only for these days
            promised = schedule.status_on(unit, day, phases=calendar.phases, holidays=calendar.holidays,
                                          overrides=morning_overrides(current, day_changes))
        days.append(HistoryDay(day, status, promised, tuple(reports_by_day.get(day, ())),
                               tuple(sorted(day_changes, key=lambda c: c.at))))
    return days


def schedule_key(unit: schedule.Unit, calendar: schedule.Calendar) -> tuple | None:
    """Units with the same key have the same status every day of the calendar (None: the unit
    has overrides of its own). An agency's units mostly share a handful of keys."""
    if calendar.overrides.get(unit.id):
        return None
    exempt = any(unit.opd_id in phase.exempt_opd_ids for phase in calendar.phases)
    return (tuple(sorted(unit.weekly_hours.items())), unit.essential, unit.open_24_7, unit.rotation_group,
            unit.opd_id if exempt else None)


class StatusMemo:
    """Each distinct schedule's days computed once (see ``schedule_key``)."""

    def __init__(self, calendar: schedule.Calendar, first: date, last: date):
        self.calendar, self.first, self.count = calendar, first, (last - first).days + 1
        self.memo: dict[tuple, list[schedule.DayStatus]] = {}

    def days(self, unit: schedule.Unit) -> list[schedule.DayStatus]:
        key = schedule_key(unit, self.calendar)
        if key is None:
            return self.calendar.days(unit, self.first, self.count)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self.calendar.days(unit, self.first, self.count)
        return found



@lru_cache(maxsize=16)
def shared_day_classes(phases: tuple[schedule.Phase, ...], holidays: frozenset[tuple[date, schedule.Holiday]],
                       first: date, last: date) -> tuple:
    """DayClasses' classes of days of [first, last] under these phases and holidays, their days
    as bits, and the memos of the answers per schedule key (filled as units ask; they depend on
    the phases, holidays and schedule key alone)."""
    calendar = schedule.Calendar(phases=list(phases), holidays=dict(holidays))
    classes: dict[tuple, list[date]] = defaultdict(list)
    class_of: dict[date, tuple] = {}
    for day in schedule.date_range(first, (last - first).days + 1):
        phase = calendar.phase_on(day)
        key = (day.weekday(), phase.id if phase else None, day in calendar.holidays,
               schedule.rotation_onsite(schedule.RotationGroup.A, day))
        classes[key].append(day)
        class_of[day] = key
    # Days as bits of one number (see ``confirmed_day_bits``): bit n is the day n days after
    # ``origin``, the first of the first month. Each class's days, and the period's.
    origin = month_start(first)
    class_bits = {cls: sum(1 << (day - origin).days for day in days) for cls, days in classes.items()}
    counted: dict[tuple, int] = {}  # schedule key -> its on-site days of the period
    onsite_in_class: dict[tuple, bool] = {}  # (schedule key, class) -> on-site
    onsite_bits: dict[tuple, int] = {}  # schedule key -> its on-site days of the period, as bits
    return dict(classes), class_of, origin, class_bits, sum(class_bits.values()), counted, onsite_in_class, onsite_bits


class DayClasses:
    """The days of [first, last] sorted into classes on which every unit without overrides has
    the same status: same weekday, phase, holiday or not, rotation turn. Two years of days fall
    into a few dozen classes, so an on-site count takes one status per class, not per day."""

    def __init__(self, calendar: schedule.Calendar, first: date, last: date):
        self.calendar, self.first, self.last = calendar, first, last
        # Everything here but the overrides depends on the phases and holidays alone: computed
        # once for the same ones (keyed on them, so a change to either is a new entry).
        (self.classes, self.class_of, self.origin, self.class_bits, self.period_bits, self.counted,
         self.onsite_in_class, self.onsite_bits) = shared_day_classes(
            tuple(calendar.phases), frozenset(calendar.holidays.items()), first, last)

    def onsite_days(self, unit: schedule.Unit) -> int:
        """How many days of the period the unit's status on record is on-site."""
        key = schedule_key(unit, self.calendar)
        if key is not None and key in self.counted:
            return self.counted[key]
        covered = set()  # days decided by the unit's own overrides: counted one by one
        for override in self.calendar.overrides.get(unit.id, ()):
            start, end = max(override.starts_on, self.first), min(override.ends_on, self.last)
            covered.update(schedule.date_range(start, (end - start).days + 1))
        count = sum(self.calendar.status(unit, day).onsite for day in covered)
        for days in self.classes.values():
            free = [day for day in days if day not in covered] if covered else days
            if free:
                count += len(free) * schedule.status_on(unit, free[0], phases=self.calendar.phases,
                                                        holidays=self.calendar.holidays).onsite
        if key is not None:
            self.counted[key] = count
        return count

    def summary(self, unit: schedule.Unit, report_days: Iterable[date],
                changes: Sequence[SameDayChange] = ()) -> Summary:
        """``unit_summary()`` with the days that confirmed reports are about: for a unit without
        overrides or same-day changes, its broken days are counted per class of days (one status
        per class and distinct schedule), not looked at one by one."""
        onsite = self.onsite_days(unit)
        key = schedule_key(unit, self.calendar)
        if key is None or changes:
            return _summary(unit, self.first, self.last, self.calendar, onsite, set(report_days), changes)
        first, last, class_of = self.first, self.last, self.class_of
        broken = {day for day in report_days if first <= day <= last}
        broken_onsite = 0
        for cls, days in Counter(map(class_of.__getitem__, broken)).items():
            broken_onsite += days * self.class_onsite(unit, key, cls)
        return Summary(onsite, onsite - broken_onsite, len(broken))

    def class_onsite(self, unit: schedule.Unit, key: tuple, cls: tuple) -> bool:
        """Whether units of this schedule key are on-site on the days of this class."""
        found = self.onsite_in_class.get((key, cls))
        if found is None:
            found = self.onsite_in_class[(key, cls)] = schedule.status_on(
                unit, self.classes[cls][0], phases=self.calendar.phases, holidays=self.calendar.holidays).onsite
        return found

    def key_onsite_bits(self, unit: schedule.Unit, key: tuple) -> int:
        """The days of the period on which units of this schedule key are on-site, as bits."""
        found = self.onsite_bits.get(key)
        if found is None:
            found = self.onsite_bits[key] = sum(bits for cls, bits in self.class_bits.items()
                                                if self.class_onsite(unit, key, cls))
        return found

    def summary_of_bits(self, unit: schedule.Unit, bits: int, changes: Sequence[SameDayChange] = ()) -> Summary:
        """``summary()`` with the confirmed report days as bits (``confirmed_day_bits``): for a unit
        without overrides or same-day changes, two bit counts."""
        key = schedule_key(unit, self.calendar)
        if key is None or changes:
            return self.summary(unit, days_of_bits(self.origin, bits), changes)
        bits &= self.period_bits
        onsite_bits = self.key_onsite_bits(unit, key)
        onsite = self.counted.get(key)
        if onsite is None:
            onsite = self.counted[key] = onsite_bits.bit_count()
        return Summary(onsite, onsite - (bits & onsite_bits).bit_count(), bits.bit_count())


def days_of_bits(origin: date, bits: int) -> set[date]:
    """The dates of days as bits (bit n: ``origin`` + n days)."""
    days = set()
    while bits:
        lowest = bits & -bits
        days.add(origin + timedelta(days=lowest.bit_length() - 1))
        bits ^= lowest
    return days


def unit_summary(unit: schedule.Unit, first: date, last: date, calendar: schedule.Calendar,
                 onsite_days: int, reports: Iterable[ConfirmedReport] = (),
                 changes: Iterable[SameDayChange] = ()) -> Summary:
    """The same as ``summarise(unit_history(...))`` without a HistoryDay per day: only the broken
    days are looked at. ``onsite_days``: how many days of [first, last] are on-site on record."""
    return _summary(unit, first, last, calendar, onsite_days, {report.day for report in reports}, changes)


def _summary(unit: schedule.Unit, first: date, last: date, calendar: schedule.Calendar, onsite_days: int,
             report_days: set[date], changes: Iterable[SameDayChange]) -> Summary:
    changes_by_day: dict[date, list[SameDayChange]] = defaultdict(list)
    for change in changes:
        changes_by_day[change.day].append(change)
    broken = report_days | set(changes_by_day)
    onsite, broken_onsite, broken_days = onsite_days, 0, 0
    current = calendar.overrides.get(unit.id, ())
    for day in broken:
        if not first <= day <= last:
            continue
        broken_days += 1
        promised = on_record = calendar.status(unit, day)
        if day in changes_by_day:
            promised = schedule.status_on(unit, day, phases=calendar.phases, holidays=calendar.holidays,
                                          overrides=morning_overrides(current, changes_by_day[day]))
            onsite += promised.onsite - on_record.onsite
        broken_onsite += promised.onsite
    return Summary(onsite, onsite - broken_onsite, broken_days)


def load_summaries(units: Sequence[schedule.Unit], first: date, last: date) -> dict[int, Summary]:
    """Each unit's summary over [first, last] (the figures of /statistik): on-site days and
    broken days counted per class of days and distinct schedule."""
    if not units or last < first:
        return {unit.id: Summary() for unit in units}
    ids = [unit.id for unit in units]
    # Many units: the overrides of every unit in the span (those of others are never looked up).
    calendar = load_calendar(first, last, ids if len(ids) <= FEW_UNITS else None)
    changes_of = load_changes(ids, first, last)
    confirmed = confirmed_day_bits(ids, first, last)
    classes = DayClasses(calendar, first, last)
    return {unit.id: classes.summary_of_bits(unit, confirmed.get(unit.id, 0), changes_of[unit.id])
            for unit in units}


def confirmed_day_bits(unit_ids: Sequence[int], first: date, last: date) -> dict[int, int]:
    """The days of the months of [first, last] about which the units have a confirmed report, as
    one number per unit (unit id -> bits; bit n: the n-th day after the first of ``first``'s
    month), from ``unit_confirmed_days``: one row per unit and month, however many reports."""
    c = UnitConfirmedDays
    query = select(c.unit_id, c.month, c.days).where(c.month.between(month_start(first), last))
    every_unit = len(unit_ids) > FEW_UNITS
    if not every_unit:
        query = query.where(c.unit_id.in_(unit_ids))
    wanted = set(unit_ids)
    origin = month_start(first)
    offsets: dict = {}
    result: dict[int, int] = defaultdict(int)
    # 12,000 rows at 500 units over two years: read as the driver gives them (the month as
    # SQLite's text), each distinct month turned into its bit offset once.
    for unit_id, month, days in driver_rows(query):
        shift = offsets.get(month)
        if shift is None:
            shift = offsets[month] = (as_date(month) - origin).days
        if every_unit and unit_id not in wanted:
            continue
        result[unit_id] |= days << shift
    return result


def driver_rows(query) -> list[tuple]:
    """The rows of a Core query as the database driver returns them: no SQLAlchemy row objects
    and no result processing (a date column stays SQLite's text: see ``as_date``)."""
    result = db.session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def as_time(value: time | str) -> time:
    """A time column's value from ``driver_rows``: a time, or SQLite's ISO text."""
    return value if isinstance(value, time) else time.fromisoformat(value)


def as_date(value: date | str) -> date:
    """A date column's value from ``driver_rows``: a date, or SQLite's ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def schedule_units(opd=None) -> list[schedule.Unit]:
    """The active units (of one agency, or all) as ``schedule`` sees them, read as plain rows:
    two queries, no ORM objects (two years of /statistik reads all 500 of them)."""
    where = [ServiceUnit.active.is_(True)] + ([ServiceUnit.opd_id == opd.id] if opd is not None else [])
    hours: dict[int, dict[int, tuple[time, time]]] = defaultdict(dict)
    times: dict = {}  # a time as the driver gives it (SQLite: text) -> time; a handful distinct
    for unit_id, weekday, opens, closes in driver_rows(
            select(UnitHours.unit_id, UnitHours.weekday, UnitHours.opens, UnitHours.closes)
            .join(ServiceUnit, ServiceUnit.id == UnitHours.unit_id).where(*where)):
        if opens not in times:
            times[opens] = as_time(opens)
        if closes not in times:
            times[closes] = as_time(closes)
        hours[unit_id][weekday] = (times[opens], times[closes])
    return [schedule.Unit(id=unit_id, weekly_hours=hours.get(unit_id, {}), opd_id=opd_id, essential=bool(essential),
                          open_24_7=bool(open_24_7), rotation_group=schedule.RotationGroup(rotation_group or "A"))
            for unit_id, opd_id, essential, open_24_7, rotation_group in driver_rows(
                select(ServiceUnit.id, ServiceUnit.opd_id, ServiceUnit.essential, ServiceUnit.open_24_7,
                       ServiceUnit.rotation_group).where(*where).order_by(ServiceUnit.id))]


def confirmed_where(first: date, last: date) -> list:
    """The conditions of a confirmed report about a day of [first, last]."""
    return [Report.visited_on.between(first, last), Report.status.in_(sorted(CONFIRMED_STATUSES)),
            Report.is_spam.is_(False)]


def summarise(days: Iterable[HistoryDay]) -> Summary:
    onsite = kept = broken = 0
    for day in days:
        onsite += day.promised_onsite
        kept += day.kept
        broken += day.broken
    return Summary(onsite, kept, broken)


@dataclass
class OpdDay:
    """One day of an agency: how many of its units had each status, and the broken promises."""

    day: date
    counts: dict[Status, int] = field(default_factory=dict)
    broken: list[tuple[int, HistoryDay]] = field(default_factory=list)  # (unit id, its day)
    summary: Summary = field(default_factory=Summary)

    @property
    def units(self) -> int:
        return sum(self.counts.values())


def opd_days(histories: Mapping[int, Sequence[HistoryDay]]) -> list[OpdDay]:
    """The units' histories (unit id -> days, all over the same dates) folded into one per day."""
    by_day: dict[date, OpdDay] = {}
    for unit_id, days in histories.items():
        for item in days:
            row = by_day.setdefault(item.day, OpdDay(item.day, {status: 0 for status in Status}))
            row.counts[item.status.status] += 1
            if item.broken:
                row.broken.append((unit_id, item))
            row.summary = row.summary + summarise([item])
    return [by_day[day] for day in sorted(by_day)]


# --- from audit events to same-day changes (pure: plain snapshots in) -------------------------


def snapshot_override(data: Mapping, override_id: int, by_city_admin: bool) -> schedule.Override:
    """A schedule.Override from an override's audit snapshot."""
    return schedule.Override(
        id=override_id, unit_id=int(data["unit_id"]),
        starts_on=date.fromisoformat(data["starts_on"]), ends_on=date.fromisoformat(data["ends_on"]),
        status=Status(data["status"]), reason=data.get("reason") or "",
        opens=time.fromisoformat(data["opens"]) if data.get("opens") else None,
        closes=time.fromisoformat(data["closes"]) if data.get("closes") else None,
        created_at=datetime.min, by_city_admin=by_city_admin)


def _covers(data: Mapping | None, day: date) -> bool:
    return bool(data) and date.fromisoformat(data["starts_on"]) <= day <= date.fromisoformat(data["ends_on"])


def same_day_change(action: str, object_id: int | None, unit_id: int, at_local: datetime,
                    before: Mapping | None, after: Mapping | None, by_city_admin: bool = False,
                    synthetic_id: int = 0) -> SameDayChange | None:
    """The change an override event made to the day on which it was made, or None when it did not
    touch that day. ``at_local``: when, in the portal's time zone. ``synthetic_id``: a negative id
    base for replaced overrides (their snapshots carry none)."""
    day = at_local.date()
    created: set[int] = set()
    withdrawn: list[schedule.Override] = []
    if action == "override.create":
        if _covers(after, day) and object_id is not None:
            created.add(object_id)
        for index, old in enumerate((before or {}).get("replaced") or []):
            if _covers(old, day):
                withdrawn.append(snapshot_override(old, synthetic_id - index - 1, by_city_admin))
    elif action in ("override.delete", "override.shorten") and object_id is not None:
        if _covers(before, day) and not _covers(after, day):
            withdrawn.append(snapshot_override(before, object_id, by_city_admin))
    if not created and not withdrawn:
        return None
    return SameDayChange(unit_id, day, at_local, frozenset(created), tuple(withdrawn))


# --- loading from the database ------------------------------------------------------------------


@dataclass
class History:
    first: date
    last: date
    units: dict[int, list[HistoryDay]]  # unit id -> days, oldest first

    def summary(self, unit_id: int | None = None) -> Summary:
        if unit_id is not None:
            return summarise(self.units.get(unit_id, ()))
        total = Summary()
        for days in self.units.values():
            total = total + summarise(days)
        return total


def load(units: Sequence, first: date, last: date) -> History:
    """The histories of ``units`` (ServiceUnit rows) over [first, last]: a fixed handful of
    queries whatever the number of units and days."""
    if not units or last < first:
        return History(first, last, {unit.id: [] for unit in units})
    calendar, reports_of, changes_of = load_facts(units, first, last)
    memo = StatusMemo(calendar, first, last)
    result = {}
    for unit in units:
        facts = unit.as_schedule_unit()
        result[unit.id] = unit_history(facts, first, last, calendar, reports_of[unit.id], changes_of[unit.id],
                                       memo.days(facts))
    return History(first, last, result)


def load_facts(units: Sequence, first: date, last: date):
    """The calendar of [first, last], and the units' confirmed reports and same-day changes."""
    ids = [unit.id for unit in units]
    calendar = load_calendar(first, last, ids)
    reports = [
        ConfirmedReport(unit_id, day, category, code if visibility != "confidential" else None)
        for unit_id, day, category, code, visibility in db.session.execute(
            select(Report.unit_id, Report.visited_on, Report.category, Report.code, Report.visibility)
            .where(Report.unit_id.in_(ids), *confirmed_where(first, last))
            .order_by(Report.visited_on, Report.id))
    ]
    reports_of: dict[int, list[ConfirmedReport]] = defaultdict(list)
    for report in reports:
        reports_of[report.unit_id].append(report)
    return calendar, reports_of, load_changes(ids, first, last)


def load_changes(ids: Sequence[int], first: date, last: date) -> dict[int, list[SameDayChange]]:
    """The units' same-day status changes over [first, last] (unit id -> changes), from the audit trail."""
    query = (select(AuditEvent)
             .where(AuditEvent.public.is_(True), AuditEvent.action.in_(OVERRIDE_ACTIONS),
                    AuditEvent.at >= local_midnight(first), AuditEvent.at < local_midnight(last + timedelta(days=1)))
             .options(joinedload(AuditEvent.actor).joinedload(User.opd))
             .order_by(AuditEvent.at, AuditEvent.id))
    many = len(ids) > FEW_UNITS  # then the events of every unit, the others left out here
    if not many:
        query = query.where(AuditEvent.unit_id.in_(ids))
    wanted = set(ids)
    changes = []
    for event in db.session.scalars(query):
        if many and event.unit_id not in wanted:
            continue
        change = same_day_change(event.action, event.object_id, event.unit_id, local(event.at),
                                 event.before, event.after,
                                 event.actor is not None and event.actor.is_city_admin,
                                 synthetic_id=-1000 * event.id)
        if change is not None:
            changes.append(change)
    changes_of: dict[int, list[SameDayChange]] = defaultdict(list)
    for change in changes:
        changes_of[change.unit_id].append(change)
    return changes_of


# --- words for the pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of a strip: its day, colour (status), whether a promise was broken, and the text
    that hover, focus and screen readers give. ``shares``: (status, units) for an agency's bar."""

    day: date
    status: Status
    broken: bool
    text: str
    shares: tuple[tuple[Status, int], ...] = ()


def what_happened(item: HistoryDay) -> str:
    """What broke the day's promise, or that it was kept, in one or two sentences."""
    parts = []
    if item.reports:
        # Confidential reports are counted, never described (as on /statistik).
        categories = ", ".join(dict.fromkeys(category_label(r.category) for r in item.reports if r.code))
        if categories:
            parts.append(ngettext("%(num)d disruption report confirmed by staff (%(what)s).",
                                  "%(num)d disruption reports confirmed by staff (%(what)s).",
                                  len(item.reports), what=categories))
        else:
            parts.append(ngettext("%(num)d disruption report confirmed by staff.",
                                  "%(num)d disruption reports confirmed by staff.", len(item.reports)))
    for change in item.changes:
        parts.append(_("Staff changed the status on the day itself, at %(time)s; published that "
                       "morning: %(status)s.", time=clock(change.at.time()),
                       status=str(STATUS_LABELS[item.promised.status]).lower()))
    if parts:
        return _("Promise broken:") + " " + " ".join(parts)
    if item.promised_onsite:
        return _("On-site day kept.")
    return _("No disruption confirmed.")


def unit_bars(days: Sequence[HistoryDay]) -> list[Bar]:
    """The strip of one unit; each distinct explanation is worded once (``explain`` remembers)."""
    return [
        Bar(item.day, item.status.status, item.broken,
            f"{long_date(item.day)}: {STATUS_LABELS[item.status.status]}. {explain(item.status)} "
            f"{what_happened(item)}")
        for item in days
    ]


def opd_bars(rows: Sequence[OpdDay], unit_names: Mapping[int, str]) -> list[Bar]:
    """The strip of an agency: per day, how many units had which status, and whose promise broke."""
    bars = []
    for row in rows:
        shares = tuple((status, count) for status, count in row.counts.items() if count)
        counts = ", ".join(f"{count} {str(STATUS_SHORT[status]).lower()}" for status, count in shares)
        text = f"{long_date(row.day)}: {counts}."
        if row.broken:
            names = ", ".join(unit_names.get(unit_id, "") for unit_id, _item in row.broken)
            text += " " + ngettext("Promise broken at %(num)d unit: %(units)s.",
                                   "Promise broken at %(num)d units: %(units)s.", len(row.broken), units=names)
        main = max(shares, key=lambda share: share[1])[0] if shares else Status.CLOSED
        bars.append(Bar(row.day, main, bool(row.broken), text, shares))
    return bars


def summary_text(summary: Summary) -> str:
    if not summary.onsite_days:
        return _("On-site service days kept: no on-site day was published in this period.")
    return _("On-site service days kept: %(kept)s of %(days)s, %(share)s",
             kept=number(summary.kept), days=number(summary.onsite_days), share=percent(summary.share, 1))


@dataclass
class Strip:
    """What a page shows of a history: the period, the bars, the summary."""

    first: date
    last: date
    bars: list[Bar]
    summary: Summary
    days: list[HistoryDay] = field(default_factory=list)  # one unit's days (empty for an agency)

    @property
    def summary_text(self) -> str:
        return summary_text(self.summary)

    @staticmethod
    def happened(item: HistoryDay) -> str:
        return what_happened(item)


def unit_strip(unit, today: date) -> Strip:
    """The unit page's strip: the unit's last 90 days."""
    first, last = window(today)
    found = load([unit], first, last)
    days = found.units[unit.id]
    return Strip(first, last, unit_bars(days), summarise(days), days)


def opd_strip(units: Sequence, today: date) -> tuple[Strip, dict[int, Summary]]:
    """The agency page's strip (its units folded per day) and each unit's summary."""
    first, last = window(today)
    found = load(units, first, last)
    names = {unit.id: unit.name for unit in units}
    bars = opd_bars(opd_days(found.units), names)
    return (Strip(first, last, bars, found.summary()),
            {unit.id: found.summary(unit.id) for unit in units})


SUMMARY_MEASURES = ("onsite_days", "kept", "share_kept", "broken_days")


def summary_doc(summary: Summary) -> dict:
    """The figures of a summary for the API and the downloads."""
    return {"onsite_days": summary.onsite_days, "kept": summary.kept,
            "share_kept": None if summary.share is None else round(summary.share, 4),
            "broken_days": summary.broken_days}


def strip_doc(strip: Strip) -> dict:
    """A unit's history for the API: the figures and every day (English field names)."""
    return {
        "from": strip.first.isoformat(), "to": strip.last.isoformat(), **summary_doc(strip.summary),
        "days": [{"date": item.day.isoformat(), "status": item.status.status.value,
                  "promised_status": item.promised.status.value, "promised_onsite": item.promised_onsite,
                  "broken": item.broken, "kept": item.kept, "confirmed_reports": len(item.reports),
                  "same_day_changes": len(item.changes)}
                 for item in strip.days],
    }


def kept_period(start: date, end: date, today: date) -> tuple[date, date]:
    """The past part of a statistics range: today is not over yet."""
    return start, min(end, today - timedelta(days=1))


def kept_by_opd(start: date, end: date, today: date, opd=None, raw: bool = False) -> dict[int, Summary]:
    """Kept on-site days per agency over the past days of [start, end] (its active units).
    ``raw``: from every unit's history day by day instead (the same figures; the tests compare)."""
    first, last = kept_period(start, end, today)
    if raw:
        query = select(ServiceUnit).where(ServiceUnit.active.is_(True)).options(selectinload(ServiceUnit.hours))
        if opd is not None:
            query = query.where(ServiceUnit.opd_id == opd.id)
        units = db.session.scalars(query).all()
        found = load(units, first, last)
        summaries = {unit.id: found.summary(unit.id) for unit in units}
    else:
        units = schedule_units(opd)
        summaries = load_summaries(units, first, last)
    totals: dict[int, Summary] = defaultdict(Summary)
    for unit in units:
        totals[unit.opd_id] += summaries[unit.id]
    return dict(totals)


def kept_document(start: date, end: date, today: date, opd=None) -> dict:
    """Kept on-site days per agency for the API and /statistik.csv (English field names)."""
    first, last = kept_period(start, end, today)
    kept = kept_by_opd(start, end, today, opd)
    names = {opd_id: (slug, short) for opd_id, slug, short in db.session.execute(
        select(Opd.id, Opd.slug, Opd.short_name).where(Opd.id.in_(list(kept))))}
    return {
        "from": first.isoformat(), "to": last.isoformat(),
        "opds": [{"opd": names[opd_id][0], "short_name": names[opd_id][1], **summary_doc(kept[opd_id])}
                 for opd_id in sorted(kept, key=lambda opd_id: names[opd_id][1].lower())],
    }
