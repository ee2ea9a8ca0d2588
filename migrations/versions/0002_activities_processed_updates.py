"""Activity catalogue (seeded) and the record of processed Telegram updates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

The seed follows the example programmes of `shared/data/strategies.md` (Kemenko PMK,
ministries and Pemkab Pemalang statements). It is data: admins may change it later, and the
report form always offers "other" with free text besides.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
STRATEGIES = ("pengurangan_beban", "peningkatan_pendapatan", "pengurangan_kantong_kemiskinan")

# (key, strategy, Indonesian name, English name)
SEED: list[tuple[str, str, str, str]] = [
    (
        "pbi_jkn",
        "pengurangan_beban",
        "PBI JKN (iuran BPJS Kesehatan)",
        "PBI JKN (health insurance premiums)",
    ),
    (
        "pkh",
        "pengurangan_beban",
        "PKH (Program Keluarga Harapan)",
        "PKH (conditional cash transfer)",
    ),
    ("sembako", "pengurangan_beban", "Kartu Sembako / BPNT", "Food assistance (Sembako / BPNT)"),
    (
        "pip",
        "pengurangan_beban",
        "KIP / PIP (bantuan pendidikan)",
        "KIP / PIP (education assistance)",
    ),
    ("blt_dd", "pengurangan_beban", "BLT Dana Desa", "Village fund cash transfer (BLT DD)"),
    (
        "subsidi_energi",
        "pengurangan_beban",
        "Subsidi energi (listrik/LPG)",
        "Energy subsidy (electricity/LPG)",
    ),
    (
        "adminduk",
        "pengurangan_beban",
        "Pendataan / NIK / adminduk",
        "Data update / NIK / civil registration",
    ),
    (
        "kesehatan",
        "pengurangan_beban",
        "Pemeriksaan kesehatan / posyandu",
        "Health checks / posyandu",
    ),
    (
        "pelatihan_vokasi",
        "peningkatan_pendapatan",
        "Pelatihan vokasi / kerja (BLK)",
        "Vocational training (BLK)",
    ),
    (
        "umkm",
        "peningkatan_pendapatan",
        "Pendampingan UMKM / kewirausahaan",
        "Small business (UMKM) support",
    ),
    ("padat_karya", "peningkatan_pendapatan", "Padat karya (PKTD)", "Cash-for-work (padat karya)"),
    ("kur", "peningkatan_pendapatan", "Akses permodalan (KUR)", "Access to credit (KUR)"),
    (
        "bumdes",
        "peningkatan_pendapatan",
        "Penguatan BUMDes",
        "Village enterprise (BUMDes) support",
    ),
    (
        "sarana_produksi",
        "peningkatan_pendapatan",
        "Bantuan sarana produksi (tani/ikan)",
        "Farming/fishing inputs",
    ),
    (
        "air_bersih",
        "pengurangan_kantong_kemiskinan",
        "Air bersih / air minum",
        "Clean / drinking water",
    ),
    ("jamban", "pengurangan_kantong_kemiskinan", "Jamban / sanitasi", "Latrines / sanitation"),
    (
        "rtlh",
        "pengurangan_kantong_kemiskinan",
        "Rehab RTLH / bedah rumah",
        "Substandard housing (RTLH) repair",
    ),
    (
        "listrik",
        "pengurangan_kantong_kemiskinan",
        "Sambungan listrik (BPBL)",
        "Electricity connection (BPBL)",
    ),
    (
        "infrastruktur",
        "pengurangan_kantong_kemiskinan",
        "Jalan / infrastruktur lingkungan",
        "Roads / neighbourhood infrastructure",
    ),
    ("stunting", "pengurangan_kantong_kemiskinan", "Penanganan stunting", "Stunting prevention"),
    (
        "anak_sekolah",
        "pengurangan_kantong_kemiskinan",
        "Anak tidak sekolah",
        "Out-of-school children",
    ),
]


def upgrade() -> None:
    activity = op.create_table(
        "activity_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column(
            "strategy",
            sa.Enum(*STRATEGIES, name="strategy", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("name_id", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_type")),
        sa.UniqueConstraint("key", name=op.f("uq_activity_type_key")),
    )
    op.create_index(op.f("ix_activity_type_strategy"), "activity_type", ["strategy"])
    op.bulk_insert(
        activity,
        [
            {
                "key": key,
                "strategy": strategy,
                "name_id": name_id,
                "name_en": name_en,
                "position": position,
                "active": True,
            }
            for position, (key, strategy, name_id, name_en) in enumerate(SEED)
        ],
    )

    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_update")),
    )
    op.create_index(op.f("ix_processed_update_received_at"), "processed_update", ["received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_processed_update_received_at"), table_name="processed_update")
    op.drop_table("processed_update")
    op.drop_index(op.f("ix_activity_type_strategy"), table_name="activity_type")
    op.drop_table("activity_type")
