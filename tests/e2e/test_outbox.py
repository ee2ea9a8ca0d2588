"""A message its sender queues already claimed (services/outbox.py, `queue`): sent on that
claim, never twice, and never lost when the sender dies or is slow before sending it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.lease import end_run, holder
from models.outbox import OutboxMessage
from services import outbox
from tests.e2e.conftest import Harness

CHAT = 2301


async def _queued(
    session: AsyncSession, text: str, *, lease_left: timedelta = outbox.LEASE
) -> OutboxMessage:
    """A message queued claimed and committed, its lease with `lease_left` to run."""
    message = outbox.queue(session, CHAT, text)
    assert message.claimed_until is not None
    message.claimed_until += lease_left - outbox.LEASE
    await session.commit()
    return message


async def _person(h: Harness) -> int:
    """Someone who opened the chat (Telegram delivers nothing before); returns how many
    messages they have so far."""
    user = h.user(CHAT, "Budi")
    await user.send_text("/start")
    await h.sandbox.settle()
    return len(user.inbox)


def _texts(h: Harness, seen: int) -> list[str]:
    return [str(m.get("text")) for m in h.sandbox.user(CHAT).inbox[seen:]]


async def test_a_claimed_message_is_sent_on_its_claim_once(harness: Harness) -> None:
    h = harness
    seen = await _person(h)
    async with h.app.scope() as scope:
        message = await _queued(scope.session, "satu")
        # No sender takes a message its sender holds, not even the outbox job.
        assert await outbox.flush(h.app) == 0
        assert await outbox.deliver_claimed(scope.session, h.app.bot, message)
    assert await outbox.flush(h.app) == 0
    await h.sandbox.settle()
    assert _texts(h, seen) == ["satu"]


async def test_a_claim_grown_old_is_renewed_unless_another_sender_took_it(
    harness: Harness,
) -> None:
    h = harness
    seen = await _person(h)
    async with h.app.scope() as scope:
        # Slow calls before it: its lease would not cover a whole send any more.
        slow = await _queued(scope.session, "lambat", lease_left=outbox.FRESH)
        assert await outbox.deliver_claimed(scope.session, h.app.bot, slow)
    async with h.app.scope() as scope:
        # Slower still: the lease ran out and the outbox job sent it meanwhile.
        late = await _queued(scope.session, "terlambat", lease_left=-outbox.FRESH)
        assert await outbox.flush(h.app) == 1
        assert not await outbox.deliver_claimed(scope.session, h.app.bot, late)
    await h.sandbox.settle()
    assert _texts(h, seen) == ["lambat", "terlambat"]


async def test_a_claimed_message_of_a_sender_that_died_is_sent_at_the_next_flush(
    harness: Harness,
) -> None:
    h = harness
    seen = await _person(h)
    # The sender died right after its commit: its lease is still running.
    dead = holder(run=True)
    end_run(dead)
    async with h.app.scope() as scope:
        message = outbox.queue(scope.session, CHAT, "yatim")
        message.claimed_by = dead
        await scope.session.commit()
    assert await outbox.flush(h.app) == 1
    await h.sandbox.settle()
    assert _texts(h, seen) == ["yatim"]
