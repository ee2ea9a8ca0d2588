"""/jeda (/pause): staff pause their own reminders for a number of days (leave, illness)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from core.i18n import long_date
from handlers.common import button_grid
from models.users import Role
from services.commands import aliases

PREFIX = "pause:"
CHOICES = (3, 7, 14, 30)


def _keyboard(context: AppContext) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(context.t("pause-days", days=days), callback_data=f"{PREFIX}{days}")
        for days in CHOICES
    ]
    rows = button_grid(buttons)
    rows.append([InlineKeyboardButton(context.t("pause-resume"), callback_data=f"{PREFIX}0")])
    return InlineKeyboardMarkup(rows)


def _status(context: AppContext) -> str:
    user = context.user
    assert user is not None
    today = context.today()
    until = user.reminders_paused_until
    if until is not None and until >= today:
        return context.t("pause-status-paused", until=long_date(until, context.lang))
    return context.t("pause-status-active")


async def ask_pause(update: Update, context: AppContext) -> None:
    """Shows whether reminders are paused and offers durations."""
    user = context.user
    assert user is not None
    if user.role is not Role.STAFF:
        await _answer(update, context.t("pause-staff-only"))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        context.t("pause-choose", status=_status(context)), reply_markup=_keyboard(context)
    )


async def set_pause(update: Update, context: AppContext) -> None:
    """Stores the pause (0 = reminders on again)."""
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None and user is not None
    try:
        days = int(query.data.removeprefix(PREFIX))
    except ValueError:
        days = -1
    if user.role is not Role.STAFF or (days != 0 and days not in CHOICES):
        await query.answer(context.t("stale-button"), show_alert=True)
        return
    today = context.today()
    user.reminders_paused_until = today + timedelta(days=days - 1) if days else None
    await context.session.commit()
    await query.answer()
    await query.edit_message_text(_status(context))


async def _answer(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("pause"), ask_pause),
        CallbackQueryHandler(ask_pause, pattern=f"^{PREFIX}menu$"),
        CallbackQueryHandler(set_pause, pattern=f"^{PREFIX}"),
    ]
