"""The gate every update passes first: who is this, and may they use the bot?"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from core.context import AppContext, current_scope
from core.i18n import pick_language
from models import audit
from models.users import Role, User, get_user
from services.commands import sync_user_menu

_LOG = logging.getLogger(__name__)


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

    user = await get_user(context.session, tg_user.id)
    if user is None and tg_user.id in context.settings.admin_ids:
        user = await _bootstrap_admin(update, context, scope.language)
    if user is not None and user.active:
        scope.user = user
        return
    if user is None and _is_start_with_payload(update):
        return  # an invitation link: registration takes it from here

    key = "access-deactivated" if user is not None else "access-not-registered"
    if update.callback_query is not None:
        await update.callback_query.answer(
            context.t("access-not-registered-short"), show_alert=True
        )
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
