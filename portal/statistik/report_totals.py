"""What the statistics read of the disruption reports (``report_timing``): one narrow row of plain
numbers per non-spam report (local date, OPD, category, working days to the first public answer,
time to it), derived from ``report`` and ``holiday``.

Why one row per report and not per day: the median time to a first answer needs every answer
time, and at the benchmark's density (100,000 reports over two years and 60 OPDs, about two
reports per OPD-day) a per-day per-OPD per-category table would hold about as many rows as
there are reports. What made /statistik slow was not the rows but reading wide report rows and
doing the time zone and working-day arithmetic for each of them on every request; that work is
done here once, when a report is written.

Every ORM flush that adds, changes or deletes a Report refreshes its row in the same
transaction; one that touches a Holiday refreshes the rows whose answer time spans that day.
Bulk inserts that bypass the ORM (``bench-data``) call ``rebuild()``;
``flask --app portal rebuild-stats`` does the same by hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from ..clock import zone
from ..models import Holiday, Report, ReportTiming
from ..workdays import is_working_day, working_days_between

BATCH = 2000


def working_days_to_answer(created_on: date, answered_on: date, holidays) -> int:
    """The fewest N with answered_on <= add_working_days(created_on, N, holidays): an answer on a
    weekend or holiday counts as given on the next working day."""
    if answered_on <= created_on:
        return 0
    days = working_days_between(created_on, answered_on, holidays)
    return days if is_working_day(answered_on, holidays) else days + 1


def timing_rows(connection, reports: Iterable[tuple]) -> list[dict]:
    """report_timing rows for (id, opd_id, category, created_at, first_response_at, is_spam)."""
    tz = zone()
    facts = []
    for report_id, opd_id, category, created_at, answered_at, is_spam in reports:
        if is_spam or created_at is None:
            continue
        created_on = created_at.astimezone(tz).date()
        answered_on = answered_at.astimezone(tz).date() if answered_at is not None else None
        facts.append((report_id, opd_id, category, created_on, answered_on,
                      (answered_at - created_at) // timedelta(microseconds=1) if answered_at is not None else None))
    spans = [(f[3], f[4]) for f in facts if f[4] is not None and f[4] > f[3]]
    holidays: set[date] = set()
    if spans:
        first, last = min(s for s, _ in spans), max(e for _, e in spans)
        holidays = set(connection.scalars(select(Holiday.day).where(Holiday.day.between(first, last))))
    return [dict(report_id=report_id, opd_id=opd_id, category=category, day=created_on, answered_on=answered_on,
                 working_days_to_answer=(working_days_to_answer(created_on, answered_on, holidays)
                                         if answered_on is not None else None),
                 answer_us=answer_us)
            for report_id, opd_id, category, created_on, answered_on, answer_us in facts]


REPORT_COLUMNS = (Report.id, Report.opd_id, Report.category, Report.created_at, Report.first_response_at,
                  Report.is_spam)


def refresh(connection, report_ids: Iterable[int]) -> None:
    """Recompute the rows of these reports from the report table (a deleted or spam report
    leaves none)."""
    ids = sorted(set(report_ids))
    for chunk in (ids[i:i + BATCH] for i in range(0, len(ids), BATCH)):
        connection.execute(delete(ReportTiming).where(ReportTiming.report_id.in_(chunk)))
        rows = timing_rows(connection, connection.execute(select(*REPORT_COLUMNS).where(Report.id.in_(chunk))))
        if rows:
            connection.execute(insert(ReportTiming), rows)


def rebuild(session) -> int:
    """Rebuild the whole table from the reports (in the current transaction); returns its rows."""
    return fill(session.connection())


def fill(connection) -> int:
    """Replace every row of the table with rows computed from the reports (also the migration
    that creates it)."""
    connection.execute(delete(ReportTiming))
    last_id, count = 0, 0
    while True:
        batch = connection.execute(select(*REPORT_COLUMNS).where(Report.id > last_id).order_by(Report.id)
                                   .limit(20_000)).all()
        if not batch:
            return count
        last_id = batch[-1][0]
        rows = timing_rows(connection, batch)
        if rows:
            connection.execute(insert(ReportTiming), rows)
        count += len(rows)


def holidays_changed(connection, days: set[date]) -> None:
    """A holiday added, moved or removed: refresh the answered reports whose span covers it."""
    for day in days:
        ids = connection.scalars(select(ReportTiming.report_id).where(
            ReportTiming.day < day, ReportTiming.answered_on >= day)).all()
        refresh(connection, ids)


def _holiday_days(obj) -> set[date]:
    state = inspect(obj)
    days = {obj.day} if obj.day is not None else set()
    days.update(d for d in state.attrs["day"].history.deleted if d is not None)
    return days


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _context) -> None:
    report_ids: set[int] = set()
    holiday_days: set[date] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Report) and obj.id is not None:
            report_ids.add(obj.id)
        elif isinstance(obj, Holiday):
            holiday_days |= _holiday_days(obj)
    if not report_ids and not holiday_days:
        return
    connection = session.connection()
    if report_ids:
        refresh(connection, report_ids)
    if holiday_days:
        holidays_changed(connection, holiday_days)


def answered_hours(answer_us: int) -> float:
    """Hours between a report and its first answer, as the per-report computation gives them."""
    return (answer_us / 10**6) / 3600

