"""OPDs, service units and staff accounts."""

from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import directory
from ..auth.access import city_admin_required, require_unit
from ..errors import bad_request
from ..extensions import db
from ..htmx import error_status, redirect, render
from ..models import Kecamatan, Kelurahan, Opd, ServiceUnit, User
from ..params import slug_arg, text_arg
from .directory_forms import NewUserForm, OpdForm, PasswordForm, UnitDetailsForm, UnitForm, UserForm
from .views import bp


def has_errors(form) -> bool:
    return any(field.errors for field in form)


def actor() -> User:
    return current_user._get_current_object()


# --- agencies -----------------------------------------------------------------------------------


@bp.get("/opd", endpoint="opds")
@city_admin_required
def opd_list():
    """Every agency, with its number of units and staff accounts."""
    opds = db.session.scalars(select(Opd).options(joinedload(Opd.units)).order_by(Opd.short_name)).unique().all()
    staff = dict(db.session.execute(
        select(User.opd_id, db.func.count(User.id)).where(User.opd_id.is_not(None)).group_by(User.opd_id)).all())
    return render("admin/opds.html", opds=opds, staff=staff)


@bp.route("/opd/baru", methods=["GET", "POST"])
@city_admin_required
def opd_new():
    """Add an agency."""
    return opd_form(None)


@bp.route("/opd/<int:opd_id>", methods=["GET", "POST"])
@city_admin_required
def opd_edit(opd_id: int):
    """Change an agency's names and contact."""
    return opd_form(db.get_or_404(Opd, opd_id))


def opd_form(opd: Opd | None):
    form = OpdForm(obj=opd)
    if opd is not None:
        del form.slug  # the address of the agency's public filter stays stable
    if form.validate_on_submit():
        if opd is None and directory.slug_taken(Opd, form.slug.data):
            form.slug.errors.append(_("Another agency already uses this address name."))
        else:
            saved = directory.save_opd(opd, form.data, actor())
            db.session.commit()
            flash(_("Saved: %(name)s.", name=(saved or opd).short_name) if saved else _("Nothing changed."),
                  "success")
            return redirect(url_for("admin.opds"))
    status = error_status() if has_errors(form) else 200
    return render("admin/opd_form.html", status=status, form=form, opd=opd)


# --- service units --------------------------------------------------------------------------------


@bp.get("/unit", endpoint="units")
@login_required
def unit_list():
    """The units this account manages (all of them for a city admin, inactive ones included)."""
    opd = slug_arg("opd", Opd, _("agency (OPD)")) if current_user.is_city_admin else None
    kecamatan = slug_arg("kecamatan", Kecamatan, _("kecamatan"))
    text = text_arg("q")
    units = db.session.scalars(directory.units_for(current_user, opd=opd, kecamatan=kecamatan, text=text,
                                                   include_inactive=current_user.is_city_admin)).all()
    opds = db.session.scalars(select(Opd).order_by(Opd.short_name)).all() if current_user.is_city_admin else []
    kecamatans = db.session.scalars(select(Kecamatan).order_by(Kecamatan.name)).all()
    return render("admin/units.html", units=units, opd=opd, kecamatan=kecamatan, text=text, opds=opds,
                  kecamatans=kecamatans)


def unit_choices() -> dict:
    return {
        "opds": db.session.scalars(select(Opd).order_by(Opd.short_name)).all(),
        "kecamatans": db.session.scalars(select(Kecamatan).order_by(Kecamatan.name)).all(),
        "kelurahans": db.session.scalars(select(Kelurahan).options(joinedload(Kelurahan.kecamatan))
                                         .order_by(Kelurahan.name)).all(),
    }


def unit_values(form) -> dict:
    values = {name: field.data for name, field in form._fields.items()
              if name in directory.UNIT_FIELDS}
    if "kelurahan_id" in values:
        values["kelurahan_id"] = values["kelurahan_id"] or None
    return values


