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
The month totals (``report_month_total``) are kept for the closed, sealed months only: a new
report, always of the current month, writes its timing row and nothing else.
Bulk inserts that bypass the ORM (``bench-data``) call ``rebuild()``;
``flask --app portal rebuild-stats`` does the same by hand."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import case, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from ..clock import local, now, zone
from ..models import Holiday, Report, ReportMonthSealed, ReportMonthTotal, ReportTiming, UnitConfirmedDays
from ..stats import month_last, month_start, months
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


def refresh(connection, report_ids: Iterable[int], new_reports: Iterable[tuple] = ()) -> None:
    """Recompute the rows of these reports from the report table (a deleted or spam report
    leaves none), and the month totals they were and are counted in. ``new_reports``: reports
    just inserted, as REPORT_COLUMNS values: they have no row yet, so theirs are written from
    these values without reading anything (a resident's report: one statement, not four)."""
    ids = sorted(set(report_ids))
    touched: set[tuple[int, date]] = set()  # (OPD, month)
    rows = timing_rows(connection, new_reports)
    if rows:
        connection.execute(insert(ReportTiming), rows)
    touched.update((row["opd_id"], month_start(row["day"])) for row in rows)
    for chunk in (ids[i:i + BATCH] for i in range(0, len(ids), BATCH)):
        touched.update((opd_id, month_start(day)) for opd_id, day in connection.execute(
            select(ReportTiming.opd_id, ReportTiming.day).where(ReportTiming.report_id.in_(chunk))))
        connection.execute(delete(ReportTiming).where(ReportTiming.report_id.in_(chunk)))
        rows = timing_rows(connection, connection.execute(select(*REPORT_COLUMNS).where(Report.id.in_(chunk))))
        if rows:
            connection.execute(insert(ReportTiming), rows)
        touched.update((row["opd_id"], month_start(row["day"])) for row in rows)
    refresh_months(connection, touched)


def rebuild(session) -> int:
    """Rebuild the whole table, the month totals and the units' confirmed days from the reports
    (in the current transaction); returns the timing rows."""
    fill_confirmed_days(session.connection())
    return fill(session.connection(), months=True)


# --- per month, OPD and category --------------------------------------------------------------


def target_days() -> int:
    return current_app.config["REPORT_RESPONSE_TARGET_DAYS"]


def month_select(target: int):
    """OPD, category, reports, answered, answered within ``target`` working days (to group by OPD
    and category)."""
    t = ReportTiming
    return select(t.opd_id, t.category, func.count(), func.count(t.answer_us),
                  func.count(case((t.working_days_to_answer <= target, 1))))


def _month_rows(month: date, rows, target: int) -> list[dict]:
    return [dict(month=month, opd_id=opd_id, category=category, reports=reports, answered=answered,
                 within_target=within, target_days=target)
            for opd_id, category, reports, answered, within in rows]


def lock_keys(connection, table: str, keys: Iterable) -> None:
    """Serialise the recomputation of these rows of a derived table between transactions: on
    PostgreSQL a transaction-long advisory lock per key (in one order: no deadlock), so that a
    second writer of the same key waits, then recomputes with the first one's rows committed
    (without it, two reports about one unit and month at once both insert the recomputed row: a
    unique violation, or a total missing one of them). SQLite runs one writer at a time."""
    if connection.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        digest = hashlib.blake2b(f"{table}:{key}".encode(), digest_size=8).digest()
        connection.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def report_day() -> date:
    """Today by the clock that dates new reports (their creation time, in Bekasi)."""
    return local(now()).date()


def last_closed_month(today: date | None = None) -> date:
    """The latest month whose last day is before yesterday: a whole day after its end no
    transaction writing one of its new reports can still be running, so its totals can be
    sealed; the later months take new reports and are read from the timing rows."""
    yesterday = (today or report_day()) - timedelta(days=1)
    return month_start(month_start(yesterday) - timedelta(days=1))


