"""/riwayat (/history): a person's recent reports with their version and review status, and
any one of them in full: every version sent (what each changed), its photos, and the button
that opens a correction while one is allowed (models/reports.py `correctable`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from core.i18n import Raw, date_time, short_date
from handlers.report.views import activity_name, correction_button, summary_text
from models.activities import activity_names
from models.reports import (
    Report,
    ReviewStatus,
    correctable,
    get_submitted,
    latest_review,
    submitted_by,
    versions_of,
    village_names,
)
from services.commands import aliases
from services.versions import describe

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
        line = context.t(
            "history-line",
            reference=report.reference or "",
            date=short_date(report.visit_date, context.lang) if report.visit_date else "—",
            village=report.village.name if report.village else "—",
            strategies=strategies,
            activities=", ".join(activity_name(context, a, catalogue) for a in report.activities),
            photos=report.photo_count,
        )
        lines.append(Raw(f"{line} · {_standing(context, report)}"))
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
    await _send_versions(context, report)
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


def _standing(context: AppContext, report: Report) -> Raw:
    """The version and where the report stands with the coordinators ("v2 · ⏳ ...")."""
    status = report.review_status or ReviewStatus.SUBMITTED
    return context.t(
        "history-version-status",
        version=report.version,
        status=context.t(f"history-review-{status.value.replace('_', '-')}"),
    )


async def _send_versions(context: AppContext, report: Report) -> None:
    """Every version with its sending time and, from the second on, what it changed; the
    coordinator's comment when the report was sent back; the correction button if allowed."""
    user = context.user
    assert user is not None
    versions = await versions_of(context.session, report.id)
    names = await village_names(context.session, *(v.content for v in versions))
    lines = []
    for previous, version in zip([None, *versions], versions, strict=False):
        sent = date_time(version.submitted_at, context.lang, context.settings.tz)
        if previous is None:
            lines.append(context.t("history-version-first", version=version.version, sent=sent))
        else:
            changes = describe(context.t, previous.content, version.content, village_names=names)
            lines.append(
                context.t(
                    "history-version-next", version=version.version, sent=sent, changes=changes
                )
            )
    comment = ""
    if report.review_status is ReviewStatus.NEEDS_CORRECTION:
        review = await latest_review(context.session, report)
        if review is not None and review.comment:
            comment = context.t("history-review-comment", comment=review.comment)
    can_correct = report.user_id == user.id and correctable(report, context.now())
    await context.bot.send_message(
        user.telegram_id,
        context.t(
            "history-versions",
            reference=report.reference or "",
            standing=_standing(context, report),
            versions=Raw("\n".join(lines)),
            comment=Raw(comment),
            correctable="yes" if can_correct else "no",
        ),
        reply_markup=InlineKeyboardMarkup([[correction_button(context, report.id)]])
        if can_correct
        else None,
    )


def _read_all(paths: list[Path]) -> list[bytes]:
    return [path.read_bytes() for path in paths]


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("history"), show_history),
        CallbackQueryHandler(show_report, pattern=f"^{PREFIX}"),
    ]
