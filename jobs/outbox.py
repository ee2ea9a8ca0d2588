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
    """Registers the job (the JobQueue keeps nothing across restarts); the first run is at
    once, for what the last run of the bot left behind."""
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        _run, interval=INTERVAL_SECONDS, first=0, name=JOB_NAME, job_kwargs={"coalesce": True}
    )
