"""Staff decisions for a unit over a date range: create and remove them, always on the record.

Availability changes are public: every change here is a public audit event that the unit page
and /feed.atom show ("Diubah oleh Disdukcapil, 5 Nov 2025 14.02: tutup, alasan: ...").
Single cells, date ranges and several units at once all go through ``set_override`` and
``remove_override``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from . import audit
from .availability import STATUS_LABELS
from .extensions import db
from .i18n import clock, medium_date
from .models import AuditEvent, Override, ServiceUnit, User
from .schedule import Status

FIELDS = ["unit_id", "starts_on", "ends_on", "status", "opens", "closes", "reason"]

# The longest range one decision may cover (a long renovation; anything longer is a policy).
MAX_RANGE_DAYS = 366


def date_problem(starts_on: date, ends_on: date, today: date, max_days_ahead: int) -> str | None:
    """Why staff may not decide for these dates, or None. Past days stay as they were published."""
    if ends_on < starts_on:
        return _("The end date is before the start date.")
    if starts_on < today:
        return _("Only today and later days can be changed; past days stay as they were published.")
    if (ends_on - starts_on).days + 1 > MAX_RANGE_DAYS:
        return _("One change may cover at most %(num)d days.", num=MAX_RANGE_DAYS)
    if ends_on > today + timedelta(days=max_days_ahead):
        return _("The date is too far ahead: choose a date before %(last)s.",
                 last=medium_date(today + timedelta(days=max_days_ahead)))
    return None


def hours_problem(status: Status | str, opens: time | None, closes: time | None) -> str | None:
    """Why these hours do not fit the status, or None."""
    if Status(status) is Status.CLOSED:
        return None
    if (opens is None) != (closes is None):
        return _("Give both the opening and the closing time, or neither (regular hours apply).")
    if opens is not None and opens >= closes:
        return _("The closing time must be after the opening time.")
    return None


def set_override(unit: ServiceUnit, starts_on: date, ends_on: date, status: Status | str, reason: str,
                 actor: User | None, opens: time | None = None, closes: time | None = None) -> Override:
    """Add an override (the newest decision wins where ranges overlap). The caller commits.

    Earlier overrides of the unit that lie entirely inside the new range can never decide a day
    again: they are replaced, and the event says so, so that removing the new decision later
    falls back to the rules rather than to a forgotten older one."""
    status = Status(status)
    if status is Status.CLOSED:
        opens = closes = None
    replaced = db.session.scalars(
        select(Override)
        .where(Override.unit_id == unit.id, Override.starts_on >= starts_on, Override.ends_on <= ends_on)
        .order_by(Override.id)
    ).all()
    before = {"replaced": [audit.snapshot(old, FIELDS) for old in replaced]} if replaced else None
    for old in replaced:
        db.session.delete(old)
    override = Override(unit=unit, starts_on=starts_on, ends_on=ends_on, status=status.value,
                        reason=reason.strip(), opens=opens, closes=closes, created_by=actor)
    db.session.add(override)
    db.session.flush()
    audit.record("override.create", override, before=before, after=audit.snapshot(override, FIELDS),
                 opd_id=unit.opd_id, unit_id=unit.id, public=True, actor=actor,
                 summary=f"{unit.name}: {status.value} {starts_on}..{ends_on}: {reason}")
    return override


def remove_override(override: Override, actor: User | None) -> None:
    """Remove an override: the unit falls back to the rules. The caller commits."""
    unit = override.unit
    audit.record("override.delete", override, before=audit.snapshot(override, FIELDS),
                 opd_id=unit.opd_id, unit_id=unit.id, public=True, actor=actor,
                 summary=f"{unit.name}: override {override.starts_on}..{override.ends_on} removed")
    db.session.delete(override)


def withdraw_override(override: Override, actor: User | None, today: date) -> bool:
    """Staff take a decision back from ``today`` on: removed when it has not started, cut to end
    yesterday when it has (past days stay as they were published). True when removed entirely.
    The caller commits."""
    if override.ends_on < today:
        raise ValueError("an override of past days stays on the record")
    if override.starts_on >= today:
        remove_override(override, actor)
        return True
    before = audit.snapshot(override, FIELDS)
    override.ends_on = today - timedelta(days=1)
    unit = override.unit
    audit.record("override.shorten", override, before=before, after=audit.snapshot(override, FIELDS),
                 opd_id=unit.opd_id, unit_id=unit.id, public=True, actor=actor,
                 summary=f"{unit.name}: override {override.starts_on}..{before['ends_on']} ends {override.ends_on}")
    return False


def set_overrides(units: Sequence[ServiceUnit], starts_on: date, ends_on: date, status: Status | str,
                  reason: str, actor: User | None, opens: time | None = None,
                  closes: time | None = None) -> list[Override]:
    """The same decision for several units (one public event per unit). The caller commits."""
    return [set_override(unit, starts_on, ends_on, status, reason, actor, opens=opens, closes=closes)
            for unit in units]


@dataclass
class Cleared:
    removed: list[Override] = field(default_factory=list)
    kept: list[Override] = field(default_factory=list)  # reach beyond the range: left alone


def clear_overrides(units: Sequence[ServiceUnit], starts_on: date, ends_on: date,
                    actor: User | None) -> Cleared:
    """Remove the units' overrides that lie inside [starts_on, ends_on]; the rules apply again.

    Overrides that reach beyond the range are kept (and returned), never cut silently."""
    result = Cleared()
    if not units:
        return result
    overlapping = db.session.scalars(
        select(Override)
        .where(Override.unit_id.in_([unit.id for unit in units]))
        .where(Override.starts_on <= ends_on, Override.ends_on >= starts_on)
        .order_by(Override.unit_id, Override.starts_on, Override.id)
    ).all()
    for override in overlapping:
        if starts_on <= override.starts_on and override.ends_on <= ends_on:
            remove_override(override, actor)
            result.removed.append(override)
        else:
            result.kept.append(override)
    return result


def overrides_on(unit: ServiceUnit, day: date) -> list[Override]:
    """The unit's overrides covering ``day``, the one that decides first."""
    return db.session.scalars(
        select(Override)
        .where(Override.unit_id == unit.id, Override.starts_on <= day, Override.ends_on >= day)
        .order_by(Override.created_at.desc(), Override.id.desc())
    ).all()


