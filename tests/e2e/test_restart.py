"""Nothing is lost: a redelivered update is handled once, and a bot killed with SIGKILL in
the middle of the form comes back with the draft intact."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.demo import load_demo_data
from models.outbox import OutboxMessage
from models.reports import Report, ReportStatus
from models.updates import InboxUpdate, unhandled
from sandbox import Sandbox
from services.photos import TEMPORARY_MIN_AGE, PhotoStore
from tests.conftest import JAKARTA, REPO
from tests.e2e.conftest import TOKEN, Database, Harness
from tests.e2e.factories import add_staff, draft_activities, jpeg, photo_count
from tests.e2e.flows import (
    STAFF,
    answer,
    caught_up,
    fill_until_households,
    fill_until_photos,
    finish_from_photos,
    press,
)


async def photos_stored(h: Harness) -> int:
    async with h.db() as session:
        return await photo_count(session)


async def test_redelivered_update_changes_nothing(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    message = await user.send_photo(jpeg(seed=1))
    update = {"update_id": h.sandbox.last_update_id, "message": message}
    assert "1 foto diterima" in (await user.next_message())["text"]

    # The bot dies before confirming; on restart Telegram hands the same update over again.
    await h.restart()
    seen = len(user.inbox)
    h.sandbox.redeliver(update)
    await h.sandbox.settle()
    assert h.sandbox.last_update_id == update["update_id"]
    assert any(
        update["update_id"] in [u["update_id"] for u in (r.response or {}).get("result", [])]
        for r in h.sandbox.calls("getUpdates")
    ), "the update was not delivered again"
    # Skipped as already processed: no second photo, and not even a "duplicate" reply.
    assert await photos_stored(h) == 1
    assert len(user.inbox) == seen

    # The restarted bot still knows where the form was: the next photo is the second one.
    await user.send_photo(jpeg(seed=2))
    assert "2 foto diterima" in (await caught_up(h.sandbox, user))["text"]
    assert await photos_stored(h) == 2


async def test_a_send_whose_inbox_mark_was_lost_is_not_handled_again(harness: Harness) -> None:
    """The report's own commit records the "Send" press as handled; its inbox mark follows
    in a batch. A crash that lost the mark makes the next start handle the press again: it
    meets no form, and the sent report knows it as the press that sent it."""
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    summary = await finish_from_photos(h.sandbox, user)
    await user.press(summary, "✅ Kirim")
    assert "Laporan terkirim" in (await user.next_message())["text"]
    await h.sandbox.settle()
    press_id = h.sandbox.last_update_id

    await h.restart()
    async with h.db() as session:
        await session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id == press_id).values(handled_at=None)
        )
        await session.commit()
    seen, answers = len(user.inbox), len(h.sandbox.calls("answerCallbackQuery"))
    await h.restart()
    await h.sandbox.settle()
    async with h.db() as session:
        assert await unhandled(session) == []
        [report] = (await session.scalars(select(Report))).all()
        assert report.status is ReportStatus.SUBMITTED
    # Not even "already sent": the press was answered when it sent the report.
    assert len(user.inbox) == seen
    assert len(h.sandbox.calls("answerCallbackQuery")) == answers


_OURS = ("DAMPINGAN_", "TELEGRAM_")


class BotProcess:
    """`python -m bot run` against the sandbox, as an operator would start it."""

    def __init__(self, sandbox: Sandbox, db_url: str, data_dir: Path) -> None:
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("DAMPINGAN_", "TELEGRAM_"))
            },
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": sandbox.url,
            "DATABASE_URL": db_url,
            "DAMPINGAN_DATA_DIR": str(data_dir),
            "PYTHONPATH": str(REPO),
            # This test is about the form, not the weekly jobs and their catch-up at start.
            "DAMPINGAN_SCHEDULED_JOBS": "false",
        }
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.data_dir / "bot.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.data_dir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
async def killable(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[Sandbox, BotProcess]]:
    await load_demo_data(db_url)
    async with Sandbox(token=TOKEN, strict=True) as sandbox:
        bot = BotProcess(sandbox, db_url, tmp_path)
        try:
            yield sandbox, bot
        finally:
            bot.stop()
        assert sandbox.errors == []


async def polling_again(sandbox: Sandbox, bot: BotProcess) -> None:
    """Starts the bot process and waits until it long-polls (start-up takes a few seconds)."""
    before = len(sandbox.calls("getUpdates"))
    bot.start()
    for _ in range(300):
        if len(sandbox.calls("getUpdates")) > before:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError((bot.data_dir / "bot.log").read_text())


async def test_sigkill_mid_form_loses_nothing(
    killable: tuple[Sandbox, BotProcess], db_url: str
) -> None:
    sandbox, bot = killable
    database = Database(db_url)
    await add_staff(database, STAFF)
    await polling_again(sandbox, bot)
    user = sandbox.user(STAFF, "Budi")
    await fill_until_photos(sandbox, user)
    await user.send_photo(jpeg(seed=1))
    assert "1 foto diterima" in (await user.next_message())["text"]

    bot.kill()
    # While the bot is dead the person carries on: the photo waits at Telegram.
    await user.send_photo(jpeg(seed=2))
    await polling_again(sandbox, bot)
    assert "2 foto diterima" in (await user.next_message(timeout=15))["text"]

    bot.kill()
    await polling_again(sandbox, bot)
    summary = await finish_from_photos(sandbox, user)
    assert "Majalangu" in summary["text"] and "2 foto" in summary["text"]
    sent = await press(sandbox, user, summary, "✅ Kirim")
    assert "Laporan terkirim" in sent["text"]
    async with database.db() as session:
        reports = (await session.scalars(select(Report))).all()
        assert [r.status for r in reports] == [ReportStatus.SUBMITTED]
        assert await photo_count(session) == 2


async def fetched(sandbox: Sandbox, update_id: int) -> None:
    """Waits until the bot's getUpdates has carried `update_id` away (not yet confirmed)."""
    for _ in range(500):
        for call in sandbox.calls("getUpdates"):
            result = (call.response or {}).get("result") or []
            if any(u.get("update_id") == update_id for u in result):
                return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"update {update_id} was never fetched")


