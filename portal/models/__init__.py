"""SQLAlchemy models, one module per domain."""

from .accounts import Role, User
from .audit import AuditEvent
from .availability import Holiday, Override, PolicyPhase, phase_exempt_opd
from .places import Kecamatan, Kelurahan, Opd, ServiceUnit, UnitHours
from .reports import Report, ReportCategory, ReportContact, ReportStatus, ReportUpdate, Visibility
from .types import UTCDateTime, utcnow

__all__ = [
    "AuditEvent",
    "Holiday",
    "Kecamatan",
    "Kelurahan",
    "Opd",
    "Override",
    "PolicyPhase",
    "Report",
    "ReportCategory",
    "ReportContact",
    "ReportStatus",
    "ReportUpdate",
    "Role",
    "ServiceUnit",
    "UTCDateTime",
    "UnitHours",
    "User",
    "Visibility",
    "phase_exempt_opd",
    "utcnow",
]
