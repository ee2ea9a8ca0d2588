"""Backups taken while reports are written, their manifest, restore and retention; the
`dampingan backup`, `restore` and `audit` commands."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import selectinload

from bot.demo import load_demo_data
from core.clock import Clock
from core.settings import Settings
from models.agencies import Agency
from models.audit import AuditEntry
from models.db import make_engine, make_sessionmaker
from models.reports import Photo, Report, ReportActivity, ReportStatus
from models.users import Role, User
from services import backup
from tests.conftest import PG_SERVER_URL, REPO, TEST_NOW, _pg_admin

# Reports committed before the backup starts: the copy must hold at least these.
BEFORE = 8
# Reports written after the backup has finished: they prove the writer overlapped it.
AFTER = 3


def settings_for(db_url: str, data_dir: Path) -> Settings:
    return Settings(_env_file=None, DATABASE_URL=db_url, DAMPINGAN_DATA_DIR=data_dir)


@pytest.fixture
def restore_url(tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into, of the same kind as the test database."""
    if not PG_SERVER_URL:
        yield f"sqlite:///{tmp_path / 'restored' / 'dampingan.sqlite3'}"
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed (Debian: postgresql-client)")
    name = f"dampingan_r_{uuid.uuid4().hex[:12]}"
    with _pg_admin(PG_SERVER_URL) as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _pg_admin(PG_SERVER_URL) as conn:  # type: ignore[attr-defined]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _write_reports(
    db_url: str, photos: Path, started: asyncio.Event, done: asyncio.Event
) -> int:
    """Inserts submitted reports, each with a photo file written before its commit (as the
    bot does), until the backup is done and a few more; returns how many."""
    engine = make_engine(db_url)
    written = 0
    try:
        maker = make_sessionmaker(engine)
        async with maker() as session:
            agency_id = await session.scalar(select(Agency.id).order_by(Agency.id).limit(1))
            assert agency_id is not None
            staff = User(
                telegram_id=5001,
                full_name="Staff",
                role=Role.STAFF,
                agency_id=agency_id,
                language="id",
            )
            session.add(staff)
            await session.commit()
            user_id = staff.id
        after = 0
        while after < AFTER:
            if done.is_set():
                after += 1
            n = written + 1
            data = hashlib.sha256(str(n).encode()).digest() * 64
            rel = f"r{n:04d}/archive.jpg"
            (photos / rel).parent.mkdir(parents=True, exist_ok=True)
            (photos / rel).write_bytes(data)
            async with maker() as session:
                session.add(
                    Report(
                        reference=f"LPR-2026-{n:06d}",
                        status=ReportStatus.SUBMITTED,
                        user_id=user_id,
                        agency_id=agency_id,
                        form_state={},
                        submitted_at=TEST_NOW,
                        activities=[
                            ReportActivity(
                                position=0,
                                photos=[
                                    Photo(
                                        telegram_file_unique_id=f"u{n}",
                                        source="photo",
                                        sha256=hashlib.sha256(data).hexdigest(),
                                        archive_path=rel,
                                        thumb_path=rel,
                                        width=8,
                                        height=8,
                                    )
                                ],
                            )
                        ],
                    )
                )
                await session.commit()
            written = n
            if written == BEFORE:
                started.set()
            await asyncio.sleep(0)
    finally:
        await engine.dispose()
    return written


