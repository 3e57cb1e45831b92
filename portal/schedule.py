"""The status of a service unit on a date, and why. Pure: plain values in, plain values out.

Precedence, first match wins (DESIGN.md):

1. a staff override for that unit and date;
2. a holiday (national, cuti bersama or local) closes the unit, unless it is open 24/7;
3. the policy phase in force that day, unless the unit is essential or its OPD is exempt;
4. the unit's regular weekly hours (closed on days it has none).

Every answer carries the rule that decided (``Source``) and the facts behind it (the phase, the
holiday, the override), so a page can explain the status to a citizen in her own language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

ALL_DAY = (time(0, 0), time(23, 59))


class Status(StrEnum):
    OPEN = "open"  # buka tatap muka
    LIMITED = "limited"  # tatap muka terbatas
    ONLINE = "online"  # layanan daring saja
    CLOSED = "closed"  # tutup / libur

    @property
    def onsite(self) -> bool:
        return self in (Status.OPEN, Status.LIMITED)


class Source(StrEnum):
    """Which rule decided a day's status."""

    OVERRIDE = "override"  # a staff decision for this unit and date
    HOLIDAY = "holiday"  # a national holiday, cuti bersama or local holiday closes the unit
    HOLIDAY_24_7 = "holiday_24_7"  # a holiday, but the unit is open 24/7
    PHASE = "phase"  # the WFH rule of the phase in force changed the day
    ESSENTIAL = "essential"  # the phase would have applied, but the unit is essential
    EXEMPT = "exempt"  # the phase would have applied, but the unit's OPD is exempt
    REGULAR = "regular"  # the unit's regular weekly hours
    NO_HOURS = "no_hours"  # the unit has no regular hours on this weekday


class RuleKind(StrEnum):
    REGULAR = "regular"  # a baseline phase: nothing changes
    WFH_WEEKDAYS = "wfh_weekdays"  # non-essential units are online-only on given weekdays
    FIFTY_FIFTY = "fifty_fifty"  # non-essential units serve on-site with reduced capacity
    ROTATION = "rotation"  # two groups of units alternate their on-site days


class RotationGroup(StrEnum):
    A = "A"
    B = "B"


@dataclass(frozen=True)
class Unit:
    """What the rules need to know about a service unit."""

    id: int
    weekly_hours: Mapping[int, tuple[time, time]]  # weekday (0 = Monday) -> (opens, closes)
    opd_id: int = 0
    essential: bool = False
    open_24_7: bool = False
    rotation_group: RotationGroup = RotationGroup.A

    def regular_hours(self, day: date) -> tuple[time, time] | None:
        if self.open_24_7:
            return ALL_DAY
        return self.weekly_hours.get(day.weekday())


@dataclass(frozen=True)
class Phase:
    id: int
    name: str
    starts_on: date
    ends_on: date | None  # inclusive; None while the phase has no end
    rule: RuleKind
    wfh_weekdays: frozenset[int] = frozenset()
    note: str = ""  # e.g. the capacity note of a 50-50 phase
    exempt_opd_ids: frozenset[int] = frozenset()
    name_en: str | None = None
    note_en: str | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str
    kind: str = "national"  # national, cuti_bersama, local
    name_en: str | None = None


@dataclass(frozen=True)
class Override:
    id: int
    unit_id: int
    starts_on: date
    ends_on: date  # inclusive
    status: Status
    reason: str
    opens: time | None = None
    closes: time | None = None
    created_at: datetime | None = None
    by_city_admin: bool = False  # decided by the city administration, not the unit's agency

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class DayStatus:
    day: date
    status: Status
    source: Source
    opens: time | None = None
    closes: time | None = None
    phase: Phase | None = None
    holiday: Holiday | None = None
    override: Override | None = None
    rotation_group: RotationGroup | None = None

    @property
    def onsite(self) -> bool:
        return self.status.onsite

    @property
    def all_day(self) -> bool:
        return (self.opens, self.closes) == ALL_DAY


@dataclass
class Calendar:
    """The city-wide facts for a span of days: phases, holidays and overrides by unit."""

    phases: Sequence[Phase] = ()
    holidays: Mapping[date, Holiday] = field(default_factory=dict)
    overrides: Mapping[int, Sequence[Override]] = field(default_factory=dict)

    def phase_on(self, day: date) -> Phase | None:
        return phase_on(self.phases, day)

    def status(self, unit: Unit, day: date) -> DayStatus:
        return status_on(
            unit, day, phases=self.phases, holidays=self.holidays,
            overrides=self.overrides.get(unit.id, ()),
        )

    def days(self, unit: Unit, start: date, count: int) -> list[DayStatus]:
        return [self.status(unit, day) for day in date_range(start, count)]

    def next_onsite_day(self, unit: Unit, start: date, horizon: int = 366) -> DayStatus | None:
        return next_onsite_day(
            unit, start, phases=self.phases, holidays=self.holidays,
            overrides=self.overrides.get(unit.id, ()), horizon=horizon,
        )


