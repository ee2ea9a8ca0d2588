"""/jadwal (/schedule): admins set the day and time of reminders and digests.

Like /undang, every button carries its whole state ("sch:t:digest:0:0700"), so nothing is
kept between presses and each press is checked again.
"""

from __future__ import annotations

from datetime import time

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from handlers.common import admin_only, button_grid
from models import audit
from models.schedules import ScheduleKind, get_schedule, set_schedule
from services.commands import aliases

PREFIX = "sch:"
# Office hours, every half hour: enough choice without a wall of buttons.
TIMES = [time(h, m) for h in range(6, 19) for m in (0, 30)]


def _day(context: AppContext, weekday: int) -> str:
    return str(get_day_names("wide", locale=context.lang)[weekday]).capitalize()


async def _overview(context: AppContext) -> tuple[str, InlineKeyboardMarkup]:
    lines = {}
    for kind in ScheduleKind:
        weekday, at = await get_schedule(context.session, kind)
        lines[kind.value] = f"{_day(context, weekday)} {at.strftime('%H:%M')}"
    text = context.t(
        "schedule-overview",
        reminder=lines["reminder"],
        digest=lines["digest"],
        timezone=context.settings.timezone,
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.t(f"schedule-change-{k.value}"), callback_data=f"{PREFIX}k:{k.value}"
                )
            ]
            for k in ScheduleKind
        ]
    )
    return text, keyboard


@admin_only
async def show_schedule(update: Update, context: AppContext) -> None:
    """Shows both schedules, with a button to change each."""
    message = update.effective_message
    assert message is not None
    text, keyboard = await _overview(context)
    await message.reply_text(text, reply_markup=keyboard)


@admin_only
async def on_button(update: Update, context: AppContext) -> None:
    """Walks the admin through day and time, then stores and applies the schedule."""
    query = update.callback_query
    admin = context.user
    assert query is not None and query.data is not None
    assert admin is not None
    parts = query.data.removeprefix(PREFIX).split(":")
    try:
        kind = ScheduleKind(parts[1])
        match parts[0]:
            case "k":
                days = [
                    InlineKeyboardButton(
                        _day(context, d), callback_data=f"{PREFIX}d:{kind.value}:{d}"
                    )
                    for d in range(7)
                ]
                await query.answer()
                await query.edit_message_text(
                    context.t(
                        "schedule-choose-day", what=context.t(f"schedule-name-{kind.value}")
                    ),
                    reply_markup=InlineKeyboardMarkup(button_grid(days)),
                )
            case "d":
                weekday = _weekday(parts[2])
                times = [
                    InlineKeyboardButton(
                        t.strftime("%H:%M"),
                        callback_data=f"{PREFIX}t:{kind.value}:{weekday}:{t.strftime('%H%M')}",
                    )
                    for t in TIMES
                ]
                await query.answer()
                await query.edit_message_text(
                    context.t(
                        "schedule-choose-time",
                        what=context.t(f"schedule-name-{kind.value}"),
                        day=_day(context, weekday),
                    ),
                    reply_markup=InlineKeyboardMarkup(button_grid(times, columns=4)),
                )
            case "t":
                weekday = _weekday(parts[2])
                at = time(int(parts[3][:2]), int(parts[3][2:]))
                if at not in TIMES:
                    raise ValueError(at)
                await set_schedule(context.session, kind, weekday, at, by=admin.telegram_id)
                audit.record(
                    context.session,
                    "schedule.changed",
                    actor=admin.telegram_id,
                    target=kind.value,
                    weekday=weekday,
                    at=at.strftime("%H:%M"),
                )
                await context.session.commit()
                if context.app.on_schedule_changed is not None:
                    context.app.on_schedule_changed(kind, weekday, at)
                await query.answer()
                text, keyboard = await _overview(context)
                await query.edit_message_text(
                    context.t("schedule-saved") + "\n\n" + text, reply_markup=keyboard
                )
            case _:
                raise ValueError(parts)
    except (ValueError, IndexError):
        await query.answer(context.t("stale-button"), show_alert=True)


def _weekday(raw: str) -> int:
    weekday = int(raw)
    if not 0 <= weekday <= 6:
        raise ValueError(raw)
    return weekday


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("schedule"), show_schedule),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
    ]