async def test_a_backup_taken_while_reports_arrive_restores_every_report_and_photo(
    db_url: str, restore_url: str, tmp_path: Path, clock: Clock
) -> None:
    if PG_SERVER_URL and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed (Debian: postgresql-client of the server's version)")
    await load_demo_data(db_url)
    settings = settings_for(db_url, tmp_path / "data")
    settings.photos_dir.mkdir(parents=True)
    started, done = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(_write_reports(db_url, settings.photos_dir, started, done))
    waiting = asyncio.create_task(started.wait())
    await asyncio.wait({writer, waiting}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    assert started.is_set(), writer.exception() if writer.done() else "writer too slow"
    folder = tmp_path / "backups" / "manual"
    try:
        manifest = await asyncio.to_thread(backup.take_backup, settings, folder, clock.now())
    finally:
        done.set()
    written = await writer
    assert written >= BEFORE + AFTER

    checked, problems = backup.verify(folder)
    assert problems == [] and checked == manifest
    assert all(size > 0 for _digest, size in manifest.files.values())

    target = settings_for(restore_url, tmp_path / "restored")
    backup.restore(target, folder)

    engine = make_engine(restore_url)
    try:
        async with make_sessionmaker(engine)() as session:
            restored = (
                await session.scalars(
                    select(Report)
                    .where(Report.reference.like("LPR-2026-%"))
                    .options(selectinload(Report.activities).selectinload(ReportActivity.photos))
                    .order_by(Report.id)
                )
            ).all()
            # At least what was there when it started, none of what came after it ended.
            assert BEFORE <= len(restored) <= written - AFTER
            # One consistent moment: the copy holds the first k reports, none missing between.
            numbers = [int(r.reference.rsplit("-", 1)[1]) for r in restored if r.reference]
            assert numbers == list(range(1, len(restored) + 1))
            for report in restored:
                (photo,) = report.activities[0].photos
                stored = target.photos_dir / photo.archive_path
                assert hashlib.sha256(stored.read_bytes()).hexdigest() == photo.sha256
    finally:
        await engine.dispose()


async def _one_backup(tmp_path: Path, db_url: str, clock: Clock) -> tuple[Settings, Path]:
    await load_demo_data(db_url)
    settings = settings_for(db_url, tmp_path / "data")
    (settings.photos_dir / "r1").mkdir(parents=True)
    (settings.photos_dir / "r1" / "a.jpg").write_bytes(b"\xff\xd8 photo bytes")
    # A write in progress is not part of the store.
    (settings.photos_dir / "r1" / ".b.jpg.x1.tmp").write_bytes(b"half")
    folder = tmp_path / "backup"
    backup.take_backup(settings, folder, clock.now())
    return settings, folder


@pytest.mark.skipif(bool(PG_SERVER_URL), reason="SQLite file checks; PostgreSQL covered above")
async def test_a_tampered_or_missing_file_is_refused_and_nothing_is_written(
    db_url: str, tmp_path: Path, clock: Clock
) -> None:
    _settings, folder = await _one_backup(tmp_path, db_url, clock)
    assert sorted(backup.verify(folder)[0].files) == ["database.sqlite3", "photos/r1/a.jpg"]
    photo = folder / "photos" / "r1" / "a.jpg"
    photo.write_bytes(b"\xff\xd8 other bytes")
    _manifest, problems = backup.verify(folder)
    assert problems == ["photos/r1/a.jpg: content changed (SHA-256 differs from the manifest)"]

    target = settings_for(f"sqlite:///{tmp_path / 'new' / 'db.sqlite3'}", tmp_path / "new")
    with pytest.raises(backup.BackupError, match="does not match its manifest"):
        backup.restore(target, folder)
    assert not (tmp_path / "new").exists()

    photo.unlink()
    with pytest.raises(backup.BackupError, match=r"photos/r1/a.jpg: missing"):
        backup.restore(target, folder)
    assert not (tmp_path / "new").exists()

    (folder / "manifest.json").unlink()
    with pytest.raises(backup.BackupError, match="not a Dampingan backup"):
        backup.restore(target, folder)


@pytest.mark.skipif(bool(PG_SERVER_URL), reason="SQLite file checks")
async def test_restore_refuses_a_non_empty_target(
    db_url: str, tmp_path: Path, clock: Clock
) -> None:
    settings, folder = await _one_backup(tmp_path, db_url, clock)
    # Back into the very database and data folder it was taken from.
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(settings, folder)
    # An empty database but photos already there.
    other = tmp_path / "other"
    (other / "photos").mkdir(parents=True)
    (other / "photos" / "x.jpg").write_bytes(b"x")
    target = settings_for(f"sqlite:///{other / 'db.sqlite3'}", other)
    with pytest.raises(backup.BackupError, match="photos is not empty"):
        backup.restore(target, folder)
    assert not (other / "db.sqlite3").exists()
    # An empty target works, and the restored database is a whole one.
    fresh = tmp_path / "fresh"
    target = settings_for(f"sqlite:///{fresh / 'db.sqlite3'}", fresh)
    backup.restore(target, folder)
    assert (fresh / "photos" / "r1" / "a.jpg").read_bytes() == b"\xff\xd8 photo bytes"
    conn = sqlite3.connect(fresh / "db.sqlite3")
    try:
        assert conn.execute("SELECT count(*) FROM agency").fetchone()[0] > 0
    finally:
        conn.close()


@pytest.mark.skipif(bool(PG_SERVER_URL), reason="SQLite file checks")
async def test_retention_keeps_the_newest_backups(
    db_url: str, tmp_path: Path, clock: Clock
) -> None:
    await load_demo_data(db_url)
    settings = settings_for(db_url, tmp_path / "data")
    directory = tmp_path / "backups"
    (directory / "by-hand").mkdir(parents=True)
    # What a night's backup cut short by a kill leaves behind, with a file in it.
    (directory / ".20261101-023000.partial" / "photos").mkdir(parents=True)
    (directory / ".20261101-023000.partial" / "photos" / "a.jpg").write_bytes(b"half")
    names = []
    for day in range(5):
        at = TEST_NOW + timedelta(days=day)
        names.append(backup.stamped_name(at, settings))
        backup.take_backup(settings, directory / names[-1], at)
        backup.prune(directory, 3)
    assert names[0] == "20261125-100000"  # the regency's time, sortable
    kept = sorted(p.name for p in directory.iterdir())
    assert kept == [*names[-3:], "by-hand"]


def _cli(tmp_path: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAMPINGAN_", "TELEGRAM_"))}
    env.update(DAMPINGAN_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_backs_up_and_restores(tmp_path: Path) -> None:
    data, restored, folder = tmp_path / "data", tmp_path / "restored", tmp_path / "b1"
    imported = _cli(tmp_path, data, "import", "regions", str(REPO / "demo" / "regions.csv"))
    assert imported.returncode == 0, imported.stderr
    (data / "photos" / "r1").mkdir(parents=True)
    (data / "photos" / "r1" / "a.jpg").write_bytes(b"photo")

    done = _cli(tmp_path, data, "backup", str(folder))
    assert done.returncode == 0, done.stderr
    assert "backup written (2 files" in done.stdout
    again = _cli(tmp_path, data, "backup", str(folder))
    assert again.returncode == 1 and "already exists" in again.stderr
    unwritable = _cli(tmp_path, data, "backup", str(folder / "manifest.json" / "b2"))
    assert unwritable.returncode == 1 and "Traceback" not in unwritable.stderr

    refused = _cli(tmp_path, data, "restore", str(folder))
    assert refused.returncode == 1 and "not empty" in refused.stderr

    back = _cli(tmp_path, restored, "restore", str(folder))
    assert back.returncode == 0, back.stderr
    assert (restored / "photos" / "r1" / "a.jpg").read_bytes() == b"photo"
    conn = sqlite3.connect(restored / "dampingan.sqlite3")
    try:
        (villages,) = conn.execute("SELECT count(*) FROM village").fetchone()
    finally:
        conn.close()
    assert villages > 0
    # The backup is in the source's audit log; the restore in the restored database's.
    source_log = _cli(tmp_path, data, "audit").stdout
    assert f"| system | backup.written | {folder} | files=2" in source_log
    restored_log = _cli(tmp_path, restored, "audit").stdout
    assert f"| system | backup.restored | {folder} |" in restored_log
    assert "backup.written" not in restored_log  # written after the copy, so not in it


def test_a_backup_the_audit_log_refuses_still_stands(tmp_path: Path) -> None:
    data, folder = tmp_path / "data", tmp_path / "b1"
    imported = _cli(tmp_path, data, "import", "regions", str(REPO / "demo" / "regions.csv"))
    assert imported.returncode == 0, imported.stderr
    conn = sqlite3.connect(data / "dampingan.sqlite3")
    try:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit log refused'); END"
        )
        conn.commit()
    finally:
        conn.close()
    done = _cli(tmp_path, data, "backup", str(folder))
    # The copy is whole and the command says so; only the audit entry is missing, on stderr.
    assert done.returncode == 0, done.stderr
    assert "backup written" in done.stdout
    assert "not recorded in the audit log" in done.stderr and "Traceback" not in done.stderr
    assert backup.verify(folder)[1] == []


# Enough photo files that copying and hashing them takes a while: the kill lands mid-way.
KILL_PHOTOS = 1500


def test_a_backup_killed_half_way_leaves_no_backup_and_the_next_one_is_whole(
    tmp_path: Path,
) -> None:
    data, restored, folder = tmp_path / "data", tmp_path / "restored", tmp_path / "b1"
    imported = _cli(tmp_path, data, "import", "regions", str(REPO / "demo" / "regions.csv"))
    assert imported.returncode == 0, imported.stderr
    photos = data / "photos" / "r1"
    photos.mkdir(parents=True)
    for n in range(KILL_PHOTOS):
        (photos / f"{n}.jpg").write_bytes(n.to_bytes(4, "big") * 5000)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAMPINGAN_", "TELEGRAM_"))}
    env.update(DAMPINGAN_DATA_DIR=str(data), PYTHONPATH=str(REPO))
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "backup", str(folder)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    partial_photos = tmp_path / ".b1.partial" / "photos" / "r1"
    try:
        # Killed (SIGKILL: no clean-up runs) once some photos, not all, have been copied.
        deadline = time.monotonic() + 60
        while not (partial_photos.is_dir() and any(partial_photos.iterdir())):
            assert process.poll() is None, "the backup ended before it could be killed"
            assert time.monotonic() < deadline, "the backup never started copying photos"
            time.sleep(0.002)
        process.kill()
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert len(list(partial_photos.iterdir())) < KILL_PHOTOS

    # No backup folder appears: nobody can mistake the half copy for a backup.
    assert not folder.exists()
    refused = _cli(tmp_path, restored, "restore", str(tmp_path / ".b1.partial"))
    assert refused.returncode == 1 and "manifest" in refused.stderr
    # The bot's database is untouched by the kill.
    conn = sqlite3.connect(data / "dampingan.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()

    # Taken again under the same name: the leftover is cleared and the backup is whole.
    done = _cli(tmp_path, data, "backup", str(folder))
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / ".b1.partial").exists()
    back = _cli(tmp_path, restored, "restore", str(folder))
    assert back.returncode == 0, back.stderr
    assert len(list((restored / "photos" / "r1").iterdir())) == KILL_PHOTOS
    assert (restored / "photos" / "r1" / "7.jpg").read_bytes() == (photos / "7.jpg").read_bytes()


async def test_the_cli_prints_the_audit_log_since_a_day(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _cli(tmp_path, data, "db", "upgrade").returncode == 0
    engine = make_engine(f"sqlite:///{data / 'dampingan.sqlite3'}")
    try:
        async with make_sessionmaker(engine)() as session:
            session.add(User(telegram_id=1001, full_name="Rina", role=Role.ADMIN, language="id"))
            session.add_all(
                [
                    AuditEntry(
                        at=TEST_NOW, actor_telegram_id=1001, action="test.first", target="t1"
                    ),
                    AuditEntry(
                        at=TEST_NOW + timedelta(days=2),
                        actor_telegram_id=None,
                        action="test.second",
                        details={"b": 2, "a": "x"},
                    ),
                ]
            )
            await session.commit()
    finally:
        await engine.dispose()
    everything = _cli(tmp_path, data, "audit")
    assert everything.returncode == 0, everything.stderr
    assert "2026-11-25 10:00 | Rina (1001) | test.first | t1 | -" in everything.stdout
    assert "2026-11-27 10:00 | system | test.second | - | a=x, b=2" in everything.stdout
    later = _cli(tmp_path, data, "audit", "--since", "2026-11-26")
    assert "test.second" in later.stdout and "test.first" not in later.stdout
    bad = _cli(tmp_path, data, "audit", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr
