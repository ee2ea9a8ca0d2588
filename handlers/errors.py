"""What happens when a handler fails: log it, and tell the person what it means for them.

The log names the update (id, chat, kind), never its content: descriptions, names and
invitation tokens stay out of the log files.
"""

from __future__ import annotations

import logging

from sqlalchemy import inspect
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from core.context import AppContext, UpdateAlreadyHandled, current_scope, database_unavailable
from core.i18n import pick_language
from core.ratelimit import ChatFlooded

_LOG = logging.getLogger(__name__)


def describe(update: object) -> str:
    """'update 123 (chat 456, message)': enough to find it, nothing a person wrote."""
    if not isinstance(update, Update):
        return type(update).__name__
    kinds = ("message", "callback_query", "edited_message")
    kind = next((name for name in kinds if getattr(update, name)), "other")
    chat = update.effective_chat.id if update.effective_chat else None
    return f"update {update.update_id} (chat {chat}, {kind})"


async def on_error(update: object, context: AppContext) -> None:
    """Logs the failure and tells the person whose update caused it. No later handler group
    then sees the update: after the gate failed (the database away), the features below
    would take the person for unknown and answer "not understood"."""
    await _report(update, context)
    if isinstance(update, Update):
        raise ApplicationHandlerStop


async def _report(update: object, context: AppContext) -> None:
    error = context.error
    if isinstance(error, UpdateAlreadyHandled):
        _LOG.info("%s was handled before; nothing written again", describe(update))
        return
    if isinstance(error, ChatFlooded):
        _LOG.info("%s not answered: its chat is flooding the bot", describe(update))
        return
    if error is not None and database_unavailable(error):
        await _database_unavailable(update, context, error)
        return
    _LOG.error("%s failed: %r", describe(update), error, exc_info=error)
    await _tell(update, context, "error-generic")


async def _database_unavailable(update: object, context: AppContext, error: Exception) -> None:
    """The update stays in the inbox and is tried again (core/context.py); the person is
    told once that it will be handled, so they need not send it again."""
    _LOG.warning("%s: database unavailable (%s)", describe(update), type(error).__name__)
    try:
        scope = current_scope()
    except RuntimeError:
        return  # outside any update or job run: nothing to try again
    scope.database_unavailable = True
    # Told at the second failure, not the first: the first try again comes half a second
    # later, and a single failure is usually a pooled connection that died while idle (a
    # server restarted; there is no ping before each use, see models/db.py), which that
    # try mends without the person having seen a warning.
    if isinstance(update, Update) and scope.attempt == 1:
        await _tell(update, context, "error-database-wait")


async def _tell(update: object, context: AppContext, key: str) -> None:
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = context.app.translator(_language(update, context), key)
    try:
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        _LOG.warning("could not tell chat %s about the error", update.effective_chat.id)


def _language(update: Update, context: AppContext) -> str:
    """The person's language, without touching the database (which may be what failed:
    a failed commit leaves the loaded person expired); else their Telegram app's."""
    try:
        scope = current_scope()
    except RuntimeError:  # the failure came before the update's scope opened
        scope = None
    if scope is not None and scope.user is not None:
        loaded = inspect(scope.user).dict.get("language")
        if isinstance(loaded, str):
            return loaded
    if scope is not None and scope.language:
        return scope.language
    user = update.effective_user
    return pick_language(user.language_code if user else None, context.settings.language)
