"""/audit: admins read the audit log (admin and review actions), a page at a time.

Like /jadwal, every button carries its whole state ("aud:p:<page>:<actor or ->"), so
nothing is kept between presses and each press is checked again (admin, well-formed).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from handlers.common import admin_only, button_grid
from models import audit
from services.commands import aliases

PREFIX = "aud:"
PAGE_SIZE = 10
# Far more pages than a year of actions fills: a larger number is a forged button.
MAX_PAGE = 10_000
ALL = "-"


def _name(names: dict[int, str], actor: int | None, context: AppContext) -> str:
    if actor is None:
        return str(context.t("audit-actor-system"))
    name = names.get(actor)
    return f"{name} ({actor})" if name else str(actor)


def _lines(
    entries: Sequence[audit.AuditEntry], names: dict[int, str], context: AppContext
) -> list[str]:
    tz = context.settings.tz
    return [
        str(
            context.t(
                "audit-line",
                when=entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                actor=_name(names, entry.actor_telegram_id, context),
                action=entry.action,
                target=entry.target or "-",
                details=audit.describe(entry.details) or "-",
            )
        )
        for entry in entries
    ]


async def _page(
    context: AppContext, number: int, actor: int | None
) -> tuple[str, InlineKeyboardMarkup]:
    entries, older = await audit.page(
        context.session, offset=number * PAGE_SIZE, limit=PAGE_SIZE, actor=actor
    )
    actors = {e.actor_telegram_id for e in entries if e.actor_telegram_id is not None}
    if actor is not None:
        actors.add(actor)
    names = await audit.actor_names(context.session, actors)
    who = _name(names, actor, context) if actor is not None else str(context.t("audit-everyone"))
    header = context.t("audit-header", page=number + 1, who=who)
    body = "\n\n".join(_lines(entries, names, context)) or str(context.t("audit-empty"))
    key = str(actor) if actor is not None else ALL
    nav = []
    if number > 0:
        nav.append(
            InlineKeyboardButton(
                context.t("audit-newer"), callback_data=f"{PREFIX}p:{number - 1}:{key}"
            )
        )
    if older:
        nav.append(
            InlineKeyboardButton(
                context.t("audit-older"), callback_data=f"{PREFIX}p:{number + 1}:{key}"
            )
        )
    rows = [nav] if nav else []
    filters = [InlineKeyboardButton(context.t("audit-filter"), callback_data=f"{PREFIX}w")]
    if actor is not None:
        filters.append(
            InlineKeyboardButton(context.t("audit-everyone"), callback_data=f"{PREFIX}p:0:{ALL}")
        )
    rows.append(filters)
    return f"{header}\n\n{body}", InlineKeyboardMarkup(rows)


@admin_only
async def show_audit(update: Update, context: AppContext) -> None:
    """The newest page of the audit log, everyone's actions."""
    message = update.effective_message
    assert message is not None
    text, keyboard = await _page(context, 0, None)
    await message.reply_text(text, reply_markup=keyboard)


@admin_only
async def on_button(update: Update, context: AppContext) -> None:
    """Pages, the list of recent actors, and the filter by one of them."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.removeprefix(PREFIX).split(":")
    try:
        match parts:
            case ["p", raw_page, raw_actor]:
                number = int(raw_page)
                if not 0 <= number <= MAX_PAGE:
                    raise ValueError(raw_page)
                actor = None if raw_actor == ALL else int(raw_actor)
                text, keyboard = await _page(context, number, actor)
            case ["w"]:
                actors = await audit.recent_actors(context.session)
                names = await audit.actor_names(context.session, actors)
                buttons = [
                    InlineKeyboardButton(
                        _name(names, a, context)[:60], callback_data=f"{PREFIX}p:0:{a}"
                    )
                    for a in actors
                ]
                buttons.append(
                    InlineKeyboardButton(
                        context.t("audit-everyone"), callback_data=f"{PREFIX}p:0:{ALL}"
                    )
                )
                text = str(context.t("audit-choose-actor"))
                keyboard = InlineKeyboardMarkup(button_grid(buttons, columns=1))
            case _:
                raise ValueError(parts)
    except ValueError:
        await query.answer(context.t("stale-button"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("audit"), show_audit),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
    ]
