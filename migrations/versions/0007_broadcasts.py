"""Broadcasts: an admin's message to a role in a scope, composed and then sent through the
delivery log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            _enum("broadcaststatus", "draft", "sending", "done", "cancelled"),
            nullable=False,
        ),
        sa.Column(
            "step", _enum("step", "audience", "scope", "message", "confirm"), nullable=False
        ),
        sa.Column(
            "audience",
            _enum("audience", "staff", "kecamatan", "regency", "everyone"),
            nullable=True,
        ),
        sa.Column("kecamatan_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("photo_file_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("confirmed_at", UTC_DATETIME, nullable=True),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["admin_id"], ["app_user.id"], name=op.f("fk_broadcast_admin_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"], ["kecamatan.id"], name=op.f("fk_broadcast_kecamatan_id_kecamatan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast")),
    )
    op.create_index(op.f("ix_broadcast_admin_id"), "broadcast", ["admin_id"])
    op.create_index(op.f("ix_broadcast_status"), "broadcast", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_broadcast_status"), table_name="broadcast")
    op.drop_index(op.f("ix_broadcast_admin_id"), table_name="broadcast")
    op.drop_table("broadcast")