def dates_text(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return medium_date(starts_on)
    return f"{medium_date(starts_on)}–{medium_date(ends_on)}"


def _dates(data: dict) -> str:
    return dates_text(date.fromisoformat(data["starts_on"]), date.fromisoformat(data["ends_on"]))


@audit.describer("override.create")
def describe_create(event: AuditEvent) -> str:
    data = event.after or {}
    status = Status(data["status"])
    hours = ""
    if data.get("opens") and data.get("closes") and status is not Status.CLOSED:
        hours = f" {clock(time.fromisoformat(data['opens']))}–{clock(time.fromisoformat(data['closes']))}"
    text = _("%(dates)s: %(status)s%(hours)s, reason: %(reason)s", dates=_dates(data),
             status=str(STATUS_LABELS[status]).lower(), hours=hours, reason=data.get("reason", ""))
    if (event.before or {}).get("replaced"):
        text += " " + _("(replaces an earlier change for these dates)")
    return text


@audit.describer("override.delete")
def describe_delete(event: AuditEvent) -> str:
    data = event.before or {}
    return _("%(dates)s: the change (%(status)s) was withdrawn; the regular rule applies again.",
             dates=_dates(data), status=str(STATUS_LABELS[Status(data["status"])]).lower())


@audit.describer("override.shorten")
def describe_shorten(event: AuditEvent) -> str:
    before, after = event.before or {}, event.after or {}
    resumes = date.fromisoformat(after["ends_on"]) + timedelta(days=1)
    return _("%(dates)s: the change (%(status)s) was withdrawn from %(day)s on; the regular rule applies "
             "again.", dates=_dates(before), status=str(STATUS_LABELS[Status(before["status"])]).lower(),
             day=medium_date(resumes))
