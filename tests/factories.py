"""Small hand-made data sets: each test builds exactly what it asserts on."""

from __future__ import annotations

from datetime import date, time
from functools import cache

from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models import Holiday, Kecamatan, Opd, PolicyPhase, Role, ServiceUnit, UnitHours, User

WEEKDAYS_8_TO_15 = {day: (time(8), time(15)) for day in range(5)}
PASSWORD = "correct-horse-battery"


def kecamatan(name: str = "Bekasi Utara") -> Kecamatan:
    slug = name.lower().replace(" ", "-")
    found = db.session.query(Kecamatan).filter_by(slug=slug).one_or_none()
    if found:
        return found
    obj = Kecamatan(slug=slug, name=name)
    db.session.add(obj)
    db.session.flush()
    return obj


def opd(short_name: str = "Disdukcapil", name: str | None = None) -> Opd:
    slug = short_name.lower().replace(" ", "-").replace(".", "")
    found = db.session.query(Opd).filter_by(slug=slug).one_or_none()
    if found:
        return found
    obj = Opd(slug=slug, short_name=short_name, name=name or f"Dinas {short_name}")
    db.session.add(obj)
    db.session.flush()
    return obj


def unit(name: str = "Loket Disdukcapil", *, owner: Opd | None = None, kec: Kecamatan | None = None,
         hours: dict | None = None, essential: bool = False, open_24_7: bool = False,
         rotation_group: str = "A", **fields) -> ServiceUnit:
    obj = ServiceUnit(
        slug=fields.pop("slug", name.lower().replace(" ", "-")),
        name=name,
        opd=owner or opd(),
        kecamatan=kec or kecamatan(),
        essential=essential,
        open_24_7=open_24_7,
        rotation_group=rotation_group,
        address=fields.pop("address", "Jl. Contoh No. 1"),
        **fields,
    )
    for weekday, (opens, closes) in (WEEKDAYS_8_TO_15 if hours is None else hours).items():
        obj.hours.append(UnitHours(weekday=weekday, opens=opens, closes=closes))
    db.session.add(obj)
    db.session.flush()
    return obj


def phase(name: str, starts_on: date, ends_on: date | None, rule: str, **fields) -> PolicyPhase:
    obj = PolicyPhase(name=name, starts_on=starts_on, ends_on=ends_on, rule=rule, **fields)
    db.session.add(obj)
    db.session.flush()
    return obj


def holiday(day: date, name: str, kind: str = "national") -> Holiday:
    obj = Holiday(day=day, name=name, kind=kind)
    db.session.add(obj)
    db.session.flush()
    return obj


@cache
def password_hash(password: str) -> str:
    """The hash User.set_password stores, made once per password in a test run: scrypt costs about
    0.1 s on purpose, and a test that needs a user is about sign-in rules, not hashing."""
    return generate_password_hash(password, method="scrypt")


def user(email: str, role: Role = Role.OPD_ADMIN, owner: Opd | None = None,
         password: str = PASSWORD, name: str | None = None) -> User:
    obj = User(email=email, name=name or email.split("@")[0], role=role.value,
               opd=owner if owner is not None or role is Role.CITY_ADMIN else opd())
    obj.password_hash = password_hash(password)
    db.session.add(obj)
    db.session.flush()
    return obj


def report(unit: ServiceUnit, *, description: str = "Loket tutup pada jam layanan tanpa pengumuman.",
           category: str = "closed_though_open", visibility: str = "public", created_at=None,
           contact: dict | None = None, **fields):
    """A disruption report about ``unit`` (received, unanswered unless ``fields`` say otherwise)."""
    from portal.models import Report, ReportContact
    from portal.models.types import utcnow
    from portal.reports import codes

    created_at = created_at or utcnow()
    obj = Report(code=fields.pop("code", codes.new_code("BKS")), unit=unit, opd_id=unit.opd_id,
                 category=category, description=description,
                 visited_on=fields.pop("visited_on", created_at.date()), visibility=visibility,
                 created_at=created_at, updated_at=created_at, **fields)
    if contact:
        obj.contact = ReportContact(consent_at=created_at, **contact)
    db.session.add(obj)
    db.session.flush()
    return obj
