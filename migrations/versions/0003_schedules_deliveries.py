"""Schedules of reminders and digests, the delivery log, and paused reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
TELEGRAM_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "schedule",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at", sa.Time(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by_telegram_id", TELEGRAM_ID, nullable=True),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_schedule")),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "blocked",
                "failed",
                name="deliverystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_delivery_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint(
            "kind", "period", "user_id", name=op.f("uq_delivery_kind_period_user_id")
        ),
    )
    op.create_index(op.f("ix_delivery_period"), "delivery", ["period"])
    op.create_index(op.f("ix_delivery_user_id"), "delivery", ["user_id"])
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("reminders_paused_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("reminders_paused_until")
    op.drop_index(op.f("ix_delivery_user_id"), table_name="delivery")
    op.drop_index(op.f("ix_delivery_period"), table_name="delivery")
    op.drop_table("delivery")
    op.drop_table("schedule")
