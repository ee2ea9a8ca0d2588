"""The weekly reminder to staff whose agency has not reported this week."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.context import AppContext, DampinganApplication
from jobs.calendar import holiday_name
from models.users import User, staff_to_remind
from services.delivery import Deliverer, FanOutResult, Outcome, Part, tell_admins_about_blocked

_LOG = logging.getLogger(__name__)
KIND = "reminder"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def send_reminders(
    application: DampinganApplication, now: datetime, *, scheduled_for: date | None = None
) -> FanOutResult | None:
    """Reminds everyone who should be reminded this week and has not been yet.

    `scheduled_for` is the day the reminder was due (for a catch-up after downtime): on a
    holiday nobody is reminded, even later.
    """
    today = now.astimezone(application.settings.tz).date()
    due = scheduled_for or today
    holiday = holiday_name(due)
    if holiday is not None:
        _LOG.info("no reminders on %s: %s", due, holiday)
        return None
    start = week_start(today)
    async with application.scope() as scope:
        users = list(await staff_to_remind(scope.session, since=start, today=today))
    translator = application.translator

    async def build(user: User) -> Sequence[Part]:
        lang = user.language
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        translator(lang, "reminder-report-now"), callback_data="rp:start"
                    )
                ],
                [
                    InlineKeyboardButton(
                        translator(lang, "reminder-pause"), callback_data="pause:menu"
                    )
                ],
            ]
        )
        text = translator(
            lang,
            "reminder-text",
            name=user.full_name,
            agency=user.agency.label if user.agency else "—",
        )
        return [Part(text=text, reply_markup=keyboard)]

    result = await Deliverer(application).fan_out(KIND, start.isoformat(), users, build)
    _LOG.info(
        "reminders for the week of %s: %d sent, %d already, %d blocked, %d failed",
        start,
        *(result.count(o) for o in Outcome),
    )
    await tell_admins_about_blocked(application, result, users)
    return result


async def run(context: AppContext) -> None:
    """Scheduled job: the weekly reminder."""
    await send_reminders(context.app, context.now())
