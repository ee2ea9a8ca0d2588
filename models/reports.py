"""Visit reports, their activities (one per strategy served) and photos.

The tables exist from the first migration; the report form (a later feature) fills them.
A report row is the draft while `status` is draft, so a draft is never only in memory.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum, utcnow


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Report(Base):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, 16),
        default=ReportStatus.DRAFT,
        index=True,
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    visit_date: Mapped[date | None] = mapped_column(index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_accuracy: Mapped[float | None] = mapped_column(Float)
    location_live: Mapped[bool | None]
    location_forwarded: Mapped[bool | None]
    # Where the person is in the form, so a restarted bot can continue the conversation.
    form_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)

    activities: Mapped[list[ReportActivity]] = relationship(
        back_populates="report", order_by="ReportActivity.position", cascade="all, delete-orphan"
    )


class ReportActivity(Base):
    """One strategy/activity served during a visit, with its own figures and photos."""

    __tablename__ = "report_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    strategy: Mapped[str | None] = mapped_column(String(40))
    activity: Mapped[str | None] = mapped_column(String(60))
    activity_other: Mapped[str | None] = mapped_column(String(200))
    households: Mapped[int | None]
    people: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(Text)

    report: Mapped[Report] = relationship(back_populates="activities")
    photos: Mapped[list[Photo]] = relationship(
        back_populates="activity", order_by="Photo.id", cascade="all, delete-orphan"
    )


class Photo(Base):
    __tablename__ = "photo"
    __table_args__ = (UniqueConstraint("activity_id", "telegram_file_unique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("report_activity.id", ondelete="CASCADE"), index=True
    )
    telegram_file_unique_id: Mapped[str] = mapped_column(String(100))
    # "photo" (re-encoded by Telegram, no EXIF) or "document" (original bytes).
    source: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    archive_path: Mapped[str] = mapped_column(String(300))
    thumb_path: Mapped[str] = mapped_column(String(300))
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime | None]
    exif_latitude: Mapped[float | None] = mapped_column(Float)
    exif_longitude: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[ReportActivity] = relationship(back_populates="photos")
