"""Policy phases and local holidays, as BKPSDM manages them: checks, a preview of what a phase
would change, and saving, always on the (public) record.

The preview is computed by the pure ``schedule`` module: the statuses of every active unit under
the rules in force are compared with the same rules where the proposed phase replaces the old.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from . import audit, schedule
from .availability import load_calendar, weekdays_text
from .extensions import db
from .i18n import lang, medium_date
from .models import AuditEvent, Holiday, Opd, PolicyPhase, ServiceUnit, User
from .schedule import RuleKind, Status

# A phase without an end, or a long one, is previewed over this many days.
PREVIEW_DAYS = 92

RULE_LABELS = {
    RuleKind.REGULAR: _l("Regular pattern: everyone works from the office"),
    RuleKind.WFH_WEEKDAYS: _l("Work from home on chosen weekdays: units serve online only"),
    RuleKind.FIFTY_FIFTY: _l("50-50 pattern: on-site service with reduced capacity"),
    RuleKind.ROTATION: _l("Rotation: groups A and B take turns serving on-site"),
}

PHASE_FIELDS = ["name", "name_en", "description", "description_en", "legal_basis", "starts_on",
                "ends_on", "rule", "wfh_weekdays", "note", "note_en"]


@dataclass(frozen=True)
class PhaseDraft:
    """A phase as entered in the form, before it is saved."""

    name: str
    starts_on: date
    ends_on: date | None
    rule: RuleKind
    wfh_weekdays: frozenset[int] = frozenset()
    note: str = ""
    exempt_opd_ids: frozenset[int] = frozenset()
    name_en: str | None = None
    note_en: str | None = None
    description: str = ""
    description_en: str | None = None
    legal_basis: str | None = None

    @classmethod
    def of(cls, phase: PolicyPhase) -> PhaseDraft:
        return cls(name=phase.name, starts_on=phase.starts_on, ends_on=phase.ends_on,
                   rule=RuleKind(phase.rule), wfh_weekdays=phase.weekday_set, note=phase.note or "",
                   exempt_opd_ids=frozenset(opd.id for opd in phase.exempt_opds), name_en=phase.name_en,
                   note_en=phase.note_en, description=phase.description or "",
                   description_en=phase.description_en, legal_basis=phase.legal_basis)

    def as_schedule_phase(self, phase_id: int) -> schedule.Phase:
        return schedule.Phase(
            id=phase_id, name=self.name, starts_on=self.starts_on, ends_on=self.ends_on, rule=self.rule,
            wfh_weekdays=self.wfh_weekdays if self.rule is RuleKind.WFH_WEEKDAYS else frozenset(),
            note=self.note, exempt_opd_ids=self.exempt_opd_ids, name_en=self.name_en, note_en=self.note_en,
        )

    def token(self, phase_id: int | None) -> str:
        """A digest of exactly what was previewed: saving needs the preview of the same draft."""
        values = {key: audit.plain(value) for key, value in asdict(self).items()}
        values["wfh_weekdays"] = sorted(values["wfh_weekdays"])
        values["exempt_opd_ids"] = sorted(values["exempt_opd_ids"])
        values["phase_id"] = phase_id
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]


def overlapping_phases(starts_on: date, ends_on: date | None, phase_id: int | None = None) -> list[PolicyPhase]:
    """Other phases whose dates meet [starts_on, ends_on]."""
    query = select(PolicyPhase).where(or_(PolicyPhase.ends_on.is_(None), PolicyPhase.ends_on >= starts_on))
    if ends_on is not None:
        query = query.where(PolicyPhase.starts_on <= ends_on)
    if phase_id is not None:
        query = query.where(PolicyPhase.id != phase_id)
    return db.session.scalars(query.order_by(PolicyPhase.starts_on)).all()


def phase_problems(draft: PhaseDraft, phase_id: int | None = None) -> dict[str, str]:
    """What makes the draft impossible to save, by form field."""
    problems: dict[str, str] = {}
    if draft.ends_on is not None and draft.ends_on < draft.starts_on:
        problems["ends_on"] = _("The end date is before the start date.")
    if draft.rule is RuleKind.WFH_WEEKDAYS and not draft.wfh_weekdays:
        problems["wfh_weekdays"] = _("Choose at least one work-from-home weekday.")
    if "ends_on" not in problems:
        for other in overlapping_phases(draft.starts_on, draft.ends_on, phase_id):
            if other.starts_on == draft.starts_on:
                problems["starts_on"] = _(
                    "“%(name)s” starts on the same day. Two phases starting together would be "
                    "ambiguous: change one of the start dates or end the other phase first.",
                    name=other.name)
    return problems


@dataclass
class DaySummary:
    day: date
    units: int
    transitions: list[tuple[Status, Status, int]]  # (before, after, how many units)


@dataclass
class PhasePreview:
    first: date
    last: date
    unit_count: int
    days: list[DaySummary] = field(default_factory=list)  # only days on which something changes
    units_changed: int = 0
    truncated: bool = False  # the phase goes on beyond ``last``
    past_skipped: bool = False  # the phase touches days before today, which are not counted
    overlaps: list[PolicyPhase] = field(default_factory=list)

    @property
    def days_checked(self) -> int:
        return (self.last - self.first).days + 1


def preview_window(draft: PhaseDraft, old: PolicyPhase | None, today: date) -> tuple[date, date, bool, bool]:
    """(first, last, truncated, past_skipped): the days on which the draft may change something."""
    first = min(draft.starts_on, old.starts_on) if old else draft.starts_on
    ends = [draft.ends_on] + ([old.ends_on] if old else [])
    last = None if None in ends else max(ends)
    past_skipped = False
    if first < today and (last is None or last >= today):
        first, past_skipped = today, True
    truncated = last is None or (last - first).days + 1 > PREVIEW_DAYS
    if truncated:
        last = first + timedelta(days=PREVIEW_DAYS - 1)
    return first, last, truncated, past_skipped


def preview_phase(draft: PhaseDraft, old: PolicyPhase | None, today: date) -> PhasePreview:
    """How many active units change status on which days if the draft replaces ``old``
    (or is added, when ``old`` is None), compared with the rules in force."""
    first, last, truncated, past_skipped = preview_window(draft, old, today)
    units = db.session.scalars(select(ServiceUnit).where(ServiceUnit.active.is_(True))
                               .options(selectinload(ServiceUnit.hours))).all()
    facts = [unit.as_schedule_unit() for unit in units]
    before = load_calendar(first, last)
    # A new phase gets the highest id when saved, so it wins ties as it will then.
    draft_id = old.id if old else max((phase.id for phase in before.phases), default=0) + 1_000_000
    after = schedule.Calendar(
        phases=[phase for phase in before.phases if old is None or phase.id != old.id]
        + [draft.as_schedule_phase(draft_id)],
        holidays=before.holidays, overrides=before.overrides,
    )
    found = schedule.changes(facts, first, (last - first).days + 1, before, after)
    by_day: dict[date, Counter] = {}
    for change in found:
        by_day.setdefault(change.day, Counter())[(change.before.status, change.after.status)] += 1
    days = [
        DaySummary(day, sum(counter.values()),
                   sorted(((a, b, n) for (a, b), n in counter.items()), key=lambda t: -t[2]))
        for day, counter in sorted(by_day.items())
    ]
    return PhasePreview(
        first=first, last=last, unit_count=len(units), days=days,
        units_changed=len({change.unit_id for change in found}), truncated=truncated,
        past_skipped=past_skipped,
        overlaps=overlapping_phases(draft.starts_on, draft.ends_on, old.id if old else None),
    )


def phase_snapshot(phase: PolicyPhase) -> dict:
    data = audit.snapshot(phase, PHASE_FIELDS)
    data["exempt_opds"] = sorted(opd.short_name for opd in phase.exempt_opds)
    data["link"] = f"/?tanggal={phase.starts_on.isoformat()}"  # where the feed points
    return data


def save_phase(draft: PhaseDraft, phase: PolicyPhase | None, actor: User | None) -> PolicyPhase:
    """Create or change a phase; a public audit event says what changed. The caller commits."""
    before = phase_snapshot(phase) if phase is not None else None
    old_end = phase.ends_on if phase is not None else None
    if phase is None:
        phase = PolicyPhase()
        db.session.add(phase)
    phase.name, phase.name_en = draft.name.strip(), (draft.name_en or "").strip() or None
    phase.description = draft.description.strip()
    phase.description_en = (draft.description_en or "").strip() or None
    phase.legal_basis = (draft.legal_basis or "").strip() or None
    phase.starts_on, phase.ends_on, phase.rule = draft.starts_on, draft.ends_on, draft.rule.value
    weekdays = draft.wfh_weekdays if draft.rule is RuleKind.WFH_WEEKDAYS else frozenset()
    phase.wfh_weekdays = ",".join(str(day) for day in sorted(weekdays))
    phase.note, phase.note_en = draft.note.strip(), (draft.note_en or "").strip() or None
    phase.exempt_opds = db.session.scalars(
        select(Opd).where(Opd.id.in_(draft.exempt_opd_ids)).order_by(Opd.name)).all()
    db.session.flush()
    after = phase_snapshot(phase)
    if before is not None and not _changed_keys(before, after):
        return phase  # saved as it was: nothing to record
    if before is None:
        action = "phase.create"
    elif _changed_keys(before, after) == ["ends_on"] and phase.ends_on is not None and (
            old_end is None or phase.ends_on < old_end):
        action = "phase.end"
    else:
        action = "phase.update"
    audit.record(action, phase, before=before, after=after, public=True, actor=actor,
                 summary=f"{phase.name}: {phase.starts_on}..{phase.ends_on or ''} {phase.rule}")
    return phase


def delete_phase(phase: PolicyPhase, actor: User | None) -> None:
    """Withdraw a phase that has not started yet. The caller commits."""
    audit.record("phase.delete", phase, before=phase_snapshot(phase), public=True, actor=actor,
                 summary=f"{phase.name} withdrawn")
    db.session.delete(phase)


def _changed_keys(before: dict, after: dict) -> list[str]:
    return sorted(key for key in set(before) | set(after)
                  if key != "link" and before.get(key) != after.get(key))


# --- local holidays and closures ------------------------------------------------------------


def holiday_problem(day: date, holiday_id: int | None, today: date) -> str | None:
    if day < today:
        return _("Only today and later days can be changed; past days stay as they were published.")
    existing = db.session.scalar(select(Holiday).where(Holiday.day == day))
    if existing is not None and existing.id != holiday_id:
        return _("%(date)s is already a holiday: %(name)s.", date=medium_date(day), name=existing.name)
    return None


HOLIDAY_FIELDS = ["day", "name", "name_en", "kind"]


def holiday_snapshot(holiday: Holiday) -> dict:
    return {**audit.snapshot(holiday, HOLIDAY_FIELDS), "link": f"/?tanggal={holiday.day.isoformat()}"}


def save_local_holiday(holiday: Holiday | None, day: date, name: str, name_en: str | None,
                       actor: User | None) -> Holiday:
    """Create or change a local holiday or closure (every unit closes but 24/7 ones). The caller commits."""
    before = holiday_snapshot(holiday) if holiday is not None else None
    if holiday is None:
        holiday = Holiday(kind="local")
        db.session.add(holiday)
    if holiday.kind != "local":
        raise ValueError("national holidays are read-only")
    holiday.day, holiday.name = day, name.strip()
    holiday.name_en = (name_en or "").strip() or None
    db.session.flush()
    audit.record("holiday.create" if before is None else "holiday.update", holiday, before=before,
                 after=holiday_snapshot(holiday), public=True, actor=actor,
                 summary=f"{holiday.day}: {holiday.name}")
    return holiday


def delete_local_holiday(holiday: Holiday, actor: User | None) -> None:
    if holiday.kind != "local":
        raise ValueError("national holidays are read-only")
    audit.record("holiday.delete", holiday, before=holiday_snapshot(holiday), public=True, actor=actor,
                 summary=f"{holiday.day}: {holiday.name} withdrawn")
    db.session.delete(holiday)


# --- how these changes read in the audit trail and the feed ---------------------------------


def _name(data: dict) -> str:
    return (data.get("name_en") if lang() == "en" and data.get("name_en") else data.get("name", ""))


def rule_text(data: dict) -> str:
    rule = RuleKind(data["rule"])
    if rule is RuleKind.WFH_WEEKDAYS:
        days = {int(day) for day in str(data.get("wfh_weekdays") or "").split(",") if day.strip().isdigit()}
        return _("work from home every %(days)s", days=weekdays_text(days))
    return str(RULE_LABELS[rule])


def _period(data: dict) -> str:
    start = medium_date(date.fromisoformat(data["starts_on"]))
    if not data.get("ends_on"):
        return _("from %(start)s", start=start)
    return f"{start}–{medium_date(date.fromisoformat(data['ends_on']))}"


@audit.describer("phase.create")
def describe_phase_create(event: AuditEvent) -> str:
    data = event.after or {}
    return _("New policy phase “%(name)s”, %(period)s: %(rule)s.", name=_name(data), period=_period(data),
             rule=rule_text(data))


@audit.describer("phase.update")
def describe_phase_update(event: AuditEvent) -> str:
    data = event.after or {}
    return _("Policy phase “%(name)s” changed, now %(period)s: %(rule)s.", name=_name(data),
             period=_period(data), rule=rule_text(data))


@audit.describer("phase.end")
def describe_phase_end(event: AuditEvent) -> str:
    data = event.after or {}
    return _("Policy phase “%(name)s” ends on %(date)s.", name=_name(data),
             date=medium_date(date.fromisoformat(data["ends_on"])))


@audit.describer("phase.delete")
def describe_phase_delete(event: AuditEvent) -> str:
    data = event.before or {}
    return _("Policy phase “%(name)s” (%(period)s) was withdrawn before it started.", name=_name(data),
             period=_period(data))


@audit.describer("holiday.create")
def describe_holiday_create(event: AuditEvent) -> str:
    data = event.after or {}
    return _("Local holiday or closure on %(date)s: %(name)s. Service units are closed, except those "
             "open 24 hours.", date=medium_date(date.fromisoformat(data["day"])), name=_name(data))


@audit.describer("holiday.update")
def describe_holiday_update(event: AuditEvent) -> str:
    data = event.after or {}
    return _("Local holiday changed: %(date)s, %(name)s.", date=medium_date(date.fromisoformat(data["day"])),
             name=_name(data))


@audit.describer("holiday.delete")
def describe_holiday_delete(event: AuditEvent) -> str:
    data = event.before or {}
    return _("The local holiday on %(date)s (%(name)s) was withdrawn; the regular rules apply again.",
             date=medium_date(date.fromisoformat(data["day"])), name=_name(data))
