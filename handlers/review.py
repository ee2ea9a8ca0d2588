"""/tinjau (/review): coordinators review sent reports, one card at a time.

Kecamatan coordinators review the reports of their kecamatan's villages; regency
coordinators and admins review everything. Staff and strangers are refused. The queue is
every report waiting for review (sent, or sent again after a correction), oldest first.

Every button carries the report's id and version ("rv:v:42:2"); each press is checked again
on the server: the scope (forged data is refused and logged) and the version (a card whose
report changed meanwhile is refused). "Needs correction" asks for a comment; that step is a
`StoredConversation` whose state lives in the audit log (models/reviews.py), so it
survives a restart:

```mermaid
stateDiagram-v2
    [*] --> Card: /tinjau, rv:q
    Card --> Card: ✅ verified, ⏭ next
    Card --> Comment: ✏️ needs correction
    Comment --> Comment: too short / not text (asked again)
    Comment --> Card: comment typed (sent to the author)
    Comment --> [*]: /batal
```
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from core.context import AppContext, current_scope
from core.geo import haversine_km
from core.i18n import Raw, long_date, number
from handlers.conversation import StoredConversation
from handlers.report.views import activity_texts
from models import reviews
from models.activities import activity_names
from models.agencies import Agency
from models.flags import FlagKind, kinds
from models.outbox import OutboxMessage
from models.reports import Photo, Report, ReviewStatus
from models.reviews import OutOfScope, PendingComment, Scope
from models.users import ReviewNotify, User
from services import outbox
from services.commands import aliases
from services.versions import describe

_LOG = logging.getLogger(__name__)
PREFIX = "rv:"
COMMENT = "comment"
_PENDING = "review.pending"
COMMENT_MIN, COMMENT_MAX = 5, 1_000
# Telegram's album holds 2-10 items.
ALBUM_MAX = 10
# The author's button that opens the report for correction (handled by the report form).
FIX_PREFIX = "rp:fix:"

# Buttons: verify, needs correction, next, location, originals (all "rv:<x>:<id>:<version>").
VERIFY, CORRECT, NEXT, LOCATION, ORIGINALS = "v", "c", "n", "l", "o"
ACTIONS = (VERIFY, CORRECT, NEXT, LOCATION, ORIGINALS)


# --- who and what ------------------------------------------------------------------------


def _scope(context: AppContext) -> Scope | None:
    user = context.user
    return reviews.scope_of(user) if user is not None else None


async def _say(update: Update, context: AppContext, key: str, **args: object) -> None:
    """A short answer: an alert on a button press, else a message."""
    query = update.callback_query
    if query is not None:
        await query.answer(context.t(key, **args), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t(key, **args))


@dataclass(frozen=True)
class Press:
    action: str
    report_id: int
    version: int


def parse(data: str) -> Press | None:
    """ "rv:v:42:2" -> Press("v", 42, 2); None for anything else."""
    parts = data.removeprefix(PREFIX).split(":")
    if len(parts) != 3 or parts[0] not in ACTIONS:
        return None
    try:
        report_id, version = int(parts[1]), int(parts[2])
    except ValueError:
        return None
    return Press(parts[0], report_id, version)


def _data(action: str, report: Report) -> str:
    return f"{PREFIX}{action}:{report.id}:{report.version}"


# --- the card ----------------------------------------------------------------------------


async def card_text(context: AppContext, report: Report, left: int) -> Raw:
    """Everything a reviewer needs to judge the report, in their language."""
    lang = context.lang
    session = context.session
    catalogue = await activity_names(session, lang)
    activities = activity_texts(context, report, catalogue)
    village = report.village
    agency = await session.get(Agency, report.agency_id)
    author = await session.get(User, report.user_id)
    flags = [context.t(f"flag-{kind.value}", **_details(flag)) for kind, flag in _flags(report)]
    changes: Raw | str = ""
    if report.version >= 2:
        found = await reviews.versions(session, report.id, (report.version - 1, report.version))
        before, after = found.get(report.version - 1), found.get(report.version)
        if before is not None and after is not None:
            ids = [
                i for i in (before.content.get("village_id"), after.content.get("village_id")) if i
            ]
            names = await reviews.village_names(session, ids)
            changes = context.t(
                "review-card-changes",
                previous=report.version - 1,
                changes=describe(context.t, before.content, after.content, village_names=names),
            )
    return context.t(
        "review-card",
        reference=report.reference or "—",
        version=report.version,
        resubmitted="yes" if report.review_status is ReviewStatus.RESUBMITTED else "no",
        village=village.name if village is not None else "—",
        kecamatan=village.kecamatan.name if village is not None else "—",
        agency=agency.label if agency is not None else "—",
        author=author.full_name if author is not None else "—",
        date=long_date(report.visit_date, lang) if report.visit_date else "—",
        location=_location(context, report),
        activities=Raw("\n\n".join(activities)),
        flags=Raw("\n".join(flags)) if flags else context.t("review-card-no-flags"),
        changes=changes,
        left=left,
    )


def _flags(report: Report) -> list[tuple[FlagKind, dict[str, object]]]:
    """The stored flags of kinds this release knows (a newer release may add kinds)."""
    known = {kind.value for kind in kinds(report.flags)}
    return [(FlagKind(f["kind"]), f) for f in report.flags or [] if f.get("kind") in known]


def _details(flag: dict[str, object]) -> dict[str, object]:
    """A flag's details as message arguments; distances to one decimal."""
    return {
        key: round(value, 1) if isinstance(value, float) else value
        for key, value in flag.items()
        if key != "kind"
    }


