"""Residents report disruptions (/lapor), follow them by tracking code (/lapor/KODE) and read the
public list (/laporan)."""

from __future__ import annotations

import secrets

import click
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import htmx
from ..clock import today
from ..errors import bad_request, not_found
from ..extensions import db, limiter
from ..i18n import lang
from ..models import Opd, ReportCategory, ReportStatus, ServiceUnit, Visibility
from ..params import choice_arg, date_arg, int_arg, slug_arg
from ..subscriptions.service import watch_report
from . import service, words
from .forms import (CHECKED_FIELDS, DESCRIPTION_MAX, DESCRIPTION_MIN, TOKEN, ReportForm, TrackForm,
                    unit_choices)

bp = Blueprint("reports", __name__, cli_group=None)


def submit_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


def lookup_limit() -> str:
    return current_app.config["REPORT_LOOKUP_RATE_LIMIT"]


def check_limit() -> str:
    return current_app.config["REPORT_VALIDATE_RATE_LIMIT"]


@bp.record_once
def add_template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        REPORT_STATUS_LABELS=words.STATUS_LABELS,
        REPORT_STATUS_ICONS=words.STATUS_ICONS,
        REPORT_CATEGORY_LABELS=words.CATEGORY_LABELS,
        REPORT_VISIBILITY_LABELS=words.VISIBILITY_LABELS,
        SPAM_REASONS=words.SPAM_REASONS,
        recent_unit_reports=service.recent_for_unit,
    )
    state.app.jinja_env.filters["duration"] = words.duration


def prepare(form: ReportForm, units) -> None:
    """Choices of the unit list (narrowed by the search text, keeping the chosen unit) and a
    submission token that survives re-rendering, so a double submit makes one report."""
    found = service.match_units(units, form.unit_q.data or "")
    chosen = next((u for u in units if u.slug == form.unit.data), None)
    shown = found + [chosen] if chosen is not None and chosen not in found else found
    form.unit.choices = unit_choices(shown, found=len(found) if len(found) < len(units) else None)
    form.units_total = len(units)
    if not TOKEN.fullmatch(form.submission_token.data or ""):
        form.submission_token.data = secrets.token_urlsafe(24)


def form_context(form: ReportForm) -> dict:
    return {"form": form, "track_form": TrackForm(formdata=None),
            "retention_days": current_app.config["REPORT_CONTACT_RETENTION_DAYS"],
            "answer_days": current_app.config["REPORT_RESPONSE_TARGET_DAYS"],
            "today_iso": today().isoformat(), "description_min": DESCRIPTION_MIN,
            "description_max": DESCRIPTION_MAX}


@bp.route("/lapor", methods=["GET", "POST"])
@limiter.shared_limit(submit_limit, scope="report-submit", methods=["POST"])
def new():
    """The disruption report form; a valid report is stored, then its tracking page is shown."""
    status = 200
    if request.method == "POST":
        # A valid report needs only its own unit; every unit is loaded to show the form again.
        chosen = service.unit_by_slug(request.form.get("unit", "").strip())
        form = ReportForm(units=[chosen] if chosen is not None else [])
        if form.validate():
            report, created = service.submit(form.new_report([chosen], "web"),
                                             prefix=current_app.config["REPORT_CODE_PREFIX"],
                                             max_links=current_app.config["REPORT_SPAM_MAX_LINKS"])
            if created and form.notify_answer.data and form.email.data and not report.is_spam:
                watch_report(report, form.email.data, lang())
            if created:
                flash(_("Your report has been received. Keep its tracking code: %(code)s",
                        code=report.code), "success")
            else:
                flash(_("This report had already been received; here is its tracking code: %(code)s",
                        code=report.code), "info")
            return htmx.redirect(url_for("reports.track", code=report.code))
        status = htmx.error_status()
        units = service.active_units()
    else:
        units = service.active_units()
        form = ReportForm(formdata=None, units=units, visited_on=today())
        slug = request.args.get("unit", "").strip()
        if slug:
            if service.unit_by_slug(slug) is None:
                bad_request(_("Unknown %(label)s “%(value)s”.", label=_("service unit"), value=slug[:40]))
            form.unit.data = slug
    prepare(form, units)
    return htmx.render("reports/new.html", "form", status=status, **form_context(form))


