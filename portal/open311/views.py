"""Open311 GeoReport v2: discovery, services (one per disruption category), and service
requests (our disruption reports), in JSON and XML.

A request's location is a service unit: ``attribute[unit]`` or ``address_id`` with the unit's
slug, or ``lat`` and ``long`` (the nearest unit within OPEN311_MAX_DISTANCE_M). POST is
validated by the same form as /lapor, shares its rate limit and spam rules, and needs no API
key. GET never returns personal data; lists leave out confidential reports and spam.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from ..clock import EARLIEST_DATE, LATEST_DATE, local, local_iso, now, parse_datetime, today, zone
from ..extensions import csrf, db, limiter
from ..models import Report, ReportCategory, ReportStatus, ServiceUnit, Visibility
from ..reports import codes, service
from ..reports.forms import ReportForm
from ..reports.views import lookup_limit, submit_limit
from ..reports.words import CATEGORY_HELP, CATEGORY_LABELS, VISIBILITY_LABELS
from ..urls import external_url
from .formats import respond

bp = Blueprint("open311", __name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-11-01T00:00:00+07:00"  # when this API last changed
MAX_WINDOW = timedelta(days=90)
MAX_IDS = 100
FMT = "<any(json, xml):fmt>"
TRUE = ("true", "1", "yes", "y", "on")
# Report form field -> the Open311 argument that carries it, for error messages.
ARGUMENTS = {
    "unit": "attribute[unit]",
    "category": "service_code",
    "description": "description",
    "visited_on": "attribute[visited_at]",
    "visited_at": "attribute[visited_at]",
    "visibility": "attribute[visibility]",
    "name": "first_name",
    "phone": "phone",
    "email": "email",
    "consent": "attribute[consent]",
}


class Open311Error(Exception):
    def __init__(self, status: int, descriptions: list[str]):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions


@bp.errorhandler(Open311Error)
def handle_open311_error(error: Open311Error):
    from .formats import error_response

    return error_response(error.status, error.descriptions)


@bp.url_defaults
def json_by_default(endpoint: str, values: dict) -> None:
    if "fmt" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "fmt"):
        values["fmt"] = "json"


@bp.before_request
def check_jurisdiction() -> None:
    """One jurisdiction: a matching jurisdiction_id is ignored, another one is unknown."""
    asked = request.values.get("jurisdiction_id", "").strip()
    if asked and asked != current_app.config["OPEN311_JURISDICTION"]:
        raise Open311Error(404, [_("Unknown jurisdiction_id “%(value)s”; this server serves %(ours)s.",
                                   value=asked[:60], ours=current_app.config["OPEN311_JURISDICTION"])])


# --- discovery and services -------------------------------------------------------------------

@bp.get("/")
def index():
    """The API's root leads to its discovery document."""
    return redirect(url_for("open311.discovery"), 302)


def limit_text(spec: str) -> str:
    """A rate limit such as "10 per minute; 60 per hour" in the reader's language."""
    from limits import parse_many

    per = {"second": _("per second"), "minute": _("per minute"), "hour": _("per hour"), "day": _("per day"),
           "month": _("per month"), "year": _("per year")}
    parts = []
    for item in parse_many(spec):
        unit = item.GRANULARITY.name
        if item.multiples == 1:
            parts.append(f"{item.amount} {per[unit]}")
        else:
            parts.append(_("%(num)d per %(count)d %(unit)s", num=item.amount, count=item.multiples,
                           unit=unit_words(unit)))
    return "; ".join(parts)


def unit_words(unit: str) -> str:
    return {"second": _("seconds"), "minute": _("minutes"), "hour": _("hours"), "day": _("days"),
            "month": _("months"), "year": _("years")}[unit]


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    """Where the API is, what it speaks, and whether a key is needed (no)."""
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": current_app.config["OPEN311_CONTACT"],
        "key_service": _("No API key is needed. New requests are limited per IP address (%(limit)s) "
                         "and checked like the web form at /lapor. The location of a request is a "
                         "service unit: attribute[unit] or address_id with the unit's slug (as in "
                         "/unit/SLUG), or lat and long of a point within %(metres)d m of the unit.",
                         limit=limit_text(current_app.config["REPORT_RATE_LIMIT"]),
                         metres=current_app.config["OPEN311_MAX_DISTANCE_M"]),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": external_url("open311.index").rstrip("/"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })


