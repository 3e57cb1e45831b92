"""Subscribers, what they follow, and residents waiting for the answer to their report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Kecamatan, Opd, Report, ServiceUnit
from ..models.types import UTCDateTime, utcnow

PRIVATE = {"info": {"public": False}}


class Subscriber(db.Model):
    """One e-mail address. ``email_hash`` (HMAC of the normalised address) is what lookups use;
    the address itself is read only to send a message."""

    __tablename__ = "mail_subscriber"
    __table_args__ = PRIVATE

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(5))
    # Random, part of every signed link: a link of an erased subscriber never works for a new one.
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Confirmation e-mails sent today (Bekasi date): at most MAIL_CONFIRMATIONS_PER_DAY per address.
    confirmations_on: Mapped[str | None] = mapped_column(String(10))
    confirmations_sent: Mapped[int] = mapped_column(Integer, default=0)

    targets: Mapped[list[SubscriptionTarget]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", passive_deletes=True)


class SubscriptionTarget(db.Model):
    """What a subscriber follows: one unit, every unit of an OPD, or every unit of a kecamatan.
    Pending until the subscriber opened the confirmation link (double opt-in)."""

    __tablename__ = "mail_subscription_target"
    __table_args__ = (
        CheckConstraint("(CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN opd_id IS NULL THEN 0 ELSE 1 END)"
                        " + (CASE WHEN kecamatan_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_target"),
        {"info": {"public": False}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("mail_subscriber.id", ondelete="CASCADE"),
                                               index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("service_unit.id", ondelete="CASCADE"))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id", ondelete="CASCADE"))
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscriber: Mapped[Subscriber] = relationship(back_populates="targets")
    unit: Mapped[ServiceUnit | None] = relationship()
    opd: Mapped[Opd | None] = relationship()
    kecamatan: Mapped[Kecamatan | None] = relationship()

    def covers(self, unit: ServiceUnit) -> bool:
        return (self.unit_id == unit.id or self.opd_id == unit.opd_id
                or self.kecamatan_id == unit.kecamatan_id)


class ReportWatch(db.Model):
    """A reporter who asked (on the report form, with her consent) to be e-mailed when her report
    gets a public answer. Erased with the report's contact data and on unsubscribe."""

    __tablename__ = "mail_report_watch"
    __table_args__ = PRIVATE

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship()
