"""Alembic environment: run by `migrations.upgrade()` and friends, never by hand-set env vars."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from migrations import sync_engine
from models import Base
from models.db import sync_url

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("url")
    if not url:
        raise RuntimeError(
            "No database URL: run migrations through migrations.upgrade(url) or "
            "migrations.alembic_config(url), which pass it in Config.attributes"
        )
    return str(url)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Writes the SQL to stdout instead of running it (`alembic upgrade --sql`)."""
    context.configure(
        url=sync_url(_database_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=sync_url(_database_url()).get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = sync_engine(_database_url())
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch mode drops and recreates tables. With foreign keys enforced, dropping
                # a referenced table fails, or worse, cascades (report -> report_activity ->
                # photo). SQLite's own advice for table rebuilds: switch enforcement off
                # outside the transaction and check the keys before committing.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                    if broken:
                        raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
