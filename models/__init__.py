"""Tables and the queries that belong to them. Callers own the session and the commit."""

from models.agencies import Agency, Assignment
from models.audit import AuditEntry
from models.base import Base
from models.regions import Kecamatan, Village, VillageKind
from models.reports import Photo, Report, ReportActivity, ReportStatus
from models.users import Invitation, Role, User

__all__ = [
    "Agency",
    "Assignment",
    "AuditEntry",
    "Base",
    "Invitation",
    "Kecamatan",
    "Photo",
    "Report",
    "ReportActivity",
    "ReportStatus",
    "Role",
    "User",
    "Village",
    "VillageKind",
]
