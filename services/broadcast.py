"""Sending a confirmed broadcast: through the delivery log, as a job, resumable.

Who gets it was fixed at confirmation (pending rows in the delivery log, see
models/broadcasts.py); the Deliverer claims each row with a lease and records the send, so
a restart mid-way resumes the rest and nobody gets it twice. The last run to finish marks
the broadcast done (one conditional UPDATE, so only one run does) and queues the admin's
report in the outbox in the same commit: the report too arrives once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import update

from core.context import AppContext, DampinganApplication
from models import audit
from models.base import utcnow
from models.broadcasts import (
    KIND,
    Broadcast,
    BroadcastStatus,
    held_until,
    pending_recipients,
    period,
    sending,
    tally,
)
from models.deliveries import DeliveryStatus
from models.outbox import add as queue_message
from models.users import User
from services import outbox
from services.delivery import Deliverer, Outcome, Part

_LOG = logging.getLogger(__name__)
JOB_PREFIX = "broadcast."
_RUNNING = "broadcast.running"


def start(application: DampinganApplication, broadcast_id: int, when: float = 0) -> None:
    """Sends the broadcast in the background (the admin's update is not held up). A job,
    not a bare task: stopping the bot cancels it, and the next start resumes it."""
    assert application.job_queue is not None
    application.job_queue.run_once(
        _run, when=when, data=broadcast_id, name=f"{JOB_PREFIX}{broadcast_id}"
    )


async def resume(application: DampinganApplication) -> None:
    """At start-up: broadcasts confirmed but not finished (the bot died mid-way) go on."""
    async with application.scope() as scope:
        unfinished = [b.id for b in await sending(scope.session)]
    for broadcast_id in unfinished:
        _LOG.info("resuming broadcast %s", broadcast_id)
        start(application, broadcast_id)


async def _run(context: AppContext) -> None:
    """Job: one broadcast's fan-out."""
    assert context.job is not None and isinstance(context.job.data, int)
    running: set[asyncio.Task[None]] = context.app.bot_data.setdefault(_RUNNING, set())
    task = asyncio.ensure_future(send(context.app, context.job.data))
    running.add(task)
    try:
        await task
    except asyncio.CancelledError:
        # Stopped by `stop_sending`: not an error, the next start resumes it.
        _LOG.info("broadcast %s stopped mid-way", context.job.data)
    finally:
        running.discard(task)


async def stop_sending(application: DampinganApplication) -> None:
    """Cancels broadcasts being sent, before the application stops: PTB's stop would wait
    for the job until everyone has it (minutes for thousands of people). Parts in flight
    are still recorded (services/delivery.py); the next start resumes the rest."""
    running: set[asyncio.Task[None]] = application.bot_data.get(_RUNNING, set())
    for task in list(running):
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


async def send(application: DampinganApplication, broadcast_id: int) -> None:
    """Delivers the broadcast to everyone still waiting for it, then reports to the admin."""
    async with application.scope() as scope:
        broadcast = await scope.session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
            return
        users = list(await pending_recipients(scope.session, broadcast))
    parts: list[Part] = []
    lock = asyncio.Lock()

    async def build(user: User) -> Sequence[Part]:
        # Built (the photo downloaded) once, by the first person who needs it.
        async with lock:
            if not parts:
                parts.append(await _part(application, broadcast))
        return parts

    result = await Deliverer(application).fan_out(KIND, period(broadcast), users, build)
    _LOG.info(
        "broadcast %s: %d sent, %d already, %d blocked, %d failed",
        broadcast_id,
        *(result.count(o) for o in Outcome),
    )
    await _finish(application, broadcast_id)


async def _part(application: DampinganApplication, broadcast: Broadcast) -> Part:
    if broadcast.photo_file_id is None:
        return Part(text=broadcast.text)
    telegram_file = await application.bot.get_file(broadcast.photo_file_id)
    photo = bytes(await telegram_file.download_as_bytearray())
    return Part(photo=photo, caption=broadcast.text)


async def _finish(application: DampinganApplication, broadcast_id: int) -> None:
    """Marks the broadcast done and queues the admin's report, once; or, while another
    sender still holds some rows (a second process, or one that died on another machine),
    comes back when its leases end: those rows may still be sent."""
    async with application.scope() as scope:
        session = scope.session
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        now = utcnow()
        held = await held_until(session, broadcast, now)
        if held is not None:
            await session.rollback()
            start(application, broadcast_id, when=(held - now).total_seconds() + 1)
            return
        done = await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
            .values(status=BroadcastStatus.DONE, finished_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 0) != 1:
            await session.rollback()
            return  # another run finished it
        counts = await tally(session, broadcast)
        sent = counts.get(DeliveryStatus.SENT, 0)
        blocked = counts.get(DeliveryStatus.BLOCKED, 0)
        # Failed: refused by Telegram, given up after the retries, or deactivated meanwhile.
        failed = sum(counts.values()) - sent - blocked
        admin = await session.get(User, broadcast.admin_id)
        audit.record(
            session,
            "broadcast.delivered",
            actor=admin.telegram_id if admin is not None else None,
            target=f"broadcast:{broadcast_id}",
            sent=sent,
            blocked=blocked,
            failed=failed,
        )
        message_id = None
        if admin is not None:
            text = application.translator(
                admin.language,
                "broadcast-report",
                sent=sent,
                blocked=blocked,
                failed=failed,
            )
            message = queue_message(session, admin.telegram_id, str(text))
            await session.flush()
            message_id = message.id
        await session.commit()
        if message_id is not None:
            # If this fails, the outbox job sends it within a minute.
            await outbox.deliver(session, application.bot, message_id)
