"""What happens when a handler fails: log it, and tell the person their data is safe."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from core.context import AppContext
from core.i18n import pick_language

_LOG = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    """Logs the failure and apologises to the person whose update caused it."""
    _LOG.error("update %r failed", update, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        text = context.t("error-generic")
    except RuntimeError:
        # The failure came before the update's scope opened (e.g. no database connection):
        # answer in the language of the person's Telegram app.
        user = update.effective_user
        lang = pick_language(user.language_code if user else None, context.settings.language)
        text = context.app.translator(lang, "error-generic")
    try:
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        _LOG.warning("could not tell chat %s about the error", update.effective_chat.id)
