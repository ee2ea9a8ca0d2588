"""/siaran (/broadcast): an admin's message to everyone of a role in a scope.

The admin picks the audience (field staff, kecamatan coordinators, regency coordinators,
everyone) and the scope (the whole regency or one kecamatan; regency coordinators are
regency-wide and asked no scope), types the message (text up to 4,096 characters, or one
photo with a caption up to 1,024), sees a preview with the number of recipients, and
confirms or cancels. Who counts as "of a kecamatan" is decided in models/broadcasts.py.

The draft is a `broadcast` row in status "draft" whose `step` is the conversation's state,
so it survives a restart; buttons carry the draft's id and are checked against it (forged
or stale ones are refused). Confirmed, it is sent by a job (services/broadcast.py).

```mermaid
stateDiagram-v2
    [*] --> Audience: /siaran
    Audience --> Scope: role chosen
    Audience --> Message: regency coordinators
    Scope --> Message: regency or a kecamatan
    Message --> Message: too long / not text or photo (asked again)
    Message --> Confirm: preview with the count
    Confirm --> [*]: send (job) / cancel
    Audience --> [*]: /batal
    Scope --> [*]: /batal
    Message --> [*]: /batal
```
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from core.context import AppContext, current_scope
from core.i18n import number
from handlers.conversation import StoredConversation
from models import audit
from models.broadcasts import (
    Audience,
    Broadcast,
    BroadcastStatus,
    Step,
    add_deliveries,
    draft_of,
    recipients,
)
from models.regions import get_kecamatan, list_kecamatan
from services import broadcast as sending
from services.commands import aliases

_LOG = logging.getLogger(__name__)
PREFIX = "bc:"
_DRAFT = "broadcast.draft"
TEXT_MAX, CAPTION_MAX = 4096, 1024


# --- helpers -----------------------------------------------------------------------------


def _is_admin(context: AppContext) -> bool:
    return context.user is not None and context.user.is_admin


async def _say(update: Update, context: AppContext, key: str, **args: object) -> None:
    """A short answer: an alert on a button press, else a message."""
    query = update.callback_query
    if query is not None:
        await query.answer(context.t(key, **args), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t(key, **args))


def _keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def _ask_audience(context: AppContext, draft: Broadcast) -> None:
    assert context.user is not None
    rows: list[list[tuple[str, str]]] = [
        [(context.t(f"broadcast-audience-{a.value}"), f"{PREFIX}a:{draft.id}:{a.value}")]
        for a in Audience
    ]
    rows.append([(context.t("broadcast-cancel-button"), f"{PREFIX}x:{draft.id}")])
    await context.bot.send_message(
        context.user.telegram_id, context.t("broadcast-ask-audience"), reply_markup=_keyboard(rows)
    )


async def _ask_scope(context: AppContext, draft: Broadcast) -> None:
    assert context.user is not None
    kecamatans = await list_kecamatan(context.session)
    buttons = [(k.name, f"{PREFIX}k:{draft.id}:{k.id}") for k in kecamatans]
    rows: list[Sequence[tuple[str, str]]] = [
        [(context.t("broadcast-scope-regency"), f"{PREFIX}k:{draft.id}:0")]
    ]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(context.t("broadcast-cancel-button"), f"{PREFIX}x:{draft.id}")])
    await context.bot.send_message(
        context.user.telegram_id, context.t("broadcast-ask-scope"), reply_markup=_keyboard(rows)
    )


async def _ask_message(context: AppContext) -> None:
    assert context.user is not None
    await context.bot.send_message(
        context.user.telegram_id,
        context.t("broadcast-ask-message", text_max=TEXT_MAX, caption_max=CAPTION_MAX),
    )


# --- entry and buttons -------------------------------------------------------------------


async def start(update: Update, context: AppContext) -> None:
    """/siaran: opens a new draft (replacing an unfinished one) and asks for the audience."""
    user = context.user
    if user is None or not user.is_admin:
        await _say(update, context, "broadcast-not-allowed")
        return
    old = await draft_of(context.session, user)
    if old is not None:
        old.status = BroadcastStatus.CANCELLED
    draft = Broadcast(admin_id=user.id)
    context.session.add(draft)
    await context.session.commit()
    await _ask_audience(context, draft)


def _parse(data: str) -> tuple[str, int, str] | None:
    """ "bc:a:7:staff" -> ("a", 7, "staff"); None for anything malformed."""
    parts = data.removeprefix(PREFIX).split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("a", "k", "ok", "x"):
        return None
    try:
        draft_id = int(parts[1])
    except ValueError:
        return None
    return parts[0], draft_id, parts[2] if len(parts) == 3 else ""


async def on_button(update: Update, context: AppContext) -> None:
    """Every button of the draft: checked against the admin's draft and its step."""
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None
    if user is None or not user.is_admin:
        _LOG.warning("broadcast button %r pressed by a non-admin", query.data)
        await _say(update, context, "broadcast-not-allowed")
        return
    parsed = _parse(query.data)
    draft = await draft_of(context.session, user)
    if parsed is None or draft is None or draft.id != parsed[1]:
        _LOG.warning("stale or forged broadcast button %r from %s", query.data, user.telegram_id)
        await _say(update, context, "broadcast-stale")
        return
    action, _, value = parsed
    if action == "x":
        await cancel_draft(update, context)
    elif action == "a" and draft.step is Step.AUDIENCE and value in set(Audience):
        await query.answer()
        draft.audience = Audience(value)
        draft.step = Step.SCOPE if draft.audience is not Audience.REGENCY else Step.MESSAGE
        await context.session.commit()
        if draft.step is Step.SCOPE:
            await _ask_scope(context, draft)
        else:
            await _ask_message(context)
    elif action == "k" and draft.step is Step.SCOPE and value.isdigit():
        kecamatan_id = int(value)
        if kecamatan_id and await get_kecamatan(context.session, kecamatan_id) is None:
            _LOG.warning("forged kecamatan %r from %s", value, user.telegram_id)
            await _say(update, context, "broadcast-stale")
            return
        await query.answer()
        draft.kecamatan_id = kecamatan_id or None
        draft.step = Step.MESSAGE
        await context.session.commit()
        await _ask_message(context)
    elif action == "ok" and draft.step is Step.CONFIRM:
        await query.answer()
        await _confirm(context, draft)
    else:
        _LOG.warning("broadcast button %r out of step from %s", query.data, user.telegram_id)
        await _say(update, context, "broadcast-stale")


