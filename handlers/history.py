"""/riwayat (/history): a person's recent reports, and any one of them in full with photos."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from core.i18n import Raw, short_date
from handlers.report.views import activity_name, summary_text
from models.activities import activity_names
from models.reports import get_submitted, submitted_by
from services.commands import aliases

PREFIX = "rh:"
SHOWN = 10


async def _catalogue(context: AppContext) -> dict[str, str]:
    return await activity_names(context.session, context.lang)


async def show_history(update: Update, context: AppContext) -> None:
    """Lists the person's last reports, each with a button for its details."""
    message = update.effective_message
    user = context.user
    assert message is not None and user is not None
    reports = await submitted_by(context.session, user.id, limit=SHOWN)
    if not reports:
        await message.reply_text(context.t("history-empty"))
        return
    catalogue = await _catalogue(context)
    lines = []
    for report in reports:
        strategies = ", ".join(
            context.t(f"strategy-short-{a.strategy}") for a in report.activities if a.strategy
        )
        lines.append(
            context.t(
                "history-line",
                reference=report.reference or "",
                date=short_date(report.visit_date, context.lang) if report.visit_date else "—",
                village=report.village.name if report.village else "—",
                strategies=strategies,
                activities=", ".join(
                    activity_name(context, a, catalogue) for a in report.activities
                ),
                photos=report.photo_count,
            )
        )
    buttons = [
        [InlineKeyboardButton(r.reference or "?", callback_data=f"{PREFIX}{r.id}")]
        for r in reports
    ]
    await message.reply_text(
        context.t("history-list", count=len(reports), lines=Raw("\n".join(lines))),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def show_report(update: Update, context: AppContext) -> None:
    """Sends one report in full, followed by its photos as albums."""
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None and user is not None
    try:
        report_id = int(query.data.removeprefix(PREFIX))
    except ValueError:
        report_id = -1
    report = await get_submitted(context.session, report_id)
    # Only the author's own reports: callback data can be forged.
    if report is None or report.user_id != user.id:
        await query.answer(context.t("stale-button"), show_alert=True)
        return
    await query.answer()
    chat_id = user.telegram_id
    await context.bot.send_message(
        chat_id,
        summary_text(
            context, report, catalogue=await _catalogue(context), header_key="history-report"
        ),
    )
    store = context.app.photo_store
    for index, activity in enumerate(report.activities):
        paths = [store.path(p.archive_path) for p in activity.photos]
        photos = await asyncio.to_thread(_read_all, paths)
        caption = context.t(
            "history-photos-caption", reference=report.reference or "", n=index + 1
        )
        # Albums hold 2-10 items; a single photo goes on its own.
        if len(photos) == 1:
            await context.bot.send_photo(chat_id, photos[0], caption=caption)
        elif photos:
            media = [
                InputMediaPhoto(data, caption=caption if i == 0 else None)
                for i, data in enumerate(photos)
            ]
            await context.bot.send_media_group(chat_id, media)


def _read_all(paths: list[Path]) -> list[bytes]:
    return [path.read_bytes() for path in paths]


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("history"), show_history),
        CallbackQueryHandler(show_report, pattern=f"^{PREFIX}"),
    ]
