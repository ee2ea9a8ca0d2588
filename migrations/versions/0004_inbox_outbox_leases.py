"""Nothing silently lost: the update inbox (replacing the processed-update markers), the
outbox for confirmations, the form's revisions, draft housekeeping and delivery leases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
TELEGRAM_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # The markers only said "handled"; the inbox also keeps what is not handled yet. Markers
    # are worthless after 24 hours (Telegram's redelivery window), so nothing is carried over.
    op.drop_index(op.f("ix_processed_update_received_at"), table_name="processed_update")
    op.drop_table("processed_update")
    op.create_table(
        "update_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("handled_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_update_inbox")),
    )
    op.create_index(op.f("ix_update_inbox_received_at"), "update_inbox", ["received_at"])
    op.create_index(op.f("ix_update_inbox_handled_at"), "update_inbox", ["handled_at"])
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", TELEGRAM_ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_markup", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    op.create_index(op.f("ix_outbox_message_sent_at"), "outbox_message", ["sent_at"])
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("form_rev", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("asked_rev", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("draft_reminded_at", UTC_DATETIME, nullable=True))
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("draft_reminded_at")
        batch.drop_column("asked_rev")
        batch.drop_column("form_rev")
    op.drop_index(op.f("ix_outbox_message_sent_at"), table_name="outbox_message")
    op.drop_table("outbox_message")
    op.drop_index(op.f("ix_update_inbox_handled_at"), table_name="update_inbox")
    op.drop_index(op.f("ix_update_inbox_received_at"), table_name="update_inbox")
    op.drop_table("update_inbox")
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_update")),
    )
    op.create_index(op.f("ix_processed_update_received_at"), "processed_update", ["received_at"])
