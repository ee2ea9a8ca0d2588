"""Visit reports, their activities (one per strategy served) and photos.

A report row is the draft while `status` is draft, so a draft is never only in memory.
While it is a draft, its activities and photos are one JSON document on the row
(models/drafts.py): the form reads and writes a single row per answer. Submission turns
the document into `report_activity` and `photo` rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import cache
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    Mapped,
    Session,
    mapped_column,
    object_session,
    relationship,
    selectinload,
    validates,
)
from sqlalchemy.orm.attributes import set_committed_value

from models import drafts
from models.base import Base, str_enum, utcnow
from models.drafts import DRAFT_PHOTO_FIELDS, DraftActivity, DraftPhoto
from models.regions import Village
from models.users import User


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ReviewStatus(StrEnum):
    """Where a submitted report stands with the coordinators: waiting (first version or a
    correction), verified, or sent back to its author."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    NEEDS_CORRECTION = "needs_correction"
    RESUBMITTED = "resubmitted"


class Report(Base):
    __tablename__ = "report"
    # Each index leads with the column of the lookups it serves and adds the next condition
    # they all have: a query of SQLite's (which keeps no statistics unless told to) then
    # takes the index matching most of its equalities, instead of the status index, which
    # sorts a year's reports into three heaps. One person's draft (every update), the same
    # village and day (every send), a date range of sent reports (digests, exports).
    __table_args__ = (
        Index("ix_report_user_id_status", "user_id", "status"),
        Index("ix_report_village_id_visit_date", "village_id", "visit_date"),
        Index("ix_report_status_visit_date", "status", "visit_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, 16), default=ReportStatus.DRAFT
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    visit_date: Mapped[date | None] = mapped_column(index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_accuracy: Mapped[float | None] = mapped_column(Float)
    location_live: Mapped[bool | None]
    location_forwarded: Mapped[bool | None]
    # Where the person is in the form: the one source of truth for how their next message
    # is read (handlers/conversation.py), so a restarted bot continues the conversation.
    form_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Every committed change of the draft counts up `form_rev`; `asked_rev` is the revision
    # whose question is known to have reached the person. While they differ, a typed answer
    # might be meant for an earlier question, and is not stored (the question is sent again).
    form_rev: Mapped[int] = mapped_column(default=0, server_default="0")
    asked_rev: Mapped[int] = mapped_column(default=0, server_default="0")
    # The draft's activities with their photos (models/drafts.py); None once submitted.
    draft_activities: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # The last update whose answer changed the draft, written with the answer (once sent:
    # the press that sent this version): an update handled before a crash, but not yet
    # marked in the update inbox, is recognised by it.
    last_update_id: Mapped[int | None] = mapped_column(BigInteger)
    # When the person was told that their untouched draft will be discarded.
    draft_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    # The latest version's number (0 while never submitted); every version is also kept
    # whole in `report_version`, while this row and its activities hold the latest one,
    # which digests and exports read.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    review_status: Mapped[ReviewStatus | None] = mapped_column(
        str_enum(ReviewStatus, 20), index=True
    )
    # The evidence checks of the latest version (services/evidence.py): never blocking.
    flags: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # A correction is filled in as a draft of its own that points at the report it
    # corrects; sending it makes the next version of that report.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)

    activities: Mapped[list[ReportActivity]] = relationship(
        back_populates="report", order_by="ReportActivity.position", cascade="all, delete-orphan"
    )
    village: Mapped[Village | None] = relationship(lazy="joined")

    @property
    def contents(self) -> Sequence[DraftActivity | ReportActivity]:
        """The activities: the draft's document while a draft, the rows once submitted."""
        return self.draft if self.status is ReportStatus.DRAFT else self.activities

    @property
    def photo_count(self) -> int:
        return sum(len(a.photos) for a in self.contents)

    @property
    def draft(self) -> list[DraftActivity]:
        """The draft's activities, parsed once per loaded document; changes are written
        back by `store_draft`."""
        raw = self.draft_activities
        cached = self.__dict__.get("_draft")
        if cached is None or cached[0] is not raw:
            # A refresh (after a rollback) loads a new document object: parse that one.
            cached = (raw, drafts.parse(raw))
            self.__dict__["_draft"] = cached
        return cached[1]

    def store_draft(self) -> None:
        """Writes the parsed activities back to the row (before the caller's commit)."""
        cached = self.__dict__.get("_draft")
        if cached is None:
            return
        document = drafts.dump(cached[1])
        if document != cached[0]:
            self.draft_activities = document
            self.__dict__["_draft"] = (document, cached[1])


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
    # Telegram's id to send the photo again (review cards) without storing it twice.
    file_id: Mapped[str | None] = mapped_column(String(200))
    # Perceptual hash (pHash, hex) to find the same picture re-sent through recompression.
    phash: Mapped[str | None] = mapped_column(String(32))
    # Photos sent as files: the bytes as received, so `sha256` can be checked against them.
    original_path: Mapped[str | None] = mapped_column(String(300))
    # The SHA-256 of the archive copy (`sha256` is that of the bytes as received).
    archive_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[ReportActivity] = relationship(back_populates="photos")
    # Written with the photo, never read through here; deleted by the database with it.
    phash_bands: Mapped[list[PhotoPhashBand]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )

    @validates("phash")
    def _band_rows(self, _name: str, phash: str | None) -> str | None:
        # Every Photo row made through the ORM carries the band keys of its pHash (a bulk
        # insert, as in bench/, writes its own).
        self.phash_bands = [PhotoPhashBand(key=key, phash=phash) for key in phash_band_keys(phash)]
        return phash


# Two pHashes at most this many bits apart (of 64) show the same picture. Calibrated on real
# photos (tests/test_evidence.py): a photo and its copy re-encoded by Telegram differ by 0-2
# bits, a copy cropped by 5% by about 6; different pictures by 24 or more.
SIMILAR_PHASH_BITS = 6


def phash_distance(a: str, b: str) -> int:
    """How many of the 64 bits of two pHashes differ (their Hamming distance)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def similar_phash(other: str | None, phashes: Iterable[str]) -> bool:
    """Whether `other` is within SIMILAR_PHASH_BITS of one of `phashes`; a hash that is not
    hex (written by something else) is similar to nothing."""
    if not other:
        return False
    try:
        return any(phash_distance(other, mine) <= SIMILAR_PHASH_BITS for mine in phashes)
    except ValueError:
        return False


# The 64 bits cut into one band more than that (widths 9,9,9,9,9,9,10): two hashes at most
# SIMILAR_PHASH_BITS apart differ in at most that many bands, so agree on at least one
# (pigeonhole). Changing either means recomputing `photo_phash_band` in a migration.
_BANDS = SIMILAR_PHASH_BITS + 1
_BAND_EDGES = [64 * i // _BANDS for i in range(_BANDS + 1)]
_BAND_SPAN = 1 << max(high - low for low, high in pairwise(_BAND_EDGES))


def phash_band_keys(phash: str | None) -> list[int]:
    """The keys of a pHash's bands (band index * span + the band's bits): a photo within
    SIMILAR_PHASH_BITS of another shares at least one key with it (bits above the 64th, which
    no pHash of ours has, only add to the distance). No keys without a hash, or for one that
    is not hex (services/evidence.py compares that with nothing)."""
    if not phash:
        return []
    try:
        value = int(phash, 16)
    except ValueError:
        return []
    return [
        index * _BAND_SPAN + ((value >> low) & ((1 << (high - low)) - 1))
        for index, (low, high) in enumerate(pairwise(_BAND_EDGES))
    ]


class PhotoPhashBand(Base):
    """One band key of a photo's pHash (`phash_band_keys`): the photos that may be similar
    to a pHash are those sharing one of its keys, found by index instead of reading every
    photo of the year."""

    __tablename__ = "photo_phash_band"

    key: Mapped[int] = mapped_column(primary_key=True)
    # Indexed for the database's ON DELETE CASCADE (a correction replaces its photo rows).
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photo.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The photo's whole pHash, so that the candidates of a band are compared without reading
    # `photo` (which PostgreSQL's planner then scanned whole to join them).
    phash: Mapped[str | None] = mapped_column(String(32))


class ReportVersion(Base):
    """One sent version of a report, kept whole as it was sent (`snapshot`)."""

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    flags: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class ReviewAction(Base):
    """A coordinator's decision on one version of a report. Rows are only inserted."""

    __tablename__ = "report_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    # ReviewStatus.VERIFIED or ReviewStatus.NEEDS_CORRECTION
    action: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus, 20))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


