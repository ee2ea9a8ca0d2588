"""Builds the Application: settings in, handlers registered, lifecycle hooks attached.

This module only wires. Features live in `handlers/` and `jobs/`.
"""

from __future__ import annotations

import logging
import warnings

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults
from telegram.warnings import PTBUserWarning

from bot.concurrency import PerChatUpdateProcessor
from bot.persistence import DraftPersistence
from core.context import AppContext, DampinganApplication
from core.i18n import Translator
from core.settings import Settings
from handlers import (
    access,
    help,
    history,
    invitations,
    language,
    pause,
    registration,
    report,
    schedules,
    summary,
)
from handlers.errors import on_error
from jobs import maintenance, menus, schedule
from models import reports
from models.db import make_engine, make_sessionmaker
from services.photos import PhotoStore

_LOG = logging.getLogger(__name__)
_ENGINE_KEY = "engine"

# Callback buttons inside per-chat conversations are intended (see PTB-NOTES).
warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")


def build_application(settings: Settings) -> DampinganApplication:
    """Creates the bot application for `settings` (database migrated beforehand by the CLI)."""
    token = settings.require_token()
    api = settings.telegram_api_url
    engine = make_engine(settings.database_url_or_default)
    sessionmaker = make_sessionmaker(engine)

    async def draft_steps() -> list[tuple[int, str]]:
        async with sessionmaker() as session:
            return await reports.draft_steps(session)

    application = (
        ApplicationBuilder()
        .application_class(DampinganApplication)
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=AppContext))
        .concurrent_updates(PerChatUpdateProcessor())
        # Telegram's overall limit (about 30 messages a second); a 429 is waited out and
        # retried. Private chats are paced per chat by jobs/delivery.py.
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.send_rate, overall_time_period=1, max_retries=3
            )
        )
        # Only the report form's state is persisted, and it is read from the drafts.
        .persistence(DraftPersistence({report.NAME: draft_steps}))
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
    application.sessionmaker = sessionmaker
    application.translator = Translator(settings.language)
    application.photo_store = PhotoStore(settings.photos_dir, tz=settings.tz)
    application.bot_data[_ENGINE_KEY] = engine
    _register(application)
    return application


def _register(application: DampinganApplication) -> None:
    # Group -1: the gate sees every update first and stops people who are not registered,
    # so no feature below has to check registration itself.
    application.add_handlers(access.handlers(), group=-1)
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
            *schedules.handlers(),
            *summary.handlers(),
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
    maintenance.schedule(application)
    if application.settings.scheduled_jobs:
        await schedule.install(application)
    _LOG.info("Dampingan started as @%s", application.bot.username)


async def _post_shutdown(application: DampinganApplication) -> None:
    engine: AsyncEngine = application.bot_data[_ENGINE_KEY]
    await engine.dispose()


def allowed_updates() -> list[str]:
    # Edited messages are not asked for: an edit is not a new answer to the form, and live
    # locations (which arrive as edits) are kept as the first position shared.
    return [Update.MESSAGE, Update.CALLBACK_QUERY]


async def start_polling(application: DampinganApplication, *, poll_timeout: int = 10) -> None:
    """What `run_polling` does before it blocks, for callers that own the event loop
    (the demo, the tests): PTB calls `post_init` only from `run_polling` itself."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=poll_timeout, allowed_updates=allowed_updates()
    )


async def stop_polling(application: DampinganApplication) -> None:
    """The counterpart of `start_polling`."""
    assert application.updater is not None
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
