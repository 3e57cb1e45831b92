"""Words for disruption reports: labels of categories, statuses and visibility, and the
sentences that describe report changes in the audit trail and the Atom feed."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..models import AuditEvent, ReportCategory, ReportStatus, Visibility

CATEGORY_LABELS = {
    ReportCategory.CLOSED_THOUGH_OPEN: _l("Closed though scheduled to be open"),
    ReportCategory.NO_STAFF: _l("No staff serving"),
    ReportCategory.ONLINE_UNREACHABLE: _l("Online channel unreachable"),
    ReportCategory.LONG_WAIT: _l("Very long wait or slow service"),
    ReportCategory.WRONG_INFO: _l("Wrong information on the portal"),
    ReportCategory.OTHER: _l("Other disruption"),
}
CATEGORY_HELP = {
    ReportCategory.CLOSED_THOUGH_OPEN: _l("The portal said the unit serves on-site, but it was closed."),
    ReportCategory.NO_STAFF: _l("The office was open, but nobody served."),
    ReportCategory.ONLINE_UNREACHABLE: _l("The website, application, WhatsApp or phone line did not work "
                                          "or nobody answered."),
    ReportCategory.LONG_WAIT: _l("The queue did not move, or the service took far too long."),
    ReportCategory.WRONG_INFO: _l("Hours, address or status on this portal were wrong."),
    ReportCategory.OTHER: _l("Another disruption of the public service."),
}

STATUS_LABELS = {
    ReportStatus.RECEIVED: _l("Received"),
    ReportStatus.VERIFIED: _l("Verified"),
    ReportStatus.IN_PROGRESS: _l("Being followed up"),
    ReportStatus.RESOLVED: _l("Resolved"),
    ReportStatus.REJECTED: _l("Rejected"),
}
STATUS_ICONS = {
    ReportStatus.RECEIVED: "●",
    ReportStatus.VERIFIED: "✔",
    ReportStatus.IN_PROGRESS: "➜",
    ReportStatus.RESOLVED: "✓",
    ReportStatus.REJECTED: "✕",
}

VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Public"),
    Visibility.ANONYMOUS: _l("Anonymous"),
    Visibility.CONFIDENTIAL: _l("Confidential"),
}
SPAM_REASONS = {
    "honeypot": _l("a field hidden from people was filled in (an automated submission)"),
    "links": _l("too many web links in the description"),
    "staff": _l("marked by staff"),
}


def category_label(value: str) -> str:
    return str(CATEGORY_LABELS[ReportCategory(value)])


def status_label(value: str) -> str:
    return str(STATUS_LABELS[ReportStatus(value)])


def _shorten(text: str, limit: int = 280) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@audit.describer("report.create")
def describe_create(event: AuditEvent) -> str:
    data = event.after or {}
    return _("New report %(code)s: %(category)s", code=data.get("code", ""),
             category=category_label(data["category"]))


@audit.describer("report.update")
def describe_update(event: AuditEvent) -> str:
    data = event.after or {}
    status = status_label(data["status"])
    if data.get("message"):
        return _("Report %(code)s: %(status)s. Answer: %(message)s", code=data.get("code", ""),
                 status=status, message=_shorten(data["message"]))
    return _("Report %(code)s: the status is now “%(status)s”.", code=data.get("code", ""), status=status)


@audit.describer("report.note")
def describe_note(event: AuditEvent) -> str:
    return _("Report %(code)s: internal note added.", code=(event.after or {}).get("code", ""))


@audit.describer("report.spam")
def describe_spam(event: AuditEvent) -> str:
    data = event.after or {}
    if data.get("is_spam"):
        return _("Report %(code)s marked as spam.", code=data.get("code", ""))
    return _("Report %(code)s is no longer marked as spam.", code=data.get("code", ""))


@audit.describer("report.reassign")
def describe_reassign(event: AuditEvent) -> str:
    return _("Report %(code)s forwarded from %(before)s to %(after)s.",
             code=(event.after or {}).get("code", ""), before=(event.before or {}).get("opd", ""),
             after=(event.after or {}).get("opd", ""))


@audit.describer("report.hide")
def describe_hide(event: AuditEvent) -> str:
    return _("Report %(code)s made confidential (hidden from the public).",
             code=(event.after or {}).get("code", ""))


@audit.describer("report.contact_view")
def describe_contact_view(event: AuditEvent) -> str:
    return _("Contact data of report %(code)s viewed.", code=(event.after or {}).get("code", ""))


@audit.describer("report.contact_erase")
def describe_contact_erase(event: AuditEvent) -> str:
    data = event.after or {}
    if data.get("reason") == "retention":
        return _("Contact data of report %(code)s erased at the end of the retention period.",
                 code=data.get("code", ""))
    return _("Contact data of report %(code)s erased.", code=data.get("code", ""))


def duration(value) -> str:
    """A rounded duration in words: "5 jam", "3 hari"."""
    from babel.dates import format_timedelta

    from ..i18n import lang

    return format_timedelta(value, threshold=1.1, locale=lang())
