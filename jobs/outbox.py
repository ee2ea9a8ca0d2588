"""Sends what the outbox still holds: confirmations a crash or an unreachable Telegram held
back. At start-up and every minute; runs in every process (the outbox's leases keep two
processes from sending the same message)."""

from __future__ import annotations

from core.context import AppContext, DampinganApplication
from services import outbox

JOB_NAME = "outbox.flush"
INTERVAL_SECONDS = 60


async def _run(context: AppContext) -> None:
    """Repeating job: sends waiting outbox messages."""
    await outbox.flush(context.app)


def schedule(application: DampinganApplication) -> None:
    """Registers the job (the JobQueue keeps nothing across restarts); the first run comes
    right after start-up, for what the last run of the bot left behind."""
    assert application.job_queue is not None
    # `first` in the future: an interval job whose start lies in the past (first=0 is past by
    # the time the scheduler starts) would wait a whole interval for its first run.
    application.job_queue.run_repeating(
        _run, interval=INTERVAL_SECONDS, first=1, name=JOB_NAME, job_kwargs={"coalesce": True}
    )
