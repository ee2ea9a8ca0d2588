"""Backups that are consistent while the bot runs, and their verified restore.

A backup folder holds the database (`database.sqlite3`, copied through SQLite's online
backup API, or `database.dump`, PostgreSQL's `pg_dump` custom format), the photo store
under `photos/`, and `manifest.json` with every file's SHA-256 and size.

The database is copied first and the photos after it: a photo file is written before the
report that points at it is committed, so every report in the copy finds its photos (a
photo of a report committed after the copy is merely extra).

The functions here are synchronous (files, subprocesses, sqlite3); the nightly job runs
them in a thread, off the event loop.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from core.settings import Settings

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
PHOTOS = "photos"
FORMAT = 1
# The photo store writes ".<name>.<random>.tmp" and renames it: such a file is a write in
# progress (or one killed half-way), never part of the store.
_TEMPORARY = re.compile(r"^\..*\.tmp$")
_CHUNK = 1 << 20


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why, in one paragraph."""


@dataclass(frozen=True)
class Manifest:
    database: str
    created_at: str
    files: dict[str, tuple[str, int]]

    def to_json(self) -> str:
        files = [
            {"path": path, "sha256": digest, "size": size}
            for path, (digest, size) in sorted(self.files.items())
        ]
        document = {
            "format": FORMAT,
            "database": self.database,
            "created_at": self.created_at,
            "files": files,
        }
        return json.dumps(document, indent=2) + "\n"


def backend(settings: Settings) -> str:
    return _url(settings).get_backend_name()


def _url(settings: Settings) -> URL:
    url = settings.database_url_or_default
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    return make_url(url)


def _sqlite_path(settings: Settings) -> Path:
    database = _url(settings).database
    if not database or database == ":memory:":
        raise BackupError("the SQLite database is in memory: there is nothing to back up")
    return Path(database)


def _libpq_url(settings: Settings) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return _url(settings).set(drivername="postgresql").render_as_string(hide_password=False)


