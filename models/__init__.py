"""Tables and the queries that belong to them. Callers own the session and the commit."""

from models.activities import ActivityType, Strategy
from models.agencies import Agency, Assignment
from models.audit import AuditEntry
from models.base import Base
from models.broadcasts import Broadcast, BroadcastStatus
from models.deliveries import Delivery, DeliveryStatus
from models.outbox import OutboxMessage
from models.regions import Kecamatan, Village, VillageKind
from models.reports import (
    Photo,
    Report,
    ReportActivity,
    ReportStatus,
    ReportVersion,
    ReviewAction,
    ReviewStatus,
)
from models.schedules import Schedule, ScheduleKind
from models.updates import InboxUpdate
from models.users import Invitation, ReviewNotify, Role, User

__all__ = [
    "ActivityType",
    "Agency",
    "Assignment",
    "AuditEntry",
    "Base",
    "Broadcast",
    "BroadcastStatus",
    "Delivery",
    "DeliveryStatus",
    "InboxUpdate",
    "Invitation",
    "Kecamatan",
    "OutboxMessage",
    "Photo",
    "Report",
    "ReportActivity",
    "ReportStatus",
    "ReportVersion",
    "ReviewAction",
    "ReviewNotify",
    "ReviewStatus",
    "Role",
    "Schedule",
    "ScheduleKind",
    "Strategy",
    "User",
    "Village",
    "VillageKind",
]