def date_range(start: date, count: int) -> Iterator[date]:
    for offset in range(count):
        yield start + timedelta(days=offset)


def phase_on(phases: Iterable[Phase], day: date) -> Phase | None:
    """The phase in force on ``day``; when phases overlap, the one that started last."""
    in_force = [phase for phase in phases if phase.covers(day)]
    return max(in_force, key=lambda p: (p.starts_on, p.id), default=None)


def override_on(overrides: Iterable[Override], day: date) -> Override | None:
    """The override for ``day``; when several cover it, the most recent decision."""
    covering = [o for o in overrides if o.covers(day)]
    return max(covering, key=lambda o: (o.created_at or datetime.min, o.id), default=None)


def rotation_onsite(group: RotationGroup, day: date) -> bool:
    """Group A serves on-site Mon/Wed/Fri in odd ISO weeks and Tue/Thu in even ones; B the opposite."""
    parity = (day.isocalendar().week + day.weekday()) % 2
    return parity == (1 if group is RotationGroup.A else 0)


def _phase_status(unit: Unit, day: date, phase: Phase) -> tuple[Status, RotationGroup | None] | None:
    """What the phase's rule makes of a working day of the unit, or None when it changes nothing."""
    if phase.rule is RuleKind.WFH_WEEKDAYS and day.weekday() in phase.wfh_weekdays:
        return Status.ONLINE, None
    if phase.rule is RuleKind.FIFTY_FIFTY:
        return Status.LIMITED, None
    if phase.rule is RuleKind.ROTATION:
        group = unit.rotation_group
        return (Status.OPEN if rotation_onsite(group, day) else Status.ONLINE), group
    return None


def status_on(
    unit: Unit,
    day: date,
    *,
    phases: Sequence[Phase] = (),
    holidays: Mapping[date, Holiday] | None = None,
    overrides: Iterable[Override] = (),
) -> DayStatus:
    """The status of ``unit`` on ``day`` and the rule that decided it."""
    regular = unit.regular_hours(day)
    phase = phase_on(phases, day)

    override = override_on((o for o in overrides if o.unit_id == unit.id), day)
    if override is not None:
        opens, closes = override.opens, override.closes
        if override.status is Status.CLOSED:
            opens = closes = None
        elif opens is None and regular is not None:
            opens, closes = regular
        return DayStatus(day, override.status, Source.OVERRIDE, opens, closes,
                         phase=phase, override=override)

    holiday = (holidays or {}).get(day)
    if holiday is not None:
        if unit.open_24_7:
            return DayStatus(day, Status.OPEN, Source.HOLIDAY_24_7, *ALL_DAY,
                             phase=phase, holiday=holiday)
        return DayStatus(day, Status.CLOSED, Source.HOLIDAY, phase=phase, holiday=holiday)

    if regular is None:
        return DayStatus(day, Status.CLOSED, Source.NO_HOURS, phase=phase)

    if phase is not None:
        changed = _phase_status(unit, day, phase)
        if changed is not None:
            if unit.essential:
                return DayStatus(day, Status.OPEN, Source.ESSENTIAL, *regular, phase=phase)
            if unit.opd_id in phase.exempt_opd_ids:
                return DayStatus(day, Status.OPEN, Source.EXEMPT, *regular, phase=phase)
            status, group = changed
            return DayStatus(day, status, Source.PHASE, *regular, phase=phase, rotation_group=group)

    return DayStatus(day, Status.OPEN, Source.REGULAR, *regular, phase=phase)


def next_onsite_day(
    unit: Unit,
    start: date,
    *,
    phases: Sequence[Phase] = (),
    holidays: Mapping[date, Holiday] | None = None,
    overrides: Iterable[Override] = (),
    horizon: int = 366,
) -> DayStatus | None:
    """The first day from ``start`` (included) on which the unit serves on-site, within ``horizon`` days."""
    overrides = [o for o in overrides if o.unit_id == unit.id]
    for day in date_range(start, horizon):
        result = status_on(unit, day, phases=phases, holidays=holidays, overrides=overrides)
        if result.onsite:
            return result
    return None


@dataclass(frozen=True)
class Change:
    """A unit whose status on a day differs between two sets of rules."""

    unit_id: int
    before: DayStatus
    after: DayStatus

    @property
    def day(self) -> date:
        return self.before.day


def changes(units: Iterable[Unit], start: date, count: int, before: Calendar, after: Calendar) -> list[Change]:
    """Every (unit, day) from ``start`` for ``count`` days whose status differs from ``before`` to
    ``after`` (e.g. the rules in force, and the same rules with a proposed phase)."""
    found = []
    for unit in units:
        for day in date_range(start, count):
            old, new = before.status(unit, day), after.status(unit, day)
            if old.status is not new.status:
                found.append(Change(unit.id, old, new))
    return sorted(found, key=lambda change: (change.day, change.unit_id))
