"""The JSON API under /api/v1/ (open data): OPDs, units, their status on a date, statistics,
raw output records and public reports. English field names; statuses open, limited, online,
closed. Every answer may be read from any site (CORS for GET); errors are JSON too
(portal/errors.py); the OpenAPI document in openapi.py describes every endpoint."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import availability, history, opendata
from ..clock import local_iso, today
from ..errors import bad_request, not_found
from ..extensions import csrf, db
from ..htmx import render
from ..models import Kecamatan, Opd, OutputIndicator, Report, ReportCategory, ReportStatus, ServiceUnit
from ..params import choice_arg, date_arg, int_arg, slug_arg, text_arg
from ..reports.service import public_query
from ..schedule import Status
from ..statistik.query import API_ARGS, stats_query
from ..urls import external_url
from ..statistik.query import load as load_statistics
from .openapi import document, for_people

bp = Blueprint("api", __name__)
csrf.exempt(bp)

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_OUTLOOK_DAYS = 60


@bp.after_app_request
def allow_cross_origin(response):
    """Any site may read the API (GET only; no cookies are needed)."""
    if request.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.before_request
def strict_query() -> None:
    """The API takes what its document says: every query argument once, never empty or blank
    (the web pages read a blank as absent), and ``lang`` id or en (the web pages are lenient, the
    API is not)."""
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1:
            bad_request(_("The argument “%(name)s” is given more than once.", name=name[:40]))
        if not values[0].strip():
            bad_request(_("The argument “%(name)s” is empty; leave it out instead.", name=name[:40]))
    if "lang" in request.args and request.args["lang"] not in current_app.config["LANGUAGES"]:
        bad_request(_("Unknown language “%(value)s”: use id or en.", value=request.args["lang"][:40]))


def codes() -> dict[str, list[str]]:
    """The codes the document lists as the accepted values of opd, kecamatan and indicator."""
    return {
        "opd": list(db.session.scalars(select(Opd.slug))),
        "kecamatan": list(db.session.scalars(select(Kecamatan.slug))),
        "indicator": list(db.session.scalars(select(OutputIndicator.slug).distinct())),
        "unit": list(db.session.scalars(select(ServiceUnit.slug).where(ServiceUnit.active.is_(True)))),
    }


def page_args() -> tuple[int, int]:
    return int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT), int_arg("offset", 0, 0, 10_000_000)


def time_text(value) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def opd_ref(opd: Opd) -> dict:
    return {"slug": opd.slug, "short_name": opd.short_name}


def unit_doc(unit: ServiceUnit) -> dict:
    return {
        "slug": unit.slug,
        "name": unit.name,
        "opd": opd_ref(unit.opd),
        "kecamatan": {"slug": unit.kecamatan.slug, "name": unit.kecamatan.name},
        "kelurahan": ({"slug": unit.kelurahan.slug, "name": unit.kelurahan.name} if unit.kelurahan else None),
        "address": unit.address,
        "latitude": unit.latitude,
        "longitude": unit.longitude,
        "phone": unit.phone,
        "whatsapp": unit.whatsapp,
        "email": unit.email,
        "online_channel": ({"name": unit.online_channel_name, "url": unit.online_channel_url}
                           if unit.online_channel_url else None),
        "services": unit.service_list,
        "essential": unit.essential,
        "open_24_7": unit.open_24_7,
        "regular_hours": [{"weekday": h.weekday, "opens": time_text(h.opens), "closes": time_text(h.closes)}
                          for h in unit.hours],
        "url": external_url("public.unit", slug=unit.slug),
    }


def day_doc(day) -> dict:
    """A unit's status on a date and why, in the language of the request (?lang=en)."""
    return {
        "date": day.day.isoformat(),
        "status": day.status.value,
        "opens": None if day.status is Status.CLOSED else time_text(day.opens),
        "closes": None if day.status is Status.CLOSED else time_text(day.closes),
        "decided_by": day.source.value,
        "reason": availability.explain(day),
        "phase": availability.phase_name(day.phase) if day.phase else None,
        "holiday": availability.holiday_name(day.holiday) if day.holiday else None,
    }


def get_unit(slug: str) -> ServiceUnit:
    unit = db.session.scalar(select(ServiceUnit).filter_by(slug=slug, active=True))
    if unit is None:
        not_found(_("There is no service unit “%(slug)s”. Look for it in the list of units.", slug=slug[:80]))
    return unit


def unit_filters() -> dict:
    return {
        "opd": slug_arg("opd", Opd, _("agency (OPD)")),
        "kecamatan": slug_arg("kecamatan", Kecamatan, _("kecamatan")),
        "text": text_arg("q"),
    }


@bp.get("/api/")
def docs():
    """The API and downloads explained for people, from the same OpenAPI document."""
    return render("api/docs.html", spec=for_people(document(codes()), _))


@bp.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(document(codes()))


@bp.get("/api/v1/opds")
def opds():
    """Every agency with its number of active units and its output indicators."""
    counts = dict(db.session.execute(
        select(ServiceUnit.opd_id, func.count()).where(ServiceUnit.active.is_(True)).group_by(ServiceUnit.opd_id)).all())
    indicators: dict[int, list[dict]] = {}
    for ind in db.session.scalars(select(OutputIndicator).where(OutputIndicator.active.is_(True))
                                  .order_by(OutputIndicator.slug)):
        indicators.setdefault(ind.opd_id, []).append(
            {"slug": ind.slug, "name": ind.name, "unit_of_measure": ind.unit_of_measure})
    data = [
        {"slug": opd.slug, "short_name": opd.short_name, "name": opd.name, "kind": opd.kind,
         "website": opd.website, "phone": opd.phone, "unit_count": counts.get(opd.id, 0),
         "indicators": indicators.get(opd.id, [])}
        for opd in db.session.scalars(select(Opd).order_by(Opd.short_name))
    ]
    return jsonify(data=data)


