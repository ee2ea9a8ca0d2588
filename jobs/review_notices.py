"""The daily review notice at 16:00 (regency time): each coordinator who chose "daily" (the
default of kecamatan coordinators) hears how many reports in their scope wait for review.

One delivery-log row per coordinator per day (models/deliveries.py): a second run the same
day (a restart's catch-up, another process) sends nothing again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from core.context import AppContext, DampinganApplication
from models import reviews
from models.users import ReviewNotify, User
from services.delivery import Deliverer, FanOutResult, Outcome, Part
from services.review_notices import daily_text, open_queue_keyboard

_LOG = logging.getLogger(__name__)
KIND = "review_daily"
JOB_NAME = "review_notices.daily"
CATCH_UP_JOB_NAME = "review_notices.catch_up"
AT = time(16, 0)
# A start-up after this sends nothing for the day: a notice at night helps nobody, and the
# reports are still in the queue (and in tomorrow's notice).
CATCH_UP_UNTIL = time(20, 0)
# A run the loop could not start on time still runs if it is at most this late.
MISFIRE_GRACE = int(timedelta(hours=4).total_seconds())


async def send_daily(application: DampinganApplication, now: datetime) -> FanOutResult:
    """Tells every "daily" reviewer with reports waiting how many, once per day."""
    today = now.astimezone(application.settings.tz).date()
    async with application.scope() as scope:
        counts: dict[int, int] = {}
        recipients: list[User] = []
        for user in await reviews.to_notify(scope.session, ReviewNotify.DAILY):
            user_scope = reviews.scope_of(user)
            assert user_scope is not None
            count = await reviews.count_waiting(scope.session, user_scope)
            if count > 0:
                counts[user.id] = count
                recipients.append(user)
    translator = application.translator

    async def build(user: User) -> Sequence[Part]:
        return [
            Part(
                text=daily_text(translator, user, counts[user.id]),
                reply_markup=open_queue_keyboard(translator, user.language),
            )
        ]

    result = await Deliverer(application).fan_out(KIND, today.isoformat(), recipients, build)
    _LOG.info(
        "review notices for %s: %d sent, %d already, %d blocked, %d failed",
        today,
        *(result.count(o) for o in Outcome),
    )
    return result


async def _run(context: AppContext) -> None:
    """Daily job: the review notice."""
    await send_daily(context.app, context.now())


async def _catch_up(context: AppContext) -> None:
    """Start-up: today's notice, if its time passed while the bot was down (in the
    evening; the delivery log skips whoever has it already)."""
    now = context.now()
    local = now.astimezone(context.app.settings.tz)
    if AT <= local.time() < CATCH_UP_UNTIL:
        await send_daily(context.app, now)


def schedule(application: DampinganApplication) -> None:
    """Registers the daily job (the JobQueue keeps nothing across restarts) and the catch-up
    of a run missed while the bot was down."""
    assert application.job_queue is not None
    application.job_queue.run_daily(
        _run,
        time=AT.replace(tzinfo=application.settings.tz),
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE, "coalesce": True},
    )
    application.job_queue.run_once(_catch_up, when=3, name=CATCH_UP_JOB_NAME)
