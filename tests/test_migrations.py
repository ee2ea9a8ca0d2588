"""Migrations go up and down cleanly, one step at a time, and end where the models are."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import migrations
from models import Base


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
