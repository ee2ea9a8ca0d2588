"""/lapor (/report): the visit report form.

A `StoredConversation` (handlers/conversation.py) whose states are the `Step`s: the draft
in the database is the only record of where a person is. `load_draft` reads it before
dispatch, and its stored step picks the handler. Every step handler follows one pattern
(see `_step`): check the input, change the draft, store the next step with it as a new
revision in one commit, and only then ask the next question; once Telegram has taken the
question, the revision is recorded as asked. A typed answer that arrives while the current
question is not known to have arrived is not stored: the person gets the question (again),
so no answer is ever filed under a question they did not see. (The revision is recorded as
asked in the step's own commit and taken back if sending fails: one commit per answer.)
A wrong answer raises `InputError`: the reason in their language, the question again, the
draft untouched. See form.md for the state diagram.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import date, timedelta
from functools import wraps
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from core.context import AppContext, current_scope
from core.i18n import Raw, long_date, number
from handlers.conversation import StoredConversation
from handlers.report import views
from handlers.report.parsing import InputError, check_text, parse_count, parse_visit_date
from handlers.report.steps import (
    Step,
    activity_index,
    advance,
    after,
    before,
    current_activity,
    current_step,
    editing,
    first_missing,
    not_asked,
    question_delivered,
    set_state,
    state,
)
from models import audit
from models.activities import OTHER, Strategy, activities_for, activity_names, get_activity
from models.agencies import active_villages
from models.drafts import DraftActivity, DraftPhoto
from models.regions import Village
from models.reports import (
    MAX_ACTIVITIES,
    MAX_PHOTOS,
    Report,
    ReviewStatus,
    correctable,
    corrected_report,
    get_draft,
    get_submitted,
    latest_submitted,
    new_correction,
    new_draft,
    removable_photo_files,
    snapshot,
    submit,
    submit_correction,
    village_names,
)
from models.users import Role
from services import evidence, outbox
from services.commands import aliases
from services.photos import PhotoRejected, PhotoStore, accepts_file
from services.review_notices import queue_new_report
from services.versions import describe

_LOG = logging.getLogger(__name__)
NAME = "report"

MAX_HOUSEHOLDS = 5_000
MAX_PEOPLE = 20_000
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1_000
OTHER_MIN, OTHER_MAX = 3, 200
# Telegram's getFile limit for bots on the public API.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

NOTICE = "report.notice"
REMOVE_FILES = "report.remove_files"
VILLAGES = "report.villages"
StepHandler = Callable[[Update, AppContext, Report], Awaitable[Step]]
Callback = Callable[[Update, AppContext], Coroutine[Any, Any, None]]


# --- the draft of this update -------------------------------------------------------------


async def load_draft(update: Update, context: AppContext) -> None:
    """Stops an update whose answer the draft already holds: it was handled before the bot
    died, and its mark in the update inbox (written later, in a batch) was lost."""
    scope = current_scope()
    report = loaded_draft()
    if (
        report is not None
        and scope.update_id is not None
        and report.last_update_id is not None
        and scope.update_id <= report.last_update_id
    ):
        _LOG.info("update %s is already in the draft", scope.update_id)
        raise ApplicationHandlerStop


def loaded_draft() -> Report | None:
    """The person's draft, read with the person by the gate (None: no form open)."""
    scope = current_scope()
    user = scope.user
    if user is None or user.role is not Role.STAFF:
        return None
    return scope.draft if isinstance(scope.draft, Report) else None


def _current_state() -> str | None:
    report = loaded_draft()
    return current_step(report).value if report is not None else None


def _today(context: AppContext) -> date:
    return context.today()


async def _villages(context: AppContext) -> list[Village]:
    """The agency's villages today; read once per update (the form's start counts them and
    then lists them)."""
    user = context.user
    if user is None or user.agency_id is None:
        return []
    extra = current_scope().extra
    if VILLAGES not in extra:
        extra[VILLAGES] = list(
            await active_villages(context.session, user.agency_id, _today(context))
        )
    return list(extra[VILLAGES])


async def _catalogue(context: AppContext) -> dict[str, str]:
    return await activity_names(context.session, context.lang)


async def _reply(update: Update, text: str, **kwargs: object) -> Message:
    message = update.effective_message
    assert message is not None
    return await message.reply_text(text, **kwargs)  # type: ignore[arg-type]


# --- asking ----------------------------------------------------------------------------

# A question's text and its keyboard (inline buttons, or the location keyboard's).
Question = tuple[Raw, InlineKeyboardMarkup | ReplyKeyboardMarkup]


