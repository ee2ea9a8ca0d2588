"""Evidence a regency can trust: review status and versions of reports, review actions,
evidence flags, more about each photo, coordinators' notification choice, kecamatan
boundaries.

Reports already sent become version 1, waiting for review, with their version kept in
`report_version` like every later one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
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
LOCATION_FIELDS = (
    "latitude",
    "longitude",
    "location_accuracy",
    "location_live",
    "location_forwarded",
)

# Table shapes for the data move (the models may have moved on since).
report = sa.table(
    "report",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("village_id", sa.Integer),
    sa.column("visit_date", sa.Date),
    sa.column("submitted_at", UTC_DATETIME),
    sa.column("version", sa.Integer),
    sa.column("review_status", sa.String),
    *(sa.column(name) for name in LOCATION_FIELDS),
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
    *(sa.column(name, UTC_DATETIME if name == "taken_at" else None) for name in PHOTO_FIELDS),
)
version = sa.table(
    "report_version",
    sa.column("report_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("submitted_at", UTC_DATETIME),
    sa.column("content", sa.JSON),
    sa.column("flags", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("review_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("flags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_report_review_status"), ["review_status"])
        batch.create_index(batch.f("ix_report_corrects_id"), ["corrects_id"])
        batch.create_foreign_key(
            batch.f("fk_report_corrects_id_report"), "report", ["corrects_id"], ["id"]
        )
    with op.batch_alter_table("photo") as batch:
        batch.add_column(sa.Column("file_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("phash", sa.String(32), nullable=True))
        batch.add_column(sa.Column("original_path", sa.String(300), nullable=True))
        batch.add_column(sa.Column("archive_sha256", sa.String(64), nullable=True))
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("review_notify", sa.String(16), nullable=True))
    with op.batch_alter_table("kecamatan") as batch:
        batch.add_column(sa.Column("boundary", sa.JSON(), nullable=True))

    op.create_table(
        "report_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTC_DATETIME, nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_version_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_report_version_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_version")),
        sa.UniqueConstraint(
            "report_id", "version", name=op.f("uq_report_version_report_id_version")
        ),
    )
    op.create_index(op.f("ix_report_version_report_id"), "report_version", ["report_id"])
    op.create_table(
        "report_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_review_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["app_user.id"], name=op.f("fk_report_review_reviewer_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_review")),
    )
    op.create_index(op.f("ix_report_review_report_id"), "report_review", ["report_id"])
    op.create_index(op.f("ix_report_review_reviewer_id"), "report_review", ["reviewer_id"])

    # Reports already sent: version 1, waiting for review, kept whole like later versions.
    connection = op.get_bind()
    sent = connection.execute(sa.select(report).where(report.c.status == "submitted"))
    for row in sent.mappings().all():
        connection.execute(
            version.insert().values(
                report_id=row["id"],
                version=1,
                user_id=row["user_id"],
                submitted_at=row["submitted_at"],
                content=_content(connection, row),
                flags=None,
            )
        )
    connection.execute(
        report.update()
        .where(report.c.status == "submitted")
        .values(version=1, review_status="submitted")
    )


def _content(connection: sa.Connection, row: sa.RowMapping) -> dict[str, Any]:
    activities = []
    rows = connection.execute(
        sa.select(activity).where(activity.c.report_id == row["id"]).order_by("position")
    ).mappings()
    for item in rows.all():
        photos = connection.execute(
            sa.select(photo).where(photo.c.activity_id == item["id"]).order_by(photo.c.id)
        ).mappings()
        activities.append(
            {
                "key": str(item["id"]),
                **{name: item[name] for name in ACTIVITY_FIELDS},
                "photos": [{n: _iso(p[n]) for n in PHOTO_FIELDS} for p in photos.all()],
            }
        )
    visit = row["visit_date"]
    return {
        "village_id": row["village_id"],
        "visit_date": visit.isoformat() if visit is not None else None,
        **{name: row[name] for name in LOCATION_FIELDS},
        "activities": activities,
    }


def _iso(value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    # SQLite hands the stored UTC time back without its zone; versions hold aware times.
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat()


def downgrade() -> None:
    op.drop_index(op.f("ix_report_review_reviewer_id"), table_name="report_review")
    op.drop_index(op.f("ix_report_review_report_id"), table_name="report_review")
    op.drop_table("report_review")
    op.drop_index(op.f("ix_report_version_report_id"), table_name="report_version")
    op.drop_table("report_version")
    # Correction drafts have no place in the old schema: they go (their report stays).
    connection = op.get_bind()
    connection.execute(sa.text("DELETE FROM report WHERE corrects_id IS NOT NULL"))
    with op.batch_alter_table("kecamatan") as batch:
        batch.drop_column("boundary")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("review_notify")
    with op.batch_alter_table("photo") as batch:
        batch.drop_column("archive_sha256")
        batch.drop_column("original_path")
        batch.drop_column("phash")
        batch.drop_column("file_id")
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(batch.f("fk_report_corrects_id_report"), type_="foreignkey")
        batch.drop_index(batch.f("ix_report_corrects_id"))
        batch.drop_index(batch.f("ix_report_review_status"))
        batch.drop_column("corrects_id")
        batch.drop_column("flags")
        batch.drop_column("review_status")
        batch.drop_column("version")
