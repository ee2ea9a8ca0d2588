"""The gate every update passes first: who is this, and may they use the bot?

It also keeps one chat from crowding out the others. A chat with more than
`FLOOD_BACKLOG` updates waiting behind the current one is flooding the bot (a person waits
for each answer; an album is at most ten photos): it is told once every `SLOW_DOWN_EVERY`
seconds to slow down, and its updates are otherwise marked handled without an answer until
the backlog is gone. A flood drains at the speed of the database, not of Telegram's
sending limits, and uses none of the allowance everyone shares.
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from core.context import AppContext, current_scope
from core.i18n import pick_language
from models import audit
from models.reports import person_and_draft
from models.users import Role, User
from services.commands import sync_user_menu

_LOG = logging.getLogger(__name__)
FLOOD_BACKLOG = 15
SLOW_DOWN_EVERY = 30.0
_TOLD = "access.slow_down_told"


def _may_tell_to_slow_down(context: AppContext, chat_id: int) -> bool:
    """At most once per SLOW_DOWN_EVERY seconds per chat (process memory is enough: after a
    restart one more notice is harmless)."""
    told: dict[int, float] = context.app.bot_data.setdefault(_TOLD, {})
    now = time.monotonic()
    if now - told.get(chat_id, -SLOW_DOWN_EVERY) < SLOW_DOWN_EVERY:
        return False
    if len(told) > 10_000:
        told.clear()
    told[chat_id] = now
    return True


def _is_start_with_payload(update: Update) -> bool:
    message = update.message
    return bool(
        message
        and message.text
        and message.text.startswith("/start ")
        and len(message.text.split()) == 2
    )


async def gate(update: Update, context: AppContext) -> None:
    """Loads the registered person behind the update, or turns an unknown person away."""
    tg_user = update.effective_user
    chat = update.effective_chat
    # Dampingan works in private chats only; group noise is ignored silently.
    if tg_user is None or tg_user.is_bot or (chat is not None and chat.type != ChatType.PRIVATE):
        raise ApplicationHandlerStop
    scope = current_scope()
    scope.language = pick_language(tg_user.language_code, context.settings.language)
    if context.app.backlog(tg_user.id) > FLOOD_BACKLOG:
        if update.effective_message is not None and _may_tell_to_slow_down(context, tg_user.id):
            await update.effective_message.reply_text(context.t("access-slow-down"))
        raise ApplicationHandlerStop

    # The draft with the person: one statement for both (most updates answer the form).
    user, scope.draft = await person_and_draft(context.session, tg_user.id)
    if user is None and tg_user.id in context.settings.admin_ids:
        user = await _bootstrap_admin(update, context, scope.language)
    if user is not None and user.active:
        scope.user = user
        return
    if user is None and _is_start_with_payload(update):
        return  # an invitation link: registration takes it from here

    key = "access-deactivated" if user is not None else "access-not-registered"
    if update.callback_query is not None:
        # A deactivated person is told so on a button too, not that they never registered.
        short = "access-deactivated" if user is not None else "access-not-registered-short"
        await update.callback_query.answer(context.t(short), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t(key, name=tg_user.first_name))
    raise ApplicationHandlerStop


async def _bootstrap_admin(update: Update, context: AppContext, language: str) -> User:
    """Registers someone listed in DAMPINGAN_ADMIN_IDS as admin on their first message."""
    tg_user = update.effective_user
    assert tg_user is not None
    user = User(
        telegram_id=tg_user.id,
        full_name=tg_user.full_name,
        username=tg_user.username,
        role=Role.ADMIN,
        language=language,
    )
    context.session.add(user)
    audit.record(
        context.session, "user.admin_from_settings", actor=tg_user.id, target=str(tg_user.id)
    )
    await context.session.commit()
    _LOG.info("registered %s as admin from DAMPINGAN_ADMIN_IDS", tg_user.id)
    await sync_user_menu(context.bot, context.app.translator, user)
    await context.session.commit()
    return user


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [TypeHandler(Update, gate)]