def take_backup(settings: Settings, target: Path, now: datetime) -> Manifest:
    """Writes a backup into `target`, which must not exist yet. The folder appears only
    when complete (it is written beside it under a temporary name and renamed)."""
    if target.exists():
        raise BackupError(f"{target} already exists: a backup goes into a new folder")
    partial = target.with_name(f".{target.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        kind = backend(settings)
        if kind == "sqlite":
            _dump_sqlite(_sqlite_path(settings), partial / SQLITE_FILE)
        else:
            _dump_postgres(settings, partial / PG_FILE)
        _copy_photos(settings.photos_dir, partial / PHOTOS)
        manifest = Manifest(kind, now.isoformat(), _hash_tree(partial))
        (partial / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _dump_sqlite(source: Path, destination: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source}: no such database file")
    # One step (pages=-1): the whole copy is made under one read transaction, so it is one
    # consistent moment of the database even while the bot writes (WAL mode).
    src = sqlite3.connect(source)
    dst = sqlite3.connect(destination)
    try:
        src.execute("PRAGMA busy_timeout=15000")
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_tool(name: str, settings: Settings) -> str:
    found = shutil.which(name)
    if found is not None:
        return found
    major = _server_major(settings)
    package = f"postgresql-client-{major}" if major else "postgresql-client"
    raise BackupError(
        f"{name} not found. Install PostgreSQL's client tools of the server's major version"
        f"{f' ({major})' if major else ''}: on Debian or Ubuntu `apt-get install {package}`"
        " (from apt.postgresql.org if your release does not carry that version)."
    )


def _server_major(settings: Settings) -> str | None:
    try:
        import psycopg

        with psycopg.connect(_libpq_url(settings), connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
    except Exception:
        return None
    return str(int(row[0]) // 10000) if row else None


def _dump_postgres(settings: Settings, destination: Path) -> None:
    pg_dump = _pg_tool("pg_dump", settings)
    # pg_dump reads in one repeatable-read snapshot: consistent while the bot writes.
    _run_tool(
        [pg_dump, "--format=custom", "--no-owner", f"--file={destination}", _libpq_url(settings)]
    )


def _run_tool(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed ({done.returncode}): {done.stderr.strip()}")


def _photo_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not _TEMPORARY.match(path.name):
            found.append(path)
    return found


def _copy_photos(source: Path, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for path in _photo_files(source):
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, target)
        except FileNotFoundError:
            # Removed since the listing (a discarded draft's photo): not in the copy.
            continue


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _hash_tree(root: Path) -> dict[str, tuple[str, int]]:
    return {
        path.relative_to(root).as_posix(): _hash_file(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def verify(source: Path) -> tuple[Manifest, list[str]]:
    """Reads the manifest and checks every file against it; returns the problems found
    (a missing, changed or unlisted file). Raises BackupError if there is no readable
    manifest."""
    manifest = _read_manifest(source)
    problems: list[str] = []
    present = {
        p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    for rel, (digest, size) in sorted(manifest.files.items()):
        path = source / rel
        if rel not in present:
            problems.append(f"{rel}: missing")
            continue
        actual_digest, actual_size = _hash_file(path)
        if actual_size != size:
            problems.append(f"{rel}: size {actual_size}, the manifest says {size}")
        elif actual_digest != digest:
            problems.append(f"{rel}: content changed (SHA-256 differs from the manifest)")
    for rel in sorted(present - manifest.files.keys()):
        problems.append(f"{rel}: not in the manifest")
    database = SQLITE_FILE if manifest.database == "sqlite" else PG_FILE
    if database not in manifest.files:
        problems.append(f"{database}: not in the manifest")
    return manifest, problems


def _read_manifest(source: Path) -> Manifest:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path}: missing; this is not a Dampingan backup folder")
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
        if document["format"] != FORMAT or document["database"] not in ("sqlite", "postgresql"):
            raise ValueError("unknown format")
        files: dict[str, tuple[str, int]] = {}
        for entry in document["files"]:
            rel = str(entry["path"])
            # A manifest that points outside the folder is not ours.
            if rel.startswith("/") or ".." in Path(rel).parts:
                raise ValueError(f"bad path {rel!r}")
            files[rel] = (str(entry["sha256"]), int(entry["size"]))
        return Manifest(str(document["database"]), str(document["created_at"]), files)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path}: unreadable ({exc})") from None


def restore(settings: Settings, source: Path) -> Manifest:
    """Restores the backup in `source` into the configured, empty, database and photo
    store. Checks the manifest first and the targets' emptiness next: if either fails,
    nothing is written."""
    manifest, problems = verify(source)
    if problems:
        listed = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BackupError(
            f"{source}: the backup does not match its manifest; nothing was restored:\n"
            f"{listed}{more}"
        )
    kind = backend(settings)
    if manifest.database != kind:
        raise BackupError(
            f"{source} holds a {manifest.database} database but DATABASE_URL is {kind}"
        )
    if _photo_files(settings.photos_dir):
        raise BackupError(
            f"{settings.photos_dir} is not empty: restore only into an empty data folder"
        )
    if kind == "sqlite":
        target = _sqlite_path(settings)
        if _sqlite_has_tables(target):
            raise BackupError(f"{target} is not empty: restore only into an empty database")
        target.parent.mkdir(parents=True, exist_ok=True)
        _dump_sqlite(source / SQLITE_FILE, target)
    else:
        pg_restore = _pg_tool("pg_restore", settings)
        if _postgres_has_tables(settings):
            raise BackupError(
                "the PostgreSQL database is not empty: restore only into an empty one"
            )
        _run_tool(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={_libpq_url(settings)}",
                str(source / PG_FILE),
            ]
        )
    photos = source / PHOTOS
    for rel in manifest.files:
        if rel.startswith(f"{PHOTOS}/"):
            destination = settings.photos_dir / Path(rel).relative_to(PHOTOS)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(photos / Path(rel).relative_to(PHOTOS), destination)
    return manifest


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists():
        return False
    conn = sqlite3.connect(path)
    try:
        (count,) = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()
    finally:
        conn.close()
    return bool(count)


def _postgres_has_tables(settings: Settings) -> bool:
    import psycopg

    with psycopg.connect(_libpq_url(settings), connect_timeout=10) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return bool(row and row[0])


# Folder names of the nightly backups: sortable, from the regency's clock.
STAMP = "%Y%m%d-%H%M%S"
_STAMPED = re.compile(r"^\d{8}-\d{6}$")
_PARTIAL = re.compile(r"^\.\d{8}-\d{6}\.partial$")


def stamped_name(now: datetime, settings: Settings) -> str:
    return now.astimezone(settings.tz).strftime(STAMP)


def prune(directory: Path, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` complete nightly backups, and what is left of
    nightly backups cut short (a ".<stamp>.partial" folder: the bot was killed during the
    copy, and the next night's backup has another name, so nothing else would ever remove
    it); returns those deleted. Runs after the night's backup is complete, one at a time
    (a single job), so no partial folder of a stamped name is still being written.
    Folders not named by `stamped_name` (a backup taken by hand) are left alone."""
    folders = [p for p in directory.iterdir() if p.is_dir()]
    stamped = sorted(p for p in folders if _STAMPED.match(p.name))
    removed = stamped[: max(len(stamped) - keep, 0)]
    removed += sorted(p for p in folders if _PARTIAL.match(p.name))
    for path in removed:
        shutil.rmtree(path)
    return removed
