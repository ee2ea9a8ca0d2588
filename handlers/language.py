"""/bahasa (/language): the person chooses Indonesian or English."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from core.settings import SUPPORTED_LANGUAGES
from services.commands import aliases, sync_user_menu

PREFIX = "lang:"


async def ask_language(update: Update, context: AppContext) -> None:
    """Offers the supported languages as buttons."""
    assert update.effective_message is not None
    buttons = [
        InlineKeyboardButton(
            context.app.translator(lang, "language-name"), callback_data=f"{PREFIX}{lang}"
        )
        for lang in SUPPORTED_LANGUAGES
    ]
    await update.effective_message.reply_text(
        context.t("language-choose"), reply_markup=InlineKeyboardMarkup([buttons])
    )


async def set_language(update: Update, context: AppContext) -> None:
    """Stores the chosen language, confirms in it and updates the command menu."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.user is not None
    lang = query.data.removeprefix(PREFIX)
    if lang not in SUPPORTED_LANGUAGES:
        await query.answer(context.t("stale-button"), show_alert=True)
        return
    user = context.user
    user.language = lang
    await context.session.commit()
    await query.answer()
    await query.edit_message_text(context.t("language-changed"))
    await sync_user_menu(context.bot, context.app.translator, user)
    await context.session.commit()


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("language"), ask_language),
        CallbackQueryHandler(set_language, pattern=f"^{PREFIX}"),
    ]
