"""Migrations go up and down cleanly, one step at a time, and end where the models are."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import migrations
from models import Base, drafts
from models.base import UTCDateTime
from models.drafts import DraftActivity, DraftPhoto
from models.reports import phash_band_keys


def _revisions(url: str) -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(migrations.alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def _tables(url: str) -> set[str]:
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_single_head(empty_db_url: str) -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config(empty_db_url))
    assert len(script.get_heads()) == 1, "branched history: merge the heads"


def test_stairway(empty_db_url: str) -> None:
    """Each revision upgrades, downgrades one step and upgrades again; base leaves nothing."""
    assert migrations.current(empty_db_url) is None
    revisions = _revisions(empty_db_url)
    assert revisions[0] == "0001"
    previous: str | None = None
    for revision in revisions:
        migrations.upgrade(empty_db_url, revision)
        assert migrations.current(empty_db_url) == revision
        migrations.downgrade(empty_db_url, "-1")
        assert migrations.current(empty_db_url) == previous
        migrations.upgrade(empty_db_url, revision)
        assert migrations.current(empty_db_url) == revision
        previous = revision

    assert _tables(empty_db_url) >= set(Base.metadata.tables)
    migrations.downgrade(empty_db_url, "base")
    assert migrations.current(empty_db_url) is None
    assert _tables(empty_db_url) == {"alembic_version"}


def test_schema_matches_models(db_url: str) -> None:
    """After `upgrade`, autogenerate finds nothing to do: the migrations describe the models."""
    engine = migrations.sync_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
    assert _tables(db_url) == set(Base.metadata.tables) | {"alembic_version"}


# Table shapes of revision 0004 for the data test below (plain SQL, not the models: those
# describe the newest schema). UTCDateTime reads SQLite's zone-less values back as UTC.
_agency = sa.table(
    "agency",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("active", sa.Boolean),
)
_user = sa.table(
    "app_user",
    sa.column("id", sa.Integer),
    sa.column("telegram_id", sa.BigInteger),
    sa.column("full_name", sa.String),
    sa.column("role", sa.String),
    sa.column("agency_id", sa.Integer),
    sa.column("language", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("created_at", UTCDateTime()),
)
_report = sa.table(
    "report",
    sa.column("id", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("status", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("agency_id", sa.Integer),
    sa.column("form_state", sa.JSON),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("submitted_at", UTCDateTime()),
)
# Only from revision 0005 on.
_report_document = sa.table(
    "report", sa.column("id", sa.Integer), sa.column("draft_activities", sa.JSON)
)
_activity = sa.table(
    "report_activity",
    sa.column("id", sa.Integer),
    sa.column("report_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("strategy", sa.String),
    sa.column("activity", sa.String),
    sa.column("activity_other", sa.String),
    sa.column("households", sa.Integer),
    sa.column("people", sa.Integer),
    sa.column("description", sa.Text),
)
_photo = sa.table(
    "photo",
    sa.column("id", sa.Integer),
    sa.column("activity_id", sa.Integer),
    sa.column("telegram_file_unique_id", sa.String),
    sa.column("source", sa.String),
    sa.column("sha256", sa.String),
    sa.column("archive_path", sa.String),
    sa.column("thumb_path", sa.String),
    sa.column("width", sa.Integer),
    sa.column("height", sa.Integer),
    sa.column("taken_at", UTCDateTime()),
    sa.column("exif_latitude", sa.Float),
    sa.column("exif_longitude", sa.Float),
    sa.column("created_at", UTCDateTime()),
)
_CREATED = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
_TAKEN = datetime(2026, 11, 23, 2, 15, 30, tzinfo=UTC)
# (activity values, photos) of the draft, by position.
_DRAFT: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    (
        {
            "position": 0,
            "strategy": "pengurangan_beban",
            "activity": "pkh",
            "activity_other": None,
            "households": 12,
            "people": 40,
            "description": "Sosialisasi PKH di balai desa",
        },
        [
            {
                "telegram_file_unique_id": "AQADdraft1",
                "source": "document",
                "sha256": "a" * 64,
                "archive_path": "2026/11/1/a.jpg",
                "thumb_path": "2026/11/1/a.thumb.jpg",
                "width": 4000,
                "height": 3000,
                "taken_at": _TAKEN,
                "exif_latitude": -6.8897,
                "exif_longitude": 109.3806,
            },
            {
                "telegram_file_unique_id": "AQADdraft2",
                "source": "photo",
                "sha256": "b" * 64,
                "archive_path": "2026/11/1/b.jpg",
                "thumb_path": "2026/11/1/b.thumb.jpg",
                "width": 1280,
                "height": 960,
                "taken_at": None,
                "exif_latitude": None,
                "exif_longitude": None,
            },
        ],
    ),
    (
        {
            "position": 1,
            "strategy": "peningkatan_pendapatan",
            "activity": "other",
            "activity_other": "Pelatihan anyaman bambu",
            "households": 5,
            "people": 7,
            "description": None,
        },
        [],
    ),
]
_SUBMITTED_ACTIVITY: dict[str, Any] = {
    "position": 0,
    "strategy": "pengurangan_kantong_kemiskinan",
    "activity": "jamban",
    "activity_other": None,
    "households": 3,
    "people": 11,
    "description": "Jamban sehat",
}
_SUBMITTED_PHOTO: dict[str, Any] = {
    "telegram_file_unique_id": "AQADsubmitted",
    "source": "document",
    "sha256": "c" * 64,
    "archive_path": "2026/11/2/c.jpg",
    "thumb_path": "2026/11/2/c.thumb.jpg",
    "width": 3000,
    "height": 4000,
    "taken_at": datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
    "exif_latitude": -6.9,
    "exif_longitude": 109.4,
}


def _seed_0004(url: str) -> tuple[int, int, list[int]]:
    """A draft and a submitted report with their rows; (draft id, submitted id, the
    draft's activity ids by position)."""
    engine = migrations.sync_engine(url)
    try:
        with engine.begin() as connection:

            def insert(table: sa.TableClause, **values: Any) -> int:
                statement = table.insert().values(**values).returning(table.c.id)
                return int(connection.execute(statement).scalar_one())

            agency_id = insert(_agency, name="Dinas Sosial", kind="dinas", active=True)
            user_id = insert(
                _user,
                telegram_id=5_000_000_001,
                full_name="Siti",
                role="staff",
                agency_id=agency_id,
                language="id",
                active=True,
                created_at=_CREATED,
            )
            common = {
                "user_id": user_id,
                "agency_id": agency_id,
                "form_state": {},
                "created_at": _CREATED,
                "updated_at": _CREATED,
            }
            draft_id = insert(_report, status="draft", **common)
            submitted_id = insert(
                _report,
                status="submitted",
                reference="R-0001",
                submitted_at=_CREATED,
                **common,
            )
            # Inserted last position first, so row ids and positions disagree.
            activity_ids: dict[int, int] = {}
            for values, photos in reversed(_DRAFT):
                activity_id = insert(_activity, report_id=draft_id, **values)
                activity_ids[values["position"]] = activity_id
                for photo in photos:
                    insert(_photo, activity_id=activity_id, created_at=_CREATED, **photo)
            activity_id = insert(_activity, report_id=submitted_id, **_SUBMITTED_ACTIVITY)
            insert(_photo, activity_id=activity_id, created_at=_CREATED, **_SUBMITTED_PHOTO)
    finally:
        engine.dispose()
    return draft_id, submitted_id, [activity_ids[p] for p in sorted(activity_ids)]


def _report_rows(url: str, report_id: int) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """A report's activity rows by position, each with its photo rows by id (all columns)."""
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            activities = connection.execute(
                sa.select(_activity)
                .where(_activity.c.report_id == report_id)
                .order_by(_activity.c.position)
            ).mappings()
            result = []
            for activity in activities.all():
                photos = connection.execute(
                    sa.select(_photo)
                    .where(_photo.c.activity_id == activity["id"])
                    .order_by(_photo.c.id)
                ).mappings()
                result.append((dict(activity), [dict(p) for p in photos.all()]))
            return result
    finally:
        engine.dispose()


def _document(url: str, report_id: int) -> Any:
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.select(_report_document.c.draft_activities).where(
                    _report_document.c.id == report_id
                )
            ).scalar_one()
    finally:
        engine.dispose()


