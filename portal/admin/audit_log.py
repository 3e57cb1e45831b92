"""The audit trail for staff, with filters."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
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
from ..i18n import clock, medium_date, month_name, number, weekday_name, when
from ..models import (AuditEvent, Kecamatan, Kelurahan, Opd, ReportCategory, ReportStatus, Role, ServiceUnit,
                      User, Visibility, WorkMode)
from ..outputs import MODE_LABELS
from ..policy import RULE_LABELS
from ..params import choice_arg, date_arg, int_arg, slug_arg
from ..schedule import RuleKind, Status
from .directory_forms import OPD_KINDS
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
    "report.create": _l("Report received"),
    "report.update": _l("Report answered"),
    "report.note": _l("Internal note on a report"),
    "report.spam": _l("Report marked as spam or unmarked"),
    "report.hide": _l("Report made confidential"),
    "report.reassign": _l("Report forwarded to another agency"),
    "report.contact_view": _l("Reporter's contact data viewed"),
    "report.contact_erase": _l("Reporter's contact data erased"),
    "outputs.entry": _l("Daily output entered"),
    "outputs.import": _l("Output file imported"),
    "indicator.create": _l("Output indicator added"),
    "costs.update": _l("Operational cost updated"),
    "suggestion.moderate": _l("Survey suggestion moderated"),
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
    # reports
    "code": _l("Tracking code"), "category": _l("Category"), "visibility": _l("Visibility"),
    "source": _l("Received through"), "spam_reason": _l("Why it is spam"), "has_contact": _l("Contact data given"),
    "message": _l("Public answer"), "is_spam": _l("Spam"), "retracted_public_events": _l("Public entries withdrawn"),
    "opd": _l("Agency (OPD)"),
    "suggestion_state": _l("Suggestion"),
    # outputs and costs
    "file": _l("File"), "sha256": _l("File fingerprint (SHA-256)"), "via": _l("Through"), "new": _l("New lines"),
    "changed": _l("Corrected lines"), "unchanged": _l("Unchanged lines"), "first_day": _l("First day"),
    "last_day": _l("Last day"), "changes": _l("Corrections"), "mode": _l("Work mode"),
    "staff_on_duty": _l("Staff on duty"), "reports_due": _l("Daily reports due"),
    "reports_submitted": _l("Daily reports submitted"), "quantities": _l("Output"), "quantity": _l("Output"),
    "indicator": _l("Indicator"), "unit_of_measure": _l("Unit of measure"), "month": _l("Month"),
    "line": _l("Line"), "date": _l("Date"), "before": _l("Before"), "after": _l("After"),
    "electricity": _l("Electricity"), "water": _l("Water"), "fuel": _l("Fuel"), "consumables": _l("Office consumables"),
}
# Stored codes that have words of their own, by field.
VALUE_LABELS = {
    "source": {"web": _l("this portal's form"), "open311": _l("Open311 (another application)"),
               "cli": _l("the command line")},
    "via": {"web": _l("the staff area"), "cli": _l("the command line")},
    "spam_reason": {"honeypot": _l("a field hidden from people was filled in (an automated submission)"),
                    "links": _l("too many web links in the description"), "staff": _l("marked by staff")},
    "password": {"set": _l("set (never shown)")},
    "suggestion_state": {"pending": _l("Waiting for moderation"), "approved": _l("Shown publicly"),
                         "hidden": _l("Hidden")},
}
OPD_KIND_LABELS = {choice.value: choice.label for choice in OPD_KINDS}
HOLIDAY_KINDS = {"national": _l("National holiday"), "cuti_bersama": _l("Collective leave (cuti bersama)"),
                 "local": _l("Local holiday")}
ROLE_LABELS = {Role.CITY_ADMIN.value: _l("city administrator"), Role.OPD_ADMIN.value: _l("agency administrator")}
HIDDEN_FIELDS = {"link", "unit_id"}  # the unit is named with the event
NAMED_IDS = {"opd_id": (Opd, "short_name"), "kecamatan_id": (Kecamatan, "name"), "kelurahan_id": (Kelurahan, "name")}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def show_value(key: str, value: Any, action: str = "") -> str:
    """A stored value as people read it: codes in words, dates and times without seconds."""
    from ..reports import words  # the report words live with the reports

    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value in VALUE_LABELS.get(key, {}):
        return str(VALUE_LABELS[key][value])
    if key == "reason" and action == "report.contact_erase":
        return str({"retention": _("end of the retention period"), "request": _("on request")}.get(value, value))
    if key == "category" and value in {c.value for c in ReportCategory}:
        return words.category_label(value)
    if key == "visibility" and value in {v.value for v in Visibility}:
        return str(words.VISIBILITY_LABELS[Visibility(value)])
    if key == "status" and value in {s.value for s in ReportStatus}:
        return words.status_label(value)
    if key == "mode" and value in {m.value for m in WorkMode}:
        return str(MODE_LABELS[WorkMode(value)])
    if key == "kind" and value in HOLIDAY_KINDS:
        return str(HOLIDAY_KINDS[value])
    if key == "kind" and value in OPD_KIND_LABELS:
        return str(OPD_KIND_LABELS[value])
    if key == "hours" and isinstance(value, dict):
        return "; ".join(f"{weekday_name(int(day))} {span.replace('-', '–')}" for day, span in sorted(value.items())
                         if str(day).isdigit()) or "–"
    if key == "month" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
        return month_name(date.fromisoformat(value[:7] + "-01"))
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
        return "; ".join(show_value(key, item, action) for item in value)
    if isinstance(value, dict):
        named = key in ("quantities",)  # keyed by indicator slugs, not by field names
        return ", ".join(f"{k if named else field_label(k)}: {show_value(k, v, action)}" for k, v in value.items())
    if isinstance(value, str):
        return show_text(value)
    if isinstance(value, int):
        return number(value)
    return str(value)


def show_text(value: str) -> str:
    """An ISO date, time or date-time as people read it (no seconds); any other text as it is."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return medium_date(date.fromisoformat(value))
        if re.fullmatch(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?", value):
            return clock(time.fromisoformat(value))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", value):
            return when(datetime.fromisoformat(value))
    except ValueError:
        return value
    return value


def changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) for what the event changed; every field for a creation or removal."""
    before, after = event.before or {}, event.after or {}
    keys = [key for key in dict.fromkeys([*before, *after]) if key not in HIDDEN_FIELDS]
    if "opd" in keys:  # a forwarded report names its agencies; their ids say the same again
        keys = [key for key in keys if key != "opd_id"]
    if before and after:
        keys = [key for key in keys if before.get(key) != after.get(key)]
    else:  # a creation or a removal: what it held
        keys = [key for key in keys if (before or after).get(key) not in (None, "", [], {})]
    return [(field_label(key), show_value(key, before.get(key), event.action) if before else "",
             show_value(key, after.get(key), event.action) if after else "") for key in keys]


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
