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


async def test_an_answer_after_quiet_waits_for_the_chat_and_a_newer_update_replaces_it() -> None:
    processor = PerChatUpdateProcessor(32)
    sent: list[str] = []
    answered = asyncio.Event()

    async def answer(label: str) -> None:
        sent.append(label)
        answered.set()

    async def handled() -> None:
        pass

    # The first photo of an album is handled before the second has even arrived: its
    # answer waits (a whole minute here, so that only an arrival can end the wait).
    processor.after_quiet(7, 60, lambda: answer("after photo 1"))
    assert processor.busy  # an answer still to send keeps the bot busy
    # The second arrives: the first answer is dropped, the new update's handler answers
    # instead once the chat is quiet (at once here).
    await processor.do_process_update(_update(2, 7, photo=True), handled())
    processor.after_quiet(7, 0, lambda: answer("after photo 2"))
    # Another chat's update does not disturb it.
    await processor.do_process_update(_update(3, 8, photo=False), handled())
    await asyncio.wait_for(answered.wait(), timeout=10)
    assert sent == ["after photo 2"]

    # An answer already being sent is not cancelled by an arrival, and counts as busy.
    sending, release = asyncio.Event(), asyncio.Event()

    async def slow_answer() -> None:
        sending.set()
        await release.wait()
        sent.append("slow")

    processor.after_quiet(7, 0, slow_answer)
    await asyncio.wait_for(sending.wait(), timeout=10)
    await processor.do_process_update(_update(4, 7, photo=False), handled())
    assert processor.busy
    release.set()
    # Shutting down sends what still waits rather than dropping it.
    processor.after_quiet(9, 0, lambda: answer("at shutdown"))
    await processor.shutdown()
    assert sent == ["after photo 2", "slow", "at shutdown"]
    assert not processor.busy