@bp.post("/lapor/periksa/<name>")
@limiter.limit(check_limit)
def check(name: str):
    """One field of the report form, checked as the resident leaves it (htmx)."""
    if name not in CHECKED_FIELDS:
        not_found()
    units = service.active_units()
    form = ReportForm(units=units)
    form.validate()
    prepare(form, units)
    return htmx.render("reports/_field.html", name=name, **form_context(form))


@bp.get("/lapor/unit")
def unit_options():
    """The unit list narrowed to a search text (htmx picks the <select> out of it); opened
    without htmx, the report form itself."""
    if not htmx.wants_fragment():
        slug = request.args.get("unit", "").strip()
        known = slug and service.unit_by_slug(slug) is not None
        return htmx.redirect(url_for("reports.new", unit=slug if known else None))
    units = service.active_units()
    form = ReportForm(formdata=MultiDict({"unit_q": request.args.get("unit_q", ""),
                                          "unit": request.args.get("unit", "")}), units=units)
    prepare(form, units)
    return htmx.render("reports/_field.html", name="unit", **form_context(form))


@bp.get("/lapor/cari")
@limiter.shared_limit(lookup_limit, scope="report-lookup")
def find():
    """Follow a report: the tracking code typed by a resident leads to its page."""
    form = TrackForm(request.args)
    if not form.validate():
        bad_request(_("Enter the tracking code of your report, for example %(example)s.",
                      example=f"{current_app.config['REPORT_CODE_PREFIX']}-7K4Q-2M9D"))
    report = service.find(form.kode.data, current_app.config["REPORT_CODE_PREFIX"])
    if report is None:
        unknown_code(form.kode.data)
    return redirect(url_for("reports.track", code=report.code), 303)


def unknown_code(code: str):
    not_found(_("There is no report with the tracking code “%(code)s”. Check the code: it has the form "
                "%(example)s and contains no 0, 1, I, L, O or U.", code=code[:40],
                example=f"{current_app.config['REPORT_CODE_PREFIX']}-7K4Q-2M9D"))


@bp.get("/lapor/<code>")
@limiter.shared_limit(lookup_limit, scope="report-lookup")
def track(code: str):
    """A report's tracking page: status, public answers, time to the first answer."""
    report = service.find(code, current_app.config["REPORT_CODE_PREFIX"])
    if report is None:
        unknown_code(code)
    if report.code != code:
        return redirect(url_for("reports.track", code=report.code), 301)
    days = current_app.config["REPORT_RESPONSE_TARGET_DAYS"]
    due, overdue = service.answer_deadline(report, days, today())
    return htmx.render("reports/track.html", report=report, timeline=service.public_timeline(report),
                       due=due, overdue=overdue, answer_days=days,
                       answer_time=service.time_to_first_answer(report), track_form=TrackForm(formdata=None))


@bp.get("/laporan")
def index():
    """The public list of reports, with filters and paging; never any personal data."""
    filters = {
        "opd": slug_arg("opd", Opd, _("agency (OPD)")),
        "unit": slug_arg("unit", ServiceUnit, _("service unit")),
        "status": choice_arg("status", [s.value for s in ReportStatus], _("status")),
        "category": choice_arg("kategori", [c.value for c in ReportCategory], _("category")),
        "start": date_arg("dari"),
        "end": date_arg("sampai"),
    }
    if filters["start"] and filters["end"] and filters["start"] > filters["end"]:
        bad_request(_("The start date must not be after the end date."))
    page = db.paginate(service.public_query(**filters), page=int_arg("halaman", 1, 1, 100_000),
                       per_page=current_app.config["REPORTS_PER_PAGE"], error_out=False)
    return htmx.render(
        "reports/index.html", "results", page=page, reports=page.items, fragment=htmx.wants_fragment(),
        opds=db.session.scalars(db.select(Opd).where(Opd.units.any()).order_by(Opd.short_name)).all(),
        units=service.active_units(), track_form=TrackForm(formdata=None),
        Visibility=Visibility, ReportStatus=ReportStatus, ReportCategory=ReportCategory,
        chosen_status=filters.pop("status"), **filters,  # not status=: that is the HTTP status
    )


@bp.cli.command("purge-personal-data")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Retention in days (default: the REPORT_CONTACT_RETENTION_DAYS setting).")
def purge_personal_data_command(days):
    """Erase reporters' contact data of reports closed longer ago than the retention period."""
    from .triage import purge_personal_data

    days = current_app.config["REPORT_CONTACT_RETENTION_DAYS"] if days is None else days
    count = purge_personal_data(days)
    click.echo(f"Contact data erased from {count} report(s) closed more than {days} days ago.")
