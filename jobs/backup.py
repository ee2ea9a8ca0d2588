"""The nightly backup (services/backup.py), when DAMPINGAN_BACKUP_DIR is set.

The copy reads the whole database and photo store: it runs in a thread so the bot keeps
answering. The newest DAMPINGAN_BACKUP_KEEP backups are kept. A failure is queued in the
outbox for every admin, so it reaches them even if the bot stops right after.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from pathlib import Path

from core.context import AppContext, DampinganApplication
from core.i18n import date_time
from models import audit
from models.outbox import add as queue_message
from models.users import admins
from services import backup
from services.outbox import deliver

_LOG = logging.getLogger(__name__)
JOB_NAME = "backup.nightly"
# At night, before the photo sweep (03:30): the quietest hour for reading everything.
AT = time(2, 30)
MISFIRE_GRACE = int(timedelta(hours=6).total_seconds())
# The error as the admins see it: the first lines are enough to know where to look.
ERROR_LIMIT = 500


def schedule(application: DampinganApplication) -> None:
    """Registers the nightly job if a backup folder is configured."""
    settings = application.settings
    if settings.backup_dir is None:
        return
    assert application.job_queue is not None
    application.job_queue.run_daily(
        _run,
        time=AT.replace(tzinfo=settings.tz),
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE, "coalesce": True},
    )
    _LOG.info("nightly backup into %s at %s", settings.backup_dir, AT.strftime("%H:%M"))


async def _run(context: AppContext) -> None:
    await nightly(context.app, context.now())


async def nightly(application: DampinganApplication, now: datetime) -> Path | None:
    """Takes tonight's backup and prunes the old ones; returns the new folder, or None
    after telling the admins that it failed."""
    settings = application.settings
    assert settings.backup_dir is not None
    directory = settings.backup_dir
    target = directory / backup.stamped_name(now, settings)
    try:
        manifest = await asyncio.to_thread(backup.take_backup, settings, target, now)
        removed = await asyncio.to_thread(backup.prune, directory, settings.backup_keep)
    except Exception as exc:
        _LOG.exception("nightly backup into %s failed", target)
        await _tell_admins(application, now, str(exc) or type(exc).__name__)
        return None
    _LOG.info("nightly backup written to %s; %d old backup(s) removed", target, len(removed))
    # After the copy, so the entry is in the next night's backup, not this one.
    async with application.scope() as scope:
        audit.record(
            scope.session,
            "backup.nightly",
            actor=None,
            target=str(target),
            files=len(manifest.files),
            removed=[p.name for p in removed],
        )
        await scope.session.commit()
    return target


async def _tell_admins(application: DampinganApplication, now: datetime, error: str) -> None:
    settings = application.settings
    error = error[:ERROR_LIMIT]
    async with application.scope() as scope:
        recipients = {a.telegram_id: a.language for a in await admins(scope.session)}
        # An admin named in DAMPINGAN_ADMIN_IDS who never opened the bot has no row yet.
        for telegram_id in settings.admin_ids:
            recipients.setdefault(telegram_id, settings.language)
        queued = []
        for telegram_id, language in sorted(recipients.items()):
            lang = language or settings.language
            text = application.translator(
                lang,
                "backup-failed",
                when=date_time(now, lang, settings.tz),
                error=error,
            )
            queued.append(queue_message(scope.session, telegram_id, text))
        await scope.session.commit()
        ids = [m.id for m in queued]
    for message_id in ids:
        async with application.scope() as scope:
            await deliver(scope.session, application.bot, message_id)
