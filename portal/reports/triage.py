"""What staff do with a report: answer it and move its status, note, mark spam, forward it to
another OPD, hide it from the public, and erase the reporter's contact data.

Every change is audited in the same transaction; the caller commits. Public audit events (the
Atom feed) are only made for listed reports, and taken back when a report stops being listed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import joinedload

from .. import audit
from ..clock import now
from ..extensions import db
from ..models import AuditEvent, Opd, Report, ReportContact, ReportStatus, ReportUpdate, User, Visibility
from ..availability import escape_like
from ..subscriptions.service import forget_report_watchers, report_answered
from . import codes
from .service import link, local_day_start

CLOSED = (ReportStatus.RESOLVED.value, ReportStatus.REJECTED.value)
QUEUE_STATES = ("open", "all", *(s.value for s in ReportStatus))

# Statuses that need a public answer: the reason of a rejection, what was done to resolve it.
ANSWER_REQUIRED = (ReportStatus.REJECTED.value, ReportStatus.RESOLVED.value)


class TriageError(ValueError):
    """A change that is not allowed (the message is for staff)."""


def queue_query(opd_id: int | None, state: str = "open", spam: bool = False, text: str = "",
                overdue_from: date | None = None, prefix: str = "BKS") -> Select:
    """The staff queue: one OPD's reports (all OPDs when ``opd_id`` is None).

    ``state`` is "open" (not closed), "all" or a status; ``overdue_from`` keeps the reports
    created on or before that day that are still open and unanswered. Open reports come oldest
    first (first come, first served), the others newest first."""
    query = select(Report).options(joinedload(Report.unit), joinedload(Report.opd))
    if opd_id is not None:
        query = query.where(Report.opd_id == opd_id)
    query = query.where(Report.is_spam.is_(spam))
    if state == "open":
        query = query.where(Report.status.not_in(CLOSED))
    elif state != "all":
        query = query.where(Report.status == state)
    if text:
        canonical = codes.normalize(text, prefix)
        pattern = f"%{escape_like(text)}%"
        query = query.where(or_(Report.code == (canonical or text),
                                Report.description.ilike(pattern, escape="\\")))
    if overdue_from is not None:
        query = query.where(Report.first_response_at.is_(None), Report.status.not_in(CLOSED),
                            Report.created_at < local_day_start(overdue_from + timedelta(days=1)))
    if state == "open":
        return query.order_by(Report.created_at.asc(), Report.id.asc())
    return query.order_by(Report.created_at.desc(), Report.id.desc())


def may_manage(user: User, report: Report) -> bool:
    """Staff of the responsible OPD, and city admins."""
    return user.is_authenticated and user.may_manage_opd(report.opd_id)


def may_see_contact(user: User, report: Report) -> bool:
    """Contact data: city admins always; the responsible OPD's staff unless the report was ever
    anonymous (SP4N-LAPOR's "anonim": the identity is hidden from the agency, for good, even after
    the report was made confidential or forwarded)."""
    if not user.is_authenticated:
        return False
    if user.is_city_admin:
        return True
    return not report.filed_anonymous and user.may_manage_opd(report.opd_id)


def _event(action: str, report: Report, actor: User | None, *, public: bool = False,
           before: dict | None = None, after: dict | None = None) -> AuditEvent:
    data = {"code": report.code, **(after or {})}
    if public:
        data["link"] = link(report)
    return audit.record(action, report, before=before, after=data, opd_id=report.opd_id,
                        unit_id=report.unit_id, public=public, actor=actor,
                        summary=f"{report.code}: {action}")


def change_status(report: Report, actor: User, status: str, public_message: str = "",
                  internal_note: str = "") -> ReportUpdate:
    """A step by staff: a new status and/or a public answer, and/or an internal note."""
    status = ReportStatus(status).value
    public_message, internal_note = public_message.strip(), internal_note.strip()
    if status in ANSWER_REQUIRED and not public_message:
        raise TriageError("a public answer is required for this status")
    if status == report.status and not public_message and not internal_note:
        raise TriageError("nothing to change")
    at = now()
    previous = report.status
    step = ReportUpdate(report=report, at=at, status=status, public_message=public_message,
                        internal_note=internal_note, actor=actor)
    db.session.add(step)
    report.status = status
    report.updated_at = at
    if public_message and report.first_response_at is None:
        report.first_response_at = at
    if ReportStatus(status).closed:
        report.closed_at = report.closed_at if ReportStatus(previous).closed else at
    else:
        report.closed_at = None
    if status != previous or public_message:
        _event("report.update", report, actor, public=report.is_listed, before={"status": previous},
               after={"status": status, "message": public_message})
    if public_message:
        report_answered(report, status, public_message)  # an e-mail to a reporter who asked for one
    if internal_note:
        _event("report.note", report, actor, after={"note": internal_note})
    return step


def retract_public_events(report: Report) -> int:
    """Take the report's events out of the public feed (it is no longer listed)."""
    result = db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.object_type == "Report", AuditEvent.object_id == report.id,
               AuditEvent.public.is_(True))
        .values(public=False)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def set_spam(report: Report, actor: User, is_spam: bool) -> None:
    """Mark a report as spam (out of every public list, feed and API) or take the mark back."""
    if report.is_spam == is_spam:
        raise TriageError("nothing to change")
    before = {"is_spam": report.is_spam, "spam_reason": report.spam_reason}
    report.is_spam = is_spam
    report.spam_reason = "staff" if is_spam else None
    report.updated_at = now()
    retracted = retract_public_events(report) if is_spam else 0
    _event("report.spam", report, actor, before=before,
           after={"is_spam": is_spam, "retracted_public_events": retracted})


