"""Agencies (OPD), service units and staff accounts as the staff area manages them.

Every change is recorded in the audit trail with what it was before and after. Passwords are
never recorded, not even hashed: the trail only says that a password was set.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from . import audit
from .availability import escape_like
from .extensions import db
from .models import Kecamatan, Opd, Role, ServiceUnit, UnitHours, User

OPD_FIELDS = ["slug", "short_name", "name", "kind", "website", "phone"]
# What an OPD admin may change in her own units; city admins change the rest too.
UNIT_DETAIL_FIELDS = ["address", "phone", "whatsapp", "email", "online_channel_url",
                      "online_channel_name", "services"]
UNIT_FIELDS = ["slug", "name", "opd_id", "kecamatan_id", "kelurahan_id", "latitude", "longitude",
               *UNIT_DETAIL_FIELDS, "essential", "open_24_7", "rotation_group", "active"]
USER_FIELDS = ["email", "name", "role", "opd_id", "is_active_account"]

Hours = dict[int, tuple[time, time]]


def units_for(user: User, opd: Opd | None = None, kecamatan: Kecamatan | None = None,
              text: str | None = None, include_inactive: bool = False):
    """The units this user may manage (all for a city admin, her OPD's for an OPD admin), filtered."""
    query = (select(ServiceUnit)
             .options(joinedload(ServiceUnit.opd), joinedload(ServiceUnit.kecamatan))
             .order_by(ServiceUnit.name, ServiceUnit.id))
    if not include_inactive:
        query = query.where(ServiceUnit.active.is_(True))
    if not user.is_city_admin:
        query = query.where(ServiceUnit.opd_id == user.opd_id)
    if opd is not None:
        query = query.where(ServiceUnit.opd_id == opd.id)
    if kecamatan is not None:
        query = query.where(ServiceUnit.kecamatan_id == kecamatan.id)
    if text:
        query = query.where(ServiceUnit.name.ilike(f"%{escape_like(text)}%", escape="\\"))
    return query


def _apply(obj, values: dict[str, Any], fields: list[str]) -> None:
    for name in fields:
        if name in values:
            setattr(obj, name, values[name])


def _hours_snapshot(unit: ServiceUnit) -> dict[str, str]:
    return {str(h.weekday): f"{h.opens.strftime('%H:%M')}-{h.closes.strftime('%H:%M')}" for h in unit.hours}


def unit_snapshot(unit: ServiceUnit) -> dict[str, Any]:
    return {**audit.snapshot(unit, UNIT_FIELDS), "hours": _hours_snapshot(unit)}


def set_hours(unit: ServiceUnit, hours: Hours) -> None:
    if unit.weekly_hours() == hours:
        return
    unit.hours.clear()
    db.session.flush()  # delete the old rows before the (unit, weekday) pairs are used again
    unit.hours.extend(UnitHours(weekday=day, opens=opens, closes=closes)
                      for day, (opens, closes) in sorted(hours.items()))


def create_unit(values: dict[str, Any], hours: Hours, actor: User | None) -> ServiceUnit:
    """A new service unit (city admins). The caller commits."""
    unit = ServiceUnit()
    _apply(unit, values, UNIT_FIELDS)
    db.session.add(unit)
    set_hours(unit, hours)
    db.session.flush()
    audit.record("unit.create", unit, after=unit_snapshot(unit), opd_id=unit.opd_id, unit_id=unit.id,
                 actor=actor, summary=unit.name)
    return unit


def update_unit(unit: ServiceUnit, values: dict[str, Any], hours: Hours | None, actor: User | None,
                fields: list[str] = UNIT_FIELDS) -> bool:
    """Change a unit's ``fields`` (an OPD admin passes UNIT_DETAIL_FIELDS). False when nothing changed."""
    before = unit_snapshot(unit)
    old_opd = unit.opd_id
    _apply(unit, values, fields)
    if hours is not None:
        set_hours(unit, hours)
    db.session.flush()
    after = unit_snapshot(unit)
    if before == after:
        return False
    audit.record("unit.update", unit, before=before, after=after, opd_id=old_opd, unit_id=unit.id,
                 actor=actor, summary=unit.name)
    if unit.opd_id != old_opd:  # the new OPD sees the move in its trail too
        audit.record("unit.update", unit, before=before, after=after, opd_id=unit.opd_id,
                     unit_id=unit.id, actor=actor, summary=unit.name)
    return True


def save_opd(opd: Opd | None, values: dict[str, Any], actor: User | None) -> Opd | None:
    """Create or change an agency. Returns None when nothing changed. The caller commits."""
    before = audit.snapshot(opd, OPD_FIELDS) if opd is not None else None
    if opd is None:
        opd = Opd()
        db.session.add(opd)
    _apply(opd, values, OPD_FIELDS)
    db.session.flush()
    after = audit.snapshot(opd, OPD_FIELDS)
    if before == after:
        return None
    audit.record("opd.create" if before is None else "opd.update", opd, before=before, after=after,
                 opd_id=opd.id, actor=actor, summary=opd.short_name)
    return opd


def slug_taken(model, slug: str, own_id: int | None = None) -> bool:
    found = db.session.scalar(select(model.id).where(model.slug == slug))
    return found is not None and found != own_id


def email_taken(email: str, own_id: int | None = None) -> bool:
    found = db.session.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower()))
    return found is not None and found != own_id


