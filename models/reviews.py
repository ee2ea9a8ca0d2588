"""The coordinators' review: who may review what, the queue of waiting reports, the
decisions, and who hears of new reports.

A reviewer's scope is a kecamatan (kecamatan coordinators) or the whole regency (regency
coordinators and admins). Every query here takes the scope, and every decision is checked
against it again on the server: callback data can be forged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models import audit
from models.audit import AuditEntry
from models.regions import Village
from models.reports import (
    Report,
    ReportActivity,
    ReportStatus,
    ReportVersion,
    ReviewAction,
    ReviewStatus,
)
from models.users import ReviewNotify, Role, User

REVIEWERS = (Role.KECAMATAN_COORDINATOR, Role.REGENCY_COORDINATOR, Role.ADMIN)
WAITING = (ReviewStatus.SUBMITTED, ReviewStatus.RESUBMITTED)

# The comment step's state is the reviewer's latest entry among these in the audit log:
# "asked" opens it, the others close it. The audit log is written with every review step
# anyway, survives a restart, and needs no column of its own.
COMMENT_ASKED = "review.comment_asked"
COMMENT_DROPPED = "review.comment_dropped"
VERIFIED = "review.verified"
NEEDS_CORRECTION = "review.needs_correction"
_COMMENT_STEPS = (COMMENT_ASKED, COMMENT_DROPPED, VERIFIED, NEEDS_CORRECTION)
# A comment asked for and never typed is forgotten after this: a message a day later is
# unlikely to be that comment.
COMMENT_WAITS = timedelta(hours=24)


class OutOfScope(Exception):
    """The reviewer may not review this report (or it does not exist)."""


@dataclass(frozen=True)
class Scope:
    """What a reviewer may review: one kecamatan, or everything (`kecamatan_id` None)."""

    kecamatan_id: int | None

    def covers(self, village: Village | None) -> bool:
        if self.kecamatan_id is None:
            return True
        return village is not None and village.kecamatan_id == self.kecamatan_id


def scope_of(user: User) -> Scope | None:
    """The reviewer's scope; None for people who may not review (staff, or a kecamatan
    coordinator without a kecamatan)."""
    if not user.active:
        return None
    if user.role is Role.KECAMATAN_COORDINATOR:
        return Scope(user.kecamatan_id) if user.kecamatan_id is not None else None
    if user.role in (Role.REGENCY_COORDINATOR, Role.ADMIN):
        return Scope(None)
    return None


def notify_choice(user: User) -> ReviewNotify:
    """How the reviewer hears of new reports: their choice, else their role's default."""
    if user.review_notify is not None:
        return user.review_notify
    return ReviewNotify.DAILY if user.role is Role.KECAMATAN_COORDINATOR else ReviewNotify.NONE


# -- the queue ----------------------------------------------------------------------------


def _latest_sent_at() -> Any:
    """When the report's latest version was sent (the queue's order)."""
    return (
        select(ReportVersion.submitted_at)
        .where(ReportVersion.report_id == Report.id, ReportVersion.version == Report.version)
        .correlate(Report)
        .scalar_subquery()
    )


def _waiting(scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Report.status == ReportStatus.SUBMITTED,
        Report.review_status.in_(WAITING),
    ]
    if scope.kecamatan_id is not None:
        conditions.append(
            Report.village_id.in_(
                select(Village.id).where(Village.kecamatan_id == scope.kecamatan_id)
            )
        )
    return conditions


async def count_waiting(session: AsyncSession, scope: Scope) -> int:
    stmt = select(func.count()).select_from(Report).where(*_waiting(scope))
    return int(await session.scalar(stmt) or 0)


async def next_waiting(
    session: AsyncSession, scope: Scope, *, after: Report | None = None
) -> Report | None:
    """The oldest waiting report (by its latest version's sending), or the first one after
    `after` in that order; after the last one the queue starts again from the oldest."""
    sent_at = _latest_sent_at()
    stmt = (
        select(Report)
        .where(*_waiting(scope))
        .options(selectinload(Report.activities).selectinload(ReportActivity.photos))
        .order_by(sent_at, Report.id)
        .limit(1)
    )
    if after is not None:
        key = await sent_at_of(session, after)
        later = await session.scalar(
            stmt.where(
                or_(sent_at > key, and_(sent_at == key, Report.id > after.id))
                if key is not None
                else Report.id > after.id
            )
        )
        if later is not None:
            return later
    return await session.scalar(stmt)


async def sent_at_of(session: AsyncSession, report: Report) -> datetime | None:
    return await session.scalar(
        select(ReportVersion.submitted_at).where(
            ReportVersion.report_id == report.id, ReportVersion.version == report.version
        )
    )


