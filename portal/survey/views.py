"""The citizen satisfaction survey (/survei), its thank-you page, the counter poster with a QR code
(/unit/SLUG/poster) and the IKM figures as CSV (/statistik/ikm.csv)."""

from __future__ import annotations

import secrets

import segno
from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from .. import charts, htmx, ikm
from ..clock import today
from ..errors import bad_request
from ..extensions import db, limiter
from ..i18n import number
from ..models import ServiceUnit
from ..public.views import get_unit
from ..reports.forms import TOKEN, unit_choices
from ..reports.service import active_units
from ..statistik.query import PAGE_ARGS, stats_query
from ..statistik.views import csv_response, download_notes, file_stem
from ..csv_export import to_csv
from ..urls import external_url
from ..xlsx_export import to_xlsx, xlsx_response
from . import publish, service, words
from .forms import ELEMENT_FIELDS, OTHER_SERVICE, PROFILE_FIELDS, SurveyForm, UnitChoiceForm

bp = Blueprint("survey", __name__)

DEVICE_COOKIE = "skm_perangkat"  # one answer per visit and device: set by /survei only, for a day
DEVICE_COOKIE_SECONDS = 24 * 3600


def submit_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT"]


@bp.record_once
def add_template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        SURVEY_SUGGESTION_STATES=words.SUGGESTION_STATE_LABELS,
        IKM_SPLIT_LABELS=words.SPLIT_LABELS, IKM_GRADE_LABELS=words.GRADE_LABELS,
        unit_ikm=publish.unit_ikm, opd_ikm=publish.opd_ikm, ikm_statistics=statistics_section,
        unit_suggestions=lambda unit: service.public_suggestions(
            unit, current_app.config["SURVEY_PUBLIC_SUGGESTIONS"]),
    )


def active_unit(slug: str) -> ServiceUnit:
    unit = db.session.scalar(select(ServiceUnit).filter_by(slug=slug[:120], active=True))
    if unit is None:
        bad_request(_("Unknown %(label)s “%(value)s”.", label=_("service unit"), value=slug[:40]))
    return unit


def device_cookie() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if TOKEN.fullmatch(value) else None


def with_device_cookie(response, value: str | None):
    """The survey's device cookie (random, a day long, sent back to /survei only)."""
    if value is None:
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(24), max_age=DEVICE_COOKIE_SECONDS,
                            path="/survei", httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def new_answer(form: SurveyForm, unit: ServiceUnit, device: str | None) -> service.NewAnswer:
    token = form.submission_token.data or ""
    return service.NewAnswer(
        unit=unit, service="" if form.service.data == OTHER_SERVICE else form.service.data,
        visited_on=form.visited_on.data, mode=form.mode.data, scores=form.scores(),
        suggestion=form.suggestion.data or None,
        profile={name: form[name].data for name in PROFILE_FIELDS},
        device_key=service.device_key(device, current_app.config["SECRET_KEY"]) if device else None,
        submission_token=token if TOKEN.fullmatch(token) else None, honeypot=form.website.data or "",
    )


@bp.route("/survei", methods=["GET", "POST"])
@limiter.shared_limit(submit_limit, scope="survey-submit", methods=["POST"])
def survey():
    """The satisfaction survey of one unit (PermenPANRB 14/2017); without a unit, a unit chooser."""
    slug = request.args.get("unit", "").strip()
    if not slug and request.method == "GET":
        return choose_unit()
    unit = active_unit(slug) if slug else bad_request(_("Choose the service unit you want to rate."))
    device = device_cookie()
    status = 200
    if request.method == "POST":
        form = SurveyForm(services=unit.service_list)
        if form.validate():
            answer, created = service.submit(new_answer(form, unit, device),
                                             max_links=current_app.config["REPORT_SPAM_MAX_LINKS"])
            if created:
                flash(_("Thank you: your answer has been received."), "success")
            else:
                flash(_("You have already answered for this visit; your first answer counts."), "info")
            return with_device_cookie(htmx.redirect(url_for("survey.thanks", unit=unit.slug)), device)
        status = htmx.error_status()
    else:
        form = SurveyForm(formdata=None, services=unit.service_list, visited_on=today())
    if not TOKEN.fullmatch(form.submission_token.data or ""):
        form.submission_token.data = secrets.token_urlsafe(24)
    response = htmx.render("survey/form.html", "form", status=status, form=form, unit=unit,
                           elements=list(zip(words.ELEMENTS, ELEMENT_FIELDS)), today_iso=today().isoformat(),
                           profile_fields=PROFILE_FIELDS)
    return with_device_cookie(response, device)


def choose_unit():
    form = UnitChoiceForm(formdata=None)
    form.unit.choices = unit_choices(active_units())
    return htmx.render("survey/choose.html", form=form)


@bp.get("/survei/terima-kasih")
def thanks():
    """After an answer: thanks, and the way back to the unit."""
    unit = active_unit(request.args.get("unit", "").strip())
    return htmx.render("survey/thanks.html", unit=unit)


