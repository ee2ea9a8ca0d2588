"""/ringkasan (/summary): a coordinator's digest on demand, for this week, last week or
this month. Kecamatan coordinators see their kecamatan; regency coordinators and admins
the whole regency."""

from __future__ import annotations

import calendar
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from models.digests import Period, week_of
from models.users import Role
from services.commands import aliases
from services.delivery import send_part
from services.digests import build_parts, last_full_week, scope_of

PREFIX = "sum:"
PERIODS = ("this_week", "last_week", "this_month")
ALLOWED = (Role.KECAMATAN_COORDINATOR, Role.REGENCY_COORDINATOR, Role.ADMIN)


def period_for(choice: str, today: date) -> Period:
    if choice == "this_week":
        return week_of(today)
    if choice == "last_week":
        return last_full_week(today)
    if choice == "this_month":
        last_day = calendar.monthrange(today.year, today.month)[1]
        return Period(today.replace(day=1), today.replace(day=last_day))
    raise ValueError(choice)


async def ask_period(update: Update, context: AppContext) -> None:
    """Offers the periods."""
    message = update.effective_message
    user = context.user
    assert message is not None and user is not None
    if user.role not in ALLOWED:
        await message.reply_text(context.t("summary-not-allowed"))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.t(f"summary-{p.replace('_', '-')}"), callback_data=f"{PREFIX}{p}"
                )
            ]
            for p in PERIODS
        ]
    )
    await message.reply_text(context.t("summary-choose"), reply_markup=keyboard)


async def send_summary(update: Update, context: AppContext) -> None:
    """Builds the digest for the chosen period and sends it to this chat."""
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None and user is not None
    choice = query.data.removeprefix(PREFIX)
    if user.role not in ALLOWED or choice not in PERIODS:
        await query.answer(context.t("stale-button"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(context.t("summary-preparing"))
    today = context.today()
    parts = await build_parts(
        context.app,
        context.session,
        kecamatan_id=scope_of(user),
        period=period_for(choice, today),
        today=today,
        lang=context.lang,
    )
    for part in parts:
        await send_part(context.bot, user.telegram_id, part)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("summary"), ask_period),
        CallbackQueryHandler(send_summary, pattern=f"^{PREFIX}"),
    ]
