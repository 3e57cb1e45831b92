"""Who may do what in the staff area. Checked on the server for every route and every object."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def city_admin_required(view):
    """Only BKPSDM's city administrators."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_city_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def require_opd(opd_id: int | None) -> None:
    """403 unless the current user may manage this OPD's units, reports and output."""
    if not current_user.is_authenticated or not current_user.may_manage_opd(opd_id):
        abort(403)


def require_unit(unit) -> None:
    require_opd(unit.opd_id)
