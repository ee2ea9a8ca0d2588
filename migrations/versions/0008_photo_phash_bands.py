"""Photo pHash bands: each photo's pHash cut into 7 bands, one indexed key per band, so that
the photos that may be similar to one are found by index (models.reports.phash_band_keys)
instead of by reading every photo of the year. Existing photos get their keys.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000

# Table shapes for the backfill (the models may have moved on since).
photo = sa.table("photo", sa.column("id", sa.Integer), sa.column("phash", sa.String))
band = sa.table(
    "photo_phash_band", sa.column("key", sa.Integer), sa.column("photo_id", sa.Integer)
)

# The keys as models.reports.phash_band_keys computes them at this revision (6 bits apart at
# most, so 7 bands of 64 bits); tests/test_migrations.py checks that the two agree.
_EDGES = [64 * i // 7 for i in range(8)]
_SPAN = 1 << max(high - low for low, high in pairwise(_EDGES))


def _keys(phash: str) -> list[int]:
    try:
        value = int(phash, 16)
    except ValueError:
        return []
    return [
        index * _SPAN + ((value >> low) & ((1 << (high - low)) - 1))
        for index, (low, high) in enumerate(pairwise(_EDGES))
    ]


def upgrade() -> None:
    op.create_table(
        "photo_phash_band",
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photo.id"],
            name=op.f("fk_photo_phash_band_photo_id_photo"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "photo_id", name=op.f("pk_photo_phash_band")),
    )
    op.create_index(op.f("ix_photo_phash_band_photo_id"), "photo_phash_band", ["photo_id"])
    connection = op.get_bind()
    for rows in _batches(connection):
        connection.execute(band.insert(), rows)


def _batches(connection: sa.Connection) -> Iterator[list[dict[str, int]]]:
    """The band rows of every photo with a pHash, a batch of photos at a time (by id, so
    that no cursor stays open while inserting)."""
    after = 0
    while True:
        photos = connection.execute(
            sa.select(photo.c.id, photo.c.phash)
            .where(photo.c.id > after, photo.c.phash.is_not(None))
            .order_by(photo.c.id)
            .limit(BATCH)
        ).all()
        if not photos:
            return
        rows = [
            {"key": key, "photo_id": photo_id}
            for photo_id, phash in photos
            for key in (_keys(phash) if phash else [])
        ]
        if rows:
            yield rows
        after = photos[-1][0]


def downgrade() -> None:
    op.drop_index(op.f("ix_photo_phash_band_photo_id"), table_name="photo_phash_band")
    op.drop_table("photo_phash_band")
