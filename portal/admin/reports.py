"""Triage of disruption reports by the responsible OPD."""

from datetime import timedelta

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import htmx
from ..auth.access import city_admin_required, require_opd
from ..clock import today
from ..errors import bad_request, not_found
from ..extensions import db
from ..models import Opd, Report
from ..params import choice_arg, int_arg, slug_arg, text_arg
from ..reports import service, triage
from ..reports.forms import ConfirmForm, ReassignForm, SpamForm, StatusForm
from .views import bp


def staff_report(code: str) -> Report:
    """The report with this code, if the signed-in staff member may handle it (else 404/403)."""
    report = service.find(code, current_app.config["REPORT_CODE_PREFIX"])
    if report is None:
        not_found(_("There is no report with the tracking code “%(code)s”.", code=code[:40]))
    require_opd(report.opd_id)
    return report


def reassign_form(report: Report, formdata=None) -> ReassignForm:
    form = ReassignForm(formdata=formdata)
    opds = db.session.scalars(db.select(Opd).where(Opd.id != report.opd_id).order_by(Opd.short_name))
    form.opd.choices = [SelectChoice("", _("— Choose an agency —")),
                        *(SelectChoice(opd.slug, f"{opd.short_name} — {opd.name}") for opd in opds)]
    return form


def detail_context(report: Report, status_form: StatusForm | None = None,
                   reassign: ReassignForm | None = None) -> dict:
    days = current_app.config["REPORT_RESPONSE_TARGET_DAYS"]
    due, overdue = service.answer_deadline(report, days, today())
    may_see_contact = triage.may_see_contact(current_user, report)
    show_contact = (may_see_contact and report.contact is not None and report.contact.purged_at is None
                    and request.args.get("kontak") == "1")
    if show_contact:  # reading personal data is on the record
        triage.record_contact_view(report, current_user)
        db.session.commit()
    return {
        "report": report, "due": due, "overdue": overdue, "answer_days": days,
        "may_see_contact": may_see_contact, "show_contact": show_contact,
        "status_form": status_form or StatusForm(formdata=None, status=report.status,
                                                 current_status=report.status),
        "reassign_form": reassign or (reassign_form(report) if current_user.is_city_admin else None),
        "confirm_form": ConfirmForm(formdata=None),
        "timeline": service.public_timeline(report),
    }


@bp.get("/laporan")
@login_required
def report_queue():
    """The reports of the staff member's OPD (every OPD for city admins), open ones oldest first."""
    state = choice_arg("status", triage.QUEUE_STATES, _("status")) or "open"
    opd = slug_arg("opd", Opd, _("agency (OPD)")) if current_user.is_city_admin else current_user.opd
    spam = choice_arg("spam", ["1"], _("filter")) == "1"
    overdue_only = choice_arg("terlambat", ["1"], _("filter")) == "1"
    text = text_arg("q")
    days = current_app.config["REPORT_RESPONSE_TARGET_DAYS"]
    overdue_from = None
    if overdue_only:
        holidays = service.holidays_between(today() - timedelta(days=days * 3 + 30), today())
        overdue_from = service.overdue_cutoff(today(), days, holidays)
    query = triage.queue_query(opd.id if opd else None, state, spam, text, overdue_from,
                               prefix=current_app.config["REPORT_CODE_PREFIX"])
    page = db.paginate(query, page=int_arg("halaman", 1, 1, 100_000),
                       per_page=current_app.config["REPORTS_PER_PAGE"], error_out=False)
    opds = db.session.scalars(db.select(Opd).order_by(Opd.short_name)).all() if current_user.is_city_admin else []
    return htmx.render(
        "admin/reports/queue.html", "results", page=page, reports=page.items, state=state, opd=opd,
        opds=opds, spam=spam, overdue_only=overdue_only, text=text, fragment=htmx.wants_fragment(),
        overdue=service.overdue_codes(page.items, today(), days), states=triage.QUEUE_STATES,
    )


@bp.get("/laporan/<code>")
@login_required
def report_detail(code: str):
    """One report for staff: the whole story, contact data where allowed, and what to do next."""
    report = staff_report(code)
    return htmx.render("admin/reports/detail.html", **detail_context(report))


@bp.post("/laporan/<code>/status")
@login_required
def report_status(code: str):
    """Move a report on: a new status, a public answer, an internal note."""
    report = staff_report(code)
    form = StatusForm(current_status=report.status)
    if form.validate():
        triage.change_status(report, current_user, form.status.data, form.public_message.data or "",
                             form.internal_note.data or "")
        db.session.commit()
        flash(_("Report %(code)s updated.", code=report.code), "success")
        return htmx.redirect(url_for("admin.report_detail", code=report.code))
    status = htmx.error_status()
    return htmx.render("admin/reports/detail.html", "status_form", status=status,
                       **detail_context(report, status_form=form))


def moderate(report: Report, form, change, done: str):
    """Apply a one-button change (spam, hide, erase contact), commit it, and go back to the report."""
    if not form.validate():
        bad_request(_("The request could not be understood. Check what you entered and try again."))
    try:
        change()
    except triage.TriageError:
        flash(_("Nothing was changed."), "info")
    else:
        db.session.commit()
        flash(done, "success")
    return htmx.redirect(url_for("admin.report_detail", code=report.code))


@bp.post("/laporan/<code>/spam")
@login_required
def report_spam(code: str):
    """Mark a report as spam (it leaves every public list and feed), or take the mark back."""
    report = staff_report(code)
    form = SpamForm()
    return moderate(report, form, lambda: triage.set_spam(report, current_user, form.spam.data == "1"),
                    _("Report %(code)s updated.", code=report.code))


@bp.post("/laporan/<code>/rahasiakan")
@login_required
def report_hide(code: str):
    """Make a report confidential, e.g. when its description reveals personal data."""
    report = staff_report(code)
    return moderate(report, ConfirmForm(), lambda: triage.hide(report, current_user),
                    _("Report %(code)s is now confidential.", code=report.code))


@bp.post("/laporan/<code>/teruskan")
@city_admin_required
def report_reassign(code: str):
    """Forward a report to another responsible OPD (city admins)."""
    report = staff_report(code)
    form = reassign_form(report, formdata=request.form)
    if form.validate():
        opd = db.session.scalar(db.select(Opd).filter_by(slug=form.opd.data))
        triage.reassign(report, current_user, opd, form.note.data or "")
        db.session.commit()
        flash(_("Report %(code)s forwarded to %(opd)s.", code=report.code, opd=opd.short_name), "success")
        return htmx.redirect(url_for("admin.report_detail", code=report.code))
    status = htmx.error_status()
    return htmx.render("admin/reports/detail.html", "reassign_form", status=status,
                       **detail_context(report, reassign=form))


@bp.post("/laporan/<code>/hapus-kontak")
@login_required
def report_erase_contact(code: str):
    """Erase the reporter's contact data on request (UU 27/2022 PDP); the report stays."""
    report = staff_report(code)
    if not triage.may_see_contact(current_user, report):
        abort(403)
    return moderate(report, ConfirmForm(), lambda: triage.erase_contact(report, current_user),
                    _("The contact data of report %(code)s was erased.", code=report.code))
