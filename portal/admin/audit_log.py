"""The audit trail for staff, with filters."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit
from ..availability import STATUS_LABELS, weekdays_text
from ..auth.access import require_opd, require_unit
from ..clock import zone
from ..errors import bad_request
from ..extensions import db
from ..htmx import render, wants_fragment
from ..i18n import medium_date
from ..models import AuditEvent, Kecamatan, Kelurahan, Opd, Role, ServiceUnit, User
from ..policy import RULE_LABELS
from ..params import choice_arg, date_arg, int_arg, slug_arg
from ..schedule import RuleKind, Status
from .views import bp

EVENTS_PER_PAGE = 50

ACTION_LABELS = {
    "override.create": _l("Availability changed"),
    "override.delete": _l("Availability change removed"),
    "override.shorten": _l("Availability change withdrawn early"),
    "phase.create": _l("Phase created"),
    "phase.update": _l("Phase changed"),
    "phase.end": _l("Phase ended"),
    "phase.delete": _l("Phase withdrawn"),
    "holiday.create": _l("Local holiday added"),
    "holiday.update": _l("Local holiday changed"),
    "holiday.delete": _l("Local holiday withdrawn"),
    "opd.create": _l("Agency added"),
    "opd.update": _l("Agency changed"),
    "unit.create": _l("Unit added"),
    "unit.update": _l("Unit changed"),
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.activate": _l("Account reactivated"),
    "user.deactivate": _l("Account deactivated"),
    "user.password_reset": _l("Password set"),
    "user.unlock": _l("Account unlocked"),
    "login.success": _l("Signed in"),
    "login.failure": _l("Wrong password"),
    "login.locked": _l("Account locked after wrong passwords"),
    "login.throttled": _l("Sign-ins from one address held back after wrong passwords"),
}

FIELD_LABELS = {
    "status": _l("Status"), "starts_on": _l("From"), "ends_on": _l("Until"), "opens": _l("Opens at"),
    "closes": _l("Closes at"), "reason": _l("Reason"), "unit_id": _l("Unit"), "name": _l("Name"),
    "name_en": _l("Name (English)"), "rule": _l("Rule"), "wfh_weekdays": _l("Work-from-home weekdays"),
    "note": _l("Note"), "note_en": _l("Note (English)"), "exempt_opds": _l("Exempt agencies"),
    "description": _l("Description"), "description_en": _l("Description (English)"),
    "legal_basis": _l("Legal basis"), "day": _l("Date"), "kind": _l("Kind"), "email": _l("E-mail"),
    "role": _l("Role"), "opd_id": _l("Agency (OPD)"), "is_active_account": _l("Account active"),
    "address": _l("Address"), "phone": _l("Phone"), "whatsapp": _l("WhatsApp"),
    "online_channel_url": _l("Online channel (address)"), "online_channel_name": _l("Online channel (name)"),
    "services": _l("Services"), "essential": _l("Essential"), "open_24_7": _l("Open 24 hours"),
    "rotation_group": _l("Rotation group"), "active": _l("Shown to the public"), "hours": _l("Regular hours"),
    "kecamatan_id": _l("Kecamatan"), "kelurahan_id": _l("Kelurahan"), "latitude": _l("Latitude"),
    "longitude": _l("Longitude"), "slug": _l("Address name (slug)"), "short_name": _l("Short name"),
    "website": _l("Website"), "password": _l("Password"), "locked_until": _l("Locked until"),
    "failed_logins": _l("Failed sign-ins"), "failures": _l("Failed sign-ins"),
    "locked_minutes": _l("Locked for (minutes)"), "replaced": _l("Replaces"),
}
ROLE_LABELS = {Role.CITY_ADMIN.value: _l("city administrator"), Role.OPD_ADMIN.value: _l("agency administrator")}
HIDDEN_FIELDS = {"link", "unit_id"}  # the unit is named with the event
NAMED_IDS = {"opd_id": (Opd, "short_name"), "kecamatan_id": (Kecamatan, "name"), "kelurahan_id": (Kelurahan, "name")}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def show_value(key: str, value: Any) -> str:
    """A stored value as people read it."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in NAMED_IDS and isinstance(value, int):
        model, attribute = NAMED_IDS[key]
        found = db.session.get(model, value)
        return getattr(found, attribute) if found is not None else str(value)
    if key == "status" and value in {s.value for s in Status}:
        return str(STATUS_LABELS[Status(value)])
    if key == "rule" and value in {kind.value for kind in RuleKind}:
        return str(RULE_LABELS[RuleKind(value)])
    if key == "wfh_weekdays" and isinstance(value, str):
        return weekdays_text({int(day) for day in value.split(",") if day.strip().isdigit()}) or "–"
    if key == "role" and value in ROLE_LABELS:
        return str(ROLE_LABELS[value])
    if isinstance(value, list):
        return "; ".join(show_value(key, item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show_value(k, v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return medium_date(datetime.strptime(value, "%Y-%m-%d").date())
        except ValueError:
            return value
    return str(value)


def changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) for what the event changed; every field for a creation or removal."""
    before, after = event.before or {}, event.after or {}
    keys = [key for key in dict.fromkeys([*before, *after]) if key not in HIDDEN_FIELDS]
    if before and after:
        keys = [key for key in keys if before.get(key) != after.get(key)]
    else:  # a creation or a removal: what it held
        keys = [key for key in keys if (before or after).get(key) not in (None, "", [], {})]
    return [(str(FIELD_LABELS.get(key, key)), show_value(key, before.get(key)) if before else "",
             show_value(key, after.get(key)) if after else "") for key in keys]


def local_midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone())


@bp.get("/audit", endpoint="audit_log")
@login_required
def audit_list():
    """Who changed what and when, newest first; an OPD admin sees her agency's events only."""
    actions = audit.known_actions()
    action = choice_arg("aksi", actions, _("action"))
    opd = slug_arg("opd", Opd, _("agency (OPD)"))
    if opd is not None:
        require_opd(opd.id)
    unit = slug_arg("unit", ServiceUnit, _("unit"))
    if unit is not None:
        require_unit(unit)
    actor = None
    actor_id = int_arg("pengguna", 0, 0, 10**9)
    if actor_id:
        actor = db.session.get(User, actor_id)
        if actor is None:
            bad_request(_("Unknown %(label)s “%(value)s”.", label=_("user"), value=actor_id))
    since, until = date_arg("dari"), date_arg("sampai")
    if since and until and until < since:
        bad_request(_("The end date is before the start date."))
    opd_id = opd.id if opd is not None else (None if current_user.is_city_admin else current_user.opd_id)
    query = audit.search(
        opd_id=opd_id, action=action, unit_id=unit.id if unit else None, actor_id=actor_id or None,
        since=local_midnight(since) if since else None,
        until=local_midnight(until + timedelta(days=1)) if until else None,
    )
    page = db.paginate(query, page=int_arg("halaman", 1, 1, 100_000), per_page=EVENTS_PER_PAGE,
                       error_out=False)
    return render("admin/audit.html", "results", page=page, actions=actions, action=action, opd=opd,
                  unit=unit, actor=actor, since=since, until=until, fragment=wants_fragment(),
                  describe=audit.describe, changes=changes, action_label=action_label, **filter_choices())


def filter_choices() -> dict:
    if current_user.is_city_admin:
        opds = db.session.scalars(select(Opd).order_by(Opd.short_name)).all()
        units = db.session.scalars(select(ServiceUnit).order_by(ServiceUnit.name)).all()
        users = db.session.scalars(select(User).order_by(User.name)).all()
    else:
        opds = []
        units = db.session.scalars(select(ServiceUnit).where(ServiceUnit.opd_id == current_user.opd_id)
                                   .order_by(ServiceUnit.name)).all()
        users = db.session.scalars(select(User).where(User.opd_id == current_user.opd_id)
                                   .order_by(User.name)).all()
    return {"opds": opds, "units": units, "users": users}