async def _question(context: AppContext, report: Report, step: Step) -> Question:
    """The question of `step` and its buttons, with what they show from the database.

    Put together before the commit that records it as asked, inside that transaction, and
    sent after it (`_send_question`): read after the commit, it opened a second transaction
    that closing the session ended with a ROLLBACK, and psycopg forgets every statement it
    prepared on a connection at a ROLLBACK, so PostgreSQL planned the person-and-draft
    query anew for every update (bench/report_flow.py). What it records in the draft (the
    photo tip, told once) is written by that commit too."""
    t = context.t
    prefix = views.activity_prefix(context, report)
    match step:
        case Step.VILLAGE:
            villages = await _villages(context)
            return t("report-ask-village"), views.village_keyboard(
                context, villages, back=editing(report)
            )
        case Step.DATE:
            has_back = editing(report) or await _village_count(context, report) > 1
            return t(
                "report-ask-date", limit=context.settings.report_max_age_days
            ), views.date_keyboard(context, _today(context), has_back)
        case Step.STRATEGY:
            return t("report-ask-strategy", prefix=prefix), views.strategy_keyboard(context)
        case Step.ACTIVITY:
            activity = current_activity(report)
            assert activity.strategy is not None
            options = await activities_for(context.session, Strategy(activity.strategy))
            return t(
                "report-ask-activity",
                prefix=prefix,
                strategy=t(f"strategy-{activity.strategy}"),
            ), views.activity_keyboard(context, options)
        case Step.ACTIVITY_OTHER:
            return t("report-ask-activity-other", maximum=OTHER_MAX), views.back_keyboard(context)
        case Step.HOUSEHOLDS:
            return t("report-ask-households", prefix=prefix), views.back_keyboard(context)
        case Step.PEOPLE:
            return t("report-ask-people"), views.people_keyboard(context)
        case Step.DESCRIPTION:
            return t(
                "report-ask-description",
                prefix=prefix,
                minimum=DESCRIPTION_MIN,
                maximum=DESCRIPTION_MAX,
            ), views.back_keyboard(context)
        case Step.PHOTOS:
            count = len(current_activity(report).photos)
            text = t("report-ask-photos", prefix=prefix, count=count, maximum=MAX_PHOTOS)
            if _take_file_hint(report):
                text = Raw(f"{text}\n{t('report-photos-file-hint')}")
            return text, views.photos_keyboard(context, report, count)
        case Step.LOCATION:
            return t("report-ask-location"), views.location_keyboard(context)
        case Step.SUMMARY:
            return await _summary(context, report), views.summary_keyboard(context, report)
        case Step.EDIT:
            return t("report-ask-edit"), views.edit_keyboard(
                context, report, len(await _villages(context))
            )
    raise AssertionError(f"no question for {step}")


def _take_file_hint(report: Report) -> bool:
    """Whether this is the draft's first photo question, which alone says that a photo sent
    as a file keeps its time and place (not every activity's, nor every repeat). Recorded
    in the draft before the question is sent: told at most once."""
    if state(report).get("file_hint"):
        return False
    set_state(report, file_hint=True)
    return True


async def _send_question(update: Update, question: Question) -> None:
    text, markup = question
    await _reply(update, text, reply_markup=markup)


async def _summary(context: AppContext, report: Report) -> Raw:
    """The draft on one screen; a correction says which report and version it corrects,
    and what it changes so far."""
    catalogue = await _catalogue(context)
    original = await corrected_report(context.session, report)
    if original is None:
        return views.summary_text(context, report, catalogue=catalogue)
    return views.summary_text(
        context,
        report,
        catalogue=catalogue,
        header_key="correction-summary",
        original=original.reference or "",
        old=original.version,
        new=original.version + 1,
        changes=await _changes(context, snapshot(original), snapshot(report)),
    )


async def _changes(context: AppContext, before: dict[str, Any], after: dict[str, Any]) -> Raw:
    """What a version changes, with village names ("KK: 12 → 14; foto: +1")."""
    names = await village_names(context.session, before, after)
    return describe(context.t, before, after, village_names=names)


# How long a chat must send nothing after an album's photo before the album is counted:
# Telegram sends an album's photos within moments of each other.
ALBUM_QUIET = 0.5


async def _acknowledge_photo(update: Update, context: AppContext, report: Report) -> None:
    """Counts the photos received. An album arrives as one update per photo: while more of
    this chat's updates wait behind this one, the count would be out of date at once, so
    only the last photo of an album is answered (one reply per album, not one per photo).
    Telegram may deliver an album in more than one batch, so the last photo handled is
    answered only once the chat has been quiet for `ALBUM_QUIET` (a photo arriving by then
    answers instead)."""
    message = update.effective_message
    assert message is not None
    if message.media_group_id and context.app.backlog(message.chat_id) > 0:
        return
    count = len(current_activity(report).photos)
    # Built now, inside the update's scope (its language), even if sent a moment later.
    text = context.t("report-photos-received", count=count, maximum=MAX_PHOTOS)
    keyboard = views.photos_keyboard(context, report, count)

    async def send() -> None:
        await message.reply_text(text, reply_markup=keyboard)

    if message.media_group_id and context.app.after_quiet(message.chat_id, ALBUM_QUIET, send):
        return
    await send()


# --- the step pattern ------------------------------------------------------------------


