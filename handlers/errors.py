"""What happens when a handler fails: log it, and tell the person their data is safe."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import AppContext

_LOG = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    """Logs the failure and apologises to the person whose update caused it."""
    _LOG.error("update %r failed", update, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await context.bot.send_message(update.effective_chat.id, context.t("error-generic"))
    except (TelegramError, RuntimeError):
        # The chat may be unreachable or we may be outside an update scope; the log has it.
        _LOG.warning("could not tell chat %s about the error", update.effective_chat.id)