def _set_document(url: str, report_id: int, document: list[dict[str, Any]]) -> None:
    engine = migrations.sync_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                _report_document.update()
                .where(_report_document.c.id == report_id)
                .values(draft_activities=document)
            )
    finally:
        engine.dispose()


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


def test_0005_moves_drafts_to_json_and_back(empty_db_url: str) -> None:
    """0005 turns a draft's activity and photo rows into its JSON document and back again on
    downgrade, with every value (taken_at as an aware datetime); submitted reports keep
    their rows."""
    url = empty_db_url
    migrations.upgrade(url, "0004")
    draft_id, submitted_id, activity_ids = _seed_0004(url)
    submitted_rows = _report_rows(url, submitted_id)
    assert len(submitted_rows) == 1 and len(submitted_rows[0][1]) == 1

    migrations.upgrade(url, "0005")
    expected = [
        DraftActivity(
            # The old photo folders are named after the activity's row id.
            key=str(activity_id),
            **_without(values, "position"),
            photos=[DraftPhoto(**photo) for photo in photos],
        )
        for activity_id, (values, photos) in zip(activity_ids, _DRAFT, strict=True)
    ]
    activities = drafts.parse(_document(url, draft_id))
    assert activities == expected
    taken_at = activities[0].photos[0].taken_at
    assert taken_at is not None and taken_at.utcoffset() is not None
    assert _report_rows(url, draft_id) == []
    assert _report_rows(url, submitted_id) == submitted_rows
    assert _document(url, submitted_id) is None

    # The bot writes a photo's taken_at in the local zone (EXIF): the same instant must come
    # back on downgrade, which SQLite gets wrong unless the value is converted to UTC.
    activities[0].photos[0].taken_at = _TAKEN.astimezone(ZoneInfo("Asia/Jakarta"))
    _set_document(url, draft_id, drafts.dump(activities))

    migrations.downgrade(url, "0004")
    restored = _report_rows(url, draft_id)
    assert [
        (
            _without(activity, "id", "report_id"),
            [_without(photo, "id", "activity_id", "created_at") for photo in photos],
        )
        for activity, photos in restored
    ] == _DRAFT
    for activity, photos in restored:
        assert activity["report_id"] == draft_id
        assert all(photo["activity_id"] == activity["id"] for photo in photos)
    assert _report_rows(url, submitted_id) == submitted_rows

    migrations.upgrade(url)
    assert migrations.current(url) == _revisions(url)[-1]
    assert drafts.parse(_document(url, draft_id)) == [
        DraftActivity(
            key=str(activity["id"]),
            **_without(activity, "id", "report_id", "position"),
            photos=[
                DraftPhoto(**_without(photo, "id", "activity_id", "created_at"))
                for photo in photos
            ],
        )
        for activity, photos in restored
    ]


