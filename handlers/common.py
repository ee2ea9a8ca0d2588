"""Small pieces several handler modules share: the admins-only guard, role labels,
keyboard building, and answers to a question the bot asked as a reply."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import filters

from core.context import AppContext
from core.i18n import Raw, Translator
from models.agencies import Agency
from models.regions import Kecamatan
from models.users import Role

Handler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    """Runs `handler` for admins only; anyone else is told so (an alert on a button) and
    nothing else happens. Checked on every update: a button's data can be forged."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: AppContext) -> None:
        if context.user is not None and context.user.is_admin:
            await handler(update, context)
        elif update.callback_query is not None:
            await update.callback_query.answer(
                context.t("access-admin-only-alert"), show_alert=True
            )
        elif update.effective_message is not None:
            await update.effective_message.reply_text(context.t("access-admin-only"))

    return guarded


def scope_label(
    translator: Translator,
    lang: str,
    role: Role,
    agency: Agency | None,
    kecamatan: Kecamatan | None,
) -> Raw:
    """'Petugas lapangan — Bappeda', 'Koordinator kecamatan — Kecamatan Taman', ..."""
    role_text = translator(lang, f"role-{role.value}")
    if role is Role.STAFF and agency is not None:
        return translator(lang, "scope-agency", role=role_text, agency=agency.label)
    if role is Role.KECAMATAN_COORDINATOR and kecamatan is not None:
        return translator(lang, "scope-kecamatan", role=role_text, kecamatan=kecamatan.name)
    if role is Role.REGENCY_COORDINATOR:
        return translator(lang, "scope-regency", role=role_text)
    return role_text


def button_grid(
    buttons: Sequence[InlineKeyboardButton], columns: int = 2
) -> list[list[InlineKeyboardButton]]:
    """Lays buttons out in rows; Telegram shows at most 8 per row, phones fit about 2."""
    return [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def page_nav(
    context: AppContext, page: int, pages: int, data: Callable[[int], str]
) -> list[InlineKeyboardButton]:
    """The "◀️ previous / next ▶️" row of a paged list (empty when there is one page).

    `page` counts from 0 and must already be one of the `pages` (callers either refuse or
    clamp a page out of range: that choice differs between them, this row does not);
    `data(n)` is the whole callback data of the button that shows page n."""
    row = []
    if page > 0:
        previous = data(page - 1)
        row.append(InlineKeyboardButton(context.t("button-previous"), callback_data=previous))
    if page < pages - 1:
        row.append(InlineKeyboardButton(context.t("button-next"), callback_data=data(page + 1)))
    return row


def keyboard(
    rows: list[list[InlineKeyboardButton]], *footer: InlineKeyboardButton
) -> InlineKeyboardMarkup:
    if footer:
        rows = [*rows, list(footer)]
    return InlineKeyboardMarkup(rows)


class RepliesTo(filters.MessageFilter):
    """A reply to a question of the bot's whose text matches `asked` (e.g. "🗓 #12 ...").

    Typed answers in the stateless admin flows travel this way: the question names what it
    asks about, so nothing waits in memory or in a table and a restart loses nothing."""

    def __init__(self, asked: re.Pattern[str]) -> None:
        super().__init__()
        self.asked = asked

    def filter(self, message: Message) -> bool:
        question = message.reply_to_message
        return bool(
            question is not None
            and question.from_user is not None
            and question.from_user.is_bot
            and question.text is not None
            and self.asked.match(question.text)
        )


_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
MAX_DATE_TEXT = 40


def parse_date(text: str) -> date | None:
    """ "31-12-2026", "31/12/2026", "31.12.2026" or "2026-12-31"; None if none of those."""
    cleaned = text.strip()
    if len(cleaned) > MAX_DATE_TEXT:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None
