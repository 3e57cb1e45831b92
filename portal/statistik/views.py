"""/statistik for DPRD, the press and citizens: results, not attendance. The page, the same
figures as CSV, and the raw daily records as CSV (JSON through the API)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import charts, history, opendata, stats
from ..availability import phase_name
from ..clock import today
from ..csv_export import csv_chunks, to_csv
from ..errors import bad_request
from ..extensions import db
from ..htmx import render, wants_fragment
from ..i18n import date_text, lang, medium_date, number, percent
from ..models import CostCategory, Opd
from ..outputs import COLUMN_HELP, COST_LABELS
from ..reports.words import CATEGORY_LABELS
from ..urls import external_url
from ..xlsx_export import Notes, to_xlsx, xlsx_response
from .query import PAGE_ARGS, StatsQuery, indicator_choices, load, stats_query

# cli_group=None: its command (import-outputs) is a top-level flask command.
bp = Blueprint("statistik", __name__, cli_group=None)

# The columns of /statistik.csv (and .xlsx), explained on the page and in the workbook's notes:
# column(s) -> (meaning, the codes it holds).
STATS_COLUMN_HELP = {
    "section": (_l("the part of the page:"),
                "completeness, summary, phase, week, opd, opd_completeness, opd_reports, reports, cost"),
    "opd": (_l("the agency's code (empty: all agencies)"), ""),
    "period_start, period_end": (_l("the first and last date the figure covers (a phase is cut to the chosen "
                                    "range; a week runs Monday to Sunday)"), ""),
    "label": (_l("the phase's name, the ISO week, the agency's short name, or “baseline” for a cost month of "
                 "the baseline"), ""),
    "mode": (_l("wfo, wfh, all (both modes), or empty"), ""),
    "category": (_l("the report category, or the cost category:"), "electricity, water, fuel, consumables, total"),
    "measure": (_l("the figure, named as in the API:"),
                "records, output, staff_days, output_per_staff_day, reports_due, reports_submitted, compliance, "
                "wfh_wfo_ratio, days_with_records, output_per_recorded_day, expected_days, share, count, answered, "
                "answered_within_target, pending, share_within_target, median_hours_to_first_answer, amount, "
                "change_vs_baseline, opds_reporting, baseline_monthly_mean"),
    "value": (_l("the number"), ""),
}
STATS_DATE_COLUMNS = ("period_start", "period_end")
RECORD_DATE_COLUMNS = ("date",)


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
    return date_text(value, "d MMM", lang())


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
        "opds": db.session.execute(select(Opd.id, Opd.slug, Opd.short_name, Opd.name).order_by(Opd.short_name)).all(),
        "indicators": indicators,
        "unit_of_measure": unit_of_measure,
    }


@bp.get("/statistik")
def index():
    """Output per staff-day on WFH and WFO days, compliance, disruptions and cost for a range."""
    q = stats_query(PAGE_ARGS)
    s = load(q)
    args = page_args(q)
    kept = history.kept_by_opd(q.start, q.end, today(), q.opd)
    return render(
        "statistik/index.html", "results",
        s=s, q=q, args=args, charts=build_charts(s), fragment=wants_fragment(),
        phase_label=phase_label, category_labels=CATEGORY_LABELS, cost_categories=list(CostCategory),
        cost_labels=COST_LABELS, column_help=COLUMN_HELP, kept=kept,
        kept_period=history.kept_period(q.start, q.end, today()),
        csv_url=url_for("statistik.csv", **args), records_url=url_for("statistik.records_csv", **args),
        xlsx_url=url_for("statistik.xlsx", **args), records_xlsx_url=url_for("statistik.records_xlsx", **args),
        stats_column_help=STATS_COLUMN_HELP,
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


def kept_rows(doc: dict) -> list[list]:
    """The kept on-site days per agency (history.kept_document) as /statistik.csv rows."""
    return [["opd_kept_days", row["opd"], doc["from"], doc["to"], row["short_name"], "", "", measure,
             "" if row[measure] is None else row[measure]]
            for row in doc["opds"] for measure in history.SUMMARY_MEASURES]


def download_notes(q: StatsQuery, title: str, definitions) -> Notes:
    """The "Keterangan" sheet of a statistics workbook: source, the choice made, definitions."""
    if current_app.config["SHOW_DEMO_BANNER"]:
        notice = _("Demo data.") + " " + _("Units, hours, reports and figures on this portal are examples for "
                                           "the trial, not official data of the Kota Bekasi government.")
    else:
        notice = _("Figures as the agencies of Kota Bekasi entered them on this portal.")
    indicator = next((name for slug, name, _unit in indicator_choices() if slug == q.indicator), None)
    return Notes(
        title=title,
        source=_("Portal Layanan Kota Bekasi, %(url)s (definitions: %(definitions)s)",
                 url=external_url("statistik.index", **page_args(q)),
                 definitions=external_url("statistik.index") + "#definisi"),
        notice=notice,
        filters=[(_("Period"), f"{medium_date(q.start)} – {medium_date(q.end)}"),
                 (_("Agency (OPD)"), q.opd.name if q.opd is not None else _("All agencies")),
                 (_("Output indicator"), indicator or _("All indicators"))],
        definitions=definitions,
        labels={"source": _("Source"), "filters": _("Filters"), "definitions": _("Definitions")},
    )


def stats_table(q: StatsQuery) -> tuple[tuple[str, ...], list[list]]:
    doc = opendata.statistics_document(load(q), q.opd, q.indicator)
    rows = opendata.statistics_rows(doc) + kept_rows(history.kept_document(q.start, q.end, today(), q.opd))
    return opendata.STATS_COLUMNS, rows


@bp.get("/statistik.csv")
def csv():
    """The figures of /statistik as CSV: one figure per row, stable columns (UTF-8 with BOM)."""
    q = stats_query(PAGE_ARGS)
    return csv_response(to_csv(*stats_table(q)), file_stem(q, "statistik") + ".csv")


@bp.get("/statistik.xlsx")
def xlsx():
    """The figures of /statistik.csv as an Excel workbook, with a sheet of notes."""
    q = stats_query(PAGE_ARGS)
    definitions = [(column, f"{meaning} {codes}".strip()) for column, (meaning, codes) in STATS_COLUMN_HELP.items()]
    notes = download_notes(q, _("Output and disruption statistics"), definitions)
    return xlsx_response(to_xlsx(*stats_table(q), notes, date_columns=STATS_DATE_COLUMNS),
                         file_stem(q, "statistik") + ".xlsx")


@bp.get("/statistik/data.csv")
def records_csv():
    """The raw daily output records of the range as CSV, in the columns of the import template."""
    q = stats_query(PAGE_ARGS)
    rows = opendata.stream_record_rows(db.engine, opendata.record_query(q.start, q.end, q.opd, q.indicator))
    # Streamed: two years hold a million rows (60 MB), never built whole in memory.
    return csv_response(csv_chunks(opendata.RECORD_COLUMNS, rows), file_stem(q, "output-harian") + ".csv")


# A workbook is built whole in memory (about 1 KB a row): a two-year range of every agency (a
# million records) would take gigabytes and pass Excel's 1,048,576 rows; the CSV streams any range.
XLSX_MAX_RECORDS = 100_000


@bp.get("/statistik/data.xlsx")
def records_xlsx():
    """The raw daily output records as an Excel workbook, with a sheet of notes."""
    q = stats_query(PAGE_ARGS)
    query = opendata.record_query(q.start, q.end, q.opd, q.indicator)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if count > XLSX_MAX_RECORDS:
        bad_request(_("This range holds %(count)s daily records, more than one workbook of this portal carries "
                      "(%(max)s). Choose a shorter range, one agency or one indicator, or download the CSV.",
                      count=number(count), max=number(XLSX_MAX_RECORDS)))
    rows = opendata.record_rows(q.start, q.end, q.opd, q.indicator)
    notes = download_notes(q, _("Daily output records"),
                           [(column, str(meaning)) for column, meaning in COLUMN_HELP.items()])
    return xlsx_response(to_xlsx(opendata.RECORD_COLUMNS, rows, notes, date_columns=RECORD_DATE_COLUMNS),
                         file_stem(q, "output-harian") + ".xlsx")


from . import commands, totals  # noqa: E402,F401  (flask import-outputs, rebuild-stats; totals on flush)
