"""/ekspor (/export): the reports of a period as XLSX, CSV, GeoJSON or photo ZIPs.

Admins and regency coordinators export the whole regency or one kecamatan; kecamatan
coordinators only their own kecamatan. The choices travel in the buttons' data
(`ex:p:<period>`, `ex:k:<period>:<kecamatan id, 0 for all>`,
`ex:f:<period>:<kecamatan>:<format>`), so nothing is held between taps and a restart loses
nothing; every tap is checked again against the person's role and scope, as a forged button
could claim anything. Agency, strategy and review-status filters are on the command line
only (`dampingan export`).

The files are written in a worker thread: the bot keeps answering other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import shutil
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from core.i18n import short_date
from models import audit
from models.exports import ExportFilter
from models.regions import Kecamatan
from models.users import Role, User
from services.commands import aliases
from services.exports import PART_LIMIT, ExportFormat, load_export, render, write_photo_zips

_LOG = logging.getLogger(__name__)

PREFIX = "ex:"
PERIODS = ("this_month", "last_month", "this_year")
ALLOWED = (Role.KECAMATAN_COORDINATOR, Role.REGENCY_COORDINATOR, Role.ADMIN)
_SUFFIX = {
    ExportFormat.XLSX: "xlsx",
    ExportFormat.CSV: "csv",
    ExportFormat.GEOJSON: "geojson",
}
# How often the photo ZIP's progress message is edited (seconds).
PROGRESS_EVERY = 1.0


def period_for(choice: str, today: date) -> tuple[date, date]:
    if choice == "this_month":
        start = today.replace(day=1)
    elif choice == "last_month":
        start = (today.replace(day=1) - date.resolution).replace(day=1)
    elif choice == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    else:
        raise ValueError(choice)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _limited(user: User) -> bool:
    """Whether the person may export only their own kecamatan."""
    return user.role is Role.KECAMATAN_COORDINATOR


async def ask_period(update: Update, context: AppContext) -> None:
    message = update.effective_message
    user = context.user
    assert message is not None and user is not None
    if user.role not in ALLOWED:
        await message.reply_text(context.t("export-not-allowed"))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context.t(f"export-period-{p}"), callback_data=f"{PREFIX}p:{p}")]
            for p in PERIODS
        ]
    )
    await message.reply_text(context.t("export-choose-period"), reply_markup=keyboard)


def _format_keyboard(context: AppContext, period: str, kecamatan: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.t(f"export-format-{fmt.value}"),
                    callback_data=f"{PREFIX}f:{period}:{kecamatan}:{fmt.value}",
                )
            ]
            for fmt in ExportFormat
        ]
    )


async def on_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None and user is not None
    if user.role not in ALLOWED:
        await query.answer(context.t("export-not-allowed"), show_alert=True)
        return
    parsed = _parse(query.data)
    if parsed is None:
        await query.answer(context.t("stale-button"), show_alert=True)
        return
    step, period, kecamatan, fmt = parsed
    if step == "p":
        await _choose_kecamatan(update, context, user, period)
        return
    assert kecamatan is not None
    if not await _in_scope(update, context, user, kecamatan):
        return
    if fmt is None:
        await query.answer()
        await query.edit_message_text(
            context.t("export-choose-format"),
            reply_markup=_format_keyboard(context, period, kecamatan),
        )
        return
    await _export(update, context, user, period, kecamatan, fmt)


def _parse(data: str) -> tuple[str, str, int | None, ExportFormat | None] | None:
    """(step, period, kecamatan, format) from a button's data; None if it is not one of
    ours (stale or forged)."""
    step, *args = data.removeprefix(PREFIX).split(":")
    expected = {"p": 1, "k": 2, "f": 3}.get(step)
    if expected is None or len(args) != expected or args[0] not in PERIODS:
        return None
    try:
        kecamatan = int(args[1]) if expected > 1 else None
        fmt = ExportFormat(args[2]) if expected > 2 else None
    except ValueError:
        return None
    if kecamatan is not None and kecamatan < 0:
        return None
    return step, args[0], kecamatan, fmt


async def _choose_kecamatan(update: Update, context: AppContext, user: User, period: str) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if _limited(user):
        # Their own kecamatan, without asking.
        await query.edit_message_text(
            context.t("export-choose-format"),
            reply_markup=_format_keyboard(context, period, user.kecamatan_id or 0),
        )
        return
    rows = (
        await context.session.execute(
            select(Kecamatan.id, Kecamatan.name).order_by(Kecamatan.name)
        )
    ).all()
    buttons = [
        InlineKeyboardButton(name, callback_data=f"{PREFIX}k:{period}:{kecamatan_id}")
        for kecamatan_id, name in rows
    ]
    keyboard = [
        [
            InlineKeyboardButton(
                context.t("export-all-kecamatan"), callback_data=f"{PREFIX}k:{period}:0"
            )
        ],
        *(buttons[i : i + 2] for i in range(0, len(buttons), 2)),
    ]
    await query.edit_message_text(
        context.t("export-choose-kecamatan"), reply_markup=InlineKeyboardMarkup(keyboard)
    )


async def _in_scope(update: Update, context: AppContext, user: User, kecamatan: int) -> bool:
    """Whether the person may export `kecamatan` (0: the whole regency); refuses if not."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if _limited(user):
        allowed = user.kecamatan_id is not None and kecamatan == user.kecamatan_id
    else:
        allowed = kecamatan == 0 or await context.session.get(Kecamatan, kecamatan) is not None
    if not allowed:
        _LOG.warning(
            "%s may not export kecamatan %s (%r)", user.telegram_id, kecamatan, query.data
        )
        await query.answer(context.t("export-out-of-scope"), show_alert=True)
    return allowed


