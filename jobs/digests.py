"""The weekly digest job: every coordinator gets the digest of the week before, once.

The digest itself is built by services/digests.py (which /ringkasan uses too).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from core.context import AppContext, DampinganApplication
from models.users import User, coordinators
from services.delivery import Deliverer, FanOutResult, Outcome, Part, tell_admins_about_blocked
from services.digests import build_parts, last_full_week, scope_of

_LOG = logging.getLogger(__name__)
KIND = "digest"


async def send_digests(application: DampinganApplication, due: datetime) -> FanOutResult:
    """Sends the digest of the week before `due` to every coordinator who lacks it."""
    today = due.astimezone(application.settings.tz).date()
    period = last_full_week(today)
    async with application.scope() as scope:
        recipients = list(await coordinators(scope.session))
    # One digest per scope and language, built the first time someone needs it.
    built: dict[tuple[int | None, str], list[Part]] = {}
    locks: dict[tuple[int | None, str], asyncio.Lock] = {}

    async def build(user: User) -> Sequence[Part]:
        key = (scope_of(user), user.language)
        async with locks.setdefault(key, asyncio.Lock()):
            if key not in built:
                async with application.scope() as scope:
                    built[key] = await build_parts(
                        application,
                        scope.session,
                        kecamatan_id=key[0],
                        period=period,
                        today=today,
                        lang=key[1],
                    )
        return built[key]

    result = await Deliverer(application).fan_out(
        KIND, period.start.isoformat(), recipients, build
    )
    _LOG.info(
        "digests for %s: %d sent, %d already, %d blocked, %d failed",
        period.start,
        *(result.count(o) for o in Outcome),
    )
    await tell_admins_about_blocked(application, result, recipients)
    return result


async def run(context: AppContext) -> None:
    """Scheduled job: the weekly digest."""
    await send_digests(context.app, context.now())
