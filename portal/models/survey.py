"""Answers of the citizen satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017).

An answer never holds a name or contact. The optional respondent profile (age band, sex,
education, occupation) is never shown publicly; the suggestion text is shown only once staff
approved it. ``device_key`` is a keyed hash of the survey page's device cookie (one answer per
visit and device), never the cookie itself.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, SmallInteger, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .places import Opd, ServiceUnit
from .types import UTCDateTime, utcnow

SUGGESTION_STATES = ("pending", "approved", "hidden")


class SurveyResponse(db.Model):
    __tablename__ = "survey_response"
    __table_args__ = (
        CheckConstraint("mode IN ('onsite', 'online')", name="mode"),
        CheckConstraint("suggestion_state IN ('pending', 'approved', 'hidden')", name="suggestion_state"),
        *(CheckConstraint(f"u{n} BETWEEN 1 AND 4", name=f"u{n}_scale") for n in range(1, 10)),
        UniqueConstraint("device_key", "unit_id", "visited_on", name="one_answer_per_visit_and_device"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("service_unit.id"), index=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)  # the unit's OPD when answered
    service: Mapped[str] = mapped_column(String(200), default="")
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    mode: Mapped[str] = mapped_column(String(10))  # onsite, online
    wfh_day: Mapped[bool] = mapped_column(Boolean, default=False)  # the phase decided the unit's day
    u1: Mapped[int | None] = mapped_column(SmallInteger)
    u2: Mapped[int | None] = mapped_column(SmallInteger)
    u3: Mapped[int | None] = mapped_column(SmallInteger)
    u4: Mapped[int | None] = mapped_column(SmallInteger)
    u5: Mapped[int | None] = mapped_column(SmallInteger)
    u6: Mapped[int | None] = mapped_column(SmallInteger)
    u7: Mapped[int | None] = mapped_column(SmallInteger)
    u8: Mapped[int | None] = mapped_column(SmallInteger)
    u9: Mapped[int | None] = mapped_column(SmallInteger)
    suggestion: Mapped[str | None] = mapped_column(Text)
    suggestion_state: Mapped[str] = mapped_column(String(10), default="pending")
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optional respondent profile, as the regulation's questionnaire asks it. Never public.
    age_band: Mapped[str | None] = mapped_column(String(10))
    sex: Mapped[str | None] = mapped_column(String(1))
    education: Mapped[str | None] = mapped_column(String(10))
    occupation: Mapped[str | None] = mapped_column(String(20))
    is_spam: Mapped[bool] = mapped_column(Boolean, default=False)
    spam_reason: Mapped[str | None] = mapped_column(String(20))
    device_key: Mapped[str | None] = mapped_column(String(64))
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    unit: Mapped[ServiceUnit] = relationship()
    opd: Mapped[Opd] = relationship()

    def scores(self) -> tuple[int | None, ...]:
        return tuple(getattr(self, f"u{n}") for n in range(1, 10))

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.id} unit={self.unit_id} {self.visited_on}>"