def service_entry(category: ReportCategory) -> dict:
    return {
        "service_code": category.value,
        "service_name": str(CATEGORY_LABELS[category]),
        "description": str(CATEGORY_HELP[category]),
        "metadata": True,
        "type": "realtime",
        "keywords": "gangguan layanan, laporan, " + category.value.replace("_", " "),
        "group": _("Public service disruption"),
    }


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    """One service per disruption category."""
    return respond(fmt, "services", [service_entry(category) for category in ReportCategory])


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    """The attributes a request of this service takes: unit, time of visit, visibility, consent."""
    if service_code not in {c.value for c in ReportCategory}:
        raise Open311Error(404, [_("Unknown service_code “%(value)s”.", value=service_code[:60])])
    units = service.active_units()
    attributes = [
        {"variable": True, "code": "unit", "datatype": "singlevaluelist", "required": False,
         "datatype_description": _("The slug of a service unit, as in /unit/SLUG."), "order": 1,
         "description": _("The service unit the report is about. Required unless address_id (the same "
                          "slug) or lat and long (the nearest unit within %(metres)d m) is given.",
                          metres=current_app.config["OPEN311_MAX_DISTANCE_M"]),
         "values": [{"key": unit.slug, "name": f"{unit.name} ({unit.opd.short_name})"} for unit in units]},
        {"variable": True, "code": "visited_at", "datatype": "datetime", "required": False,
         "datatype_description": _("ISO 8601, e.g. 2025-11-06T09:30:00+07:00; a date alone is accepted."),
         "order": 2, "description": _("When the unit was visited or reached; now when left out. At most "
                                      "%(days)d days ago.", days=current_app.config["REPORT_MAX_AGE_DAYS"]),
         "values": []},
        {"variable": True, "code": "visibility", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "", "order": 3,
         "description": _("Who may see the report; public when left out."),
         "values": [{"key": v.value, "name": str(VISIBILITY_LABELS[v])} for v in Visibility]},
        {"variable": True, "code": "consent", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "", "order": 4,
         "description": _("Required (true) when email, first_name, last_name or phone is given: consent to "
                          "the processing of this contact data to follow up the report (UU 27/2022). "
                          "Contact data is never returned by this API."),
         "values": [{"key": "true", "name": _("I agree")}]},
    ]
    return respond(fmt, "service_definition", {"service_code": service_code, "attributes": attributes})


# --- requests ---------------------------------------------------------------------------------

def status_notes(report: Report) -> str | None:
    answers = [update.public_message for update in report.updates if update.public_message]
    return answers[-1] if answers else None


def request_entry(report: Report) -> dict:
    """One report as an Open311 service request. Never any contact data."""
    days = current_app.config["REPORT_RESPONSE_TARGET_DAYS"]
    due, _overdue = service.answer_deadline(report, days, today())
    unit = report.unit
    return {
        "service_request_id": report.code,
        "status": "closed" if ReportStatus(report.status).closed else "open",
        "status_notes": status_notes(report),
        "service_name": str(CATEGORY_LABELS[ReportCategory(report.category)]),
        "service_code": report.category,
        "description": report.description if report.visibility != Visibility.CONFIDENTIAL.value else None,
        "agency_responsible": report.opd.name,
        "service_notice": None,
        "requested_datetime": local_iso(report.created_at),
        "updated_datetime": local_iso(report.updated_at),
        "expected_datetime": datetime.combine(due, time(23, 59, 59), tzinfo=zone()).isoformat(),
        "address": f"{unit.name}, {unit.address}" if unit.address else unit.name,
        "address_id": unit.slug,
        "zipcode": None,
        "lat": unit.latitude,
        "long": unit.longitude,
        "media_url": None,
    }


