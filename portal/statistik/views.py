"""/statistik for DPRD, the press and citizens: results, not attendance. The page, the same
figures as CSV, and the raw daily records as CSV (JSON through the API)."""

from __future__ import annotations

from babel.dates import format_date
from flask import Blueprint, Response, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import charts, opendata, stats
from ..availability import phase_name
from ..csv_export import csv_chunks, to_csv
from ..extensions import db
from ..htmx import render, wants_fragment
from ..i18n import lang, number, percent
from ..models import CostCategory, Opd
from ..outputs import COLUMN_HELP, COST_LABELS
from ..reports.words import CATEGORY_LABELS
from .query import PAGE_ARGS, StatsQuery, indicator_choices, load, stats_query

# cli_group=None: its command (import-outputs) is a top-level flask command.
bp = Blueprint("statistik", __name__, cli_group=None)

def page_args(q: StatsQuery) -> dict:
    """The query string of a statistics URL (without defaults left implicit)."""
    args = {"dari": q.start.isoformat(), "sampai": q.end.isoformat()}
    if q.opd is not None:
        args["opd"] = q.opd.slug
    if q.indicator:
        args["indikator"] = q.indicator
    return args


def api_args(q: StatsQuery) -> dict:
    """The same choice in the API's (English) argument names."""
    names = {"dari": "from", "sampai": "to", "opd": "opd", "indikator": "indicator"}
    return {names[key]: value for key, value in page_args(q).items()}


def phase_label(row: stats.PhaseRow) -> str:
    return phase_name(row.phase) if row.phase is not None else _("Outside any phase")


def short_date(value) -> str:
    """6 Nov — an axis label."""
    return format_date(value, "d MMM", locale=lang())


def build_charts(s: stats.Statistics) -> dict:
    """The SVG geometry of the page's charts (the tables beside them hold the same numbers)."""
    wfo = charts.Series("wfo", _("WFO"))
    wfh = charts.Series("wfh", _("WFH"))

    def per_staff_day(value: float) -> str:
        return number(value, 2)

    def share(value: float) -> str:
        return percent(value, 1)

    result = {
        "phases": charts.hbar_chart(
            [(phase_label(row), [row.comparison.wfo.output_per_staff_day, row.comparison.wfh.output_per_staff_day])
             for row in s.phases], [wfo, wfh], per_staff_day),
        "compliance": charts.hbar_chart(
            [(phase_label(row), [row.comparison.wfo.compliance, row.comparison.wfh.compliance])
             for row in s.phases], [wfo, wfh], share),
        "opds": charts.hbar_chart(
            [(row.opd.short_name, [row.comparison.ratio]) for row in s.opds if row.comparison.ratio is not None],
            [charts.Series("ratio", _("WFH/WFO ratio"))], per_staff_day, marker=1.0,
            marker_label=_("1 = as much output per staff-day at home as in the office")),
        "weeks": charts.line_chart(
            [short_date(row.week_start) for row in s.weeks],
            [(wfo, [row.comparison.wfo.output_per_staff_day for row in s.weeks]),
             (wfh, [row.comparison.wfh.output_per_staff_day for row in s.weeks])],
            per_staff_day, tick_every=max(1, len(s.weeks) // 5)),
        "reports": charts.hbar_chart(
            [(row.opd.short_name, [row.reports.count]) for row in s.opds if row.reports.count],
            [charts.Series("reports", _("Reports"))], lambda value: number(value)),
        "costs": charts.hbar_chart(
            [(m.month.strftime("%m/%Y"), [m.total]) for m in s.costs.months],
            [charts.Series("cost", _("Total cost"))], lambda value: "Rp " + number(value),
            marker=s.costs.baseline_mean, marker_label=_("baseline")),
    }
    return result


def filter_choices(q: StatsQuery) -> dict:
    indicators = indicator_choices()
    unit_of_measure = next((unit for slug, _name, unit in indicators if slug == q.indicator), None)
    return {
        "opds": db.session.scalars(select(Opd).order_by(Opd.short_name)).all(),
        "indicators": indicators,
        "unit_of_measure": unit_of_measure,
    }


@bp.get("/statistik")
def index():
    """Output per staff-day on WFH and WFO days, compliance, disruptions and cost for a range."""
    q = stats_query(PAGE_ARGS)
    s = load(q)
    args = page_args(q)
    return render(
        "statistik/index.html", "results",
        s=s, q=q, args=args, charts=build_charts(s), fragment=wants_fragment(),
        phase_label=phase_label, category_labels=CATEGORY_LABELS, cost_categories=list(CostCategory),
        cost_labels=COST_LABELS, column_help=COLUMN_HELP,
        csv_url=url_for("statistik.csv", **args), records_url=url_for("statistik.records_csv", **args),
        api_url=url_for("api.statistics", **api_args(q)),
        **filter_choices(q),
    )


def csv_response(text, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def file_stem(q: StatsQuery, prefix: str) -> str:
    parts = [prefix, q.start.isoformat(), q.end.isoformat()]
    if q.opd is not None:
        parts.append(q.opd.slug)
    if q.indicator:
        parts.append(q.indicator)
    return "_".join(parts)


@bp.get("/statistik.csv")
def csv():
    """The figures of /statistik as CSV: one figure per row, stable columns (UTF-8 with BOM)."""
    q = stats_query(PAGE_ARGS)
    doc = opendata.statistics_document(load(q), q.opd, q.indicator)
    return csv_response(to_csv(opendata.STATS_COLUMNS, opendata.statistics_rows(doc)),
                        file_stem(q, "statistik") + ".csv")


@bp.get("/statistik/data.csv")
def records_csv():
    """The raw daily output records of the range as CSV, in the columns of the import template."""
    q = stats_query(PAGE_ARGS)
    rows = opendata.stream_record_rows(db.engine, opendata.record_query(q.start, q.end, q.opd, q.indicator))
    # Streamed: two years hold a million rows (60 MB), never built whole in memory.
    return csv_response(csv_chunks(opendata.RECORD_COLUMNS, rows), file_stem(q, "output-harian") + ".csv")


from . import commands, totals  # noqa: E402,F401  (flask import-outputs, rebuild-stats; totals on flush)
