"""The update processor: one chat in order, chats side by side, photos in a lane of their own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, PhotoSize, Update

from core.concurrency import HEAVY_SLOTS, PerChatUpdateProcessor

WHEN = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def _update(update_id: int, chat_id: int, *, photo: bool) -> Update:
    message = Message(
        message_id=update_id,
        date=WHEN,
        chat=Chat(chat_id, Chat.PRIVATE),
        text=None if photo else "12",
        photo=[PhotoSize("f", f"u{update_id}", 1280, 960)] if photo else None,
    )
    return Update(update_id, message=message)


async def test_photos_beyond_the_heavy_slots_leave_room_for_a_typed_answer() -> None:
    processor = PerChatUpdateProcessor(32)
    release = asyncio.Event()
    started: list[int] = []

    async def work(update_id: int) -> None:
        started.append(update_id)
        if update_id <= HEAVY_SLOTS + 1:
            await release.wait()

    photos = [
        asyncio.create_task(processor.do_process_update(_update(i, 100 + i, photo=True), work(i)))
        for i in range(1, HEAVY_SLOTS + 2)
    ]
    await asyncio.sleep(0.01)
    # Every heavy slot is taken; one more photo, of yet another chat, waits for one.
    assert sorted(started) == list(range(1, HEAVY_SLOTS + 1))
    text_id = HEAVY_SLOTS + 2
    await processor.do_process_update(_update(text_id, 999, photo=False), work(text_id))
    # The typed answer ran although a photo was still waiting for its lane.
    assert text_id in started and HEAVY_SLOTS + 1 not in started
    release.set()
    await asyncio.gather(*photos)
    assert HEAVY_SLOTS + 1 in started and not processor.busy


async def test_one_chats_updates_run_in_order() -> None:
    processor = PerChatUpdateProcessor(32)
    order: list[int] = []

    async def work(update_id: int, pause: float) -> None:
        await asyncio.sleep(pause)
        order.append(update_id)

    await asyncio.gather(
        processor.do_process_update(_update(1, 7, photo=True), work(1, 0.02)),
        processor.do_process_update(_update(2, 7, photo=False), work(2, 0)),
        processor.do_process_update(_update(3, 7, photo=True), work(3, 0)),
    )
    assert order == [1, 2, 3]
