"""Lean per update: a draft's activities and photos as one JSON document on its report
row, the last update a draft took, and the chat of each stored update.

Existing drafts are carried over both ways: their activity and photo rows become the
document on upgrade, and rows again on downgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVITY_FIELDS = ("strategy", "activity", "activity_other", "households", "people", "description")
PHOTO_FIELDS = (
    "telegram_file_unique_id",
    "source",
    "sha256",
    "archive_path",
    "thumb_path",
    "width",
    "height",
    "taken_at",
    "exif_latitude",
    "exif_longitude",
)
UTC_DATETIME = sa.DateTime(timezone=True)

# Table shapes for the data moves (the models may have moved on since).
report = sa.table(
    "report",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("draft_activities", sa.JSON),
)
activity = sa.table(
    "report_activity",
    sa.column("id", sa.Integer),
    sa.column("report_id", sa.Integer),
    sa.column("position", sa.Integer),
    *(sa.column(name) for name in ACTIVITY_FIELDS),
)
photo = sa.table(
    "photo",
    sa.column("id", sa.Integer),
    sa.column("activity_id", sa.Integer),
    sa.column("created_at", UTC_DATETIME),
    *(sa.column(name, UTC_DATETIME if name == "taken_at" else None) for name in PHOTO_FIELDS),
)


def _iso(value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    # SQLite hands the stored UTC time back without its zone; the document holds aware times.
    return (
        value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    ).isoformat()


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("draft_activities", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("last_update_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("update_inbox") as batch:
        batch.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch.create_index(batch.f("ix_update_inbox_chat_id"), ["chat_id"])

    connection = op.get_bind()
    drafts = connection.execute(sa.select(report.c.id).where(report.c.status == "draft"))
    for (report_id,) in drafts.all():
        document = []
        rows = connection.execute(
            sa.select(activity).where(activity.c.report_id == report_id).order_by("position")
        ).mappings()
        for row in rows.all():
            photos = connection.execute(
                sa.select(photo).where(photo.c.activity_id == row["id"]).order_by(photo.c.id)
            ).mappings()
            document.append(
                {
                    # The old photo folders were named after the activity's row id.
                    "key": str(row["id"]),
                    **{name: row[name] for name in ACTIVITY_FIELDS},
                    "photos": [{n: _iso(p[n]) for n in PHOTO_FIELDS} for p in photos.all()],
                }
            )
        connection.execute(
            report.update().where(report.c.id == report_id).values(draft_activities=document)
        )
        # Explicitly: on SQLite env.py turns foreign keys off, so nothing would cascade.
        ids = sa.select(activity.c.id).where(activity.c.report_id == report_id)
        connection.execute(photo.delete().where(photo.c.activity_id.in_(ids)))
        connection.execute(activity.delete().where(activity.c.report_id == report_id))


def downgrade() -> None:
    connection = op.get_bind()
    drafts = connection.execute(
        sa.select(report.c.id, report.c.draft_activities).where(report.c.status == "draft")
    )
    for report_id, document in drafts.all():
        for position, item in enumerate(document or []):
            activity_id = connection.execute(
                activity.insert()
                .values(
                    report_id=report_id,
                    position=position,
                    **{name: item.get(name) for name in ACTIVITY_FIELDS},
                )
                .returning(activity.c.id)
            ).scalar_one()
            for data in item.get("photos") or []:
                values = {name: data.get(name) for name in PHOTO_FIELDS}
                if isinstance(values["taken_at"], str):
                    # In UTC: SQLite stores the wall time and drops the offset.
                    values["taken_at"] = datetime.fromisoformat(values["taken_at"]).astimezone(UTC)
                connection.execute(
                    photo.insert().values(
                        activity_id=activity_id, created_at=datetime.now(UTC), **values
                    )
                )
    with op.batch_alter_table("update_inbox") as batch:
        batch.drop_index(batch.f("ix_update_inbox_chat_id"))
        batch.drop_column("chat_id")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("last_update_id")
        batch.drop_column("draft_activities")