def _step(handler: StepHandler) -> Callback:
    """Wraps a step: input checked, the next step committed with the data as a new
    revision (recorded as asked), then the next question sent."""

    @wraps(handler)
    async def callback(update: Update, context: AppContext) -> None:
        user = context.user
        report = loaded_draft()
        assert user is not None
        if report is None:  # a state needs a draft; defensive only
            await _reply(update, context.t("report-no-draft"))
            return
        query = update.callback_query
        if _typed(update) and not question_delivered(report):
            # This question may never have reached the person (a reply that failed or
            # timed out): the words could be meant for the previous one. Store nothing.
            await _reply(update, context.t("report-answer-not-recorded"))
            await _ask_and_record(update, context, report, current_step(report))
            return
        try:
            step = await handler(update, context, report)
        except InputError as error:
            # Undo any half-made change; the rollback expires every loaded object, and the
            # person is needed again (language, agency) to answer.
            await context.session.rollback()
            await context.session.refresh(user)
            # The villages read for this update are expired with it: the question asked
            # again reads them anew.
            current_scope().extra.pop(VILLAGES, None)
            message = context.t(f"input-{error.code}", **_readable(context, error.params))
            if query is not None:
                await _answer(query, message)
            else:
                await _reply(update, message)
                report = await get_draft(context.session, user.id) or report
                await _ask_and_record(update, context, report, current_step(report))
            return
        scope = current_scope()
        advance(report, step, update_id=scope.update_id)
        question = None
        if not (step is Step.PHOTOS and _is_image_message(update)):
            question = await _question(context, report, step)
        # The draft now records this update as handled; its inbox mark can wait.
        scope.lazy_mark = scope.update_id is not None
        await context.session.commit()
        context.app.photo_store.remove(*scope.extra.pop(REMOVE_FILES, []))
        if query is not None:
            # The answered question keeps its buttons: removing them would cost a second
            # rate-limited call per answer, and a press on them is refused as stale anyway.
            await _answer(query)
        async with _asking(context, report):
            notice = scope.extra.pop(NOTICE, None)
            if notice is not None:
                key, args = notice
                # Also takes the location keyboard away once that question is answered.
                await _reply(update, context.t(key, **args), reply_markup=ReplyKeyboardRemove())
            if question is None:
                await _acknowledge_photo(update, context, report)
            else:
                await _send_question(update, question)

    return callback


@asynccontextmanager
async def _asking(context: AppContext, report: Report) -> AsyncIterator[None]:
    """Sends the question of a revision recorded as asked; if sending fails, records that
    it was not (the next typed text then gets the question first, see `_step`)."""
    try:
        yield
    except BaseException:
        not_asked(report)
        with suppress(SQLAlchemyError):
            await context.session.commit()
        raise


async def _ask_and_record(update: Update, context: AppContext, report: Report, step: Step) -> None:
    """Asks the current question again, recording it as asked first (the commit also
    keeps whatever else the caller changed)."""
    report.asked_rev = report.form_rev
    question = await _question(context, report, step)
    await context.session.commit()
    async with _asking(context, report):
        await _send_question(update, question)


async def _answer(query: CallbackQuery, alert: str | None = None) -> None:
    """Answers a button press. Only the spinner on the button depends on it, so a failure
    (after the rate limiter's retries) is logged, never allowed to stop the form."""
    try:
        await query.answer(alert, show_alert=alert is not None)
    except TelegramError as exc:
        _LOG.info("callback answer failed: %s", exc)


def _typed(update: Update) -> bool:
    """A typed answer (or a reply-keyboard key), as opposed to a button, photo or place."""
    message = update.message
    return message is not None and message.text is not None


def _readable(context: AppContext, params: dict[str, object]) -> dict[str, object]:
    """Dates and numbers in an error message, formatted for the person's language."""
    out: dict[str, object] = {}
    for name, value in params.items():
        if isinstance(value, date):
            out[name] = long_date(value, context.lang)
        elif isinstance(value, int) and not isinstance(value, bool):
            out[name] = number(value, context.lang)
        else:
            out[name] = value
    return out


def _is_image_message(update: Update) -> bool:
    message = update.effective_message
    return message is not None and bool(message.photo or message.document)


def _notice(key: str, **args: object) -> None:
    """A line to send, after the commit, before the next question."""
    current_scope().extra[NOTICE] = (key, args)


async def _village_count(context: AppContext, report: Report) -> int:
    """How many villages the agency serves, as counted when the form started (one query
    fewer per answer; a village added meanwhile shows in the village list all the same)."""
    count = state(report).get("villages")
    return count if isinstance(count, int) else len(await _villages(context))


# --- entry, cancel, resume -------------------------------------------------------------


async def start_report(update: Update, context: AppContext) -> None:
    """Starts a report, or picks up the person's unfinished one where they left it."""
    user = context.user
    assert user is not None
    if user.role is not Role.STAFF or user.agency_id is None:
        await _reply(update, context.t("report-staff-only"))
        return
    if update.callback_query is not None:
        await _answer(update.callback_query)
    report = loaded_draft()
    if report is not None:
        # Coming back counts as working on the draft (old untouched drafts are discarded).
        report.updated_at = context.now()
        await _reply(update, context.t("report-resumed"))
        await _ask_and_record(update, context, report, current_step(report))
        return
    villages = await _villages(context)
    if not villages:
        await _reply(
            update,
            context.t("report-no-villages", agency=user.agency.label if user.agency else "—"),
        )
        return
    report = new_draft(context.session, user_id=user.id, agency_id=user.agency_id)
    step = Step.VILLAGE
    if len(villages) == 1:
        report.village = villages[0]
        step = Step.DATE
    set_state(report, act=0, villages=len(villages))
    scope = current_scope()
    advance(report, step, update_id=scope.update_id)
    # The new draft records this update as handled (see `_step`); its inbox mark can wait.
    scope.lazy_mark = scope.update_id is not None
    question = await _question(context, report, step)
    await context.session.commit()
    async with _asking(context, report):
        if len(villages) == 1:
            await _reply(update, context.t("report-only-village", village=villages[0].label))
        await _send_question(update, question)


