"""Public pages: the day's status of every unit, one unit, the units x days grid."""

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from .. import availability, badge, calendar_export, history, stats, timeline
from ..clock import today
from ..errors import default_message, not_found, title
from ..extensions import db
from ..htmx import render, wants_fragment
from ..i18n import long_date, medium_date
from ..models import Kecamatan, Opd, Report, ReportStatus, ServiceUnit
from ..reports import service as reports
from ..params import choice_arg, date_arg, int_arg, slug_arg, text_arg
from ..schedule import Status

bp = Blueprint("public", __name__)


@bp.record_once
def add_template_globals(state) -> None:
    # The unit page's history section (templates/public/_unit_history.html) asks for its strip.
    state.app.jinja_env.globals["unit_history"] = lambda unit: history.unit_strip(unit, today())


def unit_filters() -> dict:
    """The OPD, kecamatan and text filters shared by the list and the grid."""
    return {
        "opd": slug_arg("opd", Opd, _("agency (OPD)")),
        "kecamatan": slug_arg("kecamatan", Kecamatan, _("kecamatan")),
        "text": text_arg("q"),
    }


def filter_choices() -> dict:
    return {
        "opds": db.session.scalars(select(Opd).order_by(Opd.short_name)).all(),
        "kecamatans": db.session.scalars(select(Kecamatan).order_by(Kecamatan.name)).all(),
    }


def get_unit(slug: str) -> ServiceUnit:
    unit = db.session.scalar(select(ServiceUnit).filter_by(slug=slug, active=True))
    if unit is None:
        not_found(_("There is no service unit “%(slug)s”. Look for it in the list of units.",
                    slug=slug[:80]))
    return unit


HOME_UNITS_PER_PAGE = 120  # ?halaman=: a city the size of the demo (107 units) fits on one page


@dataclass(frozen=True)
class ListPage:
    """One page of a list already read in full (the home page counts every unit by status)."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def items(self, rows: list) -> list:
        return rows[self.first - 1:self.last]


def page_of(total: int, per_page: int) -> ListPage:
    """The page asked for by ?halaman= (400 when not a number, 404 past the last page)."""
    page = ListPage(int_arg("halaman", 1, 1, 10_000), per_page, total)
    if page.page > max(page.pages, 1):
        not_found(ngettext("There is no page %(page)d: this list has %(num)d page.",
                           "There is no page %(page)d: this list has %(num)d pages.",
                           page.pages, page=page.page))
    return page


@bp.get("/")
def index():
    """Every unit's status on the chosen date (today when absent), with filters, a page at a time."""
    day = date_arg("tanggal", today())
    filters = unit_filters()
    status = choice_arg("status", [s.value for s in Status], _("status"))
    rows, calendar = availability.day_list(day, **filters)
    counts = availability.count_by_status(rows)
    if status:
        rows = [row for row in rows if row.day.status == status]
    pagination = page_of(len(rows), HOME_UNITS_PER_PAGE)
    banner = availability.day_banner(day, calendar.phase_on(day), calendar.holidays.get(day))
    return render(
        "public/index.html", "results",
        day=day, today=today(), rows=pagination.items(rows), pagination=pagination, counts=counts,
        total=sum(counts.values()), selected_status=status, banner=banner, fragment=wants_fragment(),
        phases=availability.load_timeline(day),
        # Another day lists the same units, so it keeps the page; unless they are filtered by status.
        day_page=pagination.page if pagination.page > 1 and not status else None,
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
        **filters, **filter_choices(),
    )


@bp.get("/unit/<slug>")
def unit(slug: str):
    """One unit: details, the next days, the next on-site day, how to reach it online."""
    unit = get_unit(slug)
    start = date_arg("tanggal", today())
    days, next_onsite = availability.unit_outlook(unit, start, current_app.config["UNIT_PAGE_DAYS"])
    return render("public/unit.html", unit=unit, start=start, days=days, next_onsite=next_onsite,
                  today=today())


@bp.get("/unit/<slug>.ics")
def unit_ics(slug: str):
    """The unit's next days as an iCalendar file to subscribe to."""
    unit = get_unit(slug)
    start = today()
    days, _next = availability.unit_outlook(unit, start, current_app.config["UNIT_ICS_DAYS"], horizon=1)
    response = make_response(calendar_export.unit_calendar(unit, days))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'inline; filename="{unit.slug}.ics"'
    return response


