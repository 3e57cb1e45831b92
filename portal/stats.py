"""Output and disruption statistics: what /statistik, /statistik.csv and the API show.

Two layers. ``load()`` runs a handful of queries and turns rows into plain values (``DayRecord``,
``ReportFact``, ``CostFact``); everything else is pure arithmetic on those values, so that each
figure can be checked by hand. The definitions written on the page are the docstrings here:

- output per staff-day = the output of the chosen indicator (all indicators summed when none is
  chosen) ÷ the staff on duty, both summed over the OPD-days in that work mode;
- WFH/WFO ratio = output per staff-day on WFH ÷ output per staff-day on WFO;
- compliance = daily performance reports submitted ÷ reports due;
- completeness = OPD working days with a record ÷ OPD working days expected (Monday to Friday
  without holidays, up to today, for every OPD that has an output indicator);
- a day without a record is missing: it is left out of every figure, never counted as zero.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Date, bindparam, case, func, literal, null, select, text
from sqlalchemy.orm import selectinload

from . import schedule
from .clock import zone
from .clock import today as current_day
from .extensions import db
from .models import (Holiday, OperationalCost, Opd, OutputDay, OutputDaySum, OutputDayTotal, OutputIndicator,
                     OutputMonthTotal, OutputQuantity, PolicyPhase, Report, ReportMonthSealed, ReportMonthTotal,
                     ReportTiming)
from .workdays import add_working_days, is_working_day

WFO, WFH = "wfo", "wfh"
MODES = (WFO, WFH)


# --- plain facts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRecord:
    """One OPD's day in one work mode, with the output of the indicators that count."""

    opd_id: int
    day: date
    mode: str
    output: int
    staff: int
    reports_due: int
    reports_submitted: int


@dataclass(frozen=True)
class ReportFact:
    """A disruption report as the statistics see it: no text, no person."""

    opd_id: int
    category: str
    created_at: datetime
    created_on: date  # in the portal's time zone
    first_response_at: datetime | None
    answered_on: date | None  # in the portal's time zone


@dataclass(frozen=True)
class CostFact:
    opd_id: int
    month: date  # first day of the month
    category: str
    amount: int


@dataclass(frozen=True)
class OpdInfo:
    id: int
    slug: str
    short_name: str
    name: str


# --- arithmetic -------------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator ÷ denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class Figures:
    """Sums over a set of OPD-day records of one kind (a mode, a phase, a week...)."""

    records: int = 0  # OPD-days in this mode with a record
    output: int = 0
    staff_days: int = 0
    reports_due: int = 0
    reports_submitted: int = 0

    @property
    def output_per_staff_day(self) -> float | None:
        return ratio(self.output, self.staff_days)

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.records + other.records, self.output + other.output, self.staff_days + other.staff_days,
                       self.reports_due + other.reports_due, self.reports_submitted + other.reports_submitted)

    @property
    def compliance(self) -> float | None:
        return ratio(self.reports_submitted, self.reports_due)


def figures(records: Iterable[DayRecord]) -> Figures:
    count = output = staff = due = submitted = 0
    for record in records:
        count += 1
        output += record.output
        staff += record.staff
        due += record.reports_due
        submitted += record.reports_submitted
    return Figures(count, output, staff, due, submitted)


@dataclass(frozen=True)
class Comparison:
    """WFO against WFH for a set of records."""

    wfo: Figures
    wfh: Figures
    all: Figures
    days_with_records: int  # distinct (OPD, date) pairs

    @property
    def ratio(self) -> float | None:
        """Output per staff-day on WFH ÷ output per staff-day on WFO."""
        return ratio(self.wfh.output_per_staff_day, self.wfo.output_per_staff_day)

    @property
    def output_per_recorded_day(self) -> float | None:
        """Mean output of an OPD on a day with records (both modes together)."""
        return ratio(self.all.output, self.days_with_records)

    def mode(self, mode: str) -> Figures:
        return self.wfh if mode == WFH else self.wfo


def compare(records: Iterable[DayRecord]) -> Comparison:
    records = list(records)
    return Comparison(
        wfo=figures(r for r in records if r.mode == WFO),
        wfh=figures(r for r in records if r.mode == WFH),
        all=figures(records),
        days_with_records=len({(r.opd_id, r.day) for r in records}),
    )


@dataclass(frozen=True)
class PhaseRow:
    phase: schedule.Phase | None  # None: records on dates that no phase covers
    starts_on: date  # the phase clipped to the range
    ends_on: date
    comparison: Comparison