@bp.get("/api/v1/units")
def units():
    """Active service units, filtered by agency, kecamatan, text and the essential flag."""
    filters = unit_filters()
    essential = choice_arg("essential", ["true", "false"], "essential")
    query = availability.unit_query(**filters)
    if essential is not None:
        query = query.where(ServiceUnit.essential.is_(essential == "true"))
    return jsonify(data=[unit_doc(unit) for unit in db.session.scalars(query).unique()])


@bp.get("/api/v1/units/<slug>")
def unit(slug: str):
    """One unit, with its status over the coming days, its next on-site day and its last 90 days."""
    found = get_unit(slug)
    start = date_arg("from", today())
    count = int_arg("days", 7, 1, MAX_OUTLOOK_DAYS)
    days, next_onsite = availability.unit_outlook(found, start, count)
    return jsonify(data={**unit_doc(found), "days": [day_doc(day) for day in days],
                         "next_onsite_day": day_doc(next_onsite) if next_onsite else None,
                         "history": history.strip_doc(history.unit_strip(found, today()))})


@bp.get("/api/v1/status")
def status():
    """Every active unit's status on a date (today when absent), with the reason."""
    day = date_arg("date", today())
    filters = unit_filters()
    wanted = choice_arg("status", [s.value for s in Status], "status")
    found = db.session.scalars(availability.unit_query(**filters)).unique().all()
    rows = availability.statuses_on(found, day)
    counts = {s.value: n for s, n in availability.count_by_status(rows).items()}
    if wanted:
        rows = [row for row in rows if row.day.status == wanted]
    calendar = availability.load_calendar(day, day, [])
    phase = calendar.phase_on(day)
    holiday = calendar.holidays.get(day)
    return jsonify(
        date=day.isoformat(),
        phase=availability.phase_name(phase) if phase else None,
        holiday=availability.holiday_name(holiday) if holiday else None,
        counts=counts,
        data=[{"unit": row.unit.slug, "name": row.unit.name, "opd": row.unit.opd.slug, **day_doc(row.day)}
              for row in rows],
    )


@bp.get("/api/v1/statistics")
def statistics():
    """The figures of /statistik for a range, an agency and an indicator."""
    q = stats_query(API_ARGS)
    s = load_statistics(q)
    return jsonify({**opendata.statistics_document(s, q.opd, q.indicator),
                    "kept_onsite_days": history.kept_document(q.start, q.end, today(), q.opd)})


# /api/v1/ikm reads the statistics' range and OPD; it has no indicator and no sort order.
IKM_ARGS = {**API_ARGS, "indicator": "", "sort": ""}


@bp.get("/api/v1/ikm")
def ikm():
    """The citizen satisfaction index (PermenPANRB 14/2017): the table of /statistik's IKM section."""
    from ..survey import publish

    q = stats_query(IKM_ARGS)
    unit = slug_arg("unit", ServiceUnit, _("service unit"))
    if unit is not None and q.opd is not None and unit.opd_id != q.opd.id:
        not_found(_("The unit “%(unit)s” does not belong to the agency “%(opd)s”.", unit=unit.slug[:40],
                      opd=q.opd.slug[:40]))
    s = publish.summary(q.start, q.end, opd=q.opd, unit=unit)
    _columns, rows = publish.table(s, "Kota Bekasi", opd=q.opd, unit=unit)
    return jsonify({"from": q.start.isoformat(), "to": q.end.isoformat(),
                    "opd": q.opd.slug if q.opd else None, "unit": unit.slug if unit else None,
                    "min_sample": s.min_sample, "data": rows})


@bp.get("/api/v1/output-records")
def output_records():
    """The raw daily output records (open data), paged by day record."""
    q = stats_query(API_ARGS)
    limit, offset = page_args()
    total = opendata.count_records(q.start, q.end, q.opd, q.indicator)
    days = opendata.load_records(q.start, q.end, q.opd, q.indicator, limit=limit, offset=offset)
    return jsonify(total=total, limit=limit, offset=offset, data=[opendata.record_doc(day) for day in days])


def report_doc(report: Report) -> dict:
    """A listed report without any personal data: no name, phone or e-mail, no internal note."""
    return {
        "code": report.code,
        "unit": report.unit.slug,
        "unit_name": report.unit.name,
        "opd": report.opd.slug,
        "category": report.category,
        "status": report.status,
        "description": report.description,
        "visited_on": report.visited_on.isoformat(),
        "created_at": local_iso(report.created_at),
        "first_response_at": local_iso(report.first_response_at),
        "closed_at": local_iso(report.closed_at),
        "updates": [{"at": local_iso(u.at), "status": u.status, "message": u.public_message}
                    for u in report.updates if u.public_message],
    }


@bp.get("/api/v1/reports")
def reports():
    """Publicly listed disruption reports, newest first; confidential and spam never appear."""
    opd = slug_arg("opd", Opd, _("agency (OPD)"))
    wanted_status = choice_arg("status", [s.value for s in ReportStatus], "status")
    category = choice_arg("category", [c.value for c in ReportCategory], "category")
    limit, offset = page_args()
    query = public_query(opd=opd, status=wanted_status, category=category)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = db.session.scalars(query.options(selectinload(Report.updates)).limit(limit).offset(offset)).all()
    return jsonify(total=total, limit=limit, offset=offset,
                   data=[report_doc(report) for report in page])
