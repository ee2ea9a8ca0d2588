"""Report indexes that lead with the column of each frequent lookup and add its next
condition: (user_id, status) for a person's draft, read on every update; (village_id,
visit_date) for the same village and day, checked on every send; (status, visit_date) for
the sent reports of a date range (digests, exports). They replace the single-column indexes
they begin with. Without statistics (SQLite keeps none unless ANALYZE runs) SQLite took the
status index for all of these, which reads every draft or every sent report.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (new index, its columns, the single-column index it replaces, that one's column)
_INDEXES = [
    ("ix_report_user_id_status", ["user_id", "status"], "ix_report_user_id", "user_id"),
    (
        "ix_report_village_id_visit_date",
        ["village_id", "visit_date"],
        "ix_report_village_id",
        "village_id",
    ),
    ("ix_report_status_visit_date", ["status", "visit_date"], "ix_report_status", "status"),
]


def upgrade() -> None:
    for name, columns, old, _column in _INDEXES:
        op.create_index(name, "report", columns)
        op.drop_index(old, table_name="report")


def downgrade() -> None:
    for name, _columns, old, column in _INDEXES:
        op.create_index(old, "report", [column])
        op.drop_index(name, table_name="report")
