"""/start: joining through an invitation link, or a welcome back for registered people."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from core.context import AppContext, current_scope
from handlers.help import role_help
from models import audit
from models.users import User, claim_invitation, find_invitation
from services.commands import sync_user_menu

_LOG = logging.getLogger(__name__)
# Deep-link payloads are at most 64 characters of A-Z, a-z, 0-9, _ and -.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def start(update: Update, context: AppContext) -> None:
    """Registers a person from an invitation token, or greets someone already registered."""
    message = update.effective_message
    tg_user = update.effective_user
    assert message is not None and tg_user is not None
    token = context.args[0] if context.args else None

    if context.user is not None:
        if token:
            await message.reply_text(context.t("start-already-registered"))
        await message.reply_text(role_help(context, context.user, welcome=False))
        return

    # Only unregistered people with a payload get here (the gate sees to that).
    if token is None or not _TOKEN.match(token):
        await message.reply_text(context.t("invite-problem-unknown"))
        return
    invitation, problem = await find_invitation(context.session, token)
    if problem is not None or invitation is None:
        await message.reply_text(context.t(f"invite-problem-{problem}"))
        return

    user = User(
        telegram_id=tg_user.id,
        full_name=tg_user.full_name,
        username=tg_user.username,
        role=invitation.role,
        agency_id=invitation.agency_id,
        kecamatan_id=invitation.kecamatan_id,
        language=current_scope().language or context.settings.language,
    )
    context.session.add(user)
    if not await claim_invitation(context.session, invitation, user):
        await context.session.rollback()
        await message.reply_text(context.t("invite-problem-used"))
        return
    audit.record(
        context.session,
        "invitation.redeemed",
        actor=tg_user.id,
        target=f"invitation:{invitation.id}",
        role=invitation.role.value,
        invited_by=invitation.created_by_telegram_id,
    )
    await context.session.commit()
    await context.session.refresh(user, ["agency", "kecamatan"])
    current_scope().user = user
    _LOG.info("user %s registered as %s", tg_user.id, user.role.value)

    await message.reply_text(role_help(context, user, welcome=True))
    await sync_user_menu(context.bot, context.app.translator, user)
    await context.session.commit()


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CommandHandler("start", start)]
