"""Open data: the statistics as one JSON document (the API) and as flat CSV rows (/statistik.csv),
and the raw daily output records. The CSV is built from the JSON document, so the two cannot
disagree. Field and column names are English and stable; numbers use a dot as decimal sign and
are rounded to 4 decimals (hours to 2).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from . import stats
from .extensions import db
from .models import CostCategory, Opd, OutputDay, OutputIndicator, OutputQuantity
from .outputs import CSV_COLUMNS

DIGITS = 4

# /statistik.csv: one figure per row.
STATS_COLUMNS = ("section", "opd", "period_start", "period_end", "label", "mode", "category", "measure", "value")
FIGURE_MEASURES = ("records", "output", "staff_days", "output_per_staff_day", "reports_due",
                   "reports_submitted", "compliance")
COMPARISON_MEASURES = ("wfh_wfo_ratio", "days_with_records", "output_per_recorded_day")
REPORT_MEASURES = ("count", "answered", "answered_within_target", "pending", "share_within_target",
                   "median_hours_to_first_answer")
COMPLETENESS_MEASURES = ("days_with_records", "expected_days", "share")


def rounded(value: float | None, digits: int = DIGITS) -> float | None:
    return None if value is None else round(value, digits)


def figures_doc(f: stats.Figures) -> dict:
    return {
        "records": f.records,
        "output": f.output,
        "staff_days": f.staff_days,
        "output_per_staff_day": rounded(f.output_per_staff_day),
        "reports_due": f.reports_due,
        "reports_submitted": f.reports_submitted,
        "compliance": rounded(f.compliance),
    }


def comparison_doc(c: stats.Comparison) -> dict:
    return {
        "wfo": figures_doc(c.wfo),
        "wfh": figures_doc(c.wfh),
        "all": figures_doc(c.all),
        "wfh_wfo_ratio": rounded(c.ratio),
        "days_with_records": c.days_with_records,
        "output_per_recorded_day": rounded(c.output_per_recorded_day),
    }


def completeness_doc(c: stats.Completeness) -> dict:
    return {"days_with_records": c.days_with_records, "expected_days": c.expected_days,
            "share": rounded(c.share)}


def reports_doc(r: stats.ReportFigures) -> dict:
    return {
        "count": r.count,
        "answered": r.answered,
        "answered_within_target": r.answered_within_target,
        "pending": r.pending,
        "share_within_target": rounded(r.share_within_target),
        "median_hours_to_first_answer": rounded(r.median_hours, 2),
    }


def phase_doc(phase) -> dict | None:
    if phase is None:
        return None
    return {"name": phase.name, "name_en": phase.name_en, "rule": str(phase.rule),
            "starts_on": phase.starts_on.isoformat(),
            "ends_on": phase.ends_on.isoformat() if phase.ends_on else None}


def statistics_document(s: stats.Statistics, opd: Opd | None, indicator: str | None) -> dict:
    """Every figure of /statistik as JSON (English field names)."""
    return {
        "from": s.start.isoformat(),
        "to": s.end.isoformat(),
        "opd": opd.slug if opd is not None else None,
        "indicator": indicator,
        "sort": s.sort,
        "target_working_days": s.target_days,
        "completeness": completeness_doc(s.completeness),
        "summary": comparison_doc(s.comparison),
        "phases": [
            {"phase": phase_doc(row.phase), "from": row.starts_on.isoformat(), "to": row.ends_on.isoformat(),
             **comparison_doc(row.comparison)}
            for row in s.phases
        ],
        "weeks": [
            {"week": row.iso_week, "from": row.week_start.isoformat(),
             "to": (row.week_start + timedelta(days=6)).isoformat(), **comparison_doc(row.comparison)}
            for row in s.weeks
        ],
        "opds": [
            {"opd": row.opd.slug, "short_name": row.opd.short_name, "name": row.opd.name,
             **comparison_doc(row.comparison), "completeness": completeness_doc(row.completeness),
             "reports": reports_doc(row.reports)}
            for row in s.opds
        ],
        "reports": {
            **reports_doc(s.reports),
            "by_category": [{"category": category, **reports_doc(figures)}
                            for category, figures in s.reports_by_category.items()],
        },
        "costs": {
            "baseline": phase_doc(s.costs.baseline),
            "baseline_monthly_mean": rounded(s.costs.baseline_mean, 2),
            "months": [
                {"month": m.month.strftime("%Y-%m"), "baseline": m.baseline, "opds_reporting": m.opds_reporting,
                 **{c.value: m.by_category.get(c.value) for c in CostCategory},
                 "total": m.total, "change_vs_baseline": rounded(m.change_vs_baseline)}
                for m in s.costs.months
            ],
        },
    }


def statistics_rows(doc: dict) -> list[list]:
    """The document flattened to /statistik.csv rows (see STATS_COLUMNS)."""
    rows: list[list] = []
    whole = (doc["from"], doc["to"])
    opd = doc["opd"] or ""

    def add(section, opd_slug, period, label, mode, category, measure, value):
        rows.append([section, opd_slug, period[0], period[1], label, mode, category, measure,
                     "" if value is None else value])

    def comparison(section, opd_slug, period, label, data):
        for mode in ("wfo", "wfh", "all"):
            for measure in FIGURE_MEASURES:
                add(section, opd_slug, period, label, mode, "", measure, data[mode][measure])
        for measure in COMPARISON_MEASURES:
            add(section, opd_slug, period, label, "", "", measure, data[measure])

    def reports(section, opd_slug, category, data):
        for measure in REPORT_MEASURES:
            add(section, opd_slug, whole, "", "", category, measure, data[measure])

    for measure in COMPLETENESS_MEASURES:
        add("completeness", opd, whole, "", "", "", measure, doc["completeness"][measure])
    comparison("summary", opd, whole, "", doc["summary"])
    for row in doc["phases"]:
        label = row["phase"]["name"] if row["phase"] else ""
        comparison("phase", opd, (row["from"], row["to"]), label, row)
    for row in doc["weeks"]:
        comparison("week", opd, (row["from"], row["to"]), row["week"], row)
    for row in doc["opds"]:
        comparison("opd", row["opd"], whole, row["short_name"], row)
        for measure in COMPLETENESS_MEASURES:
            add("opd_completeness", row["opd"], whole, row["short_name"], "", "", measure,
                row["completeness"][measure])
        reports("opd_reports", row["opd"], "", row["reports"])
    reports("reports", opd, "", doc["reports"])
    for row in doc["reports"]["by_category"]:
        reports("reports", opd, row["category"], row)
    costs = doc["costs"]
    for month in costs["months"]:
        first = date.fromisoformat(month["month"] + "-01")
        period = (first.isoformat(), (stats.next_month(first) - timedelta(days=1)).isoformat())
        for category in [c.value for c in CostCategory] + ["total"]:
            add("cost", opd, period, "baseline" if month["baseline"] else "", "", category, "amount", month[category])
        add("cost", opd, period, "baseline" if month["baseline"] else "", "", "total", "change_vs_baseline",
            month["change_vs_baseline"])
        add("cost", opd, period, "baseline" if month["baseline"] else "", "", "", "opds_reporting",
            month["opds_reporting"])
    add("cost", opd, whole, costs["baseline"]["name"] if costs["baseline"] else "", "", "total",
        "baseline_monthly_mean", costs["baseline_monthly_mean"])
    return rows


# --- raw daily records ------------------------------------------------------------------------


def day_ids_query(start: date, end: date, opd: Opd | None = None, indicator: str | None = None):
    """Ids of the day records in the range (with a quantity of the indicator, when given)."""
    query = select(OutputDay.id).where(OutputDay.day.between(start, end))
    if opd is not None:
        query = query.where(OutputDay.opd_id == opd.id)
    if indicator:
        query = query.where(OutputDay.quantities.any(OutputQuantity.indicator.has(OutputIndicator.slug == indicator)))
    return query


def count_records(start: date, end: date, opd: Opd | None = None, indicator: str | None = None) -> int:
    return db.session.scalar(select(func.count()).select_from(day_ids_query(start, end, opd, indicator).subquery()))


def load_records(start: date, end: date, opd: Opd | None = None, indicator: str | None = None,
                 limit: int | None = None, offset: int = 0) -> list[OutputDay]:
    """Day records with their quantities (only the indicator's, when given), ordered by date,
    OPD and mode; ``limit`` and ``offset`` page through the day records."""
    ids = day_ids_query(start, end, opd, indicator)
    if limit is not None:
        page = ids.join(OutputDay.opd).order_by(OutputDay.day, Opd.slug, OutputDay.mode).limit(limit).offset(offset)
        ids = list(db.session.scalars(page))
    query = (
        select(OutputDay)
        .join(OutputDay.quantities)
        .join(OutputQuantity.indicator)
        .join(OutputDay.opd)
        .options(contains_eager(OutputDay.quantities).contains_eager(OutputQuantity.indicator),
                 contains_eager(OutputDay.opd))
        .where(OutputDay.id.in_(ids))
        .order_by(OutputDay.day, Opd.slug, OutputDay.mode, OutputIndicator.slug)
    )
    if indicator:
        query = query.where(OutputIndicator.slug == indicator)
    return db.session.scalars(query).unique().all()


def record_doc(day: OutputDay) -> dict:
    return {
        "date": day.day.isoformat(),
        "opd": day.opd.slug,
        "mode": day.mode,
        "staff_on_duty": day.staff_on_duty,
        "reports_due": day.reports_due,
        "reports_submitted": day.reports_submitted,
        "outputs": [{"indicator": q.indicator.slug, "name": q.indicator.name,
                     "unit_of_measure": q.indicator.unit_of_measure, "quantity": q.quantity}
                    for q in sorted(day.quantities, key=lambda q: q.indicator.slug)],
    }


def record_rows(start: date, end: date, opd: Opd | None = None, indicator: str | None = None) -> list[tuple]:
    """The raw records in the import template's columns (the file can be imported again): one
    row per date, OPD, mode and indicator, as a flat query (the whole range at once)."""
    return [(day.isoformat(), *rest) for day, *rest in db.session.execute(record_query(start, end, opd, indicator))]


def record_query(start: date, end: date, opd: Opd | None = None, indicator: str | None = None):
    query = (
        select(OutputDay.day, Opd.slug, OutputDay.mode, OutputIndicator.slug, OutputQuantity.quantity,
               OutputDay.staff_on_duty, OutputDay.reports_due, OutputDay.reports_submitted)
        .join(OutputDay.opd).join(OutputDay.quantities).join(OutputQuantity.indicator)
        .where(OutputDay.day.between(start, end))
        .order_by(OutputDay.day, Opd.slug, OutputDay.mode, OutputIndicator.slug)
    )
    if opd is not None:
        query = query.where(OutputDay.opd_id == opd.id)
    if indicator:
        query = query.where(OutputIndicator.slug == indicator)
    return query


def stream_record_rows(engine, query):
    """record_rows() read a few thousand at a time on a connection of its own (a two-year range
    holds a million): usable while a response streams, after the request's context is gone."""
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=5000).execute(query)
        try:
            for day, *rest in result:
                yield (day.isoformat(), *rest)
        finally:  # also when the download is abandoned: PostgreSQL's server-side cursor is closed
            result.close()


RECORD_COLUMNS = CSV_COLUMNS
