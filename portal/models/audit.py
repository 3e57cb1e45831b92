"""The audit trail: who changed what, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .places import Opd, ServiceUnit
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One change. ``public`` events (availability changes, public report answers) feed the
    unit pages and /feed.atom; the rest are for staff only."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200), default="")  # kept if the user is deleted
    action: Mapped[str] = mapped_column(String(60), index=True)  # e.g. "override.create"
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_unit.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")  # Indonesian, for people
    ip: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped["User | None"] = relationship()  # noqa: F821
    opd: Mapped[Opd | None] = relationship()
    unit: Mapped[ServiceUnit | None] = relationship()