def hide(report: Report, actor: User) -> None:
    """Make a report confidential, e.g. when its description reveals personal data."""
    if report.visibility == Visibility.CONFIDENTIAL.value:
        raise TriageError("nothing to change")
    before = {"visibility": report.visibility}
    report.visibility = Visibility.CONFIDENTIAL.value
    report.updated_at = now()
    retracted = retract_public_events(report)
    _event("report.hide", report, actor, before=before,
           after={"visibility": report.visibility, "retracted_public_events": retracted})


def reassign(report: Report, actor: User, opd: Opd, note: str = "") -> ReportUpdate:
    """Forward a report to another responsible OPD (city admins)."""
    if opd.id == report.opd_id:
        raise TriageError("nothing to change")
    before = {"opd": report.opd.short_name, "opd_id": report.opd_id}
    at = now()
    step = ReportUpdate(report=report, at=at, status=report.status, internal_note=note.strip(),
                        actor=actor, forwarded_to=opd)
    db.session.add(step)
    report.opd = opd
    report.opd_id = opd.id
    report.updated_at = at
    _event("report.reassign", report, actor, before=before,
           after={"opd": opd.short_name, "opd_id": opd.id, "note": note.strip()})
    return step


def record_contact_view(report: Report, actor: User) -> None:
    """Reading a reporter's contact data is on the record too (UU 27/2022 PDP)."""
    _event("report.contact_view", report, actor)


def erase_contact(report: Report, actor: User | None, reason: str = "request") -> None:
    """Erase the reporter's name, phone and e-mail; keep the report.

    The reporter's network address, kept with the report's creation event, is erased too."""
    contact = report.contact
    if contact is None or contact.purged_at is not None:
        raise TriageError("nothing to erase")
    contact.name = contact.phone = contact.email = None
    contact.purged_at = now()
    forget_report_watchers(report)
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.object_type == "Report", AuditEvent.object_id == report.id,
               AuditEvent.action == "report.create")
        .values(ip=None)
        .execution_options(synchronize_session=False)
    )
    _event("report.contact_erase", report, actor, after={"reason": reason})


def purge_due(retention_days: int, at: datetime | None = None) -> list[Report]:
    """Reports whose contact data is past the retention period: closed (or spam) longer ago."""
    cutoff = (at or now()) - timedelta(days=retention_days)
    query = (
        select(Report).join(Report.contact)
        .where(ReportContact.purged_at.is_(None))
        .where(((Report.closed_at.is_not(None)) & (Report.closed_at < cutoff))
               | (Report.is_spam.is_(True) & (Report.created_at < cutoff)))
        .order_by(Report.id)
    )
    return db.session.scalars(query).all()


def purge_personal_data(retention_days: int, at: datetime | None = None) -> int:
    """Erase the contact data of every report past the retention period; commit. Returns the count."""
    reports = purge_due(retention_days, at)
    for report in reports:
        erase_contact(report, None, reason="retention")
    db.session.commit()
    return len(reports)
