"""Staff accounts: city admins (BKPSDM) and OPD admins."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .places import Opd, ServiceUnit
from .types import UTCDateTime, utcnow


class Role(StrEnum):
    CITY_ADMIN = "city_admin"  # BKPSDM: everything
    OPD_ADMIN = "opd_admin"  # only the units, reports and output of their own OPD


class User(UserMixin, db.Model):
    __table_args__ = (
        CheckConstraint("role IN ('city_admin', 'opd_admin')", name="role"),
        CheckConstraint("role = 'city_admin' OR opd_id IS NOT NULL", name="opd_admin_has_opd"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # since the last sign-in
    # Raised by "unlock": the login throttle's counters of this account start afresh everywhere.
    throttle_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised to end every session and remember-me cookie of the account (see portal/auth/sessions.py).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opd: Mapped[Opd | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot log in
        return self.is_active_account

    def get_id(self) -> str:
        """The session's user id, bound to the session generation and the password."""
        return f"{self.id}.{self.session_binding()}"

    def session_binding(self) -> str:
        material = f"{self.session_generation or 0}:{self.password_hash}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def end_sessions(self) -> None:
        """End every session and remember-me cookie of this account, on every device."""
        self.session_generation = (self.session_generation or 0) + 1

    @property
    def is_city_admin(self) -> bool:
        return self.role == Role.CITY_ADMIN

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def may_manage_opd(self, opd_id: int | None) -> bool:
        return self.is_city_admin or (opd_id is not None and opd_id == self.opd_id)

    def may_manage_unit(self, unit: ServiceUnit) -> bool:
        return self.may_manage_opd(unit.opd_id)
