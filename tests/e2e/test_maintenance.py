"""Housekeeping jobs, on the running application: update markers, photo files nobody
needs, and drafts left untouched (reminded once through the outbox, then discarded)."""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from core.clock import Clock
from core.i18n import long_date
from jobs.maintenance import (
    DRAFTS_JOB_NAME,
    JOB_NAME,
    ORPHANS_JOB_NAME,
    StaleDrafts,
    handle_stale_drafts,
    prune_processed_updates,
    sweep_orphaned_photos,
    sweep_temporary_files,
)
from models.base import utcnow
from models.outbox import OutboxMessage
from models.reports import Report, ReportActivity, new_draft
from models.updates import InboxUpdate
from models.users import User, get_user
from sandbox import SandboxUser
from services.photos import Swept
from tests.conftest import JAKARTA
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, all_photos, jpeg, photo_count
from tests.e2e.flows import STAFF, caught_up, fill_until_photos

REMINDED_AFTER = timedelta(days=23, hours=1)


async def test_old_update_markers_are_pruned(harness: Harness) -> None:
    async with harness.db() as session:
        session.add(
            InboxUpdate(
                update_id=1,
                payload={},
                received_at=utcnow() - timedelta(days=3),
                handled_at=utcnow() - timedelta(days=3),
            )
        )
        session.add(
            InboxUpdate(
                update_id=2,
                payload={},
                received_at=utcnow() - timedelta(hours=1),
                handled_at=utcnow() - timedelta(hours=1),
            )
        )
        await session.commit()
    assert await prune_processed_updates(harness.app) == 1
    async with harness.db() as session:
        assert (await session.scalars(select(InboxUpdate.update_id))).all() == [2]


async def test_the_nightly_run_gives_sqlite_planner_statistics_to_every_connection(
    harness: Harness,
) -> None:
    """SQLite keeps no statistics of its own: without them it planned a week's digest
    through every sent report of the year (bench/digest_build.py). A connection reads them
    when it opens, so the pool's connections, open since before, are replaced. The probe:
    all reports are one person's, on different days, which only statistics tell the planner
    (it then looks a few days up by date rather than reading everything of that person).
    PostgreSQL's autovacuum keeps its own."""
    await add_staff(harness, STAFF)
    first_day = date(2025, 1, 1)  # rows' content, not "today"
    async with harness.db() as session:
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("SQLite's statistics: PostgreSQL's autovacuum keeps its own")
        user = await get_user(session, STAFF)
        assert user is not None and user.agency_id is not None
        for day in range(200):
            report = new_draft(session, user_id=user.id, agency_id=user.agency_id)
            report.visit_date = first_day + timedelta(days=day)
        await session.commit()
    probe = text(
        "EXPLAIN QUERY PLAN SELECT id FROM report "
        "WHERE user_id = :user AND visit_date BETWEEN :start AND :end"
    )
    week = {"user": user.id, "start": first_day, "end": first_day + timedelta(days=6)}

    async def plans() -> list[str]:
        # Two sessions at once: two of the application's pooled connections.
        async with harness.app.sessionmaker() as one, harness.app.sessionmaker() as two:
            return [str((await s.execute(probe, week)).all()) for s in (one, two)]

    assert all("ix_report_user_id_status" in plan for plan in await plans())
    await prune_processed_updates(harness.app)
    assert all("ix_report_visit_date" in plan for plan in await plans())


def test_daily_jobs_are_registered_by_name(harness: Harness) -> None:
    assert harness.app.job_queue is not None
    for name in (JOB_NAME, ORPHANS_JOB_NAME, DRAFTS_JOB_NAME):
        assert [job.name for job in harness.app.job_queue.get_jobs_by_name(name)] == [name]


# -- files --------------------------------------------------------------------------------


def _age(path: Path, clock: Clock, age: timedelta) -> None:
    """Sets the file's times to `age` before the test clock's now."""
    moment = (clock.now() - age).timestamp()
    os.utime(path, (moment, moment))


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


async def _draft_with_photo(h: Harness) -> tuple[SandboxUser, int, list[Path]]:
    """Staff member 2001 fills the form up to the photos and sends one; returns the person,
    the draft's id and its two stored files."""
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    assert "1 foto" in (await caught_up(h.sandbox, user))["text"]
    async with h.db() as session:
        report = await session.scalar(select(Report))
        assert report is not None
        photos = await all_photos(session)
        files = [h.app.photo_store.path(p) for p in (photos[0].archive_path, photos[0].thumb_path)]
    assert all(f.is_file() for f in files)
    return user, report.id, files