MAX_ACTIVITIES = 5
MAX_PHOTOS = 10


def _is_draft() -> ColumnElement[bool]:
    """`status = 'draft'` with the value written into the SQL, not sent as a parameter:
    PostgreSQL keeps one plan for a prepared statement only if that plan, made without the
    parameters' values, looks as cheap as one made with them. Not knowing the status, it
    expects a person's sent reports of a year (50 rows instead of 1), and so planned the
    person-and-draft join again at every update: 0.74 ms a read against 0.21 (measured on
    bench/digest_build.py's year)."""
    return Report.status == literal(ReportStatus.DRAFT, Report.status.type, literal_execute=True)


async def get_draft(session: AsyncSession, user_id: int) -> Report | None:
    """The person's unfinished report (its activities are in the row)."""
    stmt = (
        select(Report)
        .where(Report.user_id == user_id, _is_draft())
        .order_by(Report.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def person_and_draft(
    session: AsyncSession, telegram_id: int
) -> tuple[User | None, Report | None]:
    """The person behind a Telegram account and their unfinished report, in one statement:
    every update needs the first, and most updates in a busy week are answers to the form."""
    row = (await session.execute(_person_and_draft(), {"telegram_id": telegram_id})).first()
    return (row[0], row[1]) if row is not None else (None, None)


@cache
def _person_and_draft() -> Select[User, Report]:
    # Built once: building the statement and its cache key again for every update cost
    # about as much of SQLAlchemy's CPU as the rest of running the query.
    return (
        select(User, Report)
        .outerjoin(Report, (Report.user_id == User.id) & _is_draft())
        .where(User.telegram_id == bindparam("telegram_id"))
        .order_by(Report.id.desc())
        .limit(1)
    )


def new_draft(session: AsyncSession, *, user_id: int, agency_id: int) -> Report:
    report = Report(
        user_id=user_id,
        agency_id=agency_id,
        form_state={},
        form_rev=0,
        asked_rev=0,
        draft_activities=drafts.dump([DraftActivity()]),
    )
    session.add(report)
    return report


def submit(report: Report, now: datetime, tz: tzinfo) -> str:
    """Turns the draft into a report; the reference is derived from the row id, so two
    reports submitted at the same moment can never get the same number. Its year is the
    regency's (`tz`): a report sent at 00:30 WIB on 1 January belongs to the new year."""
    # A draft has no activity rows (its activities are the document): say so, rather than
    # have the relationship loaded (lazy loading is not possible in an async session).
    set_committed_value(report, "activities", [])
    report.activities.extend(_activity_rows(report.draft))
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = now
    report.reference = f"LPR-{now.astimezone(tz).year}-{report.id:06d}"
    report.form_state = {}
    report.draft_activities = None
    report.version = 1
    report.review_status = ReviewStatus.SUBMITTED
    _object_session(report).add(
        ReportVersion(
            report_id=report.id,
            version=report.version,
            user_id=report.user_id,
            submitted_at=now,
            content=snapshot(report),
            flags=report.flags,
        )
    )
    return report.reference


def _activity_rows(activities: list[DraftActivity]) -> list[ReportActivity]:
    """A draft's activities as rows, each with its photo rows."""
    return [
        ReportActivity(
            position=position,
            strategy=item.strategy,
            activity=item.activity,
            activity_other=item.activity_other,
            households=item.households,
            people=item.people,
            description=item.description,
            photos=[Photo(**vars(photo)) for photo in item.photos],
        )
        for position, item in enumerate(activities)
    ]


def snapshot(report: Report) -> dict[str, Any]:
    """The report as sent, whole, as a JSON document (a version kept in `report_version`)."""
    return {
        "village_id": report.village_id,
        "visit_date": report.visit_date.isoformat() if report.visit_date else None,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "location_accuracy": report.location_accuracy,
        "location_live": report.location_live,
        "location_forwarded": report.location_forwarded,
        "activities": drafts.dump(
            [
                DraftActivity(
                    strategy=a.strategy,
                    activity=a.activity,
                    activity_other=a.activity_other,
                    households=a.households,
                    people=a.people,
                    description=a.description,
                    photos=[
                        DraftPhoto(**{name: getattr(p, name) for name in DRAFT_PHOTO_FIELDS})
                        for p in a.photos
                    ],
                )
                for a in report.contents
            ]
        ),
    }


def _object_session(report: Report) -> Session:
    session = object_session(report)
    assert session is not None, "a report is submitted within its session"
    return session


async def submitted_by(session: AsyncSession, user_id: int, limit: int = 10) -> Sequence[Report]:
    stmt = (
        select(Report)
        .where(Report.user_id == user_id, Report.status == ReportStatus.SUBMITTED)
        .options(selectinload(Report.activities).selectinload(ReportActivity.photos))
        .order_by(Report.submitted_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def latest_submitted(
    session: AsyncSession, user_id: int, *, since: datetime
) -> Report | None:
    """The person's most recent report submitted after `since`, if any."""
    stmt = (
        select(Report)
        .where(
            Report.user_id == user_id,
            Report.status == ReportStatus.SUBMITTED,
            Report.submitted_at >= since,
        )
        .order_by(Report.submitted_at.desc(), Report.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def get_submitted(session: AsyncSession, report_id: int) -> Report | None:
    stmt = (
        select(Report)
        .where(Report.id == report_id, Report.status == ReportStatus.SUBMITTED)
        .options(selectinload(Report.activities).selectinload(ReportActivity.photos))
    )
    return await session.scalar(stmt)


# -- housekeeping (jobs/maintenance.py) ---------------------------------------------------


async def stored_photo_paths(session: AsyncSession) -> set[str]:
    """Every file a report points at, archive copies, thumbnails and kept originals,
    relative to the photo store's root (drafts' photos and every sent version's included)."""
    paths: set[str] = set()
    rows = await session.execute(select(Photo.archive_path, Photo.thumb_path, Photo.original_path))
    for archive, thumb, original in rows:
        paths.update((archive, thumb))
        if original:
            paths.add(original)
    documents = await session.scalars(
        select(Report.draft_activities).where(Report.status == ReportStatus.DRAFT)
    )
    for document in documents:
        for activity in drafts.parse(document):
            for photo in activity.photos:
                paths.update(photo.files)
    # Earlier versions of corrected reports keep pointing at photos a later one removed.
    for content in await session.scalars(select(ReportVersion.content)):
        paths.update(_content_paths(content))
    return paths


async def forget_questions_asked(session: AsyncSession, *, changed_since: datetime) -> int:
    """After a run that was cut short: the question of a draft changed during it may not
    have been sent (the bot records it as asked before sending, to spare a second commit
    per answer). Each such draft's next typed answer gets its question first."""
    result = await session.execute(
        update(Report)
        .where(
            Report.status == ReportStatus.DRAFT,
            Report.updated_at >= changed_since,
            Report.asked_rev >= Report.form_rev,
        )
        .values(asked_rev=Report.form_rev - 1, updated_at=Report.updated_at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def forget_reminders_of_touched_drafts(session: AsyncSession) -> int:
    """Drafts changed after their discard reminder start over: the reminder is forgotten
    (so a later stretch of silence earns a new one). Returns how many."""
    result = await session.execute(
        update(Report)
        .where(
            Report.status == ReportStatus.DRAFT,
            Report.draft_reminded_at.is_not(None),
            Report.updated_at > Report.draft_reminded_at,
        )
        # Keeping updated_at as it is: the onupdate stamp would make this count as a touch.
        .values(draft_reminded_at=None, updated_at=Report.updated_at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def drafts_to_remind(
    session: AsyncSession, *, untouched_since: datetime
) -> Sequence[tuple[Report, User]]:
    """Drafts not changed since `untouched_since` whose owner was not reminded yet, with
    the owner (deactivated people included), oldest first."""
    stmt = (
        select(Report, User)
        .join(User, User.id == Report.user_id)
        .where(
            Report.status == ReportStatus.DRAFT,
            Report.draft_reminded_at.is_(None),
            Report.updated_at < untouched_since,
        )
        .order_by(Report.updated_at, Report.id)
    )
    return [(report, user) for report, user in await session.execute(stmt)]


async def mark_draft_reminded(
    session: AsyncSession, report_id: int, *, untouched_since: datetime, now: datetime
) -> bool:
    """Records that the draft's owner is being reminded; False when the draft was changed,
    submitted, deleted or reminded meanwhile (another process), so nothing is to be sent.
    The caller queues the reminder in the same transaction and commits."""
    result = await session.execute(
        update(Report)
        .where(
            Report.id == report_id,
            Report.status == ReportStatus.DRAFT,
            Report.draft_reminded_at.is_(None),
            Report.updated_at < untouched_since,
        )
        # The reminder is not a change by the person: updated_at stays.
        .values(draft_reminded_at=now, updated_at=Report.updated_at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _discardable(
    *, untouched_since: datetime, reminded_before: datetime
) -> list[ColumnElement[bool]]:
    return [
        Report.status == ReportStatus.DRAFT,
        Report.updated_at < untouched_since,
        Report.draft_reminded_at <= reminded_before,
        Report.updated_at <= Report.draft_reminded_at,
    ]


async def drafts_to_discard(
    session: AsyncSession, *, untouched_since: datetime, reminded_before: datetime
) -> Sequence[Report]:
    """Drafts not changed since `untouched_since` whose owner was reminded before
    `reminded_before` and has not changed them since (their photos are in `draft`)."""
    stmt = (
        select(Report)
        .where(*_discardable(untouched_since=untouched_since, reminded_before=reminded_before))
        .order_by(Report.id)
    )
    return (await session.scalars(stmt)).all()


async def discard_draft(
    session: AsyncSession, report_id: int, *, untouched_since: datetime, reminded_before: datetime
) -> bool:
    """Deletes the draft (its activities and photo rows go with it) if it is still due to
    be discarded; False when it was changed, submitted or deleted meanwhile. The caller
    commits, then removes the photo files."""
    result = await session.execute(
        delete(Report)
        .where(
            Report.id == report_id,
            *_discardable(untouched_since=untouched_since, reminded_before=reminded_before),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


# -- evidence checks (services/evidence.py) -------------------------------------------------


def _other_submitted(exclude: Collection[int]) -> list[ColumnElement[bool]]:
    """Sent reports other than `exclude` (the report being checked, the one it corrects)."""
    return [Report.status == ReportStatus.SUBMITTED, Report.id.not_in(list(exclude))]


async def photos_alike(
    session: AsyncSession,
    sha256s: Collection[str],
    phashes: Collection[str],
    *,
    since: datetime,
    exclude: Collection[int],
) -> list[tuple[str, str | None, str]]:
    """(sha256, pHash, reference) of the other sent reports' photos that are one of these:
    the same digest (the bytes as received) at any age, or a photo of a report sent since
    `since` within SIMILAR_PHASH_BITS of one of `phashes`; the earliest report first.

    In two reads, both by index rather than every photo of the year (no SQL dialect we run
    counts differing bits): the candidates, the photos sharing a digest or a band key with
    these (about a thousand in a year of random hashes), each band row carrying its photo's
    pHash, compared here; then only those that match, with their reports. Joining every
    candidate to its photo and report in one statement cost 7 ms on SQLite and 20 on
    PostgreSQL, whose planner scanned all photos for it (bench/digest_build.py)."""
    keys = sorted({key for phash in phashes for key in phash_band_keys(phash)})
    if not sha256s and not keys:
        return []
    same = Photo.sha256.in_(list(sha256s))
    candidates = union(
        select(Photo.id, Photo.phash, literal(True).label("same")).where(same),
        select(PhotoPhashBand.photo_id, PhotoPhashBand.phash, literal(False)).where(
            PhotoPhashBand.key.in_(keys)
        ),
    )
    matching = [
        photo_id
        for photo_id, phash, by_digest in await session.execute(candidates)
        if by_digest or similar_phash(phash, phashes)
    ]
    if not matching:
        return []
    stmt = (
        select(Photo.sha256, Photo.phash, Report.reference)
        .join(ReportActivity, ReportActivity.id == Photo.activity_id)
        .join(Report, Report.id == ReportActivity.report_id)
        .where(
            Photo.id.in_(matching),
            # A match by its pHash alone counts only within the lookback.
            or_(same, Report.submitted_at >= since),
            *_other_submitted(exclude),
        )
        .order_by(Report.submitted_at, Report.id)
    )
    return [
        (digest, phash, ref)
        for digest, phash, ref in await session.execute(stmt)
        if ref is not None
    ]


async def same_visits(
    session: AsyncSession,
    *,
    agency_id: int,
    village_id: int,
    visit_date: date,
    activities: Collection[str],
    exclude: Collection[int],
) -> list[tuple[str, str, str | None]]:
    """(reference, activity, activity_other) of the other sent reports of this agency,
    village and visit date with one of these activities, the earliest report first."""
    if not activities:
        return []
    stmt = (
        select(Report.reference, ReportActivity.activity, ReportActivity.activity_other)
        .join(ReportActivity, ReportActivity.report_id == Report.id)
        .where(
            Report.agency_id == agency_id,
            Report.village_id == village_id,
            Report.visit_date == visit_date,
            ReportActivity.activity.in_(list(activities)),
            *_other_submitted(exclude),
        )
        .order_by(Report.submitted_at, Report.id, ReportActivity.position)
    )
    return [
        (ref, activity, other)
        for ref, activity, other in await session.execute(stmt)
        if ref is not None and activity is not None
    ]


# -- corrections and versions -------------------------------------------------------------

# How long after sending (a version) its author may correct it without being asked.
SELF_CORRECTION_WINDOW = timedelta(hours=24)


def correctable(report: Report, now: datetime) -> bool:
    """Whether the author may open a correction of this sent report: always when a
    coordinator sent it back, otherwise within 24 hours of its latest version's sending,
    unless a coordinator has verified it (a verified report stays as verified)."""
    if report.status is not ReportStatus.SUBMITTED:
        return False
    if report.review_status is ReviewStatus.NEEDS_CORRECTION:
        return True
    if report.review_status is ReviewStatus.VERIFIED or report.submitted_at is None:
        return False
    return now - report.submitted_at <= SELF_CORRECTION_WINDOW


def new_correction(session: AsyncSession, original: Report) -> Report:
    """A draft holding a copy of the sent report's latest version, pointing at it. The
    photos are the same files (only the rows are copied): a correction that keeps a photo
    does not store it twice, and the files stay as long as any version points at them."""
    activities = [
        DraftActivity(
            strategy=a.strategy,
            activity=a.activity,
            activity_other=a.activity_other,
            households=a.households,
            people=a.people,
            description=a.description,
            photos=[
                DraftPhoto(**{name: getattr(p, name) for name in DRAFT_PHOTO_FIELDS})
                for p in a.photos
            ],
        )
        for a in original.activities
    ]
    draft = Report(
        user_id=original.user_id,
        agency_id=original.agency_id,
        corrects_id=original.id,
        village=original.village,
        visit_date=original.visit_date,
        latitude=original.latitude,
        longitude=original.longitude,
        location_accuracy=original.location_accuracy,
        location_live=original.location_live,
        location_forwarded=original.location_forwarded,
        form_state={},
        form_rev=0,
        asked_rev=0,
        draft_activities=drafts.dump(activities),
    )
    session.add(draft)
    return draft


async def corrected_report(session: AsyncSession, draft: Report) -> Report | None:
    """The sent report a correction draft corrects, with its activities and photos."""
    if draft.corrects_id is None:
        return None
    return await get_submitted(session, draft.corrects_id)


async def submit_correction(
    session: AsyncSession, draft: Report, now: datetime
) -> tuple[Report, dict[str, Any]]:
    """Makes the correction draft the next version of the report it corrects: the report
    keeps its row and reference and takes the draft's content (its activity and photo rows
    replaced), its version counts up, it waits for review again, and the version is kept
    whole in `report_version`; the draft row is deleted. Returns the report and the
    snapshot of the version it had before. The caller commits."""
    original = await corrected_report(session, draft)
    if original is None:
        raise LookupError(f"report {draft.corrects_id} is not a sent report")
    before = snapshot(original)
    original.village = draft.village
    original.visit_date = draft.visit_date
    original.latitude = draft.latitude
    original.longitude = draft.longitude
    original.location_accuracy = draft.location_accuracy
    original.location_live = draft.location_live
    original.location_forwarded = draft.location_forwarded
    # The old rows go (delete-orphan); their files stay, the earlier version points at them.
    original.activities = _activity_rows(draft.draft)
    original.version += 1
    original.review_status = ReviewStatus.RESUBMITTED
    # The latest version's time: the 24-hour window, the history's order and "already
    # sent" read it; each version's own time (the first sending's too) is in report_version.
    original.submitted_at = now
    # Set on the draft by the evidence checks, like a first version's on its own row.
    original.flags = draft.flags
    session.add(
        ReportVersion(
            report_id=original.id,
            version=original.version,
            user_id=draft.user_id,
            submitted_at=now,
            content=snapshot(original),
            flags=original.flags,
        )
    )
    await session.delete(draft)
    return original, before


async def versions_of(session: AsyncSession, report_id: int) -> Sequence[ReportVersion]:
    """Every sent version of a report, first to latest."""
    stmt = (
        select(ReportVersion)
        .where(ReportVersion.report_id == report_id)
        .order_by(ReportVersion.version)
    )
    return (await session.scalars(stmt)).all()


async def village_names(session: AsyncSession, *contents: dict[str, Any]) -> dict[int, str]:
    """The names of the villages the given version contents name (to say what changed)."""
    ids = {c.get("village_id") for c in contents} - {None}
    if not ids:
        return {}
    rows = await session.execute(select(Village.id, Village.name).where(Village.id.in_(ids)))
    return {village_id: name for village_id, name in rows}


async def latest_review(session: AsyncSession, report: Report) -> ReviewAction | None:
    """The coordinators' latest decision on the report's current version, if any."""
    stmt = (
        select(ReviewAction)
        .where(ReviewAction.report_id == report.id, ReviewAction.version == report.version)
        .order_by(ReviewAction.at.desc(), ReviewAction.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def removable_photo_files(
    session: AsyncSession, draft: Report, activities: list[DraftActivity] | None = None
) -> list[str]:
    """The files of a draft's photos (or of the given activities of it) that may be deleted
    with it: for a correction draft, not those a sent version of the corrected report
    still points at (the draft began as a copy of them)."""
    files = [
        path
        for activity in (draft.draft if activities is None else activities)
        for photo in activity.photos
        for path in photo.files
    ]
    if draft.corrects_id is None or not files:
        return files
    kept: set[str] = set()
    contents = await session.scalars(
        select(ReportVersion.content).where(ReportVersion.report_id == draft.corrects_id)
    )
    for content in contents:
        kept.update(_content_paths(content))
    rows = await session.execute(
        select(Photo.archive_path, Photo.thumb_path, Photo.original_path)
        .join(ReportActivity, ReportActivity.id == Photo.activity_id)
        .where(ReportActivity.report_id == draft.corrects_id)
    )
    for row in rows:
        kept.update(path for path in row if path)
    return [path for path in files if path not in kept]


def _content_paths(content: dict[str, Any] | None) -> set[str]:
    """The photo files a kept version points at."""
    return {
        path
        for activity in (content or {}).get("activities") or []
        for photo in activity.get("photos") or []
        for path in (
            photo.get("archive_path"),
            photo.get("thumb_path"),
            photo.get("original_path"),
        )
        if path
    }