OPD_OPEN_REPORTS = 20  # the newest open reports on an agency's page; /laporan?opd= has them all
OPEN_REPORT_STATUSES = [status.value for status in ReportStatus if not status.closed]


@bp.get("/opd/<slug>")
def opd(slug: str):
    """An agency: its units today, its 90-day history, output and report figures, open reports, contact."""
    found = db.session.scalar(select(Opd).filter_by(slug=slug))
    if found is None:
        not_found(_("There is no agency (OPD) “%(slug)s”. Look for it in the list of units.", slug=slug[:80]))
    day = today()
    units = db.session.scalars(availability.unit_query(opd=found)).unique().all()
    strip, unit_summaries = history.opd_strip(units, day)
    figures = stats.load(strip.first, strip.last, opd=found)
    open_reports = db.session.scalars(
        reports.public_query(opd=found).where(Report.status.in_(OPEN_REPORT_STATUSES)).limit(OPD_OPEN_REPORTS)).all()
    return render("public/opd.html", opd=found, today=day, rows=availability.statuses_on(units, day),
                  strip=strip, unit_summaries=unit_summaries, figures=figures,
                  row=next((row for row in figures.opds if row.opd.id == found.id), None),
                  open_reports=open_reports)
@bp.get("/unit/<slug>/badge.svg")
def unit_badge(slug: str):
    """A shields-style image of the unit's status on a day (today) for other sites."""
    try:
        unit = get_unit(slug)
        day = date_arg("tanggal", today())
    except HTTPException as error:
        return badge_response(_("Portal Layanan"), title(error.code), badge.ERROR_COLOUR,
                              getattr(error, "portal_message", None) or default_message(error.code),
                              error.code)
    status = availability.statuses_on([unit], day)[0].day.status
    label = badge.shorten(unit.name) + ("" if day == today() else f" · {medium_date(day)}")
    words = str(availability.STATUS_LABELS[status])
    return badge_response(label, words, badge.STATUS_COLOURS[status],
                          f"{unit.name}, {long_date(day)}: {words}")


def badge_response(label: str, message: str, colour: str, text: str, status: int = 200):
    body = render_template("public/badge.svg", badge=badge.layout(label, message, colour), title=text,
                           label_colour=badge.LABEL_COLOUR)
    response = make_response(body, status)
    response.mimetype = "image/svg+xml"
    return response


@bp.get("/unit/<slug>/widget")
def unit_widget(slug: str):
    """A small card of the unit's status on a day (today) that other sites may frame."""
    unit = get_unit(slug)
    day = date_arg("tanggal", today())
    days, next_onsite = availability.unit_outlook(unit, day, 1)
    return render("public/widget.html", unit=unit, first=days[0], next_onsite=next_onsite, today=today())


GRID_UNITS_PER_PAGE = 50  # /jadwal?halaman=2: the grid never grows without bound


@bp.get("/jadwal")
def grid():
    """Units x days: a week by default, up to a month."""
    start = date_arg("mulai", None)
    if start is None:
        start = today() - timedelta(days=today().weekday())  # Monday of this week
    days = int_arg("hari", 7, 1, 31)
    filters = unit_filters()
    pagination = db.paginate(availability.unit_query(**filters), page=int_arg("halaman", 1, 1, 10_000),
                             per_page=GRID_UNITS_PER_PAGE, error_out=False)
    units = pagination.items
    dates = [start + timedelta(days=offset) for offset in range(days)]
    # From the day before: a phase that starts on the first day shown is a boundary too.
    calendar = availability.load_calendar(start - timedelta(days=1), dates[-1], [unit.id for unit in units])
    rows = availability.grid(units, start, days, calendar)
    return render(
        "public/grid.html", "results",
        start=start, days=days, dates=dates, rows=rows, calendar=calendar, fragment=wants_fragment(),
        boundaries=timeline.boundaries(calendar.phases, dates),
        pagination=pagination,
        prev_start=start - timedelta(days=days), next_start=start + timedelta(days=days),
        **filters, **filter_choices(),
    )


@bp.get("/healthz")
def healthz():
    """Liveness and database check for operators and load balancers."""
    try:
        db.session.execute(select(func.count()).select_from(ServiceUnit)).scalar_one()
    except Exception as error:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        current_app.logger.warning("health check failed: %s", error)
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