async def test_stale_temporary_files_are_swept_at_start(harness: Harness, clock: Clock) -> None:
    h = harness
    _user, _report_id, files = await _draft_with_photo(h)
    folder = files[0].parent
    killed = _write(folder / f".{files[0].name}.k3j9x_0a.tmp", b"half")
    _age(killed, clock, timedelta(hours=3))
    writing = _write(folder / ".other.jpg.p0q1r2s3.tmp", b"in progress")
    _age(writing, clock, timedelta(seconds=30))

    assert await sweep_temporary_files(h.app) == Swept(files=1, bytes=4)
    assert not killed.exists()
    assert writing.exists() and all(f.is_file() for f in files)


async def test_orphaned_photo_files_are_swept(harness: Harness, clock: Clock) -> None:
    h = harness
    _user, _report_id, files = await _draft_with_photo(h)
    for referenced in files:
        _age(referenced, clock, timedelta(days=40))
    root = h.app.photo_store.root
    # An upload whose row never came (the bot died before the commit) a day ago...
    lost = _write(root / "report-999/act-7/lost.jpg", b"x" * 1000)
    lost_thumb = _write(root / "report-999/act-7/lost.thumb.jpg", b"x" * 100)
    for path in (lost, lost_thumb):
        _age(path, clock, timedelta(hours=25))
    # ...and one whose row is being written right now.
    uploading = _write(root / "report-998/act-1/now.jpg", b"y" * 500)
    _age(uploading, clock, timedelta(hours=1))

    assert await sweep_orphaned_photos(h.app) == Swept(files=2, bytes=1100)
    assert not (root / "report-999").exists()
    assert uploading.is_file() and all(f.is_file() for f in files)


async def test_no_photo_rows_means_no_orphan_sweep(harness: Harness, clock: Clock) -> None:
    # A photo folder next to a database without photos: probably the wrong database.
    stray = _write(harness.app.photo_store.root / "report-1/act-1/a.jpg", b"z")
    _age(stray, clock, timedelta(days=3))
    assert await sweep_orphaned_photos(harness.app) == Swept()
    assert stray.is_file()


# -- drafts -------------------------------------------------------------------------------


async def _draft(h: Harness, report_id: int) -> Report | None:
    async with h.db() as session:
        return await session.get(Report, report_id)


async def _outbox_count(h: Harness, chat_id: int) -> int:
    async with h.db() as session:
        count = await session.scalar(select(func.count()).where(OutboxMessage.chat_id == chat_id))
        return int(count or 0)


