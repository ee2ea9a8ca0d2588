"""Each pHash band row carries its photo's whole pHash, so that the photo reuse check
compares a band's candidates without reading `photo` (PostgreSQL's planner scanned every
photo of the year to join about a thousand candidates: 20 ms a photo). Existing rows get
the pHash of their photo.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

photo = sa.table("photo", sa.column("id", sa.Integer), sa.column("phash", sa.String))
band = sa.table(
    "photo_phash_band", sa.column("photo_id", sa.Integer), sa.column("phash", sa.String)
)


def upgrade() -> None:
    op.add_column("photo_phash_band", sa.Column("phash", sa.String(length=32), nullable=True))
    op.execute(
        band.update().values(
            phash=sa.select(photo.c.phash).where(photo.c.id == band.c.photo_id).scalar_subquery()
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("photo_phash_band") as batch:
        batch.drop_column("phash")