async def _export(
    update: Update,
    context: AppContext,
    user: User,
    period: str,
    kecamatan: int,
    fmt: ExportFormat,
) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    start, end = period_for(period, context.today())
    filters = ExportFilter(start, end, kecamatan_id=kecamatan or None)
    lang = context.lang
    progress = await query.edit_message_text(context.t("export-preparing"))
    export = await load_export(context.session, filters, context.app.translator, lang)
    audit.record(
        context.session,
        "export",
        actor=user.telegram_id,
        target=fmt.value,
        start=start.isoformat(),
        end=end.isoformat(),
        kecamatan_id=kecamatan or None,
        rows=len(export.rows),
    )
    await context.session.commit()
    span = context.t("export-span", start=short_date(start, lang), end=short_date(end, lang))
    stem = f"laporan-{start.isoformat()}-{end.isoformat()}"
    if not export.rows:
        await _edit(progress, context.t("export-empty", period=span))
        return
    if fmt is not ExportFormat.PHOTOS:
        content = await asyncio.to_thread(
            render, export, fmt, made_at=context.now(), tz=context.settings.tz
        )
        await context.bot.send_document(
            user.telegram_id,
            document=content,
            filename=f"{stem}.{_SUFFIX[fmt]}",
            caption=context.t("export-caption", rows=len(export.rows), period=span),
        )
        await _edit(progress, context.t("export-done", period=span))
        return

    if not export.photos:
        await _edit(progress, context.t("export-no-photos", period=span))
        return
    done = [0, len(export.photos)]

    def tick(count: int, total: int) -> None:
        done[0], done[1] = count, total

    context.settings.exports_dir.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="photos-", dir=context.settings.exports_dir))
    try:
        task = asyncio.create_task(
            asyncio.to_thread(
                write_photo_zips,
                export.photos,
                open_photo=context.app.photo_store.path,
                directory=directory,
                stem=f"foto-{start.isoformat()}-{end.isoformat()}",
                limit=PART_LIMIT,
                progress=tick,
            )
        )
        shown = -1
        while not task.done():
            await asyncio.wait({task}, timeout=PROGRESS_EVERY)
            if not task.done() and done[0] != shown:
                shown = done[0]
                await _edit(
                    progress, context.t("export-photos-progress", done=shown, total=done[1])
                )
        zips = task.result()
        for number, part in enumerate(zips.parts, start=1):
            with part.open("rb") as handle:
                await context.bot.send_document(
                    user.telegram_id,
                    document=handle,
                    filename=part.name,
                    caption=context.t(
                        "export-photos-part", part=number, parts=len(zips.parts), period=span
                    ),
                )
        await _edit(
            progress,
            context.t(
                "export-photos-done",
                photos=zips.photos,
                parts=len(zips.parts),
                missing=len(zips.missing),
            ),
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _edit(message: Message | bool, text: str) -> None:
    """Edits the progress message; an unchanged text is not an error."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("export"), ask_period),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
    ]
