"""SQLAlchemy models, one module per domain."""

from .accounts import Role, User
from .audit import AuditEvent
from .availability import Holiday, Override, PolicyPhase, phase_exempt_opd
from .places import Kecamatan, Kelurahan, Opd, ServiceUnit, UnitHours
from .types import UTCDateTime, utcnow

__all__ = [
    "AuditEvent",
    "Holiday",
    "Kecamatan",
    "Kelurahan",
    "Opd",
    "Override",
    "PolicyPhase",
    "Role",
    "ServiceUnit",
    "UTCDateTime",
    "UnitHours",
    "User",
    "phase_exempt_opd",
    "utcnow",
]
