"""What decides a unit's day: policy phases, holidays and staff overrides."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, String, Table, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import schedule
from ..extensions import db
from .places import Opd, ServiceUnit
from .types import UTCDateTime, utcnow

phase_exempt_opd = Table(
    "phase_exempt_opd",
    db.metadata,
    Column("phase_id", ForeignKey("policy_phase.id", ondelete="CASCADE"), primary_key=True),
    Column("opd_id", ForeignKey("opd.id", ondelete="CASCADE"), primary_key=True),
)


class PolicyPhase(db.Model):
    """A date range with the rule that says what WFH means for non-essential units each day."""

    __tablename__ = "policy_phase"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on <= ends_on", name="dates_in_order"),
        CheckConstraint("rule IN ('regular', 'wfh_weekdays', 'fifty_fifty', 'rotation')", name="rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))  # Indonesian, e.g. "Tahap I"
    name_en: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(String(200))  # e.g. "SE 150/KPG.03/BKD"
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date | None] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(20), default=schedule.RuleKind.REGULAR.value)
    wfh_weekdays: Mapped[str] = mapped_column(String(20), default="")  # e.g. "3" for Thursday
    note: Mapped[str] = mapped_column(String(300), default="")  # capacity note shown to citizens
    note_en: Mapped[str | None] = mapped_column(String(300))

    exempt_opds: Mapped[list[Opd]] = relationship(secondary=phase_exempt_opd, order_by="Opd.name")

    def __repr__(self) -> str:
        return f"<PolicyPhase {self.name} {self.starts_on}..{self.ends_on}>"

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(ch) for ch in self.wfh_weekdays.split(",") if ch.strip().isdigit())

    def as_schedule_phase(self) -> schedule.Phase:
        return schedule.Phase(
            id=self.id,
            name=self.name,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            rule=schedule.RuleKind(self.rule),
            wfh_weekdays=self.weekday_set,
            note=self.note,
            exempt_opd_ids=frozenset(opd.id for opd in self.exempt_opds),
            name_en=self.name_en,
            note_en=self.note_en,
        )


class Holiday(db.Model):
    """A day when units close: national holiday, cuti bersama, or a local date set by admins."""

    __table_args__ = (CheckConstraint("kind IN ('national', 'cuti_bersama', 'local')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200))  # Indonesian
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="national")

    def __repr__(self) -> str:
        return f"<Holiday {self.day} {self.name}>"

    def as_schedule_holiday(self) -> schedule.Holiday:
        return schedule.Holiday(day=self.day, name=self.name, kind=self.kind, name_en=self.name_en)


class Override(db.Model):
    """A staff decision for one unit over a date range, with the reason citizens will read."""

    __table_args__ = (
        CheckConstraint("starts_on <= ends_on", name="dates_in_order"),
        CheckConstraint("status IN ('open', 'limited', 'online', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("service_unit.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10))
    opens: Mapped[time | None] = mapped_column(Time)
    closes: Mapped[time | None] = mapped_column(Time)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    unit: Mapped[ServiceUnit] = relationship()
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    def as_schedule_override(self) -> schedule.Override:
        return schedule.Override(
            id=self.id,
            unit_id=self.unit_id,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            status=schedule.Status(self.status),
            reason=self.reason,
            opens=self.opens,
            closes=self.closes,
            created_at=self.created_at,
            by_city_admin=self.created_by is not None and self.created_by.is_city_admin,
        )
