"""What each OPD produces: output indicators, daily output records per work mode, and the
monthly operational cost that the trial wants to cut."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .places import Opd
from .types import UTCDateTime, utcnow


class WorkMode(StrEnum):
    WFO = "wfo"  # work from office
    WFH = "wfh"  # work from home


class CostCategory(StrEnum):
    ELECTRICITY = "electricity"  # listrik
    WATER = "water"  # air
    FUEL = "fuel"  # bahan bakar
    CONSUMABLES = "consumables"  # alat tulis kantor dan bahan habis pakai


def _values(enum) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class OutputIndicator(db.Model):
    """A kind of result an OPD counts every day, e.g. "dokumen kependudukan terbit" (dokumen).

    The slug is unique within the OPD; OPDs share a slug for the same kind of result
    (e.g. ``surat-naskah-diproses``) so that statistics can compare them."""

    __tablename__ = "output_indicator"
    __table_args__ = (UniqueConstraint("opd_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))  # indexed by the unique key
    slug: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(200))  # Indonesian
    unit_of_measure: Mapped[str] = mapped_column(String(60))  # e.g. "dokumen", "izin"
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    opd: Mapped[Opd] = relationship()

    def __repr__(self) -> str:
        return f"<OutputIndicator {self.opd_id}/{self.slug}>"


class OutputDay(db.Model):
    """One OPD's working day in one work mode: who was on duty and their daily performance
    reports. A day without a record is missing, never zero."""

    __tablename__ = "output_day"
    __table_args__ = (
        UniqueConstraint("opd_id", "day", "mode"),
        CheckConstraint(f"mode IN ({_values(WorkMode)})", name="mode"),
        CheckConstraint("staff_on_duty >= 1", name="staff_on_duty"),
        CheckConstraint("reports_submitted >= 0 AND reports_submitted <= reports_due", name="reports"),
        CheckConstraint("reports_due <= staff_on_duty", name="reports_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: a record moved to another OPD or date refreshes the totals it leaves
    # (portal/statistik/totals.py), even when its old values were not loaded.
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), active_history=True)  # indexed by the unique key
    day: Mapped[date] = mapped_column(Date, index=True, active_history=True)
    mode: Mapped[str] = mapped_column(String(3))
    staff_on_duty: Mapped[int] = mapped_column(Integer)
    reports_due: Mapped[int] = mapped_column(Integer)  # daily performance reports expected
    reports_submitted: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    opd: Mapped[Opd] = relationship()
    quantities: Mapped[list[OutputQuantity]] = relationship(
        back_populates="output_day", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<OutputDay {self.opd_id} {self.day} {self.mode}>"


class OutputQuantity(db.Model):
    """How much of one indicator an OPD produced on a day in one work mode."""

    __tablename__ = "output_quantity"
    __table_args__ = (
        UniqueConstraint("output_day_id", "indicator_id"),
        CheckConstraint("quantity >= 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    output_day_id: Mapped[int] = mapped_column(ForeignKey("output_day.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("output_indicator.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    output_day: Mapped[OutputDay] = relationship(back_populates="quantities")
    indicator: Mapped[OutputIndicator] = relationship()


class OperationalCost(db.Model):
    """What an OPD spent in a month on one category (rupiah), to show the cost side of the trial."""

    __tablename__ = "operational_cost"
    __table_args__ = (
        UniqueConstraint("opd_id", "month", "category"),
        CheckConstraint(f"category IN ({_values(CostCategory)})", name="category"),
        CheckConstraint("amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"))  # indexed by the unique key
    month: Mapped[date] = mapped_column(Date)  # always the first day of the month
    category: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)  # rupiah
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    opd: Mapped[Opd] = relationship()


class OutputDayTotal(db.Model):
    """Derived, never edited: one row per OutputDay with the output of all its indicators summed,
    so that the statistics read one small row per OPD, date and mode instead of every quantity.
    Kept up to date on every flush that touches OutputDay or OutputQuantity (portal/statistik/
    totals.py); ``flask --app portal rebuild-stats`` rebuilds it after bulk inserts."""

    __tablename__ = "output_day_total"

    # The key starts with the date: the statistics read a date range.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id", ondelete="CASCADE"), primary_key=True, index=True)
    mode: Mapped[str] = mapped_column(String(3), primary_key=True)
    output: Mapped[int] = mapped_column(BigInteger)
    staff_on_duty: Mapped[int] = mapped_column(Integer)
    reports_due: Mapped[int] = mapped_column(Integer)
    reports_submitted: Mapped[int] = mapped_column(Integer)


class _ModeSums:
    """Both work modes side by side: OPD-day records, output, staff-days, reports due and submitted."""

    wfo_records: Mapped[int] = mapped_column(Integer, default=0)
    wfo_output: Mapped[int] = mapped_column(BigInteger, default=0)
    wfo_staff: Mapped[int] = mapped_column(BigInteger, default=0)
    wfo_due: Mapped[int] = mapped_column(BigInteger, default=0)
    wfo_submitted: Mapped[int] = mapped_column(BigInteger, default=0)
    wfh_records: Mapped[int] = mapped_column(Integer, default=0)
    wfh_output: Mapped[int] = mapped_column(BigInteger, default=0)
    wfh_staff: Mapped[int] = mapped_column(BigInteger, default=0)
    wfh_due: Mapped[int] = mapped_column(BigInteger, default=0)
    wfh_submitted: Mapped[int] = mapped_column(BigInteger, default=0)


class OutputDaySum(_ModeSums, db.Model):
    """Derived from ``output_day_total``: one row per date with a record, every OPD summed (the
    statistics' per-date figures: phases, weeks, the whole range). Kept up to date with the
    daily totals (portal/statistik/totals.py)."""

    __tablename__ = "output_day_sum"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    opds: Mapped[int] = mapped_column(Integer)  # OPDs with a record on the date (either mode)


class OutputMonthTotal(_ModeSums, db.Model):
    """Derived from ``output_day_total``: one row per OPD and month with a record (the statistics'
    per-OPD figures over the whole months of a range; the days at its edges come from the daily
    totals). Kept up to date with the daily totals (portal/statistik/totals.py)."""

    __tablename__ = "output_month_total"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id", ondelete="CASCADE"), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)  # dates of the month with a record (either mode)
    weekdays: Mapped[int] = mapped_column(Integer)  # of those, Monday to Friday
