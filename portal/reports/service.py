"""Disruption reports: submit one, find it by tracking code, list the public ones, follow its
answer deadline.

No request in here: the views (web form and Open311) pass plain values. A report is committed
before its code is returned, so a code shown to a resident always points to a stored report.
Contact data never goes into the audit trail.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import audit, observability
from ..clock import local, now, zone
from ..extensions import db
from ..models import Holiday, Opd, Report, ReportContact, ReportStatus, ReportUpdate, ServiceUnit, Visibility
from ..workdays import add_working_days
from . import codes

CODE_ATTEMPTS = 8
LINK = re.compile(r"(https?://|www\.)", re.IGNORECASE)


class CodeSpaceExhausted(RuntimeError):
    """No free tracking code after several attempts (practically impossible)."""


@dataclass
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: bool = False

    def given(self) -> bool:
        return any((self.name, self.phone, self.email))


@dataclass
class NewReport:
    unit: ServiceUnit
    category: str
    description: str
    visited_on: date
    visited_at: time | None
    visibility: str = Visibility.PUBLIC.value
    contact: Contact | None = None
    source: str = "web"
    submission_token: str | None = None
    honeypot: str = ""


def link(report: Report) -> str:
    """The tracking page's path (what public audit events link to)."""
    return f"/lapor/{report.code}"


def spam_reason(description: str, honeypot: str, max_links: int) -> str | None:
    """Why a submission looks automated, or None. The same rules for the form and Open311."""
    if honeypot and honeypot.strip():
        return "honeypot"
    if len(LINK.findall(description or "")) > max_links:
        return "links"
    return None


def by_token(token: str) -> Report | None:
    return db.session.scalar(select(Report).filter_by(submission_token=token))


def submit(new: NewReport, *, prefix: str, max_links: int) -> tuple[Report, bool]:
    """Store a new report and commit it. Returns (report, created).

    The same submission token twice gives the first report back (created is False), also when
    both arrive at the same moment: the unique constraint decides, and the loser reads the
    winner. A tracking code that happens to exist already is replaced by a fresh one.
    """
    if new.submission_token:
        existing = by_token(new.submission_token)
        if existing is not None:
            return existing, False
    reason = spam_reason(new.description, new.honeypot, max_links)
    unit_id, opd_id = new.unit.id, new.unit.opd_id
    for _attempt in range(CODE_ATTEMPTS):
        report = Report(
            code=codes.new_code(prefix), unit_id=unit_id, opd_id=opd_id, category=new.category,
            description=new.description.strip(), visited_on=new.visited_on, visited_at=new.visited_at,
            visibility=new.visibility, status=ReportStatus.RECEIVED.value, is_spam=reason is not None,
            spam_reason=reason, source=new.source, submission_token=new.submission_token,
        )
        if new.contact is not None and new.contact.given():
            report.contact = ReportContact(name=new.contact.name, phone=new.contact.phone,
                                           email=new.contact.email,
                                           consent_at=now() if new.contact.consent else None)
        db.session.add(report)
        try:
            db.session.flush()
            record_created(report)
            db.session.commit()
            observability.report_received(new.source)
            return report, True
        except IntegrityError:
            db.session.rollback()
            if new.submission_token:
                existing = by_token(new.submission_token)
                if existing is not None:
                    return existing, False
    raise CodeSpaceExhausted(prefix)


def record_created(report: Report) -> None:
    """The audit event of a new report: public (in the feed) only when the report is listed."""
    audit.record(
        "report.create", report, opd_id=report.opd_id, unit_id=report.unit_id, public=report.is_listed,
        after={"link": link(report), "code": report.code, "category": report.category,
               "visibility": report.visibility, "source": report.source,
               "spam_reason": report.spam_reason, "has_contact": report.contact is not None},
        summary=f"{report.code}: {report.category}",
    )


def find(code: str, prefix: str) -> Report | None:
    """The report with this code as typed by a person (case, dashes and prefix optional)."""
    canonical = codes.normalize(code, prefix)
    if canonical is None:
        return None
    return db.session.scalar(
        select(Report).filter_by(code=canonical)
        .options(joinedload(Report.unit).joinedload(ServiceUnit.opd), joinedload(Report.opd),
                 selectinload(Report.updates).joinedload(ReportUpdate.forwarded_to))
    )


def listed() -> Select:
    """Reports the public may see in lists, feeds and APIs: not confidential, not spam."""
    return select(Report).where(Report.visibility != Visibility.CONFIDENTIAL.value,
                                Report.is_spam.is_(False))


def local_day_start(day: date) -> datetime:
    """Midnight in Bekasi of ``day``, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=zone()).astimezone(UTC)


def public_query(opd: Opd | None = None, unit: ServiceUnit | None = None, status: str | None = None,
                 category: str | None = None, start: date | None = None, end: date | None = None) -> Select:
    """Listed reports with the public list's filters, newest first (dates are Bekasi dates)."""
    query = listed().options(joinedload(Report.unit), joinedload(Report.opd))
    if opd is not None:
        query = query.where(Report.opd_id == opd.id)
    if unit is not None:
        query = query.where(Report.unit_id == unit.id)
    if status:
        query = query.where(Report.status == status)
    if category:
        query = query.where(Report.category == category)
    if start is not None:
        query = query.where(Report.created_at >= local_day_start(start))
    if end is not None:
        query = query.where(Report.created_at < local_day_start(end + timedelta(days=1)))
    return query.order_by(Report.created_at.desc(), Report.id.desc())


