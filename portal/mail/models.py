"""The mail queue (outbox): one row per message waiting to be sent, or given up on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models.types import UTCDateTime, utcnow

PENDING = "pending"
DEAD = "dead"  # MAIL_MAX_ATTEMPTS failed attempts: kept for operators, never retried by itself


class OutboxMessage(db.Model):
    """A rendered e-mail. Personal data (the address): never public, deleted once sent."""

    __tablename__ = "mail_outbox"
    __table_args__ = {"info": {"public": False}}

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    # Why it was sent ("confirm", "digest", "report_answer"): for operators, never the content.
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Unsubscribing deletes the subscriber and with it every message not yet sent to her.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_subscriber.id", ondelete="CASCADE"), index=True)
    report_watch_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_report_watch.id", ondelete="CASCADE"), index=True)
