"""Disruption reports (laporan gangguan) by residents, their public answers, and contact data
kept apart from the report (UU 27/2022 PDP: restricted, purged on schedule)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, Time, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .places import Opd, ServiceUnit
from .types import UTCDateTime, utcnow


class ReportCategory(StrEnum):
    CLOSED_THOUGH_OPEN = "closed_though_open"  # tutup padahal dijadwalkan buka
    NO_STAFF = "no_staff"  # tidak ada petugas yang melayani
    ONLINE_UNREACHABLE = "online_unreachable"  # kanal daring tidak dapat diakses
    LONG_WAIT = "long_wait"  # antrean sangat lama / layanan lambat
    WRONG_INFO = "wrong_info"  # informasi di portal salah
    OTHER = "other"


class ReportStatus(StrEnum):
    RECEIVED = "received"  # diterima
    VERIFIED = "verified"  # diverifikasi
    IN_PROGRESS = "in_progress"  # ditindaklanjuti
    RESOLVED = "resolved"  # selesai
    REJECTED = "rejected"  # ditolak (with a reason)

    @property
    def closed(self) -> bool:
        return self in (ReportStatus.RESOLVED, ReportStatus.REJECTED)


class Visibility(StrEnum):
    PUBLIC = "public"  # listed publicly (the reporter's name is never shown publicly)
    ANONYMOUS = "anonymous"  # listed publicly; identity hidden from the OPD too (SP4N-LAPOR "anonim")
    CONFIDENTIAL = "confidential"  # never listed publicly (SP4N-LAPOR "rahasia")


def _values(enum) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class Report(db.Model):
    __table_args__ = (
        CheckConstraint(f"category IN ({_values(ReportCategory)})", name="category"),
        CheckConstraint(f"status IN ({_values(ReportStatus)})", name="status"),
        CheckConstraint(f"visibility IN ({_values(Visibility)})", name="visibility"),
        CheckConstraint("source IN ('web', 'open311')", name="source"),
        # Once anonymous, always anonymous: the flag outlives any later change of visibility.
        CheckConstraint("visibility != 'anonymous' OR filed_anonymous", name="anonymity_kept"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # tracking code, e.g. BKS-7K4Q-2M9D
    # active_history: a change loads the old value first, so that the statistics refresh the unit
    # and month a report leaves (portal/statistik/report_totals.py).
    unit_id: Mapped[int] = mapped_column(ForeignKey("service_unit.id"), index=True, active_history=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)  # responsible (reassignable)
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    visited_on: Mapped[date] = mapped_column(Date, index=True, active_history=True)
    visited_at: Mapped[time | None] = mapped_column(Time)
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.PUBLIC.value)
    # Filed (or ever made) anonymous: the reporter's identity stays hidden from every agency for
    # good, whatever the visibility becomes later (e.g. confidential). Never cleared.
    filed_anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.RECEIVED.value, index=True)
    is_spam: Mapped[bool] = mapped_column(Boolean, default=False)
    spam_reason: Mapped[str | None] = mapped_column(String(40))  # "honeypot", "links", "staff"
    source: Mapped[str] = mapped_column(String(10), default="web")
    # A random token from the form: the same submission sent twice creates one report.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first public answer
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[ServiceUnit] = relationship()
    opd: Mapped[Opd] = relationship()
    contact: Mapped[ReportContact | None] = relationship(
        back_populates="report", cascade="all, delete-orphan", uselist=False
    )
    updates: Mapped[list[ReportUpdate]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportUpdate.at"
    )

    def __repr__(self) -> str:
        return f"<Report {self.code} {self.status}>"

    @validates("visibility")
    def _keep_anonymity(self, _key: str, value: str) -> str:
        if value == Visibility.ANONYMOUS:
            self.filed_anonymous = True
        return value

    @property
    def is_listed(self) -> bool:
        """Shown in public lists, feeds and APIs."""
        return self.visibility != Visibility.CONFIDENTIAL and not self.is_spam


class ReportContact(db.Model):
    """The reporter's personal data, apart from the report: staff of the responsible OPD and
    city admins only; erased by `flask purge-personal-data` after the retention period."""

    __tablename__ = "report_contact"

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # consent to processing (UU PDP)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship(back_populates="contact")


class ReportUpdate(db.Model):
    """A step in a report's life: a status change with a public answer and/or an internal note."""

    __tablename__ = "report_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20))
    public_message: Mapped[str] = mapped_column(Text, default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")  # staff only, never public
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Set when a city admin forwarded the report to another OPD (shown publicly as a step).
    forwarded_to_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id", ondelete="SET NULL"))

    report: Mapped[Report] = relationship(back_populates="updates")
    actor: Mapped["User | None"] = relationship()  # noqa: F821
    forwarded_to: Mapped[Opd | None] = relationship()


class ReportTiming(db.Model):
    """Derived, never edited: what the statistics need of one non-spam report, in one narrow row
    of plain numbers (no text, no person, no time zone arithmetic left to do). Kept up to date on
    every flush that touches a report or a holiday (portal/statistik/report_totals.py);
    ``flask --app portal rebuild-stats`` rebuilds it after bulk inserts."""

    __tablename__ = "report_timing"
    __table_args__ = (
        # The statistics read a date range and need nothing else: the index covers the query.
        Index("ix_report_timing_day_covering", "day", "opd_id", "category", "working_days_to_answer",
                 "answer_us"),
        # The medians of the answer times: the middle of each group read in order (stats.py).
        Index("ix_report_timing_answer", "answer_us", "day"),
        Index("ix_report_timing_opd_answer", "opd_id", "answer_us", "day"),
        Index("ix_report_timing_category_answer", "category", "answer_us", "day"),
    )

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # created, in the portal's time zone
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    answered_on: Mapped[date | None] = mapped_column(Date, index=True)  # first public answer, local date
    # The fewest working days N for which the answer counts as within a target of N working days
    # (answered_on <= add_working_days(day, N, holidays)); NULL while unanswered.
    working_days_to_answer: Mapped[int | None] = mapped_column(Integer)
    answer_us: Mapped[int | None] = mapped_column(BigInteger)  # first_response_at - created_at, microseconds


class ReportMonthTotal(db.Model):
    """Derived from ``report_timing``: per month (of the reports' local dates), OPD and category,
    the reports, those answered, and those answered within the target of ``target_days`` working
    days (the setting when the row was written: the statistics fall back to the timing rows when
    the setting has changed since). Kept up to date with the timings (portal/statistik/
    report_totals.py)."""

    __tablename__ = "report_month_total"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    reports: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    within_target: Mapped[int] = mapped_column(Integer)
    target_days: Mapped[int] = mapped_column(Integer)


class ReportMonthSealed(db.Model):
    """The months whose totals in ``report_month_total`` are kept: those that closed at least a
    whole day ago (no transaction still writing one of their new reports), sealed by the first
    report write after that (or by ``rebuild-stats``) and recounted on every later change of one of
    their reports. The statistics read the other months, the current one above all, from
    ``report_timing``: so a resident's new report writes no total (portal/statistik/
    report_totals.py)."""

    __tablename__ = "report_month_sealed"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month


class UnitConfirmedDays(db.Model):
    """Derived from ``report``: per unit and month, the days about which a confirmed report (staff
    verified it, is working on it or resolved it; not spam) was made, as bits (bit n-1: day n).
    What the kept on-site days of /statistik need of the reports: one row per unit and month,
    however many reports. Kept up to date on every flush that touches a report (portal/
    statistik/report_totals.py); ``flask --app portal rebuild-stats`` rebuilds it."""

    __tablename__ = "unit_confirmed_days"

    unit_id: Mapped[int] = mapped_column(ForeignKey("service_unit.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    days: Mapped[int] = mapped_column(BigInteger)
