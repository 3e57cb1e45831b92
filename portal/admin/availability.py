"""Availability editor: overrides for units x days, single cells, ranges and several units at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from .. import availability, directory, overrides
from ..auth.access import require_opd, require_unit
from ..clock import today
from ..errors import bad_request
from ..extensions import db
from ..htmx import error_status, redirect, render, swap_elsewhere, wants_fragment
from ..models import Kecamatan, Opd, Override, ServiceUnit
from ..params import date_arg, date_value, int_arg, slug_arg, text_arg
from ..schedule import Source
from .availability_forms import BulkForm, CellForm
from .views import bp

DEFAULT_DAYS = 14
UNITS_PER_PAGE = 25

# Why a cell has its status, in a word or two (the full sentence is in the cell's title and form).
SOURCE_SHORT = {
    Source.OVERRIDE: _l("changed by staff"),
    Source.HOLIDAY: _l("holiday"),
    Source.HOLIDAY_24_7: _l("holiday, 24 h"),
    Source.PHASE: _l("phase rule"),
    Source.ESSENTIAL: _l("essential"),
    Source.EXEMPT: _l("exempt"),
    Source.REGULAR: _l("regular"),
    Source.NO_HOURS: _l("no hours"),
}


@bp.app_template_global()
def source_short(source: Source) -> str:
    """Translated once per request (the editor shows one per cell)."""
    cache = availability.per_request("source_short")
    if source not in cache:
        cache[source] = str(SOURCE_SHORT[source])
    return cache[source]


@dataclass(frozen=True)
class GridArgs:
    """The editor's window and filters, carried through every form so staff come back to them."""

    start: date
    days: int
    opd: Opd | None
    kecamatan: Kecamatan | None
    text: str
    page: int

    def query(self) -> dict:
        args: dict = {"mulai": self.start.isoformat()}
        if self.days != DEFAULT_DAYS:
            args["hari"] = self.days
        if self.opd is not None:
            args["opd"] = self.opd.slug
        if self.kecamatan is not None:
            args["kecamatan"] = self.kecamatan.slug
        if self.text:
            args["q"] = self.text
        if self.page > 1:
            args["halaman"] = self.page
        return args

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]


def grid_args() -> GridArgs:
    opd = slug_arg("opd", Opd, _("agency (OPD)"))
    if opd is not None:
        require_opd(opd.id)
    return GridArgs(
        start=date_arg("mulai", today()), days=int_arg("hari", DEFAULT_DAYS, 1, 31), opd=opd,
        kecamatan=slug_arg("kecamatan", Kecamatan, _("kecamatan")), text=text_arg("q"),
        page=int_arg("halaman", 1, 1, 10_000),
    )


def grid_context(args: GridArgs) -> dict:
    """The units this user may change (one page of them) and their computed days."""
    query = directory.units_for(current_user, opd=args.opd, kecamatan=args.kecamatan, text=args.text)
    pagination = db.paginate(query, page=args.page, per_page=UNITS_PER_PAGE, error_out=False)
    dates = args.dates
    return {
        "args": args, "query": args.query(), "dates": dates, "today": today(), "pagination": pagination,
        "fragment": wants_fragment(),
        "rows": availability.grid(pagination.items, args.start, args.days),
        "holidays": availability.load_calendar(dates[0], dates[-1], []).holidays,
        "prev_start": args.start - timedelta(days=args.days),
        "next_start": args.start + timedelta(days=args.days),
    }


def filter_choices() -> dict:
    opds = db.session.scalars(select(Opd).order_by(Opd.short_name)).all() if current_user.is_city_admin else []
    return {"opds": opds, "kecamatans": db.session.scalars(select(Kecamatan).order_by(Kecamatan.name)).all()}


@bp.get("/ketersediaan", endpoint="availability")
@login_required
def availability_grid():
    """Units x days with each day's status and why; a day opens the form that changes it."""
    args = grid_args()
    return render("admin/availability.html", "results", **grid_context(args), **filter_choices())


def saved(args: GridArgs, unit: ServiceUnit, day: date, message: str):
    """After a change: htmx refreshes the table behind the dialog; a plain form goes back to it."""
    if wants_fragment():
        trigger = {"portal:saved": {"message": message, "focus": f"cell-{unit.id}-{day.isoformat()}"}}
        return swap_elsewhere("admin/availability.html", "results", "#results", trigger=trigger,
                              **grid_context(args), saved_message=message)
    flash(message, "success")
    return redirect(url_for("admin.availability", **args.query(), _anchor=f"unit-{unit.id}"))


@bp.route("/ketersediaan/<int:unit_id>/<day>", methods=["GET", "POST"])
@login_required
def availability_cell(unit_id: int, day: str):
    """Change one unit's status from one day on (a page, or the editor's dialog with htmx)."""
    unit = db.get_or_404(ServiceUnit, unit_id)
    require_unit(unit)
    day = date_value(day)
    args = grid_args()
    form = CellForm(day=day, ends_on=day)
    if form.validate_on_submit():
        ends_on = form.ends_on.data or day
        overrides.set_override(unit, day, ends_on, form.status.data, form.reason.data,
                               current_user._get_current_object(), opens=form.opens.data,
                               closes=form.closes.data)
        db.session.commit()
        return saved(args, unit, day, _("Saved: %(unit)s, %(dates)s.", unit=unit.name,
                                         dates=overrides.dates_text(day, ends_on)))
    return render_cell(unit, day, form, args, status=error_status() if form.errors else 200)


