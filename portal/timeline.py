"""The trial's timeline: which policy phases were, are and will be in force around a day, a
representative day of each, and where phases begin and end in a span of days.

Pure: ``schedule``'s plain values in, plain values out; no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .schedule import Holiday, Phase, RuleKind, phase_on

# An open-ended phase is sampled as if it lasted this long (its first weeks are what a visitor
# of the timeline wants to see).
OPEN_ENDED_SAMPLE_DAYS = 28


class When(StrEnum):
    PAST = "past"
    CURRENT = "current"  # in force on the chosen day
    UPCOMING = "upcoming"
    REPLACED = "replaced"  # not ended, but a phase that started later is in force instead


@dataclass(frozen=True)
class Stage:
    """One phase on the timeline, seen from the chosen day."""

    phase: Phase
    when: When
    sample_day: date | None  # a day on which the phase's rule applies, None when it never does

    @property
    def changes_work(self) -> bool:
        """A work-from-home phase (not a return to the regular pattern)."""
        return self.phase.rule is not RuleKind.REGULAR


@dataclass(frozen=True)
class Timeline:
    day: date
    stages: list[Stage]

    @property
    def current(self) -> Stage | None:
        return next((stage for stage in self.stages if stage.when is When.CURRENT), None)

    @property
    def work_from_home_in_force(self) -> bool:
        return self.current is not None and self.current.changes_work

    @property
    def nearest(self) -> Stage | None:
        """When no work-from-home phase is in force: the nearest one, before or after the day
        (the upcoming one when both are as near)."""
        if self.work_from_home_in_force:
            return None
        candidates = [stage for stage in self.stages if stage.changes_work]
        return min(candidates, key=lambda stage: (distance(stage.phase, self.day),
                                                  stage.when is not When.UPCOMING), default=None)


def distance(phase: Phase, day: date) -> int:
    """Days between ``day`` and the nearest day of ``phase`` (0 inside it)."""
    if day < phase.starts_on:
        return (phase.starts_on - day).days
    if phase.ends_on is not None and day > phase.ends_on:
        return (day - phase.ends_on).days
    return 0


def build(phases: Sequence[Phase], holidays: Mapping[date, Holiday], day: date) -> Timeline:
    """Every phase in order of its start, marked past, in force or upcoming as seen from ``day``."""
    current = phase_on(phases, day)
    stages = []
    for phase in sorted(phases, key=lambda p: (p.starts_on, p.id)):
        if current is not None and phase.id == current.id:
            when = When.CURRENT
        elif phase.starts_on > day:
            when = When.UPCOMING
        elif phase.ends_on is not None and phase.ends_on < day:
            when = When.PAST
        else:
            when = When.REPLACED
        stages.append(Stage(phase, when, sample_day(phase, phases, holidays)))
    return Timeline(day, stages)


def applies(phase: Phase, phases: Sequence[Phase], holidays: Mapping[date, Holiday], day: date) -> bool:
    """Whether ``phase`` decides ``day``: in force then (not overlapped), not a holiday, and a
    day its rule is about (a WFH weekday; a working day for the other rules)."""
    if day in holidays or not phase.covers(day):
        return False
    in_force = phase_on(phases, day)
    if in_force is None or in_force.id != phase.id:
        return False
    if phase.rule is RuleKind.WFH_WEEKDAYS:
        return day.weekday() in phase.wfh_weekdays
    return day.weekday() < 5


def sample_day(phase: Phase, phases: Sequence[Phase], holidays: Mapping[date, Holiday]) -> date | None:
    """The day that shows the phase best: the one nearest its middle on which its rule applies
    (the earlier of two as near). Tahap I (1–30 Nov 2025, WFH Thursdays) → Thursday 13 Nov."""
    last = phase.ends_on or phase.starts_on + timedelta(days=OPEN_ENDED_SAMPLE_DAYS - 1)
    span = (last - phase.starts_on).days
    middle = phase.starts_on + timedelta(days=span // 2)
    for offset in range(span + 1):
        for day in (middle - timedelta(days=offset), middle + timedelta(days=offset)):
            if phase.starts_on <= day <= last and applies(phase, phases, holidays, day):
                return day
    return None


@dataclass(frozen=True)
class Boundary:
    """The first day of a phase (``starts``) or the first day after one without a next
    (``starts`` is None) within a span of days."""

    day: date
    starts: Phase | None
    ends: Phase | None


def boundaries(phases: Sequence[Phase], days: Iterable[date]) -> dict[date, Boundary]:
    """The days of ``days`` on which the phase in force differs from the day before."""
    found = {}
    for day in days:
        now, before = phase_on(phases, day), phase_on(phases, day - timedelta(days=1))
        if (now and now.id) != (before and before.id):
            found[day] = Boundary(day, now, before)
    return found
