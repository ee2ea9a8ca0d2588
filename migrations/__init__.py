"""Schema migrations (Alembic), driven from code: there is no alembic.ini.

The database URL is handed to `env.py` through `Config.attributes`, never through the
environment, so tests and the CLI migrate exactly the database they name.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Engine

from models.db import add_sqlite_pragmas, sync_url

HERE = Path(__file__).resolve().parent

__all__ = ["alembic_config", "current", "downgrade", "sync_engine", "upgrade"]


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at `url` (any form `models.db` accepts)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    # Without it Alembic warns and splits version locations on spaces and commas.
    config.set_main_option("path_separator", "os")
    # "%%" because Config options go through configparser interpolation.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    # Passed as an attribute, not as "sqlalchemy.url": a password may hold a "%", which
    # configparser would try to interpolate, and env.py must never fall back to the environment.
    config.attributes["url"] = url
    return config


def sync_engine(url: str) -> Engine:
    """A short-lived synchronous engine for migrations, with the project's SQLite pragmas."""
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    add_sqlite_pragmas(engine)
    return engine


def upgrade(url: str, revision: str = "head") -> None:
    """Migrates the database at `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrates the database at `url` down to `revision` ("base" removes every table)."""
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database at `url` is at; None when it was never migrated."""
    engine = sync_engine(url)
    try:
        with engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    finally:
        engine.dispose()
