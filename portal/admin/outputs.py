"""Daily output entry and CSV import; output indicators and monthly operational cost.

An OPD admin works on its own OPD only, a city admin on any; every route checks it on the server
and every change is audited (portal/outputs.py)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, IntegerField, MonthField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from .. import outputs
from ..auth.access import require_opd
from ..clock import today
from ..demo import slugify
from ..extensions import db
from ..forms import DateField, PortalForm
from ..htmx import error_status, redirect, render
from ..models import CostCategory, Holiday, Opd, OutputDay, OutputIndicator, WorkMode
from ..params import date_arg
from ..workdays import is_working_day
from .views import bp

RECENT_DAYS = 14
MAX_QUANTITY = outputs.MAX_COUNT


# --- forms --------------------------------------------------------------------------------------


class DayForm(PortalForm):
    """The day's record; one quantity field per indicator is added by ``day_form``."""

    opd = HiddenField()
    day = DateField(_l("Date"), validators=[InputRequired()])
    mode = RadioField(_l("Work mode"), choices=[SelectChoice(m.value, outputs.MODE_LABELS[m]) for m in WorkMode],
                      validators=[InputRequired()], default=WorkMode.WFO.value)
    staff_on_duty = IntegerField(_l("Staff on duty in this mode"),
                                 validators=[InputRequired(), NumberRange(min=1, max=MAX_QUANTITY)])
    reports_due = IntegerField(_l("Daily performance reports due"),
                               validators=[InputRequired(), NumberRange(min=0, max=MAX_QUANTITY)])
    reports_submitted = IntegerField(_l("Daily performance reports submitted"),
                                     validators=[InputRequired(), NumberRange(min=0, max=MAX_QUANTITY)])

    quantity_fields: list[tuple[OutputIndicator, str]] = []

    def quantities(self) -> list:
        return [(indicator, self[name]) for indicator, name in self.quantity_fields]


def day_form(indicators: list[OutputIndicator], **kwargs) -> DayForm:
    """A DayForm with a quantity field for each of the OPD's indicators."""

    class Form(DayForm):
        pass

    names = []
    for indicator in indicators:
        name = f"q_{indicator.id}"
        setattr(Form, name, IntegerField(f"{indicator.name} ({indicator.unit_of_measure})",
                                         validators=[InputRequired(), NumberRange(min=0, max=MAX_QUANTITY)]))
        names.append((indicator, name))
    Form.quantity_fields = names
    return Form(**kwargs)


class ImportForm(PortalForm):
    file = FileField(_l("CSV file"))
    content = TextAreaField()  # the checked file, sent again to import it after the dry run
    filename = HiddenField()