_version_table = sa.table(
    "report_version",
    sa.column("report_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("submitted_at", UTCDateTime()),
    sa.column("content", sa.JSON),
    sa.column("flags", sa.JSON),
)
_report_review = sa.table(
    "report",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("review_status", sa.String),
)


def _review_state(url: str, report_id: int) -> tuple[int, str | None]:
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.select(_report_review.c.version, _report_review.c.review_status).where(
                    _report_review.c.id == report_id
                )
            ).one()
            return int(row[0]), row[1]
    finally:
        engine.dispose()


def _versions(url: str) -> list[dict[str, Any]]:
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(_version_table).order_by(
                    _version_table.c.report_id, _version_table.c.version
                )
            ).mappings()
            return [dict(row) for row in rows.all()]
    finally:
        engine.dispose()


def test_0006_makes_sent_reports_version_1(empty_db_url: str) -> None:
    """0006 turns a report already sent into version 1, waiting for review, kept whole in
    report_version with its activities and photos (as `snapshot` writes a version); a draft
    stays a draft. Downgrading drops the versions and keeps the report's rows."""
    url = empty_db_url
    migrations.upgrade(url, "0004")
    draft_id, submitted_id, _ = _seed_0004(url)
    [(activity_row, _)] = _report_rows(url, submitted_id)
    migrations.upgrade(url, "0005")
    submitted_rows = _report_rows(url, submitted_id)

    migrations.upgrade(url, "0006")
    assert _review_state(url, submitted_id) == (1, "submitted")
    assert _review_state(url, draft_id) == (0, None)
    [version] = _versions(url)
    assert version["report_id"] == submitted_id and version["version"] == 1
    assert version["submitted_at"] == _CREATED and version["flags"] is None
    content = version["content"]
    assert {k: v for k, v in content.items() if k != "activities"} == {
        "village_id": None,
        "visit_date": None,
        "latitude": None,
        "longitude": None,
        "location_accuracy": None,
        "location_live": None,
        "location_forwarded": None,
    }
    assert drafts.parse(content["activities"]) == [
        DraftActivity(
            key=str(activity_row["id"]),
            **_without(_SUBMITTED_ACTIVITY, "position"),
            photos=[DraftPhoto(**_SUBMITTED_PHOTO)],
        )
    ]
    assert _report_rows(url, submitted_id) == submitted_rows

    migrations.downgrade(url, "0005")
    assert "report_version" not in _tables(url)
    assert _report_rows(url, submitted_id) == submitted_rows
    migrations.upgrade(url)
    assert [(v["report_id"], v["version"]) for v in _versions(url)] == [(submitted_id, 1)]