@bp.route("/unit/baru", methods=["GET", "POST"])
@city_admin_required
def unit_new():
    """Add a service unit."""
    form = UnitForm(**unit_choices())
    if form.validate_on_submit():
        if directory.slug_taken(ServiceUnit, form.slug.data):
            form.slug.errors.append(_("Another unit already uses this address name."))
        else:
            unit = directory.create_unit(unit_values(form), form.hours(), actor())
            db.session.commit()
            flash(_("Saved: %(name)s.", name=unit.name), "success")
            return redirect(url_for("admin.units"))
    status = error_status() if has_errors(form) else 200
    return render("admin/unit_form.html", status=status, form=form, unit=None)


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@login_required
def unit_edit(unit_id: int):
    """A unit's details; an OPD admin changes address, contact, hours, online channel and services."""
    unit = db.get_or_404(ServiceUnit, unit_id)
    require_unit(unit)
    if current_user.is_city_admin:
        form = UnitForm(obj=unit, **unit_choices())
        del form.slug  # public URLs of units stay stable
        fields = [name for name in directory.UNIT_FIELDS if name != "slug"]
    else:
        form = UnitDetailsForm(obj=unit)
        fields = directory.UNIT_DETAIL_FIELDS
    if request.method == "GET":
        form.fill_hours(unit.weekly_hours())
        if "kelurahan_id" in form:
            form.kelurahan_id.data = unit.kelurahan_id or 0
    if form.validate_on_submit():
        changed = directory.update_unit(unit, unit_values(form), form.hours(), actor(), fields=fields)
        db.session.commit()
        flash(_("Saved: %(name)s.", name=unit.name) if changed else _("Nothing changed."), "success")
        return redirect(url_for("admin.units"))
    status = error_status() if has_errors(form) else 200
    return render("admin/unit_form.html", status=status, form=form, unit=unit)


# --- staff accounts -------------------------------------------------------------------------------


@bp.get("/pengguna", endpoint="users")
@city_admin_required
def user_list():
    """Every staff account, with its role, agency and state."""
    users = db.session.scalars(select(User).options(joinedload(User.opd))
                               .order_by(User.role.desc(), User.email)).all()
    return render("admin/users.html", users=users, notice_failures=current_app.config["LOGIN_NOTICE_FAILURES"])


def opd_options() -> list[Opd]:
    return db.session.scalars(select(Opd).order_by(Opd.short_name)).all()


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@city_admin_required
def user_new():
    """Create a staff account with a first password (give it to the person in private)."""
    form = NewUserForm(opds=opd_options())
    if form.validate_on_submit():
        if directory.email_taken(form.email.data):
            form.email.errors.append(_("Another account already uses this e-mail."))
        else:
            user = directory.create_user(form.values(), form.password.data, actor())
            db.session.commit()
            flash(_("Account created: %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    status = error_status() if has_errors(form) else 200
    return render("admin/user_form.html", status=status, form=form, user=None)


def render_user(user: User, form: UserForm, password_form: PasswordForm, status: int = 200):
    return render("admin/user_form.html", status=status, form=form, user=user, password_form=password_form)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@city_admin_required
def user_edit(user_id: int):
    """Change an account's name, e-mail, role and agency, or deactivate it."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, opds=opd_options())
    if request.method == "GET":
        form.opd_id.data = user.opd_id or 0
    if form.validate_on_submit():
        values = form.values()
        problem = directory.user_change_problem(user, values, actor())
        if problem:
            form.role.errors.append(problem)
        elif directory.email_taken(values["email"], user.id):
            form.email.errors.append(_("Another account already uses this e-mail."))
        else:
            changed = directory.update_user(user, values, actor())
            db.session.commit()
            flash(_("Saved: %(email)s.", email=user.email) if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.users"))
    status = error_status() if has_errors(form) else 200
    return render_user(user, form, PasswordForm(formdata=None, prefix="sandi"), status)


@bp.post("/pengguna/<int:user_id>/sandi")
@city_admin_required
def user_password(user_id: int):
    """Set a new password for an account (never shown, never recorded)."""
    user = db.get_or_404(User, user_id)
    password_form = PasswordForm(prefix="sandi")
    if password_form.validate_on_submit():
        directory.reset_password(user, password_form.password.data, actor())
        db.session.commit()
        flash(_("New password set for %(email)s. Give it to the person in private.", email=user.email),
              "success")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    form = UserForm(formdata=None, obj=user, opds=opd_options())
    form.opd_id.data = user.opd_id or 0
    return render_user(user, form, password_form, error_status())


@bp.post("/pengguna/<int:user_id>/buka-kunci")
@city_admin_required
def user_unlock(user_id: int):
    """Forget an account's failed sign-ins: every address that had to wait may try again at once."""
    user = db.get_or_404(User, user_id)
    if not user.failed_logins:
        bad_request(_("This account has no failed sign-ins to forget."))
    directory.unlock_user(user, actor())
    db.session.commit()
    flash(_("Account unlocked: %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))