def _location(context: AppContext, report: Report) -> Raw:
    if report.latitude is None or report.longitude is None:
        return context.t("review-card-no-location")
    village = report.village
    if village is None or village.lat is None or village.lon is None:
        return context.t(
            "review-card-location-only",
            lat=f"{report.latitude:.5f}",
            lon=f"{report.longitude:.5f}",
        )
    km = haversine_km(report.latitude, report.longitude, village.lat, village.lon)
    return context.t(
        "review-card-location",
        lat=f"{report.latitude:.5f}",
        lon=f"{report.longitude:.5f}",
        km=number(round(km, 1), context.lang),
    )


def card_keyboard(context: AppContext, report: Report) -> InlineKeyboardMarkup:
    def button(key: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(context.t(key), callback_data=_data(action, report))

    rows = [
        [button("review-verify", VERIFY), button("review-correct", CORRECT)],
        [button("review-next", NEXT)],
    ]
    if report.latitude is not None and report.longitude is not None:
        rows[1].append(button("review-location", LOCATION))
    extra = [InlineKeyboardButton(context.t("review-settings"), callback_data=f"{PREFIX}s")]
    if report.photo_count:
        extra.insert(0, button("review-originals", ORIGINALS))
    rows.append(extra)
    return InlineKeyboardMarkup(rows)


def _photos(report: Report) -> list[Photo]:
    return [photo for activity in report.activities for photo in activity.photos]


def _read(paths: Sequence[Path]) -> list[bytes]:
    return [path.read_bytes() for path in paths]


async def _archive_bytes(context: AppContext, photos: Sequence[Photo]) -> dict[int, bytes]:
    """The archive copies of photos Telegram has no id of (rows older than file ids)."""
    store = context.app.photo_store
    missing = [p for p in photos if not p.file_id]
    paths = [store.open_archive(p.archive_path) for p in missing]
    data = await asyncio.to_thread(_read, paths)
    return {p.id: d for p, d in zip(missing, data, strict=True)}


async def send_album(context: AppContext, chat_id: int, report: Report) -> None:
    """The report's photos as albums: by Telegram's file id, else the archive copy."""
    photos = _photos(report)
    if not photos:
        return
    uploads = await _archive_bytes(context, photos)
    caption = context.t("review-album-caption", reference=report.reference or "—")
    for start in range(0, len(photos), ALBUM_MAX):
        chunk = photos[start : start + ALBUM_MAX]
        media = [p.file_id or uploads[p.id] for p in chunk]
        if len(media) == 1:
            await context.bot.send_photo(chat_id, media[0], caption=caption)
        else:
            await context.bot.send_media_group(
                chat_id,
                [
                    InputMediaPhoto(m, caption=caption if i == 0 else None)
                    for i, m in enumerate(media)
                ],
            )


async def send_originals(context: AppContext, chat_id: int, report: Report) -> None:
    """The photos as files: the bytes as received where kept, else the archive copy."""
    store = context.app.photo_store
    photos = _photos(report)
    paths = [store.open_archive(p.original_path or p.archive_path) for p in photos]
    data = await asyncio.to_thread(_read, paths)
    names = [f"{report.reference}-{i + 1}{path.suffix}" for i, path in enumerate(paths)]
    named = list(zip(data, names, strict=True))
    for start in range(0, len(named), ALBUM_MAX):
        files = named[start : start + ALBUM_MAX]
        if len(files) == 1:
            await context.bot.send_document(chat_id, files[0][0], filename=files[0][1])
        else:
            await context.bot.send_media_group(
                chat_id, [InputMediaDocument(d, filename=n) for d, n in files]
            )


async def show_card(context: AppContext, scope: Scope, report: Report | None) -> None:
    """Sends the report's photos and card, or says that nothing waits."""
    user = context.user
    assert user is not None
    chat_id = user.telegram_id
    if report is None:
        # The settings are reached from the queue, so an empty one offers them too.
        settings = InlineKeyboardButton(context.t("review-settings"), callback_data=f"{PREFIX}s")
        await context.bot.send_message(
            chat_id,
            context.t("review-queue-empty"),
            reply_markup=InlineKeyboardMarkup([[settings]]),
        )
        return
    left = await reviews.count_waiting(context.session, scope)
    await send_album(context, chat_id, report)
    await context.bot.send_message(
        chat_id,
        await card_text(context, report, left),
        reply_markup=card_keyboard(context, report),
    )


# --- entry: the queue --------------------------------------------------------------------


async def show_queue(update: Update, context: AppContext) -> None:
    """Shows the oldest report waiting for review in the reviewer's scope."""
    scope = _scope(context)
    if scope is None:
        await _say(update, context, "review-not-allowed")
        return
    user = context.user
    assert user is not None
    pending = _pending()
    if pending is not None:
        # Opening the queue again leaves the comment that was asked for.
        reviews.drop_comment(context.session, user, pending, context.now(), "queue")
        await context.session.commit()
    if update.callback_query is not None:
        await update.callback_query.answer()
    await show_card(context, scope, await reviews.next_waiting(context.session, scope))


# --- the card's buttons ------------------------------------------------------------------


async def on_button(update: Update, context: AppContext) -> None:
    """Acts on a card's button after checking scope and version again."""
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None and user is not None
    scope = _scope(context)
    if scope is None:
        _LOG.warning("review button from %s (not a reviewer): %r", user.telegram_id, query.data)
        await _say(update, context, "review-not-allowed")
        return
    press = parse(query.data)
    if press is None:
        _LOG.warning("malformed review button from %s: %r", user.telegram_id, query.data)
        await _say(update, context, "stale-button")
        return
    try:
        report = await reviews.reviewable(context.session, scope, press.report_id)
    except OutOfScope:
        _LOG.warning(
            "review button refused: %s may not review report %s (%r)",
            user.telegram_id,
            press.report_id,
            query.data,
        )
        await _say(update, context, "review-out-of-scope")
        return
    if press.action == NEXT:
        following = await reviews.next_waiting(context.session, scope, after=report)
        if following is not None and following.id == report.id:
            await _say(update, context, "review-only-one")
            return
        await query.answer()
        await show_card(context, scope, following)
        return
    if report.version != press.version:
        _LOG.info("stale review card: report %s is at version %s", report.id, report.version)
        await _say(update, context, "review-stale", reference=report.reference or "—")
        return
    if press.action == LOCATION:
        await _location_message(update, context, report)
    elif press.action == ORIGINALS:
        await query.answer()
        await send_originals(context, user.telegram_id, report)
    elif report.review_status not in reviews.WAITING:
        await _say(update, context, "review-already", reference=report.reference or "—")
    elif press.action == VERIFY:
        await _verify(update, context, scope, report)
    else:
        await _ask_comment(update, context, report)


async def _location_message(update: Update, context: AppContext, report: Report) -> None:
    query = update.callback_query
    user = context.user
    assert query is not None and user is not None
    if report.latitude is None or report.longitude is None:
        await _say(update, context, "review-card-no-location")
        return
    await query.answer()
    # With a default parse mode (bot/app.py), PTB adds `parse_mode` to every call that
    # sends a message, sendLocation too, which has no such parameter; None drops it again.
    await context.bot.send_location(
        user.telegram_id, report.latitude, report.longitude, api_kwargs={"parse_mode": None}
    )


async def _verify(update: Update, context: AppContext, scope: Scope, report: Report) -> None:
    """Marks the report verified and shows the next one."""
    query = update.callback_query
    user = context.user
    assert query is not None and user is not None
    if not await reviews.decide(
        context.session, report, user, ReviewStatus.VERIFIED, context.now()
    ):
        await _say(update, context, "review-already", reference=report.reference or "—")
        return
    await context.session.commit()
    _LOG.info("report %s v%s verified by %s", report.reference, report.version, user.telegram_id)
    await query.answer(context.t("review-verified-short"))
    await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(
        user.telegram_id, context.t("review-verified", reference=report.reference or "—")
    )
    await show_card(
        context, scope, await reviews.next_waiting(context.session, scope, after=report)
    )


async def _ask_comment(update: Update, context: AppContext, report: Report) -> None:
    """Opens the comment step: what must the author correct?"""
    query = update.callback_query
    user = context.user
    assert query is not None and user is not None
    reviews.ask_comment(context.session, user, report, context.now())
    await context.session.commit()
    await query.answer()
    await context.bot.send_message(
        user.telegram_id,
        context.t(
            "review-ask-comment",
            reference=report.reference or "—",
            min=COMMENT_MIN,
            max=COMMENT_MAX,
        ),
    )


# --- the comment step --------------------------------------------------------------------


async def load_pending(update: Update, context: AppContext) -> None:
    """Reads a reviewer's open comment step before dispatch (a check cannot query)."""
    user = context.user
    if update.message is None or user is None or reviews.scope_of(user) is None:
        return
    current_scope().extra[_PENDING] = await reviews.pending_comment(
        context.session, user, context.now()
    )


def _pending() -> PendingComment | None:
    found = current_scope().extra.get(_PENDING)
    return found if isinstance(found, PendingComment) else None


def _state() -> str | None:
    return COMMENT if _pending() is not None else None


async def on_comment(update: Update, context: AppContext) -> None:
    """Sends the report back to its author with the comment, then shows the next card."""
    message = update.effective_message
    user = context.user
    pending = _pending()
    assert message is not None and message.text is not None and user is not None
    assert pending is not None
    comment = message.text.strip()
    if len(comment) < COMMENT_MIN or len(comment) > COMMENT_MAX:
        key = (
            "review-comment-too-short" if len(comment) < COMMENT_MIN else "review-comment-too-long"
        )
        await message.reply_text(context.t(key, min=COMMENT_MIN, max=COMMENT_MAX))
        return
    scope = _scope(context)
    assert scope is not None
    try:
        report = await reviews.reviewable(context.session, scope, pending.report_id)
    except OutOfScope:
        report = None
    if (
        report is None
        or report.version != pending.version
        or not await reviews.decide(
            context.session, report, user, ReviewStatus.NEEDS_CORRECTION, context.now(), comment
        )
    ):
        reviews.drop_comment(context.session, user, pending, context.now(), "stale")
        await context.session.commit()
        await message.reply_text(context.t("review-comment-stale"))
        return
    notice = await _queue_correction_request(context, report, user, comment)
    await context.session.commit()
    _LOG.info("report %s v%s sent back by %s", report.reference, report.version, user.telegram_id)
    if notice is not None:
        # If this fails, the outbox job sends it within a minute.
        await outbox.deliver_claimed(context.session, context.bot, notice)
    await message.reply_text(
        context.t("review-correction-sent", reference=report.reference or "—")
    )
    await show_card(
        context, scope, await reviews.next_waiting(context.session, scope, after=report)
    )


async def _queue_correction_request(
    context: AppContext, report: Report, reviewer: User, comment: str
) -> OutboxMessage | None:
    """Queues the comment to the author, with the button that opens the report (claimed
    by this process, which sends it after the commit)."""
    author = await context.session.get(User, report.user_id)
    if author is None or not author.active:
        return None
    translator = context.app.translator
    lang = author.language
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    translator(lang, "review-fix-button"),
                    callback_data=f"{FIX_PREFIX}{report.id}",
                )
            ]
        ]
    )
    return outbox.queue(
        context.session,
        author.telegram_id,
        translator(
            lang,
            "review-correction-request",
            reference=report.reference or "—",
            version=report.version,
            reviewer=reviewer.full_name,
            comment=comment,
        ),
        reply_markup=keyboard.to_dict(),
    )


