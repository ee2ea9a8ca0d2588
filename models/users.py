"""People who use the bot, and the invitations that let them in."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, ForeignKey, String, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.agencies import Agency
from models.base import Base, TelegramId, str_enum, utcnow
from models.regions import Kecamatan


class Role(StrEnum):
    STAFF = "staff"
    KECAMATAN_COORDINATOR = "kecamatan_coordinator"
    REGENCY_COORDINATOR = "regency_coordinator"
    ADMIN = "admin"


class ReviewNotify(StrEnum):
    """How a coordinator hears of reports waiting for their review."""

    EACH = "each"
    DAILY = "daily"
    NONE = "none"


class User(Base):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(TelegramId, unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # Scope: staff belong to an agency, kecamatan coordinators to a kecamatan.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Hash of the command menu last sent to Telegram for this chat, so start-up only
    # re-sends menus that changed (a new release, a new role or language).
    menu_signature: Mapped[str | None] = mapped_column(String(64))
    # Staff on leave or ill pause their reminders until this day (inclusive).
    reminders_paused_until: Mapped[date | None]
    # Coordinators' choice; None: the role's default (daily for kecamatan, none for regency).
    review_notify: Mapped[ReviewNotify | None] = mapped_column(str_enum(ReviewNotify, 16))

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    kecamatan: Mapped[Kecamatan | None] = relationship(lazy="joined")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class Invitation(Base):
    """A single-use, expiring invitation. Only the token's hash is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"))
    created_by_telegram_id: Mapped[int] = mapped_column(TelegramId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    kecamatan: Mapped[Kecamatan | None] = relationship(lazy="joined")


class InvitationProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    # 24 random bytes -> 32 URL-safe characters: within Telegram's 64-character start
    # parameter limit and far beyond guessing.
    return secrets.token_urlsafe(24)


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def list_users(session: AsyncSession, *, role: Role | None = None) -> Sequence[User]:
    stmt = select(User).where(User.active).order_by(User.full_name)
    if role is not None:
        stmt = stmt.where(User.role == role)
    return (await session.scalars(stmt)).all()


def create_invitation(
    session: AsyncSession,
    *,
    role: Role,
    created_by: int,
    valid_for: timedelta,
    agency_id: int | None = None,
    kecamatan_id: int | None = None,
) -> tuple[Invitation, str]:
    """Adds an invitation to the session and returns it with its clear-text token."""
    token = new_token()
    invitation = Invitation(
        token_hash=hash_token(token),
        role=role,
        agency_id=agency_id,
        kecamatan_id=kecamatan_id,
        created_by_telegram_id=created_by,
        expires_at=utcnow() + valid_for,
    )
    session.add(invitation)
    return invitation, token


async def find_invitation(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> tuple[Invitation | None, InvitationProblem | None]:
    """Looks an invitation up by token and says why it cannot be used, if it cannot."""
    invitation = await session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        return None, InvitationProblem.UNKNOWN
    if invitation.used_at is not None:
        return invitation, InvitationProblem.USED
    if invitation.expires_at <= (now or utcnow()):
        return invitation, InvitationProblem.EXPIRED
    return invitation, None


async def claim_invitation(session: AsyncSession, invitation: Invitation, user: User) -> bool:
    """Marks the invitation used by `user`; False when someone else claimed it first.

    A conditional UPDATE, not a read-then-write, so two people opening the same link at
    the same moment cannot both get in.
    """
    await session.flush()
    result = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def staff_to_remind(session: AsyncSession, *, since: date, today: date) -> Sequence[User]:
    """Active staff, reminders not paused, of agencies with a village assigned today and no
    submitted report with a visit from `since` to `today` (for any of their villages)."""
    from models.agencies import Assignment
    from models.reports import Report, ReportStatus

    assigned = (
        select(Assignment.id)
        .where(
            Assignment.agency_id == User.agency_id,
            or_(Assignment.starts_on.is_(None), Assignment.starts_on <= today),
            or_(Assignment.ends_on.is_(None), Assignment.ends_on >= today),
        )
        .exists()
    )
    reported = (
        select(Report.id)
        .where(
            Report.agency_id == User.agency_id,
            Report.status == ReportStatus.SUBMITTED,
            Report.visit_date >= since,
            Report.visit_date <= today,
        )
        .exists()
    )
    stmt = (
        select(User)
        .where(
            User.active,
            User.role == Role.STAFF,
            User.agency_id.is_not(None),
            or_(User.reminders_paused_until.is_(None), User.reminders_paused_until < today),
            assigned,
            ~reported,
        )
        .order_by(User.id)
    )
    return (await session.scalars(stmt)).all()


async def people_with_menus(session: AsyncSession) -> Sequence[User]:
    """Everyone whose own command menu may need sending or removing: the active, and the
    deactivated whose menu is still set (its removal failed)."""
    stmt = select(User).where(or_(User.active, User.menu_signature.is_not(None)))
    return (await session.scalars(stmt.order_by(User.id))).all()


async def admins(session: AsyncSession) -> Sequence[User]:
    return await list_users(session, role=Role.ADMIN)


async def coordinators(session: AsyncSession) -> Sequence[User]:
    """Active kecamatan coordinators (with their kecamatan) and regency coordinators."""
    stmt = (
        select(User)
        .where(
            User.active,
            or_(
                and_(User.role == Role.KECAMATAN_COORDINATOR, User.kecamatan_id.is_not(None)),
                User.role == Role.REGENCY_COORDINATOR,
            ),
        )
        .order_by(User.id)
    )
    return (await session.scalars(stmt)).all()


# -- people management ----------------------------------------------------------------------


def staff_working_in(kecamatan_id: int, today: date) -> ColumnElement[bool]:
    """Staff of the agencies with an assignment running today in one of the kecamatan's
    villages: a kecamatan's field staff, for /pengguna's filter and a broadcast's recipients."""
    # Imported here: models.agencies imports this module.
    from models.agencies import Assignment
    from models.regions import Village

    assigned_here = (
        select(Assignment.id)
        .join(Village, Village.id == Assignment.village_id)
        .where(
            Assignment.agency_id == User.agency_id,
            Village.kecamatan_id == kecamatan_id,
            or_(Assignment.starts_on.is_(None), Assignment.starts_on <= today),
            or_(Assignment.ends_on.is_(None), Assignment.ends_on >= today),
        )
        .exists()
    )
    return and_(User.role == Role.STAFF, assigned_here)


def _of_kecamatan(kecamatan_id: int, today: date) -> ColumnElement[bool]:
    """People who work in a kecamatan: its coordinators and its field staff."""
    return or_(
        and_(User.role == Role.KECAMATAN_COORDINATOR, User.kecamatan_id == kecamatan_id),
        staff_working_in(kecamatan_id, today),
    )


async def page_of_people(
    session: AsyncSession,
    *,
    role: Role | None,
    offset: int,
    limit: int,
    agency_id: int | None = None,
    kecamatan_id: int | None = None,
    today: date | None = None,
) -> tuple[Sequence[User], int]:
    """Everyone (active or not) of a role, or of every role, in name order, and how many;
    narrowed to an agency's staff or to the people of a kecamatan (`today` decides which
    assignments are running)."""
    where: list[ColumnElement[bool]] = [] if role is None else [User.role == role]
    if agency_id is not None:
        where.append(User.agency_id == agency_id)
    if kecamatan_id is not None:
        assert today is not None
        where.append(_of_kecamatan(kecamatan_id, today))
    total = await session.scalar(select(func.count(User.id)).where(*where)) or 0
    stmt = select(User).where(*where).order_by(User.full_name, User.id).offset(offset).limit(limit)
    return (await session.scalars(stmt)).all(), total


# Telegram user ids have at most 52 significant bits: 16 digits. A longer number is no id
# (and would overflow PostgreSQL's BIGINT).
_MAX_ID_DIGITS = 16


async def search_people(
    session: AsyncSession, text: str, *, limit: int
) -> tuple[Sequence[User], int]:
    """People whose name or username contains `text` (any case), or whose Telegram id it is,
    in name order: the first `limit` and how many in all. LIKE's wildcards in `text` are
    matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    matches: list[ColumnElement[bool]] = [
        User.full_name.ilike(pattern, escape="\\"),
        User.username.ilike(pattern, escape="\\"),
    ]
    if text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS:
        matches.append(User.telegram_id == int(text))
    where = or_(*matches)
    total = await session.scalar(select(func.count(User.id)).where(where)) or 0
    stmt = select(User).where(where).order_by(User.full_name, User.id).limit(limit)
    return (await session.scalars(stmt)).all(), total


async def last_reports_of(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, datetime]:
    """When each of these people last sent a report (absent: never), in one query."""
    from models.reports import Report, ReportStatus

    if not user_ids:
        return {}
    rows = await session.execute(
        select(Report.user_id, func.max(Report.submitted_at))
        .where(
            Report.user_id.in_(user_ids),
            Report.status == ReportStatus.SUBMITTED,
            Report.submitted_at.is_not(None),
        )
        .group_by(Report.user_id)
    )
    return {user_id: sent for user_id, sent in rows if sent is not None}


async def get_person(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def invitation_used_by(session: AsyncSession, user_id: int) -> Invitation | None:
    """The invitation a person joined with (None for admins from the settings)."""
    return await session.scalar(select(Invitation).where(Invitation.used_by_id == user_id))


async def last_report_of(session: AsyncSession, user_id: int) -> tuple[str, datetime] | None:
    """Reference and sending time of a person's latest submitted report."""
    from models.reports import Report, ReportStatus

    row = (
        await session.execute(
            select(Report.reference, Report.submitted_at)
            .where(
                Report.user_id == user_id,
                Report.status == ReportStatus.SUBMITTED,
                Report.submitted_at.is_not(None),
            )
            .order_by(Report.submitted_at.desc(), Report.id.desc())
            .limit(1)
        )
    ).first()
    if row is None or row[1] is None:
        return None
    return row[0] or "", row[1]


async def active_admin_count(session: AsyncSession) -> int:
    return (
        await session.scalar(
            select(func.count(User.id)).where(User.active, User.role == Role.ADMIN)
        )
        or 0
    )