def comma_list(name: str) -> list[str]:
    return [item.strip() for item in request.args.get(name, "").split(",") if item.strip()]


def datetime_arg(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise Open311Error(400, [_("%(name)s must be an ISO 8601 date-time between the years %(first)d "
                                   "and %(last)d, e.g. 2025-11-06T00:00:00+07:00.", name=name,
                                   first=EARLIEST_DATE.year, last=LATEST_DATE.year)]) from None


def loaded(query):
    return query.options(joinedload(Report.unit), joinedload(Report.opd), selectinload(Report.updates))


def looks_up_codes() -> bool:
    return bool(request.args.get("service_request_id", "").strip())


def codes_looked_up() -> int:
    """Each tracking code asked for counts against the lookup limit (a list is many lookups)."""
    return max(1, min(len(comma_list("service_request_id")), MAX_IDS))


@bp.get(f"/requests.{FMT}")
@limiter.shared_limit(lookup_limit, scope="report-lookup", exempt_when=lambda: not looks_up_codes(),
                      cost=codes_looked_up)
def requests(fmt: str):
    """Listed reports: by service_request_id, or by service_code, status and a window of at most
    90 days (the last 90 days by default), newest first, at most 1000."""
    query = service.listed()
    ids = comma_list("service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, [_("At most %(num)d service_request_id values at once.", num=MAX_IDS)])
        prefix = current_app.config["REPORT_CODE_PREFIX"]
        query = query.where(Report.code.in_([codes.normalize(i, prefix) or "" for i in ids]))
    else:
        known = {c.value for c in ReportCategory}
        wanted = comma_list("service_code")
        unknown = [code for code in wanted if code not in known]
        if unknown:
            raise Open311Error(400, [_("Unknown service_code “%(value)s”.", value=code[:60]) for code in unknown])
        if wanted:
            query = query.where(Report.category.in_(wanted))
        statuses = comma_list("status")
        if any(status not in ("open", "closed") for status in statuses):
            raise Open311Error(400, [_("status must be open or closed.")])
        closed = [ReportStatus.RESOLVED.value, ReportStatus.REJECTED.value]
        if statuses == ["open"]:
            query = query.where(Report.status.not_in(closed))
        elif statuses == ["closed"]:
            query = query.where(Report.status.in_(closed))
        start, end = datetime_arg("start_date"), datetime_arg("end_date")
        if end is None:
            end = start + MAX_WINDOW if start else service.local_day_start(today() + timedelta(days=1))
        if start is None:
            start = end - MAX_WINDOW
        if start > end:
            raise Open311Error(400, [_("start_date must be before end_date.")])
        if end - start > MAX_WINDOW:
            raise Open311Error(400, [_("The window from start_date to end_date may be at most 90 days.")])
        query = query.where(Report.created_at >= start, Report.created_at <= end)
    query = loaded(query).order_by(Report.created_at.desc(), Report.id.desc())
    reports = db.session.scalars(query.limit(current_app.config["OPEN311_MAX_REQUESTS"])).unique().all()
    return respond(fmt, "service_requests", [request_entry(report) for report in reports])


@bp.get(f"/requests/<request_id>.{FMT}")
@limiter.shared_limit(lookup_limit, scope="report-lookup")
def request_detail(request_id: str, fmt: str):
    """One request by its id (the tracking code), like the tracking page: a confidential one shows
    its status and answers, not its description."""
    report = service.find(request_id, current_app.config["REPORT_CODE_PREFIX"])
    if report is None:
        raise Open311Error(404, [_("There is no request with the id “%(value)s”.", value=request_id[:60])])
    return respond(fmt, "service_requests", [request_entry(report)])


# --- a new request ------------------------------------------------------------------------------

def number(name: str) -> float | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, [_("%(name)s must be a number.", name=name)]) from None
    if not math.isfinite(value):
        raise Open311Error(400, [_("%(name)s must be a number.", name=name)])
    return value


def locate() -> tuple[ServiceUnit | None, list[str]]:
    """The active unit a POST points at (one query, not every unit), and what was wrong with its
    location."""
    slug = (request.form.get("attribute[unit]") or request.form.get("address_id") or "").strip()
    if slug:
        unit = service.unit_by_slug(slug)
        if unit is None:
            return None, [_("Unknown service unit “%(value)s” in attribute[unit] or address_id.",
                            value=slug[:60])]
        return unit, []
    lat, lon = number("lat"), number("long")
    if lat is None and lon is None:
        return None, [_("A location is required: attribute[unit] or address_id with the slug of a service "
                      "unit, or lat and long.")]
    if lat is None or lon is None or not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        return None, [_("lat and long must be given together, as a latitude and a longitude in degrees.")]
    unit = service.nearest_unit(lat, lon, current_app.config["OPEN311_MAX_DISTANCE_M"])
    if unit is None:
        return None, [_("No service unit within %(metres)d m of this point; give attribute[unit] instead.",
                        metres=current_app.config["OPEN311_MAX_DISTANCE_M"])]
    return unit, []


def visit_fields() -> tuple[str, str]:
    """visited_on and visited_at (Bekasi time) from attribute[visited_at]; now when absent."""
    raw = request.form.get("attribute[visited_at]", "").strip()
    if not raw:
        moment = local(now())
        return moment.date().isoformat(), moment.strftime("%H:%M")
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        raise Open311Error(400, [_("attribute[visited_at] must be an ISO 8601 date-time, e.g. "
                                   "2025-11-06T09:30:00+07:00.")]) from None
    if len(raw) == 10:  # a date alone
        return parsed.date().isoformat(), ""
    moment = local(parsed)
    return moment.date().isoformat(), moment.strftime("%H:%M")


@bp.post(f"/requests.{FMT}")
@csrf.exempt
@limiter.shared_limit(submit_limit, scope="report-submit")
def create_request(fmt: str):
    """A new report through Open311, validated by the same form as /lapor."""
    unit, problems = locate()
    units = [unit] if unit is not None else []
    visited_on, visited_at = visit_fields()
    name = " ".join(part for part in (request.form.get("first_name", "").strip(),
                                      request.form.get("last_name", "").strip()) if part)
    formdata = MultiDict({
        "unit": unit.slug if unit is not None else "",
        "category": request.form.get("service_code", ""),
        "description": request.form.get("description", ""),
        "visited_on": visited_on,
        "visited_at": visited_at,
        "visibility": request.form.get("attribute[visibility]", "").strip() or Visibility.PUBLIC.value,
        "name": name,
        "phone": request.form.get("phone", ""),
        "email": request.form.get("email", ""),
    })
    if request.form.get("attribute[consent]", "").strip().lower() in TRUE:
        formdata["consent"] = "y"
    form = ReportForm(formdata=formdata, units=units, meta={"csrf": False})
    form.unit.choices = [(u.slug, u.name) for u in units]  # never rendered: no need for every unit
    valid = form.validate()
    for field, errors in form.errors.items():
        if field == "unit" and problems:
            continue
        problems.extend(f"{ARGUMENTS.get(field, field)}: {error}" for error in errors)
    if problems or not valid:
        raise Open311Error(400, problems)
    report, _created = service.submit(form.new_report(units, "open311"),
                                      prefix=current_app.config["REPORT_CODE_PREFIX"],
                                      max_links=current_app.config["REPORT_SPAM_MAX_LINKS"])
    notice = _("Report received. Follow it at %(url)s; the agency answers publicly within %(days)d working days.",
               url=external_url("reports.track", code=report.code),
               days=current_app.config["REPORT_RESPONSE_TARGET_DAYS"])
    return respond(fmt, "service_requests",
                   [{"service_request_id": report.code, "service_notice": notice, "account_id": None}], 201)