async def reviewable(session: AsyncSession, scope: Scope, report_id: int) -> Report:
    """The sent report `report_id` with its activities and photos, if `scope` covers it;
    raises OutOfScope otherwise (including for an id that does not exist)."""
    report = await session.scalar(
        select(Report)
        .where(Report.id == report_id, Report.status == ReportStatus.SUBMITTED)
        .options(selectinload(Report.activities).selectinload(ReportActivity.photos))
    )
    if report is None or not scope.covers(report.village):
        raise OutOfScope(report_id)
    return report


async def versions(
    session: AsyncSession, report_id: int, numbers: Sequence[int]
) -> dict[int, ReportVersion]:
    rows = await session.scalars(
        select(ReportVersion).where(
            ReportVersion.report_id == report_id, ReportVersion.version.in_(list(numbers))
        )
    )
    return {row.version: row for row in rows}


async def village_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    rows = await session.scalars(select(Village).where(Village.id.in_(list(ids))))
    return {village.id: village.label for village in rows}


# -- decisions ----------------------------------------------------------------------------


async def decide(
    session: AsyncSession,
    report: Report,
    reviewer: User,
    action: ReviewStatus,
    now: datetime,
    comment: str | None = None,
) -> bool:
    """Records a decision on the report's current version: its new review status, the
    review row and the audit entry (which also ends any comment step). False, with nothing
    written, when the report was decided or changed meanwhile (two reviewers pressing at
    once: one conditional UPDATE lets exactly one of them through). The caller commits."""
    assert action in (ReviewStatus.VERIFIED, ReviewStatus.NEEDS_CORRECTION)
    result = await session.execute(
        update(Report)
        .where(
            Report.id == report.id,
            Report.version == report.version,
            Report.review_status.in_(WAITING),
        )
        .values(review_status=action)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    set_committed_value(report, "review_status", action)
    session.add(
        ReviewAction(
            report_id=report.id,
            version=report.version,
            reviewer_id=reviewer.id,
            action=action,
            comment=comment,
            at=now,
        )
    )
    entry = audit.record(
        session,
        VERIFIED if action is ReviewStatus.VERIFIED else NEEDS_CORRECTION,
        actor=reviewer.telegram_id,
        target=report.reference,
        report_id=report.id,
        version=report.version,
        comment=comment,
    )
    entry.at = now
    return True


# -- the comment step ---------------------------------------------------------------------


@dataclass(frozen=True)
class PendingComment:
    report_id: int
    version: int


def ask_comment(session: AsyncSession, reviewer: User, report: Report, now: datetime) -> None:
    """Opens the comment step for the report's current version. The caller commits."""
    entry = audit.record(
        session,
        COMMENT_ASKED,
        actor=reviewer.telegram_id,
        target=report.reference,
        report_id=report.id,
        version=report.version,
    )
    entry.at = now


def drop_comment(
    session: AsyncSession, reviewer: User, pending: PendingComment, now: datetime, why: str
) -> None:
    """Closes the comment step without a decision (cancelled, or the report changed)."""
    entry = audit.record(
        session,
        COMMENT_DROPPED,
        actor=reviewer.telegram_id,
        report_id=pending.report_id,
        version=pending.version,
        why=why,
    )
    entry.at = now


async def pending_comment(
    session: AsyncSession, reviewer: User, now: datetime
) -> PendingComment | None:
    """The report whose comment the reviewer was asked for and has not typed yet."""
    entry = await session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.actor_telegram_id == reviewer.telegram_id,
            AuditEntry.action.in_(_COMMENT_STEPS),
            AuditEntry.at >= now - COMMENT_WAITS,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None or entry.action != COMMENT_ASKED:
        return None
    try:
        return PendingComment(int(entry.details["report_id"]), int(entry.details["version"]))
    except (KeyError, TypeError, ValueError):
        return None


# -- who hears of new reports -------------------------------------------------------------


async def reviewers(session: AsyncSession) -> Sequence[User]:
    """Everyone active who may review something, in id order."""
    stmt = (
        select(User)
        .where(
            User.active,
            or_(
                and_(User.role == Role.KECAMATAN_COORDINATOR, User.kecamatan_id.is_not(None)),
                User.role.in_([Role.REGENCY_COORDINATOR, Role.ADMIN]),
            ),
        )
        .order_by(User.id)
    )
    return (await session.scalars(stmt)).all()


async def to_notify(
    session: AsyncSession, choice: ReviewNotify, village: Village | None = None
) -> list[User]:
    """The reviewers who chose `choice` (or have it by default) and, if a village is given,
    whose scope contains it."""
    found = []
    for user in await reviewers(session):
        scope = scope_of(user)
        if scope is None or notify_choice(user) is not choice:
            continue
        if village is not None and not scope.covers(village):
            continue
        found.append(user)
    return found