def qr_svg(url: str) -> Markup:
    """The QR code of a URL as inline SVG (segno; error correction M, dark on white)."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=8, border=2, dark="#000", light="#fff", omitsize=True)
    return Markup(svg)


@bp.get("/unit/<slug>/poster")
def poster(slug: str):
    """A printable A4 poster for the counter: scan the QR code to rate this unit."""
    unit = get_unit(slug)
    url = external_url("survey.survey", unit=unit.slug)
    return htmx.render("survey/poster.html", unit=unit, survey_url=url, qr=qr_svg(url))


def statistics_section(q, all_phases=None) -> dict:
    """The IKM section of /statistik for its range and OPD (templates/survey/_statistik_ikm.html):
    the rows of the same table as the CSV, arranged for the page, and its bar charts.
    ``all_phases``: every policy phase, as the page's statistics read them."""
    s = publish.summary(q.start, q.end, opd=q.opd, all_phases=all_phases)
    every_scope = publish.scopes(s, _("Kota Bekasi"), opd=q.opd)
    every_period = publish.periods(s)
    scope_ids = {(scope, slug): scope_id for scope, scope_id, slug, _opd, _name in every_scope}
    phase_ids = {name: phase_id for phase_id, name, _first, _last in every_period}
    scopes = [(scope, slug, name) for scope, _id, slug, _opd, name in every_scope]
    periods = [(name, first, last) for _id, name, first, last in every_period]
    top, parts = scopes[0], scopes[1:]

    def cell(scope, phase="", split=ikm.ALL) -> ikm.Index:
        """The index of a scope (scope, slug, name) in a period (its name) and split."""
        return s.get(scope[0], scope_ids[(scope[0], scope[1])], phase_ids[phase], split)

    def row(scope, phase="") -> list[ikm.Index]:
        """The indexes of a table row: every split."""
        return [cell(scope, phase, split) for split in ikm.SPLITS]

    def value(index: ikm.Index):
        return index.ikm

    def fmt(number_value: float) -> str:
        return number(number_value, 2)

    wfh = charts.Series("wfh", str(words.SPLIT_LABELS[ikm.WFH_DAY]))
    other = charts.Series("wfo", str(words.SPLIT_LABELS[ikm.OTHER_DAY]))
    threshold = float(ikm.GRADES[1][1])
    threshold_label = _("grade B (good) from %(value)s", value=number(threshold, 2))
    return {
        "top": top, "parts": parts, "periods": periods, "cell": cell, "row": row, "min_sample": s.min_sample,
        "splits": ikm.SPLITS, "elements": list(zip(words.ELEMENTS, range(len(ikm.ELEMENTS)))),
        "charts": {
            "parts": charts.hbar_chart([(name, [value(cell((sc, slug, name)))]) for sc, slug, name in parts],
                                       [charts.Series("ikm", "IKM")], fmt, marker=threshold,
                                       marker_label=threshold_label),
            "wfh": charts.hbar_chart([(name, [value(cell((sc, slug, name), split=ikm.WFH_DAY)),
                                              value(cell((sc, slug, name), split=ikm.OTHER_DAY))])
                                      for sc, slug, name in [top, *parts]], [wfh, other], fmt,
                                     marker=threshold, marker_label=threshold_label),
            "phases": charts.hbar_chart([(phase or _("Whole range"), [value(cell(top, phase))])
                                         for phase, _first, _last in periods],
                                        [charts.Series("ikm", "IKM")], fmt, marker=threshold,
                                        marker_label=threshold_label),
        },
        "csv_url": url_for("survey.ikm_csv", **range_args(q, "dari", "sampai")),
        "xlsx_url": url_for("survey.ikm_xlsx", **range_args(q, "dari", "sampai")),
        "api_url": url_for("api.ikm", **range_args(q, "from", "to")),
    }


def range_args(q, start: str, end: str) -> dict:
    """The range and OPD of a statistics query as URL arguments (page or API names)."""
    args = {start: q.start.isoformat(), end: q.end.isoformat()}
    if q.opd is not None:
        args["opd"] = q.opd.slug
    return args


@bp.get("/statistik/ikm.csv")
def ikm_csv():
    """The IKM table of /statistik as CSV: one row per scope, phase and split (UTF-8 with BOM)."""
    q = stats_query(PAGE_ARGS)
    s = publish.summary(q.start, q.end, opd=q.opd)
    columns, rows = publish.table(s, "Kota Bekasi", opd=q.opd)
    return csv_response(to_csv(columns, [[row[c] for c in columns] for row in rows]), file_stem(q, "ikm") + ".csv")


@bp.get("/statistik/ikm.xlsx")
def ikm_xlsx():
    """The IKM table of /statistik/ikm.csv as an Excel workbook, with a sheet of notes."""
    q = stats_query(PAGE_ARGS)
    s = publish.summary(q.start, q.end, opd=q.opd)
    columns, rows = publish.table(s, "Kota Bekasi", opd=q.opd)
    definitions = [
        ("ikm", _("Citizen satisfaction index: the weighted mean of the nine elements (1–4) × 25, as in "
                  "PermenPANRB 14/2017; empty below the minimum number of respondents.")),
        ("grade", _("Service quality grade from the IKM: A (very good) to D (poor).")),
        ("nrr_…", _("Mean score (1–4) of one survey element.")),
        ("split", _("Which answers: all, on-site or online visits, WFH days or other days.")),
    ]
    notes = download_notes(q, _("Citizen satisfaction (IKM)"), definitions)
    return xlsx_response(to_xlsx(columns, [[row[c] for c in columns] for row in rows], notes,
                                 date_columns=("period_start", "period_end")),
                         file_stem(q, "ikm") + ".xlsx")

