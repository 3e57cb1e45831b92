"""SQLAlchemy models, one module per domain."""

from .accounts import Role, User
from .audit import AuditEvent
from .data_version import DataVersion
from .availability import Holiday, Override, PolicyPhase, phase_exempt_opd
from .outputs import (CostCategory, OperationalCost, OutputDay, OutputDaySum, OutputDayTotal, OutputIndicator,
                      OutputMonthTotal, OutputQuantity, WorkMode)
from .places import Kecamatan, Kelurahan, Opd, ServiceUnit, UnitHours
from .reports import (Report, ReportCategory, ReportContact, ReportMonthSealed, ReportMonthTotal, ReportStatus,
                      ReportTiming, ReportUpdate, UnitConfirmedDays, Visibility)
from .survey import SurveyResponse
from .types import UTCDateTime, utcnow

__all__ = [
    "AuditEvent",
    "CostCategory",
    "DataVersion",
    "Holiday",
    "Kecamatan",
    "Kelurahan",
    "Opd",
    "OperationalCost",
    "OutputDay",
    "OutputDaySum",
    "OutputDayTotal",
    "OutputIndicator",
    "OutputMonthTotal",
    "OutputQuantity",
    "Override",
    "PolicyPhase",
    "Report",
    "ReportCategory",
    "ReportContact",
    "ReportMonthSealed",
    "ReportMonthTotal",
    "ReportStatus",
    "ReportTiming",
    "ReportUpdate",
    "Role",
    "ServiceUnit",
    "SurveyResponse",
    "UTCDateTime",
    "UnitConfirmedDays",
    "UnitHours",
    "User",
    "Visibility",
    "WorkMode",
    "phase_exempt_opd",
    "utcnow",
]