class IndicatorForm(PortalForm):
    opd = HiddenField()
    name = StringField(_l("Name of the output"), validators=[DataRequired(), Length(max=200)])
    unit_of_measure = StringField(_l("Unit of measure"), validators=[DataRequired(), Length(max=60)])
    slug = StringField(_l("Code"), validators=[Optional(), Length(max=80), Regexp(
        r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Use lowercase letters, digits and hyphens only."))])


class CostForm(PortalForm):
    opd = HiddenField()
    month = MonthField(_l("Month"), validators=[InputRequired()])
    electricity = IntegerField(outputs.COST_LABELS[CostCategory.ELECTRICITY], validators=[Optional(), NumberRange(min=0)])
    water = IntegerField(outputs.COST_LABELS[CostCategory.WATER], validators=[Optional(), NumberRange(min=0)])
    fuel = IntegerField(outputs.COST_LABELS[CostCategory.FUEL], validators=[Optional(), NumberRange(min=0)])
    consumables = IntegerField(outputs.COST_LABELS[CostCategory.CONSUMABLES], validators=[Optional(), NumberRange(min=0)])


# --- which OPD --------------------------------------------------------------------------------


def chosen_opd(slug: str | None) -> Opd | None:
    """The OPD in the request: an OPD admin's own; a city admin's choice (None until chosen).
    403 when an OPD admin names another OPD, 404 for an unknown one."""
    if not current_user.is_city_admin:
        if slug and slug != current_user.opd.slug:
            abort(403)
        return current_user.opd
    if not slug:
        return None
    opd = db.session.scalar(select(Opd).filter_by(slug=slug[:80]))
    if opd is None:
        abort(404)
    require_opd(opd.id)
    return opd


def recent_days(opd: Opd, end: date) -> list[dict]:
    """The OPD's working days up to ``end`` and the modes recorded on each (missing days show)."""
    start = end - timedelta(days=RECENT_DAYS - 1)
    holidays = set(db.session.scalars(select(Holiday.day).where(Holiday.day.between(start, end))))
    recorded: dict[date, set[str]] = {}
    for day, mode in db.session.execute(select(OutputDay.day, OutputDay.mode).where(
            OutputDay.opd_id == opd.id, OutputDay.day.between(start, end))):
        recorded.setdefault(day, set()).add(mode)
    days = [start + timedelta(days=offset) for offset in range(RECENT_DAYS)]
    return [{"day": day, "modes": recorded.get(day, set())} for day in reversed(days)
            if is_working_day(day, holidays) or day in recorded]


def page_context(opd: Opd | None, form: DayForm | None = None, indicator_form=None, cost_form=None) -> dict:
    opds = db.session.scalars(select(Opd).order_by(Opd.short_name)).all() if current_user.is_city_admin else []
    if opd is None:
        return {"opd": None, "opds": opds}
    indicators = outputs.opd_indicators(opd)
    day = min(date_arg("tanggal", today()), today())
    if form is None:
        mode = request.args.get("mode") if request.args.get("mode") in (WorkMode.WFO, WorkMode.WFH) else WorkMode.WFO
        form = prefilled_day_form(opd, indicators, day, mode)
    month = day.replace(day=1)
    costs = outputs.month_costs(opd, month)
    return {
        "opd": opd, "opds": opds, "form": form, "indicators": outputs.opd_indicators(opd, active_only=False),
        "recent": recent_days(opd, day), "recent_end": day,
        "indicator_form": indicator_form or IndicatorForm(opd=opd.slug, formdata=None),
        "cost_form": cost_form or CostForm(opd=opd.slug, month=month, formdata=None, **costs),
        "today": today(),
    }


def prefilled_day_form(opd: Opd, indicators: list[OutputIndicator], day: date, mode: str) -> DayForm:
    """The form for a date and mode, filled with what is stored (a correction) or empty."""
    stored = outputs.find_day(opd, day, mode)
    data = {"opd": opd.slug, "day": day, "mode": mode}
    if stored is not None:
        data |= {"staff_on_duty": stored.staff_on_duty, "reports_due": stored.reports_due,
                 "reports_submitted": stored.reports_submitted}
        data |= {f"q_{q.indicator_id}": q.quantity for q in stored.quantities}
    form = day_form(indicators, formdata=None, **data)
    form.stored = stored is not None
    return form


# --- the day's entry ----------------------------------------------------------------------------


@bp.get("/output", endpoint="outputs")
@login_required
def outputs_page():
    """The day's output form, recent days, indicators and monthly cost of one OPD."""
    opd = chosen_opd(request.args.get("opd"))
    return render("admin/outputs.html", **page_context(opd))


def form_errors(template_block: str, opd: Opd, **forms):
    """The page with a form's errors: 200 with the fragment for htmx, 400 for a plain POST."""
    context = page_context(opd, **forms)
    status = error_status()
    return render("admin/outputs.html", template_block, status=status, **context)


@bp.post("/output")
@login_required
def outputs_save():
    """Store or correct the day's output of an OPD."""
    opd = chosen_opd(request.form.get("opd"))
    if opd is None:
        abort(400)
    indicators = outputs.opd_indicators(opd)
    form = day_form(indicators)
    form.stored = False
    valid = form.validate()
    values = (form.day.data, form.staff_on_duty.data, form.reports_due.data, form.reports_submitted.data)
    if None not in values:
        for name, problem in outputs.check_day_values(values[0], today(), *values[1:]):
            form[name].errors = list(form[name].errors) + [problem]
            valid = False
    if not indicators:
        form.form_errors.append(_("This agency has no output indicator yet. Add one below first."))
        valid = False
    if not valid:
        return form_errors("day_form", opd, form=form)
    changed = outputs.save_day(opd, form.day.data, form.mode.data, form.staff_on_duty.data, form.reports_due.data,
                               form.reports_submitted.data,
                               {indicator: field.data for indicator, field in form.quantities()}, current_user)
    db.session.commit()
    if changed:
        flash(_("Output of %(opd)s for %(day)s (%(mode)s) saved.", opd=opd.short_name, day=form.day.data.isoformat(),
                mode=form.mode.data.upper()), "success")
    else:
        flash(_("Nothing changed: these values were already stored."), "info")
    return redirect(url_for("admin.outputs", opd=opd.slug, tanggal=form.day.data.isoformat(), mode=form.mode.data))


@bp.post("/output/indikator")
@login_required
def outputs_indicator():
    """Add an output indicator to an OPD."""
    opd = chosen_opd(request.form.get("opd"))
    if opd is None:
        abort(400)
    form = IndicatorForm()
    if form.validate():
        slug = form.slug.data or slugify(form.name.data)[:80]
        taken = db.session.scalar(select(OutputIndicator.id).filter_by(opd_id=opd.id, slug=slug))
        if not slug:
            form.name.errors = [_("The name needs at least one letter or digit.")]
        elif taken is not None:
            form.slug.errors = [_("%(opd)s already has an indicator with the code “%(slug)s”.",
                                  opd=opd.short_name, slug=slug)]
        else:
            outputs.add_indicator(opd, form.name.data, form.unit_of_measure.data, slug, current_user)
            db.session.commit()
            flash(_("Output indicator “%(name)s” added.", name=form.name.data.strip()), "success")
            return redirect(url_for("admin.outputs", opd=opd.slug) + "#indikator")
    return form_errors("indicator_form", opd, indicator_form=form)


@bp.post("/output/biaya")
@login_required
def outputs_costs():
    """Set an OPD's operational cost of a month."""
    opd = chosen_opd(request.form.get("opd"))
    if opd is None:
        abort(400)
    form = CostForm()
    if form.validate():
        month = form.month.data.replace(day=1)
        if month > today():
            form.month.errors = [_("The month has not started yet.")]
        else:
            changed = outputs.save_costs(opd, month, {c.value: form[c.value].data for c in CostCategory}, current_user)
            db.session.commit()
            flash(_("Operational cost of %(month)s saved.", month=month.strftime("%m/%Y")) if changed
                  else _("Nothing changed: these values were already stored."), "success" if changed else "info")
            return redirect(url_for("admin.outputs", opd=opd.slug, tanggal=month.isoformat()) + "#biaya")
    return form_errors("cost_form", opd, cost_form=form)


# --- the CSV import -----------------------------------------------------------------------------


@bp.get("/output/template.csv")
@login_required
def outputs_template():
    """The import template: the columns, and a line per indicator of the OPD(s) to fill in."""
    opd = chosen_opd(request.args.get("opd"))
    if opd is not None:
        opds = [opd]
    else:
        with_indicators = select(OutputIndicator.opd_id)
        opds = db.session.scalars(select(Opd).where(Opd.id.in_(with_indicators)).order_by(Opd.slug)).all()
    holidays = set(db.session.scalars(select(Holiday.day).where(Holiday.day >= today() - timedelta(days=14))))
    text = "\ufeff" + outputs.template_csv(opds, today(), holidays)
    response = Response(text, mimetype="text/csv")
    response.charset = "utf-8"
    name = f"template-output-{opd.slug}.csv" if opd is not None else "template-output.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/output/impor", methods=["GET", "POST"])
@login_required
def outputs_import():
    """Import a CSV file: a dry run shows what would be stored and every rejected line; the
    import stores all lines or none."""
    form = ImportForm()
    if request.method == "GET":
        return render("admin/outputs_import.html", form=form, plan=None, columns=outputs.COLUMN_HELP)
    upload = form.file.data
    if upload and getattr(upload, "filename", ""):
        data = upload.read(outputs.MAX_BYTES + 1)
        filename = upload.filename
    elif form.content.data:
        data = form.content.data.encode("utf-8")
        filename = form.filename.data or "upload.csv"
    else:
        data, filename = b"", ""
    if not form.validate() or not data:
        if not data:
            form.file.errors = list(form.file.errors) + [_("Choose a CSV file.")]
        status = error_status()
        return render("admin/outputs_import.html", "import_result", status=status, form=form, plan=None,
                      columns=outputs.COLUMN_HELP)
    plan = outputs.plan_import(data, filename, current_user, today())
    store = request.form.get("action") == "import"
    if store and plan.ok:
        try:
            counts = outputs.apply_import(plan, current_user)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            plan.errors.append(_("Someone stored some of these lines at the same moment. Nothing was imported; "
                                 "check the file again."))
        else:
            flash(_("Import done: %(new)d new lines, %(changed)d corrected, %(unchanged)d unchanged (already "
                    "stored).", **{k: counts[k] for k in ("new", "changed", "unchanged")}), "success")
            return redirect(url_for("admin.outputs_import"))
    status = 200 if not store else error_status()  # a dry run is not an error
    text = data.decode("utf-8-sig", errors="replace") if len(data) <= outputs.MAX_BYTES else ""
    return render("admin/outputs_import.html", "import_result", status=status, form=form, plan=plan, store=store,
                  content=text, filename=filename, columns=outputs.COLUMN_HELP, mode_labels=outputs.MODE_LABELS)