def recent_for_unit(unit: ServiceUnit, limit: int = 5) -> list[Report]:
    return db.session.scalars(public_query(unit=unit).limit(limit)).all()


# --- the public timeline ----------------------------------------------------------------------

@dataclass
class Step:
    at: datetime
    status: str
    message: str = ""
    forwarded_to: Opd | None = None
    changed: bool = True  # the status changed at this step


def public_timeline(report: Report) -> list[Step]:
    """What the public may read of a report's life: status changes, answers, forwarding.
    Internal notes are never part of it."""
    steps = [Step(at=report.created_at, status=ReportStatus.RECEIVED.value)]
    current = ReportStatus.RECEIVED.value
    for update in report.updates:
        if update.forwarded_to is not None:
            steps.append(Step(at=update.at, status=update.status, forwarded_to=update.forwarded_to,
                              changed=False))
        elif update.public_message or update.status != current:
            steps.append(Step(at=update.at, status=update.status, message=update.public_message,
                              changed=update.status != current))
        current = update.status
    return steps


# --- the answer deadline ------------------------------------------------------------------------

def holidays_between(start: date, end: date) -> set[date]:
    return set(db.session.scalars(select(Holiday.day).where(Holiday.day.between(start, end))))


def answer_due(created_at: datetime, working_days: int, holidays: Iterable[date]) -> date:
    """The last day on which a first public answer is on time."""
    return add_working_days(local(created_at).date(), working_days, set(holidays))


def is_overdue(report: Report, today: date, working_days: int, holidays: Iterable[date]) -> bool:
    """Still open, never answered publicly, and past the answer deadline."""
    if report.first_response_at is not None or ReportStatus(report.status).closed:
        return False
    return today > answer_due(report.created_at, working_days, holidays)


def overdue_cutoff(today: date, working_days: int, holidays: Iterable[date]) -> date:
    """The latest creation day whose reports are overdue today when still unanswered.

    ``answer_due`` never decreases as the creation day advances, so the overdue reports are
    exactly those created on or before this day, which a database query can use."""
    holidays = set(holidays)
    day = today - timedelta(days=1)
    while add_working_days(day, working_days, holidays) >= today:
        day -= timedelta(days=1)
    return day


def holidays_after(first: date, until: date, working_days: int) -> set[date]:
    """Holidays from ``first`` far enough past ``until`` for any deadline counted from them."""
    return holidays_between(first, max(until, first) + timedelta(days=working_days * 3 + 30))


def answer_deadline(report: Report, working_days: int, today: date) -> tuple[date, bool]:
    """(the day a first public answer is due, whether the report is overdue today)."""
    created = local(report.created_at).date()
    holidays = holidays_after(created, created, working_days)
    return (answer_due(report.created_at, working_days, holidays),
            is_overdue(report, today, working_days, holidays))


def overdue_codes(reports: Sequence[Report], today: date, working_days: int) -> set[str]:
    """The codes of the overdue reports among ``reports`` (one holiday query for all)."""
    waiting = [r for r in reports if r.first_response_at is None and not ReportStatus(r.status).closed]
    if not waiting:
        return set()
    first = min(local(r.created_at).date() for r in waiting)
    holidays = holidays_after(first, max(local(r.created_at).date() for r in waiting), working_days)
    return {r.code for r in waiting if is_overdue(r, today, working_days, holidays)}


def time_to_first_answer(report: Report) -> timedelta | None:
    if report.first_response_at is None:
        return None
    return report.first_response_at - report.created_at


# --- units for the form and for Open311 -------------------------------------------------------

def active_units() -> list[ServiceUnit]:
    return db.session.scalars(
        select(ServiceUnit).where(ServiceUnit.active.is_(True))
        .options(joinedload(ServiceUnit.opd), joinedload(ServiceUnit.kecamatan),
                 joinedload(ServiceUnit.kelurahan))
        .order_by(ServiceUnit.name)
    ).unique().all()


def unit_by_slug(slug: str) -> ServiceUnit | None:
    if not slug or len(slug) > 120 or not re.fullmatch(r"[a-z0-9-]+", slug):
        return None
    return db.session.scalar(select(ServiceUnit).filter_by(slug=slug, active=True))


def match_units(units: Sequence[ServiceUnit], text: str) -> list[ServiceUnit]:
    """Units whose name, agency, kecamatan or kelurahan contain every word of ``text``."""
    words = text.lower().split()
    if not words:
        return list(units)

    def haystack(unit: ServiceUnit) -> str:
        parts = [unit.name, unit.slug, unit.address, unit.opd.short_name, unit.opd.name, unit.kecamatan.name,
                 unit.kelurahan.name if unit.kelurahan else "", unit.services]
        return " ".join(parts).lower()

    return [unit for unit in units if all(word in haystack(unit) for word in words)]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6_371_000
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def nearest_unit(lat: float, lon: float, max_distance_m: float) -> ServiceUnit | None:
    """The active unit closest to (lat, lon), if one is within ``max_distance_m`` (the
    coordinates of every unit are read, the one unit found is loaded)."""
    best, best_distance = None, max_distance_m
    located = select(ServiceUnit.id, ServiceUnit.latitude, ServiceUnit.longitude).where(
        ServiceUnit.active.is_(True), ServiceUnit.latitude.is_not(None), ServiceUnit.longitude.is_not(None))
    for unit_id, latitude, longitude in db.session.execute(located):
        distance = distance_m(lat, lon, latitude, longitude)
        if distance <= best_distance:
            best, best_distance = unit_id, distance
    return db.session.get(ServiceUnit, best) if best is not None else None