def render_cell(unit: ServiceUnit, day: date, form: CellForm, args: GridArgs, status: int = 200):
    current = availability.load_calendar(day, day, [unit.id]).status(unit.as_schedule_unit(), day)
    return render("admin/availability_cell.html", "cell_form", status=status, unit=unit, day=day,
                  form=form, current=current, covering=overrides.overrides_on(unit, day), args=args,
                  query=args.query(), today=today(), in_dialog=wants_fragment())


@bp.post("/ketersediaan/perubahan/<int:override_id>/hapus")
@login_required
def override_remove(override_id: int):
    """Take a change back: the unit follows the rules again (from today on)."""
    override = db.get_or_404(Override, override_id)
    unit = override.unit
    require_unit(unit)
    args = grid_args()
    day = date_arg("tanggal", today())  # the day whose form asked, to give it the focus back
    if override.ends_on < today():
        bad_request(_("This change is about past days, which stay as they were published."))
    dates = overrides.dates_text(override.starts_on, override.ends_on)
    removed = overrides.withdraw_override(override, current_user._get_current_object(), today())
    db.session.commit()
    if removed:
        message = _("Change removed: %(unit)s, %(dates)s. The rules apply again.", unit=unit.name, dates=dates)
    else:
        message = _("Change withdrawn from today on: %(unit)s. The rules apply again.", unit=unit.name)
    return saved(args, unit, day, message)


# --- several units and days at once ----------------------------------------------------------


def chosen_units(form: BulkForm) -> list[ServiceUnit]:
    """The units a bulk change is for; 403 when one of them belongs to another OPD."""
    units: dict[int, ServiceUnit] = {}
    ids = set(form.units.data or [])
    if any(not 0 < unit_id < 2**31 for unit_id in ids):  # no such unit; and SQLite has no bigger integers
        bad_request(_("One of the chosen units does not exist (any more). Reload the page."))
    if ids:
        found = db.session.scalars(select(ServiceUnit).where(ServiceUnit.id.in_(ids))).all()
        if len(found) != len(ids):
            bad_request(_("One of the chosen units does not exist (any more). Reload the page."))
        for unit in found:
            require_unit(unit)
            units[unit.id] = unit
    if request.form.get("kecamatan"):
        if not current_user.is_city_admin:
            abort(403)
        kecamatan = db.session.scalar(select(Kecamatan).filter_by(slug=request.form["kecamatan"]))
        if kecamatan is None:
            bad_request(_("Unknown %(label)s “%(value)s”.", label=_("kecamatan"),
                          value=request.form["kecamatan"][:40]))
        for unit in db.session.scalars(directory.units_for(current_user, kecamatan=kecamatan)):
            units[unit.id] = unit
    if form.all_mine.data and not current_user.is_city_admin:
        for unit in db.session.scalars(directory.units_for(current_user)):
            units[unit.id] = unit
    return sorted(units.values(), key=lambda unit: unit.name)


@bp.route("/ketersediaan/massal", methods=["GET", "POST"])
@login_required
def availability_bulk():
    """The same change for several units over a range of days."""
    args = grid_args()
    form = BulkForm(starts_on=args.start, ends_on=args.start)
    kecamatans = db.session.scalars(select(Kecamatan).order_by(Kecamatan.name)).all()
    form.kecamatan.choices = [SelectChoice("", _("(none)"))] + [SelectChoice(k.slug, k.name) for k in kecamatans]
    if request.method == "GET":
        form.units.data = [int(value) for value in request.args.getlist("unit")
                           if value.isascii() and value.isdigit() and len(value) <= 9]
    status = 200
    if request.method == "POST":
        units = chosen_units(form)  # 403 before anything else when a unit is not hers
        valid = form.validate()
        if not units and not form.units.errors:
            form.units.errors.append(_("Choose at least one unit."))
            valid = False
        if valid:
            message = apply_bulk(form, units)
            db.session.commit()
            flash(message, "success")
            back = {**args.query(), "mulai": form.starts_on.data.isoformat()}
            return redirect(url_for("admin.availability", **back))
        status = error_status()
    listed = db.session.scalars(directory.units_for(current_user, opd=args.opd, kecamatan=args.kecamatan,
                                                    text=args.text)).all()
    return render("admin/availability_bulk.html", status=status, form=form, listed=listed, args=args,
                  query=args.query(), **filter_choices())


def apply_bulk(form: BulkForm, units: list[ServiceUnit]) -> str:
    actor = current_user._get_current_object()
    starts_on, ends_on = form.starts_on.data, form.ends_on.data
    dates = overrides.dates_text(starts_on, ends_on)
    if form.action.data == "clear":
        result = overrides.clear_overrides(units, starts_on, ends_on, actor)
        message = ngettext("%(num)d change removed (%(dates)s); the rules apply again.",
                           "%(num)d changes removed (%(dates)s); the rules apply again.",
                           len(result.removed), dates=dates)
        if result.kept:
            message += " " + ngettext(
                "%(num)d change reaches beyond these days and was kept: take it back from its day "
                "in the table.",
                "%(num)d changes reach beyond these days and were kept: take them back from their "
                "days in the table.", len(result.kept))
        return message
    overrides.set_overrides(units, starts_on, ends_on, form.status.data, form.reason.data, actor,
                            opens=form.opens.data, closes=form.closes.data)
    return ngettext("Saved for %(num)d unit, %(dates)s.", "Saved for %(num)d units, %(dates)s.",
                    len(units), dates=dates)