def _count_month(connection, month: date, target: int, opd_id: int | None = None) -> int:
    """Replace the totals of one month (of one OPD, or of all) with those of the timing rows;
    returns their number."""
    t, m = ReportTiming, ReportMonthTotal
    gone = delete(m).where(m.month == month)
    query = month_select(target).where(t.day.between(month, month_last(month)))
    if opd_id is not None:
        gone = gone.where(m.opd_id == opd_id)
        # SQLite would pick the index on opd_id alone and read every report of the OPD from the
        # table; through an expression no index holds, it reads the month from the covering
        # date index.
        query = query.where((func.coalesce(t.opd_id, t.opd_id) if connection.dialect.name == "sqlite"
                             else t.opd_id) == opd_id)
    connection.execute(gone)
    rows = _month_rows(month, connection.execute(query.group_by(t.opd_id, t.category)), target)
    if rows:
        connection.execute(insert(m), rows)
    return len(rows)


def _sealed(connection, wanted: Iterable[date]) -> set[date]:
    sealed = ReportMonthSealed.month
    return set(connection.scalars(select(sealed).where(sealed.in_(sorted(wanted)))))


def _seal(connection, wanted: Iterable[date], target: int) -> None:
    """Count and seal these months (under their locks: a second sealer finds them sealed)."""
    wanted = sorted(set(wanted))
    lock_keys(connection, "report_month_total", wanted)
    for month in sorted(set(wanted) - _sealed(connection, wanted)):
        _count_month(connection, month, target)
        connection.execute(insert(ReportMonthSealed), [dict(month=month)])


def refresh_months(connection, touched: Iterable[tuple[int, date]]) -> None:
    """Keep the totals of these (OPD, month) pairs right: recount those of sealed months, seal
    the closed ones not sealed yet; months still open keep no totals, so a new report (always of
    the current month) takes no lock and writes nothing here. A writer and a sealer of one month
    take its lock, so a total never misses a change committed meanwhile."""
    closed = last_closed_month()
    target = target_days()
    seal_closed_months(connection, closed, target)  # first: every transaction locks months in order
    touched = sorted(pair for pair in set(touched) if pair[1] <= closed)
    if touched:
        wanted = sorted({month for _opd, month in touched})
        lock_keys(connection, "report_month_total", wanted)
        sealed = _sealed(connection, wanted)
        for opd_id, month in touched:
            if month in sealed:
                _count_month(connection, month, target, opd_id)
        _seal(connection, [month for month in wanted if month not in sealed], target)


def seal_closed_months(connection, closed: date | None = None, target: int | None = None) -> None:
    """Seal every closed month since the first report that is not sealed yet: at the first
    report write after a month closed (remembered per app, so later writes ask nothing)."""
    closed = closed or last_closed_month()
    state = current_app.extensions.setdefault("report_totals", {})
    if state.get("sealed_through") == closed:
        return
    first = connection.scalar(select(func.min(ReportTiming.day)))
    if first is not None and month_start(first) <= closed:
        missing = set(months(first, closed)) - set(connection.scalars(
            select(ReportMonthSealed.month).where(ReportMonthSealed.month >= month_start(first))))
        if missing:
            _seal(connection, missing, target_days() if target is None else target)
    state["sealed_through"] = closed


def fill_months(connection, target: int | None = None) -> int:
    """Replace every month total and seal with those of the timing rows, for the closed months
    (the others keep none); returns the number of totals."""
    closed = last_closed_month()
    connection.execute(delete(ReportMonthSealed))
    count = fill_all_months(connection, target, through=closed)
    first = connection.scalar(select(func.min(ReportTiming.day)))
    seals = [dict(month=month) for month in months(first, closed)] if first is not None else []
    if seals:
        connection.execute(insert(ReportMonthSealed), seals)
    current_app.extensions.setdefault("report_totals", {})["sealed_through"] = closed
    return count


def fill_all_months(connection, target: int | None = None, through: date | None = None) -> int:
    """Replace every month total (up to the month ``through``) with those of the timing rows;
    returns their number."""
    target = target_days() if target is None else target
    t = ReportTiming
    connection.execute(delete(ReportMonthTotal))
    first, last = connection.execute(select(func.min(t.day), func.max(t.day))).one()
    if first is None:
        return 0
    if through is not None:
        last = min(last, month_last(through))
    return sum(_count_month(connection, month, target) for month in months(first, last))