async def cancel_comment(update: Update, context: AppContext) -> None:
    """/batal: leaves the comment step; the report stays in the queue."""
    message = update.effective_message
    user = context.user
    pending = _pending()
    assert message is not None and user is not None and pending is not None
    reviews.drop_comment(context.session, user, pending, context.now(), "cancelled")
    await context.session.commit()
    await message.reply_text(context.t("review-comment-cancelled"))


async def reask_comment(update: Update, context: AppContext) -> None:
    """Anything but text during the comment step: says what is expected; the step stays."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        context.t("review-comment-expected", min=COMMENT_MIN, max=COMMENT_MAX)
    )


# --- notification settings ---------------------------------------------------------------


def _settings_view(context: AppContext, user: User) -> tuple[Raw, InlineKeyboardMarkup]:
    current = reviews.notify_choice(user)
    rows = [
        [
            InlineKeyboardButton(
                ("● " if choice is current else "") + context.t(f"review-notify-{choice.value}"),
                callback_data=f"{PREFIX}s:{choice.value}",
            )
        ]
        for choice in ReviewNotify
    ]
    rows.append([InlineKeyboardButton(context.t("review-open-queue"), callback_data=f"{PREFIX}q")])
    text = context.t("review-notify-current", choice=context.t(f"review-notify-{current.value}"))
    return text, InlineKeyboardMarkup(rows)


async def on_settings(update: Update, context: AppContext) -> None:
    """Shows how the reviewer hears of new reports, or stores a new choice."""
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None and user is not None
    if _scope(context) is None:
        await _say(update, context, "review-not-allowed")
        return
    choice = query.data.removeprefix(f"{PREFIX}s").removeprefix(":")
    if choice:
        try:
            user.review_notify = ReviewNotify(choice)
        except ValueError:
            await _say(update, context, "stale-button")
            return
        await context.session.commit()
        await query.answer(context.t("review-notify-saved"))
        text, keyboard = _settings_view(context, user)
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    await query.answer()
    text, keyboard = _settings_view(context, user)
    await context.bot.send_message(user.telegram_id, text, reply_markup=keyboard)


# --- the table ---------------------------------------------------------------------------

TEXT = filters.TEXT & ~filters.COMMAND


def conversation() -> StoredConversation:
    """The queue's commands and buttons; while a comment is asked for, typed text is it."""
    queue = CommandHandler(aliases("review"), show_queue)
    buttons = [
        CallbackQueryHandler(show_queue, pattern=f"^{PREFIX}q$"),
        CallbackQueryHandler(on_settings, pattern=f"^{PREFIX}s(:|$)"),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
    ]
    return StoredConversation(
        state=_state,
        entry_points=[queue, *buttons],
        states={COMMENT: [MessageHandler(TEXT, on_comment)]},
        fallbacks=[
            CommandHandler(aliases("cancel"), cancel_comment),
            queue,
            *buttons,
            MessageHandler(~filters.COMMAND, reask_comment),
        ],
    )


def loaders() -> list[BaseHandler[Update, AppContext, None]]:
    """Runs before the main group: reads the comment step `conversation()` dispatches on."""
    return [TypeHandler(Update, load_pending)]


def handlers() -> list[BaseHandler[Update, AppContext, object]]:
    return [conversation()]