async def test_killed_right_after_send_the_confirmation_still_arrives(
    killable: tuple[Sandbox, BotProcess], db_url: str
) -> None:
    sandbox, bot = killable
    database = Database(db_url)
    await add_staff(database, STAFF)
    await polling_again(sandbox, bot)
    user = sandbox.user(STAFF, "Budi")
    await fill_until_photos(sandbox, user)
    await user.send_photo(jpeg(seed=1))
    await user.wait_for(lambda m: "1 foto diterima" in str(m.get("text")), timeout=10)
    summary = await finish_from_photos(sandbox, user)

    # Killed the moment the press has left Telegram: before or while it is handled.
    await user.press(summary, "✅ Kirim")
    await fetched(sandbox, sandbox.last_update_id)
    bot.kill()
    await polling_again(sandbox, bot)
    sent = await user.wait_for(lambda m: "Laporan terkirim" in str(m.get("text")), timeout=20)
    await sandbox.settle()
    assert sum("Laporan terkirim" in str(m.get("text")) for m in user.inbox) == 1
    async with database.db() as session:
        [report] = (await session.scalars(select(Report))).all()
        assert report.status is ReportStatus.SUBMITTED and report.reference in sent["text"]
        assert await photo_count(session) == 1


async def test_killed_after_the_submission_but_before_the_confirmation_got_out(
    killable: tuple[Sandbox, BotProcess], db_url: str
) -> None:
    sandbox, bot = killable
    database = Database(db_url)
    await add_staff(database, STAFF)
    await polling_again(sandbox, bot)
    user = sandbox.user(STAFF, "Budi")
    await fill_until_photos(sandbox, user)
    await user.send_photo(jpeg(seed=1))
    await user.wait_for(lambda m: "1 foto diterima" in str(m.get("text")), timeout=10)
    summary = await finish_from_photos(sandbox, user)

    # Telegram refuses every message for a while: the report is stored, its confirmation
    # waits in the outbox while the bot retries, and the bot dies meanwhile.
    sandbox.fail_randomly(1.0, methods=["sendMessage"])
    await user.press(summary, "✅ Kirim")
    for _ in range(500):
        async with database.db() as session:
            if await session.scalar(select(func.count()).select_from(OutboxMessage)):
                break
        await asyncio.sleep(0.02)
    bot.kill()
    sandbox.fail_randomly(0)
    async with database.db() as session:
        [report] = (await session.scalars(select(Report))).all()
        assert report.status is ReportStatus.SUBMITTED
    assert not any("Laporan terkirim" in str(m.get("text")) for m in user.inbox)

    await polling_again(sandbox, bot)
    sent = await user.wait_for(lambda m: "Laporan terkirim" in str(m.get("text")), timeout=20)
    assert report.reference is not None and report.reference in sent["text"]
    await sandbox.settle()
    assert sum("Laporan terkirim" in str(m.get("text")) for m in user.inbox) == 1


