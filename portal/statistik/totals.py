"""The daily totals the statistics read (``output_day_total``): one row per OPD, date and work
mode with the output of all indicators summed, derived from ``output_day`` and ``output_quantity``.

Every ORM flush that adds, changes or deletes an OutputDay or an OutputQuantity refreshes the
totals of the dates it touched, in the same transaction (so the entry form, the CSV import, the
command-line import and anything written later through the session keep them right). Bulk
inserts that bypass the ORM (the demo seed, ``bench-data``) call ``rebuild()`` afterwards;
``flask --app portal rebuild-stats`` does the same by hand."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import click
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import OutputDay, OutputDaySum, OutputDayTotal, OutputMonthTotal, OutputQuantity
from ..stats import MODES, month_last, month_start
from . import report_totals
from .views import bp


def _totals_select():
    """OutputDay rows with the sum of their quantities, in the columns of output_day_total."""
    return (
        select(OutputDay.day, OutputDay.opd_id, OutputDay.mode,
               func.coalesce(func.sum(OutputQuantity.quantity), 0), OutputDay.staff_on_duty,
               OutputDay.reports_due, OutputDay.reports_submitted)
        .select_from(OutputDay)
        .outerjoin(OutputQuantity, OutputQuantity.output_day_id == OutputDay.id)
        .group_by(OutputDay.id, OutputDay.day, OutputDay.opd_id, OutputDay.mode, OutputDay.staff_on_duty,
                  OutputDay.reports_due, OutputDay.reports_submitted)
    )


COLUMNS = ["day", "opd_id", "mode", "output", "staff_on_duty", "reports_due", "reports_submitted"]


def refresh(connection, keys: set[tuple[int, date]]) -> None:
    """Recompute the totals of these (OPD, date) pairs (both modes) from the raw records, and the
    sums of their dates and months."""
    by_opd: dict[int, set[date]] = defaultdict(set)
    for opd_id, day in keys:
        if opd_id is not None and day is not None:
            by_opd[opd_id].add(day)
    report_totals.lock_keys(connection, "output_day_total",
                            [(opd_id, day) for opd_id, days in by_opd.items() for day in days])
    for opd_id, days in by_opd.items():
        days = sorted(days)
        for chunk in (days[i:i + 500] for i in range(0, len(days), 500)):
            connection.execute(delete(OutputDayTotal).where(OutputDayTotal.opd_id == opd_id,
                                                            OutputDayTotal.day.in_(chunk)))
            connection.execute(insert(OutputDayTotal).from_select(
                COLUMNS, _totals_select().where(OutputDay.opd_id == opd_id, OutputDay.day.in_(chunk))))
    refresh_sums(connection, by_opd)


# --- the sums of output_day_total per date (every OPD) and per OPD and month -----------------

MODE_FIELDS = ("records", "output", "staff", "due", "submitted")
TOTAL_COLUMNS = (OutputDayTotal.day, OutputDayTotal.opd_id, OutputDayTotal.mode, OutputDayTotal.output,
                 OutputDayTotal.staff_on_duty, OutputDayTotal.reports_due, OutputDayTotal.reports_submitted)


def _empty(**key) -> dict:
    return {**key, **{f"{mode}_{name}": 0 for mode in MODES for name in MODE_FIELDS}}


def sums_of(rows) -> tuple[dict[date, dict], dict[tuple[date, int], dict]]:
    """output_day_sum rows (by date) and output_month_total rows (by month and OPD) from rows of
    output_day_total (TOTAL_COLUMNS)."""
    days: dict[date, dict] = {}
    months: dict[tuple[date, int], dict] = {}
    seen: set[tuple[int, date]] = set()
    for day, opd_id, mode, *values in rows:
        month = month_start(day)
        by_day = days.get(day) or days.setdefault(day, _empty(day=day, opds=0))
        by_month = months.get((month, opd_id)) or months.setdefault(
            (month, opd_id), _empty(month=month, opd_id=opd_id, days=0, weekdays=0))
        for target in (by_day, by_month):
            target[f"{mode}_records"] += 1
            for name, value in zip(MODE_FIELDS[1:], values, strict=True):
                target[f"{mode}_{name}"] += value
        if (opd_id, day) not in seen:
            seen.add((opd_id, day))
            by_day["opds"] += 1
            by_month["days"] += 1
            by_month["weekdays"] += day.weekday() < 5
    return days, months


def refresh_sums(connection, days_by_opd: dict[int, set[date]]) -> None:
    """Recompute the date sums and month totals that these OPDs' dates belong to."""
    all_days = sorted(set().union(*days_by_opd.values())) if days_by_opd else []
    report_totals.lock_keys(connection, "output_day_sum", all_days)
    report_totals.lock_keys(connection, "output_month_total",
                            [(opd_id, month_start(day)) for opd_id, days in days_by_opd.items() for day in days])
    for chunk in (all_days[i:i + 500] for i in range(0, len(all_days), 500)):
        connection.execute(delete(OutputDaySum).where(OutputDaySum.day.in_(chunk)))
        day_rows, _months = sums_of(connection.execute(select(*TOTAL_COLUMNS).where(OutputDayTotal.day.in_(chunk))))
        if day_rows:
            connection.execute(insert(OutputDaySum), list(day_rows.values()))
    for opd_id, days in days_by_opd.items():
        months = sorted({month_start(day) for day in days})
        connection.execute(delete(OutputMonthTotal).where(OutputMonthTotal.opd_id == opd_id,
                                                          OutputMonthTotal.month.in_(months)))
        _days, month_rows = sums_of(connection.execute(select(*TOTAL_COLUMNS).where(
            OutputDayTotal.opd_id == opd_id, OutputDayTotal.day.between(months[0], month_last(months[-1])))))
        rows = [row for (month, _opd), row in month_rows.items() if month in months]
        if rows:
            connection.execute(insert(OutputMonthTotal), rows)