async def test_untouched_draft_is_reminded_once_then_discarded(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    user, report_id, files = await _draft_with_photo(h)
    draft = await _draft(h, report_id)
    assert draft is not None
    last_touched = draft.updated_at

    clock.advance(timedelta(days=22, hours=23))
    assert await handle_stale_drafts(h.app) == StaleDrafts()
    clock.advance(REMINDED_AFTER - timedelta(days=22, hours=23))
    seen = len(user.inbox)
    # Two runs at once (two processes, or a run that overlaps a slow one): one reminder.
    runs = await asyncio.gather(handle_stale_drafts(h.app), handle_stale_drafts(h.app))
    assert sorted(runs, key=lambda r: r.reminded) == [StaleDrafts(), StaleDrafts(reminded=1)]
    await h.sandbox.settle()
    assert len(user.inbox) == seen + 1
    reminder = user.inbox[-1]["text"]
    deadline = long_date((clock.now() + timedelta(days=7)).astimezone(JAKARTA).date(), "id")
    for part in ("belum selesai", "Majalangu", "Rabu, 25 November 2026", deadline, "/batal"):
        assert part in reminder, (part, reminder)

    # Exactly once: the same day, and on the following days up to the sixth.
    assert await handle_stale_drafts(h.app) == StaleDrafts()
    for _ in range(6):
        clock.advance(timedelta(days=1))
        assert await handle_stale_drafts(h.app) == StaleDrafts()
    await h.sandbox.settle()
    assert len(user.inbox) == seen + 1
    assert await _outbox_count(h, STAFF) == 1
    draft = await _draft(h, report_id)
    assert draft is not None and draft.draft_reminded_at is not None
    assert draft.updated_at == last_touched  # the reminder is not a touch

    # The seventh day after the reminder, as it said, the draft goes.
    clock.advance(timedelta(days=1))
    assert await handle_stale_drafts(h.app) == StaleDrafts(discarded=1, files_removed=2)
    assert await _draft(h, report_id) is None
    async with h.db() as session:
        assert await session.scalar(select(func.count()).select_from(ReportActivity)) == 0
        assert await photo_count(session) == 0
    assert not any(f.exists() for f in files)
    assert not (h.app.photo_store.root / f"report-{report_id}").exists()
    await h.sandbox.settle()
    assert len(user.inbox) == seen + 1


async def test_draft_touched_after_the_reminder_starts_over(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    user, report_id, files = await _draft_with_photo(h)
    clock.advance(REMINDED_AFTER)
    assert await handle_stale_drafts(h.app) == StaleDrafts(reminded=1)

    # The person comes back and adds a photo.
    await user.send_photo(jpeg(seed=2))
    assert "2 foto" in (await caught_up(h.sandbox, user))["text"]
    assert await handle_stale_drafts(h.app) == StaleDrafts(restarted=1)
    draft = await _draft(h, report_id)
    assert draft is not None and draft.draft_reminded_at is None

    # A week later (when it would have gone) the draft and all its photos are still there.
    clock.advance(timedelta(days=7))
    assert await handle_stale_drafts(h.app) == StaleDrafts()
    async with h.db() as session:
        assert await photo_count(session) == 2
    assert all(f.is_file() for f in files)
    # A new silence of 23 days earns a new reminder.
    clock.advance(REMINDED_AFTER - timedelta(days=7))
    seen = len(user.inbox)
    assert await handle_stale_drafts(h.app) == StaleDrafts(reminded=1)
    await h.sandbox.settle()
    assert len(user.inbox) == seen + 1
    assert "belum selesai" in user.inbox[-1]["text"]


async def test_draft_already_long_untouched_still_gets_a_week(
    harness: Harness, clock: Clock
) -> None:
    # The bot was down for weeks (or this job is new): the reminder finds a draft untouched
    # for 40 days. It still keeps the week the reminder promises, not six days.
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await user.send_text("/bantuan")
    await caught_up(h.sandbox, user)
    async with h.db() as session:
        staff = await get_user(session, STAFF)
        assert staff is not None and staff.agency_id is not None
        report = new_draft(session, user_id=staff.id, agency_id=staff.agency_id)
        await session.commit()
        report_id = report.id

    clock.advance(timedelta(days=40))
    assert await handle_stale_drafts(h.app) == StaleDrafts(reminded=1)
    clock.advance(timedelta(days=6))
    assert await handle_stale_drafts(h.app) == StaleDrafts()
    clock.advance(timedelta(days=1))
    assert await handle_stale_drafts(h.app) == StaleDrafts(discarded=1)
    assert await _draft(h, report_id) is None


async def test_reminder_in_english_for_a_draft_without_village(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    await add_staff(h, 2002, language="en")
    user = h.user(2002, "Ann", language_code="en")
    await user.send_text("/help")
    await caught_up(h.sandbox, user)
    async with h.db() as session:
        staff = await get_user(session, 2002)
        assert staff is not None and staff.agency_id is not None
        new_draft(session, user_id=staff.id, agency_id=staff.agency_id)
        await session.commit()

    clock.advance(REMINDED_AFTER)
    assert await handle_stale_drafts(h.app) == StaleDrafts(reminded=1)
    await h.sandbox.settle()
    reminder = user.inbox[-1]["text"]
    deadline = long_date((clock.now() + timedelta(days=7)).astimezone(JAKARTA).date(), "en")
    for part in ("unfinished", "Village: —", "Wednesday, 25 November 2026", deadline, "7 days"):
        assert part in reminder, (part, reminder)
    assert "/report" in reminder and "/cancel" in reminder


async def test_deactivated_persons_draft_is_discarded_without_a_message(
    harness: Harness, clock: Clock
) -> None:
    h = harness
    user, report_id, files = await _draft_with_photo(h)
    async with h.db() as session:
        await session.execute(update(User).where(User.telegram_id == STAFF).values(active=False))
        await session.commit()
    seen = len(user.inbox)

    clock.advance(REMINDED_AFTER)
    assert await handle_stale_drafts(h.app) == StaleDrafts(reminded=1)
    clock.advance(timedelta(days=7))
    assert await handle_stale_drafts(h.app) == StaleDrafts(discarded=1, files_removed=2)

    await h.sandbox.settle()
    assert len(user.inbox) == seen
    assert await _outbox_count(h, STAFF) == 0
    assert await _draft(h, report_id) is None
    assert not any(f.exists() for f in files)