def user_snapshot(user: User) -> dict[str, Any]:
    return audit.snapshot(user, USER_FIELDS)


def create_user(values: dict[str, Any], password: str, actor: User | None) -> User:
    """A new staff account with the password the administrator chose. The caller commits."""
    user = User(email=values["email"].strip().lower(), name=values["name"].strip(), role=values["role"],
                opd_id=values.get("opd_id") if values["role"] == Role.OPD_ADMIN else None,
                is_active_account=True, failed_logins=0)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, after={**user_snapshot(user), "password": "set"},
                 opd_id=user.opd_id, actor=actor, summary=user.email)
    return user


def user_change_problem(user: User, values: dict[str, Any], actor: User) -> str | None:
    """Why this change may not be made, e.g. a city admin locking herself out."""
    if user.id == actor.id:
        if values.get("role") != user.role:
            return _("You cannot change the role of your own account; ask another city administrator.")
        if not values.get("is_active_account", True):
            return _("You cannot deactivate your own account; ask another city administrator.")
    return None


def update_user(user: User, values: dict[str, Any], actor: User | None) -> bool:
    """Change a staff account; deactivation and reactivation get their own action names."""
    before = user_snapshot(user)
    values = dict(values)
    if "email" in values:
        values["email"] = values["email"].strip().lower()
    if values.get("role", user.role) == Role.CITY_ADMIN:
        values["opd_id"] = None
    _apply(user, values, USER_FIELDS)
    db.session.flush()
    after = user_snapshot(user)
    if before == after:
        return False
    if any(before[key] != after[key] for key in ("role", "opd_id", "is_active_account")):
        user.end_sessions()  # what the account may do changed: it signs in again
    if before["is_active_account"] and not after["is_active_account"]:
        action = "user.deactivate"
    elif not before["is_active_account"] and after["is_active_account"]:
        action = "user.activate"
    else:
        action = "user.update"
    audit.record(action, user, before=before, after=after, opd_id=user.opd_id or before["opd_id"],
                 actor=actor, summary=user.email)
    return True


def reset_password(user: User, password: str, actor: User | None) -> None:
    """Set a new password; the account is unlocked too. Nothing about the password is recorded."""
    user.set_password(password)
    user.failed_logins, user.throttle_epoch = 0, (user.throttle_epoch or 0) + 1
    audit.record("user.password_reset", user, after={"password": "set"}, opd_id=user.opd_id, actor=actor,
                 summary=user.email)


def unlock_user(user: User, actor: User | None) -> None:
    """Forget the failed sign-ins: every address may try this account again at once."""
    before = {"failed_logins": user.failed_logins}
    user.failed_logins, user.throttle_epoch = 0, (user.throttle_epoch or 0) + 1
    audit.record("user.unlock", user, before=before, after={"failed_logins": 0},
                 opd_id=user.opd_id, actor=actor, summary=user.email)
