"""Builds the Application: settings in, handlers registered, lifecycle hooks attached.

This module only wires. Features live in `handlers/` and `jobs/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import warnings
from functools import partial

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.warnings import PTBUserWarning

from bot import runs
from bot.polling import Poller
from core.aiohttp_request import AiohttpRequest, UpdatesRequest
from core.concurrency import PerChatUpdateProcessor
from core.context import AppContext, DampinganApplication
from core.i18n import Translator
from core.ratelimit import TelegramRateLimiter
from core.settings import Settings
from handlers import (
    access,
    assignments,
    broadcast,
    exports,
    help,
    history,
    invitations,
    language,
    pause,
    people,
    registration,
    report,
    review,
    schedules,
    summary,
)
from handlers import audit as audit_handlers
from handlers import imports as import_handlers
from handlers.errors import on_error
from jobs import backup as backup_job
from jobs import maintenance, menus, outbox, review_notices, schedule
from models import updates
from models.db import UPDATES_IN_FLIGHT, make_engine, make_sessionmaker
from services import broadcast as broadcast_sending
from services.photos import PhotoStore

_LOG = logging.getLogger(__name__)
_ENGINE_KEY = "engine"
_POLLER_KEY = "poller"
_UPDATES_REQUEST_KEY = "updates_request"

# Callback buttons inside per-chat conversations are intended (see PTB-NOTES).
warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")


def build_application(settings: Settings) -> DampinganApplication:
    """Creates the bot application for `settings` (database migrated beforehand by the CLI)."""
    token = settings.require_token()
    api = settings.telegram_api_url
    engine = make_engine(settings.database_url_or_default)
    updates_request = UpdatesRequest(pool_size=1, read_timeout=5.0, write_timeout=5.0)
    application = (
        ApplicationBuilder()
        .application_class(DampinganApplication)
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=AppContext))
        .concurrent_updates(PerChatUpdateProcessor(UPDATES_IN_FLIGHT))
        # bot/polling.py polls instead of PTB's Updater: it confirms an update to Telegram
        # only once the update is stored.
        .updater(None)
        .rate_limiter(
            TelegramRateLimiter(
                send_rate=settings.send_rate,
                chat_rate=settings.chat_send_rate,
                backoff=settings.api_backoff,
            )
        )
        # aiohttp instead of PTB's httpx (core/aiohttp_request.py says why); the pool
        # sizes are PTB's own defaults.
        .request(
            AiohttpRequest(
                pool_size=256,
                read_timeout=settings.api_timeout,
                write_timeout=settings.api_timeout,
                media_write_timeout=settings.api_timeout * 3,
            )
        )
        .get_updates_request(updates_request)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)  # type: ignore[arg-type]
        .post_shutdown(_post_shutdown)  # type: ignore[arg-type]
        .build()
    )
    assert isinstance(application, DampinganApplication)
    application.settings = settings
    application.sessionmaker = make_sessionmaker(engine)
    application.translator = Translator(settings.language)
    application.photo_store = PhotoStore(settings.photos_dir, tz=settings.tz)
    application.update_marker = updates.mark_handled
    application.lazy_marks = set()
    if settings.scheduled_jobs:
        application.on_schedule_changed = partial(schedule.schedule, application)
    application.bot_data[_ENGINE_KEY] = engine
    application.bot_data[_UPDATES_REQUEST_KEY] = updates_request
    _register(application)
    return application


def _register(application: DampinganApplication) -> None:
    # Group -4: the gate sees every update first and stops people who are not registered,
    # so no feature below has to check registration itself.
    application.add_handlers(access.handlers(), group=-4)
    # Group -3: an admin's open broadcast draft is read (its step decides what a typed
    # message or photo is). A group of its own: one handler per group runs.
    application.add_handlers(broadcast.loaders(), group=-3)
    # Group -2: a reviewer's open comment step is read (a typed message is the comment only
    # while one was asked for). A group of its own: one handler per group runs.
    application.add_handlers(review.loaders(), group=-2)
    # Group -1: the report form loads the person's draft, whose stored step decides which
    # of the form's handlers takes the update (a handler's check cannot query the database).
    application.add_handlers(report.loaders(), group=-1)
    # Group 0: one handler per update wins, in this order. The fallbacks come last so
    # that every feature gets its chance before "not understood".
    application.add_handlers(
        [
            *registration.handlers(),
            # The report form before the other features: while it is open, its fallbacks
            # answer input meant for it; commands it does not know pass through.
            *report.handlers(),
            *history.handlers(),
            *pause.handlers(),
            *invitations.handlers(),
            *people.handlers(),
            *assignments.handlers(),
            *schedules.handlers(),
            *summary.handlers(),
            *review.handlers(),
            *exports.handlers(),
            *audit_handlers.handlers(),
            *import_handlers.handlers(),
            *broadcast.handlers(),
            *language.handlers(),
            *help.handlers(),
            *help.fallback_handlers(),
        ]
    )
    application.add_error_handler(on_error)


async def _post_init(application: DampinganApplication) -> None:
    """Sets the guest menus and schedules the refresh of personal menus."""
    await menus.set_guest_menus(application)
    # Personal menus can be many calls; do them in the background once polling runs.
    assert application.job_queue is not None
    application.job_queue.run_once(menus.refresh_menus, when=0, name="menus.refresh")
    # A photo write killed half-way left a temporary file: nothing refers to it.
    await maintenance.sweep_temporary_files(application)
    maintenance.schedule(application)
    outbox.schedule(application)
    if application.settings.scheduled_jobs:
        await schedule.install(application)
        review_notices.schedule(application)
        backup_job.schedule(application)
    # A broadcast the last run did not finish goes on (its job died with that run). Looked
    # up here, before the first update, not in a job that would run among them.
    await broadcast_sending.resume(application)
    _LOG.info("Dampingan started as @%s", application.bot.username)


async def _post_shutdown(application: DampinganApplication) -> None:
    engine: AsyncEngine = application.bot_data[_ENGINE_KEY]
    await engine.dispose()


def allowed_updates() -> list[str]:
    # Edited messages are not asked for: an edit is not a new answer to the form, and live
    # locations (which arrive as edits) are kept as the first position shared.
    return [Update.MESSAGE, Update.CALLBACK_QUERY]


async def start_polling(application: DampinganApplication, *, poll_timeout: int = 10) -> None:
    """Starts the application and polls in the background (the demo and the tests own the
    event loop; `serve` is the command line's way)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    await runs.begin(application)
    poller = Poller(
        application,
        timeout=poll_timeout,
        allowed_updates=allowed_updates(),
        as_sent=application.bot_data[_UPDATES_REQUEST_KEY],
    )
    application.bot_data[_POLLER_KEY] = poller
    await poller.start()


async def stop_polling(application: DampinganApplication) -> None:
    """The counterpart of `start_polling`: no new updates, then the application stops."""
    poller: Poller | None = application.bot_data.pop(_POLLER_KEY, None)
    if poller is not None:
        await poller.stop()
    # A broadcast being sent stops now rather than holding the stop until everyone has it.
    await broadcast_sending.stop_sending(application)
    if application.running:
        await application.stop()
    if poller is not None:
        # Updates still queued at the stop were handled by `application.stop()`: their
        # batched inbox marks too are written now (else the next start looks at them again).
        with contextlib.suppress(SQLAlchemyError):
            await poller.write_lazy_marks()
        runs.end(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def serve(application: DampinganApplication) -> None:
    """Runs until SIGINT or SIGTERM, then stops cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await start_polling(application)
    try:
        await stop.wait()
    finally:
        await stop_polling(application)
