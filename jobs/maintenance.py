"""Housekeeping that keeps the database small."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from core.context import AppContext, DampinganApplication
from models.base import utcnow
from models.updates import forget_handled_before

_LOG = logging.getLogger(__name__)
# Telegram redelivers an update for at most 24 hours; keep the markers twice that long.
KEEP_PROCESSED_UPDATES = timedelta(hours=48)
JOB_NAME = "maintenance.prune_processed_updates"


async def prune_processed_updates(application: DampinganApplication) -> int:
    """Deletes markers of updates too old to be redelivered; returns how many."""
    async with application.scope() as scope:
        removed = await forget_handled_before(scope.session, utcnow() - KEEP_PROCESSED_UPDATES)
        await scope.session.commit()
    _LOG.info("forgot %d processed-update markers", removed)
    return removed


async def _run(context: AppContext) -> None:
    """Daily job: prunes processed-update markers."""
    await prune_processed_updates(context.app)


def schedule(application: DampinganApplication) -> None:
    """Registers the daily job (the JobQueue keeps nothing across restarts)."""
    assert application.job_queue is not None
    application.job_queue.run_daily(
        _run,
        time=time(3, 0, tzinfo=application.settings.tz),
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": 3600, "coalesce": True},
    )
