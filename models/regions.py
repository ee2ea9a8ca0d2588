"""Kecamatan and villages (desa/kelurahan) of the regency, identified by official codes."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum


class VillageKind(StrEnum):
    DESA = "desa"
    KELURAHAN = "kelurahan"


class Kecamatan(Base):
    __tablename__ = "kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # GeoJSON geometry (Polygon or MultiPolygon, lon/lat) for the digest map.
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)

    villages: Mapped[list[Village]] = relationship(back_populates="kecamatan")


class Village(Base):
    __tablename__ = "village"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[VillageKind] = mapped_column(str_enum(VillageKind, 16))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # Target number of extreme-poor households (P3KE desil 1), set by Bappeda when known.
    target_households: Mapped[int | None]

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="villages", lazy="joined")

    @property
    def label(self) -> str:
        """Name plus kecamatan: village names repeat across kecamatan (Kuta, Sarwodadi)."""
        return f"{self.name} ({self.kecamatan.name})"


async def list_kecamatan(session: AsyncSession) -> Sequence[Kecamatan]:
    return (await session.scalars(select(Kecamatan).order_by(Kecamatan.code))).all()


async def get_kecamatan(session: AsyncSession, kecamatan_id: int) -> Kecamatan | None:
    return await session.get(Kecamatan, kecamatan_id)


async def get_village_by_code(session: AsyncSession, code: str) -> Village | None:
    return await session.scalar(select(Village).where(Village.code == code))
