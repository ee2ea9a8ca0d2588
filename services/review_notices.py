"""Telling coordinators that reports wait for their review: at once (a notice per report,
queued with the submission) or once a day (jobs/review_notices.py); both open the queue.

The report form calls `queue_new_report` right after `submit`, in the same transaction, so
the notices go out (through the outbox) exactly when the report does; it sends them itself
right after its commit, so they are queued claimed by it (services/outbox.py, `queue`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.i18n import Raw, Translator
from models import reviews
from models.outbox import OutboxMessage
from models.reports import Report
from models.users import ReviewNotify, User
from services import outbox

# The review queue's first card (handlers/review.py).
OPEN_QUEUE = "rv:q"


def open_queue_keyboard(translator: Translator, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(translator(lang, "review-open-queue"), callback_data=OPEN_QUEUE)]]
    )


async def queue_new_report(
    session: AsyncSession, report: Report, translator: Translator
) -> list[OutboxMessage]:
    """Queues a short notice of the just-sent `report` to every reviewer who wants one per
    report and whose scope contains its village. The caller commits, then sends them with
    `outbox.deliver_claimed`."""
    queued = []
    for user in await reviews.to_notify(session, ReviewNotify.EACH, report.village):
        lang = user.language
        text = translator(
            lang,
            "review-notice-new",
            reference=report.reference or "—",
            village=report.village.label if report.village is not None else "—",
            version=report.version,
        )
        queued.append(
            outbox.queue(
                session,
                user.telegram_id,
                text,
                reply_markup=_json(open_queue_keyboard(translator, lang)),
            )
        )
    return queued


def daily_text(translator: Translator, user: User, count: int) -> Raw:
    return translator(user.language, "review-notice-daily", count=count)


def _json(markup: InlineKeyboardMarkup) -> dict[str, Any]:
    return markup.to_dict()