async def test_killed_right_after_an_album_every_photo_is_kept_once(
    killable: tuple[Sandbox, BotProcess], db_url: str
) -> None:
    sandbox, bot = killable
    database = Database(db_url)
    await add_staff(database, STAFF)
    await polling_again(sandbox, bot)
    user = sandbox.user(STAFF, "Budi")
    await fill_until_photos(sandbox, user)

    await user.send_album([jpeg(seed=10 + i) for i in range(4)])
    await fetched(sandbox, sandbox.last_update_id)
    bot.kill()
    await polling_again(sandbox, bot)
    status = await user.wait_for(lambda m: "4 foto diterima" in str(m.get("text")), timeout=20)
    assert "4 foto diterima" in status["text"]
    await sandbox.settle()
    async with database.db() as session:
        assert await photo_count(session) == 4
    # A write the kill cut short may have left its temporary file: the restarted bot leaves
    # it until it is ten minutes old (it might be another process's write in progress), then
    # sweeps it. Nothing half-written stays, and no photo file is touched.
    store = PhotoStore(bot.data_dir / "photos", tz=JAKARTA)
    later = datetime.now(UTC) + TEMPORARY_MIN_AGE + timedelta(minutes=1)
    kept = sorted(p for p in (bot.data_dir / "photos").rglob("*") if p.suffix == ".jpg")
    store.sweep_temporary(now=later)
    assert not list((bot.data_dir / "photos").rglob("*.tmp"))
    assert sorted(p for p in (bot.data_dir / "photos").rglob("*") if p.suffix == ".jpg") == kept


async def test_killed_before_the_next_question_went_out_asks_it_again(
    killable: tuple[Sandbox, BotProcess], db_url: str
) -> None:
    """The households answer is committed with the people question recorded as asked, then
    the bot dies while Telegram refuses that question: after the restart the person's next
    typed text is not taken as the number of people (they never saw that question)."""
    sandbox, bot = killable
    database = Database(db_url)
    await add_staff(database, STAFF)
    await polling_again(sandbox, bot)
    user = sandbox.user(STAFF, "Budi")
    await fill_until_households(sandbox, user)

    sandbox.fail_randomly(1.0, methods=["sendMessage"])
    await user.send_text("12")
    for _ in range(500):
        if ("sendMessage", "fail") in sandbox.faults_injected:
            break
        await asyncio.sleep(0.01)
    else:
        raise TimeoutError(sandbox.faults_injected)
    bot.kill()
    sandbox.fail_randomly(0)
    async with database.db() as session:
        [activity] = await draft_activities(session)
        assert (activity.households, activity.people) == (12, None)

    await polling_again(sandbox, bot)
    # Thinking "12" got lost, the person sends it again.
    await user.send_text("12")
    not_recorded = await user.next_message(timeout=20)
    assert "belum dicatat" in not_recorded["text"]
    assert "orang/jiwa" in (await user.next_message())["text"]
    async with database.db() as session:
        [activity] = await draft_activities(session)
        assert (activity.households, activity.people) == (12, None)
    assert "Uraikan" in (await answer(user, "40"))["text"]
    async with database.db() as session:
        [activity] = await draft_activities(session)
        assert (activity.households, activity.people) == (12, 40)