# From revision 0006 on.
_photo_hashed = sa.table(
    "photo",
    *(sa.column(c.name, c.type) for c in _photo.columns),
    sa.column("phash", sa.String),
)
_band = sa.table(
    "photo_phash_band", sa.column("key", sa.Integer), sa.column("photo_id", sa.Integer)
)


def test_0008_gives_the_photos_with_a_phash_their_band_keys(empty_db_url: str) -> None:
    """0008 writes the band keys of every photo already stored, as the models write them for
    a new photo (no keys without a pHash or for one that is not hex), 0010 gives each its
    photo's pHash; downgrading drops them and keeps the photos."""
    url = empty_db_url
    migrations.upgrade(url, "0004")
    _, submitted_id, _ = _seed_0004(url)
    migrations.upgrade(url, "0007")
    [(activity, [first])] = _report_rows(url, submitted_id)
    hashes: dict[int, str | None] = {first["id"]: "ffffffffffffffff"}
    engine = migrations.sync_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                _photo_hashed.update()
                .where(_photo_hashed.c.id == first["id"])
                .values(phash=hashes[first["id"]])
            )
            for n, phash in enumerate(["0123456789abcdef", None, "not hex", "8badf00ddeadbeef"]):
                values = {**_SUBMITTED_PHOTO, "telegram_file_unique_id": f"AQAD{n}"}
                photo_id = connection.execute(
                    _photo_hashed.insert()
                    .values(activity_id=activity["id"], created_at=_CREATED, phash=phash, **values)
                    .returning(_photo_hashed.c.id)
                ).scalar_one()
                hashes[photo_id] = phash
    finally:
        engine.dispose()
    photos = _report_rows(url, submitted_id)

    migrations.upgrade(url, "0008")
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            stored = set(connection.execute(sa.select(_band.c.key, _band.c.photo_id)).all())
    finally:
        engine.dispose()
    expected = {(key, i) for i, phash in hashes.items() for key in phash_band_keys(phash)}
    assert len(expected) == 3 * 7 and stored == expected

    # 0010: every band row carries its photo's pHash; downgrading keeps the rows.
    migrations.upgrade(url, "0010")
    with_hash = sa.table(
        "photo_phash_band",
        sa.column("key", sa.Integer),
        sa.column("photo_id", sa.Integer),
        sa.column("phash", sa.String),
    )
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(with_hash.c.key, with_hash.c.photo_id, with_hash.c.phash)
            ).all()
    finally:
        engine.dispose()
    assert {(key, i, hashes[i]) for key, i in expected} == set(rows)
    migrations.downgrade(url, "0009")
    engine = migrations.sync_engine(url)
    try:
        with engine.connect() as connection:
            assert set(connection.execute(sa.select(_band.c.key, _band.c.photo_id))) == expected
    finally:
        engine.dispose()

    migrations.downgrade(url, "0007")
    assert "photo_phash_band" not in _tables(url)
    assert _report_rows(url, submitted_id) == photos
