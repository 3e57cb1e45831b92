"""The staff area's home; each staff function lives in its own module of this blueprint."""

from flask import Blueprint, current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..htmx import render

bp = Blueprint("admin", __name__)

# (endpoint, label, city admins only). An entry shows once its view exists.
ADMIN_NAV = [
    ("admin.dashboard", _l("Overview"), False),
    ("admin.availability", _l("Availability"), False),
    ("admin.report_queue", _l("Reports"), False),
    ("admin.suggestions", _l("Suggestions"), False),
    ("admin.outputs", _l("Daily output"), False),
    ("admin.phases", _l("Policy phases"), True),
    ("admin.holidays", _l("Holidays"), True),
    ("admin.opds", _l("Agencies"), True),
    ("admin.units", _l("Units"), False),
    ("admin.users", _l("Users"), True),
    ("admin.audit_log", _l("Audit trail"), False),
]


@bp.app_context_processor
def admin_nav():
    def items():
        if not current_user.is_authenticated:
            return []
        return [
            {"url": url_for(endpoint), "label": label, "endpoint": endpoint}
            for endpoint, label, city_only in ADMIN_NAV
            if endpoint in current_app.view_functions and (current_user.is_city_admin or not city_only)
        ]

    return {"admin_nav": items}


@bp.get("/")
@login_required
def dashboard():
    """The staff home: what this account may do."""
    return render("admin/dashboard.html")


# Each staff function lives in its own module and adds its routes to ``bp``.
from . import audit_log, availability, directory, outputs, policy, reports, suggestions  # noqa: E402,F401