def rebuild_sums(connection) -> None:
    """Rebuild the date sums and month totals from the daily totals."""
    connection.execute(delete(OutputDaySum))
    connection.execute(delete(OutputMonthTotal))
    day_rows, month_rows = sums_of(connection.execute(select(*TOTAL_COLUMNS)))
    for rows, model in ((list(day_rows.values()), OutputDaySum), (list(month_rows.values()), OutputMonthTotal)):
        for i in range(0, len(rows), 5000):
            connection.execute(insert(model), rows[i:i + 5000])


def rebuild() -> int:
    """Rebuild the daily output totals from the raw records (and their date and month sums), and
    the reports' timing rows (report_totals.py), in the current transaction; returns the rows of
    the daily totals."""
    db.session.execute(delete(OutputDayTotal))
    db.session.execute(insert(OutputDayTotal).from_select(COLUMNS, _totals_select()))
    rebuild_sums(db.session.connection())
    report_totals.rebuild(db.session)
    return db.session.scalar(select(func.count()).select_from(OutputDayTotal))


def _keys_of(obj, day_ids: set[int], keys: set[tuple[int, date]]) -> None:
    if isinstance(obj, OutputDay):
        state = inspect(obj)
        keys.add((obj.opd_id, obj.day))
        for name in ("opd_id", "day"):  # a record moved to another OPD or date leaves its old one
            if state.attrs[name].history.deleted:
                old = {n: (state.attrs[n].history.deleted or [getattr(obj, n)])[0] for n in ("opd_id", "day")}
                keys.add((old["opd_id"], old["day"]))
    elif isinstance(obj, OutputQuantity):
        if obj.output_day_id is not None:
            day_ids.add(obj.output_day_id)
        elif obj.output_day is not None:
            keys.add((obj.output_day.opd_id, obj.output_day.day))


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _context) -> None:
    day_ids: set[int] = set()
    keys: set[tuple[int, date]] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        _keys_of(obj, day_ids, keys)
    if not keys and not day_ids:
        return
    connection = session.connection()
    if day_ids:
        ids = sorted(day_ids)
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            keys.update(tuple(row) for row in connection.execute(
                select(OutputDay.opd_id, OutputDay.day).where(OutputDay.id.in_(chunk))))
    refresh(connection, keys)


@bp.cli.command("rebuild-stats")
def rebuild_stats_command():
    """Rebuild the daily totals and report timings the statistics read (after bulk inserts that
    bypass the portal)."""
    rows = rebuild()
    db.session.commit()
    timings = db.session.scalar(select(func.count()).select_from(report_totals.ReportTiming))
    click.echo(f"Rebuilt {rows} daily totals and {timings} report timings.")
