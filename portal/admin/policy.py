"""Policy phases (with a preview of what they change) and local holidays; city admins only."""

from __future__ import annotations

from datetime import date

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import extract, select

from .. import policy
from ..availability import phase_rule_text
from ..auth.access import city_admin_required
from ..clock import today
from ..errors import bad_request, forbidden
from ..extensions import db
from ..htmx import error_status, redirect, render
from ..models import Holiday, Opd, PolicyPhase
from ..params import int_arg
from .policy_forms import ConfirmForm, HolidayForm, PhaseForm
from .views import bp


def phase_state(phase: PolicyPhase, day: date) -> str:
    if phase.starts_on > day:
        return "upcoming"
    if phase.ends_on is not None and phase.ends_on < day:
        return "ended"
    return "in_force"


@bp.get("/tahap", endpoint="phases")
@city_admin_required
def phase_list():
    """The policy phases, newest first, with what each one means."""
    phases = db.session.scalars(select(PolicyPhase).order_by(PolicyPhase.starts_on.desc())).all()
    return render("admin/phases.html", phases=phases, today=today(), phase_state=phase_state,
                  rule_text=lambda phase: phase_rule_text(phase.as_schedule_phase()))


@bp.route("/tahap/baru", methods=["GET", "POST"])
@city_admin_required
def phase_new():
    """A new policy phase: fill it in, preview what it changes, then save."""
    return phase_form(None)


@bp.route("/tahap/<int:phase_id>", methods=["GET", "POST"])
@city_admin_required
def phase_edit(phase_id: int):
    """Change or end a phase, with a preview of what the change does."""
    return phase_form(db.get_or_404(PolicyPhase, phase_id))


def phase_form(phase: PolicyPhase | None):
    opds = db.session.scalars(select(Opd).order_by(Opd.short_name)).all()
    form = PhaseForm(opds=opds)
    if request.method == "GET" and phase is not None:
        form.fill(policy.PhaseDraft.of(phase))
        if request.args.get("akhiri"):
            form.ends_on.data = max(today(), phase.starts_on)
    preview, notice, status = None, None, 200
    if request.method == "POST":
        if form.validate():
            draft = form.draft()
            problems = policy.phase_problems(draft, phase.id if phase else None)
            for name, message in problems.items():
                form[name].errors.append(message)
            if not problems:
                preview = policy.preview_phase(draft, phase, today())
                token = draft.token(phase.id if phase else None)
                if form.save.data and form.preview_token.data != token:
                    notice = _("What you entered changed since the preview: check the new preview, then save.")
                elif form.save.data and preview.overlaps and not form.accept_overlap.data:
                    form.accept_overlap.errors.append(_("Confirm that you have checked the overlap."))
                elif form.save.data:
                    saved = policy.save_phase(draft, phase, current_user._get_current_object())
                    db.session.commit()
                    flash(_("Phase “%(name)s” saved.", name=saved.name), "success")
                    return redirect(url_for("admin.phases"))
                form.preview_token.data = token
        if any(field.errors for field in form):
            status = error_status()
    return render("admin/phase_form.html", "phase_form", status=status, form=form, phase=phase,
                  preview=preview, notice=notice, today=today(), confirm=ConfirmForm())


@bp.post("/tahap/<int:phase_id>/hapus")
@city_admin_required
def phase_delete(phase_id: int):
    """Withdraw a phase that has not started yet."""
    phase = db.get_or_404(PolicyPhase, phase_id)
    if phase.starts_on <= today():
        bad_request(_("This phase has already started: end it instead, so that past days stay as "
                      "they were published."))
    if not ConfirmForm().validate_on_submit():
        bad_request(_("Tick “Yes, withdraw it” to confirm."))
    name = phase.name
    policy.delete_phase(phase, current_user._get_current_object())
    db.session.commit()
    flash(_("Phase “%(name)s” withdrawn.", name=name), "success")
    return redirect(url_for("admin.phases"))


# --- holidays ----------------------------------------------------------------------------------


@bp.get("/libur", endpoint="holidays")
@city_admin_required
def holiday_list():
    """The holidays of a year: national ones (read-only) and local holidays and closures."""
    year = int_arg("tahun", today().year, 2000, 2100)
    holidays = db.session.scalars(
        select(Holiday).where(extract("year", Holiday.day) == year).order_by(Holiday.day)).all()
    return render("admin/holidays.html", holidays=holidays, year=year, today=today())


@bp.route("/libur/baru", methods=["GET", "POST"])
@city_admin_required
def holiday_new():
    """A new local holiday or city-wide closure."""
    return holiday_form(None)


@bp.route("/libur/<int:holiday_id>", methods=["GET", "POST"])
@city_admin_required
def holiday_edit(holiday_id: int):
    """Change a local holiday (national ones come from the official calendar)."""
    holiday = db.get_or_404(Holiday, holiday_id)
    if holiday.kind != "local":
        forbidden(_("National holidays and cuti bersama come from the official calendar "
                    "(flask sync-holidays) and cannot be changed here."))
    return holiday_form(holiday)


def holiday_form(holiday: Holiday | None):
    form = HolidayForm(obj=holiday)
    if form.validate_on_submit():
        problem = policy.holiday_problem(form.day.data, holiday.id if holiday else None, today())
        if problem:
            form.day.errors.append(problem)
        else:
            saved = policy.save_local_holiday(holiday, form.day.data, form.name.data, form.name_en.data,
                                              current_user._get_current_object())
            db.session.commit()
            flash(_("Local holiday saved: %(name)s.", name=saved.name), "success")
            return redirect(url_for("admin.holidays", tahun=saved.day.year))
    status = error_status() if any(field.errors for field in form) else 200
    return render("admin/holiday_form.html", status=status, form=form, holiday=holiday, today=today())


@bp.post("/libur/<int:holiday_id>/hapus")
@city_admin_required
def holiday_delete(holiday_id: int):
    """Withdraw a local holiday that has not come yet."""
    holiday = db.get_or_404(Holiday, holiday_id)
    if holiday.kind != "local":
        forbidden(_("National holidays and cuti bersama come from the official calendar "
                    "(flask sync-holidays) and cannot be changed here."))
    if holiday.day < today():
        bad_request(_("Only today and later days can be changed; past days stay as they were published."))
    year, name = holiday.day.year, holiday.name
    policy.delete_local_holiday(holiday, current_user._get_current_object())
    db.session.commit()
    flash(_("Local holiday withdrawn: %(name)s.", name=name), "success")
    return redirect(url_for("admin.holidays", tahun=year))
