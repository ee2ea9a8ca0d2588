"""Telegram fails, people flood, clocks move: every answer still lands once, in its field."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.ratelimit import TelegramRateLimiter
from handlers.access import FLOOD_BACKLOG
from jobs.digests import send_digests
from models.drafts import DraftActivity
from models.outbox import OutboxMessage
from models.reports import Photo, Report, ReportActivity, ReportStatus
from models.users import User
from sandbox import ChatEvent
from tests.conftest import JAKARTA, TEST_NOW
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, draft_activities, jpeg, photo_count
from tests.e2e.flows import (
    STAFF,
    Visit,
    answer,
    buttons,
    caught_up,
    fill_until_households,
    fill_until_photos,
    finish_from_photos,
    press,
    report_through_trouble,
)
from tests.e2e.test_digests import MONDAY, files, texts, world

# Quick retries, and a short time-out so a late answer is a time-out within the test.
FAST = {"api_backoff": (0.02, 0.05, 0.1, 0.2, 0.4), "api_timeout": 1.5}


async def faster(h: Harness) -> None:
    h.settings = h.settings.model_copy(update=FAST)
    await h.restart()


async def activities(h: Harness) -> list[DraftActivity]:
    async with h.db() as session:
        return await draft_activities(session)


async def test_failed_question_after_households_does_not_file_the_next_answer_there(
    harness: Harness,
) -> None:
    h = harness
    await faster(h)
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_households(h.sandbox, user)

    # The answer is stored, but the next question never gets through (all six tries fail).
    h.sandbox.fail_next("sendMessage", status=502, description="Bad Gateway", times=6)
    await user.send_text("12")
    apology = await user.next_message(timeout=10)
    assert "terjadi kesalahan" in apology["text"]
    assert not any("orang/jiwa" in str(m.get("text")) for m in user.inbox)

    # The person, who never saw the people question, types 40: it is not filed anywhere.
    await user.send_text("40")
    not_recorded = await user.next_message()
    assert "belum dicatat" in not_recorded["text"]
    question = await user.next_message()
    assert "orang/jiwa" in question["text"]
    [activity] = await activities(h)
    assert (activity.households, activity.people) == (12, None)

    # Now that the question arrived, the same answer goes where it belongs.
    ask_description = await answer(user, "40")
    assert "Uraikan" in ask_description["text"]
    [activity] = await activities(h)
    assert (activity.households, activity.people) == (12, 40)


async def test_five_people_through_5xx_time_outs_and_a_429_storm(harness: Harness) -> None:
    h = harness
    await faster(h)
    people = [2101, 2102, 2103, 2104, 2105]
    for telegram_id in people:
        await add_staff(h, telegram_id)
    # 10% of calls fail (a third of them after Telegram acted), 10% are answered late.
    h.sandbox.fail_randomly(0.1, after_acting=0.3, seed=7)
    h.sandbox.answer_late(0.1, delay=2.0, seed=8)
    visits = {
        telegram_id: Visit(
            village="Majalangu",
            households=10 + n,
            people=30 + n,
            description=f"Pendataan keluarga penerima PBI nomor {n}.",
            photos=[jpeg(seed=100 + 10 * n + k) for k in range(2)],
        )
        for n, telegram_id in enumerate(people)
    }

    async def storm() -> None:
        await asyncio.sleep(1.0)
        h.sandbox.flood(1.5, retry_after=1)

    results = await asyncio.gather(
        storm(),
        *(
            report_through_trouble(h.sandbox, h.user(telegram_id, f"P{telegram_id}"), visit)
            for telegram_id, visit in visits.items()
        ),
    )
    h.sandbox.fail_randomly(0)
    h.sandbox.answer_late(0, delay=0)
    await h.sandbox.settle(timeout=30)

    kinds = {kind for _, kind in h.sandbox.faults_injected}
    assert {"fail", "fail-after-acting", "late", "429"} <= kinds, kinds
    assert h.sandbox.early_retries == 0, "a 429 pause ended early"
    async with h.db() as session:
        reports = (
            await session.scalars(select(Report).where(Report.status == ReportStatus.SUBMITTED))
        ).all()
        assert len(reports) == len(people)  # each landed exactly once
        for report in reports:
            user = await session.get(User, report.user_id)
            assert user is not None
            visit = visits[user.telegram_id]
            [activity] = (
                await session.scalars(
                    select(ReportActivity).where(ReportActivity.report_id == report.id)
                )
            ).all()
            assert (activity.households, activity.people, activity.description) == (
                visit.households,
                visit.people,
                visit.description,
            )
            photos = await session.scalar(
                select(func.count()).select_from(Photo).where(Photo.activity_id == activity.id)
            )
            assert photos == 2
            assert report.reference is not None
            confirmation = results[1 + people.index(user.telegram_id)]
            assert confirmation is not None
            assert report.reference in str(confirmation["text"])
        assert (
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None))
            )
            == 0
        )


async def test_a_tap_is_answered_while_another_persons_album_is_processed(
    harness: Harness,
) -> None:
    h = harness
    await add_staff(h, STAFF)
    await add_staff(h, 2202)
    album_owner, tapper = h.user(STAFF, "Budi"), h.user(2202, "Sari")
    await fill_until_photos(h.sandbox, album_owner)
    ask_village = await answer(tapper, "/lapor")

    events: list[str] = []

    def record(event: ChatEvent) -> None:
        if event.kind not in ("message", "edited") or event.message is None:
            return
        text = str(event.message.get("text", ""))
        if event.chat_id == tapper.id and "Tanggal kunjungan" in text:
            events.append("tap answered")
        if event.chat_id == album_owner.id and "10 foto diterima" in text:
            events.append("album done")

    h.sandbox.add_listener(record)
    # Every photo download takes a while: the album keeps its chat busy for seconds.
    h.sandbox.slow_downloads(0.4)
    await album_owner.send_album([jpeg(seed=300 + i) for i in range(10)])
    await tapper.press(ask_village, "Majalangu")
    await h.sandbox.settle(timeout=30)
    h.sandbox.slow_downloads(0)
    assert events == ["tap answered", "album done"], events


async def test_a_flooding_stranger_neither_slows_others_nor_uses_up_the_allowance(
    harness: Harness,
) -> None:
    h = harness
    await add_staff(h, STAFF)
    stranger, staff = h.user(4444, "Spam", language_code="en"), h.user(STAFF, "Budi")
    await staff.send_text("/start")
    await caught_up(h.sandbox, staff)

    order: list[str] = []
    h.sandbox.add_listener(
        lambda e: (
            order.append("staff" if e.chat_id == staff.id else "stranger")
            if e.kind == "message"
            else None
        )
    )
    for i in range(100):  # a burst far beyond what any person sends
        await stranger.send_text(f"spam {i}")
    for _ in range(3):
        await staff.send_text("/bantuan")
    await h.sandbox.settle(timeout=30)

    # Answered at a bounded rate: the updates that queue up behind the flood are dropped
    # (with one request to slow down), not answered one a second for minutes.
    assert len(stranger.inbox) <= FLOOD_BACKLOG + 4, len(stranger.inbox)
    assert (
        sum(
            "terlalu cepat" in str(m.get("text")) or "too fast" in str(m.get("text"))
            for m in stranger.inbox
        )
        == 1
    )
    # The staff member was answered while the stranger's answers were still trickling out.
    assert order.count("staff") == 3
    assert max(i for i, who in enumerate(order) if who == "staff") < len(order) - 1


async def test_two_runs_of_the_same_digest_send_it_once(harness: Harness) -> None:
    h = harness
    await world(h)
    first, second = await asyncio.gather(send_digests(h.app, MONDAY), send_digests(h.app, MONDAY))
    await h.sandbox.settle()
    for telegram_id in first.outcomes:
        user = h.sandbox.user(telegram_id)
        assert len(texts(user)) == 1, telegram_id
        assert len(files(user, "document")) == 1, telegram_id
    assert {first.outcomes[t].value for t in first.outcomes} | {
        second.outcomes[t].value for t in second.outcomes
    } == {"sent", "already"}


async def test_a_429_pause_holds_every_call_until_it_ends(harness: Harness) -> None:
    h = harness
    assert isinstance(h.app.bot.rate_limiter, TelegramRateLimiter)
    chat = h.user(STAFF, "Budi")
    await chat.send_text("/start")  # the chat exists
    await h.sandbox.settle()
    # A slow call is in flight when the 429 comes and ends during the pause: with PTB's
    # AIORateLimiter that ends the pause for everyone (python-telegram-bot#5338).
    h.sandbox.answer_late(1.0, delay=0.5, methods=["sendChatAction"])
    h.sandbox.flood(0.3, retry_after=1, methods=["sendMessage"])
    action = asyncio.create_task(h.app.bot.send_chat_action(chat.id, "typing"))
    await asyncio.sleep(0.05)
    first = asyncio.create_task(h.app.bot.send_message(chat.id, "satu"))
    await asyncio.sleep(0.2)  # the pause is on; this call must wait for its end
    second = asyncio.create_task(h.app.bot.send_message(chat.id, "dua"))
    await asyncio.gather(action, first, second)
    h.sandbox.answer_late(0, delay=0)
    assert [r.status for r in h.sandbox.calls("sendMessage")][-2:] == [200, 200]
    assert any(r.status == 429 for r in h.sandbox.calls("sendMessage"))
    assert h.sandbox.early_retries == 0


async def test_a_report_sent_at_half_past_midnight_on_new_year_has_the_new_year(
    harness: Harness,
) -> None:
    h = harness
    new_year = datetime(TEST_NOW.year + 1, 1, 1, 0, 30, tzinfo=JAKARTA)
    h.app.clock.set(new_year)
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    summary = await finish_from_photos(h.sandbox, user)
    sent = await press(h.sandbox, user, summary, "✅ Kirim")
    assert f"LPR-{new_year.year}-" in sent["text"]
    async with h.db() as session:
        report = await session.scalar(select(Report))
        assert report is not None and report.submitted_at is not None
        # Stored in UTC, which is still the old year.
        assert report.submitted_at.year == new_year.year - 1
        assert report.submitted_at.astimezone(JAKARTA) - new_year < timedelta(minutes=5)
        assert report.visit_date == new_year.date()
    assert buttons(summary)


async def test_a_photo_telegram_cannot_hand_over_is_asked_for_again(harness: Harness) -> None:
    h = harness
    await faster(h)
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    assert "1 foto diterima" in (await caught_up(h.sandbox, user))["text"]

    h.sandbox.fail_randomly(1.0, methods=["getFile"])
    await user.send_photo(jpeg(seed=2))
    told = await user.wait_for(lambda m: "kirim ulang" in str(m.get("text")), timeout=15)
    assert "tetap tersimpan" in told["text"]
    h.sandbox.fail_randomly(0)
    async with h.db() as session:
        assert await photo_count(session) == 1
    await caught_up(h.sandbox, user)
    await user.send_photo(jpeg(seed=2))
    assert "2 foto diterima" in (await caught_up(h.sandbox, user))["text"]