async def cancel(update: Update, context: AppContext) -> None:
    """Deletes the draft, photo files included, and ends the form."""
    report = loaded_draft()
    key = "report-cancelled"
    if report is not None:
        # A correction's copied photos belong to the sent report too: only its own go.
        files = await removable_photo_files(context.session, report)
        if report.corrects_id is not None:
            key = "correction-cancelled"
        await context.session.delete(report)
        await context.session.commit()
        # After the commit: a failed commit must not leave a draft without its photos.
        context.app.photo_store.remove(*files)
    if update.callback_query is not None:
        await _answer(update.callback_query)
    await _reply(update, context.t(key), reply_markup=ReplyKeyboardRemove())


def _remove_after_commit(files: list[str]) -> None:
    """Photo files to delete once the step's commit has gone through (not before: a failed
    commit must not leave rows pointing at deleted files)."""
    current_scope().extra.setdefault(REMOVE_FILES, []).extend(files)


async def reask(update: Update, context: AppContext) -> None:
    """Answers input the current step cannot take, and asks its question again."""
    report = loaded_draft()
    if report is None:
        return
    step = current_step(report)
    if update.callback_query is not None:
        await _answer(update.callback_query, context.t("stale-button"))
        return
    await _reply(update, context.t(_wrong_input_key(update, step)))
    await _ask_and_record(update, context, report, step)


# Steps whose answer is typed (a date may also be a button): anything else sent there is
# told that text is needed. At the other steps, only their buttons (or a photo, a place).
TEXT_STEPS = frozenset(
    {Step.DATE, Step.ACTIVITY_OTHER, Step.HOUSEHOLDS, Step.PEOPLE, Step.DESCRIPTION}
)


def _wrong_input_key(update: Update, step: Step) -> str:
    """Why this input does not fit `step`: a sticker, contact, poll or video at a button
    step is told to use the buttons, not that text is needed."""
    if step is Step.PHOTOS:
        return "input-photo-expected"
    if step is Step.LOCATION:
        return "input-location-expected"
    if step in TEXT_STEPS:
        return "input-text-expected"
    return "input-use-buttons"


# --- steps -----------------------------------------------------------------------------


def _data(update: Update) -> str:
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.removeprefix(views.PREFIX)


def _text(update: Update) -> str:
    message = update.effective_message
    assert message is not None and message.text is not None
    return message.text


@_step
async def on_back(update: Update, context: AppContext, report: Report) -> Step:
    """Goes to the previous step (or back to the summary when editing)."""
    step = current_step(report)
    previous = before(report, step, village_count=await _village_count(context, report))
    if previous is None:
        raise InputError("nothing-before")
    if step is Step.STRATEGY and activity_index(report) > 0:
        # Backing out of a new activity that has nothing in it yet: drop it.
        activity = current_activity(report)
        if activity.strategy is None and not activity.photos:
            report.draft.remove(activity)
            set_state(report, act=len(report.draft) - 1)
    return previous


@_step
async def on_village(update: Update, context: AppContext, report: Report) -> Step:
    """Stores the village, after checking it is one of the agency's (data can be forged)."""
    try:
        village_id = int(_data(update).removeprefix("v:"))
    except ValueError:
        raise InputError("village-not-yours") from None
    villages = {v.id: v for v in await _villages(context)}
    if village_id not in villages:
        raise InputError("village-not-yours")
    # The object, not only the id: the summary reads `report.village` from this session.
    report.village = villages[village_id]
    return after(report, Step.VILLAGE, village_count=len(villages))


async def _set_date(context: AppContext, report: Report, visit: date) -> Step:
    report.visit_date = visit
    return after(report, Step.DATE, village_count=await _village_count(context, report))


@_step
async def on_date_button(update: Update, context: AppContext, report: Report) -> Step:
    """Stores today or yesterday."""
    choice = _data(update).removeprefix("d:")
    today = _today(context)
    if choice == "today":
        return await _set_date(context, report, today)
    if choice == "yesterday":
        return await _set_date(context, report, today - timedelta(days=1))
    raise InputError("date-unreadable")


@_step
async def on_date_text(update: Update, context: AppContext, report: Report) -> Step:
    """Stores a typed visit date: not in the future, not older than the limit."""
    visit = parse_visit_date(
        _text(update), today=_today(context), max_age_days=context.settings.report_max_age_days
    )
    return await _set_date(context, report, visit)