def by_phase(records: Sequence[DayRecord], phases: Sequence[schedule.Phase], start: date,
             end: date) -> list[PhaseRow]:
    """Every phase that overlaps [start, end], in order, with the records of its dates."""
    rows = []
    covered: set[int] = set()
    for phase in sorted(phases, key=lambda p: p.starts_on):
        if not (phase.starts_on <= end and (phase.ends_on is None or phase.ends_on >= start)):
            continue
        inside = [r for r in records if phase.covers(r.day)]
        covered.update(id(r) for r in inside)
        rows.append(PhaseRow(phase, max(phase.starts_on, start), min(phase.ends_on or end, end),
                             compare(inside)))
    outside = [r for r in records if id(r) not in covered]
    if outside:
        rows.append(PhaseRow(None, min(r.day for r in outside), max(r.day for r in outside),
                             compare(outside)))
    return rows


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekRow:
    week_start: date  # Monday
    comparison: Comparison

    @property
    def iso_week(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


def by_week(records: Sequence[DayRecord], start: date, end: date) -> list[WeekRow]:
    """Every week (Monday to Sunday) that overlaps [start, end]; weeks without records stay
    in the list with empty figures, so a chart shows the gap."""
    grouped: dict[date, list[DayRecord]] = defaultdict(list)
    for record in records:
        grouped[monday(record.day)].append(record)
    rows = []
    week = monday(start)
    while week <= end:
        rows.append(WeekRow(week, compare(grouped.get(week, []))))
        week += timedelta(days=7)
    return rows


def working_days(start: date, end: date, holidays: Container[date]) -> list[date]:
    days = []
    day = start
    while day <= end:
        if is_working_day(day, holidays):
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class Completeness:
    days_with_records: int
    expected_days: int

    @property
    def share(self) -> float | None:
        return ratio(self.days_with_records, self.expected_days)

    @property
    def missing_days(self) -> int:
        return self.expected_days - self.days_with_records


def completeness(records: Iterable[DayRecord], expected_opd_ids: Iterable[int],
                 expected_days: Sequence[date]) -> Completeness:
    """OPD working days with a record ÷ OPD working days expected. Records on other days (a
    weekend, an OPD without indicators) count in the figures but not here."""
    opd_ids = set(expected_opd_ids)
    days = set(expected_days)
    recorded = {(r.opd_id, r.day) for r in records if r.opd_id in opd_ids and r.day in days}
    return Completeness(len(recorded), len(opd_ids) * len(days))


# --- disruption reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFigures:
    count: int = 0
    answered: int = 0
    answered_within_target: int = 0
    pending: int = 0  # not answered yet, still within the target
    median_hours: float | None = None  # the median of the hours from a report to its first answer

    @property
    def due(self) -> int:
        """Reports whose target has passed or that were answered: the base of the share."""
        return self.count - self.pending

    @property
    def share_within_target(self) -> float | None:
        return ratio(self.answered_within_target, self.due)


def report_deadline(created_on: date, target_days: int, holidays: Container[date]) -> date:
    """The last day on which an answer counts as within the target of N working days."""
    return add_working_days(created_on, target_days, holidays)


def report_figures(facts: Iterable[ReportFact], target_days: int, holidays: Container[date],
                   today: date) -> ReportFigures:
    count = answered = within = pending = 0
    hours = []
    deadlines: dict[date, date] = {}  # reports share their dates: count the working days once per date
    for fact in facts:
        count += 1
        deadline = deadlines.get(fact.created_on)
        if deadline is None:
            deadline = deadlines[fact.created_on] = report_deadline(fact.created_on, target_days, holidays)
        if fact.first_response_at is not None:
            answered += 1
            hours.append((fact.first_response_at - fact.created_at).total_seconds() / 3600)
            if fact.answered_on <= deadline:
                within += 1
        elif today <= deadline:
            pending += 1
    return ReportFigures(count, answered, within, pending, median(hours))


# --- operational cost -------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months(start: date, end: date) -> list[date]:
    """First days of the months that overlap [start, end]."""
    result = []
    month = month_start(start)
    while month <= end:
        result.append(month)
        month = next_month(month)
    return result


def baseline_phase(phases: Sequence[schedule.Phase]) -> schedule.Phase | None:
    """The regular phase that ends last before the first trial phase (any other rule) starts."""
    trial_starts = [p.starts_on for p in phases if p.rule is not schedule.RuleKind.REGULAR]
    if not trial_starts:
        return None
    first_trial = min(trial_starts)
    before = [p for p in phases if p.rule is schedule.RuleKind.REGULAR and p.ends_on is not None
              and p.ends_on < first_trial]
    return max(before, key=lambda p: p.ends_on, default=None)


def in_phase(month: date, phase: schedule.Phase | None) -> bool:
    """The whole month lies within the phase."""
    last = next_month(month) - timedelta(days=1)
    return phase is not None and phase.covers(month) and phase.covers(last)


@dataclass(frozen=True)
class CostMonth:
    month: date
    by_category: dict[str, int]
    opds_reporting: int
    baseline: bool  # the month lies in the baseline phase
    change_vs_baseline: float | None  # (total − baseline mean) ÷ baseline mean

    @property
    def total(self) -> int | None:
        return sum(self.by_category.values()) if self.by_category else None


@dataclass(frozen=True)
class CostSummary:
    months: list[CostMonth]
    baseline: schedule.Phase | None
    baseline_mean: float | None  # mean monthly total of the baseline months in the range

    @property
    def has_data(self) -> bool:
        return any(m.by_category for m in self.months)


def cost_summary(facts: Iterable[CostFact], month_list: Sequence[date],
                 baseline: schedule.Phase | None) -> CostSummary:
    grouped: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reporting: dict[date, set[int]] = defaultdict(set)
    for fact in facts:
        grouped[fact.month][fact.category] += fact.amount
        reporting[fact.month].add(fact.opd_id)
    base_totals = [sum(grouped[m].values()) for m in month_list if in_phase(m, baseline) and grouped.get(m)]
    base_mean = ratio(sum(base_totals), len(base_totals)) if base_totals else None
    rows = []
    for month in month_list:
        by_category = dict(grouped.get(month, {}))
        total = sum(by_category.values()) if by_category else None
        change = ratio(total - base_mean, base_mean) if total is not None and base_mean else None
        rows.append(CostMonth(month, by_category, len(reporting.get(month, ())),
                              in_phase(month, baseline), change))
    return CostSummary(rows, baseline, base_mean)


# --- per OPD and the ranking ------------------------------------------------------------------


@dataclass(frozen=True)
class OpdRow:
    opd: OpdInfo
    comparison: Comparison
    completeness: Completeness
    reports: ReportFigures


# ?urut= keys: the value each sorts by (None sorts last whatever the direction).
SORT_KEYS: dict[str, Callable[[OpdRow], object]] = {
    "opd": lambda row: row.opd.short_name.lower(),
    "wfo": lambda row: row.comparison.wfo.output_per_staff_day,
    "wfh": lambda row: row.comparison.wfh.output_per_staff_day,
    "ratio": lambda row: row.comparison.ratio,
    "compliance_wfo": lambda row: row.comparison.wfo.compliance,
    "compliance_wfh": lambda row: row.comparison.wfh.compliance,
    "completeness": lambda row: row.completeness.share,
    "reports": lambda row: row.reports.count,
    "within_target": lambda row: row.reports.share_within_target,
    "median_hours": lambda row: row.reports.median_hours,
}
DEFAULT_SORT = "opd"


def sort_rows(rows: Sequence[OpdRow], sort: str) -> list[OpdRow]:
    """Sort by a key of SORT_KEYS; a leading "-" sorts descending. Missing values go last,
    ties keep the OPDs in name order."""
    descending = sort.startswith("-")
    key = SORT_KEYS[sort.lstrip("-")]
    by_name = sorted(rows, key=SORT_KEYS["opd"])
    present = [row for row in by_name if key(row) is not None]
    missing = [row for row in by_name if key(row) is None]
    return sorted(present, key=key, reverse=descending) + missing


def valid_sort(sort: str) -> bool:
    return sort.lstrip("-") in SORT_KEYS and sort.count("-") <= 1 and not sort.endswith("-")


# --- the range ---------------------------------------------------------------------------------

MAX_RANGE_DAYS = 731


def default_range(phases: Sequence[schedule.Phase], today: date) -> tuple[date, date]:
    """The trial phases and the two months before them (the baseline); without a trial phase,
    the last 90 days."""
    trial = [p for p in phases if p.rule is not schedule.RuleKind.REGULAR]
    if not trial:
        return today - timedelta(days=90), today
    start = month_start(min(p.starts_on for p in trial))
    for _ in range(2):
        start = month_start(start - timedelta(days=1))
    ends = [p.ends_on for p in trial]
    end = today if None in ends else max(ends)
    return start, max(start, end)


# --- everything together ----------------------------------------------------------------------


@dataclass
class Statistics:
    start: date
    end: date
    today: date
    target_days: int
    comparison: Comparison
    completeness: Completeness
    phases: list[PhaseRow]
    weeks: list[WeekRow]
    opds: list[OpdRow]
    reports: ReportFigures
    reports_by_category: dict[str, ReportFigures]
    costs: CostSummary
    sort: str = DEFAULT_SORT
    all_phases: Sequence[schedule.Phase] = ()  # every policy phase, as read for these figures


@dataclass
class RecordSums:
    """The day records of a range summed per date and mode, and per OPD and mode: everything the
    statistics need from them, a few hundred rows whatever the number of records (the database
    sums the daily totals; ``sum_records`` does the same from DayRecords)."""

    by_day: dict[tuple[date, str], Figures] = field(default_factory=dict)
    opds_by_day: dict[date, int] = field(default_factory=dict)  # OPDs with a record on the date
    by_opd: dict[tuple[int, str], Figures] = field(default_factory=dict)
    days_by_opd: dict[int, int] = field(default_factory=dict)  # dates with a record, per OPD
    expected_days_by_opd: dict[int, int] = field(default_factory=dict)  # of those, expected working days


def sum_records(records: Iterable[DayRecord], expected_days: Container[date]) -> RecordSums:
    """RecordSums from plain records (the raw path and the hand-made tests)."""
    sums = RecordSums()
    opd_days: set[tuple[int, date]] = set()
    for r in records:
        one = Figures(1, r.output, r.staff, r.reports_due, r.reports_submitted)
        sums.by_day[(r.day, r.mode)] = sums.by_day.get((r.day, r.mode), Figures()) + one
        sums.by_opd[(r.opd_id, r.mode)] = sums.by_opd.get((r.opd_id, r.mode), Figures()) + one
        opd_days.add((r.opd_id, r.day))
    for opd_id, day in opd_days:
        sums.opds_by_day[day] = sums.opds_by_day.get(day, 0) + 1
        sums.days_by_opd[opd_id] = sums.days_by_opd.get(opd_id, 0) + 1
        if day in expected_days:
            sums.expected_days_by_opd[opd_id] = sums.expected_days_by_opd.get(opd_id, 0) + 1
    return sums


def comparison_of_days(sums: RecordSums, days: Iterable[date]) -> Comparison:
    """The comparison of the records on these dates."""
    days = list(days)
    by_day, opds_by_day = sums.by_day, sums.opds_by_day
    wfo = total_of([found for day in days if (found := by_day.get((day, WFO))) is not None])
    wfh = total_of([found for day in days if (found := by_day.get((day, WFH))) is not None])
    count = sum(opds_by_day.get(day, 0) for day in days)
    return Comparison(wfo=wfo, wfh=wfh, all=wfo + wfh, days_with_records=count)


def total_of(items: Iterable[Figures]) -> Figures:
    """The sum of Figures (one Figures made, not one per item added)."""
    records = output = staff = due = submitted = 0
    for item in items:
        records += item.records
        output += item.output
        staff += item.staff_days
        due += item.reports_due
        submitted += item.reports_submitted
    return Figures(records, output, staff, due, submitted)


def phase_rows(sums: RecordSums, phases: Sequence[schedule.Phase], start: date, end: date) -> list[PhaseRow]:
    """by_phase() from the sums per date."""
    days = sorted(sums.opds_by_day)
    rows = []
    covered: set[date] = set()
    for phase in sorted(phases, key=lambda p: p.starts_on):
        if not (phase.starts_on <= end and (phase.ends_on is None or phase.ends_on >= start)):
            continue
        inside = [day for day in days if phase.covers(day)]
        covered.update(inside)
        rows.append(PhaseRow(phase, max(phase.starts_on, start), min(phase.ends_on or end, end),
                             comparison_of_days(sums, inside)))
    outside = [day for day in days if day not in covered]
    if outside:
        rows.append(PhaseRow(None, outside[0], outside[-1], comparison_of_days(sums, outside)))
    return rows


def week_rows(sums: RecordSums, start: date, end: date) -> list[WeekRow]:
    """by_week() from the sums per date."""
    grouped: dict[date, list[date]] = defaultdict(list)
    for day in sums.opds_by_day:
        grouped[monday(day)].append(day)
    rows = []
    week = monday(start)
    while week <= end:
        rows.append(WeekRow(week, comparison_of_days(sums, grouped.get(week, []))))
        week += timedelta(days=7)
    return rows


@dataclass
class ReportGroups:
    """The report figures of a range: all reports, per OPD and per category."""

    total: ReportFigures = field(default_factory=ReportFigures)
    by_opd: dict[int, ReportFigures] = field(default_factory=dict)
    by_category: dict[str, ReportFigures] = field(default_factory=dict)


def report_groups(facts: Sequence[ReportFact], target_days: int, holidays: Container[date],
                  today: date) -> ReportGroups:
    """ReportGroups from plain facts (the raw path and the hand-made tests)."""
    by_opd: dict[int, list[ReportFact]] = defaultdict(list)
    by_category: dict[str, list[ReportFact]] = defaultdict(list)
    for fact in facts:
        by_opd[fact.opd_id].append(fact)
        by_category[fact.category].append(fact)
    return ReportGroups(
        total=report_figures(facts, target_days, holidays, today),
        by_opd={opd_id: report_figures(group, target_days, holidays, today) for opd_id, group in by_opd.items()},
        by_category={category: report_figures(group, target_days, holidays, today)
                     for category, group in sorted(by_category.items())},
    )


def overdue_after(today: date, target_days: int, holidays: Container[date]) -> date:
    """The last creation date whose unanswered reports are past their deadline today: those
    created later are still pending (a deadline never moves back as the creation date advances)."""
    day = today - timedelta(days=1)
    while report_deadline(day, target_days, holidays) >= today:
        day -= timedelta(days=1)
    return day


def compute(*, start: date, end: date, today: date, records: Sequence[DayRecord] | None = None,
            sums: RecordSums | None = None, reports: Sequence[ReportFact] = (),
            report_sums: ReportGroups | None = None, costs: Sequence[CostFact],
            phases: Sequence[schedule.Phase], all_phases: Sequence[schedule.Phase], holidays: Container[date],
            opds: Sequence[OpdInfo], expected_opd_ids: Iterable[int], target_days: int,
            sort: str = DEFAULT_SORT, expected_dates: Sequence[date] | None = None) -> Statistics:
    """All the figures of a range from plain facts (no database, no request): the day records
    themselves or their sums (``expected_days_by_opd`` counted over ``expected_days()``), and the
    reports themselves or their figures (``report_sums``); ``expected_dates``: expected_days()
    when the caller has them already."""
    expected_opd_ids = set(expected_opd_ids)
    expected = expected_days(start, end, today, holidays) if expected_dates is None else expected_dates
    if sums is None:
        sums = sum_records(records or (), set(expected))
    if report_sums is None:
        report_sums = report_groups(reports, target_days, holidays, today)
    shown = expected_opd_ids | set(sums.days_by_opd) | set(report_sums.by_opd)

    def opd_comparison(opd_id: int) -> Comparison:
        wfo, wfh = sums.by_opd.get((opd_id, WFO), Figures()), sums.by_opd.get((opd_id, WFH), Figures())
        return Comparison(wfo=wfo, wfh=wfh, all=wfo + wfh, days_with_records=sums.days_by_opd.get(opd_id, 0))

    def opd_completeness(opd_id: int) -> Completeness:
        if opd_id not in expected_opd_ids:
            return Completeness(0, 0)
        return Completeness(sums.expected_days_by_opd.get(opd_id, 0), len(expected))

    rows = [
        OpdRow(opd=opd, comparison=opd_comparison(opd.id), completeness=opd_completeness(opd.id),
               reports=report_sums.by_opd.get(opd.id, ReportFigures()))
        for opd in opds if opd.id in shown
    ]
    return Statistics(
        start=start, end=end, today=today, target_days=target_days,
        comparison=comparison_of_days(sums, sums.opds_by_day),
        completeness=Completeness(sum(sums.expected_days_by_opd.get(opd_id, 0) for opd_id in expected_opd_ids),
                                  len(expected_opd_ids) * len(expected)),
        phases=phase_rows(sums, phases, start, end),
        weeks=week_rows(sums, start, end),
        opds=sort_rows(rows, sort),
        reports=report_sums.total,
        reports_by_category=dict(sorted(report_sums.by_category.items())),
        costs=cost_summary(costs, months(start, end), baseline_phase(all_phases)),
        sort=sort,
        all_phases=tuple(all_phases),
    )


def expected_days(start: date, end: date, today: date, holidays: Container[date]) -> list[date]:
    """The working days of the range up to today: those completeness expects a record on."""
    return working_days(start, min(end, today), holidays)


# --- loading from the database ----------------------------------------------------------------


def load_phases() -> list[schedule.Phase]:
    """Every policy phase with its exempt OPDs (one query each, not one per phase)."""
    query = select(PolicyPhase).options(selectinload(PolicyPhase.exempt_opds))
    return [p.as_schedule_phase() for p in db.session.scalars(query)]


def daily_sums(start: date, end: date, opd_id: int | None, expected: set[date], *,
               per_day: bool = True) -> RecordSums:
    """RecordSums summed by the database from the daily totals of [start, end]: two grouped passes
    (per date, per OPD; both modes side by side), one row per date and per OPD."""
    t = OutputDayTotal
    where = [t.day.between(start, end)] + ([t.opd_id == opd_id] if opd_id is not None else [])

    def sums_of(mode: str) -> list:
        """count, output, staff, due, submitted of the rows in this mode (NULL sums: none)."""
        in_mode = t.mode == mode
        return [func.count(case((in_mode, 1)))] + [
            func.sum(case((in_mode, column))) for column in (t.output, t.staff_on_duty, t.reports_due,
                                                             t.reports_submitted)]

    def put(target: dict, key, mode: str, row) -> None:
        if row[0]:  # only a date or OPD with rows in this mode, as sum_records() has them
            target[(key, mode)] = Figures(*(int(value or 0) for value in row))

    sums = RecordSums()
    connection = db.session.connection()  # plain rows, not through the ORM
    if per_day:
        by_day = select(t.day, *sums_of(WFO), *sums_of(WFH), func.count(t.opd_id.distinct())).where(*where)
        for day, *row in connection.execute(by_day.group_by(t.day)):
            put(sums.by_day, day, WFO, row[0:5])
            put(sums.by_day, day, WFH, row[5:10])
            sums.opds_by_day[day] = row[10]
    # Only the expected dates of [start, end] (the edges of a two-year range would otherwise bind
    # all ~470 of its working days, for a month's rows).
    wanted = sorted(day for day in expected if start <= day <= end)
    expected_day = case((t.day.in_(wanted), t.day)) if wanted else null()
    per_opd = select(t.opd_id, *sums_of(WFO), *sums_of(WFH), func.count(t.day.distinct()),
                     func.count(expected_day.distinct())).where(*where)
    for opd, *row in connection.execute(per_opd.group_by(t.opd_id)):
        put(sums.by_opd, opd, WFO, row[0:5])
        put(sums.by_opd, opd, WFH, row[5:10])
        sums.days_by_opd[opd] = row[10]
        if row[11]:
            sums.expected_days_by_opd[opd] = row[11]
    return sums


def record_sums(start: date, end: date, opd_id: int | None, expected: set[date]) -> RecordSums:
    """RecordSums of the daily totals. For every OPD, from their sums instead: the per-date
    figures from ``output_day_sum`` (one row per date), the per-OPD figures from
    ``output_month_total`` for the whole months of the range (one row per OPD and month) plus the
    daily totals of the days at its edges; the same figures, a few thousand rows whatever the
    number of records (portal/statistik/totals.py keeps both)."""
    if opd_id is not None:  # one agency: its daily totals are already few
        return daily_sums(start, end, opd_id, expected)
    whole = whole_months(start, end)
    if not whole:
        return daily_sums(start, end, None, expected)
    connection = db.session.connection()  # plain rows, not through the ORM
    mode_columns = {mode: [getattr(OutputDaySum, f"{mode}_{name}") for name in
                           ("records", "output", "staff", "due", "submitted")] for mode in MODES}

    def put(target: dict, key, row) -> None:
        for mode, values in zip(MODES, (row[0:5], row[5:10]), strict=True):
            if values[0]:
                found = target.get((key, mode))
                target[(key, mode)] = Figures(*values) if found is None else found + Figures(*values)

    # Per date: one row each.
    sums = RecordSums()
    d = OutputDaySum
    for day, opds, *row in connection.execute(
            select(d.day, d.opds, *mode_columns[WFO], *mode_columns[WFH]).where(d.day.between(start, end))):
        put(sums.by_day, day, row)
        sums.opds_by_day[day] = opds

    # Per OPD: the whole months, then the edges from the daily totals.
    m = OutputMonthTotal
    month_modes = [getattr(m, column.key) for column in (*mode_columns[WFO], *mode_columns[WFH])]
    last_expected = max(expected) if expected else None
    full_months = [month for month in whole if last_expected is not None and month_last(month) <= last_expected]
    # Every working day of a full month is expected: its weekdays with a record count, less holidays.
    expected_weekdays = (func.sum(case((m.month.in_(full_months), m.weekdays), else_=0)) if full_months
                         else literal(0))
    for opd, days, weekdays, *row in connection.execute(
            select(m.opd_id, func.sum(m.days), expected_weekdays, *(func.sum(column) for column in month_modes))
            .where(m.month.between(whole[0], whole[-1])).group_by(m.opd_id)):
        put(sums.by_opd, opd, [int(value) for value in row])
        sums.days_by_opd[opd] = int(days)
        if weekdays:
            sums.expected_days_by_opd[opd] = int(weekdays)
    # Records on the holidays of those months were counted among the weekdays.
    holidays = [day for month in full_months for day in days_of(month, month_last(month))
                if day.weekday() < 5 and day not in expected]
    if holidays:
        t = OutputDayTotal
        for opd, count in connection.execute(select(t.opd_id, func.count(t.day.distinct()))
                                              .where(t.day.in_(holidays)).group_by(t.opd_id)):
            sums.expected_days_by_opd[opd] -= count
    edges = [(start, whole[0] - timedelta(days=1)), (month_last(whole[-1]) + timedelta(days=1), end)]
    for first, last in edges:
        if first <= last:
            add_opd_sums(sums, daily_sums(first, last, None, expected, per_day=False))
    # The months with expected days that are not all expected (today falls in them): their
    # expected dates with a record, per OPD (the sums are those of the whole months above).
    for month in whole:
        if month not in full_months and last_expected is not None and month <= last_expected:
            days = sorted(day for day in expected if month <= day <= month_last(month))
            if not days:
                continue
            t = OutputDayTotal
            for opd, count in connection.execute(select(t.opd_id, func.count(t.day.distinct()))
                                                  .where(t.day.in_(days)).group_by(t.opd_id)):
                sums.expected_days_by_opd[opd] = sums.expected_days_by_opd.get(opd, 0) + count
    sums.expected_days_by_opd = {opd: count for opd, count in sums.expected_days_by_opd.items() if count}
    return sums


def add_opd_sums(sums: RecordSums, part: RecordSums) -> None:
    """Add the per-OPD sums of a disjoint part of the range."""
    for key, figures in part.by_opd.items():
        sums.by_opd[key] = sums.by_opd.get(key, Figures()) + figures
    for target, source in ((sums.days_by_opd, part.days_by_opd),
                           (sums.expected_days_by_opd, part.expected_days_by_opd)):
        for opd, count in source.items():
            target[opd] = target.get(opd, 0) + count


def month_last(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def whole_months(start: date, end: date) -> list[date]:
    """First days of the months that lie entirely within [start, end]."""
    return [month for month in months(start, end) if month >= start and month_last(month) <= end]


def days_of(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_records(start: date, end: date, *, opd_id: int | None = None,
                indicator_slug: str | None = None) -> list[DayRecord]:
    """One DayRecord per OPD, date and mode in [start, end], with the output summed over the raw
    quantities of every indicator (or of the one indicator): what the daily totals hold, and the
    only way to the figures of one indicator."""
    output = func.coalesce(func.sum(OutputQuantity.quantity), 0)
    query = (
        select(OutputDay.opd_id, OutputDay.day, OutputDay.mode, output, OutputDay.staff_on_duty,
               OutputDay.reports_due, OutputDay.reports_submitted)
        .select_from(OutputDay)
        .where(OutputDay.day.between(start, end))
        .group_by(OutputDay.id, OutputDay.opd_id, OutputDay.day, OutputDay.mode, OutputDay.staff_on_duty,
                  OutputDay.reports_due, OutputDay.reports_submitted)
    )
    if indicator_slug:
        # The indicator's ids first, so that the join reads only its quantities (by index).
        indicator_ids = select(OutputIndicator.id).where(OutputIndicator.slug == indicator_slug)
        query = (query.join(OutputQuantity, OutputQuantity.output_day_id == OutputDay.id)
                 .where(OutputQuantity.indicator_id.in_(indicator_ids)))
    else:
        query = query.outerjoin(OutputQuantity, OutputQuantity.output_day_id == OutputDay.id)
    if opd_id is not None:
        query = query.where(OutputDay.opd_id == opd_id)
    return [DayRecord(*row) for row in db.session.execute(query)]


def report_facts(start: date, end: date, opd_id: int | None) -> list[ReportFact]:
    """Disruption reports created in the range (local dates), spam left out: one fact per report,
    read from the reports themselves (the raw path)."""
    first = local_midnight(start)
    after = local_midnight(end + timedelta(days=1))
    query = (
        select(Report.opd_id, Report.category, Report.created_at, Report.first_response_at)
        .where(Report.is_spam.is_(False), Report.created_at >= first, Report.created_at < after)
    )
    if opd_id is not None:
        query = query.where(Report.opd_id == opd_id)
    tz = zone()  # once, not twice per report (a two-year range holds tens of thousands)
    return [
        ReportFact(opd_id, category, created, created.astimezone(tz).date(), answered,
                   answered.astimezone(tz).date() if answered else None)
        for opd_id, category, created, answered in db.session.execute(query)
    ]


def report_timing_sums(start: date, end: date, opd_id: int | None, target_days: int, holidays: Container[date],
                       today: date) -> ReportGroups:
    """ReportGroups from the report timings (portal/statistik/report_totals.py): plain numbers
    per report, read through a covering index, with no date or time zone arithmetic left to do
    per report; the same figures as ``report_groups()`` of the raw facts."""
    from .statistik.report_totals import answered_hours

    t = ReportTiming
    after = overdue_after(today, target_days, holidays)
    query = (select(t.opd_id, t.category, t.working_days_to_answer, t.answer_us, t.day > after)
             .where(t.day.between(start, end)))
    if opd_id is not None:
        query = query.where(t.opd_id == opd_id)
    # One pass, one dictionary step per report: [count, answered, within target, pending] and the
    # answer times per (OPD, category); the OPDs, the categories and the total are merged after.
    tallies: dict[tuple[int, str], list[int]] = {}
    answer_times: dict[tuple[int, str], list[int]] = {}
    for opd, category, working_days, answer_us, not_overdue in db.session.connection().execute(query):
        key = (opd, category)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = [0, 0, 0, 0]
            answer_times[key] = []
        tally[0] += 1
        if answer_us is not None:
            tally[1] += 1
            answer_times[key].append(answer_us)
            if working_days <= target_days:
                tally[2] += 1
        elif not_overdue:
            tally[3] += 1

    def figures_of(keys: list[tuple[int, str]]) -> ReportFigures:
        counts = [sum(tallies[key][n] for key in keys) for n in range(4)]
        times = sorted(us for key in keys for us in answer_times[key])
        if not times:
            return ReportFigures(*counts)
        middle = len(times) // 2
        if len(times) % 2:
            value = answered_hours(times[middle])
        else:  # as statistics.median() of the hours does it
            value = (answered_hours(times[middle - 1]) + answered_hours(times[middle])) / 2
        return ReportFigures(*counts, median_hours=value)

    by_opd, by_category = keys_by_opd_and_category(tallies)
    return ReportGroups(total=figures_of(list(tallies)),
                        by_opd={opd: figures_of(keys) for opd, keys in by_opd.items()},
                        by_category={category: figures_of(keys) for category, keys in by_category.items()})


def keys_by_opd_and_category(keys: Iterable[tuple[int, str]]) -> tuple[dict[int, list], dict[str, list]]:
    """The (OPD, category) keys of the report tallies, grouped by OPD and by category."""
    by_opd: dict[int, list] = defaultdict(list)
    by_category: dict[str, list] = defaultdict(list)
    for key in keys:
        by_opd[key[0]].append(key)
        by_category[key[1]].append(key)
    return by_opd, by_category


def report_sums_of(start: date, end: date, opd_id: int | None, target_days: int, holidays: Container[date],
                today: date) -> ReportGroups:
    """``report_timing_sums()`` for a range with whole months, read from the month totals of its
    sealed months (``report_month_total``, one row per month, OPD and category) and the timing rows
    of the range's edges, of the months not sealed (the current one) and of the reports still
    pending; each median from the middle one or two answer times of its group, read in order
    through an index. The same figures; the timing rows alone
    when the month totals were written for another response target."""
    from .statistik.report_totals import answered_hours, month_select

    whole = whole_months(start, end)
    connection = db.session.connection()  # plain rows, not through the ORM
    if whole:  # only the sealed months have totals (the current one is read from the timings)
        sealed = set(connection.scalars(select(ReportMonthSealed.month).where(
            ReportMonthSealed.month.between(whole[0], whole[-1]))))
        whole = [m for m in whole if m in sealed]
    if not whole:
        return report_timing_sums(start, end, opd_id, target_days, holidays, today)
    t, m = ReportTiming, ReportMonthTotal
    mine = [t.opd_id == opd_id] if opd_id is not None else []
    # [count, answered, within target, pending] per (OPD, category).
    tallies: dict[tuple[int, str], list[int]] = {}
    query = (select(m.opd_id, m.category, func.sum(m.reports), func.sum(m.answered), func.sum(m.within_target),
                    func.min(m.target_days), func.max(m.target_days))
             .where(m.month.in_(whole)).group_by(m.opd_id, m.category))
    if opd_id is not None:
        query = query.where(m.opd_id == opd_id)
    for opd, category, count, answered, within, lowest, highest in connection.execute(query):
        if lowest != target_days or highest != target_days:
            return report_timing_sums(start, end, opd_id, target_days, holidays, today)
        tallies[(opd, category)] = [int(count), int(answered), int(within), 0]
    # The days outside the sealed months, as spans: the range's edges, the months not sealed yet.
    spans, day = [], start
    for month in whole:
        if day < month:
            spans.append((day, month - timedelta(days=1)))
        day = month_last(month) + timedelta(days=1)
    if day <= end:
        spans.append((day, end))
    for first, last in spans:
        for opd, category, count, answered, within in connection.execute(
                month_select(target_days).where(t.day.between(first, last), *mine).group_by(t.opd_id, t.category)):
            tally = tallies.setdefault((opd, category), [0, 0, 0, 0])
            tally[0] += count
            tally[1] += answered
            tally[2] += within
    pending_from = max(start, overdue_after(today, target_days, holidays) + timedelta(days=1))
    if pending_from <= end:
        for opd, category, count in connection.execute(
                select(t.opd_id, t.category, func.count())
                .where(t.day.between(pending_from, end), t.answer_us.is_(None), *mine)
                .group_by(t.opd_id, t.category)):
            tallies.setdefault((opd, category), [0, 0, 0, 0])[3] += count

    by_opd, by_category = keys_by_opd_and_category(tallies)
    # Each group: its keys, the column and value that pick its timing rows (none: every row), its counts.
    groups = [(list(tallies), None, None)] + [(keys, "opd_id", opd) for opd, keys in by_opd.items()] + [
        (keys, "category", category) for category, keys in by_category.items()]
    counts = [[sum(tallies[key][n] for key in keys) for n in range(4)] for keys, _column, _value in groups]
    times = middle_answer_times(connection, [(column, value, answered) for (_keys, column, value), (
        _count, answered, *_rest) in zip(groups, counts)], opd_id, start, end)

    def figures(number: int) -> ReportFigures:
        count, answered, within, pending = counts[number]
        if not answered:
            return ReportFigures(count, answered, within, pending)
        middle = sorted(times[number])
        if len(middle) != 2 - answered % 2:  # lost or stale month totals (rebuild-stats mends them)
            raise _Disagree
        hours = [answered_hours(us) for us in middle]  # as statistics.median() of the hours
        return ReportFigures(count, answered, within, pending, hours[0] if answered % 2 else (hours[0] + hours[1]) / 2)

    try:
        found = [figures(number) for number in range(len(groups))]
    except _Disagree:
        current_app.logger.warning("report_month_total disagrees with report_timing; run rebuild-stats")
        return report_timing_sums(start, end, opd_id, target_days, holidays, today)
    return ReportGroups(total=found[0], by_opd=dict(zip(by_opd, found[1:1 + len(by_opd)], strict=True)),
                        by_category=dict(zip(by_category, found[1 + len(by_opd):], strict=True)))


def middle_answer_times(connection, groups: list[tuple[str | None, object, int]], opd_id: int | None,
                        start: date, end: date) -> dict[int, list[int]]:
    """The middle one or two answer times (microseconds) of each group, by the group's number.

    A group is (column, value, answered): the timing rows in [start, end] whose column has that
    value (no column: every row) and its number of answered reports. Each group is read in
    answer-time order through an index of (column, answer time, date) up to its middle: one
    LIMIT/OFFSET subquery a group, all in one statement. Written as SQL text: a two-year range
    has ~70 groups, and building them through the expression language cost more (~11 ms) than
    the database's work. SQLite, without statistics of its own, would rather read the whole range
    by date and sort it: there the date condition goes through an expression no index holds
    (PostgreSQL chooses well from its statistics, and misjudges such an expression)."""
    in_range = ("coalesce(day, day)" if connection.dialect.name == "sqlite" else "day") + " BETWEEN :start AND :end"
    mine = f" AND opd_id = {int(opd_id)}" if opd_id is not None else ""
    values: dict[str, object] = {}
    parts = []
    for number, (column, value, answered) in enumerate(groups):
        if not answered:
            continue
        picks = ""
        if column is not None:
            values[f"v{number}"] = value
            picks = f"{column} = :v{number} AND "
        parts.append(f"SELECT {number} AS g, answer_us FROM (SELECT answer_us FROM report_timing "
                     f"WHERE {picks}{in_range}{mine} AND answer_us IS NOT NULL ORDER BY answer_us "
                     f"LIMIT {2 - answered % 2} OFFSET {(answered - 1) // 2}) AS m{number}")
    times: dict[int, list[int]] = defaultdict(list)
    if parts:
        statement = text(" UNION ALL ".join(parts)).bindparams(bindparam("start", type_=Date),
                                                                bindparam("end", type_=Date))
        for number, answer_us in connection.execute(statement, {"start": start, "end": end, **values}):
            times[number].append(answer_us)
    return times


class _Disagree(Exception):
    pass


def load(start: date, end: date, *, opd=None, indicator_slug: str | None = None,
         sort: str = DEFAULT_SORT, today: date | None = None, target_days: int | None = None,
         raw: bool = False) -> Statistics:
    """Query the facts of [start, end] (one OPD or all, one indicator or all) and compute.
    Without an indicator the database sums the daily totals and the reports' timings; ``raw``
    reads the raw quantities and reports instead (the same figures; the tests compare both)."""
    today = today or current_day()
    target_days = target_days if target_days is not None else current_app.config["REPORT_RESPONSE_TARGET_DAYS"]

    # OPDs expected to report: those with an active indicator (the chosen one, if any).
    expected = select(OutputIndicator.opd_id).where(OutputIndicator.active.is_(True)).distinct()
    if indicator_slug:
        expected = expected.where(OutputIndicator.slug == indicator_slug)
    if opd is not None:
        expected = expected.where(OutputIndicator.opd_id == opd.id)
    expected_ids = set(db.session.scalars(expected))

    cost_query = select(OperationalCost.opd_id, OperationalCost.month, OperationalCost.category,
                        OperationalCost.amount).where(OperationalCost.month.between(month_start(start), end))
    if opd is not None:
        cost_query = cost_query.where(OperationalCost.opd_id == opd.id)
    costs = [CostFact(*row) for row in db.session.execute(cost_query)]

    all_phases = load_phases()
    in_range = [p for p in all_phases if p.starts_on <= end and (p.ends_on is None or p.ends_on >= start)]
    # Holidays far enough ahead for the deadline of a report made at the end of the range.
    holidays = set(db.session.scalars(
        select(Holiday.day).where(Holiday.day.between(start, end + timedelta(days=60)))))

    opd_query = select(Opd.id, Opd.slug, Opd.short_name, Opd.name).order_by(Opd.short_name)
    if opd is not None:
        opd_query = opd_query.where(Opd.id == opd.id)
    opds = [OpdInfo(*row) for row in db.session.execute(opd_query)]

    opd_id = opd.id if opd is not None else None
    expected_dates = expected_days(start, end, today, holidays)
    expected_set = set(expected_dates)
    if indicator_slug or raw:
        sums = sum_records(day_records(start, end, opd_id=opd_id, indicator_slug=indicator_slug), expected_set)
    else:
        sums = record_sums(start, end, opd_id, expected_set)
    if raw:
        report_sums = report_groups(report_facts(start, end, opd_id), target_days, holidays, today)
    else:
        report_sums = report_sums_of(start, end, opd_id, target_days, holidays, today)
    return compute(start=start, end=end, today=today, sums=sums, report_sums=report_sums, costs=costs,
                   phases=in_range, all_phases=all_phases, holidays=holidays, opds=opds,
                   expected_opd_ids=expected_ids, target_days=target_days, sort=sort, expected_dates=expected_dates)


def local_midnight(day: date) -> datetime:
    """The start of a day in the portal's time zone, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=zone())
