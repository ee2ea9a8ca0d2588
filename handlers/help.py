"""/bantuan (/help), /batal outside a form, and the answer to anything not understood."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from core.context import AppContext
from core.i18n import Raw
from handlers.common import scope_label
from models.users import User
from services.commands import ROLE_MENUS, aliases, command_name


def role_help(context: AppContext, user: User, *, welcome: bool) -> Raw:
    """What this person can do, in their language: the body of /start and /bantuan."""
    lang = user.language
    translator = context.app.translator
    lines = [
        translator(
            lang,
            "help-command-line",
            command=command_name(key, lang),
            description=translator(lang, f"command-{key}"),
        )
        for key in ROLE_MENUS[user.role]
    ]
    return translator(
        lang,
        "help-welcome" if welcome else "help-body",
        name=user.full_name,
        scope=scope_label(translator, lang, user.role, user.agency, user.kecamatan),
        role_intro=translator(lang, f"help-intro-{user.role.value}"),
        commands=Raw("\n".join(lines)),
    )


async def show_help(update: Update, context: AppContext) -> None:
    """Lists what the person can do with their role."""
    assert update.effective_message is not None and context.user is not None
    await update.effective_message.reply_text(role_help(context, context.user, welcome=False))


async def cancel_nothing(update: Update, context: AppContext) -> None:
    """Answers /batal when no form is open."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.t("nothing-to-cancel"))


async def not_understood(update: Update, context: AppContext) -> None:
    """Answers any message no feature took, pointing at /bantuan."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.t("not-understood"))


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("help"), show_help),
        CommandHandler(aliases("cancel"), cancel_nothing),
    ]


async def stale_button(update: Update, context: AppContext) -> None:
    """Answers a button no feature recognises (an old message, or forged data)."""
    assert update.callback_query is not None
    await update.callback_query.answer(context.t("stale-button"), show_alert=True)


def fallback_handlers() -> list[BaseHandler[Update, AppContext, None]]:
    """Registered last in the main group, so every feature gets its chance first."""
    return [
        CallbackQueryHandler(stale_button),
        MessageHandler(filters.ALL, not_understood),
    ]
