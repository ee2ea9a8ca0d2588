"""/impor (/import): admins import a CSV or XLSX file by sending it to the bot.

Two steps: the file arrives (any CSV/XLSX document from an admin), then its kind is picked
with a button. Between them the file's Telegram id is kept in the database, as an audit
entry (models/audit.FILE_RECEIVED), whose id the buttons carry; each press is checked
again (admin, the entry is theirs, not imported yet). The import itself is the CLI's
(services/imports.import_file): every bad line is listed and nothing is written, or the
whole file is imported.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from core.context import AppContext
from handlers.common import admin_only, button_grid
from models import audit
from services.commands import aliases
from services.imports import ImportError_, ImportKind, ImportRejected, ImportResult, import_file

PREFIX = "imp:"
KINDS: tuple[ImportKind, ...] = ("regions", "agencies", "assignments", "activities")
SUFFIXES = (".csv", ".xlsx")
# A regency's regions, agencies or catalogue are a few hundred rows: far below this.
MAX_MB = 5
# The problems listed in the answer; the rest are counted (a message holds 4096 characters).
SHOWN_ERRORS = 20
DOCUMENT = filters.Document.FileExtension("csv") | filters.Document.FileExtension("xlsx")


@admin_only
async def show_instructions(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.t("import-send-file"))


@admin_only
async def on_document(update: Update, context: AppContext) -> None:
    """Keeps the file's id and asks what it holds."""
    message = update.effective_message
    assert message is not None and message.document is not None
    admin = context.user
    assert admin is not None
    document = message.document
    if (document.file_size or 0) > MAX_MB * 1024 * 1024:
        await message.reply_text(context.t("import-too-big", max=MAX_MB))
        return
    name = (document.file_name or "file")[:150]
    entry = audit.record(
        context.session,
        audit.FILE_RECEIVED,
        actor=admin.telegram_id,
        target=name,
        file_id=document.file_id,
        file_unique_id=document.file_unique_id,
    )
    await context.session.commit()
    buttons = [
        InlineKeyboardButton(
            context.t(f"import-kind-{kind}"), callback_data=f"{PREFIX}{entry.id}:{kind}"
        )
        for kind in KINDS
    ]
    await message.reply_text(
        context.t("import-choose-kind", file=name),
        reply_markup=InlineKeyboardMarkup(button_grid(buttons)),
    )


@admin_only
async def on_kind(update: Update, context: AppContext) -> None:
    """Downloads the file and imports it as the chosen kind."""
    query = update.callback_query
    assert query is not None and query.data is not None
    admin = context.user
    assert admin is not None
    try:
        raw_id, kind = query.data.removeprefix(PREFIX).split(":")
        if kind not in KINDS:
            raise ValueError(kind)
        entry = await audit.received_file(context.session, int(raw_id), admin.telegram_id)
        if entry is None:
            raise ValueError(raw_id)
    except ValueError:
        await query.answer(context.t("stale-button"), show_alert=True)
        return
    if await audit.file_imported(context.session, entry.id):
        await query.answer(context.t("import-used"), show_alert=True)
        return
    await query.answer()
    # Read before the import: a rejected import rolls the session back, expiring the rows.
    entry_id, actor = entry.id, admin.telegram_id
    name = entry.target or "file"
    kind_name = context.t(f"import-kind-{kind}")
    telegram_file = await context.bot.get_file(str(entry.details["file_id"]))
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in SUFFIXES else ".csv"
    with tempfile.TemporaryDirectory(prefix="dampingan-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        await telegram_file.download_to_drive(path)
        try:
            source = audit.imported_file(entry_id, name)
            result = await import_file(context.session, kind, path, actor=actor, source=source)
        except ImportRejected as rejected:
            await context.session.rollback()
            # The rollback expired the user row, which the translations read the language from.
            await context.session.refresh(admin)
            audit.record(
                context.session,
                audit.IMPORT_REJECTED,
                actor=actor,
                target=audit.imported_file(entry_id, name),
                kind=kind,
                problems=len(rejected.result.errors),
            )
            await context.session.commit()
            text = _rejection(context, rejected.result, name, kind_name)
            await query.edit_message_text(text)
            return
    await context.session.commit()
    lines = [
        str(
            context.t(
                "import-done-line",
                entity=entity,
                created=counts.created,
                updated=counts.updated,
                unchanged=counts.unchanged,
            )
        )
        for entity, counts in result.counts.items()
    ]
    header = context.t("import-done", file=name, kind=kind_name)
    await query.edit_message_text("\n".join([str(header), *lines]))


def _error(context: AppContext, error: ImportError_) -> str:
    message = str(context.t(f"import-error-{error.code.value}", **dict(error.params)))
    if error.line is None:
        return message
    return str(context.t("import-error-line", line=error.line, message=message))


def _rejection(context: AppContext, result: ImportResult, name: str, kind_name: str) -> str:
    errors = result.errors
    lines = [str(context.t("import-rejected", file=name, kind=kind_name, count=len(errors)))]
    lines += [f"• {_error(context, e)}" for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(str(context.t("import-rejected-more", count=len(errors) - SHOWN_ERRORS)))
    return "\n".join(lines)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("import"), show_instructions),
        MessageHandler(DOCUMENT, on_document),
        CallbackQueryHandler(on_kind, pattern=f"^{PREFIX}"),
    ]