async def _confirm(context: AppContext, draft: Broadcast) -> None:
    """Fixes the recipients, records the action, and starts the sending job."""
    user = context.user
    assert user is not None
    people = await recipients(context.session, draft, context.today())
    if not people:
        await context.bot.send_message(user.telegram_id, context.t("broadcast-nobody"))
        return
    add_deliveries(context.session, draft, people)
    draft.status = BroadcastStatus.SENDING
    draft.confirmed_at = context.now()
    audit.record(
        context.session,
        "broadcast.send",
        actor=user.telegram_id,
        target=f"broadcast:{draft.id}",
        audience=draft.audience.value if draft.audience else None,
        kecamatan_id=draft.kecamatan_id,
        recipients=len(people),
        photo=draft.photo_file_id is not None,
    )
    await context.session.commit()
    sending.start(context.app, draft.id)
    await context.bot.send_message(
        user.telegram_id,
        context.t("broadcast-sending", count=number(len(people), context.lang)),
    )


# --- the message step --------------------------------------------------------------------


async def on_message(update: Update, context: AppContext) -> None:
    """Stores the text or the photo with its caption, then shows the preview and count."""
    message = update.effective_message
    draft = _draft()
    assert message is not None and draft is not None and context.user is not None
    if message.photo:
        caption = message.caption or ""
        if len(caption) > CAPTION_MAX:
            await message.reply_text(
                context.t("broadcast-caption-too-long", max=CAPTION_MAX, length=len(caption))
            )
            return
        draft.photo_file_id = message.photo[-1].file_id
        draft.text = caption or None
    else:
        text = message.text or ""
        if len(text) > TEXT_MAX:
            await message.reply_text(
                context.t("broadcast-text-too-long", max=TEXT_MAX, length=len(text))
            )
            return
        draft.photo_file_id = None
        draft.text = text
    count = len(await recipients(context.session, draft, context.today()))
    draft.step = Step.CONFIRM
    await context.session.commit()
    chat_id = context.user.telegram_id
    # The preview is the message exactly as recipients will see it.
    if draft.photo_file_id is not None:
        await context.bot.send_photo(chat_id, draft.photo_file_id, caption=draft.text)
    else:
        assert draft.text is not None
        await context.bot.send_message(chat_id, draft.text)
    keyboard = _keyboard(
        [
            [(context.t("broadcast-confirm-button"), f"{PREFIX}ok:{draft.id}")],
            [(context.t("broadcast-cancel-button"), f"{PREFIX}x:{draft.id}")],
        ]
    )
    await context.bot.send_message(
        chat_id,
        context.t("broadcast-preview", count=number(count, context.lang), raw_count=count),
        reply_markup=keyboard,
    )


async def reask(update: Update, context: AppContext) -> None:
    """Input the current step does not take: says what is expected; the draft stays."""
    draft = _draft()
    step = draft.step.value if draft is not None else Step.AUDIENCE.value
    await _say(update, context, f"broadcast-expected-{step}", text_max=TEXT_MAX)


async def cancel_draft(update: Update, context: AppContext) -> None:
    """/batal or the cancel button: the draft is dropped, nothing is sent."""
    user = context.user
    assert user is not None
    draft = _draft() or await draft_of(context.session, user)
    if draft is not None:
        draft.status = BroadcastStatus.CANCELLED
        await context.session.commit()
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.bot.send_message(user.telegram_id, context.t("broadcast-cancelled"))


# --- the table ---------------------------------------------------------------------------


async def load_draft(update: Update, context: AppContext) -> None:
    """Reads an admin's open draft before dispatch (a check cannot query)."""
    if update.message is None or not _is_admin(context):
        return
    assert context.user is not None
    current_scope().extra[_DRAFT] = await draft_of(context.session, context.user)


def _draft() -> Broadcast | None:
    found = current_scope().extra.get(_DRAFT)
    return found if isinstance(found, Broadcast) else None


def _state() -> str | None:
    draft = _draft()
    return draft.step.value if draft is not None else None


def conversation() -> StoredConversation:
    """/siaran and its buttons; while a message is asked for, text or a photo is it."""
    entry = CommandHandler(aliases("broadcast"), start)
    buttons = CallbackQueryHandler(on_button, pattern=f"^{PREFIX}")
    return StoredConversation(
        state=_state,
        entry_points=[entry, buttons],
        states={
            Step.MESSAGE.value: [
                MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.PHOTO, on_message)
            ]
        },
        fallbacks=[
            CommandHandler(aliases("cancel"), cancel_draft),
            entry,
            buttons,
            MessageHandler(~filters.COMMAND, reask),
        ],
    )


def loaders() -> list[BaseHandler[Update, AppContext, None]]:
    """Runs before the main group: reads the draft `conversation()` dispatches on."""
    return [TypeHandler(Update, load_draft)]


def handlers() -> list[BaseHandler[Update, AppContext, object]]:
    return [conversation()]
