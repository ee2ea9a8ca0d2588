"""Small factories for end-to-end tests: people in the database, images as bytes."""

from __future__ import annotations

import io
import random
from datetime import datetime

from PIL import Image
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agencies import Agency
from models.drafts import DraftActivity, DraftPhoto
from models.reports import Photo, Report, ReportStatus
from models.users import Role, User
from tests.e2e.conftest import HasDatabase


async def add_staff(
    h: HasDatabase, telegram_id: int, agency_short_name: str = "Bappeda", language: str = "id"
) -> None:
    """Registers a field staff member directly (registration itself is tested elsewhere)."""
    async with h.db() as session:
        agency = await session.scalar(
            select(Agency).where(
                or_(Agency.short_name == agency_short_name, Agency.name == agency_short_name)
            )
        )
        assert agency is not None, agency_short_name
        session.add(
            User(
                telegram_id=telegram_id,
                full_name=f"Staff {telegram_id}",
                role=Role.STAFF,
                agency_id=agency.id,
                language=language,
            )
        )
        await session.commit()


async def add_agency(h: HasDatabase, name: str) -> None:
    """An agency with no village assigned (yet)."""
    async with h.db() as session:
        session.add(Agency(name=name, kind="dinas"))
        await session.commit()


def jpeg(
    width: int = 640, height: int = 480, *, seed: int = 0, exif: Image.Exif | None = None
) -> bytes:
    """A small photographic-ish JPEG (noise, so every seed gives different bytes)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width // 8, height // 8))
    image.putdata(
        [
            (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            for _ in range(image.width * image.height)
        ]
    )
    image = image.resize((width, height))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif if exif is not None else Image.Exif())
    return buffer.getvalue()


def gps_exif(lat: float, lon: float, taken: datetime) -> Image.Exif:
    """EXIF with capture time and GPS position, as a phone camera writes it."""

    def dms(value: float) -> tuple[float, float, float]:
        # Whole hundredths of a second, so rounding never yields 60 seconds.
        hundredths = round(abs(value) * 360_000)
        degrees, rest = divmod(hundredths, 360_000)
        minutes, seconds = divmod(rest, 6_000)
        return (float(degrees), float(minutes), seconds / 100)

    exif = Image.Exif()
    exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = "S" if lat < 0 else "N"
    gps[2] = dms(lat)
    gps[3] = "W" if lon < 0 else "E"
    gps[4] = dms(lon)
    return exif


async def draft_activities(session: AsyncSession) -> list[DraftActivity]:
    """The activities of every open draft (a draft keeps them in its row), in draft order."""
    reports = await session.scalars(
        select(Report).where(Report.status == ReportStatus.DRAFT).order_by(Report.id)
    )
    return [activity for report in reports for activity in report.draft]


async def photo_count(session: AsyncSession) -> int:
    """Photos stored anywhere: in drafts and in submitted reports."""
    submitted = await session.scalar(select(func.count()).select_from(Photo)) or 0
    return submitted + sum(len(a.photos) for a in await draft_activities(session))


async def all_photos(session: AsyncSession) -> list[DraftPhoto | Photo]:
    """Every stored photo: drafts' first, then submitted reports' in id order."""
    drafts: list[DraftPhoto | Photo] = [
        p for a in await draft_activities(session) for p in a.photos
    ]
    return drafts + list((await session.scalars(select(Photo).order_by(Photo.id))).all())
