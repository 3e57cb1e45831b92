"""Staff decisions for a unit over a date range: create and remove them, always on the record.

Availability changes are public: every change here is a public audit event that the unit page
and /feed.atom show ("Diubah oleh Disdukcapil, 5 Nov 2025 14.02: tutup, alasan: ...").
"""

from __future__ import annotations

from datetime import date, time

from flask_babel import gettext as _

from . import audit
from .availability import STATUS_LABELS
from .extensions import db
from .i18n import clock, medium_date
from .models import AuditEvent, Override, ServiceUnit, User
from .schedule import Status

FIELDS = ["unit_id", "starts_on", "ends_on", "status", "opens", "closes", "reason"]


def set_override(unit: ServiceUnit, starts_on: date, ends_on: date, status: Status | str, reason: str,
                 actor: User | None, opens: time | None = None, closes: time | None = None) -> Override:
    """Add an override (the newest decision wins where ranges overlap). The caller commits."""
    status = Status(status)
    if status is Status.CLOSED:
        opens = closes = None
    override = Override(unit=unit, starts_on=starts_on, ends_on=ends_on, status=status.value,
                        reason=reason.strip(), opens=opens, closes=closes, created_by=actor)
    db.session.add(override)
    db.session.flush()
    audit.record("override.create", override, after=audit.snapshot(override, FIELDS),
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


def _dates(data: dict) -> str:
    start, end = date.fromisoformat(data["starts_on"]), date.fromisoformat(data["ends_on"])
    if start == end:
        return medium_date(start)
    return f"{medium_date(start)}–{medium_date(end)}"


@audit.describer("override.create")
def describe_create(event: AuditEvent) -> str:
    data = event.after or {}
    status = Status(data["status"])
    hours = ""
    if data.get("opens") and data.get("closes") and status is not Status.CLOSED:
        hours = f" {clock(time.fromisoformat(data['opens']))}–{clock(time.fromisoformat(data['closes']))}"
    return _("%(dates)s: %(status)s%(hours)s, reason: %(reason)s", dates=_dates(data),
             status=str(STATUS_LABELS[status]).lower(), hours=hours, reason=data.get("reason", ""))


@audit.describer("override.delete")
def describe_delete(event: AuditEvent) -> str:
    data = event.before or {}
    return _("%(dates)s: the change (%(status)s) was withdrawn; the regular rule applies again.",
             dates=_dates(data), status=str(STATUS_LABELS[Status(data["status"])]).lower())
