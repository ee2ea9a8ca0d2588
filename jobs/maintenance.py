"""Housekeeping that keeps the database small and leaves nothing behind on disk.

Every job here decides from what is stored (markers, rows, files and their ages), not from
when it last ran: a run missed while the bot was down is made up by the next one, and two
processes running the same job at once do each thing once (the changes are conditional).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from core.context import AppContext, DampinganApplication
from core.i18n import long_date
from models import reports
from models.base import utcnow
from models.db import refresh_statistics
from models.outbox import add as queue_message
from models.updates import forget_handled_before
from services.outbox import deliver
from services.photos import Swept

_LOG = logging.getLogger(__name__)
# Telegram redelivers an update for at most 24 hours; keep the markers twice that long.
KEEP_PROCESSED_UPDATES = timedelta(hours=48)
JOB_NAME = "maintenance.prune_processed_updates"
ORPHANS_JOB_NAME = "maintenance.sweep_orphaned_photos"
DRAFTS_JOB_NAME = "maintenance.stale_drafts"
# At night, after the markers are pruned: the walk reads the whole photo folder.
ORPHANS_AT = time(3, 30)
# The reminder is a message to a person: office hours, clear of the weekly reminder (09:00)
# and digest (07:00) by default.
DRAFTS_AT = time(10, 0)

# A draft untouched this long gets one reminder...
DRAFT_REMIND_AFTER = timedelta(days=23)
# ...and is discarded once untouched this long and reminded at least DRAFT_NOTICE ago.
DRAFT_DISCARD_AFTER = timedelta(days=30)
# The job runs once a day at a fixed time, a few seconds late or early: six and a half days
# means "at the seventh daily run after the reminder", neither the sixth (if the reminder
# ran a little late, or found a draft already 30 days old) nor the eighth.
DRAFT_NOTICE = timedelta(days=6, hours=12)
# What the reminder promises (the seventh daily run, as above).
DRAFT_NOTICE_DAYS = 7


async def prune_processed_updates(application: DampinganApplication) -> int:
    """Deletes markers of updates too old to be redelivered; returns how many. Then, the
    night's rows settled, refreshes SQLite's planner statistics."""
    async with application.scope() as scope:
        removed = await forget_handled_before(scope.session, utcnow() - KEEP_PROCESSED_UPDATES)
        await scope.session.commit()
        await refresh_statistics(scope.session)
    _LOG.info("forgot %d processed-update markers", removed)
    return removed


async def sweep_temporary_files(application: DampinganApplication) -> Swept:
    """Start-up: deletes the temporary files of photo writes killed half-way."""
    # File times come from the system clock; outside tests it is the application's clock.
    swept = await asyncio.to_thread(
        application.photo_store.sweep_temporary, now=application.clock.now()
    )
    if swept.files:
        _LOG.info("removed %d temporary photo file(s), %d bytes", swept.files, swept.bytes)
    return swept


async def sweep_orphaned_photos(application: DampinganApplication) -> Swept:
    """Deletes photo files older than a day that no photo row points at; returns what."""
    async with application.scope() as scope:
        # Read before the walk (see PhotoStore.sweep_orphans).
        referenced = await reports.stored_photo_paths(scope.session)
    if not referenced:
        # A database without a single photo next to a photo folder is more likely the
        # wrong database (a fresh one, a bad restore) than a store full of orphans.
        _LOG.warning("no photo rows in the database: orphaned-photo sweep skipped")
        return Swept()
    swept = await asyncio.to_thread(
        application.photo_store.sweep_orphans, referenced, now=application.clock.now()
    )
    _LOG.info("removed %d orphaned photo file(s), %d bytes", swept.files, swept.bytes)
    return swept


@dataclass(frozen=True)
class StaleDrafts:
    """What one run of the stale-drafts job did."""

    restarted: int = 0
    reminded: int = 0
    discarded: int = 0
    files_removed: int = 0


async def handle_stale_drafts(application: DampinganApplication) -> StaleDrafts:
    """Forgets the reminder of drafts touched since; discards drafts whose reminder went
    unanswered; reminds the owners of drafts left untouched for DRAFT_REMIND_AFTER."""
    now = application.clock.now()
    async with application.scope() as scope:
        restarted = await reports.forget_reminders_of_touched_drafts(scope.session)
        await scope.session.commit()
    discarded, files_removed = await _discard(application, now)
    reminded = await _remind(application, now)
    result = StaleDrafts(restarted, reminded, discarded, files_removed)
    _LOG.info(
        "stale drafts: %d restarted, %d reminded, %d discarded (%d photo files)",
        result.restarted,
        result.reminded,
        result.discarded,
        result.files_removed,
    )
    return result


async def _discard(application: DampinganApplication, now: datetime) -> tuple[int, int]:
    due = {
        "untouched_since": now - DRAFT_DISCARD_AFTER,
        "reminded_before": now - DRAFT_NOTICE,
    }
    async with application.scope() as scope:
        # A correction draft's copied photos stay: the corrected report points at them.
        drafts = [
            (report.id, await reports.removable_photo_files(scope.session, report))
            for report in await reports.drafts_to_discard(scope.session, **due)
        ]
    discarded = files_removed = 0
    for report_id, files in drafts:
        async with application.scope() as scope:
            # Conditional: a draft the person changed a moment ago stays.
            if not await reports.discard_draft(scope.session, report_id, **due):
                continue
            await scope.session.commit()
        discarded += 1
        # After the commit: a failed commit must not leave a draft without its photos.
        files_removed += await asyncio.to_thread(application.photo_store.remove, *files)
    return discarded, files_removed


async def _remind(application: DampinganApplication, now: datetime) -> int:
    untouched_since = now - DRAFT_REMIND_AFTER
    tz = application.settings.tz
    translator = application.translator
    async with application.scope() as scope:
        due = [
            (
                report.id,
                user.telegram_id if user.active else None,
                translator(
                    user.language,
                    "housekeeping-draft-reminder",
                    village=report.village.label if report.village is not None else "—",
                    started=long_date(report.created_at.astimezone(tz).date(), user.language),
                    days=DRAFT_NOTICE_DAYS,
                    deadline=long_date(
                        (now + timedelta(days=DRAFT_NOTICE_DAYS)).astimezone(tz).date(),
                        user.language,
                    ),
                ),
            )
            for report, user in await reports.drafts_to_remind(
                scope.session, untouched_since=untouched_since
            )
        ]
    reminded = 0
    for report_id, chat_id, text in due:
        async with application.scope() as scope:
            session = scope.session
            # The mark and the message in one transaction: reminded once, even across a
            # crash or a second process running this job.
            if not await reports.mark_draft_reminded(
                session, report_id, untouched_since=untouched_since, now=now
            ):
                continue
            # A deactivated person can neither continue nor cancel (the gate refuses
            # them): their draft keeps the same timetable, without a message.
            message = queue_message(session, chat_id, text) if chat_id is not None else None
            await session.commit()
            reminded += 1
            if message is not None:
                await deliver(session, application.bot, message.id)
    return reminded


async def _run(context: AppContext) -> None:
    """Daily job: prunes processed-update markers, refreshes planner statistics."""
    await prune_processed_updates(context.app)


async def _run_orphans(context: AppContext) -> None:
    """Daily job: deletes photo files no photo row points at."""
    await sweep_orphaned_photos(context.app)


async def _run_drafts(context: AppContext) -> None:
    """Daily job: reminds about, and then discards, drafts left untouched."""
    await handle_stale_drafts(context.app)


def schedule(application: DampinganApplication) -> None:
    """Registers the daily jobs (the JobQueue keeps nothing across restarts)."""
    assert application.job_queue is not None
    tz = application.settings.tz
    # A run missed by more than the grace time is not caught up: the next day's run does
    # whatever is due by then.
    job_kwargs = {"misfire_grace_time": 3600, "coalesce": True}
    for callback, at, name in (
        (_run, time(3, 0), JOB_NAME),
        (_run_orphans, ORPHANS_AT, ORPHANS_JOB_NAME),
        (_run_drafts, DRAFTS_AT, DRAFTS_JOB_NAME),
    ):
        application.job_queue.run_daily(
            callback, time=at.replace(tzinfo=tz), name=name, job_kwargs=job_kwargs
        )