def fill(connection, months: bool = False) -> int:
    """Replace every row of the table with rows computed from the reports (also the migration
    that creates it, before the month totals existed), then the month totals (``months``)."""
    connection.execute(delete(ReportTiming))
    last_id, count = 0, 0
    while True:
        batch = connection.execute(select(*REPORT_COLUMNS).where(Report.id > last_id).order_by(Report.id)
                                   .limit(20_000)).all()
        if not batch:
            if months:
                fill_months(connection)
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


# --- the confirmed report days of each unit, as bits per month (the kept on-site days) ---------


def _unit_months(obj: Report) -> set[tuple[int, date]]:
    """The (unit, month) pairs a report is and was counted in (a report moved to another unit or
    date leaves its old one)."""
    state = inspect(obj)
    units = {obj.unit_id, *state.attrs["unit_id"].history.deleted}
    days = {obj.visited_on, *state.attrs["visited_on"].history.deleted}
    return {(unit_id, month_start(day)) for unit_id in units for day in days
            if unit_id is not None and day is not None}


def _may_be_confirmed(obj: Report, new: bool) -> bool:
    """Whether the report counts, or counted before this change, among the confirmed ones (a new
    report that is only received changes no unit's confirmed days). An old value that was never
    loaded counts as possibly confirmed."""
    from ..history import CONFIRMED_STATUSES

    values = {}
    for name in ("status", "is_spam"):
        history = inspect(obj).attrs[name].history
        if not new and history.has_changes() and not history.deleted:
            return True  # changed without its old value loaded: it may have been confirmed
        values[name] = {getattr(obj, name), *history.deleted}
    return any(status in CONFIRMED_STATUSES for status in values["status"]) and False in values["is_spam"]


def confirmed_days_select():
    from ..history import CONFIRMED_STATUSES

    return select(Report.unit_id, Report.visited_on).where(
        Report.status.in_(sorted(CONFIRMED_STATUSES)), Report.is_spam.is_(False))


def _bits_rows(rows) -> list[dict]:
    bits: dict[tuple[int, date], int] = {}
    for unit_id, day in rows:
        key = (unit_id, month_start(day))
        bits[key] = bits.get(key, 0) | 1 << (day.day - 1)
    return [dict(unit_id=unit_id, month=month, days=days) for (unit_id, month), days in bits.items()]


def refresh_confirmed_days(connection, touched: Iterable[tuple[int, date]]) -> None:
    """Recompute the confirmed days of these (unit, month) pairs from the reports."""
    c = UnitConfirmedDays
    touched = sorted(set(touched))
    lock_keys(connection, "unit_confirmed_days", touched)
    for unit_id, month in touched:
        connection.execute(delete(c).where(c.unit_id == unit_id, c.month == month))
        rows = _bits_rows(connection.execute(confirmed_days_select().where(
            Report.unit_id == unit_id, Report.visited_on.between(month, month_last(month)))))
        if rows:
            connection.execute(insert(c), rows)


def fill_confirmed_days(connection) -> int:
    """Replace every row of ``unit_confirmed_days`` with those of the reports; returns their number."""
    connection.execute(delete(UnitConfirmedDays))
    rows = _bits_rows(connection.execute(confirmed_days_select()))
    for i in range(0, len(rows), BATCH):
        connection.execute(insert(UnitConfirmedDays), rows[i:i + BATCH])
    return len(rows)


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _context) -> None:
    report_ids: set[int] = set()
    new_reports: list[tuple] = []
    holiday_days: set[date] = set()
    unit_months: set[tuple[int, date]] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Report):
            if obj in session.new and obj.id is not None:
                new_reports.append((obj.id, obj.opd_id, obj.category, obj.created_at, obj.first_response_at,
                                    obj.is_spam))
            elif obj.id is not None:
                report_ids.add(obj.id)
            if _may_be_confirmed(obj, obj in session.new):
                unit_months |= _unit_months(obj)
        elif isinstance(obj, Holiday):
            holiday_days |= _holiday_days(obj)
    if not report_ids and not new_reports and not holiday_days:
        return
    connection = session.connection()
    if report_ids or new_reports:
        refresh(connection, report_ids, new_reports)
    if unit_months:
        refresh_confirmed_days(connection, unit_months)
    if holiday_days:
        holidays_changed(connection, holiday_days)


def answered_hours(answer_us: int) -> float:
    """Hours between a report and its first answer, as the per-report computation gives them."""
    return (answer_us / 10**6) / 3600

