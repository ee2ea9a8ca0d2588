"""The weekly jobs, built from the schedules in the database.

The JobQueue keeps nothing across restarts, so `install` runs at every start-up: it
schedules both jobs from the database and then catches up on a run that fell due while
the bot was down (the delivery log makes a second run harmless).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, time, timedelta
from typing import Any

from core.context import AppContext, DampinganApplication
from jobs import digests, reminders
from models.deliveries import abandoned
from models.schedules import ScheduleKind, get_schedule

_LOG = logging.getLogger(__name__)
JOB_NAMES = {ScheduleKind.REMINDER: "reminders.weekly", ScheduleKind.DIGEST: "digests.weekly"}
RUNNERS: dict[ScheduleKind, Callable[[AppContext], Coroutine[Any, Any, None]]] = {
    ScheduleKind.REMINDER: reminders.run,
    ScheduleKind.DIGEST: digests.run,
}
# A run the event loop could not start on time (busy, or the machine asleep) still runs
# if it is at most this late; APScheduler's default is one second.
MISFIRE_GRACE = int(timedelta(hours=6).total_seconds())
# /jadwal may be answered by another process on the same database (one without jobs):
# the schedules are read again this often, and a change is applied here too.
REFRESH_SECONDS = 300
_INSTALLED = "schedule.installed"


def schedule(
    application: DampinganApplication, kind: ScheduleKind, weekday: int, at: time
) -> None:
    """(Re)places the weekly job of `kind`; takes effect at once."""
    queue = application.job_queue
    assert queue is not None
    name = JOB_NAMES[kind]
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_daily(
        RUNNERS[kind],
        time=at.replace(tzinfo=application.settings.tz),
        # PTB counts days from Sunday (0 = Sunday); ours are Python's (0 = Monday).
        days=((weekday + 1) % 7,),
        name=name,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE, "coalesce": True},
    )
    application.bot_data.setdefault(_INSTALLED, {})[kind] = (weekday, at)
    _LOG.info("%s scheduled on weekday %d at %s", name, weekday, at.strftime("%H:%M"))


def last_due(weekday: int, at: time, now: datetime) -> datetime:
    """The latest moment at or before `now` (aware) when a weekly run was due."""
    local = now
    candidate = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    candidate -= timedelta(days=(local.weekday() - weekday) % 7)
    if candidate > local:
        candidate -= timedelta(days=7)
    return candidate


async def install(application: DampinganApplication) -> None:
    """Schedules both jobs from the database and queues the catch-up."""
    async with application.scope() as scope:
        for kind in ScheduleKind:
            weekday, at = await get_schedule(scope.session, kind)
            schedule(application, kind, weekday, at)
    assert application.job_queue is not None
    application.job_queue.run_once(_catch_up_job, when=2, name="schedule.catch_up")
    application.job_queue.run_repeating(
        _refresh, interval=REFRESH_SECONDS, first=REFRESH_SECONDS, name="schedule.refresh"
    )
    application.job_queue.run_repeating(
        _resume, interval=REFRESH_SECONDS, first=REFRESH_SECONDS, name="schedule.resume"
    )


async def _resume(context: AppContext) -> None:
    """Repeating job: finishes a fan-out that a crashed sender left half done, once its
    leases have run out (a clean stop frees them at once)."""
    now = context.now()
    async with context.app.scope() as scope:
        left = await abandoned(scope.session, now, since=now - timedelta(days=8))
    if left:
        _LOG.info("%d deliveries left pending by a stopped sender; resuming", left)
        await catch_up(context.app, now)


async def _refresh(context: AppContext) -> None:
    """Repeating job: applies schedules changed by another process since they were read."""
    installed = context.app.bot_data.get(_INSTALLED, {})
    async with context.app.scope() as scope:
        for kind in ScheduleKind:
            current = await get_schedule(scope.session, kind)
            if installed.get(kind) != current:
                schedule(context.app, kind, *current)


async def _catch_up_job(context: AppContext) -> None:
    """Runs, once, what fell due while the bot was down."""
    await catch_up(context.app, context.now())


async def catch_up(application: DampinganApplication, now: datetime) -> None:
    """Sends the last digest if it is at most a week old, and this week's reminder if its
    time has passed; people who already have them get nothing (delivery log)."""
    async with application.scope() as scope:
        reminder = await get_schedule(scope.session, ScheduleKind.REMINDER)
        digest = await get_schedule(scope.session, ScheduleKind.DIGEST)
    due = last_due(*digest, now)
    await digests.send_digests(application, due)
    due = last_due(*reminder, now)
    if reminders.week_start(due.date()) == reminders.week_start(now.date()):
        await reminders.send_reminders(application, now, scheduled_for=due.date())