@_step
async def on_strategy(update: Update, context: AppContext, report: Report) -> Step:
    """Stores the strategy; a different one than before clears the activity chosen under it."""
    value = _data(update).removeprefix("s:")
    try:
        strategy = Strategy(value)
    except ValueError:
        raise InputError("unknown-choice") from None
    activity = current_activity(report)
    if activity.strategy != strategy.value:
        activity.strategy = strategy.value
        activity.activity = None
        activity.activity_other = None
    return after(report, Step.STRATEGY, village_count=0)


async def explain_strategies(update: Update, context: AppContext) -> None:
    """Shows a one-line explanation of each strategy, leaving the question in place."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await _reply(update, context.t("report-strategy-explanations"))


@_step
async def on_activity(update: Update, context: AppContext, report: Report) -> Step:
    """Stores the activity, checking it belongs to the chosen strategy."""
    key = _data(update).removeprefix("a:")
    activity = current_activity(report)
    if key != OTHER:
        found = await get_activity(context.session, key)
        if found is None or not found.active or found.strategy.value != activity.strategy:
            raise InputError("unknown-choice")
        activity.activity_other = None
    activity.activity = key
    return after(report, Step.ACTIVITY, village_count=0)


@_step
async def on_activity_other(update: Update, context: AppContext, report: Report) -> Step:
    """Stores the name of an activity that is not in the list."""
    current_activity(report).activity_other = check_text(
        _text(update), minimum=OTHER_MIN, maximum=OTHER_MAX
    )
    return after(report, Step.ACTIVITY_OTHER, village_count=0)


@_step
async def on_households(update: Update, context: AppContext, report: Report) -> Step:
    """Stores the number of households reached."""
    activity = current_activity(report)
    activity.households = parse_count(_text(update), maximum=MAX_HOUSEHOLDS)
    return after(report, Step.HOUSEHOLDS, village_count=0)


@_step
async def on_people(update: Update, context: AppContext, report: Report) -> Step:
    """Stores the number of people, which cannot be fewer than the households."""
    activity = current_activity(report)
    people = parse_count(_text(update), maximum=MAX_PEOPLE)
    if activity.households and people < activity.households:
        raise InputError("people-fewer-than-households", households=activity.households)
    activity.people = people
    return after(report, Step.PEOPLE, village_count=0)


@_step
async def on_people_skip(update: Update, context: AppContext, report: Report) -> Step:
    """Leaves the number of people empty (it is optional)."""
    current_activity(report).people = None
    return after(report, Step.PEOPLE, village_count=0)


@_step
async def on_description(update: Update, context: AppContext, report: Report) -> Step:
    """Stores what was done and found."""
    current_activity(report).description = check_text(
        _text(update), minimum=DESCRIPTION_MIN, maximum=DESCRIPTION_MAX
    )
    return after(report, Step.DESCRIPTION, village_count=0)


@_step
async def on_photo(update: Update, context: AppContext, report: Report) -> Step:
    """Downloads, checks and stores one photo (or image file) for the current activity."""
    message = update.effective_message
    assert message is not None
    activity = current_activity(report)
    if message.photo:
        size = max(message.photo, key=lambda p: p.width * p.height)
        file_id, unique_id, file_size, source = (
            size.file_id,
            size.file_unique_id,
            size.file_size,
            "photo",
        )
    elif message.document is not None:
        document = message.document
        if not accepts_file(document.file_name, document.mime_type):
            mime = document.mime_type or ""
            if mime.startswith("image/"):
                # An image of a kind the store does not take (TIFF, GIF...): say which.
                raise InputError("photo-unsupported-format", format=mime[6:].upper())
            raise InputError("photo-not-an-image")
        file_id, unique_id, file_size, source = (
            document.file_id,
            document.file_unique_id,
            document.file_size,
            "document",
        )
    else:
        raise InputError("photo-expected")
    if any(p.telegram_file_unique_id == unique_id for p in activity.photos):
        raise InputError("photo-duplicate")
    if len(activity.photos) >= MAX_PHOTOS:
        raise InputError("photo-limit", maximum=MAX_PHOTOS)
    if file_size is not None and file_size > MAX_DOWNLOAD_BYTES:
        raise InputError("photo-too-large-bytes", limit_mb=MAX_DOWNLOAD_BYTES // (1024 * 1024))

    data = await _download(context, file_id)
    store: PhotoStore = context.app.photo_store
    try:
        # One file per Telegram file: the same photo sent twice maps to the same name.
        stored = await store.ingest_async(
            data,
            key=f"report-{report.id}/act-{activity.key}/{unique_id}",
            # A file's bytes as received are the evidence its SHA-256 and EXIF stand for.
            keep_original=source == "document",
        )
    except PhotoRejected as rejected:
        raise InputError(f"photo-{rejected.code}", **_photo_params(rejected.details)) from None
    photo = DraftPhoto(
        telegram_file_unique_id=unique_id,
        file_id=file_id,
        source=source,
        sha256=stored.sha256,
        archive_path=stored.archive_path,
        thumb_path=stored.thumb_path,
        width=stored.width,
        height=stored.height,
        taken_at=stored.taken_at,
        exif_latitude=stored.latitude,
        exif_longitude=stored.longitude,
        phash=stored.phash,
        original_path=stored.original_path,
        archive_sha256=stored.archive_sha256,
    )
    activity.photos.append(photo)
    # Said at once, while the person can still send another photo; the photo stays (the
    # coordinators see the flag and decide).
    reused = await evidence.photo_reuse(context.session, report, [photo], now=context.now())
    if reused:
        _notice("report-photo-reused", reference=reused[0].reference, match=reused[0].match)
    return Step.PHOTOS


async def _download(context: AppContext, file_id: str) -> bytes:
    """The file's bytes. `getFile` is retried by the rate limiter like every call; the
    download itself is not a Bot API call, so it is retried here, on the same backoff. If
    Telegram stays unreachable, the person is told to send the photo again (the photos
    already received stay)."""
    try:
        telegram_file = await context.bot.get_file(file_id)
        for delay in context.settings.api_backoff:
            try:
                return bytes(await telegram_file.download_as_bytearray())
            except BadRequest:
                raise
            except NetworkError:
                await asyncio.sleep(delay)
        return bytes(await telegram_file.download_as_bytearray())
    except BadRequest:
        raise
    except NetworkError as exc:
        _LOG.warning("photo download failed: %s", exc)
        raise InputError("photo-download-failed") from None


def _photo_params(details: Mapping[str, object]) -> dict[str, object]:
    """Limits in the units people know: megabytes and megapixels."""
    params = dict(details)
    limit = params.pop("limit", None)
    if isinstance(limit, int):
        params["limit_mb"] = limit // (1024 * 1024)
        params["limit_mp"] = limit // 1_000_000
    params.pop("size", None)
    return params


@_step
async def on_photos_done(update: Update, context: AppContext, report: Report) -> Step:
    """Moves on once the activity has at least one photo."""
    if not current_activity(report).photos:
        raise InputError("photo-at-least-one")
    return after(report, Step.PHOTOS, village_count=0)


@_step
async def on_photos_clear(update: Update, context: AppContext, report: Report) -> Step:
    """Removes the activity's photos while changing them, so that others can replace them
    (files an earlier version of a corrected report points at stay)."""
    activity = current_activity(report)
    if not editing(report) or not activity.photos:
        raise InputError("unknown-choice")
    _remove_after_commit(await removable_photo_files(context.session, report, [activity]))
    activity.photos = []
    return Step.PHOTOS


@_step
async def on_more(update: Update, context: AppContext, report: Report) -> Step:
    """Adds another activity to the visit, once this one has a photo."""
    if not current_activity(report).photos:
        raise InputError("photo-at-least-one")
    return _add_activity(report)


def _add_activity(report: Report) -> Step:
    if len(report.draft) >= MAX_ACTIVITIES:
        raise InputError("activity-limit", maximum=MAX_ACTIVITIES)
    report.draft.append(DraftActivity())
    set_state(report, act=len(report.draft) - 1, edit=False)
    return Step.STRATEGY


@_step
async def on_location(update: Update, context: AppContext, report: Report) -> Step:
    """Stores the shared location: coordinates, accuracy, and whether live or forwarded."""
    message = update.effective_message
    assert message is not None and message.location is not None
    location = message.location
    report.latitude = location.latitude
    report.longitude = location.longitude
    report.location_accuracy = location.horizontal_accuracy
    report.location_live = bool(location.live_period)
    report.location_forwarded = message.forward_origin is not None
    set_state(report, location_done=True)
    # No "location saved" line: the summary that follows shows it (one message fewer).
    return after(report, Step.LOCATION, village_count=0)


@_step
async def on_location_text(update: Update, context: AppContext, report: Report) -> Step:
    """Handles the "skip" and "back" keys of the location keyboard."""
    text = _text(update).strip()
    if text == context.t("report-location-skip"):
        report.latitude = report.longitude = report.location_accuracy = None
        report.location_live = report.location_forwarded = None
        set_state(report, location_done=True)
        return after(report, Step.LOCATION, village_count=0)
    if text == context.t("button-back"):
        _notice("report-going-back")
        previous = before(report, Step.LOCATION, village_count=0)
        assert previous is not None
        return previous
    raise InputError("location-expected")


async def send(update: Update, context: AppContext) -> None:
    """Submits the report. Its confirmation (with the reference) is queued in the outbox in
    the same commit, so it arrives even if the bot dies right after; an incomplete report
    goes back to its first gap instead."""
    user = context.user
    query = update.callback_query
    report = loaded_draft()
    assert user is not None and query is not None and report is not None
    missing = first_missing(report)
    if missing is not None:
        step, index = missing
        set_state(report, act=index, edit=True)
        advance(report, step)
        question = await _question(context, report, step)
        await context.session.commit()
        await _answer(query, context.t("input-report-incomplete"))
        async with _asking(context, report):
            await _send_question(update, question)
        return
    now = context.now()
    catalogue = await _catalogue(context)
    # The evidence checks are the draft's: a first version and a correction alike keep
    # them with the version they are sent as.
    report.flags = await evidence.check(
        context.session, report, settings=context.settings, now=now
    )
    if report.corrects_id is None:
        reference = submit(report, now, context.settings.tz)
        sent = report
        text = views.summary_text(context, sent, catalogue=catalogue, header_key="report-sent")
    else:
        sent, before = await submit_correction(context.session, report, now)
        assert sent.reference is not None
        reference = sent.reference
        audit.record(
            context.session,
            "report.corrected",
            actor=user.telegram_id,
            target=reference,
            version=sent.version,
        )
        text = views.summary_text(
            context,
            sent,
            catalogue=catalogue,
            header_key="correction-sent",
            version=sent.version,
            changes=await _changes(context, before, snapshot(sent)),
        )
    # A version is sent: `sent` is the report row holding it (its activities as rows).
    notices = await queue_new_report(context.session, sent, context.app.translator)
    confirmation = outbox.queue(
        context.session,
        user.telegram_id,
        text,
        # The location keyboard only hides itself once used; the form's end takes it away.
        reply_markup=ReplyKeyboardRemove().to_dict(),
    )
    # The draft is gone with this commit: a press of this update handled again (its inbox
    # mark, written later in a batch, lost in a crash) meets no form, and `already_sent`
    # knows it by the id the sent report keeps.
    scope = current_scope()
    sent.last_update_id = scope.update_id
    scope.lazy_mark = scope.update_id is not None
    await context.session.commit()
    _LOG.info("report %s v%d submitted by user %s", reference, sent.version, user.telegram_id)
    await _answer(query)
    # Queued claimed by this process, sent now; if these fail, the outbox job sends them
    # within a minute. The author's confirmation first; then the coordinators who want to
    # hear of each report as it arrives.
    for message in (confirmation, *notices):
        await outbox.deliver_claimed(context.session, context.bot, message)


def _correction_id(update: Update) -> int | None:
    """The report id of a "correct this report" button (None when the data is forged)."""
    value = _data(update).removeprefix("fix:")
    return int(value) if value.isdecimal() and len(value) < 12 else None


async def open_correction(update: Update, context: AppContext) -> None:
    """Opens one of the person's sent reports in the form, at its summary, as a draft of
    its next version (a coordinator asked for a correction, or it was sent < 24 h ago)."""
    user = context.user
    query = update.callback_query
    assert user is not None and query is not None
    await _answer(query)
    if user.role is not Role.STAFF:
        await _reply(update, context.t("report-staff-only"))
        return
    report_id = _correction_id(update)
    original = await get_submitted(context.session, report_id) if report_id else None
    # Only the author's own reports: callback data can be forged.
    if original is None or original.user_id != user.id:
        _LOG.warning("user %s: refused correction button %r", user.telegram_id, query.data)
        await _reply(update, context.t("correction-not-yours"))
        return
    if not correctable(original, context.now()):
        key = (
            "correction-verified"
            if original.review_status is ReviewStatus.VERIFIED
            else "correction-too-late"
        )
        await _reply(update, context.t(key, reference=original.reference or ""))
        return
    report = new_correction(context.session, original)
    set_state(report, act=0, villages=len(await _villages(context)), location_done=True)
    advance(report, Step.SUMMARY)
    # Written first: the summary compares the copy with the sent version, and the copy's
    # village_id (set from its village) is only filled in by the flush.
    await context.session.flush()
    question = await _question(context, report, Step.SUMMARY)
    await context.session.commit()
    _LOG.info("user %s opened a correction of %s", user.telegram_id, original.reference)
    async with _asking(context, report):
        await _send_question(update, question)


async def correction_while_drafting(update: Update, context: AppContext) -> None:
    """A "correct this report" button while a form is open: the same correction again is
    shown where it stands; anything else waits until the open one is sent or cancelled."""
    query = update.callback_query
    report = loaded_draft()
    assert query is not None and report is not None
    await _answer(query)
    if report.corrects_id is None or report.corrects_id != _correction_id(update):
        await _reply(update, context.t("correction-finish-draft-first"))
    await _ask_and_record(update, context, report, current_step(report))


async def already_sent(update: Update, context: AppContext) -> None:
    """A press on "Send" when no form is open: the report went out before (the press came
    again, or the confirmation was slow); say which one instead of "nothing to send"."""
    user = context.user
    query = update.callback_query
    assert user is not None and query is not None
    latest = await latest_submitted(context.session, user.id, since=context.now() - RECENT)
    update_id = current_scope().update_id
    if (
        latest is not None
        and update_id is not None
        and latest.last_update_id is not None
        and update_id <= latest.last_update_id
    ):
        # This very press sent it (handled again after a crash lost its inbox mark, see
        # `send`): like an answer the draft already holds, it is not answered twice (its
        # confirmation is the outbox's; an unanswered button's spinner stops by itself).
        _LOG.info("update %s sent %s already", update_id, latest.reference)
        return
    if latest is None or latest.reference is None:
        await _answer(query, context.t("report-no-draft"))
    else:
        await _answer(query, context.t("report-already-sent", reference=latest.reference))


@_step
async def on_edit(update: Update, context: AppContext, report: Report) -> Step:
    """Shows which field to change."""
    return Step.EDIT


@_step
async def on_summary(update: Update, context: AppContext, report: Report) -> Step:
    """Back to the summary (from the edit menu or the cancel question)."""
    return Step.SUMMARY


async def ask_cancel(update: Update, context: AppContext) -> None:
    """Asks for confirmation before throwing a whole draft away."""
    query = update.callback_query
    report = loaded_draft()
    assert query is not None
    await _answer(query)
    key = "report-cancel-confirm"
    if report is not None and report.corrects_id is not None:
        key = "correction-cancel-confirm"
    await _reply(update, context.t(key), reply_markup=views.cancel_confirm_keyboard(context))


@_step
async def on_edit_choice(update: Update, context: AppContext, report: Report) -> Step:
    """Jumps to the chosen field; after it the form returns to the summary."""
    parts = _data(update).removeprefix("e:").split(":")
    field = parts[0]
    if field in ("village", "date", "location"):
        set_state(report, edit=True)
        if field == "location":
            set_state(report, location_done=False)
            return Step.LOCATION
        return Step.VILLAGE if field == "village" else Step.DATE
    if field == "add":
        return _add_activity(report)
    try:
        index = int(parts[1])
    except (IndexError, ValueError):
        raise InputError("unknown-choice") from None
    if not 0 <= index < len(report.draft):
        raise InputError("unknown-choice")
    if field == "remove":
        if len(report.draft) < 2:
            raise InputError("unknown-choice")
        removed = report.draft.pop(index)
        _remove_after_commit(await removable_photo_files(context.session, report, [removed]))
        set_state(report, act=0)
        return Step.SUMMARY
    steps = {
        "strategy": Step.STRATEGY,
        "households": Step.HOUSEHOLDS,
        "description": Step.DESCRIPTION,
        "photos": Step.PHOTOS,
    }
    if field not in steps:
        raise InputError("unknown-choice")
    set_state(report, act=index, edit=True)
    return steps[field]


# --- the table -------------------------------------------------------------------------


def _button(callback: Callback, pattern: str) -> CallbackQueryHandler[AppContext, None]:
    return CallbackQueryHandler(callback, pattern=f"^{views.PREFIX}{pattern}")


TEXT = filters.TEXT & ~filters.COMMAND
BACK = _button(on_back, "back$")
RECENT = timedelta(hours=24)


def conversation() -> StoredConversation:
    """The form as a state table: each state lists the input it accepts."""
    return StoredConversation(
        state=_current_state,
        entry_points=[
            CommandHandler(aliases("report"), start_report),
            _button(start_report, "start$"),
            _button(already_sent, "send$"),
            _button(open_correction, "fix:"),
        ],
        states={
            Step.VILLAGE: [_button(on_village, "v:"), BACK],
            Step.DATE: [_button(on_date_button, "d:"), MessageHandler(TEXT, on_date_text), BACK],
            Step.STRATEGY: [
                _button(explain_strategies, "s:info$"),
                _button(on_strategy, "s:"),
                BACK,
            ],
            Step.ACTIVITY: [_button(on_activity, "a:"), BACK],
            Step.ACTIVITY_OTHER: [MessageHandler(TEXT, on_activity_other), BACK],
            Step.HOUSEHOLDS: [MessageHandler(TEXT, on_households), BACK],
            Step.PEOPLE: [MessageHandler(TEXT, on_people), _button(on_people_skip, "skip$"), BACK],
            Step.DESCRIPTION: [MessageHandler(TEXT, on_description), BACK],
            Step.PHOTOS: [
                MessageHandler(filters.PHOTO | filters.Document.ALL, on_photo),
                _button(on_photos_done, "done$"),
                _button(on_more, "more$"),
                _button(on_photos_clear, "clear$"),
                BACK,
            ],
            Step.LOCATION: [
                MessageHandler(filters.LOCATION, on_location),
                MessageHandler(TEXT, on_location_text),
            ],
            Step.SUMMARY: [
                _button(send, "send$"),
                # "Add another activity" straight from the summary: the edit menu's choice.
                _button(on_edit_choice, "e:add$"),
                _button(on_edit, "edit$"),
                _button(ask_cancel, "cancel$"),
                _button(cancel, "cancel!$"),
                _button(on_summary, "summary$"),
            ],
            Step.EDIT: [_button(on_edit_choice, "e:"), _button(on_summary, "summary$")],
        },
        fallbacks=[
            CommandHandler(aliases("cancel"), cancel),
            CommandHandler(aliases("report"), start_report),
            _button(correction_while_drafting, "fix:"),
            # Anything else that is not a command: say what is expected, ask again.
            MessageHandler(~filters.COMMAND, reask),
            CallbackQueryHandler(reask, pattern=f"^{views.PREFIX}"),
        ],
    )


def loaders() -> list[BaseHandler[Update, AppContext, None]]:
    """Runs before the main group: reads the draft that `conversation()` dispatches on."""
    return [TypeHandler(Update, load_draft)]


def handlers() -> list[BaseHandler[Update, AppContext, object]]:
    return [conversation()]


__all__ = ["NAME", "conversation", "handlers", "loaders"]
