"""Where citizens are served: kecamatan and kelurahan, OPDs and their service units."""

from __future__ import annotations

from datetime import time

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .. import schedule


class Kecamatan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    kelurahan: Mapped[list[Kelurahan]] = relationship(
        back_populates="kecamatan", order_by="Kelurahan.name"
    )

    def __repr__(self) -> str:
        return f"<Kecamatan {self.slug}>"


class Kelurahan(db.Model):
    __table_args__ = (UniqueConstraint("kecamatan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="kelurahan")


class Opd(db.Model):
    """Organisasi Perangkat Daerah: a city agency."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    short_name: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="dinas")
    website: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))

    units: Mapped[list[ServiceUnit]] = relationship(back_populates="opd", order_by="ServiceUnit.name")

    def __repr__(self) -> str:
        return f"<Opd {self.slug}>"


class ServiceUnit(db.Model):
    """A place where citizens are served, owned by one OPD."""

    __tablename__ = "service_unit"
    __table_args__ = (CheckConstraint("rotation_group IN ('A', 'B')", name="rotation_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(40))
    whatsapp: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    online_channel_url: Mapped[str | None] = mapped_column(String(300))
    online_channel_name: Mapped[str | None] = mapped_column(String(200))
    services: Mapped[str] = mapped_column(Text, default="")  # one service per line
    essential: Mapped[bool] = mapped_column(Boolean, default=False)
    open_24_7: Mapped[bool] = mapped_column(Boolean, default=False)
    rotation_group: Mapped[str] = mapped_column(String(1), default="A")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    opd: Mapped[Opd] = relationship(back_populates="units")
    kecamatan: Mapped[Kecamatan] = relationship()
    kelurahan: Mapped[Kelurahan | None] = relationship()
    hours: Mapped[list[UnitHours]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="UnitHours.weekday",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<ServiceUnit {self.slug}>"

    @property
    def service_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]

    @property
    def map_url(self) -> str | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (f"https://www.openstreetmap.org/?mlat={self.latitude:.5f}&mlon={self.longitude:.5f}"
                f"#map=17/{self.latitude:.5f}/{self.longitude:.5f}")

    @property
    def whatsapp_url(self) -> str | None:
        if not self.whatsapp:
            return None
        digits = "".join(ch for ch in self.whatsapp if ch.isdigit())
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        return f"https://wa.me/{digits}"

    def weekly_hours(self) -> dict[int, tuple[time, time]]:
        return {h.weekday: (h.opens, h.closes) for h in self.hours}

    def as_schedule_unit(self) -> schedule.Unit:
        return schedule.Unit(
            id=self.id,
            weekly_hours=self.weekly_hours(),
            opd_id=self.opd_id,
            essential=self.essential,
            open_24_7=self.open_24_7,
            rotation_group=schedule.RotationGroup(self.rotation_group or "A"),
        )


class UnitHours(db.Model):
    """Regular opening hours of a unit on one weekday (0 = Monday)."""

    __tablename__ = "unit_hours"
    __table_args__ = (
        UniqueConstraint("unit_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("service_unit.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    unit: Mapped[ServiceUnit] = relationship(back_populates="hours")
